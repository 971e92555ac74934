"""機構改革: a retired 課 hands its unfinished work to the 課 that takes over its duties.

On the day of a reorganization (usually April 1) a 課 may still hold dozens of voices in progress.
Instead of forwarding them one by one, retiring the 課 with a successor moves its open voices (as the
responsible 課, and where it was consulted or informed), its staff, its routing rules and its action
items to the successor. Each move is on the voice's history or in the audit log. It is not a forward:
it does not count toward the たらい回し alert, and the voices keep their status and due dates.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from models import DONE_STATUSES, ActionItem, Assignment, RoutingRule, Section, User, Voice, audit, db, utcnow
from routing.history import assign_primary, record_event


@dataclass(frozen=True)
class HandOver:
    """How much moved to the successor."""

    voices: int  # open voices it was responsible for
    related: int  # open voices it was consulted on or informed of
    users: int
    rules: int
    action_items: int

    def __bool__(self) -> bool:
        return any((self.voices, self.related, self.users, self.rules, self.action_items))


def hand_over(retired: Section, successor: Section, actor: User) -> HandOver:
    """Move ``retired``'s unfinished work to ``successor`` in the current transaction (the caller commits)."""
    reason = f"機構改革：{retired.name}の事務を{successor.name}が引継ぎ"
    voices = _open_voices(Voice.section_id == retired.id)
    for voice in voices:
        assignment = assign_primary(voice, successor, decided_by="staff", reason=reason, actor=actor)
        assignment.forwarded_from_id = retired.id
        record_event(voice, "handed_over", {"from": retired.name, "section": successor.name, "reason": reason}, actor)
    related = _hand_over_related(retired, successor, reason, actor)
    moved = {}
    for model, target in ((User, "user"), (RoutingRule, "rule"), (ActionItem, "action_item")):
        rows = list(db.session.scalars(select(model).where(model.section_id == retired.id)))
        for row in rows:
            row.section_id = successor.id
            audit(actor, f"{target}.update", target, row.id, before={"section": retired.name},
                  after={"section": successor.name}, reason=reason)
        moved[model] = len(rows)
    return HandOver(len(voices), related, moved[User], moved[RoutingRule], moved[ActionItem])


def _open_voices(*where) -> list[Voice]:
    return list(db.session.scalars(
        select(Voice).where(*where, Voice.status.notin_(DONE_STATUSES)).order_by(Voice.id).with_for_update()))


def _hand_over_related(retired: Section, successor: Section, reason: str, actor: User) -> int:
    """The open voices ``retired`` was consulted on (協議) or informed of (情報共有): ``successor`` takes
    its place, unless it is already involved that way or responsible for the voice."""
    involved = select(Assignment.voice_id).where(
        Assignment.section_id == retired.id, Assignment.role != "primary", Assignment.active.is_(True))
    now, count = utcnow(), 0
    for voice in _open_voices(Voice.id.in_(involved)):
        for assignment in [a for a in voice.assignments
                           if a.active and a.role != "primary" and a.section_id == retired.id]:
            assignment.active, assignment.ended_at = False, now
            already = voice.section_id == successor.id or any(
                a.active and a.section_id == successor.id and a.role == assignment.role for a in voice.assignments)
            if not already:
                db.session.add(Assignment(voice_id=voice.id, section_id=successor.id, role=assignment.role,
                                          decided_by="staff", reason=reason, actor_id=actor.id))
            record_event(voice, "handed_over", {"from": retired.name, "section": successor.name,
                                                "role": assignment.role, "reason": reason}, actor)
            count += 1
    return count
