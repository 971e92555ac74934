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
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

import classifier
from models import Classification, RoutingRule, Section, Voice, VoiceMeasure, db, get_setting
from routing.business_days import add_business_days
from routing.due import due_days_for
from routing.history import assign_primary, record_event
from routing.rules import rule_matches
from routing.service import hearing_section, text_for_classification
from voices.search import search_tokens_for

JST = ZoneInfo("Asia/Tokyo")


@lru_cache(maxsize=4096)
def _due(received_on: date, days: int) -> date:
    """``routing.due.due_date_for`` with the day count read once per batch (it reads a setting per call)."""
    return add_business_days(received_on, days)


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
    due_days = {t: due_days_for(t) for t in {v.voice_type for v in voices}}
    with db.session.no_autoflush:  # one flush at the caller's commit, not one per lookup
        for voice, text, prediction in zip(voices, texts, predictions):
            _decide(voice, text, prediction, sections=sections, hearing=hearing, rules=rules,
                    threshold=threshold, due_days=due_days, outcomes=outcomes)
    return outcomes


def _decide(voice, text, prediction, *, sections, hearing, rules, threshold, due_days, outcomes) -> None:
    """The decision of ``route_voice`` for one voice, with the batch's lookups."""
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
    voice.due_date = _due(voice.received_at.astimezone(JST).date(), due_days[voice.voice_type])
    record_event(voice, "assigned" if status == "assigned" else "triaged", {
        "section": target.name, "decided_by": decided_by, "reason": reason,
        "rule_id": rule.id if rule else None, "due_date": voice.due_date.isoformat(),
    })
    outcomes[status] += 1
