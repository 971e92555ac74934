"""The one tokenizer: Sudachi normalized forms of content words, for every model and for search.

`tokenize(text)` is module-level (picklable inside scikit-learn pipelines). The Sudachi dictionary and
tokenizer are created lazily on first use, once per process, and guarded by a lock because a Sudachi
tokenizer raises when used from two threads at once.

Choices (measured in docs/classifier.md, "Tokenizer"):
- text is cleaned first: HTML tags dropped and entities unescaped, NFKC (half-width kana → full-width,
  full-width ASCII → ASCII), control characters removed;
- split mode C (long units: 粗大ごみ, マイナンバーカード, 児童クラブ), plus the mode-A parts of compound
  nouns, so that 児童クラブ also yields 児童 and クラブ;
- Sudachi's normalized form (子ども/こども → 子供, 問合せ → 問い合わせ), then our variant table
  (data/variants.tsv: ゴミ/塵 → ごみ, also inside compounds: 粗大ゴミ → 粗大ごみ), lower-cased;
- part of speech: nouns (not numerals), verbs, adjectives, 形状詞, adverbs, interjections, suffixes,
  auxiliary verbs and sentence-final particles (they carry the voice type: ください, たい, か, べき)
  and the question mark; numbers, symbols and other particles are dropped;
- stop words (data/stopwords.txt): normalized forms that occur everywhere and say nothing;
- nouns spelt in kana that Sudachi splits into pieces (じてんしゃ → 自転 + しゃ) add the tokens of the
  noun in kanji (自転車), found by their reading in the kana index (kana.py).
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from dataclasses import dataclass
from dataclasses import replace as _with
from functools import cache, lru_cache
from pathlib import Path

from . import kana

DATA_DIR = Path(__file__).resolve().parent / "data"

# Sudachi refuses input over 49,149 bytes; 4,000 characters stay below it even at 4 bytes each.
CHUNK_CHARS = 4000
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]{0,2000}>", re.IGNORECASE | re.DOTALL)
# Control and zero-width characters, and lone surrogates (a JSON "\ud800" escape; Sudachi cannot read one).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")
_DIGITS = re.compile(r"^[0-9.,]+$")
_WORD_CHAR = re.compile(r"[^\W_]")  # a letter, kana, kanji or digit: emoji and symbols have none
KANJI = re.compile(r"[\u3400-\u9fff]")  # a CJK ideograph


@dataclass(frozen=True)
class TokenizerSettings:
    """A tokenizer variant. DEFAULT is what `tokenize` uses; the others exist to measure the choice."""

    mode: str = "C"  # "A", "B", "C" or "C+A" (mode C plus the mode-A parts of compound nouns)
    form: str = "normalized"  # "normalized", "dictionary" or "surface"
    pos: str = "content+function"  # "all", "content", "content+function" or "nouns"
    stop_words: bool = True
    variants: bool = True
    kana_recovery: bool = True  # add the tokens of nouns spelt in kana that Sudachi split (kana.py)


DEFAULT = TokenizerSettings(mode="C+A")

# First POS field → kept by each filter. 名詞 excludes 数詞 (numerals) everywhere.
_CONTENT = ("名詞", "動詞", "形容詞", "形状詞", "副詞", "感動詞", "接尾辞")
_POS_FILTERS: dict[str, tuple[str, ...]] = {
    "nouns": ("名詞",),
    "content": _CONTENT,
    "content+function": _CONTENT + ("助動詞", "助詞/終助詞", "補助記号/?"),
    "all": ("名詞", "代名詞", "動詞", "形容詞", "形状詞", "副詞", "感動詞", "接尾辞", "接頭辞", "連体詞",
            "接続詞", "助動詞", "助詞", "補助記号/?"),
}

_lock = threading.RLock()
_state: dict[str, object] = {}


def clean_text(text: str) -> str:
    """The text as the tokenizer sees it: no HTML, NFKC, no control characters, single spaces."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def tokenize(text: str) -> list[str]:
    """Normalized content tokens of `text` (any length; empty list for empty or symbol-only text)."""
    return tokenize_with(text, DEFAULT)


def analyze(text: str, *, reading: bool = False) -> tuple[str, list[str], str]:
    """(clean_text(text), tokenize(text), reading or "") from one pass, for feature extractors.

    The reading is the whole cleaned text in katakana as Sudachi reads it: 自転車を盗まれた and
    じてんしゃをぬすまれた both read ジテンシャヲヌスマレタ, whatever Sudachi made of the kana's words.
    It is made only when asked for (the kana features that read it are not in the shipped model)."""
    cleaned = clean_text(text)
    readings: list[str] | None = [] if reading else None
    tokens = _tokenize_clean(cleaned, DEFAULT, readings)
    return cleaned, tokens, "".join(readings).translate(kana.TO_KATAKANA) if readings else ""


def tokenize_with(text: str, settings: TokenizerSettings) -> list[str]:
    """Tokens of `text` under `settings` (used to compare tokenizer variants)."""
    return _tokenize_clean(clean_text(text), settings)


def _tokenize_clean(cleaned: str, settings: TokenizerSettings, reading: list[str] | None = None) -> list[str]:
    """Tokens of cleaned text; with a `reading` list, also appends each morpheme's reading to it."""
    if not cleaned:
        return []
    allowed = _allowed_pos_ids(settings.pos)
    stop = _stop_words() if settings.stop_words else frozenset()
    replace = _variant_replacer() if settings.variants else None
    tokens: list[str] = []
    tokenizer = _tokenizer("C" if settings.mode == "C+A" else settings.mode)
    symbol_ids, noun_ids, function_ids = _symbol_ids(), _noun_ids(), _function_ids()
    split_a = _split_mode("A") if settings.mode == "C+A" else None
    runs: list[kana.Run] = []  # the kana runs that may spell a noun, for settings.kana_recovery
    with _lock:
        for chunk in _chunks(cleaned):
            collector = _RunCollector(chunk, kana.shipped_index(), function_ids) if settings.kana_recovery else None
            if collector is not None and not collector.regions:
                collector = None
            for morpheme in tokenizer.tokenize(chunk):
                if reading is not None:
                    reading.append(morpheme.reading_form() or morpheme.surface())
                pos_id = morpheme.part_of_speech_id()
                if collector is not None and morpheme.end() > collector.next_start:
                    collector.add(morpheme, pos_id)
                if pos_id not in allowed or (pos_id in symbol_ids and morpheme.surface() != "?"):
                    continue
                token = _form(morpheme, settings.form)
                if token in stop or _DIGITS.match(token) or not (_WORD_CHAR.search(token) or token == "?"):
                    continue
                tokens.append(replace(token) if replace else token)
                if split_a is not None and pos_id in noun_ids and len(token) > 2:
                    parts = morpheme.split(split_a)
                    if len(parts) > 1:
                        for part in parts:
                            sub = _form(part, settings.form)
                            if len(sub) > 1 and sub not in stop and not _DIGITS.match(sub):
                                tokens.append(replace(sub) if replace else sub)
            if collector is not None:
                runs.extend(collector.runs)
    if runs:
        _add_recovered_nouns(runs, tokens, settings)
    return tokens


class _RunCollector:
    """The kana runs of one chunk that may spell a noun of `index` (its candidate_regions), as Sudachi's
    morphemes: the tokenizer hands it each morpheme that ends after `next_start`, in order."""

    def __init__(self, chunk: str, index: kana.KanaIndex, function_ids: frozenset[int]):
        self.regions = index.candidate_regions(chunk)
        self.function_ids = function_ids
        self.runs: list[list[kana.Piece]] = []
        self._region = 0
        self.next_start = self.regions[0][0] if self.regions else len(chunk)
        self._open = False

    def add(self, morpheme, pos_id: int) -> None:
        start, end = self.regions[self._region]
        begin = morpheme.begin()
        if begin >= end:  # past the region: close it, and see whether the next one starts here
            self._next_region()
            if morpheme.end() > self.next_start:
                self.add(morpheme, pos_id)
            return
        if begin < start or morpheme.end() > end:  # a word reaching out of the region (見せ of 見せたい)
            self._open = False
            return
        if not self._open:
            self.runs.append([])
            self._open = True
        surface = morpheme.surface()
        if morpheme.is_oov():  # one unknown word to Sudachi (a voice in katakana): any character may start a noun
            self.runs[-1].extend(kana.Piece(char, True, False) for char in surface)
        else:
            self.runs[-1].append(kana.Piece(surface, pos_id not in self.function_ids,
                                            KANJI.search(morpheme.normalized_form()) is not None))

    def _next_region(self) -> None:
        self._region += 1
        self._open = False
        self.next_start = self.regions[self._region][0] if self._region < len(self.regions) else 1 << 62


def kana_runs(cleaned: str, index: kana.KanaIndex) -> list[kana.Run]:
    """The runs of kana morphemes in cleaned text that may spell a noun of `index`, as the tokenizer
    gives them to kana.recover."""
    function_ids = _function_ids()

    def read(chunk: str, morphemes) -> list[kana.Run]:
        collector = _RunCollector(chunk, index, function_ids)
        for morpheme in morphemes:
            if morpheme.end() > collector.next_start:
                collector.add(morpheme, morpheme.part_of_speech_id())
        return collector.runs

    return [run for runs in _read_chunks(cleaned, read) for run in runs if run]


def spell_in_kanji(text: str) -> str:
    """Cleaned `text` with each noun it spells in kana written as the noun (じてんしゃ → 自転車, ジテンシャ →
    自転車): a search query typed in kana then has the tokens of the voices that write the noun."""
    cleaned = clean_text(text)
    index = kana.shipped_index()
    if not index.candidate_regions(cleaned):
        return cleaned
    parts, cursor = [], 0
    for written, noun in index.spellings(kana_runs(cleaned, index)):
        at = cleaned.find(written, cursor)
        if at >= 0:
            parts.extend((cleaned[cursor:at], noun))
            cursor = at + len(written)
    return "".join(parts) + cleaned[cursor:]


def _add_recovered_nouns(runs: list[list[kana.Piece]], tokens: list[str], settings: TokenizerSettings) -> None:
    """Append the tokens of nouns spelt in kana (kana.recover), except those Sudachi read itself."""
    present = None
    for noun in kana.recover(runs):
        recovered = _noun_tokens(noun, settings)
        present = present if present is not None else set(tokens)
        if recovered and recovered[0] not in present:
            tokens.extend(recovered)
            present.update(recovered)


@lru_cache(maxsize=20000)
def _noun_tokens(noun: str, settings: TokenizerSettings) -> tuple[str, ...]:
    """The tokens of a noun recovered from kana, as if the text had written it in kanji."""
    return tuple(_tokenize_clean(noun, _with(settings, kana_recovery=False)))


def nouns_with_readings(cleaned: str) -> list[tuple[str, str]]:
    """(surface, katakana reading) of each noun with kanji in cleaned text, in mode C and as its mode-A
    parts: what the kana index is built from."""
    noun_ids, split_a = _noun_ids(), _split_mode("A")

    def read(chunk: str, morphemes) -> list[tuple[str, str]]:
        found = []
        for morpheme in morphemes:
            if morpheme.part_of_speech_id() not in noun_ids:
                continue
            parts = morpheme.split(split_a)
            for part in [morpheme, *parts] if len(parts) > 1 else [morpheme]:
                if KANJI.search(part.surface()) and part.reading_form():
                    found.append((part.surface(), part.reading_form()))
        return found

    return [pair for pairs in _read_chunks(cleaned, read) for pair in pairs]


def morphemes(text: str) -> list[tuple[str, str, str]]:
    """(surface, katakana reading, first POS field) of each mode-C morpheme of `text` as given (not
    cleaned): for rewriting a text word by word (classifier.robustness)."""
    def read(chunk: str, morphemes) -> list[tuple[str, str, str]]:
        return [(m.surface(), m.reading_form(), m.part_of_speech()[0]) for m in morphemes]

    return [item for items in _read_chunks(text, read) for item in items]


def _read_chunks(text: str, read):
    """[read(chunk, its mode-C morphemes) for each chunk of `text`], all under the tokenizer's lock."""
    tokenizer = _tokenizer("C")
    with _lock:
        return [read(chunk, tokenizer.tokenize(chunk)) for chunk in _chunks(text)]


def _form(morpheme, form: str) -> str:
    if form == "normalized":
        return morpheme.normalized_form().lower()
    if form == "dictionary":
        return morpheme.dictionary_form().lower()
    return morpheme.surface().lower()


def _chunks(text: str):
    """Pieces of at most CHUNK_CHARS characters, cut after a sentence end where one is near."""
    start = 0
    while len(text) - start > CHUNK_CHARS:
        window = text[start : start + CHUNK_CHARS]
        cut = max((m.end() for m in _SENTENCE_END.finditer(window, CHUNK_CHARS // 2)), default=CHUNK_CHARS)
        yield text[start : start + cut]
        start += cut
    if start < len(text):
        yield text[start:]


def _dictionary():
    if "dictionary" not in _state:
        with _lock:
            if "dictionary" not in _state:
                from sudachipy import Dictionary

                _state["dictionary"] = Dictionary()
    return _state["dictionary"]


def _split_mode(name: str):
    from sudachipy import SplitMode

    return {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}[name]


def _tokenizer(mode: str):
    key = f"tokenizer:{mode}"
    if key not in _state:
        dictionary = _dictionary()
        with _lock:
            if key not in _state:
                _state[key] = dictionary.tokenizer(mode=_split_mode(mode))
    return _state[key]


@cache
def _all_pos() -> tuple[tuple[str, ...], ...]:
    dictionary = _dictionary()
    found = []
    pos_id = 0
    while (pos := dictionary.pos_of(pos_id)) is not None:
        found.append(tuple(pos))
        pos_id += 1
    return tuple(found)


def _pos_ids(predicate) -> frozenset[int]:
    return frozenset(i for i, pos in enumerate(_all_pos()) if predicate(pos))


@cache
def _allowed_pos_ids(name: str) -> frozenset[int]:
    wanted = _POS_FILTERS[name]

    def keep(pos: tuple[str, ...]) -> bool:
        if pos[0] == "名詞" and pos[1] == "数詞":
            return False
        return pos[0] in wanted or f"{pos[0]}/{pos[1]}" in wanted or (
            pos[0] == "補助記号" and pos[1] == "句点" and "補助記号/?" in wanted
        )

    return _pos_ids(keep)


@cache
def _symbol_ids() -> frozenset[int]:
    """POS ids of symbols: of those only the question mark is kept (NFKC made ？ into ?)."""
    return _pos_ids(lambda pos: pos[0] == "補助記号")


@cache
def _function_ids() -> frozenset[int]:
    """POS ids of particles and auxiliary verbs: a noun spelt in kana does not end with one."""
    return _pos_ids(lambda pos: pos[0] in ("助詞", "助動詞"))


@cache
def _noun_ids() -> frozenset[int]:
    return _pos_ids(lambda pos: pos[0] == "名詞")


@cache
def _stop_words() -> frozenset[str]:
    lines = (DATA_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for line in lines if (w := line.split("#", 1)[0]).strip())


@cache
def _variant_replacer():
    pairs = []
    for line in (DATA_DIR / "variants.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            variant, canonical = line.split("\t")[:2]
            pairs.append((variant.strip().lower(), canonical.strip().lower()))
    return _VariantReplacer(tuple(pairs))


class _VariantReplacer:
    """Substring replacement of spelling variants inside normalized forms (ゴミ袋 → ごみ袋)."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]):
        self.pairs = pairs
        self.first_chars = frozenset(variant[0] for variant, _ in pairs)

    def __call__(self, token: str) -> str:
        if self.first_chars.isdisjoint(token):
            return token
        for variant, canonical in self.pairs:
            token = token.replace(variant, canonical)
        return token
