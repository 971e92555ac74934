"""Meetings (会合) and the remarks made at them; each remark goes in through ``voices.intake.submit``."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models import MEETING_KINDS, Meeting, User, Voice, db
from voices.dates import EARLIEST_DATE, TOO_OLD
from voices.intake import IntakeError, Receipt, submit
from voices.validation import VoiceInput, strip_control_chars

JST = ZoneInfo("Asia/Tokyo")
NAME_MAX = 200
PLACE_MAX = 200


@dataclass(frozen=True)
class MeetingInput:
    name: str
    kind: str
    held_on: date | None
    place: str = ""
    note: str = ""


def clean_name(text: str) -> str:
    """A meeting's name as stored: one line, control characters dropped, runs of spaces collapsed."""
    return " ".join(strip_control_chars(text, multiline=False).split())


def clean_place(text: str) -> str:
    """A meeting's place as stored: one line, control characters dropped."""
    return strip_control_chars(text, multiline=False).strip()


def create_meeting(data: MeetingInput, actor: User | None) -> Meeting:
    """Validate and store a meeting; IntakeError with field messages when something is wrong."""
    name, place = clean_name(data.name), clean_place(data.place)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["名称を入力してください。"]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"名称は{NAME_MAX}文字以内で入力してください。"]
    if data.kind not in MEETING_KINDS:
        errors["kind"] = ["種別を一覧から選んでください。"]
    if data.held_on is None:
        errors["held_on"] = ["開催日を入力してください（例：2026-05-20）。"]
    elif data.held_on < EARLIEST_DATE:  # the bound every 受付日時 is held to
        errors["held_on"] = [f"開催日（{data.held_on.isoformat()}）が古すぎます。{TOO_OLD}"]
    elif data.held_on > datetime.now(JST).date():  # its remarks are received on that day: not yet possible
        errors["held_on"] = ["開催日が未来になっています。会合を開いた日を入力してください（発言は開催後に登録します）。"]
    if len(place) > PLACE_MAX:
        errors["place"] = [f"場所は{PLACE_MAX}文字以内で入力してください。"]
    if not errors and db.session.scalar(
        select(Meeting.id).where(Meeting.name == name, Meeting.held_on == data.held_on)
    ) is not None:
        errors["name"] = ["同じ名称・開催日の会合が既に登録されています。"]
    if errors:
        raise IntakeError(errors)
    meeting = Meeting(name=name, kind=data.kind, held_on=data.held_on, place=place,
                      note=strip_control_chars(data.note, multiline=True).strip(),
                      created_by_id=actor.id if actor else None)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def add_remark(meeting: Meeting, data: VoiceInput, actor: User | None) -> Receipt:
    """A remark made at ``meeting``: a voice with channel 会合 linked to it, received on its date. The
    form's token is the double-click guard; a remark edited after going back is stored as a new one."""
    received = data.received_at or datetime.combine(meeting.held_on, time(), JST)
    return submit(replace(data, channel="meeting", meeting_id=meeting.id, received_at=received,
                          created_by_id=actor.id if actor else data.created_by_id),
                  actor_label=actor.display_name if actor else "staff", new_token_if_reused=True)


def recent_meetings(limit: int = 50) -> list[tuple[Meeting, int]]:
    """Meetings, newest first, with how many remarks each holds."""
    counts = (select(Voice.meeting_id, func.count(Voice.id).label("n")).where(Voice.meeting_id.is_not(None))
              .group_by(Voice.meeting_id).subquery())
    rows = db.session.execute(
        select(Meeting, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.meeting_id == Meeting.id)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(limit)
    ).all()
    return [(meeting, int(n)) for meeting, n in rows]
