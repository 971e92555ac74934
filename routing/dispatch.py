"""Hand committed jobs to a back-end: RQ on Redis in production, in-process on the embedded default.

The ``JobRecord`` outbox row is written in the same transaction as the work it describes, so a job
that could not be handed over (Redis down, process crash) stays ``pending`` and ``flush_outbox``
hands it over later. Jobs are idempotent, so handing one over twice is harmless. After a Redis error
the RQ dispatcher leaves jobs ``pending`` without asking Redis for a while (``routing.breaker``), so a
Redis that hangs costs one socket timeout per cool-down instead of one per voice.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from sqlalchemy import or_, select

from models import JobRecord, db, utcnow
from routing.breaker import CircuitBreaker, CircuitOpen
from routing.jobs import job_spec

log = logging.getLogger(__name__)

# An enqueued job not done after this long is handed over again (Redis here keeps nothing on disk); a
# running one only once its own timeout has passed too, when RQ has stopped it or its worker is gone.
STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 10  # a job lost this often (Redis restarts, killed workers) is left for an administrator


def rq_job_id(key: str) -> str:
    """The RQ job id of an outbox key: RQ accepts only letters, digits, "_" and "-" ("route_voice:12" →
    "route_voice-12"; a retraining's "…T09:30:00+00:00" → "…T09-30-00-00-00")."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


class InlineDispatcher:
    """Runs each job right away in this process, after the caller's commit."""

    backend = "inline"

    def dispatch(self, job_ids: Iterable[int], *, sweep: bool = False) -> None:
        """Run each job now; a sweep is no different here (there is no Redis to wait for)."""
        for job_id in job_ids:
            record = db.session.get(JobRecord, job_id)
            if record is None or record.state == "done":
                continue
            spec = job_spec(record.kind)
            try:
                spec.func(**record.args)
            except Exception:  # the voice is stored; the outbox keeps the job for the next flush
                log.exception("in-process job %s failed", record.key)

    def healthy(self) -> bool:
        return True


class RQDispatcher:
    """Enqueues jobs on RQ queues; leaves them ``pending`` in the outbox when Redis is unreachable."""

    backend = "rq"

    def __init__(self, connection: Redis, breaker: CircuitBreaker | None = None):
        self.connection = connection
        self.breaker = breaker or CircuitBreaker()

    def queue(self, name: str) -> Queue:
        return Queue(name, connection=self.connection)

    def dispatch(self, job_ids: Iterable[int], *, sweep: bool = False) -> None:
        """Enqueue each job. On a Redis error the rest stay ``pending`` too, and while the breaker is
        open after one they stay so at once: no citizen waits on a Redis that just failed.

        ``sweep`` (the outbox sweep and ``outbox-flush``) asks Redis whatever the breaker says and
        raises the Redis error for the caller to report; no citizen waits on a sweep."""
        for job_id in job_ids:
            record = db.session.get(JobRecord, job_id)
            if record is None or record.state == "done":
                continue
            rq_id = rq_job_id(record.key)
            try:
                spec = job_spec(record.kind)
                with self.breaker.attempt(force=sweep):
                    # No RQ retry: the outbox sweep retries a failed job as its spec says (jobs_to_flush).
                    self.queue(spec.queue).enqueue_call(
                        spec.func, kwargs=record.args, timeout=spec.timeout,
                        job_id=rq_id, result_ttl=3600, failure_ttl=7 * 86400,
                    )
            except CircuitOpen:
                return  # the breaker said why when it opened; the sweep hands these jobs over
            except RedisError:
                db.session.rollback()
                if sweep:
                    raise
                return
            except Exception as exc:  # this job cannot be handed over; the others still are
                log.exception("job %s cannot be enqueued", record.key)
                record.state = "failed"
                record.attempts += 1
                record.last_error = f"enqueue: {exc}"[:2000]
                db.session.commit()
                continue
            record.state = "enqueued"
            record.rq_job_id = rq_id
            record.enqueued_at = utcnow()
            db.session.commit()

    def healthy(self) -> bool:
        """Whether Redis answers a PING. While the breaker is open, no at once: Redis failed within the
        cool-down, and the health check must not hang on the socket timeout either."""
        try:
            with self.breaker.attempt():
                return bool(self.connection.ping())
        except (CircuitOpen, RedisError):
            return False

    def missing(self, rq_job_ids: list[str]) -> set[str]:
        """Which of these RQ jobs Redis no longer holds (it restarted empty); raises the Redis error when
        it cannot be asked. A job keeps its hash while it waits, while it runs and for ``result_ttl``
        after it ends. Only the outbox sweep asks, so the breaker does not hold it back."""
        with self.breaker.attempt(force=True), self.connection.pipeline(transaction=False) as pipe:
            for rq_id in rq_job_ids:
                pipe.exists(Job.key_for(rq_id))
            held = pipe.execute()
        return {rq_id for rq_id, count in zip(rq_job_ids, held, strict=True) if not count}


def jobs_to_flush(now=None) -> list[int]:
    """Ids of jobs to hand over (again): never handed over; failed, with a retry left and its wait over
    (``JobSpec.retry``: a retraining is not retried, a routing job three times after 10 s, 60 s, 300 s);
    or handed over long ago and not finished (lost with Redis, or with a worker that died), where a
    running job counts as lost only after its own timeout, so a long import is never run twice at once."""
    now = now or utcnow()
    rows = db.session.execute(
        select(JobRecord.id, JobRecord.kind, JobRecord.state, JobRecord.attempts, JobRecord.enqueued_at,
               JobRecord.finished_at)
        .where(or_(JobRecord.state.in_(("pending", "failed")),
                   JobRecord.state.in_(("enqueued", "running")) & (JobRecord.enqueued_at < now - STALE_AFTER)),
               JobRecord.attempts < MAX_ATTEMPTS)
        .order_by(JobRecord.id)
    ).all()
    return [row.id for row in rows if _due(row, now)]


def _due(row, now) -> bool:
    if row.state == "pending":
        return True
    try:
        spec = job_spec(row.kind)
    except LookupError:  # a kind this version no longer runs: dispatch marks it failed
        return True
    if row.state == "failed":
        retries = spec.retry.max if spec.retry else 0
        if row.attempts > retries:
            return False
        intervals = (spec.retry.intervals if spec.retry else None) or [0]
        wait = timedelta(seconds=intervals[min(max(row.attempts - 1, 0), len(intervals) - 1)])
        return (row.finished_at or row.enqueued_at or now) + wait <= now
    if row.state == "running":
        return row.enqueued_at + timedelta(seconds=spec.timeout) + STALE_AFTER < now
    return True  # enqueued long ago and never started: lost with Redis


def jobs_lost_by_redis(dispatcher, now=None) -> list[int]:
    """Ids of jobs handed to Redis recently and not yet taken by a worker that Redis no longer holds: it
    restarted (it keeps nothing on disk), so they are handed over now rather than after ``STALE_AFTER``.
    A job a worker has taken is ``running`` and is left alone: it may still be running without Redis."""
    missing = getattr(dispatcher, "missing", None)
    if missing is None:  # in-process jobs are never held anywhere but the outbox
        return []
    now = now or utcnow()
    rows = db.session.execute(
        select(JobRecord.id, JobRecord.rq_job_id)
        .where(JobRecord.state == "enqueued", JobRecord.rq_job_id.is_not(None),
               JobRecord.enqueued_at >= now - STALE_AFTER, JobRecord.attempts < MAX_ATTEMPTS)
        .order_by(JobRecord.id)
    ).all()
    lost = missing([row.rq_job_id for row in rows]) if rows else set()
    return [row.id for row in rows if row.rq_job_id in lost]


def flush_outbox(dispatcher) -> int:
    """Hand every job that needs it to ``dispatcher``; returns how many were offered. A Redis error is
    raised (the jobs stay in the outbox): the worker's sweep tries again, ``outbox-flush`` reports it.

    The sweep asks Redis even while the breaker is open: it runs in the worker every 15 s or on an
    operator's command, where no citizen waits for it, and it is what hands the jobs left ``pending``
    during an outage over once Redis is back."""
    ids = sorted(set(jobs_to_flush()) | set(jobs_lost_by_redis(dispatcher)))
    if ids:
        dispatcher.dispatch(ids, sweep=True)
    return len(ids)


def pending_count() -> int:
    """How many jobs wait in the outbox (not yet handed to a back-end)."""
    return len(db.session.scalars(select(JobRecord.id).where(JobRecord.state == "pending")).all())
