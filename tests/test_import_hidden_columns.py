"""A column or a sheet an Excel user hid holds cells nobody looked at: is it imported without a word?"""
from __future__ import annotations

from sqlalchemy import select

from models import Voice, db
from tests.test_import import (
    MEETING_HEADER,
    MEETING_ROWS,
    VOICE_HEADER,
    VOICE_ROWS,
    check,
    csv_bytes,
    import_checked,
    voice_count,
    write,
    xlsx_bytes,
    xlsx_sheets,
)
from voices.importers.reader import open_table


def _workbook(header, rows, *, hide: tuple[str, ...] = (), spans: tuple[tuple[str, str], ...] = ()) -> bytes:
    """``header`` and ``rows`` with the columns lettered in ``hide`` hidden one by one, and each span in
    ``spans`` hidden by one ``<col min max>`` element (as Excel writes adjacent hidden columns)."""

    def hide_columns(sheet) -> None:
        for letter in hide:
            sheet.column_dimensions[letter].hidden = True
        for first, last in spans:
            sheet.column_dimensions.group(first, last, hidden=True)

    return xlsx_bytes(header, rows, hide_columns)


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


def test_a_hidden_column_that_is_not_imported_is_skipped_and_mentioned(app, tmp_path):
    """A clerk's working column (メモ) hidden before sending the ledger: the voices are imported, and the
    check says the column was left out, so nobody wonders where its notes went."""
    header, rows = [*VOICE_HEADER, "メモ"], [[*row, f"社内メモ{i}"] for i, row in enumerate(VOICE_ROWS)]
    job = check(app, write(tmp_path, "memo.xlsx", _workbook(header, rows, hide=("I",))))
    assert (job.state, job.good_rows, job.bad_rows) == ("checked", 3, 0), job.errors
    assert job.notices == ["非表示の列（I列「メモ」）は取り込む項目ではないため、読み飛ばします。"]
    assert import_checked(app, job.id).imported_rows == 3
    with app.app_context():
        assert not any("社内メモ" in body for body in db.session.scalars(select(Voice.body)))


def test_hidden_and_very_hidden_sheets_are_never_read_and_a_hidden_one_is_named(app, tmp_path):
    old = [VOICE_HEADER, ["2025-04-01", "電話", "苦情", "去年の声で、取り込んではいけない行です。", "", "", "", ""]]
    data = xlsx_sheets(("旧データ", old, "hidden"), ("マクロ用", old, "veryHidden"),
                   ("取込データ", [VOICE_HEADER, *VOICE_ROWS], "visible"))
    job = check(app, write(tmp_path, "sheets.xlsx", data))
    assert (job.state, job.good_rows) == ("checked", 3), job.errors
    assert job.notices == ["非表示のシート「旧データ」は読みません（取り込むのはシート「取込データ」です）。"]
    assert import_checked(app, job.id).imported_rows == 3
    with app.app_context():
        assert not any("去年の声" in body for body in db.session.scalars(select(Voice.body)))


def test_when_the_voices_are_on_a_hidden_sheet_the_refusal_names_that_sheet(app, tmp_path):
    data = xlsx_sheets(("記入方法", [["列", "説明"], ["受付日", "例：2026-05-20"]], "visible"),
                   ("取込データ", [VOICE_HEADER, *VOICE_ROWS], "hidden"))
    job = check(app, write(tmp_path, "hidden-data.xlsx", data))
    assert job.state == "refused"
    assert job.errors[0]["messages"][0].startswith("必要な列がありません")
    assert job.notices == ["非表示のシート「取込データ」は読みません（取り込むのはシート「記入方法」です）。"]
    assert voice_count(app) == 0


def test_the_cli_refuses_a_hidden_column_of_voice_text_and_mentions_one_it_skips(app, tmp_path):
    runner = app.test_cli_runner()
    hidden = write(tmp_path, "hidden.xlsx", _workbook(VOICE_HEADER, VOICE_ROWS, hide=("H",)))
    refused = runner.invoke(args=["import-voices", str(hidden), "--kind", "voices"])
    assert refused.exit_code == 1
    assert "非表示の列に取り込む項目があります：H列「担当課」。" in refused.output
    assert "このファイルは取り込めません。何も登録していません。" in refused.output
    assert voice_count(app) == 0

    header, rows = [*VOICE_HEADER, "メモ"], [[*row, "社内メモ"] for row in VOICE_ROWS]
    memo = write(tmp_path, "memo.xlsx", _workbook(header, rows, hide=("I",)))
    done = runner.invoke(args=["import-voices", str(memo), "--kind", "voices"])
    assert done.exit_code == 0, done.output
    assert "お知らせ: 非表示の列（I列「メモ」）は取り込む項目ではないため、読み飛ばします。" in done.output
    assert voice_count(app) == 3
