"""Checking and importing a file: the service behind the import page, the CLI and the import job.

An import has two phases, each a job that takes the ``ImportJob`` id and can run twice:

- ``check`` (the dry run) streams the file once and records the encoding, the row counts, every bad
  row with its Japanese reasons, and how many rows are already stored (by their content key);
- ``import`` streams the file again: first it re-checks every row, and refuses the whole file if any
  is bad (unless the user chose to import only the good rows), then it stores the rows in chunks
  through ``voices.intake.submit_many``, each chunk routed and committed together with the progress
  on the ``ImportJob`` row. A run that stops half-way resumes after the last committed chunk.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import signal
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, has_request_context
from sqlalchemy import select, tuple_

from classifier.similarity import predict_with_tokens
from models import ImportJob, JobRecord, Meeting, User, Voice, db, section_names_now, utcnow
from models.outbox import dispatch_committed, new_job
from voices.importers.reader import ImportFileError, content_format, file_format_of, open_table
from voices.importers.report import HiddenRows
from voices.importers.rows import ParsedRow, RowParser
from voices.intake import classification_text, stored_tokens, submit_many

IMPORT_JOB_KIND = "import_file"
CHUNK_ROWS = 1000
ERRORS_KEPT = 500  # bad rows listed on the ImportJob (all are counted)
CHECK_PROGRESS_EVERY = 5000
PARALLEL_MIN_ROWS = 5 * CHUNK_ROWS  # below this a second process is not worth starting

Route = Callable[..., object]  # routing.batch.route_new_voices(voices, rows)
Progress = Callable[[ImportJob], None]


class ImportRefused(RuntimeError):
    """The import cannot go ahead; the message is Japanese."""


def imports_dir() -> Path:
    """Where uploads wait between their check and their import (``IMPORT_DIR``, else instance/imports)."""
    path = Path(current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def register_upload(stream, filename: str, kind: str, actor: User | None) -> ImportJob:
    """Store an uploaded file and record it; ImportFileError for a file we cannot read."""
    file_format = file_format_of(filename)
    target = imports_dir() / f"{uuid.uuid4().hex}.{file_format}"
    with open(target, "wb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)
    try:
        return _record(target, filename, kind, file_format, actor)
    except ImportFileError:
        target.unlink(missing_ok=True)  # it may hold personal data, and no job row points to it
        raise


def register_path(path: str | Path, kind: str, actor: User | None = None) -> ImportJob:
    """Record a file already on disk (the CLI); it is read in place and never deleted."""
    path = Path(path).resolve()
    return _record(path, path.name, kind, file_format_of(path.name), actor)


def _record(path: Path, filename: str, kind: str, file_format: str, actor: User | None) -> ImportJob:
    file_format = content_format(path, file_format)
    job = ImportJob(kind=kind, filename=Path(filename).name[:255], stored_path=str(path), file_format=file_format,
                    size_bytes=path.stat().st_size, created_by_id=actor.id if actor else None)
    db.session.add(job)
    db.session.commit()
    return job


def job_key(import_id: int, phase: str) -> str:
    return f"{IMPORT_JOB_KIND}:{import_id}:{phase}"


def enqueue(job: ImportJob, phase: str, *, only_good_rows: bool = False, as_finished: bool = False) -> None:
    """Hand a phase to the job queue (RQ, or in-process on the embedded default) after recording it."""
    if phase == "import" and job.state != "failed":  # a failed import is resumed as it was
        if job.state != "checked" or (job.bad_rows and not only_good_rows):
            raise ImportRefused("このファイルは取り込めません。確認結果を見直してください。")
        if not job.good_rows:
            raise ImportRefused("取り込める行がありません。")
        job.only_good_rows, job.as_finished = only_good_rows, as_finished
        job.state = "queued"
    record = db.session.scalar(select(JobRecord).where(JobRecord.key == job_key(job.id, phase)))
    if record is None:
        record = new_job(job_key(job.id, phase), IMPORT_JOB_KIND, import_id=job.id, phase=phase)
    else:  # a retry of a failed phase
        record.state = "pending"
    db.session.commit()
    dispatch_committed([record.id])


def run_phase(import_id: int, phase: str, *, route: Route, progress: Progress | None = None) -> str:
    """The job body: ``check`` or ``import`` one file."""
    if phase == "check":
        return run_check(import_id, progress=progress).state
    if phase == "import":
        return run_import(import_id, route=route, progress=progress).state
    raise ValueError(f"unknown import phase {phase!r}")


def _parsed_rows(job: ImportJob, notices: list[str] | None = None) -> Iterator[ParsedRow]:
    """Every non-blank data row of the file, parsed; sets ``job.encoding`` when the file opens, and adds
    to ``notices`` what the clerk should know about the file as a whole."""
    with open_table(job.stored_path, job.file_format) as table:
        job.encoding = table.encoding
        if notices is not None:
            notices.extend(table.notices)
        parser = RowParser(job.kind, table.header, section_names=section_names_now(), created_by_id=job.created_by_id,
                           hidden_columns=table.hidden_columns)
        if notices is not None:
            notices.extend(parser.notices)
        for raw in table.rows:
            parsed = parser.parse(raw)
            if parsed is not None:
                yield parsed


def fingerprint(job: ImportJob) -> str:
    """What a check's verdict depends on besides the code: the file as stored and the active 課."""
    stat = Path(job.stored_path).stat()
    basis = "\x1f".join([str(stat.st_size), str(stat.st_mtime_ns), *sorted(map("=".join, section_names_now().items()))])
    return hashlib.sha256(basis.encode()).hexdigest()


def _already_stored(tokens: list[str]) -> set[str]:
    return stored_tokens(tokens)


class BadRows:
    """The rows that cannot be imported as they are: all counted, the first ERRORS_KEPT with errors listed
    with their reasons, and the rows Excel does not show apart, by number."""

    def __init__(self) -> None:
        self.count = 0
        self.errors: list[dict] = []
        self.hidden = HiddenRows()

    def add(self, row: ParsedRow) -> None:
        self.count += 1
        if row.hidden:
            self.hidden.add(row.number, row.hidden)
        if row.errors and len(self.errors) < ERRORS_KEPT:
            self.errors.append({"row": row.number, "messages": row.errors, **({"hidden": True} if row.hidden else {})})

    def record(self, job: ImportJob) -> None:
        job.bad_rows, job.errors = self.count, self.errors
        job.hidden_rows, job.hidden_row_ranges = self.hidden.count, self.hidden.ranges


def run_check(import_id: int, *, progress: Progress | None = None) -> ImportJob:
    """The dry run: count good, bad and already-stored rows; store nothing but the verdict."""
    job = db.session.get(ImportJob, import_id)
    if job is None:
        raise LookupError(f"no import {import_id}")
    if job.state not in ("uploaded", "checking"):
        return job
    job.state, job.started_at = "checking", utcnow()
    job.total_rows = job.processed_rows = job.good_rows = job.bad_rows = job.duplicate_rows = job.hidden_rows = 0
    job.hidden_row_ranges, job.notices = [], []
    db.session.commit()
    bad = BadRows()
    notices: list[str] = []
    seen: set[str] = set()
    pending: list[str] = []
    counts = {"total": 0, "good": 0, "duplicates": 0}

    def settle_pending() -> None:
        counts["duplicates"] += len(_already_stored(pending))
        pending.clear()

    try:
        for row in _parsed_rows(job, notices):
            counts["total"] += 1
            if row.ok:
                counts["good"] += 1
                token = row.data.client_token
                if token in seen:
                    counts["duplicates"] += 1
                else:
                    seen.add(token)
                    pending.append(token)
                    if len(pending) >= CHUNK_ROWS:
                        settle_pending()
            else:
                bad.add(row)
            if counts["total"] % CHECK_PROGRESS_EVERY == 0:
                job.processed_rows = counts["total"]
                db.session.commit()
                if progress:
                    progress(job)
        settle_pending()
    except ImportFileError as error:
        encoding = job.encoding  # known once the file opened, even if its header is wrong
        db.session.rollback()
        job = db.session.get(ImportJob, import_id)
        job.state, job.finished_at, job.encoding = "refused", utcnow(), encoding
        job.errors = [{"row": None, "messages": [str(error)]}]
        job.notices = notices  # a hidden sheet may be why the columns are missing
        db.session.commit()
        return job
    job.total_rows = job.processed_rows = counts["total"]
    job.good_rows, job.duplicate_rows = counts["good"], counts["duplicates"]
    bad.record(job)
    job.notices = notices + bad.hidden.notices()
    job.fingerprint = fingerprint(job)
    job.state, job.finished_at = "checked", utcnow()
    if not counts["total"]:
        job.state = "refused"
        job.errors = [{"row": None, "messages": ["データの行がありません。2行目から内容を入れてください。"]}]
    db.session.commit()
    if progress:
        progress(job)
    return job


def run_import(import_id: int, *, route: Route, progress: Progress | None = None) -> ImportJob:
    """Import a checked file: all rows or none (or, if the user chose so, only the good rows)."""
    job = db.session.get(ImportJob, import_id)
    if job is None:
        raise LookupError(f"no import {import_id}")
    if job.state in ("done", "refused"):
        return job
    if job.state not in ("queued", "importing", "failed"):
        raise ImportRefused("確認が済んでいないファイルは取り込めません。")
    if job.state == "queued":  # a fresh run; "importing" (stopped) and "failed" resume
        job.processed_rows = job.imported_rows = job.duplicate_rows = 0
    resume_after = job.processed_rows
    job.state, job.last_error = "importing", ""
    db.session.commit()

    try:
        # The rows are checked again unless nothing they depend on changed since the check.
        bad = BadRows() if job.fingerprint == fingerprint(job) and not job.bad_rows else _recheck(job)
    except ImportFileError as error:
        return _refuse(import_id, [{"row": None, "messages": [str(error)]}])
    if bad.count and not job.only_good_rows:
        return _refuse(import_id, bad)

    pool = _prediction_pool(job.total_rows - resume_after)
    try:
        # While chunk N is stored, the model reads chunk N+1 in a second process (when there is one).
        waiting: tuple[list[ParsedRow], object] | None = None
        for chunk in _chunks(_parsed_rows(job), skip=resume_after):
            ahead = pool.submit(predict_with_tokens, [_expected_text(r) for r in chunk if r.ok]) if pool else None
            if waiting is not None:
                _store_chunk(job, waiting[0], route, waiting[1])
                if progress:
                    progress(job)
            waiting = (chunk, ahead)
        if waiting is not None:
            _store_chunk(job, waiting[0], route, waiting[1])
    except Exception as error:
        db.session.rollback()
        job = db.session.get(ImportJob, import_id)
        job.state, job.last_error = "failed", f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    job.state, job.finished_at = "done", utcnow()
    db.session.commit()
    _discard_upload(job)
    if progress:
        progress(job)
    return job


def _chunks(rows: Iterator[ParsedRow], *, skip: int) -> Iterator[list[ParsedRow]]:
    """The rows after the first ``skip``, in lists of CHUNK_ROWS."""
    chunk: list[ParsedRow] = []
    for seen, row in enumerate(rows, start=1):
        if seen <= skip:
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prediction_pool(rows: int):
    """A one-process pool for the model when a large import runs outside a web request on a
    machine with a spare core (Linux ``fork``: the child inherits the loaded model); else None."""
    if (rows < current_app.config.get("IMPORT_PARALLEL_MIN_ROWS", PARALLEL_MIN_ROWS) or has_request_context() or (os.cpu_count() or 1) < 2
            or "fork" not in multiprocessing.get_all_start_methods()
            or not current_app.config.get("IMPORT_PARALLEL", True)):
        return None
    predict_with_tokens(["準備"])  # load the model and the dictionary before forking
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                               initializer=_predictor_process_start)


def _predictor_process_start() -> None:
    """In the forked predictor: SIGTERM ends it (the worker's own handler, inherited by the fork, would
    not), and on Linux it ends with the worker, so a killed worker leaves no 500 MB process behind."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if hasattr(os, "getppid") and os.path.exists("/proc/self"):
        import ctypes

        pr_set_pdeathsig = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):  # not Linux's libc: SIGTERM still works
            return
        if os.getppid() == 1:  # the worker died before prctl took effect
            os._exit(1)


def _expected_text(row: ParsedRow) -> str:
    """What the model will read for this row once stored (cleaned and masked, as intake stores it)."""
    return classification_text(row.data)


def _recheck(job: ImportJob) -> BadRows:
    """The bad rows of the file now (the organization may have changed since the check)."""
    bad = BadRows()
    for row in _parsed_rows(job):
        if not row.ok:
            bad.add(row)
    return bad


def _refuse(import_id: int, problems: BadRows | list[dict]) -> ImportJob:
    """Stop the import before it stores anything: a file-level problem, or the bad rows found now."""
    db.session.rollback()
    job = db.session.get(ImportJob, import_id)
    job.state, job.finished_at = "refused", utcnow()
    if isinstance(problems, BadRows):
        problems.record(job)
    else:
        job.errors = problems
    db.session.commit()
    return job


def _store_chunk(job: ImportJob, rows: list[ParsedRow], route: Route, ahead=None) -> None:
    """Store, route and count one chunk in one transaction; ``ahead`` is the model's reading of the
    chunk's good rows computed in the second process, if any."""
    good = [row for row in rows if row.ok]
    if job.kind == "meeting":
        meeting_ids = _meetings_for(good, job.created_by_id)
        inputs = [_with_meeting(row, meeting_ids) for row in good]
    else:
        inputs = [row.data for row in good]
    counted = False

    def route_and_count(voices: list[Voice], bulk) -> None:
        # Runs inside submit_many's transaction: the chunk, its routing and the progress commit together.
        nonlocal counted
        predicted = None
        if ahead is not None:
            predictions, tokens = ahead.result()
            predicted = dict(zip([_expected_text(r) for r in good], zip(predictions, tokens)))
        route(voices, bulk, predicted=predicted, past_records=job.as_finished)
        _count(job, len(rows), imported=len(voices), duplicates=len(inputs) - len(voices))
        counted = True

    outcome = submit_many(inputs, actor_label="import", route_in_transaction=route_and_count) if inputs else None
    if not counted:  # nothing new in this chunk
        _count(job, len(rows), imported=0, duplicates=outcome.duplicates if outcome else 0)
        db.session.commit()


def _count(job: ImportJob, processed: int, *, imported: int, duplicates: int) -> None:
    job.processed_rows += processed
    job.imported_rows += imported
    job.duplicate_rows += duplicates


def _with_meeting(row: ParsedRow, meeting_ids: dict) -> object:
    from dataclasses import replace

    return replace(row.data, meeting_id=meeting_ids[(row.meeting[0], row.meeting[1])])


def _meetings_for(rows: list[ParsedRow], created_by_id: int | None) -> dict:
    """The meeting id of each (name, date) in ``rows``, creating meetings that are new."""
    wanted = {(r.meeting[0], r.meeting[1]): r.meeting for r in rows}
    if not wanted:
        return {}
    found = {
        (m.name, m.held_on): m.id
        for m in db.session.scalars(select(Meeting).where(tuple_(Meeting.name, Meeting.held_on).in_(list(wanted))))
    }
    for key, (name, held_on, kind, place) in wanted.items():
        if key not in found:
            meeting = Meeting(name=name, held_on=held_on, kind=kind, place=place, created_by_id=created_by_id)
            db.session.add(meeting)
            db.session.flush()
            found[key] = meeting.id
    return found


def _discard_upload(job: ImportJob) -> None:
    """Delete an uploaded copy once imported (it holds personal data); files given to the CLI stay."""
    path = Path(job.stored_path)
    try:
        if path.parent.resolve() == imports_dir().resolve():
            path.unlink(missing_ok=True)
    except OSError:
        pass


# An upload that was checked but never imported is deleted after this long: it holds personal data.
UPLOAD_KEPT = timedelta(days=7)
_STALE_STATES = ("uploaded", "checked", "refused", "failed")


def purge_stale_uploads(now: datetime, kept: timedelta = UPLOAD_KEPT) -> int:
    """Delete the uploaded copies of imports left unfinished for longer than ``kept`` (the daily job);
    their rows say 期限切れ. Files given to the CLI are never touched. Returns how many were purged."""
    stale = db.session.scalars(select(ImportJob).where(
        ImportJob.state.in_(_STALE_STATES), ImportJob.created_at < now - kept)).all()
    purged, uploads = 0, imports_dir().resolve()
    for job in stale:
        if Path(job.stored_path).parent.resolve() != uploads:
            continue
        _discard_upload(job)
        job.state, job.finished_at = "expired", job.finished_at or now
        purged += 1
    db.session.commit()
    return purged
