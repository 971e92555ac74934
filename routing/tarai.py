"""たらい回し: voices passed from section to section, and which sections pass them on."""
from __future__ import annotations

from sqlalchemy import func, select

from models import DONE_STATUSES, Assignment, Section, Voice, db, get_setting


def voices_bouncing() -> list[Voice]:
    """Open voices forwarded at least the administrator's alert count, most forwarded first."""
    threshold = int(get_setting("tarai.alert_forwards"))
    return list(db.session.scalars(
        select(Voice).where(Voice.forward_count >= threshold, Voice.status.notin_(DONE_STATUSES))
        .order_by(Voice.forward_count.desc(), Voice.received_at)
    ))


def forward_counts_by_section() -> list[tuple[str, int]]:
    """How many times each 課 forwarded a voice elsewhere, most first."""
    rows = db.session.execute(
        select(Section.name, func.count(Assignment.id))
        .join(Assignment, Assignment.forwarded_from_id == Section.id)
        .group_by(Section.name).order_by(func.count(Assignment.id).desc(), Section.name)
    )
    return [(name, count) for name, count in rows]
