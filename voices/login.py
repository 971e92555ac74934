"""Staff sign-in with account lockout after repeated failures."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from models import User, audit, db, utcnow

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
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


def authenticate(login_id: str, password: str) -> User:
    """The user for these credentials; after 5 failures the account is locked for 15 minutes."""
    user = db.session.scalar(select(User).where(User.login_id == (login_id or "").strip()))
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginRefused("ログインに続けて失敗したため、しばらくログインできません。15分ほど待ってからお試しください。")
    if user is None or not user.active:
        _check_decoy(password or "")
        refused = True
    else:
        refused = not user.check_password(password or "")
    if refused:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until = now + LOCK_FOR
                user.failed_logins = 0
                audit(None, "user.locked", "user", user.id, login_id=user.login_id)
            db.session.commit()
        raise LoginRefused("ログインIDまたはパスワードが正しくありません。")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    audit(user, "user.login", "user", user.id)
    db.session.commit()
    return user
