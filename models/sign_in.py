"""Server-side records of staff sign-ins: the sessions that are open, and failed attempts per client."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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

