"""Routing a batch of new voices in the transaction that stores them (bulk imports).

``routing.service.route_voice`` is the reference: one voice, its own transaction, every lookup done
afresh. An import of 100,000 rows cannot afford a transaction and a dozen queries per voice, so this
module makes the same decisions for a whole batch with each lookup done once: the model predicts
the batch at once (``classifier.predict_many``), and the rules, sections, threshold and due-day table
are read once. ``tests/test_import_routing.py`` checks that both paths decide alike; a change to the
decision in ``route_voice`` must be mirrored here.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

import classifier
from models import Classification, RoutingRule, Section, Voice, VoiceMeasure, db, get_setting
from routing.due import due_date_for
from routing.history import assign_primary, record_event
from routing.rules import rule_matches
from routing.service import hearing_section, text_for_classification
from voices.search import search_tokens_for

JST = ZoneInfo("Asia/Tokyo")


def route_new_voices(voices: Sequence[Voice]) -> Counter:
    """Classify and assign voices created (and flushed) in the current transaction; the caller commits.

    Returns how many went to each outcome (``assigned`` / ``triage``).
    """
    outcomes: Counter = Counter()
    voices = [v for v in voices if v.status == "received"]
    if not voices:
        return outcomes
    texts = [text_for_classification(v) for v in voices]
    predictions = classifier.predict_many(texts)
    sections = {s.name: s for s in db.session.scalars(select(Section).where(Section.active.is_(True)))}
    hearing = hearing_section()
    rules = [
        rule for rule in db.session.scalars(
            select(RoutingRule).options(joinedload(RoutingRule.section))
            .where(RoutingRule.active.is_(True)).order_by(RoutingRule.priority, RoutingRule.id)
        )
        if rule.section.active
    ]
    threshold = float(get_setting("routing.auto_threshold"))
    due_dates: dict[tuple[date, str], date] = {}

    for voice, text, prediction in zip(voices, texts, predictions):
        # A voice made in this transaction has no assignments yet; say so instead of querying for each.
        if "assignments" not in voice.__dict__:
            set_committed_value(voice, "assignments", [])
        top = [[name, round(score, 4)] for name, score in prediction.section_top]
        db.session.add(Classification(
            voice_id=voice.id, model_version=prediction.model_version, section_name=prediction.section,
            section_top=top, measures=list(prediction.measures), voice_type=prediction.voice_type,
            confidence=prediction.confidence, explanation=list(prediction.explanation),
        ))
        record_event(voice, "classified", {
            "model_version": prediction.model_version, "section_top": top,
            "confidence": round(prediction.confidence, 4), "measures": list(prediction.measures),
        })
        for code in prediction.measures:
            db.session.add(VoiceMeasure(voice_id=voice.id, measure_code=code, source="model"))
        if not voice.search_tokens:
            voice.search_tokens = search_tokens_for(text)

        chosen = sections.get(voice.chosen_section_name) if voice.chosen_section_name else None
        rule = None if chosen is not None else next((r for r in rules if rule_matches(r, text)), None)
        if chosen is not None:
            target, decided_by, status = chosen, "staff", "assigned"
            reason = "受付時に職員が指定した担当課"
            voice.section_confirmed = True
        elif rule is not None:
            target, decided_by, status = rule.section, "rule", "assigned"
            reason = f"ルール「{rule.name}」(#{rule.id})"
        else:
            section = sections.get(prediction.section)
            confident = section is not None and prediction.confidence >= threshold
            target = section if confident else hearing
            decided_by, status = ("model", "assigned") if confident else ("triage", "triage")
            reason = f"モデル {prediction.model_version} の確信度 {prediction.confidence:.2f}（しきい値 {threshold:.2f}）"
        assign_primary(voice, target, decided_by=decided_by, reason=reason)
        voice.status = status
        key = (voice.received_at.astimezone(JST).date(), voice.voice_type)
        if key not in due_dates:
            due_dates[key] = due_date_for(voice.received_at, voice.voice_type)
        voice.due_date = due_dates[key]
        record_event(voice, "assigned" if status == "assigned" else "triaged", {
            "section": target.name, "decided_by": decided_by, "reason": reason,
            "rule_id": rule.id if rule else None, "due_date": voice.due_date.isoformat(),
        })
        outcomes[status] += 1
    return outcomes
