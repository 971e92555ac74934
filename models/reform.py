"""The reform framework of みらい改革プラン: 基本姿勢 × 推進手段 = measures, and action items."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db


class Stance(db.Model):
    """A 基本姿勢 (1: 人・組織, 2: 財政運営, 3: 行政サービス)."""

    __tablename__ = "stances"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(64))


class Means(db.Model):
    """A 推進手段 (1 … 7), e.g. ICTの積極活用."""

    __tablename__ = "means"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(64))


class Measure(db.Model):
    """One of the 21 個別項目, coded ``M{means}-{stance}``."""

    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("means_id", "stance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    means_id: Mapped[int] = mapped_column(ForeignKey("means.id"))
    stance_id: Mapped[int] = mapped_column(ForeignKey("stances.id"))
    title: Mapped[str] = mapped_column(String(128))

    means: Mapped[Means] = relationship()
    stance: Mapped[Stance] = relationship()


class ActionItem(db.Model):
    """A concrete item of the アクションプラン, hung under one measure."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_fiscal_year: Mapped[int | None]
    end_fiscal_year: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="planned")
    kpi: Mapped[str] = mapped_column(Text, default="")

    measure: Mapped[Measure] = relationship()
