"""Server-side records of staff sessions: started at sign-in, checked on every request, ended at sign-out.

The browser keeps the session in Flask's signed cookie, which the server cannot take back. The cookie
therefore carries a random token, and the token counts only while its ``StaffSession`` row is open:
signing out ends that row (and with it every copy of the cookie, e.g. one left on a shared counter PC),
a password reset or deactivation ends all of the user's rows, and an administrator can end them by hand.
The limits of ``MIRAI_SESSION_MAX_HOURS`` and ``MIRAI_SESSION_IDLE_MINUTES`` are enforced against the row
too, so they hold even for a cookie whose own stamps were kept fresh.

Time is read through ``now()`` (from ``time.time``), the same clock as the cookie's stamps.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update

from models import StaffSession, User, db

SEEN_RESOLUTION = timedelta(seconds=60)  # do not write last_seen_at on every request
KEEP_ENDED_FOR = timedelta(days=30)  # ended rows stay this long for investigations, then are purged
USER_AGENT_CHARS = 200


def now() -> datetime:
    """The current time, aware UTC, from the clock the cookie's stamps use."""
    return datetime.fromtimestamp(time.time(), UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _max_age() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def _idle() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def start(user: User, *, address: str = "", user_agent: str = "") -> str:
    """Open a session for ``user`` and commit; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    at = now()
    db.session.add(StaffSession(token_hash=hash_token(token), user_id=user.id, created_at=at, last_seen_at=at,
                                address=address[:64], user_agent=(user_agent or "")[:USER_AGENT_CHARS]))
    db.session.commit()
    return token


def find(token: object) -> StaffSession | None:
    """The row of the cookie's token (open or not), or None."""
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token)))


def refusal(record: StaffSession | None, user_id: int, at: datetime) -> str | None:
    """Why ``record`` does not sign in ``user_id`` at ``at`` (``missing``, ``ended``, ``expired``), or None."""
    if record is None or record.user_id != user_id:
        return "missing"
    if record.ended_at is not None:
        return "ended"
    if at - record.created_at > _max_age() or at - record.last_seen_at > _idle():
        return "expired"
    return None


def touch(record: StaffSession, at: datetime) -> None:
    """Note that the session was used, at most once per SEEN_RESOLUTION (commits when it writes)."""
    if at - record.last_seen_at >= SEEN_RESOLUTION:
        record.last_seen_at = at
        db.session.commit()


def end(record: StaffSession | None, reason: str, at: datetime | None = None) -> None:
    """End one session (nothing if it has already ended); commits."""
    if record is not None and record.ended_at is None:
        record.ended_at, record.end_reason = at or now(), reason
        db.session.commit()


def end_all(user_id: int, reason: str) -> int:
    """End every open session of a user in the caller's transaction; returns how many were open."""
    result = db.session.execute(
        update(StaffSession).where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now(), end_reason=reason)
        .execution_options(synchronize_session=False))
    return result.rowcount


def _active(at: datetime):
    return and_(StaffSession.ended_at.is_(None), StaffSession.created_at >= at - _max_age(),
                StaffSession.last_seen_at >= at - _idle())


def count_active(user_id: int) -> int:
    """How many of the user's sessions would still be honoured now."""
    return db.session.scalar(select(func.count(StaffSession.id)).where(
        StaffSession.user_id == user_id, _active(now()))) or 0


def purge(at: datetime | None = None) -> int:
    """Delete rows ended, or out of their limits, more than KEEP_ENDED_FOR ago; commits, returns how many."""
    at = at or now()
    cutoff = at - KEEP_ENDED_FOR
    result = db.session.execute(delete(StaffSession).where(or_(
        StaffSession.ended_at < cutoff,
        StaffSession.created_at < cutoff - _max_age(),
        StaffSession.last_seen_at < cutoff - _idle(),
    )).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
