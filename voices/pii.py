"""Personal-data scanning. The one place that knows what a マイナンバー looks like."""
from __future__ import annotations

import re
import unicodedata

MY_NUMBER_MASK = "［マイナンバー削除］"

# 12 digits (half- or full-width), optionally split by up to three spaces, line breaks, hyphen-like or
# invisible characters (zero-width space, word joiner, soft hyphen) between any two digits, not glued to
# further digits on either side. Masking a number that only looks like one is the safe mistake.
_DIGIT = r"[0-9０-９]"
_SEP = r"[\s\-‐‑‒–—―−－ー\u00ad\u200b-\u200f\u2060-\u2064\ufeff]{0,3}"
_MY_NUMBER_CANDIDATE = re.compile(rf"(?<![0-9０-９]){_DIGIT}(?:{_SEP}{_DIGIT}){{11}}(?![0-9０-９])")
# A 12-digit number the writer calls a マイナンバー is masked even when its check digit is wrong: a number
# mistyped in one digit still gives away the other eleven, and the real one is among a few dozen guesses.
_MY_NUMBER_WORD = re.compile(r"マイナンバー|ﾏｲﾅﾝﾊﾞｰ|まいなんばー|個人番号|マイナ(?:ンバー)?カード|my\s?number",
                             re.IGNORECASE)
_WORD_REACH = 20  # characters before the number in which the word counts


def is_valid_my_number(digits: str) -> bool:
    """True when ``digits`` (12 ASCII digits) carries a valid 個人番号 check digit."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = [int(c) for c in digits[:11]]
    # P_n counts from the right of the 11-digit body; Q_n = n + 1 (n ≤ 6) or n − 5 (n ≥ 7).
    total = 0
    for n in range(1, 12):
        p = body[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def _digits_of(candidate: str) -> str:
    return "".join(str(unicodedata.digit(c)) for c in candidate if unicodedata.digit(c, None) is not None)


def mask_my_numbers(text: str) -> tuple[str, int]:
    """Replace every マイナンバー in ``text`` (a valid check digit, or any 12 digits that follow the word
    マイナンバー or 個人番号 closely); return the new text and how many were masked."""
    count = 0

    def _replace(match: re.Match[str]) -> str:
        nonlocal count
        called_one = _MY_NUMBER_WORD.search(text, max(0, match.start() - _WORD_REACH), match.start())
        if called_one or is_valid_my_number(_digits_of(match.group(0))):
            count += 1
            return MY_NUMBER_MASK
        return match.group(0)

    return _MY_NUMBER_CANDIDATE.sub(_replace, text), count
