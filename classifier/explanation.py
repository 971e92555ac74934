"""Which terms may stand in an explanation: words that tell staff why a voice went to a 課.

The model weighs particles, auxiliaries and the question mark (they carry the voice type), but か, てる,
下さる or ? as a reason for a 課 tells staff nothing. This module is apart from `tokenizer` on purpose:
that file's bytes decide the stored search tokens (`artifacts.tokenizer_fingerprint`), and what an
explanation shows does not.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .tokenizer import _read_chunks

# POS of a term that can tell staff why a voice went to a 課: nouns, verbs, adjectives, not their
# dependent uses (下さる, 欲しい, 来る: 非自立可能), numerals or 様 (a 助動詞 stem). Prefixes and suffixes
# may join a content word (避難 + 所, ご + 意見) but are not a term on their own (さん).
_EXPLANATORY_POS = ("名詞", "動詞", "形容詞", "形状詞")
_NOT_EXPLANATORY_DETAIL = ("非自立可能", "数詞", "助動詞語幹")
_AFFIXES = ("接頭辞", "接尾辞")
_KANJI_KATAKANA_LATIN = re.compile(r"[\u3400-\u9fff\u30a1-\u30faー々A-Za-z0-9]+")


@lru_cache(maxsize=65_536)
def is_explanatory(term: str) -> bool:
    """Whether a feature's term means something to staff on its own: every morpheme Sudachi reads in it
    is a content word, not a particle (か, の), an auxiliary (てる), a symbol (?) or a dependent verb or
    adjective (下さる, ない)."""
    if not term.strip():
        return False
    parts = [pos for chunk in _read_chunks(term, lambda _, morphemes: [m.part_of_speech()[:2] for m in morphemes])
             for pos in chunk]
    content = [pos in _EXPLANATORY_POS and detail not in _NOT_EXPLANATORY_DETAIL for pos, detail in parts]
    return any(content) and all(ok or pos in _AFFIXES for ok, (pos, _) in zip(content, parts, strict=True))


def explanatory_characters(term: str) -> bool:
    """Whether a character n-gram can stand in an explanation: all kanji, katakana or letters (料金, 防団
    of 消防団), or read as a content word (ごみ). Not 「の」, 「?」 or 「議員が」, which cut across words."""
    return bool(term) and (bool(_KANJI_KATAKANA_LATIN.fullmatch(term)) or is_explanatory(term))
