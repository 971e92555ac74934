"""Flask-WTF forms of the administrator pages; every message is Japanese, every POST form carries CSRF."""
from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DecimalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from models import (
    API_SCOPES,
    DEFAULT_TOKEN_LIFETIME_DAYS,
    MATCH_TYPES,
    ROLES,
    TOKEN_LIFETIMES_DAYS,
    VOICE_TYPES,
)
from web.admin.services import PASSWORD_MIN
from web.api.tokens import READ_SCOPE, read_choice_problem
from web.date_fields import JaDateField

LOGIN_ID_PATTERN = r"^[A-Za-z0-9._-]+$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _strip(value):
    """Trim surrounding spaces (including 全角 spaces) of text input."""
    return value.strip().strip("\u3000").strip() if isinstance(value, str) else value


def _nfkc(text: str) -> str:
    """全角 digits and signs to 半角, so ``１０`` is read as 10."""
    return unicodedata.normalize("NFKC", text).strip()


def _required(what: str) -> DataRequired:
    """Text must be given and not only spaces."""
    return DataRequired(message=f"{what}を入力してください。")


def _given(what: str) -> InputRequired:
    """A number must be given (0 counts as given)."""
    return InputRequired(message=f"{what}を入力してください。")


def _max_length(limit: int) -> Length:
    return Length(max=limit, message=f"{limit}文字以内で入力してください。")


def optional_int(value) -> int | None:
    """Coerce a select value to int, with the empty choice meaning None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def valid_choice(form, field) -> None:
    """A select's value must be one of its choices (the message WTForms gives is English)."""
    if field.data not in {field.coerce(choice.value) for choice in field.choices}:
        raise ValidationError("一覧から選んでください。")


class _ParsedOnce:
    """Once the input could not be read, only that message is shown (not the range checks too)."""

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


def chosen(message: str):
    """A select with an empty first choice must have something picked."""
    def check(form, field) -> None:
        if field.data in (None, ""):
            raise StopValidation(message)
    return check


class JaIntegerField(_ParsedOnce, IntegerField):
    """An integer input that accepts 全角 digits and reports errors in Japanese."""

    def process_formdata(self, valuelist):
        if not valuelist or not _nfkc(valuelist[0]):
            self.data = None
            return
        try:
            self.data = int(_nfkc(valuelist[0]))
        except ValueError:
            self.data = None
            raise ValueError("半角の整数で入力してください。")


class JaDecimalField(_ParsedOnce, DecimalField):
    """A decimal input that accepts 全角 digits and reports errors in Japanese."""

    def process_formdata(self, valuelist):
        if not valuelist or not _nfkc(valuelist[0]):
            self.data = None
            return
        try:
            super().process_formdata([_nfkc(valuelist[0])])
        except ValueError:
            self.data = None
            raise ValueError("0から1までの数値（例：0.5）で入力してください。")


class ActionForm(FlaskForm):
    """A button that changes something (deactivate, unlock): CSRF only."""


class DepartmentForm(FlaskForm):
    name = StringField("部の名称", filters=[_strip], validators=[_required("部の名称"), _max_length(64)])
    sort_order = JaIntegerField("表示順", default=0, validators=[
        _given("表示順"), NumberRange(0, 9999, message="0から9999までの整数で入力してください。")])


class SectionForm(FlaskForm):
    name = StringField("課の名称", filters=[_strip], validators=[_required("課の名称"), _max_length(64)])
    department_id = SelectField("所属する部", coerce=optional_int, validate_choice=False,
                                validators=[chosen("部を選んでください。"), valid_choice])
    description = TextAreaField("所管事項", filters=[_strip], validators=[_max_length(2000)])
    sort_order = JaIntegerField("表示順", default=0, validators=[
        _given("表示順"), NumberRange(0, 9999, message="0から9999までの整数で入力してください。")])
    active = BooleanField("有効（振り分け先として使う）", default=True)
    successor_id = SelectField("事務を引き継ぐ課（無効にするとき）", coerce=optional_int, validate_choice=False,
                               validators=[valid_choice])
    is_hearing = BooleanField("広聴（振り分け担当）の課にする")


_ROLE_CHOICES = [SelectChoice(key, label) for key, label in ROLES.items()]


class _UserFields(FlaskForm):
    display_name = StringField("氏名（表示名）", filters=[_strip], validators=[_required("氏名"), _max_length(100)])
    email = StringField("メールアドレス", filters=[_strip], validators=[
        Optional(), _max_length(254), Regexp(EMAIL_PATTERN, message="メールアドレスの形式が正しくありません。")])
    role = SelectField("役割", choices=_ROLE_CHOICES, validate_choice=False, validators=[valid_choice])
    section_id = SelectField("所属課", coerce=optional_int, validate_choice=False, validators=[valid_choice])


class UserCreateForm(_UserFields):
    login_id = StringField("ログインID", filters=[_strip], validators=[
        _required("ログインID"), Length(min=3, max=64, message="3文字以上64文字以内で入力してください。"),
        Regexp(LOGIN_ID_PATTERN, message="半角英数字と . _ - だけが使えます。")])
    password = PasswordField("初期パスワード", validators=[
        _required("初期パスワード"),
        Length(min=PASSWORD_MIN, max=128, message=f"{PASSWORD_MIN}文字以上128文字以内で入力してください。")])
    password_confirm = PasswordField("初期パスワード（確認）", validators=[
        _required("確認用のパスワード"), EqualTo("password", message="確認用のパスワードが一致しません。")])


class UserEditForm(_UserFields):
    active = BooleanField("有効（ログインできる）", default=True)


class PasswordResetForm(FlaskForm):
    password = PasswordField("新しいパスワード", validators=[
        _required("新しいパスワード"),
        Length(min=PASSWORD_MIN, max=128, message=f"{PASSWORD_MIN}文字以上128文字以内で入力してください。")])
    password_confirm = PasswordField("新しいパスワード（確認）", validators=[
        _required("確認用のパスワード"), EqualTo("password", message="確認用のパスワードが一致しません。")])


class RuleForm(FlaskForm):
    name = StringField("ルール名", filters=[_strip], validators=[_required("ルール名"), _max_length(100)])
    match_type = SelectField("条件の種類", choices=[SelectChoice(k, v) for k, v in MATCH_TYPES.items()],
                             validate_choice=False, validators=[valid_choice])
    pattern = TextAreaField("条件", validators=[_required("条件"), _max_length(500)])
    section_id = SelectField("振り分け先の課", coerce=optional_int, validate_choice=False,
                             validators=[chosen("振り分け先の課を選んでください。"), valid_choice])
    priority = JaIntegerField("優先順位", default=100, validators=[
        _given("優先順位"), NumberRange(0, 9999, message="0から9999までの整数で入力してください。")])
    active = BooleanField("有効", default=True)


class RuleTestForm(FlaskForm):
    text = TextAreaField("試す文章", validators=[_required("試す文章"), _max_length(4000)])


_DUE_RANGE = NumberRange(1, 365, message="1から365までの整数（営業日）で入力してください。")


class SettingsForm(FlaskForm):
    auto_threshold = JaDecimalField("自動振り分けのしきい値", places=None, validators=[
        _given("しきい値"), NumberRange(0, 1, message="0から1までの数値（例：0.5）で入力してください。")])
    due_default = JaIntegerField("標準の回答期限（営業日）", validators=[_given("標準の回答期限"), _DUE_RANGE])
    escalation_days = JaIntegerField("広聴への引き上げ（期限後の営業日）", validators=[
        _given("引き上げまでの日数"), NumberRange(0, 365, message="0から365までの整数で入力してください。")])
    tarai_forwards = JaIntegerField("たらい回し通知（回送の回数）", validators=[
        _given("回送の回数"), NumberRange(1, 20, message="1から20までの整数で入力してください。")])
    retention_years = JaIntegerField("個人情報の保存期間（年）", validators=[
        _given("保存期間"), NumberRange(1, 30, message="1から30までの整数（年）で入力してください。")])
    retrain_new_labels = JaIntegerField("分類モデルの自動再学習（新しく確定した担当課の件数）", validators=[
        _given("件数"), NumberRange(0, 100000, message="0から100000までの整数で入力してください。")])


# One optional field per voice type, named due_0 … due_5 in the order of VOICE_TYPES (blank = 標準).
for _index, _voice_type in enumerate(VOICE_TYPES):
    setattr(SettingsForm, f"due_{_index}", JaIntegerField(
        f"{_voice_type}の回答期限（営業日）", validators=[Optional(), _DUE_RANGE]))


class ReplyTemplateForm(FlaskForm):
    title = StringField("題名", filters=[_strip], validators=[_required("題名"), _max_length(100)])
    voice_type = SelectField("対象の種別",
                             choices=[SelectChoice("", "すべての種別")] + [SelectChoice(t) for t in VOICE_TYPES],
                             validate_choice=False, validators=[valid_choice])
    body = TextAreaField("本文", validators=[_required("本文"), _max_length(4000)])
    active = BooleanField("有効", default=True)


class AuditFilterForm(FlaskForm):
    """Filters of the audit log viewer (GET, read-only: no CSRF)."""

    class Meta:
        csrf = False

    action = SelectField("操作の種類", validate_choice=False)
    actor = StringField("実行者（ログインIDまたは氏名）", filters=[_strip], validators=[_max_length(100)])
    date_from = JaDateField("期間（から）", validators=[Optional()])
    date_to = JaDateField("期間（まで）", validators=[Optional()])
    receipt_no = StringField("受付番号", filters=[_strip], validators=[_max_length(20)])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("終わりの日は始まりの日以降にしてください。")


class _ChosenIds(SelectMultipleField):
    """Checkboxes of ids whose choices the view fills; a value that is not a number is refused in Japanese."""

    def process_formdata(self, valuelist) -> None:
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError("一覧から選んでください。") from None


class ApiTokenForm(FlaskForm):
    """Issue an API token to an integration: a name staff will recognise, what it may do, for how long,
    and — for reading voices — which 課. Reading every 課 has no default: the administrator picks it."""

    name = StringField("連携先の名前", filters=[_strip], validators=[_required("連携先の名前"), _max_length(100)])
    scopes = SelectMultipleField(
        "権限", choices=[SelectChoice(code, label) for code, label in API_SCOPES.items()], default=list(API_SCOPES),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        validators=[DataRequired(message="権限を1つ以上選んでください。")],
    )
    days = SelectField(
        "有効期間", coerce=int, default=DEFAULT_TOKEN_LIFETIME_DAYS, validators=[valid_choice],
        choices=[SelectChoice(days, f"{days}日" + ("（標準）" if days == DEFAULT_TOKEN_LIFETIME_DAYS else ""))
                 for days in TOKEN_LIFETIMES_DAYS],
    )
    read_range = RadioField(
        "声を読める範囲", validate_choice=False,
        choices=[SelectChoice("sections", "選んだ課の声だけ"),
                 SelectChoice("all", "すべての課の声（全庁の声の本文を読めます）")],
    )
    section_ids = _ChosenIds("声を読める課", choices=[], validate_choice=False,
                             widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the choice of 課 as the token service checks it, so every problem shows at once."""
        valid = super().validate(extra_validators)
        if not self.scopes.data or self.section_ids.errors:
            return valid
        if self.read_range.data == "sections" and not self.section_ids.data and READ_SCOPE in self.scopes.data:
            self.section_ids.errors.append("声を読める課を1つ以上選んでください。")
            return False
        problem = read_choice_problem(self.scopes.data, self.section_ids.data, self.read_range.data == "all")
        if problem is not None:
            self[problem.field].errors.append(str(problem))
            return False
        return valid
