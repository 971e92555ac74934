"""Staff sign-in, with a lockout after repeated failures that reveals nothing and locks out no one else.

After ``MAX_FAILURES`` wrong passwords in a row (none more than ``LOCK_FOR`` apart) for one login id from
one client address, that login id is refused from that address for ``LOCK_FOR``.

Why per (login id, client address), and why a table:

- **Unknown ids behave like real ones.** The count is kept for whatever was typed, whether or not an
  account has that id (or it is deactivated), so the lockout message appears after the same number of
  failures for every id and does not tell which ones exist. (The answer time is evened out separately by
  checking a decoy hash.)
- **A stranger cannot lock a staff member out.** Failures from another address (another PC, a phone)
  count separately, so someone typing wrong passwords elsewhere does not stop the real user signing in at
  their own desk; the user's own mistakes lock only their own address. Behind a proxy the address is the
  forwarded one only when ``MIRAI_TRUSTED_PROXIES`` says so; IPv6 clients are counted per /64, the block
  one machine can cheaply rotate through.
- **Guessing stays slow.** One address gets 5 tries per id per 15 minutes, and ``RATE_LIMIT_LOGIN``
  (Flask-Limiter, per address) caps its attempts across all ids. Guessing from many addresses is not
  stopped by a lock — that is the price of not letting anyone lock accounts — but passwords are 12+
  characters hashed with scrypt, and every lock is audited.
- **A table, not Flask-Limiter's storage**: the count is shared by every worker process with or without
  Redis, survives restarts, does not silently disappear when Redis does (the limiter falls back to
  per-process memory), and an administrator's 「ロック解除」 can clear every address of one login id, which
  limiter keys (one per address) cannot be enumerated for.

The login id is stored as an HMAC keyed with the app's secret, lower-cased (ids are unique regardless of
case), so what strangers type in the id field is not kept.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from models import LoginFailure, User, audit, db, utcnow

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
LOCKED_MESSAGE = "ログインに続けて失敗したため、しばらくログインできません。15分ほど待ってからお試しください。"
REFUSED_MESSAGE = "ログインIDまたはパスワードが正しくありません。"
_decoy_hash: str | None = None


def _check_decoy(password: str) -> None:
    """Spend the time of a real password check, so an unknown or deactivated login id answers as slowly as
    a known one and the response time does not tell which staff accounts exist."""
    global _decoy_hash
    if _decoy_hash is None:
        _decoy_hash = generate_password_hash("decoy-password-never-matches", method="scrypt")
    check_password_hash(_decoy_hash, password)


class LoginRefused(Exception):
    """Sign-in failed; the message is safe to show (it never says which part was wrong)."""


def login_key(login_id: str) -> str:
    """The keyed hash failures are counted under: the same for ``Kankyo`` and ``kankyo ``."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"login-failures:" + (login_id or "").strip().lower().encode(), hashlib.sha256).hexdigest()


def address_key(address: str) -> str:
    """The client address failures are counted for: IPv4 as is, IPv6 as its /64."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "")[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def authenticate(login_id: str, password: str, address: str = "") -> User:
    """The user for these credentials, signing in from ``address``; raises LoginRefused otherwise."""
    key, where = login_key(login_id), address_key(address)
    now = utcnow()
    failure = db.session.scalar(select(LoginFailure).where(LoginFailure.login_key == key,
                                                           LoginFailure.address == where))
    if failure is not None and failure.locked_until is not None and failure.locked_until > now:
        raise LoginRefused(LOCKED_MESSAGE)
    user = db.session.scalar(select(User).where(User.login_id == (login_id or "").strip()))
    if user is None or not user.active:
        _check_decoy(password or "")
        refused = True
    else:
        refused = not user.check_password(password or "")
    if refused:
        _count_failure(failure, key, where, now, user)
        raise LoginRefused(REFUSED_MESSAGE)
    if failure is not None:
        db.session.delete(failure)
    audit(user, "user.login", "user", user.id)
    db.session.commit()
    return user


def _count_failure(failure: LoginFailure | None, key: str, address: str, now: datetime, user: User | None) -> None:
    """Add one failure for (key, address), locking at MAX_FAILURES; commits."""
    if failure is None:
        failure = _new_failure_row(key, address, now)
    if failure.last_failed_at < now - LOCK_FOR:
        failure.failures = 1  # the previous run of failures is over
    else:
        failure.failures = LoginFailure.failures + 1  # in SQL: two requests at once both count
    failure.last_failed_at = now
    db.session.flush()
    db.session.refresh(failure)
    if failure.failures >= MAX_FAILURES:
        failure.failures, failure.locked_until = 0, now + LOCK_FOR
        if user is not None:
            audit(None, "user.locked", "user", user.id, login_id=user.login_id, address=address)
        else:  # the typed id is not recorded: it may be a password typed into the wrong field
            audit(None, "user.locked", "login", "", known_login_id=False, address=address)
    db.session.commit()


def _new_failure_row(key: str, address: str, now: datetime) -> LoginFailure:
    """The (key, address) row, created with no failures; another request may have just created it."""
    try:
        with db.session.begin_nested():
            row = LoginFailure(login_key=key, address=address, failures=0, last_failed_at=now)
            db.session.add(row)
        return row
    except IntegrityError:
        return db.session.scalar(select(LoginFailure).where(LoginFailure.login_key == key,
                                                            LoginFailure.address == address))


@dataclass(frozen=True)
class LockState:
    """What the administrator's list shows about one account's failed sign-ins."""

    locked_addresses: tuple[str, ...]
    failures: int  # recent failures not (yet) leading to a lock, over all addresses

    @property
    def locked(self) -> bool:
        return bool(self.locked_addresses)


def lock_states(users: list[User], now: datetime | None = None) -> dict[int, LockState]:
    """For each user with recent failures or a lock in force, where it is locked and how many failures."""
    now = now or utcnow()
    by_key = {login_key(user.login_id): user.id for user in users}
    if not by_key:
        return {}
    rows = db.session.scalars(select(LoginFailure).where(
        LoginFailure.login_key.in_(by_key),
        or_(LoginFailure.locked_until > now, LoginFailure.last_failed_at >= now - LOCK_FOR))).all()
    states: dict[int, LockState] = {}
    for row in rows:
        user_id = by_key[row.login_key]
        state = states.get(user_id, LockState((), 0))
        locked = row.locked_until is not None and row.locked_until > now
        states[user_id] = LockState(state.locked_addresses + ((row.address,) if locked else ()),
                                    state.failures + (0 if locked else row.failures))
    return {user_id: state for user_id, state in states.items() if state.locked or state.failures}


def clear_failures(user: User) -> LockState:
    """Forget the account's failures and locks from every address, in the caller's transaction; returns
    what they were."""
    state = lock_states([user]).get(user.id, LockState((), 0))
    db.session.execute(delete(LoginFailure).where(LoginFailure.login_key == login_key(user.login_id))
                       .execution_options(synchronize_session=False))
    return state


def purge_failures(now: datetime | None = None) -> int:
    """Delete rows whose run of failures and lock are both over; commits, returns how many."""
    now = now or utcnow()
    result = db.session.execute(delete(LoginFailure).where(
        LoginFailure.last_failed_at < now - LOCK_FOR,
        or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
    ).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
