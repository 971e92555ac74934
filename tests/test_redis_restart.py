"""Redis restarts while citizens are submitting: does every voice get stored, and routed once Redis is back,
including the ones whose jobs Redis held when it went down?"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rq import Queue
from sqlalchemy import func, select

from models import JobRecord, Voice, db
from routing.dispatch import flush_outbox
from tests.conftest import _make_app
from tests.redis_server import needs_redis_server
from tests.support import submit_via_form
from tests.test_flow import GARBAGE_VOICE, _auto_assign_everything, run_burst_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, needs_redis_server]


@pytest.fixture
def restart_app(model_dir, tmp_path, pg_database, redis_server):
    """The production path on a Redis of this test's own, which the test may kill and start again."""
    app = _make_app(pg_database, model_dir, tmp_path, REDIS_URL=redis_server.url)
    _auto_assign_everything(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _citizen(app, number: int):
    """A test client from its own address, so the per-IP limits do not stand in for Redis's absence."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number}"
    return client


def _submit(app, number: int) -> tuple[str, float]:
    """One citizen's voice, through the form (even numbers) or the API (odd); (受付番号, seconds taken)."""
    body = GARBAGE_VOICE["body"] + f"（{number}件目）"
    started = time.monotonic()
    if number % 2 == 0:
        receipt_no, _code = submit_via_form(_citizen(app, number), {**GARBAGE_VOICE, "body": body})
    else:
        response = _citizen(app, number).post("/api/v1/voices", json={
            "voice_type": "苦情", "body": body, "consent_privacy": True})
        assert response.status_code == 201, response.get_json()
        receipt_no = response.get_json()["receipt_no"]
    return receipt_no, time.monotonic() - started


def _job_states(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(JobRecord.state, func.count()).where(JobRecord.kind == "route_voice")
                                  .group_by(JobRecord.state)).all()
        return dict(rows)


def test_voices_keep_coming_in_while_redis_restarts_and_every_one_is_routed(restart_app, redis_server):
    app = restart_app
    before = [_submit(app, number)[0] for number in range(4)]
    assert _job_states(app) == {"enqueued": 4}

    redis_server.stop()  # Redis dies holding four routing jobs, none of them started
    with ThreadPoolExecutor(max_workers=3) as pool:  # citizens keep submitting meanwhile
        during = list(pool.map(lambda number: _submit(app, number), range(4, 10)))
    assert all(seconds < 5 for _receipt, seconds in during), during  # no one waits on the dead Redis
    assert _job_states(app) == {"enqueued": 4, "pending": 6}

    redis_server.start()  # back, and empty: the four jobs it held are gone
    with app.app_context():
        assert Queue("routing", connection=app.extensions["mirai_redis"]).job_ids == []
        # The worker's first flush (and its sweep every 15 s) hands over the six that never reached Redis
        # and the four that Redis lost, without waiting for them to look stale.
        assert flush_outbox(app.extensions["mirai_dispatcher"]) == 10
        assert len(Queue("routing", connection=app.extensions["mirai_redis"]).job_ids) == 10
    assert _job_states(app) == {"enqueued": 10}

    run_burst_worker(app, "routing")
    receipts = before + [receipt for receipt, _seconds in during]
    with app.app_context():
        voices = db.session.scalars(select(Voice).where(Voice.receipt_no.in_(receipts))).all()
        assert len(voices) == 10
        assert {voice.status for voice in voices} == {"assigned"}
        assert {voice.section.name for voice in voices} == {"生活環境課"}
    assert _job_states(app) == {"done": 10}


def test_a_job_redis_still_holds_is_not_handed_over_twice(restart_app):
    """The check for lost jobs must not re-enqueue what is merely waiting for a worker."""
    _submit(restart_app, 1)
    with restart_app.app_context():
        assert flush_outbox(restart_app.extensions["mirai_dispatcher"]) == 0
        assert len(Queue("routing", connection=restart_app.extensions["mirai_redis"]).job_ids) == 1
    assert _job_states(restart_app) == {"enqueued": 1}
