"""The voice aggregate: a citizen's voice, its classification, assignments and append-only events."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

VOICE_TYPES: tuple[str, ...] = ("苦情", "要望", "提案", "問合せ", "意見", "感謝")

CHANNELS: dict[str, str] = {
    "web": "Webフォーム",
    "counter": "窓口",
    "phone": "電話",
    "letter": "手紙",
    "fax": "FAX",
    "email": "メール",
    "meeting": "会合",
    "import": "取込",
    "api": "API",
}

STATUSES: dict[str, str] = {
    "received": "受付",
    "triage": "振り分け待ち",
    "assigned": "担当課決定",
    "in_progress": "対応中",
    "answered": "回答済",
    "closed": "完了",
    "no_action": "対応なし",
}
# A voice in one of these needs nothing more from any 課.
DONE_STATUSES: tuple[str, ...] = ("closed", "no_action")
# 対応なし reasons that mean the voice is not a citizen's voice to count: a second copy of one already
# counted, or spam. Out-of-scope voices (市の所管外) are real voices and stay in every aggregate.
UNCOUNTED_NO_ACTION_REASONS: tuple[str, ...] = ("duplicate", "spam")

AGE_GROUPS: tuple[str, ...] = (
    "10代以下", "20代", "30代", "40代", "50代", "60代", "70代", "80代以上",
)


class Voice(db.Model):
    """One citizen voice from any channel. ``body`` is stored with any マイナンバー already masked."""

    __tablename__ = "voices"
    __table_args__ = (
        Index("ix_voices_section_status_due", "section_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    access_code_hash: Mapped[str] = mapped_column(String(64))
    client_token: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    voice_type: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    submitter_name: Mapped[str] = mapped_column(String(100), default="")
    submitter_email: Mapped[str] = mapped_column(String(254), default="")
    submitter_phone: Mapped[str] = mapped_column(String(32), default="")
    district: Mapped[str] = mapped_column(String(50), default="")
    age_group: Mapped[str] = mapped_column(String(16), default="")
    wants_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_privacy: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    # True once a person (not the model) decided or confirmed the 課: a training label.
    section_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    # How many times the voice was forwarded between sections (たらい回し when it grows).
    forward_count: Mapped[int] = mapped_column(default=0)
    # Sudachi-normalized tokens of subject + body, space-separated with leading/trailing spaces,
    # so Japanese search can match whole tokens on any database.
    search_tokens: Mapped[str] = mapped_column(Text, default="")
    no_action_reason: Mapped[str] = mapped_column(String(32), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the retention period ended and the personal data was purged (voices.retention).
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Issue 4 (intake channels): the meeting a remark was made at, who spoke (発言者区分), and the 課
    # a staff member chose at intake, which overrides the model (by name, like the classifier's labels).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    speaker_category: Mapped[str] = mapped_column(String(32), default="")
    chosen_section_name: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    section: Mapped[Section | None] = relationship()  # noqa: F821
    classifications: Mapped[list[Classification]] = relationship(
        back_populates="voice", order_by="Classification.id"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="voice", order_by="Assignment.id"
    )
    events: Mapped[list[VoiceEvent]] = relationship(
        back_populates="voice", order_by="VoiceEvent.id"
    )
    replies: Mapped[list[Reply]] = relationship(order_by="Reply.id")  # noqa: F821
    meeting: Mapped[Meeting | None] = relationship()  # noqa: F821

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def latest_classification(self) -> Classification | None:
        return self.classifications[-1] if self.classifications else None


class Classification(db.Model):
    """What a model version said about a voice; kept so every routing can be explained."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    section_name: Mapped[str] = mapped_column(String(64))
    section_top: Mapped[list[Any]] = mapped_column(JSON)
    measures: Mapped[list[str]] = mapped_column(JSON)
    voice_type: Mapped[str] = mapped_column(String(8), default="")
    confidence: Mapped[float] = mapped_column(Float)
    explanation: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    voice: Mapped[Voice] = relationship(back_populates="classifications")


class Assignment(db.Model):
    """A 課 being made responsible for (``primary``) or involved in a voice."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="primary")
    # model / rule / triage / staff: who or what made the decision
    decided_by: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when this primary assignment came from a forward: the 課 that passed the voice on.
    forwarded_from_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    voice: Mapped[Voice] = relationship(back_populates="assignments")
    section: Mapped[Section] = relationship(foreign_keys=[section_id])  # noqa: F821


class VoiceMeasure(db.Model):
    """A reform measure a voice informs: predicted by the model or confirmed by staff."""

    __tablename__ = "voice_measures"

    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), primary_key=True)
    measure_code: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)
    source: Mapped[str] = mapped_column(String(8), default="model")  # model / staff
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoiceEvent(db.Model):
    """An append-only record of something that happened to a voice, with actor and time."""

    __tablename__ = "voice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    voice_id: Mapped[int] = mapped_column(ForeignKey("voices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(64), default="system")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    voice: Mapped[Voice] = relationship(back_populates="events")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a history row."""


@event.listens_for(VoiceEvent, "before_update")
@event.listens_for(VoiceEvent, "before_delete")
def _refuse_event_change(mapper, connection, target) -> None:
    raise AppendOnlyError("voice events are append-only")
