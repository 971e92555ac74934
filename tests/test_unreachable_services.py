"""When PostgreSQL or Redis cannot be reached, do the commands say so in one line, and does the worker
wait for Redis instead of dying at the first blip?"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import create_engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

import routing.worker as worker_module
from models import JobRecord, Voice, db
from tests.conftest import _make_app
from tests.redis_server import RedisServer, free_port, needs_redis_server
from tests.support import submit_via_form
from tests.test_flow import GARBAGE_VOICE, REPO, _auto_assign_everything
from web.cli_errors import explain, masked_database_url, masked_redis_url


def _flask(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """A real ``flask --app web …`` process, as an operator or docker compose runs it."""
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.run([flask, "--app", "web", *args], cwd=REPO, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout, check=False)


def _env(database_url: str, redis_url: str | None, model_dir) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url or "", "MIRAI_MODEL_DIR": str(model_dir),
            "MIRAI_SECRET_KEY": "test-secret"}


def _connection_refused() -> OperationalError:
    try:
        create_engine(f"postgresql+psycopg://mirai:secret-pw@127.0.0.1:{free_port()}/mirai").connect()
    except OperationalError as problem:
        return problem
    raise AssertionError("a closed port accepted a connection")


def test_passwords_never_appear_in_the_server_named_by_a_message():
    assert masked_database_url("postgresql+psycopg://mirai:p%40ss@db:5432/mirai") == \
        "postgresql://mirai:***@db:5432/mirai"
    assert masked_redis_url("redis://:secret@redis:6379/0") == "redis://:***@redis:6379/0"
    assert masked_redis_url("rediss://user:secret@redis:6380/1") == "rediss://user:***@redis:6380/1"
    assert masked_redis_url("redis://redis:6379/0") == "redis://redis:6379/0"


def test_a_refused_connection_is_one_japanese_line_and_a_bug_is_not_disguised_as_one():
    problem = _connection_refused()
    message = explain(problem, database_url="postgresql+psycopg://mirai:secret-pw@h:1/m", redis_url=None)
    assert message.startswith("データベースに接続できません（postgresql://mirai:***@h:1/m）：")
    assert "Connection refused" in message and "\n" not in message and "secret-pw" not in message
    redis = explain(RedisConnectionError("Error 111 connecting to redis:6379. Connection refused."),
                    database_url="sqlite://", redis_url="redis://:pw@redis:6379/0")
    assert redis == "Redis に接続できません（redis://:***@redis:6379/0）：Error 111 connecting to redis:6379. " \
                    "Connection refused."
    # A statement that failed on a working connection is a bug or bad data: it keeps its traceback.
    assert explain(IntegrityError("INSERT …", {}, Exception("duplicate key")), database_url="sqlite://",
                   redis_url=None) is None


@pytest.mark.parametrize("command", [["db", "upgrade"], ["seed"]])
def test_a_command_against_a_database_that_is_down_fails_in_one_line(command, tmp_path):
    """Flask-Migrate's ``db upgrade`` as well as our own commands: no traceback, exit code 1."""
    port = free_port()
    result = _flask(*command, env=_env(f"postgresql://mirai:secret-pw@127.0.0.1:{port}/mirai", None, tmp_path))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith(f"Error: データベースに接続できません（postgresql://mirai:***@127.0.0.1:{port}/mirai）：")
    assert "Connection refused" in lines[0] and "secret-pw" not in result.stderr + result.stdout


def test_a_worker_whose_redis_never_answers_gives_up_in_one_line(tmp_path):
    port = free_port()
    result = _flask("worker", "--burst", "--redis-wait", "0",
                    env=_env(f"sqlite:///{tmp_path / 'w.db'}", f"redis://:secret-pw@127.0.0.1:{port}/0", tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "secret-pw" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"Error: Redis に接続できません（redis://:***@127.0.0.1:{port}/0）：Error 111")


def test_outbox_flush_with_redis_down_fails_in_one_line_instead_of_reporting_nothing_to_do(tmp_path):
    port = free_port()
    result = _flask("outbox-flush",
                    env=_env(f"sqlite:///{tmp_path / 'w.db'}", f"redis://:secret-pw@127.0.0.1:{port}/0", tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "secret-pw" not in result.stderr
    expected = (f"Error: Redis に接続できません（redis://:***@127.0.0.1:{port}/0）：Error 111 connecting to "
                f"127.0.0.1:{port}. Connection refused.")
    assert result.stderr.strip().splitlines() == [expected]


def test_waiting_for_redis_backs_off_and_gives_up_after_its_patience():
    clock = [0.0]
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        clock[0] += seconds

    class Down:
        def ping(self):
            raise RedisConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    connection = Down()
    with pytest.raises(RedisConnectionError):
        worker_module.wait_for_redis(connection, 100, sleep=sleep, clock=lambda: clock[0])
    assert pauses == [1, 2, 4, 8, 16, 30, 30, 9]  # doubling, at most 30 s, never past the patience


@pytest.mark.redis
def test_a_worker_that_loses_redis_mid_run_waits_and_starts_again(monkeypatch, redis_url):
    """RQ retries by itself only while it waits for a job; a Redis error elsewhere ends its work loop."""
    outcomes = [RedisConnectionError("Connection closed by server."), None]
    runs, waits = [], []

    def work(self, burst=False):
        runs.append(burst)
        outcome = outcomes.pop(0)
        if outcome:
            raise outcome
        return True

    monkeypatch.setattr(worker_module._MiraiWorker, "work", work)
    monkeypatch.setattr(worker_module, "wait_for_redis", lambda connection, patience: waits.append(patience))
    monkeypatch.setattr(worker_module, "flush_outbox", lambda dispatcher: 0)
    monkeypatch.setattr(worker_module.signal, "signal", lambda *args: None)
    from flask import Flask

    app = Flask(__name__)
    app.extensions["mirai_dispatcher"] = worker_module.RQDispatcher(Redis.from_url(redis_url))
    # Non-burst: the first run fails on Redis, the worker waits for it and runs again; the second run
    # ends normally (as after SIGTERM) with Redis answering, so the worker stops.
    worker_module.run_worker(app, burst=False, sweep_every=3600, redis_wait=42)
    assert runs == [False, False]
    assert waits == [42, 42]  # once before starting, once before starting again

    outcomes[:] = [RedisConnectionError("Connection closed by server.")]
    with pytest.raises(RedisConnectionError):  # a burst run reports the error instead
        worker_module.run_worker(app, burst=True, redis_wait=42)


@pytest.mark.postgres
@pytest.mark.redis
@needs_redis_server
def test_a_worker_started_before_redis_waits_for_it_and_routes_what_was_submitted(model_dir, tmp_path,
                                                                                  pg_database):
    server = RedisServer()
    app = _make_app(pg_database, model_dir, tmp_path, REDIS_URL=server.url)
    try:
        _auto_assign_everything(app)
        receipt_no, _code = submit_via_form(app.test_client(), GARBAGE_VOICE)  # Redis is not there yet
        worker = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "web", "worker", "--burst",
             "--redis-wait", "30"], cwd=REPO, env={**os.environ, **_env(pg_database, server.url, model_dir)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said = worker.stderr.readline()  # the worker says it is waiting: now Redis comes up
        server.start()
        _out, rest = worker.communicate(timeout=60)
        assert worker.returncode == 0, rest[-2000:]
        assert said.startswith("Redis に接続できません（Error 111"), said
        with app.app_context():
            voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt_no))
            assert voice.status == "assigned"
            assert db.session.scalar(select(JobRecord.state).where(
                JobRecord.key == f"route_voice:{voice.id}")) == "done"
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
