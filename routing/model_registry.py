"""Mirror the classifier's artifacts into the ``model_versions`` table, and retrain from staff labels."""
from __future__ import annotations

from sqlalchemy import select, update

import classifier
from models import ModelVersion, Section, Voice, db, utcnow


def record_version(version: str, *, active: bool) -> ModelVersion:
    """Create or refresh the row of ``version`` from its artifact metadata (the caller commits)."""
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if row is None:
        row = ModelVersion(version=version)
        db.session.add(row)
    metadata = classifier.read_metadata(version)
    row.corpus_hash = str(metadata.get("corpus_hash", ""))
    row.metrics = metadata.get("metrics", {})
    row.trained_at = row.trained_at or utcnow()
    if active:
        db.session.execute(update(ModelVersion).where(ModelVersion.version != version).values(active=False))
    row.active = active
    return row


def register_active_model() -> ModelVersion:
    """Make sure a model exists (training one if needed) and record it as the active version."""
    row = record_version(classifier.ensure_model(), active=True)
    db.session.commit()
    return row


def staff_labelled_examples() -> list[dict]:
    """Every voice whose 課 a person decided or confirmed (routed, forwarded, accepted or closed)."""
    rows = db.session.execute(
        select(Voice.body, Section.name, Voice.voice_type)
        .join(Section, Section.id == Voice.section_id)
        .where(Voice.section_confirmed.is_(True))
    )
    return [{"text": body, "section": section, "voice_type": voice_type} for body, section, voice_type in rows]


def retrain_from_staff_labels() -> str:
    """Train a candidate on corpus + staff labels; it becomes active only if not worse on held-out data."""
    result = classifier.retrain_with_examples(staff_labelled_examples())
    record_version(result.version, active=result.promoted)
    db.session.commit()
    return result.decision
