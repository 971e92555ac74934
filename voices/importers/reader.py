"""Streaming readers for CSV and XLSX files: one row at a time, whatever the file's size."""
from __future__ import annotations

import csv
import io
import itertools
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voices.importers.encoding import ENCODING_LABELS, detect_encoding

# Longest cell read from a CSV file; anything longer is reported on its row instead of being read
# into memory (a voice's body is at most 4,000 characters anyway).
CELL_LIMIT = 1_000_000
FILE_FORMATS = ("csv", "xlsx")
# An XLSX file is a zip archive, and openpyxl holds whole XML text nodes in memory: a few hundred KB
# of "A"s expand to gigabytes (a zip bomb). Real workbooks compress their XML 5-30 times.
XLSX_EXPANDED_LIMIT = 1 << 30
XLSX_RATIO_LIMIT = 100
XLSX_RATIO_FROM = 1 << 20  # small members (styles, themes) may compress better without harm


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is Japanese and says what to do."""


@dataclass
class RawRow:
    """One record of the file as read: ``number`` is the row number people see (header = row 1)."""

    number: int
    cells: list[Any]
    problems: list[str] = field(default_factory=list)
    formula_columns: set[int] = field(default_factory=set)
    hidden: str = ""  # why the row is not on screen in Excel ("filtered", "hidden"); "" when it is shown


@dataclass
class Table:
    """An opened file: its encoding (CSV only), the header row and an iterator over the data rows."""

    encoding: str
    header: list[str]
    rows: Iterator[RawRow]
    # Positions (0-based) of the header's columns that Excel does not show (XLSX only).
    hidden_columns: frozenset[int] = frozenset()
    # What the clerk should know about the file as a whole that is not an error (XLSX: hidden sheets).
    notices: list[str] = field(default_factory=list)

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding or "—")


def file_format_of(filename: str) -> str:
    """``csv`` or ``xlsx`` from a file name; ImportFileError for anything else."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".xls":
        raise ImportFileError(XLS_REFUSED)
    raise ImportFileError("CSV ファイル（.csv）か Excel ファイル（.xlsx）を選んでください。")


XLS_REFUSED = "古い Excel 形式（.xls）は読めません。「Excel ブック（.xlsx）」か CSV で保存し直してください。"
PROTECTED_REFUSED = ("パスワードで保護された Excel ファイルは読めません。Excel で開き、「ファイル」→「情報」→「ブックの保護」→"
                     "「パスワードを使用して暗号化」でパスワードを消してから保存し直してください。")
BROKEN_XLSX = ("Excel ファイル（.xlsx）として読めません。ファイルが壊れているか、Excel ブックではありません。"
               "Excel で開けるか確かめ、「Excel ブック（.xlsx）」か CSV で保存し直してください。")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container


def content_format(path: str | Path, file_format: str) -> str:
    """The format the bytes say, over the name's: a workbook renamed to .csv is read as a workbook, and an
    old .xls renamed to .xlsx or .csv gets the .xls message rather than a confusing one."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE_MAGIC):
        # Excel stores a password-protected .xlsx in the same container as an old .xls
        raise ImportFileError(PROTECTED_REFUSED if _is_encrypted_workbook(path) else XLS_REFUSED)
    if head.startswith(_ZIP_MAGIC) and file_format == "csv":
        return "xlsx"
    return file_format


def _is_encrypted_workbook(path: str | Path) -> bool:
    """Whether the OLE container at ``path`` holds an encrypted Office document (its EncryptedPackage)."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as container:
            return container.exists("EncryptedPackage")
    except (OSError, ValueError, IndexError, struct.error):  # what olefile raises on a malformed container
        return False  # then it is an old .xls as far as anyone can tell


@contextmanager
def open_table(path: str | Path, file_format: str) -> Iterator[Table]:
    """Open ``path`` for streaming; raises ImportFileError when it cannot be read at all."""
    file_format = content_format(path, file_format)
    if file_format == "csv":
        with open(path, "rb") as handle:
            yield _csv_table(handle, detect_encoding(path))
    elif file_format == "xlsx":
        # Opened by us and passed as a file: openpyxl refuses a workbook by its name (renamed to .csv).
        with open(path, "rb") as handle:
            workbook = _open_workbook(path, handle)
            try:
                yield _xlsx_table(workbook)
            finally:
                workbook.close()
    else:
        raise ImportFileError("CSV ファイル（.csv）か Excel ファイル（.xlsx）を選んでください。")


READ_BLOCK = 1 << 16


def _raw_lines(handle) -> Iterator[bytes]:
    """The lines of a binary file, each ending in ``\n`` whether the file ended it with CRLF, LF or a
    bare CR (Excel for Mac's 「CSV (Macintosh)」, old ledgers), even when the endings are mixed.

    Safe for both encodings: neither UTF-8 nor CP932 uses the CR or LF byte inside a character.
    """
    pending = b""
    while block := handle.read(READ_BLOCK):
        lines = (pending + block).splitlines(keepends=True)
        # The last piece may be cut short, or be a CR whose LF is in the next block.
        pending = lines.pop() if not lines[-1].endswith(b"\n") else b""
        for line in lines:
            yield line.rstrip(b"\r\n") + b"\n"
    if pending:
        yield pending.rstrip(b"\r\n") + b"\n"


def _decoded_lines(handle, encoding: str, broken: set[int]) -> Iterator[str]:
    """Lines of a binary file decoded one by one, so a broken byte is pinned to its line."""
    if encoding == "utf-16":  # two bytes a character: decode first, then split (universal newlines)
        text = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline=None)
        for number, line in enumerate(text, start=1):
            if "\ufffd" in line:
                broken.add(number)
            yield line
        return
    for number, raw in enumerate(_raw_lines(handle), start=1):
        if number == 1 and encoding == "utf-8-sig":
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            yield raw.decode("utf-8" if encoding == "utf-8-sig" else encoding)
        except UnicodeDecodeError:
            broken.add(number)
            yield raw.decode("utf-8" if encoding == "utf-8-sig" else encoding, errors="replace")


def _csv_table(handle, encoding: str) -> Table:
    csv.field_size_limit(max(csv.field_size_limit(), CELL_LIMIT))
    broken: set[int] = set()
    lines = _decoded_lines(handle, encoding, broken)
    first = next(lines, "")
    # Excel's 「テキスト (タブ区切り)」 and 「Unicode テキスト」 separate cells with tabs, not commas.
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first] if first else [], lines), delimiter=delimiter)
    label = ENCODING_LABELS[encoding]
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("ファイルが空です。1行目に見出し、2行目から内容を入れてください。") from None
    except csv.Error:
        raise ImportFileError("1行目（見出し）を読めません。テンプレートの見出しを使ってください。") from None
    if broken:
        raise ImportFileError(f"1行目（見出し）に文字コード {label} として読めないバイトがあります。")

    def rows() -> Iterator[RawRow]:
        number = 1
        last_line = reader.line_num
        while True:
            try:
                cells = next(reader)
                problems = []
            except StopIteration:
                return
            except csv.Error:
                cells = []
                problems = [f"セルが大きすぎるか、引用符（\"）の対応が崩れています（1セル{CELL_LIMIT:,}文字まで）。"]
            number += 1
            lines = set(range(last_line + 1, reader.line_num + 1))
            last_line = reader.line_num
            if lines & broken:
                problems.append(f"文字コード {label} として読めないバイトがあります。ファイルが壊れていないか確認してください。")
            yield RawRow(number, cells, problems)

    return Table(encoding, header, rows())


def _open_workbook(path, handle):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _refuse_zip_bomb(path)
    try:
        return load_workbook(handle, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(BROKEN_XLSX) from None


def _refuse_zip_bomb(path) -> None:
    """ImportFileError when the archive would expand far beyond what a spreadsheet needs (the sizes
    checked are the declared ones, which ``zipfile`` never reads past)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # load_workbook says why it cannot be read
    expanded = sum(m.file_size for m in members)
    inflated = [m for m in members
                if m.file_size > XLSX_RATIO_FROM and m.file_size > XLSX_RATIO_LIMIT * max(m.compress_size, 1)]
    if expanded > XLSX_EXPANDED_LIMIT or inflated:
        raise ImportFileError(
            "展開すると極端に大きくなる Excel ファイルのため読みません（圧縮を悪用したファイルのおそれがあります）。"
            "Excel で開いて内容を確認し、CSV で保存し直してください。"
        )


def _first_row(sheet) -> list[str]:
    for cells in sheet.iter_rows(max_row=1, values_only=True):
        return ["" if value is None else str(value).strip() for value in cells]
    return []


def _data_sheet(workbook):
    """The first visible sheet (a hidden one is not what people think they are importing). Another
    visible sheet with the same headings (「4月」「5月」…) would be silently left out: refused instead."""
    visible = [s for s in workbook.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
    if not visible:
        raise ImportFileError("表示されているシートがありません。取り込むシートを表示してから保存してください。")
    sheet, header = visible[0], _first_row(visible[0])
    if any(header):
        same = [other.title for other in visible[1:] if _first_row(other) == header]
        if same:
            raise ImportFileError(
                f"シート「{sheet.title}」と同じ見出しのシート（{'、'.join(f'「{t}」' for t in same)}）があります。"
                "取り込むのは最初のシートだけなので、1つのシートにまとめてから取り込んでください。"
            )
    return sheet


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass
class SheetVisibility:
    """What of a sheet Excel does not show: row numbers, spans of column numbers (1-based, inclusive),
    and whether an autofilter is filtering (Excel hides the rows it filters out)."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_column_spans: list[tuple[int, int]] = field(default_factory=list)
    filtering: bool = False

    def column_hidden(self, number: int) -> bool:
        return any(low <= number <= high for low, high in self.hidden_column_spans)


def _flag(element, name: str) -> bool:
    return element.get(name) in ("1", "true")


def sheet_visibility(sheet) -> SheetVisibility:
    """The rows and columns Excel does not show: ``<row hidden="1">`` (hidden by hand, or filtered out by
    an autofilter, which Excel records the same way) and ``<col min=".." max=".." hidden="1">`` (one
    element may span many columns).

    One extra streaming pass over the sheet's XML. openpyxl's read-only sheets have no public
    ``row_dimensions`` or ``column_dimensions`` (only a full load has them, which would hold a large file
    in memory), so this reads the XML stream that openpyxl 3.1's read-only sheet itself reads its cells
    from, ``_get_source()``; the tests of hidden rows and columns fail if a later openpyxl drops it."""
    # The parser openpyxl reads the cells with (defusedxml's when it is installed).
    from openpyxl.xml.functions import iterparse

    found = SheetVisibility()
    number = 0
    parent = None
    with sheet._get_source() as xml:
        for event, element in iterparse(xml, events=("start", "end")):
            if event == "start":
                if element.tag == f"{_SHEET_NS}sheetData":
                    parent = element
                continue
            if element.tag == f"{_SHEET_NS}row":
                number = int(float(element.get("r"))) if element.get("r") else number + 1
                if _flag(element, "hidden"):
                    found.hidden_rows.add(number)
                parent.clear()  # keep memory flat however many rows there are
            elif element.tag == f"{_SHEET_NS}col":
                if _flag(element, "hidden"):
                    low = int(element.get("min", "1"))
                    found.hidden_column_spans.append((low, int(element.get("max", low))))
            elif element.tag == f"{_SHEET_NS}autoFilter":
                found.filtering = element.find(f"{_SHEET_NS}filterColumn") is not None
    return found


def _xlsx_table(workbook) -> Table:
    sheet = _data_sheet(workbook)
    visibility = sheet_visibility(sheet)
    iterator = sheet.iter_rows()
    try:
        header_cells = next(iterator)
    except StopIteration:
        raise ImportFileError("最初のシートが空です。1行目に見出し、2行目から内容を入れてください。") from None
    header = ["" if c.value is None else str(c.value) for c in header_cells]
    hidden_columns = frozenset(i for i in range(len(header)) if visibility.column_hidden(i + 1))
    # Sheets people hid are never read (see _data_sheet); they are named so nobody looks for their rows.
    # "veryHidden" sheets cannot be shown from Excel's menus (add-ins keep data there): not worth a word.
    notices = [f"非表示のシート「{s.title}」は読みません（取り込むのはシート「{sheet.title}」です）。"
               for s in workbook.worksheets if getattr(s, "sheet_state", "visible") == "hidden"]

    def rows() -> Iterator[RawRow]:
        for number, cells in enumerate(iterator, start=2):
            values, formulas = [], set()
            for index, cell in enumerate(cells):
                value = cell.value
                if getattr(cell, "data_type", None) == "f" or not isinstance(
                    value, (str, int, float, bool, type(None))) and not hasattr(value, "year"):
                    formulas.add(index)
                    value = str(value)
                values.append(value)
            why = ("filtered" if visibility.filtering else "hidden") if number in visibility.hidden_rows else ""
            yield RawRow(number, values, [], formulas, why)

    return Table("", header, rows(), hidden_columns, notices)
