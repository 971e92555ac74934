"""Mirror the classifier's active artifact into the ``model_versions`` table."""
from __future__ import annotations

from sqlalchemy import select, update

import classifier
from models import ModelVersion, db, utcnow


def register_active_model() -> ModelVersion:
    """Make sure a model exists (training one if needed) and record it as the active version."""
    version = classifier.ensure_model()
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if row is None:
        row = ModelVersion(version=version)
        db.session.add(row)
    metadata = classifier.read_metadata(version)
    row.corpus_hash = str(metadata.get("corpus_hash", ""))
    row.metrics = metadata.get("metrics", {})
    row.trained_at = utcnow()
    db.session.execute(update(ModelVersion).where(ModelVersion.version != version).values(active=False))
    row.active = True
    db.session.commit()
    return row
