"""Which terms may stand in an explanation: words that tell staff why a voice went to a 課.

The model weighs particles, auxiliaries and the question mark (they carry the voice type), but か, てる,
下さる or ? as a reason for a 課 tells staff nothing. This module is apart from `tokenizer` on purpose:
that file's bytes decide the stored search tokens (`artifacts.tokenizer_fingerprint`), and what an
explanation shows does not.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from .tokenizer import _read_chunks

# POS of a term that can tell staff why a voice went to a 課: nouns, verbs, adjectives and 形状詞, not
# numerals or 様 (a 助動詞 stem). Prefixes and suffixes may join a content word (避難 + 所, ご + 意見) but
# are not a term on their own (さん).
_EXPLANATORY_POS = ("名詞", "動詞", "形容詞", "形状詞")
_NOT_EXPLANATORY_DETAIL = ("数詞", "助動詞語幹")
# Sudachi tags a verb or adjective 非自立可能 when it *can* follow another word as a helper: that covers
# the grammatical ones, which only say how something is said (〜ている, 〜てください, 〜てほしい, できる),
# and also verbs that name the matter (電球が切れる, 道路を直す, 納付を忘れる, ごみを出す). Only the
# first kind is kept out: the closed class of 補助動詞 and 補助形容詞, the formal, polite and honorific
# verbs, and the aspect verbs that mostly join another verb (〜始める, 〜過ぎる, 〜込む), by normalized form,
# and two kana spellings whose kanji form is a content word: つく of 「について」 (not 付く, 電気が付く) and
# きる of 〜きる (not 切る).
_GRAMMATICAL = frozenset({
    # helper verbs (〜ている, 〜ておく, 〜てください, 〜てもらう)
    "居る", "有る", "来る", "行く", "見る", "置く", "おく", "仕舞う", "下さる", "頂く", "貰う", "呉れる",
    # …and helper adjectives (〜てほしい, 〜ない, 〜てよい)
    "上げる", "遣る", "差し上げる", "いらっしゃる", "遊ばす", "欲しい", "無い", "良い",
    # formal, polite, honorific
    "為る", "成る", "出来る", "なれる", "為さる", "致す", "参る", "願う", "得る", "おける",
    # aspect
    "始める", "続ける", "終わる", "終える", "過ぎる", "込む", "合う", "づける", "そびれる",
    # kana spellings of the grammatical use
    "つく", "きる",
})
_AFFIXES = ("接頭辞", "接尾辞")
_KANJI_KATAKANA_LATIN = re.compile(r"[\u3400-\u9fff\u30a1-\u30faー々A-Za-z0-9]+")


@lru_cache(maxsize=65_536)
def is_explanatory(term: str) -> bool:
    """Whether a feature's term means something to staff on its own: every morpheme Sudachi reads in it
    is a content word, not a particle (か, の), an auxiliary (てる), a symbol (?) or a verb or adjective
    used for grammar (下さる, ない, できる); verbs that name the matter (切れる, 直す) are content words."""
    if not term.strip():
        return False
    parts = [part for chunk in _read_chunks(term, _pos_and_form) for part in chunk]
    content = [pos in _EXPLANATORY_POS and detail not in _NOT_EXPLANATORY_DETAIL and form not in _GRAMMATICAL
               for pos, detail, form in parts]
    return any(content) and all(ok or pos in _AFFIXES for ok, (pos, _, _) in zip(content, parts, strict=True))


def _pos_and_form(_, morphemes) -> list[tuple[str, str, str]]:
    return [(*m.part_of_speech()[:2], m.surface() if m.surface() in _GRAMMATICAL else m.normalized_form())
            for m in morphemes]


def explanatory_characters(term: str, words: Collection[str]) -> bool:
    """Whether a character n-gram of a voice whose tokens are ``words`` can stand in an explanation: all
    kanji, katakana or letters (料金, 防団 of 消防団), or one of the voice's own words that is a content
    word (ごみ). Not 「の」, 「?」 or 「議員が」, which cut across words, nor 「ださい」 of 「ください」, which
    reads as a word only when cut out of the voice."""
    return bool(term) and (bool(_KANJI_KATAKANA_LATIN.fullmatch(term)) or (term in words and is_explanatory(term)))


def inflected_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """Where ``text`` writes one of ``terms`` in another form than the term's own (直し of 直す, 悪かっ of
    悪い, 附属 of 付属): the (start, end) character offsets of each such morpheme, in order. For marking an
    explanation's verbs in the voice, which a plain search for 直す would miss."""
    wanted, spans, offset = set(terms), [], 0

    def read(chunk: str, morphemes) -> None:
        nonlocal offset
        spans.extend((offset + m.begin(), offset + m.end()) for m in morphemes
                     if m.surface() != m.normalized_form() and m.normalized_form() in wanted)
        offset += len(chunk)

    if wanted and text:
        _read_chunks(text, read)
    return spans
