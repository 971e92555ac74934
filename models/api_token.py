"""API tokens that an administrator issues to integrations (e.g. an online-form service)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

# What a token may do on the staff endpoints of /api/v1.
API_SCOPES: dict[str, str] = {
    "voices:create": "声の登録",
    "voices:read": "声の一覧の取得",
}
# How long a token may be used, chosen by the administrator at issue; there is no unlimited token.
TOKEN_LIFETIMES_DAYS: tuple[int, ...] = (30, 90, 180, 365)
DEFAULT_TOKEN_LIFETIME_DAYS = 90
# The token list warns about a token that stops working within this time.
EXPIRY_WARNING = timedelta(days=14)

api_token_sections = Table(
    "api_token_sections",
    db.metadata,
    Column("api_token_id", ForeignKey("api_tokens.id"), primary_key=True),
    Column("section_id", ForeignKey("sections.id"), primary_key=True),
)


class ApiToken(db.Model):
    """An integration's credential. Only a SHA-256 hash is stored; the token is shown once when issued.

    A token works until ``expires_at`` (or until revoked). A ``voices:read`` token reads the voices of the
    課 in ``sections`` only, unless the administrator chose ``all_sections`` when issuing it.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so an administrator can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    all_sections: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sections: Mapped[list[Section]] = relationship(  # noqa: F821
        secondary=api_token_sections, order_by="Section.id")

    @property
    def active(self) -> bool:
        """Not revoked and not expired: the token still opens the API."""
        return self.revoked_at is None and not self.expired()

    def expired(self, now: datetime | None = None) -> bool:
        """Whether the token's time is up (revoked or not)."""
        return self.expires_at <= (now or utcnow())

    def expires_soon(self, now: datetime | None = None) -> bool:
        """Still working, but for less than ``EXPIRY_WARNING``: time to issue its replacement."""
        now = now or utcnow()
        return self.revoked_at is None and now < self.expires_at <= now + EXPIRY_WARNING
