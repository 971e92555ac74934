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


# RE2's \w and \W are ASCII only; Python's, which administrators know, take in every letter and digit.
_WORD = r"\p{L}\p{N}_"
_WORD_ESCAPES = {"w": (f"[{_WORD}]", _WORD), "W": (f"[^{_WORD}]", None)}


def unicode_word_classes(pattern: str) -> str:
    r"""``pattern`` with \w (also inside a [...] class) and \W (outside one) spelled as Unicode classes, so
    that ``\w+課`` matches 生活環境課 as it does in Python; an escaped backslash (\\w) is left alone."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escape = pattern[i + 1]
            outside, inside = _WORD_ESCAPES.get(escape, (None, None))
            replacement = inside if in_class else outside
            out.append(replacement if replacement is not None else char + escape)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            if pattern[i + 1:i + 2] == "^":  # a leading ] is a literal, not the end of the class
                out.append("^")
                i += 1
            if pattern[i + 1:i + 2] == "]":
                out.append("]")
                i += 1
        elif in_class and pattern.startswith("[:", i) and ":]" in pattern[i + 2:]:
            end = pattern.index(":]", i + 2) + 2  # a POSIX class such as [:alpha:] inside the class
            out.append(pattern[i:end])
            i = end
            continue
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def compiled_regex(pattern: str):
    """The RE2 program of ``pattern``, or None when RE2 cannot run it (re2 caches compiled patterns)."""
    try:
        return re2.compile(unicode_word_classes(pattern), options=_RE2_OPTIONS)
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
