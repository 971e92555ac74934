"""If Redis is down when a citizen submits, is the voice still accepted and routed once Redis returns?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import JobRecord, Voice, db
from tests.conftest import _make_app
from tests.redis_server import RedisServer, needs_redis_server
from tests.support import submit_via_form
from tests.test_flow import GARBAGE_VOICE, run_burst_worker


@pytest.mark.postgres
@pytest.mark.redis
@needs_redis_server
def test_a_voice_submitted_while_redis_is_down_is_routed_after_it_returns(model_dir, tmp_path, pg_database):
    server = RedisServer()
    server.start()
    app = _make_app(pg_database, model_dir, tmp_path, REDIS_URL=server.url)
    try:
        with app.app_context():
            from models import set_setting

            set_setting("routing.auto_threshold", 0.0)
            db.session.commit()
        server.stop()

        receipt_no, code = submit_via_form(app.test_client(), GARBAGE_VOICE)
        assert receipt_no and code
        with app.app_context():
            voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt_no))
            assert voice.status == "received"
            record = db.session.scalar(select(JobRecord).where(JobRecord.key == f"route_voice:{voice.id}"))
            assert record.state == "pending"
            health = app.test_client().get("/api/v1/health").get_json()
            assert health["queue"]["ok"] is False and health["queue"]["outbox_pending"] == 1

        server.start()  # an empty Redis: whatever it held before is gone
        run_burst_worker(app)  # the worker hands the outbox over first, then works the queue
        with app.app_context():
            db.session.expire_all()
            voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt_no))
            assert voice.status == "assigned" and voice.section.name == "生活環境課"
            record = db.session.scalar(select(JobRecord).where(JobRecord.key == f"route_voice:{voice.id}"))
            assert record.state == "done"
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.redis
@needs_redis_server
def test_daily_jobs_recorded_while_redis_is_down_are_reported_as_waiting_and_handed_over_later(
        model_dir, tmp_path, pg_database):
    """Does `daily-jobs` say how many jobs Redis did not take (instead of "handed over"), and does the
    sweep hand them over once Redis is back?"""
    from datetime import datetime

    from routing.dispatch import flush_outbox
    from routing.schedule import DAILY_JOBS, JST, hand_over_daily_jobs

    server = RedisServer()
    server.start()
    app = _make_app(pg_database, model_dir, tmp_path, REDIS_URL=server.url)
    monday_nine = datetime(2026, 11, 30, 9, 0, tzinfo=JST)
    try:
        server.stop()
        dispatcher = app.extensions["mirai_dispatcher"]
        with app.app_context():
            assert hand_over_daily_jobs(monday_nine, dispatcher) == (len(DAILY_JOBS), len(DAILY_JOBS))
            assert hand_over_daily_jobs(monday_nine, dispatcher) == (0, 0)  # recorded once a day
        result = app.test_cli_runner().invoke(args=["daily-jobs"])
        if result.output.startswith("0 件"):  # not a working day, or before 05:30 JST: nothing came due
            assert result.exit_code == 0
        else:
            assert result.exit_code == 1 and "Redis に渡せなかった" in result.output, result.output

        server.start()
        with app.app_context():
            assert flush_outbox(dispatcher) >= len(DAILY_JOBS)
            states = db.session.scalars(select(JobRecord.state).where(JobRecord.key.like("%:2026-11-30"))).all()
            assert sorted(set(states)) == ["enqueued"] and len(states) == len(DAILY_JOBS)
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
