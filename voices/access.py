"""The one scoped accessor: which voices a staff member may see."""
from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from models import Assignment, User, Voice

SEE_ALL_ROLES = frozenset({"admin", "hearing"})
SECTION_ROLES = frozenset({"section_staff", "section_head"})


def visible_voices(user: User) -> Select[tuple[Voice]]:
    """A SELECT of the voices ``user`` may open; every staff view starts from this."""
    query = select(Voice)
    if user.role in SEE_ALL_ROLES:
        return query
    if user.role in SECTION_ROLES and user.section_id is not None:
        shared = select(Assignment.voice_id).where(
            Assignment.section_id == user.section_id, Assignment.active.is_(True)
        )
        return query.where(or_(Voice.section_id == user.section_id, Voice.id.in_(shared)))
    if user.role == "counter":
        return query.where(Voice.created_by_id == user.id)
    # Planners work on aggregates and redacted text only; no raw voice is visible to them here.
    return query.where(false())


def can_see_personal_data(user: User) -> bool:
    """Whether ``user`` may read names, addresses, phone numbers and e-mail addresses."""
    return user.role in SEE_ALL_ROLES | SECTION_ROLES | {"counter"}
