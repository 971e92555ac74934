"""Does the outbox sweep retry a job as its kind says, and never hand a running job over twice?"""
from __future__ import annotations

from datetime import timedelta

from models import JobRecord, db, utcnow
from routing.dispatch import jobs_to_flush


def _job(key: str, kind: str, state: str, attempts: int = 0, enqueued_ago=None, failed_ago=None) -> int:
    now = utcnow()
    record = JobRecord(key=key, kind=kind, state=state, attempts=attempts,
                       enqueued_at=now - enqueued_ago if enqueued_ago is not None else None,
                       finished_at=now - failed_ago if failed_ago is not None else None)
    db.session.add(record)
    db.session.commit()
    return record.id


def test_failed_jobs_are_retried_as_their_kind_says_and_after_their_wait(app):
    with app.app_context():
        s = timedelta(seconds=1)
        due = {
            _job("route_voice:1", "route_voice", "failed", 1, 20 * s, 11 * s),  # 1st retry after 10 s
            _job("route_voice:3", "route_voice", "failed", 3, 400 * s, 301 * s),  # 3rd retry after 300 s
            _job("route_voice:5", "route_voice", "pending"),
        }
        not_due = {
            _job("route_voice:2", "route_voice", "failed", 1, 20 * s, 5 * s),  # still waiting
            _job("route_voice:4", "route_voice", "failed", 4, 900 * s, 800 * s),  # 3 retries used up
            _job("retrain_model:x", "retrain_model", "failed", 1, 90 * s, 80 * s),  # never retried
        }
        flushed = set(jobs_to_flush())
        assert due <= flushed and not flushed & not_due


def test_a_running_job_is_handed_over_again_only_after_its_own_timeout(app):
    """An import (timeout 1 hour) 11 minutes in is still running; a routing job (2 minutes) 13 minutes in
    is lost."""
    with app.app_context():
        minutes = timedelta(minutes=1)
        importing = _job("import_file:1:import", "import_file", "running", 1, 11 * minutes)
        lost_import = _job("import_file:2:import", "import_file", "running", 1, 71 * minutes)
        lost_routing = _job("route_voice:9", "route_voice", "running", 1, 13 * minutes)
        lost_in_redis = _job("retrain_model:y", "retrain_model", "enqueued", 0, 11 * minutes)
        flushed = set(jobs_to_flush())
        assert importing not in flushed
        assert {lost_import, lost_routing, lost_in_redis} <= flushed
