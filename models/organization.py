"""The city's organization: 部 (departments) and 課 (sections)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db


class Department(db.Model):
    """A 部, e.g. 市民経済部."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    sections: Mapped[list[Section]] = relationship(
        back_populates="department", order_by="Section.sort_order"
    )


class Section(db.Model):
    """A 課, the unit that owns voices; ``is_hearing`` marks the 広聴 triage desk."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_hearing: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    department: Mapped[Department] = relationship(back_populates="sections")

    def __repr__(self) -> str:
        return f"<Section {self.name}>"
