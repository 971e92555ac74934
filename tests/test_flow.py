"""Does a citizen's voice travel from the public form to the right section's queue, on both back-ends?"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rq import Queue
from sqlalchemy import select

from models import JobRecord, Voice, db, set_setting
from tests.support import login, make_user, submit_via_form

GARBAGE_VOICE = {
    "voice_type": "苦情",
    "subject": "ごみ集積所のこと",
    "body": "燃えるごみの収集日に、集積所のごみが夕方まで回収されずに残っていました。"
            "カラスが袋を破って生ごみが道路に散らかり、においもひどいです。分別も守られていません。"
            "収集の時間を守るよう、業者さんに伝えてください。",
    "consent_privacy": "y",
}
EXPECTED_SECTION = "生活環境課"
REPO = Path(__file__).resolve().parent.parent


def _auto_assign_everything(app) -> None:
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()


def _assert_visible_only_to_its_section(app, receipt_no: str) -> None:
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt_no))
        voice_id = voice.id
        make_user("kankyo", "section_staff", EXPECTED_SECTION)
        make_user("kensetsu", "section_staff", "建設課")
    own = app.test_client()
    login(own, "kankyo")
    assert receipt_no in own.get("/staff/queue").get_data(as_text=True)
    assert own.get(f"/staff/voices/{voice_id}").status_code == 200
    other = app.test_client()
    login(other, "kensetsu")
    assert receipt_no not in other.get("/staff/queue").get_data(as_text=True)
    assert other.get(f"/staff/voices/{voice_id}").status_code == 404


def _assert_routed(app, receipt_no: str) -> None:
    with app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt_no))
        record = db.session.scalar(select(JobRecord).where(JobRecord.key == f"route_voice:{voice.id}"))
        assert voice.status == "assigned", f"routing job {record.state}: {record.last_error}"
        assert voice.section.name == EXPECTED_SECTION
        assert voice.due_date is not None
        assert [e.kind for e in voice.events] == ["received", "classified", "assigned"]
        classification = voice.latest_classification
        assert classification.section_name == EXPECTED_SECTION
        assert len(classification.section_top) == 3
        assert classification.model_version
        assert record.state == "done"


def test_embedded_default_routes_a_web_voice_to_the_right_queue(app, client):
    _auto_assign_everything(app)
    receipt_no, code = submit_via_form(client, GARBAGE_VOICE)
    _assert_routed(app, receipt_no)
    _assert_visible_only_to_its_section(app, receipt_no)
    status = client.post("/status", data={"receipt_no": receipt_no, "access_code": code,
                                          "csrf_token": _token(client)})
    html = status.get_data(as_text=True)
    assert "担当課決定" in html and EXPECTED_SECTION in html


def _token(client) -> str:
    from tests.support import csrf_token_from

    return csrf_token_from(client.get("/status").get_data(as_text=True))


def run_burst_worker(app, *queues: str) -> subprocess.CompletedProcess:
    """A real `flask --app web worker --burst [--queue …]` process against the app's database and Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "MIRAI_MODEL_DIR": app.config["MODEL_DIR"],
        "MIRAI_SECRET_KEY": app.config["SECRET_KEY"],
    }
    flask = Path(sys.executable).with_name("flask")
    options = [arg for name in queues for arg in ("--queue", name)]
    result = subprocess.run([str(flask), "--app", "web", "worker", "--burst", *options], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.postgres
@pytest.mark.redis
def test_postgresql_and_redis_route_through_a_real_rq_worker(pg_app):
    _auto_assign_everything(pg_app)
    client = pg_app.test_client()
    receipt_no, _code = submit_via_form(client, GARBAGE_VOICE)
    with pg_app.app_context():
        voice = db.session.scalar(select(Voice).where(Voice.receipt_no == receipt_no))
        assert voice.status == "received"  # nothing routed in the web process
        record = db.session.scalar(select(JobRecord).where(JobRecord.key == f"route_voice:{voice.id}"))
        assert record.state == "enqueued"
        queue = Queue("routing", connection=pg_app.extensions["mirai_redis"])
        assert record.rq_job_id in queue.job_ids
    run_burst_worker(pg_app)
    with pg_app.app_context():
        db.session.expire_all()
        _assert_routed(pg_app, receipt_no)
    _assert_visible_only_to_its_section(pg_app, receipt_no)


@pytest.mark.postgres
@pytest.mark.redis
def test_a_worker_for_the_slow_queues_leaves_routing_to_the_routing_worker(pg_app):
    """Production runs one worker for routing/mail/periodic and one for imports and retraining."""
    _auto_assign_everything(pg_app)
    receipt_no, _code = submit_via_form(pg_app.test_client(), GARBAGE_VOICE)
    run_burst_worker(pg_app, "slow", "training")
    with pg_app.app_context():
        assert db.session.scalar(select(Voice.status).where(Voice.receipt_no == receipt_no)) == "received"
    run_burst_worker(pg_app, "routing")
    with pg_app.app_context():
        _assert_routed(pg_app, receipt_no)


def test_the_worker_refuses_an_unknown_queue_and_lists_the_queues_most_urgent_first(app):
    from routing.worker import queue_names

    assert queue_names()[0] == "routing" and queue_names()[-1] == "slow"
    result = app.test_cli_runner().invoke(args=["worker", "--burst", "--queue", "nightly"])
    assert result.exit_code != 0
    assert "不明なキューです: nightly" in result.output
