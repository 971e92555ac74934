"""Routing decisions: the model's, and a person's. Each function owns its transaction."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

import classifier
from models import Classification, Section, User, Voice, VoiceMeasure, db, get_setting, label_targets
from routing.decision import decide, model_choice
from routing.due import due_date_for
from routing.history import assign_primary, record_event
from routing.rules import first_matching_rule
from voices.search import search_tokens_for


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

    text = text_for_classification(voice)
    prediction = classifier.predict(text)
    top = [[name, round(score, 4)] for name, score in prediction.section_top]
    db.session.add(
        Classification(
            voice_id=voice.id,
            model_version=prediction.model_version,
            section_name=prediction.section,
            section_top=top,
            measures=list(prediction.measures),
            voice_type=prediction.voice_type,
            confidence=prediction.confidence,
            explanation=list(prediction.explanation),
        )
    )
    record_event(voice, "classified", {
        "model_version": prediction.model_version,
        "section_top": top,
        "confidence": round(prediction.confidence, 4),
        "measures": list(prediction.measures),
    })

    for code in prediction.measures:
        db.session.add(VoiceMeasure(voice_id=voice.id, measure_code=code, source="model"))
    voice.search_tokens = search_tokens_for(text)
    # Issue 4: a 課 chosen by staff at intake (counter, meeting, import, staff API) wins over rules and
    # the model and is a confirmed label; the model's classification above is still kept for the record.
    chosen = db.session.scalar(select(Section).where(
        Section.name == voice.chosen_section_name, Section.active.is_(True))) if voice.chosen_section_name else None
    rule = None if chosen is not None else first_matching_rule(text)
    predicted, confidence = model_choice(prediction, label_targets())
    decision = decide(chosen=chosen, rule=rule, predicted=predicted, confidence=confidence,
                      model_version=prediction.model_version,
                      threshold=float(get_setting("routing.auto_threshold")), hearing=hearing_section())
    if decision.decided_by == "staff":
        voice.section_confirmed = True
    assign_primary(voice, decision.target, decided_by=decision.decided_by, reason=decision.reason)
    voice.status = decision.status
    voice.due_date = due_date_for(voice.received_at, voice.voice_type)
    record_event(voice, "assigned" if decision.status == "assigned" else "triaged", {
        "section": decision.target.name, "decided_by": decision.decided_by, "reason": decision.reason,
        "rule_id": rule.id if rule else None, "due_date": voice.due_date.isoformat(),
    })
    db.session.commit()
    return RouteOutcome(decision.status, decision.target.name)


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
    assign_primary(voice, section, decided_by="staff", reason=reason, actor=actor)
    voice.status = "assigned"
    voice.section_confirmed = True
    if voice.due_date is None:
        voice.due_date = due_date_for(voice.received_at, voice.voice_type)
    record_event(voice, "assigned", {"section": section.name, "decided_by": "staff", "reason": reason}, actor)
    db.session.commit()
    return voice
