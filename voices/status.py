"""What a citizen may see about their own voice."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from models import DONE_STATUSES, Voice, db
from voices.receipt import access_code_matches
from voices.validation import normalize_number_text, strip_control_chars

# 年度, then the voice's number (six digits or more); see voices.receipt.receipt_number.
_RECEIPT_NO = re.compile(r"([0-9]{4})-?([0-9]{6,})")


@dataclass(frozen=True)
class CitizenStatus:
    """The status of a voice as shown on /status: no body, no personal data."""

    receipt_no: str
    status: str
    status_label: str
    voice_type: str
    received_at: datetime
    section_name: str | None
    due_date: date | None  # None once the voice is answered or closed
    answer: str | None
    answered_at: datetime | None


def normalize_receipt_no(typed: str | None) -> str | None:
    """A typed 受付番号 in its stored form (``2026-000071``), or None when it cannot be one.

    Full-width digits, any common dash, no hyphen at all (an iOS number pad has none), spaces and control
    characters are all accepted; anything else never reaches the database (PostgreSQL refuses NUL).
    """
    text = normalize_number_text(strip_control_chars(typed or "", multiline=False))
    match = _RECEIPT_NO.fullmatch("".join(text.split()))
    return f"{match[1]}-{match[2]}" if match else None


def lookup_status(receipt_no: str, access_code: str) -> CitizenStatus | None:
    """The status for a matching pair, or None (the same answer for a wrong number or a wrong code)."""
    number = normalize_receipt_no(receipt_no)
    voice = db.session.scalar(select(Voice).where(Voice.receipt_no == number)) if number else None
    if voice is None or not access_code_matches(access_code, voice.access_code_hash):
        return None
    sent = [reply for reply in voice.replies if reply.state == "sent"]
    # Once answered or closed, a due date only misleads: "回答予定日 …ごろ" under 対応なし.
    finished = bool(sent) or voice.status in (*DONE_STATUSES, "answered")
    return CitizenStatus(
        receipt_no=voice.receipt_no,
        status=voice.status,
        status_label=voice.status_label,
        voice_type=voice.voice_type,
        received_at=voice.received_at,
        section_name=voice.section.name if voice.section and voice.status != "triage" else None,
        due_date=None if finished else voice.due_date,
        answer=sent[-1].body if sent else None,
        answered_at=sent[-1].sent_at if sent else None,
    )
