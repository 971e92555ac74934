"""Japanese free-text search over stored Sudachi tokens (LIKE over raw text cannot split Japanese).

A query is split at spaces into terms, and a voice matches when it matches every term. A voice matches a
term when it holds every token of the term, or every token of the term with the nouns it spells in kana
written in kanji (じてんしゃ finds 自転車), or when its subject or body contains the term as typed. The
last catches what tokens miss: Sudachi splits 放置自転車 as 放置 + 自転 + 車 in some sentences and as
放置 + 自転車 in others, so the tokens of a query and of a voice do not always agree.

Names and places are written with 異体字 (髙橋 / 高橋, 山﨑 / 山崎, 渡邊 / 渡辺, 齋藤 / 斎藤 / 斉藤): a voice
stores the tokens of its text with each 異体字 in one form (``voices.folding.fold_variants``) beside the
tokens of the text as written, and a query is also looked up in that form, so either spelling finds both.
A query in kana also looks for the other kana (たかはし finds タカハシ), and half-width or full-width
characters are alike (NFKC) on both sides.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, or_

import classifier
from classifier.explanation import inflected_spans
from classifier.kana import TO_HIRAGANA, TO_KATAKANA
from classifier.tokenizer import KANJI
from models import Voice
from voices.folding import VARIANTS_FINGERPRINT, fold_variants
from voices.redact import MASKS

MAX_QUERY = 100  # characters: keywords or a 受付番号, not a pasted voice
_KANA_ONLY = re.compile("[ぁ-ゖァ-ヺー]+")


def search_tokens_for(text: str, tokens: Iterable[str] | None = None) -> str:
    """The tokens stored on a voice: normalized forms of its text as written and with its 異体字 folded,
    deduplicated, space-delimited on both ends. A purged voice's redaction marks are left out, so that a
    search for 氏名 or 住所 does not find them. ``tokens``: ``classifier.tokenize(text)`` when the caller
    has them already."""
    for mask in MASKS:
        text = text.replace(mask, " ")
    found = set(classifier.tokenize(text) if tokens is None else tokens)
    folded = fold_variants(unicodedata.normalize("NFKC", text))
    if folded != text:  # only a text with 異体字 (or NFKC changes) is read twice
        found.update(classifier.tokenize(folded))
    return f" {' '.join(sorted(found))} " if found else ""


def tokens_fingerprint() -> str:
    """What decides a voice's stored search tokens: the tokenizer and the 異体字 folded. Tokens stored
    under another fingerprint are made again (routing.reindex)."""
    return hashlib.sha256(f"{classifier.tokenizer_fingerprint()} {VARIANTS_FINGERPRINT}".encode()).hexdigest()


def display_terms(search_tokens: str) -> set[str]:
    """A voice's stored tokens as words to show (planners' term lists): without those only the folding
    made (一斉 is stored as 一斉 and as 一斎; only 一斉 is a word of the voice)."""
    tokens = set(search_tokens.split())
    return tokens - {fold_variants(token) for token in tokens if fold_variants(token) != token}


def search_condition(query: str) -> ColumnElement[bool] | None:
    """A WHERE clause matching voices that match every term of ``query``, or its receipt number."""
    terms = _terms(query)
    if not terms:
        return None
    return or_(Voice.receipt_no == " ".join(terms), and_(*[_term_condition(term) for term in terms]))


def excerpt(text: str, query: str, width: int = 60) -> tuple[str, str, str]:
    """About `width` characters of `text` from a little before the first place it shows a word of
    `query` (a term as typed or in kanji, or one of their tokens), as (before, the word, after), for the
    queue to show why a voice matched. Without such a place: ("", "", the start of the text)."""
    text = " ".join(text.split())
    needles = frozenset(fold_variants(needle) for term in _terms(query) for needle in _needles(term))
    # Looked for with the text's 異体字 folded (one character for one), shown as the text writes it.
    match = _pattern(needles).search(fold_variants(text)) if needles else None
    if match is None:
        return "", "", text[:width] + ("…" if len(text) > width else "")
    at, after = match.span()
    lead = min(at, width // 3)
    end = max(after, at - lead + width)
    return (("…" if at > lead else "") + text[at - lead:at], text[at:after],
            text[after:end] + ("…" if end < len(text) else ""))


def _terms(query: str) -> list[str]:
    return unicodedata.normalize("NFKC", query or "").split()


def _spellings(term: str) -> list[str]:
    """The term as typed, with the nouns it spells in kana written in kanji (じてんしゃ → 自転車), with its
    異体字 folded (髙橋 → 高橋), and, all in kana, in the other kana (たかはし → タカハシ)."""
    spellings = [term, classifier.spell_in_kanji(term), fold_variants(term)]
    if _KANA_ONLY.fullmatch(term):
        spellings += [term.translate(TO_KATAKANA), term.translate(TO_HIRAGANA)]
    return list(dict.fromkeys(spellings))


@lru_cache(maxsize=256)
def _needles(term: str) -> frozenset[str]:
    """What a matching voice's text may show of the term: its spellings, and their tokens as written in
    their normalized form (ゴミ's token ごみ shows only where the text writes ごみ). Cached: the queue asks
    once per listed voice."""
    spellings = _spellings(term)
    return _in_either_kana(set(spellings) | {token for spelling in spellings for token in classifier.tokenize(spelling)
                                             if _worth_marking(token)})


def _worth_marking(word: str) -> bool:
    """Not one kana or symbol (か, ?): those are everywhere in a text."""
    return len(word) > 1 or KANJI.search(word) is not None


def _in_either_kana(words: Iterable[str]) -> frozenset[str]:
    """The words, and each in hiragana and in katakana: the token ごみ stands for a text's ゴミ too (the
    variant table)."""
    words = set(words)
    return frozenset(words | {word.translate(TO_KATAKANA) for word in words}
                     | {word.translate(TO_HIRAGANA) for word in words})


def marked(text: str, words: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, whether it is one of `words`), in order: every place the text shows a word
    (in either kana; the longest word where two start at one place), and every place it writes one in
    another form (直し of 直す). For showing staff where the terms the model's explanation names are in a
    voice."""
    words = [word for word in words if _worth_marking(word)]
    if not words or not text:
        return [(text, False)] if text else []
    spans = [match.span() for match in _pattern(_in_either_kana(words)).finditer(text)]
    spans += [span for span in inflected_spans(text, words)
              if not any(start < span[1] and span[0] < end for start, end in spans)]
    pieces, cursor = [], 0
    for start, end in sorted(spans):
        if start > cursor:
            pieces.append((text[cursor:start], False))
        pieces.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], False))
    return pieces


def _term_condition(term: str) -> ColumnElement[bool]:
    alternatives = []
    for spelling in _spellings(term):
        tokens = sorted(set(classifier.tokenize(spelling)))
        if tokens:
            alternatives.append(and_(*[Voice.search_tokens.contains(f" {token} ", autoescape=True)
                                       for token in tokens]))
        if not any(spelling in mask for mask in MASKS):  # 氏名 does not find every purged voice
            alternatives.append(Voice.subject.contains(spelling, autoescape=True))
            alternatives.append(Voice.body.contains(spelling, autoescape=True))
    return or_(*alternatives) if alternatives else Voice.id.is_(None)


@lru_cache(maxsize=256)
def _pattern(needles: frozenset[str]) -> re.Pattern[str]:
    """A regex of the needles, the longest first: where two start at one place, the longer matches."""
    return re.compile("|".join(map(re.escape, sorted(needles, key=lambda n: (-len(n), n)))))
