"""Background jobs mirrored in the database, so no job is lost when Redis is down or restarts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

JOB_STATES = ("pending", "enqueued", "running", "done", "failed")


class JobRecord(db.Model):
    """One unit of background work; ``key`` makes the same work impossible to record twice."""

    __tablename__ = "job_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    rq_job_id: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def new_job(key: str, kind: str, **args: Any) -> JobRecord:
    """Add a job to the current transaction's outbox (the caller commits, then dispatches)."""
    record = JobRecord(key=key, kind=kind, args=args)
    db.session.add(record)
    return record


def dispatch_committed(job_ids: list[int]) -> None:
    """Hand committed jobs to the app's dispatcher (RQ or in-process); the outbox keeps them otherwise."""
    from flask import current_app

    dispatcher = current_app.extensions.get("mirai_dispatcher")
    if dispatcher is not None and job_ids:
        dispatcher.dispatch(job_ids)
