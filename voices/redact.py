"""The one redaction function: what planners and the public read instead of a citizen's own words.

``redact(text)`` removes マイナンバー (through ``voices.pii.mask_my_numbers``), e-mail addresses, postal
codes, phone numbers, street addresses (番地・丁目・号 and hyphenated house numbers) and personal names
(Sudachi's 人名 part of speech, plus any names the caller knows, e.g. the submitter's). Every planner page,
export, report and public page passes text through it; nothing else redacts. ``redact_place`` is its
variant for a place a citizen typed (地区), where a surname alone is read as the place it names.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from classifier.kana import TO_HIRAGANA
from classifier.tokenizer import KANJI, tokenize
from voices.folding import fold
from voices.pii import mask_my_numbers

NAME_MASK = "［氏名］"
PHONE_MASK = "［電話番号］"
EMAIL_MASK = "［メールアドレス］"
POSTAL_MASK = "［郵便番号］"
ADDRESS_MASK = "［住所］"
MASKS = (NAME_MASK, PHONE_MASK, EMAIL_MASK, POSTAL_MASK, ADDRESS_MASK)

_D = "[0-9０-９]"
_HY = "[-‐‑‒–—―−－ーｰ]"
_KANJI_NUM = "[0-9０-９一二三四五六七八九十百〇]"

_EMAIL = re.compile(
    r"[A-Za-z0-9ａ-ｚＡ-Ｚ０-９._%+\-．＿－]+\s?[@＠]\s?[A-Za-z0-9ａ-ｚＡ-Ｚ０-９\-－]+(?:[.．][A-Za-z0-9ａ-ｚＡ-Ｚ０-９\-－]+)+"
)
_POSTAL = re.compile(rf"〒\s*{_D}{{3}}\s?{_HY}?\s?{_D}{{4}}|(?<!{_D}){_D}{{3}}{_HY}{_D}{{4}}(?!{_D}|{_HY}{_D})")
# A Japanese phone number: 0 or +81, then 9-10 more digits in groups split by hyphens, spaces or brackets.
_PHONE = re.compile(
    rf"(?<![0-9０-９])(?:[+＋]\s?8\s?1\s?[-‐－ー\s]?[(（]?{_D}?[)）]?|[(（]?[0０])"
    rf"(?:[\s(（)）]{{0,2}}{_HY}?[\s(（)）]{{0,2}}{_D}){{8,11}}(?![0-9０-９])"
)
# The same written in kanji digits, as some people and counter memos do: 〇二九七ー五八ー二一一一.
_KANJI_DIGIT = "[〇一二三四五六七八九]"
_PHONE_KANJI = re.compile(
    rf"(?<!{_KANJI_DIGIT})[(（]?〇(?:[\s(（)）]{{0,2}}{_HY}?[\s(（)）]{{0,2}}{_KANJI_DIGIT}){{9,10}}(?!{_KANJI_DIGIT})"
)
_ADDRESS = re.compile(
    rf"(?:字[一-龥ヶケ々]{{1,6}})?"
    rf"(?:{_KANJI_NUM}+丁目(?:{_HY}?{_D}+(?:番地?|{_HY}))?(?:{_D}+(?:号|{_HY}{_D}+)?)?"
    rf"|{_D}+番地(?:の?{_D}+)*(?:{_HY}{_D}+)*(?:号)?"
    rf"|{_D}+番{_D}+号"
    rf"|(?<=[一-龥ぁ-んァ-ヶ々]){_D}{{1,4}}{_HY}{_D}{{1,4}}(?:{_HY}{_D}{{1,4}})?(?![0-9０-９]|[分秒時円%％人件歳回年月日台]))"
    rf"(?:\s?[^\s、。,]{{0,20}}?{_D}{{2,4}}号室)?"
)
_HONORIFICS = frozenset({"様", "さま", "さん", "氏", "君", "くん", "ちゃん", "殿"})
_KANA_NAME = re.compile("[ぁ-ゖァ-ヺー]{2,6}")
_REPEATED_NAME_MASK = re.compile(f"(?:{re.escape(NAME_MASK)}){{2,}}")
# After a surname in a place, these make it a person's household: 鈴木方, 佐藤様方, 山田宅.
_HOUSEHOLD = frozenset({"方", "宅", "様", "さん", "氏", "殿", "家", "邸"})

_lock = threading.Lock()
_state: dict[str, object] = {}


def _tokenizer():
    if "tokenizer" not in _state:
        with _lock:
            if "tokenizer" not in _state:
                from sudachipy import Dictionary, SplitMode

                _state["tokenizer"] = Dictionary().tokenizer(mode=SplitMode.C)
    return _state["tokenizer"]


def _morphemes(text: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(surface, part of speech, katakana reading) of each mode-C morpheme of ``text``."""
    tokenizer = _tokenizer()
    with _lock:
        return [(m.surface(), m.part_of_speech(), m.reading_form())
                for start in range(0, len(text), 4000) for m in tokenizer.tokenize(text[start:start + 4000])]


def _mask_names(text: str, personal=lambda run, following: True) -> str:
    """Replace runs of Sudachi 人名 morphemes with the name mask: every run, or those for which
    ``personal(run, following)`` holds (``run``: its (surface, part of speech) pairs; ``following``: the
    surface after it, "" at the end). A given name in kana that Sudachi reads as a common noun is part of
    the run when it stands between a surname and an honorific (たなか|たろう|さん)."""
    morphemes = [(surface, pos) for surface, pos, _ in _morphemes(text)] + [("", ("",) * 4)] * 2
    out: list[str] = []
    run: list[tuple[str, tuple[str, ...]]] = []
    for i, (surface, pos) in enumerate(morphemes[:-1]):
        if pos[0] == "名詞" and pos[2] == "人名" or run and _kana_given_name(run, surface, pos, morphemes[i + 1]):
            run.append((surface, pos))
            continue
        if run:
            out.append(NAME_MASK if personal(run, surface) else "".join(s for s, _ in run))
            run = []
        out.append(surface)
    return "".join(out)


def _kana_given_name(run, surface: str, pos: tuple[str, ...], following: tuple[str, tuple[str, ...]]) -> bool:
    return (run[-1][1][3] == "姓" and pos[0] == "名詞" and _KANA_NAME.fullmatch(surface) is not None
            and following[0] in _HONORIFICS)


# One character of the text with the half-width sound marks that follow it (ｷﾞ is one kana).
_UNIT = re.compile(r".[\uff9e\uff9f]*", re.DOTALL)


def _mask_known(text: str, names: Iterable[str]) -> str:
    names = [name.strip() for name in names if name and name.strip()]
    text = _mask_folded(text, _known_forms(names))
    single = {part for name in names for part in _name_parts(name) if len(part) == 1 and KANJI.match(part)}
    if single:  # 林, 森, 関: masked where the text has them as a word of their own (林です), not in 森林
        text = "".join(NAME_MASK if surface in single else surface for surface, _, _ in _morphemes(text))
    return _REPEATED_NAME_MASK.sub(NAME_MASK, text)


def _mask_folded(text: str, forms: set[str]) -> str:
    """``text`` with ``forms`` masked however the text writes them (width, kana script, 異体字); the rest
    of the text is left exactly as written."""
    wanted = sorted({fold(form) for form in forms} - {""}, key=len, reverse=True)
    if not wanted:
        return text
    units = _UNIT.findall(text)
    folded = [fold(unit) for unit in units]
    starts, ends, offset = {}, {}, 0
    for index, piece in enumerate(folded):
        starts.setdefault(offset, index)
        offset += len(piece)
        ends[offset] = index + 1
    out, done = [], 0
    for match in re.finditer("|".join(map(re.escape, wanted)), "".join(folded)):
        first, last = starts.get(match.start()), ends.get(match.end())
        if first is None or last is None or first < done:
            continue  # the match does not begin and end on whole characters of the text
        out += [*units[done:first], NAME_MASK]
        done = last
    return "".join(out + units[done:])


def _name_parts(name: str) -> list[str]:
    return [part for part in re.split(r"[\s\u3000・]+", name) if part]


def _known_forms(names: list[str]) -> set[str]:
    """A known name whole, its parts of two characters or more, and its kana readings."""
    parts = {p for name in names for p in _name_parts(name) if len(p) >= 2}
    return {name for name in names if len(name) >= 2} | parts | _readings(names)


@lru_cache(maxsize=4096)
def name_terms(name: str) -> frozenset[str]:
    """Every search token a known name may leave in a voice: its parts (a single kanji too), readings and
    their Sudachi tokens (ハヤシ is read as 林). Term lists drop these from the voice the name signed."""
    name = (name or "").strip()
    if not name:
        return frozenset()
    forms = _known_forms([name]) | set(_name_parts(name))
    return frozenset(forms | {token for form in forms for token in tokenize(form)})


def _readings(names: list[str]) -> set[str]:
    """The known names as they may also be written in kana: 佐々木 蓮 → ササキ レン, ささきれん, ささき….
    A single part is kept only from three kana on (れん alone is part of too many words)."""
    if not any(KANJI.search(name) for name in names):
        return set()
    found = set()
    for name in names:  # one reading per morpheme: 山田太郎 is ヤマダ + タロウ, written apart or together
        readings = [reading for part in _name_parts(name) for _, _, reading in _morphemes(part)]
        for katakana in {" ".join(readings), "".join(readings), "\u3000".join(readings),
                         *(r for r in readings if len(r) >= 3)}:
            if len(katakana.replace(" ", "")) >= 3:
                found |= {katakana, katakana.translate(TO_HIRAGANA)}
    return found


def _phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE_MASK if 10 <= digits <= 12 else match.group(0)


def _mask_patterns(text: str) -> str:
    """マイナンバー, e-mail addresses, postal codes, phone numbers and street addresses masked."""
    text, _ = mask_my_numbers(text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _POSTAL.sub(POSTAL_MASK, text)
    text = _PHONE.sub(_phone, text)
    text = _PHONE_KANJI.sub(PHONE_MASK, text)
    return _ADDRESS.sub(ADDRESS_MASK, text)


@lru_cache(maxsize=4096)
def _redact_cached(text: str) -> str:
    return _mask_names(_mask_patterns(text))


@lru_cache(maxsize=4096)
def redact_place(text: str) -> str:
    """A place a citizen typed (地区) with personal data replaced. Many places are named like surnames
    (伊奈, 谷和原, 小張), so a 人名 run is masked only when it holds a given name (鈴木一郎) or a household
    word follows it (鈴木方, 佐藤様方); numbers, addresses, phones and e-mail are masked as in ``redact``."""
    if not text:
        return ""
    return _mask_patterns(_mask_names(
        text, lambda run, following: any(pos[3] == "名" for _, pos in run) or following in _HOUSEHOLD))


def redact(text: str | None, known_names: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by ［…］ placeholders; ``known_names`` are removed too."""
    if not text:
        return ""
    names = tuple(known_names)
    if names:
        text = _mask_known(text, names)
    return _redact_cached(text)
