"""Routing decisions: the model's, and a person's. Each function owns its transaction."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

import classifier
from models import Assignment, Classification, Section, User, Voice, VoiceEvent, db, get_setting, utcnow
from routing.due import due_date_for


class RoutingError(ValueError):
    """A routing action that cannot be done; the message is shown to staff in Japanese."""


@dataclass(frozen=True)
class RouteOutcome:
    """What ``route_voice`` did: ``assigned``, ``triage``, ``already_routed`` or ``missing``."""

    result: str
    section_name: str | None = None


def hearing_section() -> Section:
    """The 広聴 triage desk."""
    section = db.session.scalar(select(Section).where(Section.is_hearing.is_(True)))
    if section is None:
        raise RoutingError("広聴（振り分け担当）の課が設定されていません。")
    return section


def text_for_classification(voice: Voice) -> str:
    """What the model reads: the subject, then the body."""
    return f"{voice.subject}\n{voice.body}" if voice.subject else voice.body


def route_voice(voice_id: int) -> RouteOutcome:
    """Classify a received voice and assign it, or send it to 広聴 triage. Safe to run twice."""
    voice = db.session.get(Voice, voice_id, with_for_update=True)
    if voice is None:
        db.session.rollback()
        return RouteOutcome("missing")
    if voice.status != "received":
        db.session.rollback()
        return RouteOutcome("already_routed", voice.section.name if voice.section else None)

    prediction = classifier.predict(text_for_classification(voice))
    db.session.add(
        Classification(
            voice_id=voice.id,
            model_version=prediction.model_version,
            section_name=prediction.section,
            section_top=[[name, round(score, 4)] for name, score in prediction.section_top],
            measures=list(prediction.measures),
            voice_type=prediction.voice_type,
            confidence=prediction.confidence,
            explanation=list(prediction.explanation),
        )
    )
    _event(voice, "classified", {
        "model_version": prediction.model_version,
        "section_top": [[name, round(score, 4)] for name, score in prediction.section_top],
        "confidence": round(prediction.confidence, 4),
        "measures": list(prediction.measures),
    })

    threshold = float(get_setting("routing.auto_threshold"))
    section = db.session.scalar(
        select(Section).where(Section.name == prediction.section, Section.active.is_(True))
    )
    confident = section is not None and prediction.confidence >= threshold
    target = section if confident else hearing_section()
    reason = (
        f"モデル {prediction.model_version} の確信度 {prediction.confidence:.2f}（しきい値 {threshold:.2f}）"
    )
    _assign(voice, target, decided_by="model" if confident else "triage", reason=reason)
    voice.status = "assigned" if confident else "triage"
    voice.due_date = due_date_for(voice.received_at, voice.voice_type)
    _event(voice, "assigned" if confident else "triaged", {
        "section": target.name, "decided_by": "model", "reason": reason,
        "due_date": voice.due_date.isoformat(),
    })
    db.session.commit()
    return RouteOutcome("assigned" if confident else "triage", target.name)


def assign_by_hand(voice_id: int, section_id: int, actor: User, reason: str = "") -> Voice:
    """A person (the 広聴 desk) assigns a voice to a section; this confirms the label."""
    voice = db.session.get(Voice, voice_id, with_for_update=True)
    section = db.session.get(Section, section_id)
    if voice is None:
        raise RoutingError("対象の声が見つかりません。")
    if section is None or not section.active:
        raise RoutingError("担当課を一覧から選んでください。")
    if voice.status not in ("received", "triage", "assigned"):
        raise RoutingError("この声は既に対応が始まっているため、振り分けを変更できません。")
    if voice.section_id == section.id and voice.status == "assigned":
        db.session.rollback()
        return voice  # a double click: already done
    _assign(voice, section, decided_by="staff", reason=reason, actor=actor)
    voice.status = "assigned"
    voice.section_confirmed = True
    if voice.due_date is None:
        voice.due_date = due_date_for(voice.received_at, voice.voice_type)
    _event(voice, "assigned", {"section": section.name, "decided_by": "staff", "reason": reason}, actor)
    db.session.commit()
    return voice


def _assign(voice: Voice, section: Section, *, decided_by: str, reason: str, actor: User | None = None) -> None:
    """End the current primary assignment and start one for ``section``."""
    now = utcnow()
    for current in voice.assignments:
        if current.role == "primary" and current.active:
            current.active = False
            current.ended_at = now
    db.session.add(
        Assignment(
            voice_id=voice.id, section_id=section.id, role="primary", decided_by=decided_by,
            reason=reason, actor_id=actor.id if actor else None,
        )
    )
    voice.section_id = section.id


def _event(voice: Voice, kind: str, data: dict, actor: User | None = None) -> None:
    db.session.add(VoiceEvent(
        voice_id=voice.id, kind=kind, data=data,
        actor_id=actor.id if actor else None,
        actor_label=actor.display_name if actor else "system",
    ))
