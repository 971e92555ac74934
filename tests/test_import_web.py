"""From the import page: upload, see the check with the encoding and the bad rows, import, follow the
progress — in-process on the embedded default, and as RQ jobs run by a real worker on PostgreSQL + Redis."""
from __future__ import annotations

import io
import re

import pytest
from rq import Queue
from sqlalchemy import func, select

from models import ImportJob, JobRecord, Voice, db, set_setting
from tests.support import csrf_token_from, login, make_user
from tests.test_flow import run_burst_worker
from tests.test_import import VOICE_HEADER, VOICE_ROWS, csv_bytes


def _signed_in(app, tmp_path):
    """A 広聴 user's client; uploads go to the test's own folder, not the repository's instance folder."""
    app.config["IMPORT_DIR"] = str(tmp_path / "uploads")
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()
        make_user("koucho", "hearing", "秘書広報課")
    client = app.test_client()
    login(client, "koucho")
    return client


def _upload(client, data: bytes, filename: str = "voices.csv", kind: str = "voices"):
    page = client.get("/staff/imports/").get_data(as_text=True)
    return client.post("/staff/imports/", data={
        "csrf_token": csrf_token_from(page), "kind": kind, "file": (io.BytesIO(data), filename),
    }, content_type="multipart/form-data")


def _start(client, location: str, **fields):
    page = client.get(location).get_data(as_text=True)
    return client.post(f"{location}/import", data={"csrf_token": csrf_token_from(page), **fields})


def test_the_page_shows_the_encoding_and_bad_rows_and_imports_only_when_asked(app, tmp_path):
    client = _signed_in(app, tmp_path)
    rows = [VOICE_ROWS[0], ["2026-13-01", *VOICE_ROWS[1][1:]], VOICE_ROWS[2]]
    uploaded = _upload(client, csv_bytes(VOICE_HEADER, rows, "cp932"))
    assert uploaded.status_code == 303
    location = uploaded.headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Shift_JIS（CP932） として読みました" in page
    assert "3行目: 受付日: 「2026-13-01」は日付として読めません" in page
    assert 'name="only_good_rows"' in page
    refused = client.get(_start(client, location).headers["Location"]).get_data(as_text=True)
    assert "このファイルは取り込めません" in refused
    with app.app_context():
        assert db.session.scalar(select(func.count(Voice.id))) == 0
    _start(client, location, only_good_rows="y")
    progress = client.get(f"{location}/progress").get_json()
    assert progress == {"state": "done", "state_label": "取込完了", "percent": 100, "processed_rows": 3,
                        "total_rows": 3, "imported_rows": 2, "duplicate_rows": 0, "finished": True}
    assert "2 件を登録" in client.get(location).get_data(as_text=True)


def test_a_file_that_is_not_csv_or_xlsx_is_refused_at_upload(app, tmp_path):
    client = _signed_in(app, tmp_path)
    response = _upload(client, b"\xd0\xcf\x11\xe0 old excel", filename="voices.xls")
    assert response.status_code == 422
    assert "古い Excel 形式（.xls）は読めません" in response.get_data(as_text=True)


def test_uploads_may_exceed_the_request_cap_of_the_public_pages_but_not_the_import_cap(app, tmp_path):
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, IMPORT_MAX_BYTES=2 * 1024 * 1024)
    client = _signed_in(app, tmp_path)
    many = [VOICE_ROWS[i % 3][:3] + [f"{VOICE_ROWS[i % 3][3]}（{i}）"] + ["", "", "", ""] for i in range(1500)]
    data = csv_bytes(VOICE_HEADER, many)
    assert 64 * 1024 < len(data) < 2 * 1024 * 1024
    assert _upload(client, data).status_code == 303
    assert _upload(client, data + b"x" * (2 * 1024 * 1024)).status_code == 413


def test_another_staff_member_cannot_see_my_import(app, tmp_path):
    client = _signed_in(app, tmp_path)
    location = _upload(client, csv_bytes(VOICE_HEADER, VOICE_ROWS)).headers["Location"]
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
    other = app.test_client()
    login(other, "kankyo")
    assert other.get(location).status_code == 404


@pytest.mark.postgres
@pytest.mark.redis
def test_on_postgresql_and_redis_check_and_import_run_as_rq_jobs_with_progress_in_the_database(pg_app, tmp_path):
    client = _signed_in(pg_app, tmp_path)
    rows = [[r[0], r[1], r[2], f"{r[3]}（{i}）", "", "", r[6], ""] for i, r in
            enumerate(VOICE_ROWS * 800)]  # 2,400 rows: three chunks
    location = _upload(client, csv_bytes(VOICE_HEADER, rows, "cp932")).headers["Location"]
    import_id = int(re.search(r"/(\d+)$", location).group(1))
    with pg_app.app_context():
        assert db.session.get(ImportJob, import_id).state == "uploaded"  # nothing ran in the web process
        record = db.session.scalar(select(JobRecord).where(JobRecord.key == f"import_file:{import_id}:check"))
        assert record.state == "enqueued"
        assert record.rq_job_id in Queue("slow", connection=pg_app.extensions["mirai_redis"]).job_ids
    assert 'id="import-progress"' in client.get(location).get_data(as_text=True)
    run_burst_worker(pg_app)
    assert client.get(f"{location}/progress").get_json()["state"] == "checked"
    _start(client, location)
    assert client.get(f"{location}/progress").get_json()["state"] == "queued"
    run_burst_worker(pg_app)
    progress = client.get(f"{location}/progress").get_json()
    assert (progress["state"], progress["percent"], progress["imported_rows"]) == ("done", 100, 2400)
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Voice.id)).where(Voice.status == "assigned")) == 2400
        # Routed in the import's own transactions: no routing job is left for the queue.
        assert db.session.scalar(select(func.count(JobRecord.id)).where(
            JobRecord.kind == "route_voice", JobRecord.state != "done")) == 0


def test_the_page_lists_hidden_rows_apart_with_their_numbers_and_how_to_include_them(app, tmp_path):
    """Can a clerk see how many rows were hidden in Excel, which ones, and why they were not taken?"""
    from tests.test_import_hidden_rows import _workbook

    client = _signed_in(app, tmp_path)
    rows = [VOICE_ROWS[0], VOICE_ROWS[1], VOICE_ROWS[2], ["2026-13-01", *VOICE_ROWS[0][1:]],
            [VOICE_ROWS[0][0], "電話", "要望", "街灯が切れています。", "", "", "", ""]]
    location = _upload(client, _workbook(rows, hide=[3, 4, 6]), "hidden.xlsx").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert '不正な行 <span id="bad-rows">4</span>（うち非表示の行 <span id="hidden-rows">3</span>）' in page
    assert "非表示の行（3 行）" in page and '<p id="hidden-row-numbers">3〜4、6行目</p>' in page
    assert "Excel で行を再表示して（フィルターは解除して）保存し、もう一度取り込んでください" in page
    assert "5行目: 受付日: 「2026-13-01」は日付として読めません" in page  # shown in Excel: an error as before
    assert "3行目:" not in page  # hidden rows are not among the errors
    assert "誤りのある行が 1 行、非表示の行が 3 行あるため、このままでは取り込めません。" in page
    assert "誤りのある行と非表示の行を除き、正しい 1 行だけを取り込む" in page

    _start(client, location, only_good_rows="y")
    result = client.get(location).get_data(as_text=True)
    assert "1 件を登録・登録済みのため 0 件をスキップ。誤りのある行と非表示の行 4 行は取り込んでいません。" in result
    assert '<p id="hidden-row-numbers">3〜4、6行目</p>' in result
    with app.app_context():
        assert db.session.scalars(select(Voice.body)).all() == [VOICE_ROWS[0][3]]


def test_the_page_refuses_a_hidden_column_of_voice_text_and_mentions_a_hidden_sheet(app, tmp_path):
    from tests.test_import_hidden_columns import _workbook

    client = _signed_in(app, tmp_path)
    location = _upload(client, _workbook(VOICE_HEADER, VOICE_ROWS, hide=("D",)), "cols.xlsx").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "取り込めない理由" in page and "非表示の列に取り込む項目があります：D列「内容」。" in page
    assert 'name="only_good_rows"' not in page and "取り込む</button>" not in page

    header, rows = [*VOICE_HEADER, "メモ"], [[*row, "社内メモ"] for row in VOICE_ROWS]
    location = _upload(client, _workbook(header, rows, hide=("I",)), "memo.xlsx").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "お知らせ" in page and "非表示の列（I列「メモ」）は取り込む項目ではないため、読み飛ばします。" in page
    assert "3 行を取り込みます" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Voice.id))) == 0
