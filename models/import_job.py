"""Imports of CSV/XLSX files: one row per uploaded file, carrying its state and progress."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

IMPORT_KINDS: dict[str, str] = {"meeting": "会合の発言", "voices": "市民の声（一般）"}

IMPORT_STATES: dict[str, str] = {
    "uploaded": "確認待ち",
    "checking": "確認中",
    "checked": "確認済み",
    "queued": "取込待ち",
    "importing": "取込中",
    "done": "取込完了",
    "refused": "取込中止",
    "failed": "エラー",
    "expired": "期限切れ（ファイル削除済み）",
}


class ImportJob(db.Model):
    """An uploaded file, its check (dry run) and its import; progress lives here, not only in Redis."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(500))
    file_format: Mapped[str] = mapped_column(String(8))  # csv / xlsx
    size_bytes: Mapped[int] = mapped_column(default=0)
    encoding: Mapped[str] = mapped_column(String(16), default="")
    # What the check's verdict depends on (the file and the active 課); an import re-checks the rows
    # only when it changed.
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="uploaded", index=True)
    only_good_rows: Mapped[bool] = mapped_column(default=False)
    # Past records (a 受付簿 of voices already handled): stored as 完了 on their 受付日, outside the
    # sections' queues, due dates and escalation.
    as_finished: Mapped[bool] = mapped_column(default=False, server_default=false())
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    good_rows: Mapped[int] = mapped_column(default=0)
    bad_rows: Mapped[int] = mapped_column(default=0)
    duplicate_rows: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    # File-level problems and the first bad rows: [{"row": 12, "messages": ["…"]}, …]
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Data rows Excel does not show (hidden by hand or filtered out): all of them counted (they are among
    # the bad rows), their numbers kept as [first, last] ranges apart from the other errors.
    hidden_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    hidden_row_ranges: Mapped[list[list[int]]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # What the clerk should know about the file that is no error (hidden columns not imported, hidden sheets).
    notices: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def state_label(self) -> str:
        return IMPORT_STATES.get(self.state, self.state)

    @property
    def kind_label(self) -> str:
        return IMPORT_KINDS.get(self.kind, self.kind)

    @property
    def percent(self) -> int:
        """Progress of the current phase in percent (0 while the row count is unknown)."""
        if not self.total_rows:
            return 100 if self.state in ("checked", "done") else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
