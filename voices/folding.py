"""How two spellings of one name or place are made alike, for masking names (voices.redact) and for staff
search (voices.search): 異体字, full/half width and the kana scripts.

A citizen signs 髙橋 and the counter types 高橋, or the other way; 山﨑 / 山崎, 渡邊 / 渡邉 / 渡辺.
``fold_variants`` writes each 異体字 in one form (the first of its group) and nothing else, one character
for one, so an offset in the folded text is the same offset in the original. ``fold`` also applies NFKC
(half-width kana, full-width letters, compatibility ideographs) and writes katakana as hiragana, for
comparing names however they are typed.
"""
from __future__ import annotations

import hashlib
import unicodedata

from classifier.kana import TO_HIRAGANA

# 斉/斎 are different names, but mixed up so often that both are treated as one.
VARIANT_GROUPS = (
    "高髙", "崎﨑嵜碕", "辺邊邉", "斎齋齊斉", "浜濱濵", "沢澤", "島嶋嶌", "桜櫻", "広廣", "国國圀", "富冨",
    "徳德", "恵惠", "竜龍", "真眞", "実實", "弥彌", "槙槇", "曽曾", "条條", "吉𠮷", "瀬瀨", "柳栁", "蔵藏",
    "関關", "峰峯", "黒黑", "栄榮", "桧檜",
)
_HEAD = str.maketrans({ch: group[0] for group in VARIANT_GROUPS for ch in group[1:]})
# Changes whenever the groups do: search tokens folded under other groups are out of date (routing.reindex).
VARIANTS_FINGERPRINT = hashlib.sha256(" ".join(VARIANT_GROUPS).encode()).hexdigest()[:16]


def fold_variants(text: str) -> str:
    """``text`` with each 異体字 written as the first of its group (髙橋 → 高橋, 齋藤 → 斎藤), one
    character for one."""
    return text.translate(_HEAD)


def fold(text: str) -> str:
    """``text`` as names are compared: NFKC, katakana as hiragana and ``fold_variants``: ｽｷﾞﾉｳﾁ,
    スギノウチ and すぎのうち fold alike, as do 髙橋 and 高橋."""
    return fold_variants(unicodedata.normalize("NFKC", text).translate(TO_HIRAGANA))
