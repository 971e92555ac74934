"""The one place that writes tables for Excel: CSV (UTF-8 with BOM, or CP932) and XLSX.

- UTF-8 with BOM is the default, so Excel opens Japanese text correctly by double-click.
- CP932 on request; characters CP932 lacks become their CP932 look-alike where Japanese text has one (a Mac's
  ¥ and 全角ダッシュ —, the – and • of web pages), the others (e.g. 𠮷, emoji) ``?`` rather than crashing.
- XLSX cannot hold most control characters (openpyxl refuses the whole workbook): they are dropped.
- A count withheld to protect small cells (``voices.disclosure.Withheld``) is written as its symbol
  (``<3``, ``X``); the table's notes, the legend of those symbols, follow its rows after a blank row.
- A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) is prefixed with ``'`` so a
  spreadsheet never runs it as a formula (CSV injection). Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from voices.disclosure import Withheld

ENCODINGS = {"utf-8-sig": "UTF-8（BOM付き）", "cp932": "Shift_JIS（CP932）"}
# The HTTP charset of each: browsers read Shift_JIS as CP932 (WHATWG), and Python knows no "Windows-31J".
_CHARSETS = {"utf-8-sig": "utf-8", "cp932": "Shift_JIS"}
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# What a Mac or a web page puts in Japanese text that CP932 cannot hold, and the character a Windows PC
# types for it: ¥ (a Mac's yen key, U+00A5) is ￥, the Mac's 全角ダッシュ — (U+2014) is ―. None of them
# becomes a character of _DANGEROUS (– is ‐, not －), so a neutralised cell stays neutral.
_CP932_LOOKALIKES = str.maketrans({
    "\u00a5": "\uffe5", "\u2014": "\u2015", "\u2013": "\u2010", "\u2012": "\u2010", "\u2011": "\u2010",
    "\u203e": "\uffe3", "\u00a6": "\uffe4", "\u2022": "\u30fb", "\u00b7": "\u30fb", "\u00a0": " ",
})


def csv_content_type(encoding: str = "utf-8-sig") -> str:
    """The Content-Type of a CSV written in ``encoding``, with exactly one charset.

    Pass it as ``content_type=``: with ``mimetype=`` Werkzeug appends a second ``charset=utf-8``.
    """
    return f"text/csv; charset={_CHARSETS[encoding]}"


@dataclass
class Table:
    """One exported table: a sheet name, column headers, rows and notes printed under them."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def safe_cell(value: object) -> object:
    """Neutralise text that a spreadsheet would evaluate; leave numbers and dates alone."""
    if value is None:
        return ""
    if isinstance(value, Withheld):
        return value.export_text
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_DANGEROUS):
        return "'" + text
    return text


def to_csv(tables: Table | Iterable[Table], encoding: str = "utf-8-sig") -> bytes:
    """The tables as CSV bytes; several tables are separated by a blank line and a title row."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding}")
    tables = [tables] if isinstance(tables, Table) else list(tables)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([safe_cell(table.title)])
        writer.writerow([safe_cell(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([safe_cell(v) for v in row])
        if table.notes:
            writer.writerow([])
            writer.writerows([safe_cell(note)] for note in table.notes)
    text = buffer.getvalue()
    if encoding == "cp932":
        text = text.translate(_CP932_LOOKALIKES)
    return text.encode(encoding, errors="replace")


def _xlsx_cell(value: object) -> object:
    """``safe_cell`` of the value without the control characters XML 1.0 cannot carry (ESC, vertical tab,
    NUL, …), dropped first so that 「\\x1b=1+1」 is neutralised as 「=1+1」 would be."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)


def to_xlsx(tables: Table | Iterable[Table]) -> bytes:
    """The tables as an XLSX workbook, one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    tables = [tables] if isinstance(tables, Table) else list(tables)
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        sheet.append([_xlsx_cell(h) for h in table.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_cell(v) for v in row])
        for column in sheet.columns:
            width = max((len(str(c.value or "")) for c in column), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width * 2, 8), 80)
        if table.notes:  # after the widths: a long note overflows into the empty cells beside it
            sheet.append([])
            for note in table.notes:
                sheet.append([_xlsx_cell(note)])
    if not tables:
        workbook.create_sheet("データなし")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def record_export(actor, what: str, file_format: str, **details: str) -> None:
    """Write who downloaded which table to the audit log (its own short transaction)."""
    from models import audit, db

    audit(actor, "planner.export", "export", what, format=file_format, **details)
    db.session.commit()


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join("_" if c in "[]:*?/\\" or c < " " else c for c in title)[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}_{n}", n + 1
    used.add(name)
    return name
