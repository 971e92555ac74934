"""The routing decision itself, without any lookup: who gets a new voice and why.

Both ``routing.service.route_voice`` (one voice, its own transaction) and ``routing.batch`` (a whole
import chunk, lookups done once) call ``decide``, so the two paths cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass

from models import RoutingRule, Section


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

    ``predicted`` is the model's top 課 when it is an active section, else None.
    """
    if chosen is not None:
        return Decision(chosen, "staff", "assigned", "受付時に職員が指定した担当課")
    if rule is not None:
        return Decision(rule.section, "rule", "assigned", f"ルール「{rule.name}」(#{rule.id})", rule)
    reason = f"モデル {model_version} の確信度 {confidence:.2f}（しきい値 {threshold:.2f}）"
    if predicted is not None and confidence >= threshold:
        return Decision(predicted, "model", "assigned", reason)
    return Decision(hearing, "triage", "triage", reason)
