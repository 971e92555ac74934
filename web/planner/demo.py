"""Demo アクションプラン items, loaded through the same import as an administrator's file."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from models import ActionItem, db
from routing.action_items import ImportResult, import_file

DEMO_FILE = Path(__file__).resolve().parent / "demo_action_items.tsv"


def seed_demo_action_items() -> ImportResult | None:
    """Import the demo items once (nothing happens when any action item exists)."""
    if db.session.scalar(select(func.count()).select_from(ActionItem)):
        return None
    import csv
    import tempfile

    with DEMO_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8-sig", newline="", delete=False) as out:
        csv.writer(out).writerows(rows)
    try:
        return import_file(out.name, "demo_action_items.csv", actor=None)
    finally:
        Path(out.name).unlink(missing_ok=True)
