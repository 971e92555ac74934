"""Daily jobs as data: each runs once per working day, its outbox key naming the day."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models import JobRecord, db
from models.outbox import new_job
from routing.business_days import is_business_day

JST = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class DailyJob:
    kind: str
    at: time  # JST


DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("retrain_when_due", time(5, 30)),
    DailyJob("purge_personal_data", time(6, 15)),
    DailyJob("purge_uploads", time(6, 30)),
    DailyJob("purge_sign_in_records", time(6, 45)),
    DailyJob("refresh_rollups", time(7, 0)),
    DailyJob("escalate_overdue", time(8, 0)),
    DailyJob("overdue_digest", time(8, 30)),
)


def due_daily_jobs(now: datetime) -> list[int]:
    """Record today's daily jobs whose time has come (once each); returns the new job ids."""
    local = now.astimezone(JST)
    today = local.date()
    if not is_business_day(today):
        return []
    created = []
    for job in DAILY_JOBS:
        key = f"{job.kind}:{today.isoformat()}"
        if local.time() < job.at or db.session.scalar(select(JobRecord.id).where(JobRecord.key == key)):
            continue
        created.append(new_job(key, job.kind, day=today.isoformat()))
    db.session.commit()
    return [record.id for record in created]


def hand_over_daily_jobs(now: datetime, dispatcher) -> tuple[int, int]:
    """Record today's due daily jobs and hand them to ``dispatcher``: (recorded, still waiting). Those
    Redis did not take stay in the outbox; the worker's sweep or ``outbox-flush`` hands them over."""
    ids = due_daily_jobs(now)
    dispatcher.dispatch(ids)
    if not ids or dispatcher.backend != "rq":  # in-process jobs have run (a failed one is retried by the sweep)
        return len(ids), 0
    waiting = db.session.scalar(select(func.count()).select_from(JobRecord)
                                .where(JobRecord.id.in_(ids), JobRecord.state == "pending"))
    return len(ids), waiting or 0
