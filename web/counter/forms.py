"""Forms of the counter and meeting pages. Rules live in ``voices.validation``; forms carry fields and CSRF."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from models import AGE_GROUPS, CHANNELS, MEETING_KINDS, VOICE_TYPES

# The roads a voice reaches the front desk by (the web form and the API have their own doors).
COUNTER_CHANNELS = ("counter", "phone", "letter", "fax", "email", "meeting")


class CounterForm(FlaskForm):
    """One consultation at the counter or on the phone."""

    channel = SelectField("経路", choices=[SelectChoice(c, CHANNELS[c]) for c in COUNTER_CHANNELS],
                          validate_choice=False)
    received_at = StringField("受付日時")
    voice_type = SelectField("種別", choices=[SelectChoice(t) for t in VOICE_TYPES], validate_choice=False)
    subject = StringField("件名（任意）")
    body = TextAreaField("内容")
    section_name = SelectField("担当課（任意）", validate_choice=False)
    meeting_id = SelectField("会合（任意）", validate_choice=False)
    name = StringField("氏名")
    phone = StringField("電話番号")
    email = StringField("メールアドレス")
    district = StringField("地区")
    age_group = SelectField("年代", choices=[SelectChoice("", "—")] + [SelectChoice(a) for a in AGE_GROUPS],
                            validate_choice=False)
    wants_reply = BooleanField("回答を希望する")
    client_token = HiddenField()


class MeetingForm(FlaskForm):
    name = StringField("名称")
    kind = SelectField("種別", choices=[SelectChoice(k) for k in MEETING_KINDS], validate_choice=False)
    held_on = StringField("開催日")
    place = StringField("場所（任意）")
    note = TextAreaField("メモ（任意）")


class RemarkForm(FlaskForm):
    speaker_category = StringField("発言者区分（任意）")
    district = StringField("地区（任意）")
    voice_type = SelectField("種別", choices=[SelectChoice(t) for t in VOICE_TYPES], validate_choice=False,
                             default="意見")
    body = TextAreaField("発言内容")
    client_token = HiddenField()
