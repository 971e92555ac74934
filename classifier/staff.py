"""Staff-confirmed labels: from the application database (plain SQLAlchemy Core) or from callers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from . import labels
from .corpus import CorpusError, Example, example_from_record
from .organization import ORGANIZATION_SQL, Organization

# The 課 a voice belongs to, by the label the model knows it by (unchanged when the 課 is renamed).
STAFF_LABELS_SQL = """
SELECT v.id AS voice_id, v.body AS text, s.classifier_label AS section, v.voice_type AS voice_type
FROM voices v JOIN sections s ON s.id = v.section_id WHERE v.section_confirmed = true
"""
# Measures staff confirmed on a voice (by hand or by linking an action item). A voice with at least one
# is a measures label: exactly its staff-confirmed codes. Voices without one train no measures.
STAFF_MEASURES_SQL = """
SELECT voice_id, measure_code FROM voice_measures WHERE source = 'staff'
"""
DEFAULT_STAFF_WEIGHT = 2.0


class StaffLabelsError(RuntimeError):
    """The staff labels could not be read from the database (bad URL, no server, not our schema)."""


def examples_from_records(
    records: Iterable[Mapping | Example], *, weight: float = DEFAULT_STAFF_WEIGHT, source: str = "staff",
    organization: Organization | None = None,
) -> tuple[list[Example], int]:
    """Valid examples (weighted) and the number of records skipped (empty text, unknown 課).

    Records are mappings with text, section and optionally voice_type and measures; a record without
    "measures" does not take part in training the measure model. A 課 is known when `organization`
    (default: the reference) knows it, and a 課 merged into another trains the one that took over.
    """
    organization = organization or Organization.reference()
    examples, skipped = [], 0
    for number, record in enumerate(records, start=1):
        if isinstance(record, Example):
            example = replace(record, weight=weight, source=source)
        else:
            try:
                example = example_from_record(dict(record), where=f"{source}:{number}", source=source,
                                              weight=weight, strict=False, is_section=organization.knows)
            except CorpusError:
                skipped += 1
                continue
        examples.append(organization.relabel(example))
    return examples, skipped


def staff_records(label_rows: Iterable[Mapping], measure_rows: Iterable[Mapping]) -> list[dict]:
    """Training records from the rows of STAFF_LABELS_SQL and STAFF_MEASURES_SQL: text, section, a
    known voice type or None, and `measures` only for voices with staff-confirmed measures."""
    measures: dict[int, list[str]] = {}
    for row in measure_rows:
        measures.setdefault(row["voice_id"], []).append(row["measure_code"])
    records = []
    for row in label_rows:
        record = {"text": row["text"], "section": row["section"],
                  "voice_type": row["voice_type"] if row["voice_type"] in labels.VOICE_TYPES else None}
        if row["voice_id"] in measures:
            record["measures"] = sorted(measures[row["voice_id"]])
        records.append(record)
    return records


def load_staff_examples(database_url: str, *, weight: float = DEFAULT_STAFF_WEIGHT
                        ) -> tuple[list[Example], int, Organization]:
    """Staff-confirmed voices from the database as weighted examples, how many rows were skipped, and
    the database's organization (which the examples are validated against)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(database_url)
    except (SQLAlchemyError, ImportError) as error:  # a malformed URL, a driver that is not installed
        raise StaffLabelsError(f"データベースの URL を使えません: {_first_line(error)}") from error
    try:
        with engine.connect() as connection:
            label_rows = [row._mapping for row in connection.execute(text(STAFF_LABELS_SQL))]
            measure_rows = [row._mapping for row in connection.execute(text(STAFF_MEASURES_SQL))]
            organization = Organization.from_rows(row._mapping for row in connection.execute(text(ORGANIZATION_SQL)))
    except SQLAlchemyError as error:  # no server, refused, or a database without the service's tables
        raise StaffLabelsError(f"職員が確定した担当課をデータベースから読めません: {_first_line(error)}") from error
    finally:
        engine.dispose()
    examples, skipped = examples_from_records(staff_records(label_rows, measure_rows), weight=weight,
                                              source="database", organization=organization)
    return examples, skipped, organization


def _first_line(error: Exception) -> str:
    """The driver's own message, without SQLAlchemy's SQL echo and background link."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__
