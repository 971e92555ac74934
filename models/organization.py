"""The city's organization: 部 (departments) and 課 (sections)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import ForeignKey, String, Text, select
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
    """A 課, the unit that owns voices; ``is_hearing`` marks the 広聴 triage desk.

    ``classifier_label`` is the name the classifier knows the 課 by: its name when it was created, kept
    when it is renamed, so a 機構改革 that renames a 課 does not cut it off from the model. A retired
    課 names the 課 that took over its duties (``successor_id``); the model's predictions of it go there.
    """

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    classifier_label: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_hearing: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))

    department: Mapped[Department] = relationship(back_populates="sections")
    successor: Mapped[Section | None] = relationship(remote_side=[id])

    def __init__(self, **kwargs):
        kwargs.setdefault("classifier_label", kwargs.get("name"))
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return f"<Section {self.name}>"


def active_sections() -> list[Section]:
    """The active 課 in the order of the organization chart: by 部, then by their order within it (after a
    機構改革 a 課 added to, or moved into, a 部 is listed with it, not by its number among all 課)."""
    return list(db.session.scalars(
        select(Section).join(Department, Department.id == Section.department_id).where(Section.active.is_(True))
        .order_by(Department.sort_order, Department.id, Section.sort_order, Section.id)))


def label_targets() -> dict[str, Section]:
    """Every classifier label → the active 課 that handles its voices now (one query).

    A label whose 課 was retired hands its voices to the successor (followed to the first active 課);
    one retired without a successor goes nowhere."""
    sections = list(db.session.scalars(select(Section)))
    by_id = {section.id: section for section in sections}
    targets = {}
    for section in sections:
        target = _holder(section, by_id)
        if target.active:
            targets[section.classifier_label] = target
    return targets


def section_names_now() -> dict[str, str]:
    """A 課 as a ledger or another system may name it → the name of the active 課 handling it today: today's
    names, and the names 課 had before a 機構改革 (a renamed 課's old name, a merged 課's name)."""
    targets = label_targets()  # every active 課 is among them, under its own label
    return {**{label: s.name for label, s in targets.items()}, **{s.name: s.name for s in targets.values()}}


def sections_handled_by(section_id: int) -> list[int]:
    """The ids of ``section_id`` and of every retired 課 whose duties passed to it (through successors):
    the 課 whose voices, finished ones included, its staff look after now."""
    sections = list(db.session.scalars(select(Section)))
    by_id = {section.id: section for section in sections}
    return [section.id for section in sections if _holder(section, by_id).id == section_id]


def _holder(section: Section, by_id: Mapping[int, Section]) -> Section:
    """The 課 that holds ``section``'s duties now: itself, or the end of its chain of successors."""
    target, seen = section, {section.id}
    while not target.active and target.successor_id in by_id and target.successor_id not in seen:
        target = by_id[target.successor_id]
        seen.add(target.id)
    return target


def ranked_targets(section_top: Iterable[tuple[str, float]], targets: Mapping[str, Section]
                   ) -> list[tuple[Section, float]]:
    """The model's top 課 as the active 課 now handling them, best first; labels that land on the same
    課 (a merger) add their scores, and labels that go nowhere are left out."""
    scores: dict[int, list] = {}
    for label, score in section_top:
        target = targets.get(label)
        if target is not None:
            scores.setdefault(target.id, [target, 0.0])[1] += float(score)
    return sorted(((section, score) for section, score in scores.values()), key=lambda pair: -pair[1])
