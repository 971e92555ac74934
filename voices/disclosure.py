"""Small-cell suppression of aggregate tables shown to planners and the public (統計表の秘匿処理).

A breakdown of one measure's voices by an attribute of the person who sent them (地区, 年代) can point
to someone: 「伊奈地区・30代・1件」 in a small 地区 may be one neighbour. So, as statistical offices do:

1. Primary suppression: a non-zero count below the minimum (``MIRAI_MIN_CELL``, default 3) is shown as
   「3未満」 (``<3`` in CSV and Excel), never as its value. Zero stays 0 — it discloses nobody.
2. Complementary suppression: the row's total (the measure's count for the period) is published exactly
   elsewhere, so one withheld cell could be recovered by subtraction. While any primary-suppressed cell's
   value can still be worked out from the total, the visible cells and what the method itself reveals
   (a withheld cell is 1 … minimum−1; a complementary one is at least the minimum and at most the
   smallest cell still shown), the smallest cell still shown is withheld too, as 「秘匿」 (``X``). With a
   single small cell this is the textbook rule "also suppress the next smallest". When every non-zero
   cell is withheld and the sum still gives them away (「3未満」 and 「秘匿」 adding up to 4), all are
   shown as 「秘匿」.

Withheld rows are listed after the shown ones, so their position does not bound their value either.
Totals per measure or 課 over the whole city are not about a person and stay exact. What this does not
stop: a row whose total the cells must exactly fill (a measure with 2 voices, both from different 地区,
is 1 + 1 however it is shown), and differencing two overlapping periods a planner chooses (4〜5月 and 4〜6月); publish fixed periods
(年度, whole months) where that matters.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_MINIMUM = 3


@dataclass(frozen=True)
class Withheld:
    """A count not shown: below the minimum, or hidden so that such a count cannot be recovered."""

    minimum: int
    complementary: bool = False

    def __str__(self) -> str:
        return "秘匿" if self.complementary else f"{self.minimum}未満"

    @property
    def export_text(self) -> str:
        """The symbol written to CSV and Excel (explained by ``legend``)."""
        return "X" if self.complementary else f"<{self.minimum}"


Count = int | Withheld


def legend(minimum: int) -> list[str]:
    """The notes printed under an exported table that has withheld cells."""
    return [f"注：<{minimum} は1件以上{minimum}件未満（個人の特定を防ぐため件数を伏せています）。",
            f"注：X は、合計から{minimum}件未満の欄が逆算されないよう併せて伏せた件数です。"]


def suppress(rows: Sequence[tuple[str, int]], minimum: int = DEFAULT_MINIMUM) -> list[tuple[str, Count]]:
    """The rows (label, count) of one breakdown whose counts add up to a published total, with small
    counts and their complements replaced by ``Withheld``; shown rows keep their order, withheld rows
    follow in label order. ``minimum`` ≤ 1 withholds nothing."""
    rows = list(rows)
    small = {i for i, (_, n) in enumerate(rows) if 0 < n < minimum}
    if minimum <= 1 or not small:
        return rows
    complement: set[int] = set()
    while _recoverable(rows, small, complement, minimum):
        candidates = [i for i, (_, n) in enumerate(rows) if n > 0 and i not in small | complement]
        if not candidates:
            break  # every non-zero cell is withheld: only their sum, the published total, is known
        complement.add(min(candidates, key=lambda i: (rows[i][1], rows[i][0])))
    else:
        return _published(rows, small, complement, minimum)
    # Nothing is left to hide and 「3未満」 beside 「秘匿」 (≥ the minimum) still adds up: 1 + 3 = 4. Shown
    # all as 「秘匿」, the cells are only known to be ≥ 1 (1 + 3, 2 + 2 or 3 + 1). Only a total the cells
    # must exactly fill (a single cell, or 1 + 1 = 2) stays known, as the published total itself is.
    return _published(rows, set(), small | complement, minimum)


def _published(rows: Sequence[tuple[str, int]], small: set[int], complement: set[int], minimum: int
               ) -> list[tuple[str, Count]]:
    shown = [row for i, row in enumerate(rows) if i not in small | complement]
    withheld = sorted(((rows[i][0], Withheld(minimum, i in complement)) for i in small | complement),
                      key=lambda r: r[0])
    return shown + withheld


def _recoverable(rows: Sequence[tuple[str, int]], small: set[int], complement: set[int], minimum: int) -> bool:
    """Can a reader pin down the exact value of a small withheld cell from the total and what is shown?"""
    hidden = small | complement
    smallest_shown = min((n for i, (_, n) in enumerate(rows) if n > 0 and i not in hidden), default=None)
    bounds = {i: (1, minimum - 1) for i in small}
    for i in complement:  # chosen as the smallest non-small cell: ≥ minimum, ≤ every cell still shown
        bounds[i] = (minimum, smallest_shown if smallest_shown is not None else float("inf"))
    hidden_sum = sum(rows[i][1] for i in hidden)
    low_sum = sum(lo for lo, _ in bounds.values())
    high_sum = sum(hi for _, hi in bounds.values())
    for i in small:
        lo, hi = bounds[i]
        can_low = max(lo, hidden_sum - (high_sum - hi))
        can_high = min(hi, hidden_sum - (low_sum - lo))
        if can_low >= can_high:
            return True
    return False
