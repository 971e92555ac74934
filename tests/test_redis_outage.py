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
