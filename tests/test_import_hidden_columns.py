"""A column an Excel user hid holds cells nobody looked at: is it imported without a word?"""
from __future__ import annotations

import io

from openpyxl import Workbook

from tests.test_import import (
    MEETING_HEADER,
    MEETING_ROWS,
    VOICE_HEADER,
    VOICE_ROWS,
    check,
    csv_bytes,
    voice_count,
    write,
)
from voices.importers.reader import open_table


def _workbook(header, rows, *, hide: tuple[str, ...] = (), spans: tuple[tuple[str, str], ...] = ()) -> bytes:
    """``header`` and ``rows`` with the columns lettered in ``hide`` hidden one by one, and each span in
    ``spans`` hidden by one ``<col min max>`` element (as Excel writes adjacent hidden columns)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for letter in hide:
        sheet.column_dimensions[letter].hidden = True
    for first, last in spans:
        sheet.column_dimensions.group(first, last, hidden=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_reader_knows_hidden_columns_alone_and_in_a_span(tmp_path):
    path = write(tmp_path, "cols.xlsx", _workbook(VOICE_HEADER, VOICE_ROWS, hide=("B",), spans=(("E", "F"),)))
    with open_table(path, "xlsx") as table:
        assert table.hidden_columns == {1, 4, 5}


def test_a_hidden_column_of_voice_text_refuses_the_file_naming_the_column_and_imports_nothing(app, tmp_path):
    job = check(app, write(tmp_path, "hidden.xlsx", _workbook(VOICE_HEADER, VOICE_ROWS, hide=("D",))))
    assert job.state == "refused"
    (message,) = job.errors[0]["messages"]
    assert message.startswith("非表示の列に取り込む項目があります：D列「内容」。")
    assert "Excel で列を再表示して" in message
    assert voice_count(app) == 0


def test_every_hidden_column_of_a_span_is_named(app, tmp_path):
    """Excel writes adjacent hidden columns as one element with min and max: 地区 and 担当課 both count."""
    job = check(app, write(tmp_path, "span.xlsx", _workbook(VOICE_HEADER, VOICE_ROWS, spans=(("G", "H"),))))
    assert job.state == "refused"
    assert "G列「地区」、H列「担当課」" in job.errors[0]["messages"][0]
    assert voice_count(app) == 0


def test_a_hidden_column_of_meeting_remarks_refuses_the_file(app, tmp_path):
    job = check(app, write(tmp_path, "remarks.xlsx", _workbook(MEETING_HEADER, MEETING_ROWS, hide=("E",))), "meeting")
    assert job.state == "refused"
    assert "E列「発言内容」" in job.errors[0]["messages"][0]
    assert voice_count(app) == 0


def test_unused_columns_hidden_to_the_right_of_the_table_change_nothing(app, tmp_path):
    """Ledgers often hide every column right of the table (I to XFD): no heading, nothing to read there."""
    job = check(app, write(tmp_path, "tidy.xlsx", _workbook(VOICE_HEADER, VOICE_ROWS, spans=(("I", "XFD"),))))
    assert (job.state, job.good_rows, job.bad_rows) == ("checked", 3, 0), job.errors


def test_a_csv_file_has_no_hidden_columns_or_rows(tmp_path):
    with open_table(write(tmp_path, "voices.csv", csv_bytes(VOICE_HEADER, VOICE_ROWS[:1])), "csv") as table:
        assert table.hidden_columns == frozenset() and table.notices == []
        assert [row.hidden for row in table.rows] == [""]
