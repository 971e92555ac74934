"""Validation of a voice from any channel, with messages in Japanese keyed by field."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from email_validator import EmailNotValidError, validate_email

from models import AGE_GROUPS, CHANNELS, VOICE_TYPES
from voices.dates import EARLIEST_DATE, JST, TOO_OLD

BODY_MAX = 4000
SUBJECT_MAX = 200
NAME_MAX = 100
DISTRICT_MAX = 50
EMAIL_MAX = 254
PHONE_MAX = 32
# Row ids are 32-bit integers on PostgreSQL: a larger id cannot exist and must not reach a query.
ID_MAX = 2**31 - 1
SPEAKER_MAX = 32
# A received_at this far ahead of the server clock is a typo, not clock skew.
FUTURE_TOLERANCE = timedelta(minutes=10)

# Channels where the citizen ticks the consent box themselves; staff channels record consent orally.
SELF_SERVICE_CHANNELS = frozenset({"web", "api"})

_PHONE_CHARS = re.compile(r"^[0-9()\-+ ]+$")
# Control characters (Unicode category Cc) but newline and tab, surrogates (Cs), the line/paragraph
# separators and BOM that break one-line fields, and invisible format characters (soft hyphen, zero-width
# space, direction marks and overrides, word joiner) that hide what a text says: a マイナンバー split by
# zero-width spaces, a body that looks empty. The zero-width (non-)joiners stay: emoji and some scripts
# need them.
_DROPPED_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff"
    "\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069]")


@dataclass(frozen=True)
class VoiceInput:
    """What any channel hands to intake; strings may be raw user input."""

    body: str
    voice_type: str
    channel: str = "web"
    subject: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    district: str = ""
    age_group: str = ""
    wants_reply: bool = False
    consent_privacy: bool = False
    consent_publish: bool = False
    received_at: datetime | None = None
    client_token: str | None = None
    created_by_id: int | None = None
    # Staff channels (counter, meetings, imports, the staff API):
    meeting_id: int | None = None  # the 会合 a remark was made at
    speaker_category: str = ""  # 発言者区分 at a meeting, e.g. 市民, 区長, 団体
    section_name: str = ""  # a 課 chosen by staff; overrides the model (see routing.service.route_voice)


@dataclass
class ValidationResult:
    """The cleaned input and any errors, as ``{field: [message, ...]}``."""

    cleaned: VoiceInput
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def strip_control_chars(text: str, *, multiline: bool) -> str:
    """Drop control and format characters (keeping newlines and tabs in multi-line text)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    # One regex pass instead of a loop per character (imports validate every cell of 100,000 rows).
    return _DROPPED_CHARS.sub("", text)


def _clean_line(text: str) -> str:
    return strip_control_chars(text, multiline=False).strip()


# The dashes people type in a number: hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal
# bar, minus sign, and the katakana prolonged sound mark ー (a Japanese keyboard's "-" in kana mode).
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc", "-"))


def normalize_number_text(text: str) -> str:
    """``text`` with full-width digits and letters made ASCII (NFKC) and every common dash made ``-``:
    how a phone or 受付番号 typed on any keyboard is compared."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def clean(data: VoiceInput) -> VoiceInput:
    """Normalise whitespace and strip control characters in every text field."""
    return replace(
        data,
        body=strip_control_chars(data.body, multiline=True).strip(),
        voice_type=_clean_line(data.voice_type),
        subject=_clean_line(data.subject),
        name=_clean_line(data.name),
        email=unicodedata.normalize("NFKC", _clean_line(data.email)),
        phone=normalize_number_text(_clean_line(data.phone)),
        district=_clean_line(data.district),
        age_group=_clean_line(data.age_group),
        speaker_category=_clean_line(data.speaker_category),
        section_name=_clean_line(data.section_name),
    )


def validate(data: VoiceInput) -> ValidationResult:
    """Clean ``data`` and check it; never raises for bad input."""
    cleaned = clean(data)
    result = ValidationResult(cleaned)
    if cleaned.channel not in CHANNELS:
        result.add("channel", "受付経路が正しくありません。")
    if cleaned.voice_type not in VOICE_TYPES:
        result.add("voice_type", "種別を選んでください。")
    if not cleaned.body:
        result.add("body", "内容を入力してください。")
    elif len(cleaned.body) > BODY_MAX:
        result.add("body", f"内容は{BODY_MAX:,}文字以内で入力してください（現在{len(cleaned.body):,}文字）。")
    if len(cleaned.subject) > SUBJECT_MAX:
        result.add("subject", f"件名は{SUBJECT_MAX}文字以内で入力してください。")
    if len(cleaned.name) > NAME_MAX:
        result.add("name", f"氏名は{NAME_MAX}文字以内で入力してください。")
    if len(cleaned.district) > DISTRICT_MAX:
        result.add("district", f"地区は{DISTRICT_MAX}文字以内で入力してください。")
    if cleaned.age_group and cleaned.age_group not in AGE_GROUPS:
        result.add("age_group", "年代を一覧から選んでください。")
    if cleaned.email:
        _check_email(cleaned.email, result)
    if len(cleaned.phone) > PHONE_MAX:
        result.add("phone", f"電話番号は{PHONE_MAX}文字以内で入力してください。")
    elif cleaned.phone:
        digits = re.sub(r"\D", "", cleaned.phone)
        if not _PHONE_CHARS.match(cleaned.phone) or not 10 <= len(digits) <= 11:
            result.add("phone", "電話番号は市外局番から、数字とハイフンで入力してください（例：0297-00-0000）。")
    if cleaned.wants_reply and not (cleaned.email or cleaned.phone):
        result.add("wants_reply", "回答を希望する場合は、メールアドレスか電話番号を入力してください。")
    if cleaned.channel in SELF_SERVICE_CHANNELS and not cleaned.consent_privacy:
        result.add("consent_privacy", "個人情報の取扱いに同意してください。")
    if cleaned.meeting_id is not None and not 1 <= cleaned.meeting_id <= ID_MAX:
        result.add("meeting_id", "会合が見つかりません。一覧から選んでください。")
    if len(cleaned.speaker_category) > SPEAKER_MAX:
        result.add("speaker_category", f"発言者区分は{SPEAKER_MAX}文字以内で入力してください。")
    if cleaned.meeting_id is not None and cleaned.channel != "meeting":
        result.add("channel", "会合に結び付ける声の受付経路は「会合」にしてください。")
    if cleaned.received_at is not None:
        if cleaned.received_at.tzinfo is None:
            result.add("received_at", "受付日時のタイムゾーンがありません。")
        elif cleaned.received_at > datetime.now(UTC) + FUTURE_TOLERANCE:
            result.add("received_at", "受付日時が未来になっています。日時を確認してください。")
        elif cleaned.received_at < datetime.combine(EARLIEST_DATE, time(), JST):  # the bound imports use
            result.add("received_at", f"受付日時（{cleaned.received_at.date().isoformat()}）が古すぎます。{TOO_OLD}")
    return result


def _check_email(email: str, result: ValidationResult) -> None:
    if len(email) > EMAIL_MAX:
        result.add("email", "メールアドレスが長すぎます。")
        return
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        result.add("email", "メールアドレスの形式が正しくありません（例：taro@example.jp）。")
