"""Precomputed counts per measure, JST month and dimension, so planner pages stay fast on a million voices.

``refresh()`` rebuilds the ``measure_rollups`` table for every voice up to a watermark (the voice before
the oldest one still waiting to be routed) in one transaction; run it from cron or the worker
(``flask --app web planner refresh-rollups``). Readers add a live count of the voices above the
watermark, so a new voice is counted at once. Staff changes to a voice's measures (routing.links) and a
voice found to be spam or a duplicate (routing.workflow) adjust the rollup in the same transaction, so
those are exact too, as is a 課 renamed by the administrator (``rename_section``) and a voice's 課 changing after
a forward, a reassignment or a hand-over (``move_section``, from ``routing.history.assign_primary``). Spam
and duplicates are never counted (``counted``). What only a refresh picks up: answers given after the
refresh (the public answer times).
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, insert, literal, or_, select

from models import (
    UNCOUNTED_NO_ACTION_REASONS,
    MeasureRollup,
    RollupState,
    Section,
    Voice,
    VoiceMeasure,
    db,
    utcnow,
)

JST = ZoneInfo("Asia/Tokyo")
DIMENSION_COLUMNS = ("channel", "voice_type", "district", "age_group")


def jst_month(column):
    """A SQL expression for the JST month of a UTC timestamp, as 'YYYY-MM'."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Tokyo", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+9 hours")


def counted() -> ColumnElement[bool]:
    """Voices that count in every aggregate: all but those closed as spam or as a duplicate."""
    return or_(Voice.status != "no_action", Voice.no_action_reason.notin_(UNCOUNTED_NO_ACTION_REASONS))


def is_counted(voice: Voice) -> bool:
    """``counted()`` for one loaded voice."""
    return voice.status != "no_action" or voice.no_action_reason not in UNCOUNTED_NO_ACTION_REASONS


def month_of(moment: datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m")


def watermark() -> int:
    """The highest voice id the rollups cover (0: nothing rolled up, everything is counted live)."""
    return db.session.scalar(select(RollupState.watermark).where(RollupState.id == 1)) or 0


def refresh(*hooks) -> int:
    """Rebuild every rollup row in one transaction; returns the new watermark.

    Each hook is called with the watermark before the commit, to add rows of its own (answer times)."""
    pending = db.session.scalar(select(func.min(Voice.id)).where(Voice.status == "received"))
    mark = (pending - 1) if pending else (db.session.scalar(select(func.max(Voice.id))) or 0)
    db.session.execute(delete(MeasureRollup))
    month = jst_month(Voice.received_at)
    covered = (Voice.id <= mark) & counted()
    columns = ["measure_code", "month", "dimension", "value", "count", "amount"]
    # Every voice once, per month.
    db.session.execute(insert(MeasureRollup).from_select(columns, select(
        literal(""), month, literal("total"), literal(""), func.count(), literal(0)).where(covered).group_by(month)))
    joined = select().select_from(VoiceMeasure).join(Voice, Voice.id == VoiceMeasure.voice_id).where(covered)
    db.session.execute(insert(MeasureRollup).from_select(columns, joined.add_columns(
        VoiceMeasure.measure_code, month, literal("total"), literal(""), func.count(), literal(0))
        .group_by(VoiceMeasure.measure_code, month)))
    for name in DIMENSION_COLUMNS:
        column = getattr(Voice, name)
        db.session.execute(insert(MeasureRollup).from_select(columns, joined.add_columns(
            VoiceMeasure.measure_code, month, literal(name), column, func.count(), literal(0))
            .group_by(VoiceMeasure.measure_code, month, column)))
    section_name = func.coalesce(Section.name, "")
    db.session.execute(insert(MeasureRollup).from_select(columns, joined.outerjoin(
        Section, Section.id == Voice.section_id).add_columns(
        VoiceMeasure.measure_code, month, literal("section"), section_name, func.count(), literal(0))
        .group_by(VoiceMeasure.measure_code, month, section_name)))
    for hook in hooks:
        hook(mark)
    state = db.session.get(RollupState, 1) or RollupState(id=1)
    state.watermark, state.refreshed_at = mark, utcnow()
    db.session.add(state)
    db.session.commit()
    return mark


def jst_day(column):
    """A SQL expression for the JST calendar day of a UTC timestamp, as 'YYYY-MM-DD'."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Tokyo", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+9 hours")


def _as_date(value):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def as_date(value):
    """A JST day from ``jst_day`` as a date (PostgreSQL and SQLite both give text)."""
    return _as_date(value)


def adjust_for_measure(voice: Voice, code: str, delta: int) -> None:
    """Keep the rollup exact when staff add (+1) or remove (−1) a measure of a rolled-up voice.

    Runs inside the caller's transaction."""
    if voice.id > watermark() or not is_counted(voice):
        return
    _adjust_rows(voice, code, delta)


def forget_voice(voice: Voice, measure_codes: list[str]) -> None:
    """Take a rolled-up voice that no longer counts (closed as spam or a duplicate) out of every rollup row:
    the all-voices total and each of its measures. Runs inside the caller's transaction."""
    if voice.id > watermark():
        return
    _adjust_row("", month_of(voice.received_at), "total", "", -1)
    for code in measure_codes:
        _adjust_rows(voice, code, -1)


def move_section(voice: Voice, old: str, new: str) -> None:
    """A rolled-up voice now belongs to the 課 ``new`` instead of ``old`` (forwarded, reassigned, handed over
    at a 機構改革): move it in the 課 breakdown of each of its measures. Runs inside the caller's transaction."""
    if old == new or voice.id > watermark() or not is_counted(voice):
        return
    month = month_of(voice.received_at)
    for code in db.session.scalars(select(VoiceMeasure.measure_code).where(VoiceMeasure.voice_id == voice.id)):
        _adjust_row(code, month, "section", old, -1)
        _adjust_row(code, month, "section", new, +1)


def _adjust_rows(voice: Voice, code: str, delta: int) -> None:
    month = month_of(voice.received_at)
    values = {"total": "", "section": voice.section.name if voice.section else "",
              **{name: getattr(voice, name) or "" for name in DIMENSION_COLUMNS}}
    for dimension, value in values.items():
        _adjust_row(code, month, dimension, value, delta)


def _adjust_row(code: str, month: str, dimension: str, value: str, delta: int) -> None:
    row = db.session.get(MeasureRollup, (code, month, dimension, value))
    if row is None:
        if delta > 0:
            db.session.add(MeasureRollup(measure_code=code, month=month, dimension=dimension, value=value,
                                         count=delta, amount=0))
    else:
        row.count = max(row.count + delta, 0)


def rename_section(old: str, new: str) -> None:
    """A 課 renamed at a 機構改革: its rolled-up rows take the new name (the live count already uses it),
    so the 課 breakdown does not show it twice until the next refresh. Runs inside the caller's transaction."""
    if old == new:
        return
    rows = db.session.scalars(select(MeasureRollup).where(
        MeasureRollup.dimension == "section", MeasureRollup.value == old)).all()
    for row in rows:
        _adjust_row(row.measure_code, row.month, "section", new, row.count)
        db.session.delete(row)
