"""Mirror the classifier's artifacts into the ``model_versions`` table, and retrain from staff labels."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

import classifier
from classifier.artifacts import is_compatible
from classifier.organization import ORGANIZATION_SQL, Organization, normalized
from classifier.staff import STAFF_LABELS_SQL, STAFF_MEASURES_SQL, staff_records
from models import JobRecord, ModelVersion, User, Voice, VoiceMeasure, audit, db, get_setting, utcnow
from models.outbox import dispatch_committed, new_job

RETRAIN_KIND = "retrain_model"
MORNING_RETRAIN_KIND = "retrain_when_due"  # the daily job of routing.schedule


class ModelAdminError(RuntimeError):
    """A model action that cannot be done; the message is Japanese."""


def record_version(version: str, *, active: bool) -> ModelVersion:
    """Create or refresh the row of ``version`` from its artifact metadata (the caller commits)."""
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if row is None:
        row = ModelVersion(version=version)
        db.session.add(row)
    metadata = classifier.read_metadata(version)
    row.corpus_hash = str(metadata.get("corpus_hash", ""))
    row.metrics = metadata.get("metrics", {})
    row.trained_at = row.trained_at or _created_at(metadata) or utcnow()
    if active:
        db.session.execute(update(ModelVersion).where(ModelVersion.version != version).values(active=False))
    row.active = active
    return row


def register_active_model() -> ModelVersion:
    """Make sure a model exists and record it as the active version. One trained here (none yet, or the
    active one written by an earlier release) learns the staff-confirmed labels and the city's
    organization too, as a retraining would, so an upgrade does not forget them."""
    row = record_version(classifier.ensure_model(lambda: (staff_labelled_examples(), city_organization())),
                         active=True)
    db.session.commit()
    return row


def staff_labelled_examples() -> list[dict]:
    """Every voice whose 課 a person decided or confirmed (routed, forwarded, accepted or closed), with
    the measures staff confirmed on it when there are any: the classifier's own queries and rule."""
    label_rows = db.session.execute(text(STAFF_LABELS_SQL)).mappings().all()
    measure_rows = db.session.execute(text(STAFF_MEASURES_SQL)).mappings().all()
    return staff_records(label_rows, measure_rows)


def city_organization() -> Organization:
    """The city's 課 as the classifier trains for them: added, moved to another 部, merged away, and
    the 所管事項 terms the administrator added."""
    return Organization.from_rows(db.session.execute(text(ORGANIZATION_SQL)).mappings().all())


def retrain_from_staff_labels() -> str:
    """Train a candidate on corpus + staff labels for the city's organization; it becomes active only if
    not worse on held-out data."""
    examples, organization = staff_labelled_examples(), city_organization()
    result = classifier.retrain_with_examples(examples, organization=organization)
    row = record_version(result.version, active=result.promoted)
    db.session.flush()
    audit(None, "model.retrained", "model_version", row.id, version=result.version, promoted=result.promoted,
          staff_labels=len(examples), staff_measure_labels=sum("measures" in e for e in examples),
          organization=organization.describe(), decision=result.decision)
    db.session.commit()
    return result.decision


def retrain_in_progress(kinds: tuple[str, ...] = (RETRAIN_KIND, MORNING_RETRAIN_KIND)) -> JobRecord | None:
    """A retraining job (asked for by hand, or the morning one) recorded and not finished yet, if any."""
    return db.session.scalar(select(JobRecord).where(
        JobRecord.kind.in_(kinds), JobRecord.state.in_(("pending", "enqueued", "running")))
        .order_by(JobRecord.id.desc()).limit(1))


RETRAIN_BUSY = "再学習は既に実行待ちか実行中です。終わってからもう一度お試しください。"


def request_retrain(actor: User | None) -> JobRecord:
    """Record a retraining job and hand it to the queue (in-process: it runs now); one at a time."""
    if retrain_in_progress() is not None:
        raise ModelAdminError(RETRAIN_BUSY)
    stamp = utcnow().isoformat(timespec="seconds")
    job = new_job(f"{RETRAIN_KIND}:{stamp}", RETRAIN_KIND, requested_at=stamp)
    try:
        db.session.flush()
    except IntegrityError:  # a double click: the other request recorded this second's retraining
        db.session.rollback()
        raise ModelAdminError(RETRAIN_BUSY) from None
    audit(actor, "model.retrain_requested", "job", job.id, key=job.key)
    db.session.commit()
    dispatch_committed([job.id])
    db.session.refresh(job)
    return job


def promote_version(version: str, actor: User | None) -> ModelVersion:
    """Make a saved version the active one (it must load in this installation)."""
    previous = classifier.active_version()
    try:
        classifier.promote(version)
    except classifier.ArtifactError as error:
        raise ModelAdminError(f"このモデル（{version}）は有効にできません: {error}") from None
    return _record_switch(version, previous, actor, "model.promote")


def rollback_version(actor: User | None) -> ModelVersion:
    """Re-activate the version that was active before the current one."""
    previous = classifier.active_version()
    try:
        version = classifier.rollback()
    except classifier.ArtifactError:
        raise ModelAdminError("元に戻せる以前のモデルがありません。") from None
    return _record_switch(version, previous, actor, "model.rollback")


def _record_switch(version: str, previous: str | None, actor: User | None, action: str) -> ModelVersion:
    """Mirror a switch of the active version into the table and the audit log."""
    row = record_version(version, active=True)
    db.session.flush()
    audit(actor, action, "model_version", row.id, version=version, previous=previous)
    db.session.commit()
    return row


@dataclass(frozen=True)
class VersionSummary:
    """What the administrator's model page shows of one saved version."""

    version: str
    created_at: datetime | None  # aware; None when the metadata does not say
    active: bool
    loadable: bool
    train_count: int
    staff_count: int
    heldout: dict


def version_summaries(limit: int = 20) -> list[VersionSummary]:
    """The newest saved versions with their held-out figures, newest first."""
    active = classifier.active_version()
    summaries = []
    for version in reversed(classifier.list_versions()[-limit:]):
        try:
            metadata = classifier.read_metadata(version)
        except classifier.ArtifactError:
            continue
        counts = metadata.get("counts", {})
        summaries.append(VersionSummary(
            version=version, created_at=_created_at(metadata), active=version == active,
            loadable=is_compatible(metadata), train_count=int(counts.get("train", 0)),
            staff_count=int(counts.get("extra", 0)), heldout=(metadata.get("metrics") or {}).get("heldout", {}),
        ))
    return summaries


def _created_at(metadata: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(str(metadata["created_at"]))
    except (KeyError, ValueError):
        return None


def staff_label_count() -> int:
    """How many voices carry a 課 confirmed by staff (what the next retraining would add)."""
    return db.session.scalar(select(func.count(Voice.id)).where(Voice.section_confirmed.is_(True))) or 0


def staff_measure_label_count() -> int:
    """How many of those also carry staff-confirmed measures (labels for the measures model too)."""
    confirmed = select(VoiceMeasure.voice_id).where(VoiceMeasure.source == "staff")
    return db.session.scalar(select(func.count(Voice.id)).where(
        Voice.section_confirmed.is_(True), Voice.id.in_(confirmed))) or 0


def unlearnt_organization() -> dict | None:
    """The city's organization (``Organization.describe()``) when the active model was trained for another
    one: a 課 added, merged or moved to another 部, or 所管事項 terms added, since. None when they agree,
    or when no model is active.
    A rename alone needs no retraining (the model knows a 課 by its unchanged label)."""
    version = classifier.active_version()
    if version is None:
        return None
    try:
        return _differs_from(classifier.read_metadata(version))
    except classifier.ArtifactError:
        return None


def _differs_from(metadata: dict) -> dict | None:
    """The city's organization when a version (its ``metadata``) was trained for another one, else None."""
    city = city_organization().describe()
    return None if city == normalized(metadata.get("organization")) else city


def retrain_if_due() -> str:
    """The morning job's decision: retrain with the staff labels when ``model.retrain_new_labels`` of them
    (or more) were confirmed since the newest saved version was trained, or when the city's organization
    changed since; otherwise say why not. A retraining asked for by hand and still waiting goes first."""
    wanted = int(get_setting("model.retrain_new_labels"))
    if wanted <= 0:
        return "off"
    if retrain_in_progress((RETRAIN_KIND,)) is not None:
        return "skipped: a retraining is already waiting or running"
    newest = _newest_metadata()
    new_labels = new_staff_labels(newest)
    if new_labels < wanted and _differs_from(newest) is None:
        return f"not due: {new_labels} new staff labels of {wanted}"
    return retrain_from_staff_labels()


def new_staff_labels(newest: dict | None = None) -> int:
    """Staff-confirmed 課 gathered since the newest saved version was trained (its metadata: ``newest``)."""
    newest = _newest_metadata() if newest is None else newest
    return max(staff_label_count() - int((newest.get("counts") or {}).get("extra", 0)), 0)


def _newest_metadata() -> dict:
    """The metadata of the newest saved version ({} when there is none or it cannot be read)."""
    versions = classifier.list_versions()
    try:
        return classifier.read_metadata(versions[-1]) if versions else {}
    except classifier.ArtifactError:
        return {}
