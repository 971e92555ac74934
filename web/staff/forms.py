"""Forms of the staff pages."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired


class LoginForm(FlaskForm):
    login_id = StringField("ログインID", validators=[DataRequired(message="ログインIDを入力してください。")])
    password = PasswordField("パスワード", validators=[DataRequired(message="パスワードを入力してください。")])


class AssignForm(FlaskForm):
    section_id = SelectField("担当課", coerce=int, validate_choice=False)
    reason = TextAreaField("理由（任意）")
