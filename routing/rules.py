"""Administrator routing rules, tried in priority order before the model."""
from __future__ import annotations

import re
import unicodedata

import re2
from sqlalchemy import select

from models import RoutingRule, db

# Regex rules run on RE2, whose matching time grows linearly with the text: a pattern such as ``(a+)+$``
# cannot freeze intake the way it freezes Python's backtracking ``re``.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a saved rule RE2 refuses is reported in the admin, not once per voice

UNSUPPORTED_REGEX = (
    "この正規表現は使えません。振り分けルールの正規表現（RE2）は、後方参照（\\1、(?P=名前)）、"
    "先読み・後読み（(?=…)、(?!…)、(?<=…)、(?<!…)）、アトミックグループ（(?>…)）と強欲な量指定子（a++ など）、"
    "\\Z（文字列の末尾は \\z）、i・s・m 以外のフラグ（(?x) など）、1000回を超える繰り返し指定に対応していません。"
)


def normalize_for_rules(text: str) -> str:
    """NFKC and lower case, so 全角/半角 and case differences do not defeat a rule."""
    return unicodedata.normalize("NFKC", text or "").lower()


def compiled_regex(pattern: str):
    """The RE2 program of ``pattern``, or None when RE2 cannot run it (re2 caches compiled patterns)."""
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error:
        return None


def rule_matches(rule: RoutingRule, text: str) -> bool:
    """Whether ``rule`` matches the normalized ``text``; a regex RE2 cannot run never matches."""
    normalized = normalize_for_rules(text)
    if rule.match_type == "regex":
        program = compiled_regex(rule.pattern)
        return program is not None and program.search(normalized) is not None
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
            re.compile(pattern)  # only for its precise syntax message: compiling runs nothing
        except re.error as error:
            return f"正規表現が正しくありません（{error}）。"
        if compiled_regex(pattern) is None:
            return UNSUPPORTED_REGEX
    return None
