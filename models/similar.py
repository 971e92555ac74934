"""似た声: links from a voice to the nearest earlier voices, found at intake."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow


class SimilarVoice(db.Model):
    """``voice`` resembles the earlier ``similar_voice`` with cosine ``score`` (rank 1 = nearest)."""

    __tablename__ = "similar_voices"
    __table_args__ = (UniqueConstraint("voice_id", "similar_voice_id", name="uq_similar_voices_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), index=True)
    similar_voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    voice: Mapped[Voice] = relationship(foreign_keys=[voice_id])  # noqa: F821
    similar_voice: Mapped[Voice] = relationship(foreign_keys=[similar_voice_id])  # noqa: F821
