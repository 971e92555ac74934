"""If Redis is down when a citizen submits, is the voice still accepted and routed once Redis returns?"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from sqlalchemy import select

from models import JobRecord, Voice, db
from tests.conftest import _make_app
from tests.support import submit_via_form
from tests.test_flow import GARBAGE_VOICE, run_burst_worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on its own port, started and stopped by the test."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.mark.postgres
@pytest.mark.redis
def test_a_voice_submitted_while_redis_is_down_is_routed_after_it_returns(model_dir, tmp_path, pg_database):
    server = RedisServer(_free_port())
    server.start()
    app = _make_app(pg_database, model_dir, tmp_path, REDIS_URL=f"redis://127.0.0.1:{server.port}/0")
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
