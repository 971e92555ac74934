"""Staff-confirmed labels: from the application database (plain SQLAlchemy Core) or from callers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from . import labels
from .corpus import CorpusError, Example, example_from_record

STAFF_LABELS_SQL = """
SELECT v.body AS text, s.name AS section, v.voice_type AS voice_type
FROM voices v JOIN sections s ON s.id = v.section_id WHERE v.section_confirmed = true
"""
DEFAULT_STAFF_WEIGHT = 2.0


def examples_from_records(
    records: Iterable[Mapping | Example], *, weight: float = DEFAULT_STAFF_WEIGHT, source: str = "staff"
) -> tuple[list[Example], int]:
    """Valid examples (weighted) and the number of records skipped (empty text, 課 not in the reference).

    Records are mappings with text, section and optionally voice_type and measures; a record without
    "measures" does not take part in training the measure model.
    """
    examples, skipped = [], 0
    for number, record in enumerate(records, start=1):
        if isinstance(record, Example):
            examples.append(replace(record, weight=weight, source=source))
            continue
        try:
            examples.append(example_from_record(dict(record), where=f"{source}:{number}", source=source,
                                                weight=weight, strict=False))
        except CorpusError:
            skipped += 1
    return examples, skipped


def load_staff_examples(database_url: str, *, weight: float = DEFAULT_STAFF_WEIGHT) -> tuple[list[Example], int]:
    """Staff-confirmed voices from the database as weighted examples, and how many rows were skipped."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(text(STAFF_LABELS_SQL))]
    finally:
        engine.dispose()
    for row in rows:
        if row.get("voice_type") not in labels.VOICE_TYPES:
            row["voice_type"] = None
    return examples_from_records(rows, weight=weight, source="database")
