"""Routing a batch of new voices in the transaction that stores them (bulk imports).

``routing.service.route_voice`` is the reference: one voice, its own transaction, every lookup done
afresh. An import of 100,000 rows cannot afford a transaction and a dozen queries per voice, so this
module makes the same decisions for a whole batch with each lookup done once: the model predicts
the batch at once (``classifier.similarity.predict_with_tokens``: one tokenization for the model
and for search), the rules, sections, threshold and due-day table are read once, and the rows are
written in bulk (``models.bulk``). The decision itself is ``routing.decision.decide``, shared with
``route_voice``; ``tests/test_import_routing.py`` checks that both paths store the same rows.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from classifier.similarity import predict_with_tokens
from models import (
    Assignment,
    Classification,
    RoutingRule,
    Voice,
    VoiceEvent,
    VoiceMeasure,
    db,
    get_setting,
    label_targets,
    utcnow,
)
from models.bulk import BulkRows
from routing.business_days import add_business_days
from routing.decision import Decision, decide, model_choice
from routing.due import due_days_for
from routing.rules import rule_matches
from routing.service import hearing_section, text_for_classification
from voices.search import search_tokens_for

JST = ZoneInfo("Asia/Tokyo")


@lru_cache(maxsize=4096)
def _due(received_on: date, days: int) -> date:
    """``routing.due.due_date_for`` with the day count read once per batch (it reads a setting per call)."""
    return add_business_days(received_on, days)


def route_new_voices(voices: Sequence[Voice], rows: BulkRows, predicted: dict | None = None, *,
                     past_records: bool = False) -> Counter:
    """Classify and assign voices created in the current transaction (not yet inserted, or inserted
    but not routed); their fields are set here and the classification, event, measure and assignment
    rows are added to ``rows`` for the caller to insert after the voices. The caller commits.

    ``predicted`` maps a text to its (prediction, tokens) when the model already read it (an import
    reads the next chunk in a second process); other texts are read here. ``past_records`` then closes
    them on their 受付日 (see ``_close_past_records``).
    Returns how many went to each outcome (``assigned`` / ``triage``).
    """
    outcomes: Counter = Counter()
    voices = [v for v in voices if v.status == "received"]
    if not voices:
        return outcomes
    texts = [text_for_classification(v) for v in voices]
    predicted = predicted or {}
    missing = [text for text in texts if text not in predicted]
    if missing:  # one tokenization for the model and for search
        predicted = {**predicted, **dict(zip(missing, zip(*predict_with_tokens(missing))))}
    predictions, tokens = [predicted[t][0] for t in texts], [predicted[t][1] for t in texts]
    targets = label_targets()  # every active 課 is among them, under its own label
    sections = {s.name: s for s in targets.values()}
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
    now = utcnow()
    decided = []
    for voice, text, prediction, words in zip(voices, texts, predictions, tokens):
        if not voice.search_tokens:
            voice.search_tokens = search_tokens_for(text, words)
        decided.append(_decide(voice, text, prediction, sections=sections, targets=targets, hearing=hearing,
                               rules=rules, threshold=threshold, due_days=due_days))
    # Rows per kind, and each voice's classified event before its assigned/triaged event.
    for voice, prediction in zip(voices, predictions):
        top = [[name, round(score, 4)] for name, score in prediction.section_top]
        rows.add(Classification, voice_id=voice.id, model_version=prediction.model_version,
                 section_name=prediction.section, section_top=top, measures=list(prediction.measures),
                 voice_type=prediction.voice_type, confidence=prediction.confidence,
                 explanation=list(prediction.explanation), created_at=now)
        _event(rows, voice, "classified", {
            "model_version": prediction.model_version, "section_top": top,
            "confidence": round(prediction.confidence, 4), "measures": list(prediction.measures),
        }, now)
        for code in prediction.measures:
            rows.add(VoiceMeasure, voice_id=voice.id, measure_code=code, source="model", created_at=now)
    for voice, d in zip(voices, decided):
        rows.add(Assignment, voice_id=voice.id, section_id=d.target.id, role="primary", decided_by=d.decided_by,
                 reason=d.reason, actor_id=None, active=True, created_at=now, ended_at=None)
        _event(rows, voice, "assigned" if d.status == "assigned" else "triaged", {
            "section": d.target.name, "decided_by": d.decided_by, "reason": d.reason,
            "rule_id": d.rule.id if d.rule else None, "due_date": voice.due_date.isoformat(),
        }, now)
        outcomes[d.status] += 1
    if past_records:
        _close_past_records(voices, rows, now)
    return outcomes


def _close_past_records(voices: Sequence[Voice], rows: BulkRows, now) -> None:
    """Mark voices just routed by ``route_new_voices`` as 完了 on their 受付日: past records that were
    handled before the city used this service. They keep their 課, classification and measures (what
    planners count), and stay out of queues, due-date escalation and overdue digests."""
    for voice in voices:
        if voice.status not in ("assigned", "triage"):
            continue
        voice.status, voice.closed_at = "closed", voice.received_at
        _event(rows, voice, "closed", {"past_record": True,
                                       "closed_on": voice.received_at.astimezone(JST).date().isoformat()}, now)


def _event(rows: BulkRows, voice: Voice, kind: str, data: dict, now) -> None:
    """``routing.history.record_event`` by the system, as a row."""
    rows.add(VoiceEvent, voice_id=voice.id, kind=kind, actor_id=None, actor_label="system", data=data,
             created_at=now)


def _decide(voice, text, prediction, *, sections, targets, hearing, rules, threshold, due_days) -> Decision:
    """``routing.decision.decide`` for one new voice (no assignment yet), with the batch's lookups;
    sets the voice's 課, status and due date."""
    chosen = sections.get(voice.chosen_section_name) if voice.chosen_section_name else None
    rule = None if chosen is not None else next((r for r in rules if rule_matches(r, text)), None)
    predicted, confidence = model_choice(prediction, targets)
    decision = decide(chosen=chosen, rule=rule, predicted=predicted,
                      confidence=confidence, model_version=prediction.model_version,
                      threshold=threshold, hearing=hearing)
    if decision.decided_by == "staff":
        voice.section_confirmed = True
    voice.section_id = decision.target.id  # what routing.history.assign_primary does for a voice without assignments
    voice.status = decision.status
    voice.due_date = _due(voice.received_at.astimezone(JST).date(), due_days[voice.voice_type])
    return decision
