"""Redis hangs (its process stopped: connections are accepted and nothing answers) while citizens submit.
Does only the first submission wait for the socket timeout, is every voice stored and routed once Redis
answers again, do the rate limits still hold, and does ``outbox-flush`` say what is wrong?"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rq import Queue
from sqlalchemy import func, select

from models import JobRecord, Voice, db
from routing.dispatch import flush_outbox
from tests.conftest import _make_app
from tests.redis_server import RedisServer, needs_redis_server
from tests.support import csrf_token_from, hidden_value, login, make_user, submit_via_form
from tests.test_counter import post_counter
from tests.test_flow import GARBAGE_VOICE, _auto_assign_everything, run_burst_worker
from tests.test_redis_restart import _job_states, _submit
from tests.test_unreachable_services import _env, _flask

pytestmark = [pytest.mark.postgres, pytest.mark.redis, needs_redis_server]


def _app(pg_database, model_dir, tmp_path, server: RedisServer, **config):
    app = _make_app(pg_database, model_dir, tmp_path, REDIS_URL=server.url, **config)
    _auto_assign_everything(app)
    return app


@pytest.fixture
def hang_app(model_dir, tmp_path, pg_database, redis_server):
    """The production path on a Redis of this test's own, with the default cool-down (30 s)."""
    app = _app(pg_database, model_dir, tmp_path, redis_server)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _socket_timeout(app) -> float:
    """How long one Redis call waits for an answer: what every submission used to wait while Redis hung."""
    return app.extensions["mirai_redis"].connection_pool.connection_kwargs["socket_timeout"]


def test_while_redis_hangs_only_the_first_submission_waits_for_it(hang_app, redis_server):
    """Form, API and counter: after one Redis timeout the rest are stored at once, their jobs pending."""
    app = hang_app
    timeout = _socket_timeout(app)
    with app.app_context():
        make_user("madoguchi", "counter", "市民窓口課")
    counter = app.test_client()
    login(counter, "madoguchi")
    with redis_server.hung():
        first, first_seconds = _submit(app, 0)  # meets the hang: waits for the socket timeout
        later = [_submit(app, number) for number in range(1, 4)]
        with ThreadPoolExecutor(max_workers=3) as pool:  # gunicorn threads, all behind one open breaker
            later += list(pool.map(lambda number: _submit(app, number), range(4, 10)))
        started = time.monotonic()
        saved = post_counter(counter, {"body": GARBAGE_VOICE["body"] + "（窓口）"})
        counter_seconds = time.monotonic() - started
        started = time.monotonic()
        health = app.test_client().get("/api/v1/health").get_json()
        health_seconds = time.monotonic() - started

    print(f"socket timeout {timeout} s; first submission {first_seconds:.2f} s; later "
          f"{max(seconds for _receipt, seconds in later):.2f} s at most; counter {counter_seconds:.2f} s; "
          f"health {health_seconds:.2f} s")
    assert all(seconds < timeout for _receipt, seconds in later), later
    assert saved.status_code == 303 and counter_seconds < timeout
    assert health_seconds < timeout
    assert health["status"] == "degraded" and health["queue"]["ok"] is False
    assert health["queue"]["circuit"]["state"] == "open" and health["queue"]["outbox_pending"] == 11
    with app.app_context():
        receipts = [first] + [receipt for receipt, _seconds in later]
        assert db.session.scalar(select(func.count(Voice.id)).where(Voice.receipt_no.in_(receipts))) == 10
    assert _job_states(app) == {"pending": 11}  # ten citizens and the counter's voice


def test_once_redis_answers_again_the_next_voice_closes_the_breaker_and_the_sweep_routes_the_rest(
        model_dir, tmp_path, pg_database, redis_server):
    cooldown = 1.0
    app = _app(pg_database, model_dir, tmp_path, redis_server, REDIS_COOLDOWN=cooldown)
    breaker = app.extensions["mirai_dispatcher"].breaker
    try:
        with redis_server.hung():
            during = [_submit(app, number)[0] for number in range(2)]
            assert breaker.state() != "closed"
        assert _job_states(app) == {"pending": 2}

        time.sleep(cooldown)  # Redis answers again; this process has not asked it since
        assert breaker.state() == "half-open"
        after, _seconds = _submit(app, 2)  # the probe: enqueued directly, and the breaker closes
        assert breaker.state() == "closed"
        assert _job_states(app) == {"pending": 2, "enqueued": 1}

        with app.app_context():  # the worker's sweep, as at its start and every 15 s
            assert flush_outbox(app.extensions["mirai_dispatcher"]) == 2
            handed_over = set(db.session.scalars(select(JobRecord.rq_job_id)))
            assert len(handed_over) == 3
            assert handed_over <= set(Queue("routing", connection=app.extensions["mirai_redis"]).job_ids)
        assert _job_states(app) == {"enqueued": 3}

        run_burst_worker(app, "routing")
        with app.app_context():
            voices = db.session.scalars(select(Voice).where(Voice.receipt_no.in_([*during, after]))).all()
            assert [(voice.status, voice.section.name) for voice in voices] == [("assigned", "生活環境課")] * 3
        assert _job_states(app) == {"done": 3}
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_while_redis_hangs_the_rate_limit_still_refuses_the_next_submission(hang_app, redis_server):
    """Flask-Limiter counts in this process's memory while Redis does not answer."""
    hang_app.config.update(RATE_LIMIT_SUBMIT="3 per minute")
    client = hang_app.test_client()
    with redis_server.hung():
        for number in range(3):
            submit_via_form(client, {**GARBAGE_VOICE, "body": GARBAGE_VOICE["body"] + f"（{number}件目）"})
        page = client.get("/voice/new").get_data(as_text=True)
        data = {"csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"),
                **GARBAGE_VOICE, "action": "submit"}
        refused = client.post("/voice/confirm", data=data)
        api = client.post("/api/v1/voices", json={"voice_type": "苦情", "body": "four", "consent_privacy": True})
    assert refused.status_code == 429 and "しばらくしてからもう一度お試しください" in refused.get_data(as_text=True)
    assert api.status_code == 429 and api.get_json()["error"] == "rate_limited"
    assert _job_states(hang_app) == {"pending": 3}


def test_outbox_flush_against_a_hung_redis_fails_in_one_line_and_works_once_it_answers(
        hang_app, redis_server, pg_database, model_dir):
    env = _env(pg_database, redis_server.url, model_dir)
    with redis_server.hung():
        _submit(hang_app, 1)
        result = _flask("outbox-flush", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"Error: Redis が応答しません（{redis_server.url}）：Timeout reading from socket"], result.stderr
    assert _job_states(hang_app) == {"pending": 1}

    result = _flask("outbox-flush", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "1 件のジョブを渡しました"
    assert _job_states(hang_app) == {"enqueued": 1}
