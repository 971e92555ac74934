"""Flask-WTF forms of the public pages. Rules live in ``voices.validation``; forms carry fields and CSRF."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from models import AGE_GROUPS, VOICE_TYPES
from voices.validation import BODY_MAX

VOICE_TYPE_HINTS = {
    "苦情": "困っていること・改善してほしいこと",
    "要望": "してほしいこと",
    "提案": "市への提案・アイデア",
    "問合せ": "わからないこと・質問",
    "意見": "市政への意見",
    "感謝": "お礼・よかったこと",
}


class VoiceForm(FlaskForm):
    """The citizen's voice. ``client_token`` makes the final submission idempotent."""

    voice_type = RadioField("種別", choices=list(VOICE_TYPES), validate_choice=False)
    subject = StringField("件名（任意）")
    body = TextAreaField(f"内容（{BODY_MAX:,}文字以内）")
    name = StringField("お名前（任意）")
    email = StringField("メールアドレス（任意）")
    phone = StringField("電話番号（任意）")
    district = StringField("お住まいの地区（任意）")
    age_group = SelectField("年代（任意）", choices=[SelectChoice("", "選択しない")] + [SelectChoice(a) for a in AGE_GROUPS],
                            validate_choice=False)
    wants_reply = BooleanField("市からの回答を希望する")
    consent_privacy = BooleanField("個人情報の取扱いに同意する（必須）")
    consent_publish = BooleanField("個人が特定されない形で、この声と市の回答を公開してよい")
    client_token = HiddenField()


class StatusForm(FlaskForm):
    """Lookup of a voice by 受付番号 and 確認コード."""

    receipt_no = StringField("受付番号")
    access_code = StringField("確認コード")
