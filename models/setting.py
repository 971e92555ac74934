"""Administrator-editable settings stored as JSON values, read through one getter."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db

DEFAULTS: dict[str, Any] = {
    # Auto-assign to the predicted 課 when the model's confidence is at least this.
    "routing.auto_threshold": 0.5,
    # Answer time in 営業日, per voice type; "default" applies to any type not listed.
    "due_days": {"default": 10},
    # 営業日 past the due date after which an unanswered voice is escalated to 広聴.
    "escalation.days_overdue": 3,
    # Forwards of one voice at which 広聴 is alerted (たらい回し).
    "tarai.alert_forwards": 2,
    # Years a finished voice keeps its personal data, counted from April 1 of the next 年度 (voices.retention).
    "retention.years": 5,
    # Staff-confirmed 課 gathered since the last training at which the classifier retrains by itself on the
    # next working day's morning (routing.model_registry.retrain_if_due); 0: only when the administrator asks.
    "model.retrain_new_labels": 50,
    # Not on the settings page: the tokenizer and 異体字 folding (voices.search.tokens_fingerprint) that
    # made the voices' stored search tokens; "" until routing.reindex first runs.
    "search.tokenizer": "",
}


class Setting(db.Model):
    """A key/value setting; absent keys fall back to ``DEFAULTS``."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


def get_setting(key: str) -> Any:
    """The stored value of ``key``, or its default."""
    row = db.session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def set_setting(key: str, value: Any) -> None:
    """Store ``value`` for ``key`` in the current transaction (the caller commits)."""
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
