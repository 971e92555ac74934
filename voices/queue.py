"""A section's work queue: the scoped accessor plus the filters staff use every day."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from models import Assignment, User, Voice, VoiceMeasure, db, sections_handled_by
from voices.access import visible_voices
from voices.search import search_condition

JST = ZoneInfo("Asia/Tokyo")
OPEN_STATES = ("received", "triage", "assigned", "in_progress")


@dataclass(frozen=True)
class QueueFilter:
    """What the queue page's filter form can ask for; empty values mean "any"."""

    tab: str = "own"  # own / shared
    status: str = "open"  # open / all / a status code
    voice_type: str = ""
    channel: str = ""
    measure: str = ""
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _jst_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=JST)


def queue_query(user: User, flt: QueueFilter, today: date) -> Select[tuple[Voice]]:
    """The voices of the user's queue tab matching ``flt``, soonest due first."""
    query = visible_voices(user)
    if user.section_id is not None and user.role in ("section_staff", "section_head", "hearing"):
        if flt.tab == "shared":
            shared = select(Assignment.voice_id).where(
                Assignment.section_id == user.section_id, Assignment.active.is_(True),
                Assignment.role.in_(("consult", "inform")))
            query = query.where(Voice.id.in_(shared))
        else:  # with the finished voices of 課 merged into this one (see visible_voices)
            query = query.where(Voice.section_id.in_(sections_handled_by(user.section_id)))
    query = _apply_filters(query, flt, today)
    return query.order_by(Voice.due_date.is_(None), Voice.due_date, Voice.id)


def _apply_filters(query: Select, flt: QueueFilter, today: date) -> Select:
    if flt.status == "open":
        query = query.where(Voice.status.in_(OPEN_STATES))
    elif flt.status and flt.status != "all":
        query = query.where(Voice.status == flt.status)
    if flt.voice_type:
        query = query.where(Voice.voice_type == flt.voice_type)
    if flt.channel:
        query = query.where(Voice.channel == flt.channel)
    if flt.measure:
        query = query.where(Voice.id.in_(select(VoiceMeasure.voice_id).where(VoiceMeasure.measure_code == flt.measure)))
    if flt.overdue:
        query = query.where(Voice.status.in_(OPEN_STATES), Voice.due_date < today)
    if flt.date_from:
        query = query.where(Voice.received_at >= _jst_start(flt.date_from))
    if flt.date_to:
        query = query.where(Voice.received_at < _jst_start(flt.date_to + timedelta(days=1)))
    condition = search_condition(flt.q)
    if condition is not None:
        query = query.where(condition)
    return query


def status_counts(user: User, flt: QueueFilter, today: date) -> dict[str, int]:
    """How many voices of the tab are in each status (ignoring the status filter itself)."""
    sub = queue_query(user, QueueFilter(**{**flt.__dict__, "status": "all"}), today).order_by(None).subquery()
    rows = db.session.execute(select(sub.c.status, func.count()).group_by(sub.c.status))
    return {status: count for status, count in rows}
