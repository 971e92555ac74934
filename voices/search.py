"""Japanese free-text search over stored Sudachi tokens (LIKE over raw text cannot split Japanese)."""
from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, and_, or_

import classifier
from models import Voice


def search_tokens_for(text: str) -> str:
    """The tokens stored on a voice: normalized forms, deduplicated, space-delimited on both ends."""
    tokens = sorted(set(classifier.tokenize(text)))
    return f" {' '.join(tokens)} " if tokens else ""


def search_condition(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching voices that contain every token of ``query`` (or its receipt number)."""
    query = unicodedata.normalize("NFKC", query or "").strip()
    if not query:
        return None
    tokens = sorted(set(classifier.tokenize(query)))
    if tokens:
        text_match = and_(*[Voice.search_tokens.contains(f" {token} ", autoescape=True) for token in tokens])
    else:  # only particles or symbols: fall back to a plain substring
        text_match = Voice.body.contains(query, autoescape=True)
    return or_(Voice.receipt_no == query, text_match)
