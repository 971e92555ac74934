"""Replies to citizens (drafted, approved by the section head, sent) and reply templates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

REPLY_STATES = {
    "draft": "下書き",
    "pending": "承認待ち",
    "approved": "承認済",
    "returned": "差戻し",
    "sent": "送付済",
    "withdrawn": "取り下げ",  # the voice was finished (完了・対応なし) or forwarded before this reply was sent
}
EDITABLE_REPLY_STATES = ("draft", "returned")
AWAITING_REPLY_STATES = ("pending", "approved")  # submitted and not yet sent: the voice's one answer in the making
REPLY_METHODS = {"email": "メール", "post": "郵送", "phone": "電話", "counter": "窓口"}


class Reply(db.Model):
    """The city's answer to a voice; only an approved reply can be sent."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    method: Mapped[str] = mapped_column(String(16), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the e-mail to the citizen actually left (the send job is idempotent on this).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(foreign_keys=[author_id])  # noqa: F821
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])  # noqa: F821

    @property
    def state_label(self) -> str:
        return REPLY_STATES.get(self.state, self.state)


class ReplyTemplate(db.Model):
    """A starting text for replies, optionally for one voice type."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    voice_type: Mapped[str] = mapped_column(String(8), default="")
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
