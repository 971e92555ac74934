"""Background jobs. Each takes ids, is idempotent, and records its state on a ``JobRecord`` row."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import has_app_context
from rq import Retry
from sqlalchemy import select

from models import JobRecord, db, utcnow
from routing.service import route_voice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    """Where and how a kind of job runs."""

    func: Callable[..., Any]
    queue: str
    timeout: int
    retry: Retry | None


def route_voice_job(voice_id: int) -> str:
    """RQ entry point: route one voice (see ``routing.service.route_voice``)."""
    with _app_context():
        return run_recorded(f"route_voice:{voice_id}", lambda: route_voice(voice_id).result)


def send_reply_email_job(reply_id: int) -> str:
    """RQ entry point: e-mail a sent reply to the citizen (see ``routing.replies.email_reply``)."""
    from routing.replies import email_reply

    with _app_context():
        return run_recorded(f"send_reply_email:{reply_id}", lambda: email_reply(reply_id))


def escalate_overdue_job(day: str) -> str:
    """RQ entry point: the daily escalation of overdue voices to 広聴."""
    from routing.overdue import escalate_overdue

    with _app_context():
        return run_recorded(f"escalate_overdue:{day}", lambda: f"escalated {escalate_overdue(date.fromisoformat(day))}")


def overdue_digest_job(day: str) -> str:
    """RQ entry point: the daily overdue e-mail to section heads."""
    from routing.overdue import send_overdue_digests

    with _app_context():
        return run_recorded(f"overdue_digest:{day}", lambda: f"sent {send_overdue_digests(date.fromisoformat(day))}")


def import_file_job(import_id: int, phase: str) -> str:
    """RQ entry point: check or import an uploaded file (see ``voices.importers.service``)."""
    from routing.batch import route_new_voices
    from voices.importers.service import job_key, run_phase

    with _app_context():
        return run_recorded(job_key(import_id, phase), lambda: run_phase(import_id, phase, route=route_new_voices))


def refresh_rollups_job(day: str) -> str:
    """RQ entry point: the daily rebuild of the planners' precomputed counts."""
    from routing.answer_times import rollup_answer_days
    from voices.rollups import refresh

    with _app_context():
        return run_recorded(f"refresh_rollups:{day}", lambda: f"watermark {refresh(rollup_answer_days)}")


def purge_uploads_job(day: str) -> str:
    """RQ entry point: the daily deletion of uploads left checked but not imported."""
    from models import utcnow
    from voices.importers.service import purge_stale_uploads

    with _app_context():
        return run_recorded(f"purge_uploads:{day}", lambda: f"purged {purge_stale_uploads(utcnow())}")


def purge_sign_in_records_job(day: str) -> str:
    """RQ entry point: the daily deletion of ended staff sessions and of failed sign-ins that are over."""
    from voices.login import purge_failures
    from voices.staff_sessions import purge

    def work() -> str:
        return f"purged {purge()} sessions, {purge_failures()} failure counts"

    with _app_context():
        return run_recorded(f"purge_sign_in_records:{day}", work)


def purge_personal_data_job(day: str) -> str:
    """RQ entry point: the daily purge of personal data whose retention period is over."""
    from voices.retention import purge_due

    with _app_context():
        return run_recorded(f"purge_personal_data:{day}", lambda: f"purged {purge_due().purged}")


def retrain_model_job(requested_at: str) -> str:
    """RQ entry point: retrain the classifier with staff-confirmed labels (promoted only if not worse)."""
    from routing.model_registry import retrain_from_staff_labels

    with _app_context():
        return run_recorded(f"retrain_model:{requested_at}", retrain_from_staff_labels)


def retrain_when_due_job(day: str) -> str:
    """RQ entry point: the morning retraining, when enough staff labels or a 機構改革 call for one."""
    from routing.model_registry import retrain_if_due

    with _app_context():
        return run_recorded(f"retrain_when_due:{day}", retrain_if_due)


_RETRY = Retry(max=3, interval=[10, 60, 300])
JOBS: dict[str, JobSpec] = {
    "route_voice": JobSpec(route_voice_job, queue="routing", timeout=120, retry=_RETRY),
    "send_reply_email": JobSpec(send_reply_email_job, queue="mail", timeout=60, retry=_RETRY),
    "escalate_overdue": JobSpec(escalate_overdue_job, queue="periodic", timeout=600, retry=_RETRY),
    "overdue_digest": JobSpec(overdue_digest_job, queue="periodic", timeout=600, retry=_RETRY),
    "refresh_rollups": JobSpec(refresh_rollups_job, queue="periodic", timeout=1800, retry=_RETRY),
    "purge_uploads": JobSpec(purge_uploads_job, queue="periodic", timeout=600, retry=_RETRY),
    "purge_sign_in_records": JobSpec(purge_sign_in_records_job, queue="periodic", timeout=600, retry=_RETRY),
    "purge_personal_data": JobSpec(purge_personal_data_job, queue="periodic", timeout=1800, retry=_RETRY),
    "retrain_model": JobSpec(retrain_model_job, queue="training", timeout=1800, retry=None),
    "retrain_when_due": JobSpec(retrain_when_due_job, queue="training", timeout=1800, retry=None),
    # Bulk imports (issue 4): long-running, on their own queue; a retry resumes after the last chunk.
    "import_file": JobSpec(import_file_job, queue="slow", timeout=3600, retry=Retry(max=2, interval=[30, 120])),
}


def run_recorded(key: str, work: Callable[[], str]) -> str:
    """Run ``work`` while keeping the job's ``JobRecord`` up to date; re-raise failures for RQ."""
    record = db.session.scalar(select(JobRecord).where(JobRecord.key == key))
    if record is not None and record.state == "done":
        return "done"
    if record is not None:
        record.state = "running"
        record.enqueued_at = utcnow()  # taken by a worker now: a running job is judged lost from here
        record.attempts += 1
        db.session.commit()
    try:
        result = work()
    except Exception as exc:
        db.session.rollback()
        if record is not None:
            record = db.session.get(JobRecord, record.id)
            record.state = "failed"
            record.finished_at = utcnow()  # when it failed: a retry waits its interval from here
            record.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            db.session.commit()
        raise
    if record is not None:
        record = db.session.get(JobRecord, record.id)
        record.state = "done"
        record.finished_at = utcnow()
        record.last_error = ""
        db.session.commit()
    return result


@contextmanager
def _app_context() -> Iterator[None]:
    """Jobs need the app (database, classifier settings); workers run inside it."""
    if not has_app_context():
        raise RuntimeError("jobs run inside the app: start workers with `flask --app web worker`")
    yield


def job_spec(kind: str) -> JobSpec:
    """The spec of a registered job kind."""
    try:
        return JOBS[kind]
    except KeyError:
        raise LookupError(f"unknown job kind {kind!r}") from None

