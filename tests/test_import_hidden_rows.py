"""Rows an Excel user hid, or filtered out, are not on their screen: are they imported without a word?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Voice, db
from tests.test_import import VOICE_HEADER, VOICE_ROWS, check, import_checked, voice_count, write, xlsx_bytes
from voices.importers.reader import open_table
from voices.importers.report import (
    FILTER_NOTICE,
    HIDDEN_RANGES_KEPT,
    HIDDEN_ROWS_HELP,
    HiddenRows,
    row_numbers_text,
)
from voices.importers.service import ImportRefused

BLANK = [""] * len(VOICE_HEADER)


def _workbook(rows, *, hide=(), filter_type: str | None = None) -> bytes:
    """The voices template with ``rows``; the rows numbered in ``hide`` hidden by hand, or, with
    ``filter_type``, an autofilter on 種別 showing only that type, saved as Excel saves it (the
    filtered-out rows marked hidden)."""

    def hide_rows(sheet) -> None:
        for number in hide:
            sheet.row_dimensions[number].hidden = True
        if filter_type:
            sheet.auto_filter.ref = f"A1:H{len(rows) + 1}"
            sheet.auto_filter.add_filter_column(VOICE_HEADER.index("種別"), [filter_type])
            for number, row in enumerate(rows, start=2):
                if row[VOICE_HEADER.index("種別")] != filter_type:
                    sheet.row_dimensions[number].hidden = True

    return xlsx_bytes(VOICE_HEADER, rows, hide_rows)


@pytest.fixture
def uploads(app, tmp_path):
    """Uploads of this test in its own folder, not the repository's instance folder."""
    app.config["IMPORT_DIR"] = str(tmp_path / "uploads")
    return app


def _hidden_flags(path) -> dict[int, str]:
    with open_table(path, "xlsx") as table:
        return {row.number: row.hidden for row in table.rows}


def test_the_reader_says_which_rows_are_hidden_and_which_are_filtered_out(tmp_path):
    by_hand = write(tmp_path, "hidden.xlsx", _workbook(VOICE_ROWS, hide=[3]))
    assert _hidden_flags(by_hand) == {2: "", 3: "hidden", 4: ""}
    filtered = write(tmp_path, "filtered.xlsx", _workbook(VOICE_ROWS, filter_type="苦情"))
    assert _hidden_flags(filtered) == {2: "", 3: "filtered", 4: "filtered"}  # rows 3, 4 are 要望, 提案


@pytest.mark.usefixtures("uploads")
def test_a_hidden_row_is_counted_with_its_number_apart_from_errors_and_not_imported_as_it_is(app, tmp_path):
    job = check(app, write(tmp_path, "hidden.xlsx", _workbook(VOICE_ROWS, hide=[3])))
    assert (job.state, job.good_rows, job.bad_rows) == ("checked", 2, 1)
    assert (job.hidden_rows, job.hidden_row_ranges, job.errors, job.notices) == (1, [[3, 3]], [], [])
    with pytest.raises(ImportRefused):
        import_checked(app, job.id)
    assert voice_count(app) == 0


@pytest.mark.usefixtures("uploads")
def test_importing_only_the_good_rows_imports_what_the_user_sees(app, tmp_path):
    job = check(app, write(tmp_path, "filtered.xlsx", _workbook(VOICE_ROWS, filter_type="苦情")))
    assert (job.hidden_rows, job.hidden_row_ranges, job.errors) == (2, [[3, 4]], [])
    assert job.notices == [FILTER_NOTICE]
    job = import_checked(app, job.id, only_good_rows=True)
    assert (job.state, job.imported_rows) == ("done", 1)
    with app.app_context():
        assert db.session.scalars(select(Voice.body)).all() == [VOICE_ROWS[0][3]]


@pytest.mark.usefixtures("uploads")
def test_a_hidden_row_shown_again_is_imported_like_any_other(app, tmp_path):
    job = check(app, write(tmp_path, "shown.xlsx", _workbook(VOICE_ROWS)))
    assert (job.good_rows, job.bad_rows) == (3, 0)
    assert import_checked(app, job.id).imported_rows == 3


@pytest.mark.usefixtures("uploads")
def test_blank_hidden_rows_are_not_reported_and_a_hidden_bad_row_gives_both_reasons(app, tmp_path):
    """Excel users hide empty spacer rows; those are skipped like any blank row. A hidden row with a bad
    date says both things, so fixing one does not reveal the other later."""
    bad_date = ["2026-13-45", *VOICE_ROWS[0][1:]]
    job = check(app, write(tmp_path, "mixed.xlsx", _workbook([VOICE_ROWS[0], BLANK, bad_date], hide=[3, 4])))
    assert (job.total_rows, job.good_rows, job.bad_rows, job.hidden_rows) == (2, 1, 1, 1)
    assert job.hidden_row_ranges == [[4, 4]]
    (error,) = job.errors
    assert (error["row"], error["hidden"]) == (4, True)
    assert error["messages"][0].startswith("受付日:"), error


@pytest.mark.usefixtures("uploads")
def test_many_filtered_out_rows_are_kept_as_ranges_and_leave_room_for_the_rows_with_errors(app, tmp_path):
    """A ledger filtered to one month hides thousands of rows: they are counted and kept as a few ranges,
    and a bad row that is shown is still listed with its reason."""
    rows = [[f"2026-05-{1 + i % 28:02d}", "電話", "苦情" if i % 300 == 0 else "要望", f"声（{i}）", "", "", "", ""]
            for i in range(1200)]
    rows[-1] = ["2026-13-45", "電話", "苦情", "日付の誤った声", "", "", "", ""]
    job = check(app, write(tmp_path, "month.xlsx", _workbook(rows, filter_type="苦情")))
    shown = [n for n, row in enumerate(rows, start=2) if row[2] == "苦情"]
    assert job.hidden_rows == 1200 - len(shown)
    assert job.hidden_row_ranges == [[3, 301], [303, 601], [603, 901], [903, 1200]]
    assert [(e["row"], e["messages"][0][:4]) for e in job.errors] == [(1201, "受付日:")]


def test_hidden_row_numbers_read_as_ranges_and_say_when_some_are_not_listed():
    hidden = HiddenRows()
    for number in (3, 5, 6, 7, 12):
        hidden.add(number, "hidden")
    assert (hidden.count, hidden.ranges, hidden.notices()) == (5, [[3, 3], [5, 7], [12, 12]], [])
    assert row_numbers_text(hidden.ranges, hidden.count) == "3、5〜7、12行目"
    assert row_numbers_text(hidden.ranges, hidden.count + 4) == "3、5〜7、12行目ほか"
    capped = HiddenRows()
    for number in range(2, 2 + 2 * (HIDDEN_RANGES_KEPT + 10), 2):
        capped.add(number, "filtered")
    assert (capped.count, len(capped.ranges), capped.notices()) == (HIDDEN_RANGES_KEPT + 10, HIDDEN_RANGES_KEPT,
                                                                    [FILTER_NOTICE])


@pytest.mark.usefixtures("uploads")
def test_the_cli_prints_the_hidden_rows_in_the_same_words_as_the_page(app, tmp_path):
    """Does ``flask import-voices`` count the hidden rows, list their numbers, say how to include them,
    and import only the rows in sight when told to?"""
    path = write(tmp_path, "hidden.xlsx", _workbook(VOICE_ROWS, hide=[3, 4]))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-voices", str(path), "--kind", "voices"])
    assert refused.exit_code == 1
    assert "データ行: 3 行（正しい行 1・不正な行 2（うち非表示の行 2）・登録済みの行 0）" in refused.output
    assert "非表示の行: 2 行（3〜4行目）" in refused.output and HIDDEN_ROWS_HELP in refused.output
    assert "非表示の行が 2 行あるため、何も取り込みませんでした（--only-good-rows で" in refused.output
    assert "行目:" not in refused.output  # no row is listed as an error
    assert voice_count(app) == 0

    done = runner.invoke(args=["import-voices", str(path), "--kind", "voices", "--only-good-rows"])
    assert done.exit_code == 0, done.output
    assert "1 件を登録し、登録済みの 0 件をスキップしました。非表示の行 2 行は取り込んでいません。" in done.output
    assert voice_count(app) == 1


@pytest.mark.usefixtures("uploads")
def test_rows_hidden_after_the_check_stop_the_import_and_are_counted(app, tmp_path):
    """A file given to the CLI is read in place: if someone hides rows in it between the check and the
    import, the import re-reads it, stores nothing, and reports the hidden rows as the check would."""
    path = write(tmp_path, "ledger.xlsx", _workbook(VOICE_ROWS))
    job = check(app, path)
    assert (job.state, job.bad_rows) == ("checked", 0)
    path.write_bytes(_workbook(VOICE_ROWS, hide=[3, 4]))
    job = import_checked(app, job.id)
    assert (job.state, job.bad_rows, job.hidden_rows, job.hidden_row_ranges) == ("refused", 2, 2, [[3, 4]])
    assert voice_count(app) == 0
