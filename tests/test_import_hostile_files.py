"""Does the import survive the files a city really sends (old Mac newlines, renamed workbooks, …) and
hostile ones (zip bombs, control characters), refusing with a Japanese reason instead of crashing?"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import pytest
from sqlalchemy import select

from models import Meeting, Voice, db, set_setting
from tests.test_import import (
    JST,
    MEETING_HEADER,
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


@pytest.fixture(autouse=True)
def _uploads_and_auto_assign(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "uploads")
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()


def _zip_bomb(expanded_mb: int) -> bytes:
    """A valid workbook whose one 内容 cell holds ``expanded_mb`` MB of "A": it compresses about 1000 times."""
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes(VOICE_HEADER, [VOICE_ROWS[0]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in workbook.infolist():
            data = workbook.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                body = VOICE_ROWS[0][3]
                assert body in data.decode()
                data = data.decode().replace(body, "A" * (expanded_mb << 20)).encode()
            bomb.writestr(member.filename, data)
    return out.getvalue()


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_expanded(app, tmp_path):
    data = _zip_bomb(30)
    assert len(data) < 100_000
    job = check(app, write(tmp_path, "bomb.xlsx", data))
    assert job.state == "refused"
    assert "展開すると極端に大きくなる Excel ファイル" in job.errors[0]["messages"][0]
    assert voice_count(app) == 0


@pytest.mark.parametrize("database", ["sqlite_app", pytest.param("pg_inprocess_app", marks=pytest.mark.postgres)])
def test_control_characters_in_a_meeting_name_or_place_are_dropped_as_the_meeting_form_drops_them(
        request, tmp_path, database):
    """A NUL in 会合名 passed the check and then stopped the import on PostgreSQL."""
    app = request.getfixturevalue(database)
    app.config["IMPORT_DIR"] = str(tmp_path / "uploads")
    rows = [["第1回\x00タウン\x1bミーティング", "2026-05-20", "市民", "伊奈", "バスの本数を増やしてほしいです。", "公民館\x07"],
            ["\x1b\x00", "2026-05-20", "市民", "伊奈", "駐車場が足りません。", ""]]
    path = write(tmp_path, "remarks.csv", csv_bytes([*MEETING_HEADER, "場所"], rows))
    job = check(app, path, "meeting")
    assert (job.good_rows, job.bad_rows) == (1, 1)
    assert job.errors == [{"row": 3, "messages": ["会合名: 必須です。値を入力してください。"]}]
    job = import_checked(app, job.id, only_good_rows=True)
    assert (job.state, job.imported_rows) == ("done", 1)
    with app.app_context():
        meeting = db.session.scalar(select(Meeting))
        assert (meeting.name, meeting.place) == ("第1回タウンミーティング", "公民館")


def test_old_mac_line_endings_and_mixed_endings_are_read_row_by_row(app, tmp_path):
    """A bare CR ends a line too (Excel for Mac's 「CSV (Macintosh)」); it used to glue the file into one
    line and refuse it for an unreadable header."""
    rows = [",".join(VOICE_ROWS[0]), '2026-05-21,窓口,要望,"一行目\r二行目\r\n三行目",,,伊奈,', ",".join(VOICE_ROWS[2])]
    for name, data in {"mac.csv": "\r".join([",".join(VOICE_HEADER), *rows]) + "\r",
                       "mixed.csv": ",".join(VOICE_HEADER) + "\r\n" + rows[0] + "\r" + rows[1] + "\n" + rows[2]}.items():
        job = check(app, write(tmp_path, name, data.encode("cp932")))
        assert (job.state, job.total_rows, job.good_rows) == ("checked", 3, 3), (name, job.errors)
    import_checked(app, job.id)
    with app.app_context():
        bodies = [v.body for v in db.session.scalars(select(Voice).order_by(Voice.id))]
    assert bodies == [VOICE_ROWS[0][3], "一行目\n二行目\n三行目", VOICE_ROWS[2][3]]


@pytest.mark.parametrize("encoding, label", [("utf-16", "utf-16"), ("cp932", "cp932")])
def test_excel_text_files_with_tabs_import_like_csv(app, tmp_path, encoding, label):
    """Excel's 「Unicode テキスト」 (UTF-16, tabs) and 「テキスト (タブ区切り)」 (Shift_JIS, tabs), both .txt:
    the first was refused as UTF-16, the second read as one column and refused for missing columns."""
    body = "①髙﨑さんから\t「タブ」と\n改行を含む意見" if encoding == "utf-16" else "髙﨑さんから①の意見"
    rows = [VOICE_ROWS[0], ["2026-05-21", "窓口", "意見", body, "", "", "", ""]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows([VOICE_HEADER, *rows])
    job = check(app, write(tmp_path, "voices.txt", buffer.getvalue().encode(encoding)))
    assert (job.state, job.encoding, job.good_rows, job.bad_rows) == ("checked", label, 2, 0), job.errors
    import_checked(app, job.id)
    with app.app_context():
        bodies = [v.body for v in db.session.scalars(select(Voice).order_by(Voice.id))]
    assert bodies == [VOICE_ROWS[0][3], body]


def test_a_workbook_renamed_to_csv_is_read_as_a_workbook(app, tmp_path):
    job = check(app, write(tmp_path, "受付簿.csv", xlsx_bytes(VOICE_HEADER, VOICE_ROWS)))
    assert (job.state, job.file_format, job.good_rows, job.bad_rows) == ("checked", "xlsx", 3, 0), job.errors


@pytest.mark.parametrize("filename", ["old.xlsx", "old.csv"])
def test_an_old_xls_under_another_name_is_refused_as_xls_and_its_upload_deleted(app, tmp_path, filename):
    from voices.importers.reader import ImportFileError
    from voices.importers.service import register_upload

    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    with app.app_context(), pytest.raises(ImportFileError, match=r"古い Excel 形式（\.xls）は読めません"):
        register_upload(io.BytesIO(ole), filename, "voices", None)
    assert list((tmp_path / "uploads").iterdir()) == []


def test_dates_with_the_day_of_the_week_and_excel_serials_are_read(app, tmp_path):
    """「令和8年4月3日（金）」 is how Japanese minutes write a date, and 46120 is how a 「標準」 cell or another
    system's CSV carries one; both were refused as unreadable."""
    dates = ["令和８年４月３日（金）", "2026/4/6(月) 10:30", "R8.4.7(火曜日)", "46120", 46121.5]
    rows = [[d, "電話", "苦情", f"街灯が切れています（{i}）。", "", "", "", ""] for i, d in enumerate(dates)]
    job = check(app, write(tmp_path, "dates.xlsx", xlsx_bytes(VOICE_HEADER, rows)))
    assert (job.good_rows, job.bad_rows) == (5, 0), job.errors
    import_checked(app, job.id)
    with app.app_context():
        received = [v.received_at.astimezone(JST).replace(tzinfo=None)
                    for v in db.session.scalars(select(Voice).order_by(Voice.id))]
    assert received == [datetime(2026, 4, 3), datetime(2026, 4, 6, 10, 30), datetime(2026, 4, 7),
                        datetime(2026, 4, 8), datetime(2026, 4, 9, 12)]


def test_the_first_visible_sheet_is_read_and_a_second_sheet_of_voices_is_not_silently_left_out(app, tmp_path):
    hidden_first = xlsx_sheets(("旧データ", [["メモ"], ["古い行"]], "hidden"),
                               ("取込データ", [VOICE_HEADER, *VOICE_ROWS], "visible"),
                               ("記入方法", [["列", "必須", "説明"], ["受付日", "必須", "例"]], "visible"))
    job = check(app, write(tmp_path, "hidden.xlsx", hidden_first))
    assert (job.state, job.good_rows) == ("checked", 3), job.errors

    by_month = xlsx_sheets(("4月", [VOICE_HEADER, VOICE_ROWS[0]], "visible"),
                           ("5月", [VOICE_HEADER, *VOICE_ROWS[1:]], "visible"))
    job = check(app, write(tmp_path, "months.xlsx", by_month))
    assert job.state == "refused"
    assert "シート「4月」と同じ見出しのシート（「5月」）があります" in job.errors[0]["messages"][0]
    assert voice_count(app) == 0


def _password_protected(workbook: bytes) -> bytes:
    """``workbook`` encrypted as Excel does with ファイル → 情報 → ブックの保護 → パスワードを使用して暗号化."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook)).encrypt("mirai", out)
    return out.getvalue()


@pytest.mark.parametrize("filename", ["受付簿.xlsx", "受付簿.csv"])
def test_a_password_protected_workbook_is_refused_as_protected_not_as_an_old_xls(app, tmp_path, filename):
    """A city's workbooks often travel with a password: is the clerk told to remove it, rather than to save
    as .xlsx what already is an .xlsx?"""
    from voices.importers.reader import ImportFileError
    from voices.importers.service import register_upload

    locked = _password_protected(xlsx_bytes(VOICE_HEADER, VOICE_ROWS))
    with app.app_context(), pytest.raises(ImportFileError, match="パスワードで保護") as refused:
        register_upload(io.BytesIO(locked), filename, "voices", None)
    assert ".xls" not in str(refused.value)
    assert list((tmp_path / "uploads").iterdir()) == []
    assert voice_count(app) == 0


@pytest.mark.parametrize("data", [b"not a workbook", b"PK\x05\x06" + bytes(18)], ids=["not-zip", "empty-zip"])
def test_a_broken_workbook_is_refused_in_japanese_without_a_python_error_name(app, tmp_path, data):
    job = check(app, write(tmp_path, "broken.xlsx", data))
    message = job.errors[0]["messages"][0]
    assert job.state == "refused" and "Excel ファイル（.xlsx）として読めません" in message
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"Excel|\.xlsx", "", message)), message
    assert voice_count(app) == 0
