"""Are late voices flagged, escalated to 広聴 once, and reported to section heads every working day?"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import JobRecord, Voice, db
from routing.overdue import escalate_overdue, send_overdue_digests
from routing.schedule import due_daily_jobs
from tests.mail_server import LocalSMTP, subject_of, text_of
from tests.section_fixtures import build_world
from tests.support import login


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def world(app):
    with app.app_context():
        world = build_world()
        db.session.get(Voice, world.voice_id).due_date = date(2026, 11, 2)
        db.session.commit()
        return world


def test_an_overdue_voice_is_badged_in_the_queue(app, world):
    client = app.test_client()
    login(client, "kankyo")
    html = client.get("/staff/queue?overdue=y").get_data(as_text=True)
    assert world.receipt_no in html and "期限超過" in html


def test_escalation_waits_for_the_grace_days_then_happens_once(app, world):
    with app.app_context():
        # due 11/2 (Mon); 11/3 is 文化の日, so 3 営業日 of grace end 11/6: 11/6 is too early, 11/9 escalates
        assert escalate_overdue(date(2026, 11, 6)) == 0
        assert escalate_overdue(date(2026, 11, 9)) == 1
        assert escalate_overdue(date(2026, 11, 10)) == 0
        voice = db.session.get(Voice, world.voice_id)
        assert voice.escalated_at is not None
        shared = [a for a in voice.assignments if a.active and a.role == "inform"]
        assert [a.section.name for a in shared] == ["秘書広報課"]
        assert [e.kind for e in voice.events].count("escalated") == 1


def test_section_heads_get_the_overdue_digest_by_email(app, world):
    smtp = LocalSMTP().start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        with app.app_context():
            assert send_overdue_digests(date(2026, 11, 26)) == 1
        message = smtp.messages[0]
        assert message["To"] == "kankyo-head@city.example.jp"
        assert "期限超過 1 件" in subject_of(message)
        assert world.receipt_no in text_of(message)
    finally:
        smtp.stop()


def test_daily_jobs_are_recorded_once_per_working_day(app):
    with app.app_context():
        early = datetime(2026, 11, 26, 5, 0, tzinfo=JST)
        assert due_daily_jobs(early) == []
        at_nine = datetime(2026, 11, 26, 9, 0, tzinfo=JST)
        assert len(due_daily_jobs(at_nine)) == 7
        assert due_daily_jobs(at_nine) == []
        keys = set(db.session.scalars(select(JobRecord.key)))
        assert {"refresh_rollups:2026-11-26", "escalate_overdue:2026-11-26", "overdue_digest:2026-11-26",
                "purge_uploads:2026-11-26", "purge_personal_data:2026-11-26", "retrain_when_due:2026-11-26",
                "purge_sign_in_records:2026-11-26"} <= keys
        sunday = datetime(2026, 11, 29, 9, 0, tzinfo=JST)
        assert due_daily_jobs(sunday) == []


def test_the_daily_jobs_run_in_process_on_the_embedded_default(app, world):
    """Each of a working day's seven jobs runs to the end in-process (the command does this at its time)."""
    from routing.schedule import DAILY_JOBS

    with app.app_context():
        ids = due_daily_jobs(datetime(2026, 11, 26, 9, 0, tzinfo=JST))
        app.extensions["mirai_dispatcher"].dispatch(ids)
        records = {r.kind: r.state for r in db.session.scalars(select(JobRecord).where(JobRecord.id.in_(ids)))}
    assert records == {job.kind: "done" for job in DAILY_JOBS}
    result = app.test_cli_runner().invoke(args=["daily-jobs"])  # now: whatever is due today, once
    assert result.exit_code == 0 and "件の定時ジョブを実行キューに渡しました" in result.output, result.output