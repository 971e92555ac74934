"""Administrator-maintained routing rules: keywords or patterns that send a voice to a 課."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

MATCH_TYPES = {"keyword": "キーワード（すべて含む）", "regex": "正規表現"}


class RoutingRule(db.Model):
    """When ``pattern`` matches a voice's text, the voice goes to ``section``; rules win over the model."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    match_type: Mapped[str] = mapped_column(String(16), default="keyword")
    # keyword: words separated by spaces, all of which must appear; regex: a Python regular expression
    pattern: Mapped[str] = mapped_column(Text)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    priority: Mapped[int] = mapped_column(default=100)  # lower runs first
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    section: Mapped[Section] = relationship()  # noqa: F821
