"""Administrator routing rules, tried in priority order before the model."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from models import RoutingRule, db


def normalize_for_rules(text: str) -> str:
    """NFKC and lower case, so 全角/半角 and case differences do not defeat a rule."""
    return unicodedata.normalize("NFKC", text or "").lower()


def rule_matches(rule: RoutingRule, text: str) -> bool:
    """Whether ``rule`` matches the normalized ``text``; a broken regex never matches."""
    normalized = normalize_for_rules(text)
    if rule.match_type == "regex":
        try:
            return re.search(rule.pattern, normalized) is not None
        except re.error:
            return False
    words = [normalize_for_rules(w) for w in rule.pattern.split()]
    return bool(words) and all(word in normalized for word in words)


def first_matching_rule(text: str) -> RoutingRule | None:
    """The active rule with the lowest priority number (then lowest id) that matches."""
    rules = db.session.scalars(
        select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.priority, RoutingRule.id)
    )
    for rule in rules:
        if rule.section.active and rule_matches(rule, text):
            return rule
    return None


def validate_pattern(match_type: str, pattern: str) -> str | None:
    """A Japanese message when a rule pattern is unusable, else None."""
    if not pattern.strip():
        return "条件を入力してください。"
    if match_type == "regex":
        try:
            re.compile(pattern)
        except re.error as error:
            return f"正規表現が正しくありません（{error}）。"
    return None
