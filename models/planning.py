"""Reform planning around voices: links to action items, 反映済 (what was done), and publication."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.reform import ActionItem
from models.voice import Voice, VoiceMeasure

ACTION_ITEM_STATUSES: dict[str, str] = {
    "planned": "計画",
    "in_progress": "実施中",
    "done": "完了",
    "suspended": "休止",
}


class VoiceActionItem(db.Model):
    """A voice linked (by staff) to an action item of the アクションプラン it informs."""

    __tablename__ = "voice_action_items"

    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), primary_key=True)
    action_item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"), primary_key=True, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action_item: Mapped[ActionItem] = relationship()


class VoiceReflection(db.Model):
    """反映済: the voice was reflected in the city's work, and what was done (反映内容)."""

    __tablename__ = "voice_reflections"

    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reflected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class VoicePublication(db.Model):
    """Staff-approved text of a voice and its answer for the public みえる化 page (consent required).

    The texts are what staff edited; the redaction function is applied again when they are shown.
    """

    __tablename__ = "voice_publications"

    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    voice: Mapped[Voice] = relationship()


# Planner dashboards count voices per measure: let PostgreSQL walk a measure's voices from one index.
Index("ix_voice_measures_code_voice", VoiceMeasure.__table__.c.measure_code, VoiceMeasure.__table__.c.voice_id)


class MeasureRollup(db.Model):
    """Voices per (measure, JST month, dimension value), precomputed for voices up to the watermark.

    ``measure_code`` '' counts every voice once; ``dimension`` is total / section / channel / voice_type /
    district / age_group, or answer_days (per 部: ``count`` answered voices, ``amount`` their 営業日).
    Voices newer than the watermark are counted live, so new voices show at once.
    """

    __tablename__ = "measure_rollups"
    __table_args__ = (Index("ix_measure_rollups_dimension_month", "dimension", "month", "measure_code"),)

    measure_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    amount: Mapped[int] = mapped_column(default=0)


class RollupState(db.Model):
    """One row: the highest voice id the rollups cover, and when they were rebuilt."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    watermark: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
