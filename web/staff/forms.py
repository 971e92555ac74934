"""Forms of the staff pages. Business rules live in the services; forms carry fields and CSRF."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from models import CHANNELS, REPLY_METHODS, STATUSES, VOICE_TYPES
from routing.workflow import NO_ACTION_REASONS, RELATED_ROLES
from voices.search import MAX_QUERY
from web.date_fields import JaDateField


class LoginForm(FlaskForm):
    login_id = StringField("ログインID", validators=[DataRequired(message="ログインIDを入力してください。")])
    password = PasswordField("パスワード", validators=[DataRequired(message="パスワードを入力してください。")])


class ActionForm(FlaskForm):
    """A button that only needs CSRF protection (accept, close, approve, …)."""


class AssignForm(FlaskForm):
    section_id = SelectField("担当課", coerce=int, validate_choice=False)
    reason = TextAreaField("理由（任意）")


class ForwardForm(FlaskForm):
    section_id = SelectField("転送先の課", coerce=int, validate_choice=False)
    reason = TextAreaField("転送する理由（必須）")


class RelatedForm(FlaskForm):
    section_id = SelectField("関係課", coerce=int, validate_choice=False)
    role = SelectField("種類", choices=[SelectChoice(k, v) for k, v in RELATED_ROLES.items()], validate_choice=False)
    note = TextAreaField("依頼内容（任意）")


class NoteForm(FlaskForm):
    text = TextAreaField("庁内メモ")


class ReplyForm(FlaskForm):
    body = TextAreaField("回答文")


class ReturnForm(FlaskForm):
    reason = TextAreaField("差戻しの理由（必須）")


class SendForm(FlaskForm):
    method = SelectField("送付方法", choices=[SelectChoice(k, v) for k, v in REPLY_METHODS.items()],
                         validate_choice=False)


class NoActionForm(FlaskForm):
    reason = SelectField("理由", choices=[SelectChoice(k, v) for k, v in NO_ACTION_REASONS.items()],
                         validate_choice=False)
    detail = TextAreaField("補足（任意）")


class QueueFilterForm(FlaskForm):
    """The queue filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    tab = SelectField("表示", choices=[SelectChoice("own", "担当の声"), SelectChoice("shared", "共有された声")],
                      validate_choice=False, default="own")
    status = SelectField("状況", choices=[SelectChoice("open", "未完了すべて"), SelectChoice("all", "すべて")]
                         + [SelectChoice(k, v) for k, v in STATUSES.items()], validate_choice=False, default="open")
    voice_type = SelectField("種別", choices=[SelectChoice("", "すべて")] + [SelectChoice(t) for t in VOICE_TYPES],
                             validate_choice=False, default="")
    channel = SelectField("経路", choices=[SelectChoice("", "すべて")] + [SelectChoice(k, v) for k, v in CHANNELS.items()],
                          validate_choice=False, default="")
    measure = StringField("改革項目（例：M5-3）")
    overdue = BooleanField("期限超過のみ")
    date_from = JaDateField("受付日（から）", validators=[Optional()])
    date_to = JaDateField("受付日（まで）", validators=[Optional()])
    q = StringField("キーワード・受付番号", validators=[
        Length(max=MAX_QUERY, message=f"キーワードは{MAX_QUERY}文字以内で入力してください。")])
