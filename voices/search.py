"""Japanese free-text search over stored Sudachi tokens (LIKE over raw text cannot split Japanese).

A query is split at spaces into terms, and a voice matches when it matches every term. A voice matches a
term when it holds every token of the term, or every token of the term with the nouns it spells in kana
written in kanji (じてんしゃ finds 自転車), or when its subject or body contains the term as typed. The
last catches what tokens miss: Sudachi splits 放置自転車 as 放置 + 自転 + 車 in some sentences and as
放置 + 自転車 in others, so the tokens of a query and of a voice do not always agree.
"""
from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, and_, or_

import classifier
from models import Voice
from voices.redact import MASKS

MAX_QUERY = 100  # characters: keywords or a 受付番号, not a pasted voice


def search_tokens_for(text: str) -> str:
    """The tokens stored on a voice: normalized forms, deduplicated, space-delimited on both ends."""
    tokens = sorted(set(classifier.tokenize(text)))
    return f" {' '.join(tokens)} " if tokens else ""


def search_condition(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching voices that match every term of ``query``, or its receipt number."""
    query = unicodedata.normalize("NFKC", query or "").strip()
    if not query:
        return None
    return or_(Voice.receipt_no == query, and_(*[_term_condition(term) for term in query.split()]))


def _term_condition(term: str) -> ColumnElement[bool]:
    alternatives = []
    for spelling in dict.fromkeys((term, classifier.spell_in_kanji(term))):
        tokens = sorted(set(classifier.tokenize(spelling)))
        if tokens:
            alternatives.append(and_(*[Voice.search_tokens.contains(f" {token} ", autoescape=True)
                                       for token in tokens]))
        if not any(spelling in mask for mask in MASKS):  # 氏名 does not find every purged voice
            alternatives.append(Voice.subject.contains(spelling, autoescape=True))
            alternatives.append(Voice.body.contains(spelling, autoescape=True))
    return or_(*alternatives) if alternatives else Voice.id.is_(None)
