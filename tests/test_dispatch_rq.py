"""Handing outbox jobs to RQ: every job kind gets an id RQ accepts, and one job that cannot be handed
over does not hold up the others."""
from __future__ import annotations

import re

import pytest
from rq import Queue
from sqlalchemy import select

from models import JobRecord, db
from models.outbox import new_job
from routing.dispatch import RQDispatcher, flush_outbox, rq_job_id
from routing.model_registry import request_retrain


def test_job_ids_keep_only_what_rq_accepts():
    """Outbox keys hold ":" and, for a retraining, a timestamp with "+"; RQ ids may not."""
    assert rq_job_id("route_voice:12") == "route_voice-12"
    retrain = rq_job_id("retrain_model:2026-11-27T09:30:00+00:00")
    assert retrain == "retrain_model-2026-11-27T09-30-00-00-00"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", rq_job_id("import_file:7:check ／全角"))


@pytest.mark.postgres
@pytest.mark.redis
def test_a_retraining_requested_with_redis_waits_on_the_training_queue(pg_app):
    """The admin's 再学習を実行 on the production path: the job is enqueued, not run in the web process."""
    with pg_app.app_context():
        record = request_retrain(None)
        db.session.refresh(record)
        assert record.state == "enqueued", record.last_error
        assert "+" in record.key and ":" in record.key
        queue = Queue("training", connection=pg_app.extensions["mirai_redis"])
        assert queue.job_ids == [record.rq_job_id]
        assert queue.fetch_job(record.rq_job_id).kwargs == {"requested_at": record.args["requested_at"]}


@pytest.mark.postgres
@pytest.mark.redis
def test_a_job_that_cannot_be_enqueued_is_marked_failed_and_the_rest_are_still_enqueued(pg_app):
    """A job kind a later release dropped, left in the outbox: it fails alone, with its reason."""
    with pg_app.app_context():
        stale = new_job("dropped_kind:1", "dropped_kind", anything=1)
        later = new_job("send_reply_email:999999", "send_reply_email", reply_id=999999)
        db.session.commit()
        offered = flush_outbox(RQDispatcher(pg_app.extensions["mirai_redis"]))
        assert offered == 2
        db.session.expire_all()
        stale, later = (db.session.scalar(select(JobRecord).where(JobRecord.key == key))
                        for key in ("dropped_kind:1", "send_reply_email:999999"))
        assert (stale.state, stale.attempts) == ("failed", 1)
        assert "dropped_kind" in stale.last_error and stale.rq_job_id is None
        assert later.state == "enqueued"
        assert later.rq_job_id in Queue("mail", connection=pg_app.extensions["mirai_redis"]).job_ids


def test_a_second_retraining_asked_for_in_the_same_second_is_refused_in_japanese(app, monkeypatch):
    """A double click whose requests both pass the 'one at a time' check: the job key is the second."""
    from datetime import UTC, datetime

    import routing.model_registry as registry

    moment = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(registry, "utcnow", lambda: moment)
    with app.app_context():
        first = new_job(f"retrain_model:{moment.isoformat(timespec='seconds')}", "retrain_model")
        first.state = "done"  # finished already, so the check lets the second request through
        db.session.commit()
        with pytest.raises(registry.ModelAdminError, match="既に実行待ちか実行中"):
            request_retrain(None)
        assert db.session.scalar(select(JobRecord.state).where(JobRecord.id == first.id)) == "done"
