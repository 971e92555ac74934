"""What a check or an import tells the clerk, in the same words on the import page and in the CLI.

Rows Excel does not show (hidden by hand, or filtered out by an autofilter) are not imported as they
are, like bad rows, but they are not wrong: they are counted and listed by number apart from the rows
with errors, with what to do to include them."""
from __future__ import annotations

from dataclasses import dataclass

from models import ImportJob

HIDDEN_RANGES_KEPT = 200  # ranges of hidden row numbers kept on the ImportJob (all hidden rows are counted)

HIDDEN_ROWS_HELP = (
    "Excel で非表示になっている行（フィルターで絞り込まれて見えていない行も含みます）は、画面で確かめられて"
    "いないため、そのままでは取り込みません。これらの行も取り込むには、Excel で行を再表示して（フィルターは"
    "解除して）保存し、もう一度取り込んでください。見えている行だけでよければ、正しい行だけを取り込めます。"
)
FILTER_NOTICE = "シートにフィルターが掛かっていて、絞り込まれた行が見えていません（「データ」タブの「クリア」で解除できます）。"


class HiddenRows:
    """Counts the data rows Excel does not show and keeps their numbers as [first, last] ranges."""

    def __init__(self) -> None:
        self.count = 0
        self.ranges: list[list[int]] = []
        self.filtered = False

    def add(self, number: int, why: str) -> None:
        self.count += 1
        self.filtered = self.filtered or why == "filtered"
        if self.ranges and self.ranges[-1][1] == number - 1:
            self.ranges[-1][1] = number
        elif len(self.ranges) < HIDDEN_RANGES_KEPT:
            self.ranges.append([number, number])

    def notices(self) -> list[str]:
        return [FILTER_NOTICE] if self.filtered else []


def row_numbers_text(ranges: list[list[int]], count: int) -> str:
    """「3、5〜7、12行目」; 「…行目ほか」 when not every row is in ``ranges``."""
    if not ranges:
        return ""
    text = "、".join(str(first) if first == last else f"{first}〜{last}" for first, last in ranges)
    listed = sum(last - first + 1 for first, last in ranges)
    return f"{text}行目" + ("ほか" if count > listed else "")


def error_lines(job: ImportJob) -> list[str]:
    """The job's problems as lines: 「12行目: 内容: …」, 「4行目（非表示の行）: 受付日: …」."""
    lines = []
    for error in job.errors or []:
        if error.get("row"):
            prefix = f"{error['row']}行目（非表示の行）: " if error.get("hidden") else f"{error['row']}行目: "
        else:
            prefix = ""
        lines.extend(prefix + message for message in error["messages"])
    return lines


@dataclass(frozen=True)
class ImportReport:
    """What the page and the CLI show about one import, beyond its counts."""

    error_lines: list[str]
    listed_rows: int  # rows with errors listed in ``error_lines`` (the first ERRORS_KEPT)
    unlisted_rows: int  # rows with errors beyond those, hidden rows aside
    hidden_rows: int
    hidden_row_numbers: str
    notices: list[str]
    left_out: str  # what importing only the good rows leaves out: 「誤りのある行と非表示の行」
    blocking: str  # why a checked file cannot be imported as it is: 「非表示の行が 2 行ある」; "" when it can
    not_imported: str  # after an import of the good rows only: 「非表示の行 2 行は取り込んでいません。」

    @property
    def hidden_rows_help(self) -> str:
        return HIDDEN_ROWS_HELP


def import_report(job: ImportJob) -> ImportReport:
    hidden = job.hidden_rows or 0
    other = max(0, job.bad_rows - hidden)  # rows with errors that are shown in Excel
    kinds = [(label, count) for label, count in (("誤りのある行", other), ("非表示の行", hidden)) if count]
    left_out = "と".join(label for label, _ in kinds)
    rows_listed = [e for e in job.errors or [] if e.get("row")]
    return ImportReport(
        error_lines=error_lines(job),
        listed_rows=len(rows_listed),
        unlisted_rows=max(0, other - len([e for e in rows_listed if not e.get("hidden")])),
        hidden_rows=hidden,
        hidden_row_numbers=row_numbers_text(job.hidden_row_ranges or [], hidden),
        notices=list(job.notices or []),
        left_out=left_out,
        blocking="、".join(f"{label}が {count:,} 行" for label, count in kinds) + "ある" if kinds else "",
        not_imported=f"{left_out} {job.bad_rows:,} 行は取り込んでいません。" if job.state == "done" and kinds else "",
    )
