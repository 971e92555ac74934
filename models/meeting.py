"""Meetings (会合): town meetings, consultations, briefings and lectures whose remarks become voices."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

MEETING_KINDS: tuple[str, ...] = ("タウンミーティング", "懇談会", "説明会", "出前講座", "その他")


class Meeting(db.Model):
    """A meeting record; each remark made there is a voice with channel ``meeting`` linked to it."""

    __tablename__ = "meetings"
    # A meeting is identified by its name and date, so an import of remarks finds the same record again.
    __table_args__ = (UniqueConstraint("name", "held_on", name="uq_meetings_name_held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="その他")
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Meeting {self.held_on} {self.name}>"
