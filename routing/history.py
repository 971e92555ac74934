"""Writing the append-only history of a voice: events and assignments."""
from __future__ import annotations

from typing import Any

from models import Assignment, Section, User, Voice, VoiceEvent, db, utcnow
from voices import rollups


def record_event(voice: Voice, kind: str, data: dict[str, Any], actor: User | None = None) -> VoiceEvent:
    """Add an event to the current transaction (the caller commits)."""
    event = VoiceEvent(
        voice_id=voice.id, kind=kind, data=data,
        actor_id=actor.id if actor else None,
        actor_label=actor.display_name if actor else "system",
    )
    db.session.add(event)
    return event


def assign_primary(voice: Voice, section: Section, *, decided_by: str, reason: str,
                   actor: User | None = None) -> Assignment:
    """End the current primary assignment and make ``section`` responsible. A section that was
    consulted or informed (関係課) stops being one: it cannot be 担当課 and 関係課 of one voice."""
    now = utcnow()
    for current in voice.assignments:
        if current.active and (current.role == "primary" or current.section_id == section.id):
            current.active = False
            current.ended_at = now
    assignment = Assignment(
        voice_id=voice.id, section_id=section.id, role="primary", decided_by=decided_by,
        reason=reason, actor_id=actor.id if actor else None,
    )
    db.session.add(assignment)
    voice.assignments.append(assignment)
    if voice.section_id is not None and voice.section_id != section.id:
        previous = db.session.get(Section, voice.section_id)
        rollups.move_section(voice, previous.name if previous else "", section.name)
    voice.section_id = section.id
    return assignment
