"""Server-side records of staff sign-ins: the sessions that are open, and failed attempts per client."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

SESSION_END_REASONS: dict[str, str] = {
    "logout": "ログアウト",
    "expired": "時間切れ",
    "replaced": "同じブラウザで再ログイン",
    "deactivated": "アカウントの無効化",
    "password_reset": "パスワードの再設定",
    "admin": "管理者による終了",
}


class StaffSession(db.Model):
    """One sign-in. The browser's signed cookie carries a random token; only its SHA-256 is stored, and a
    cookie is honoured only while its row is open, so signing out (or an administrator) ends every copy."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(16), default="")
    # Enough to tell sessions apart when investigating ("the counter PC", "a phone"), nothing more.
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class LoginFailure(db.Model):
    """Consecutive failed sign-ins for one login id from one client address (see ``voices.login``).

    The login id is kept only as a keyed hash: what strangers type there (or a password typed into the
    wrong field) is not stored, and unknown ids are counted exactly like real ones."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("login_key", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login_key: Mapped[str] = mapped_column(String(64))  # the unique constraint indexes it
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
