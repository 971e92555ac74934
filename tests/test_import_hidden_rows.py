"""Rows an Excel user hid, or filtered out, are not on their screen: are they imported without a word?"""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from models import Voice, db
from tests.test_import import VOICE_HEADER, VOICE_ROWS, check, import_checked, voice_count, write
from voices.importers.reader import open_table
from voices.importers.service import ImportRefused

BLANK = [""] * len(VOICE_HEADER)


def _workbook(rows, *, hide=(), filter_type: str | None = None) -> bytes:
    """The voices template with ``rows``; the rows numbered in ``hide`` hidden by hand, or, with
    ``filter_type``, an autofilter on 種別 showing only that type, saved as Excel saves it (the
    filtered-out rows marked hidden)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(VOICE_HEADER)
    for row in rows:
        sheet.append(row)
    for number in hide:
        sheet.row_dimensions[number].hidden = True
    if filter_type:
        sheet.auto_filter.ref = f"A1:H{len(rows) + 1}"
        sheet.auto_filter.add_filter_column(VOICE_HEADER.index("種別"), [filter_type])
        for number, row in enumerate(rows, start=2):
            if row[VOICE_HEADER.index("種別")] != filter_type:
                sheet.row_dimensions[number].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
def test_a_hidden_row_is_listed_with_its_number_and_the_file_is_not_imported_as_it_is(app, tmp_path):
    job = check(app, write(tmp_path, "hidden.xlsx", _workbook(VOICE_ROWS, hide=[3])))
    assert (job.state, job.good_rows, job.bad_rows) == ("checked", 2, 1)
    assert [e["row"] for e in job.errors] == [3]
    assert job.errors[0]["messages"][0].startswith("非表示の行です（Excel で行が非表示になっています）。")
    with pytest.raises(ImportRefused):
        import_checked(app, job.id)
    assert voice_count(app) == 0


@pytest.mark.usefixtures("uploads")
def test_importing_only_the_good_rows_imports_what_the_user_sees(app, tmp_path):
    job = check(app, write(tmp_path, "filtered.xlsx", _workbook(VOICE_ROWS, filter_type="苦情")))
    assert [e["row"] for e in job.errors] == [3, 4]
    assert all("フィルターで絞り込まれて見えていません" in e["messages"][0] for e in job.errors)
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
    assert (job.total_rows, job.good_rows, job.bad_rows) == (2, 1, 1)
    (error,) = job.errors
    assert error["row"] == 4
    assert error["messages"][0].startswith("非表示の行です")
    assert any(message.startswith("受付日:") for message in error["messages"][1:]), error
