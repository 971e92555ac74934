"""The routing decision itself, without any lookup: who gets a new voice and why.

Both ``routing.service.route_voice`` (one voice, its own transaction) and ``routing.batch`` (a whole
import chunk, lookups done once) call ``decide``, so the two paths cannot drift apart.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from models import RoutingRule, Section, ranked_targets


@dataclass(frozen=True)
class Decision:
    target: Section
    decided_by: str  # staff / rule / model / triage
    status: str  # assigned / triage
    reason: str
    rule: RoutingRule | None = None


def decide(*, chosen: Section | None, rule: RoutingRule | None, predicted: Section | None,
           confidence: float, model_version: str, threshold: float, hearing: Section) -> Decision:
    """A 課 chosen by staff at intake wins (and is a confirmed label), then the first matching rule,
    then the model when its confidence reaches the threshold; otherwise 広聴 triage.

    ``predicted`` is the active 課 the model points to and ``confidence`` the model's probability for it
    (``model_choice`` below: the top 課, or the 課 that now handles it after a 機構改革).
    """
    if chosen is not None:
        return Decision(chosen, "staff", "assigned", "受付時に職員が指定した担当課")
    if rule is not None:
        return Decision(rule.section, "rule", "assigned", f"ルール「{rule.name}」(#{rule.id})", rule)
    reason = f"モデル {model_version} の確信度 {confidence:.2f}（しきい値 {threshold:.2f}）"
    if predicted is not None and confidence >= threshold:
        return Decision(predicted, "model", "assigned", reason)
    return Decision(hearing, "triage", "triage", reason)


def model_choice(prediction, targets: Mapping[str, Section]) -> tuple[Section | None, float]:
    """The 課 a ``classifier.Prediction`` points to now, and the model's probability that it is right.

    Without a reorganization this is the model's top 課 and its confidence. Text the model knows
    nothing of keeps confidence 0, and a voice whose likely 課 go nowhere gets no 課 (広聴 decides);
    the confidence is then the model's own, for the record."""
    ranked = ranked_targets(prediction.section_top, targets)
    if not ranked:
        return None, prediction.confidence
    section, score = ranked[0]
    return section, score if prediction.confidence > 0 else 0.0
