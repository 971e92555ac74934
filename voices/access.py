"""The one scoped accessor: which voices a staff member may see."""
from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from models import Assignment, User, Voice, sections_handled_by

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
        # After a 機構改革 the 課 that took over a retired one's duties also keeps its finished voices:
        # a citizen who calls about an answer given last year reaches the 課 that handles the matter now.
        return query.where(or_(Voice.section_id.in_(sections_handled_by(user.section_id)), Voice.id.in_(shared)))
    if user.role == "counter":
        return query.where(Voice.created_by_id == user.id)
    # Planners work on aggregates and redacted text only; no raw voice is visible to them here.
    return query.where(false())


def can_see_personal_data(user: User) -> bool:
    """Whether ``user`` may read names, addresses, phone numbers and e-mail addresses."""
    return user.role in SEE_ALL_ROLES | SECTION_ROLES | {"counter"}


OPEN_STATES = ("received", "triage", "assigned", "in_progress")
SECTION_ACTIONS = frozenset({"accept", "forward", "relate", "note", "draft_reply", "send_reply", "close",
                             "no_action", "measures"})


def allowed_actions(user: User, voice: Voice) -> frozenset[str]:
    """What ``user`` may do to ``voice`` (assumes the voice came through ``visible_voices``)."""
    if user.role in SEE_ALL_ROLES:
        return SECTION_ACTIONS | {"assign", "approve_reply"}
    if user.role in SECTION_ROLES and user.section_id is not None:
        if voice.section_id == user.section_id:
            own = SECTION_ACTIONS | ({"approve_reply"} if user.role == "section_head" else frozenset())
            return frozenset(own)
        related = any(a.active and a.section_id == user.section_id for a in voice.assignments)
        return frozenset({"note"}) if related else frozenset()  # 協議・情報共有 sections write notes
    return frozenset()


class PermissionDenied(PermissionError):
    """The user may not do this to this voice."""


def require(user: User, voice: Voice, action: str) -> None:
    """Raise ``PermissionDenied`` unless ``action`` is allowed."""
    if action not in allowed_actions(user, voice):
        raise PermissionDenied("この操作を行う権限がありません。")
