"""Append-only audit log of actions that are not about one voice (settings, rules, users, exports)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.voice import AppendOnlyError


class AuditLog(db.Model):
    """Who did what to which object, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(48), index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()  # noqa: F821


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AppendOnlyError("the audit log is append-only")


def audit(actor, action: str, target_type: str = "", target_id: Any = "", **data: Any) -> None:
    """Add an audit row to the current transaction (the caller commits)."""
    db.session.add(AuditLog(
        actor_id=getattr(actor, "id", None), action=action, target_type=target_type,
        target_id=str(target_id), data=data,
    ))
