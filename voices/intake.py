"""The one entry point every channel calls to store a citizen voice."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from models import JobRecord, Meeting, Section, Voice, VoiceEvent, db, utcnow
from models.bulk import BulkRows, assign_ids
from models.outbox import dispatch_committed, new_job
from voices.pii import mask_my_numbers
from voices.receipt import access_code_for, hash_access_code, new_client_token, receipt_number
from voices.similar import link_similar
from voices.validation import VoiceInput, clean, validate

ROUTE_JOB_KIND = "route_voice"
TOKEN_REUSED = "この送信の識別子（client_token）は、別の内容の声ですでに使われています。新しい識別子で送ってください。"


class IntakeError(ValueError):
    """The input was refused; ``errors`` maps field names to Japanese messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass(frozen=True)
class Receipt:
    """What the citizen (or the staff member) is told after a successful submission."""

    voice_id: int
    receipt_no: str
    access_code: str
    duplicate: bool = False


def route_job_key(voice_id: int) -> str:
    """The outbox key of a voice's routing job."""
    return f"{ROUTE_JOB_KIND}:{voice_id}"


def submit(data: VoiceInput, *, actor_label: str = "citizen", new_token_if_reused: bool = False) -> Receipt:
    """Validate, mask and store a voice with its first event and routing job, then dispatch the job.

    Raises ``IntakeError`` for bad input; nothing is stored then. A second call with the same
    ``client_token`` and the same text (a double click) returns the first voice's receipt instead of
    storing twice. The same token with another text is not a double click, and never shows the other
    voice's receipt: it is refused, or with ``new_token_if_reused`` (a form sent again after going
    back and editing it) stored as a new voice under a new token.
    """
    result = validate(data)
    if not result.ok:
        raise IntakeError(result.errors)
    cleaned = result.cleaned
    reference_errors = check_references(cleaned)
    if reference_errors:
        raise IntakeError(reference_errors)
    token = cleaned.client_token or new_client_token()
    secret = current_app.config["SECRET_KEY"]

    existing = _voice_by_token(token)
    if existing is not None:
        if _same_submission(existing, cleaned):
            return Receipt(existing.id, existing.receipt_no, access_code_for(secret, token), duplicate=True)
        if not new_token_if_reused:
            raise IntakeError({"client_token": [TOKEN_REUSED]})
        token = new_client_token()

    code = access_code_for(secret, token)
    received_at = cleaned.received_at or utcnow()
    voice, masked_total = _build_voice(cleaned, token, code, received_at)
    db.session.add(voice)
    try:
        db.session.flush()
        voice.receipt_no = receipt_number(voice.id, received_at)
        db.session.add(_received_event(voice, cleaned, actor_label, masked_total))
        link_similar([voice])
        job = new_job(route_job_key(voice.id), ROUTE_JOB_KIND, voice_id=voice.id)
        db.session.commit()
    except IntegrityError:
        # Two concurrent requests with the same token: the other one won.
        db.session.rollback()
        winner = _voice_by_token(token)
        if winner is None:
            raise
        if not _same_submission(winner, cleaned):
            raise IntakeError({"client_token": [TOKEN_REUSED]}) from None
        return Receipt(winner.id, winner.receipt_no, code, duplicate=True)

    dispatch_committed([job.id])
    return Receipt(voice.id, voice.receipt_no, code)


def _voice_by_token(token: str) -> Voice | None:
    return db.session.scalar(select(Voice).where(Voice.client_token == token))


def _same_submission(voice: Voice, cleaned: VoiceInput) -> bool:
    """Whether ``voice`` is what ``cleaned`` would store: the same channel, subject and body."""
    return (voice.channel, voice.subject, voice.body) == (
        cleaned.channel, mask_my_numbers(cleaned.subject)[0], mask_my_numbers(cleaned.body)[0])


def classification_text(data: VoiceInput) -> str:
    """What the model will read of ``data`` once stored: the cleaned, masked subject and body, joined
    as ``routing.service.text_for_classification`` joins them."""
    cleaned = clean(data)
    subject, body = mask_my_numbers(cleaned.subject)[0], mask_my_numbers(cleaned.body)[0]
    return f"{subject}\n{body}" if subject else body


def stored_tokens(tokens: Sequence[str]) -> set[str]:
    """Which of ``tokens`` are already stored as a voice's ``client_token`` (an import's content keys).

    On PostgreSQL the lookup is told to use the unique index: while an import fills the table faster
    than autovacuum analyzes it, the planner takes the table for tiny and scans it once per token.
    """
    if not tokens:
        return set()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        return set(db.session.scalars(select(Voice.client_token).where(Voice.client_token.in_(list(tokens)))))
    finally:
        if postgres:
            db.session.execute(text("SET LOCAL enable_seqscan = on"))


def check_references(cleaned: VoiceInput, cache: dict | None = None) -> dict[str, list[str]]:
    """Field errors for a meeting or a staff-chosen 課 that does not exist (or is no longer active).

    ``cache`` (any dict) lets a batch look each meeting and 課 up once.
    """
    cache = {} if cache is None else cache
    errors: dict[str, list[str]] = {}
    if cleaned.meeting_id is not None:
        key = ("meeting", cleaned.meeting_id)
        if key not in cache:
            cache[key] = db.session.get(Meeting, cleaned.meeting_id) is not None
        if not cache[key]:
            errors["meeting_id"] = ["会合が見つかりません。一覧から選んでください。"]
    if cleaned.section_name:
        key = ("section", cleaned.section_name)
        if key not in cache:
            section = db.session.scalar(select(Section).where(Section.name == cleaned.section_name))
            cache[key] = section is not None and section.active
        if not cache[key]:
            errors["section_name"] = [f"担当課「{cleaned.section_name}」は登録されていません。一覧から選んでください。"]
    return errors


def _build_voice(cleaned: VoiceInput, token: str, code: str, received_at) -> tuple[Voice, int]:
    """A new Voice from cleaned input, with every マイナンバー masked; returns it and the mask count."""
    masked_total = 0

    def masked(text: str) -> str:
        nonlocal masked_total
        text, count = mask_my_numbers(text)
        masked_total += count
        return text

    voice = Voice(
        client_token=token,
        access_code_hash=hash_access_code(code),
        channel=cleaned.channel,
        voice_type=cleaned.voice_type,
        subject=masked(cleaned.subject),
        body=masked(cleaned.body),
        submitter_name=masked(cleaned.name),
        submitter_email=cleaned.email,
        submitter_phone=masked(cleaned.phone),
        district=masked(cleaned.district),
        age_group=cleaned.age_group,
        wants_reply=cleaned.wants_reply,
        consent_privacy=cleaned.consent_privacy,
        consent_publish=cleaned.consent_publish,
        status="received",
        created_by_id=cleaned.created_by_id,
        received_at=received_at,
        meeting_id=cleaned.meeting_id,
        speaker_category=masked(cleaned.speaker_category),
        chosen_section_name=cleaned.section_name,
    )
    return voice, masked_total


def _received_event(voice: Voice, cleaned: VoiceInput, actor_label: str, masked_total: int) -> VoiceEvent:
    data = {"channel": cleaned.channel, "my_numbers_masked": masked_total}
    if cleaned.meeting_id is not None:
        data["meeting_id"] = cleaned.meeting_id
    if cleaned.section_name:
        data["chosen_section"] = cleaned.section_name
    return VoiceEvent(voice_id=voice.id, kind="received", actor_id=cleaned.created_by_id,
                      actor_label=actor_label, data=data)


@dataclass
class BatchOutcome:
    """What ``submit_many`` did: the new voices' ids, their routing jobs, and how many were already stored."""

    voice_ids: list[int] = field(default_factory=list)
    job_ids: list[int] = field(default_factory=list)
    duplicates: int = 0


def submit_many(
    inputs: Sequence[VoiceInput], *, actor_label: str,
    route_in_transaction: Callable[[list[Voice], BulkRows], object] | None = None,
) -> BatchOutcome:
    """``submit`` for a batch (imports): the same validation, masking, numbering, events and routing jobs,
    in one transaction. Every input must carry a ``client_token``; inputs whose token is already stored
    (or repeated in the batch) are skipped and counted as duplicates. Any invalid input refuses the
    whole batch with ``IntakeError`` (errors keyed by the input's position) and stores nothing.

    ``route_in_transaction(voices, rows)`` (``routing.batch.route_new_voices`` for imports) routes the
    new voices before the commit, so they are stored and routed together and their outbox jobs are
    recorded as done; without it the routing jobs are dispatched after the commit, as ``submit`` does.
    """
    cleaned_inputs: list[VoiceInput] = []
    errors: dict[str, list[str]] = {}
    references: dict = {}
    for position, data in enumerate(inputs):
        if not data.client_token:
            raise ValueError("submit_many needs a client_token on every input")
        result = validate(data)
        problems = dict(result.errors) or check_references(result.cleaned, references)
        for name, messages in problems.items():
            errors.setdefault(str(position), []).extend(f"{name}: {m}" for m in messages)
        cleaned_inputs.append(result.cleaned)
    if errors:
        raise IntakeError(errors)

    outcome = BatchOutcome()
    tokens = [c.client_token for c in cleaned_inputs]
    stored = stored_tokens(tokens)
    secret = current_app.config["SECRET_KEY"]
    # On PostgreSQL the voices themselves go in by COPY too (their ids are drawn up front); elsewhere
    # the session inserts them, which numbers them.
    copy_voices = db.session.get_bind().dialect.name == "postgresql"
    fresh: list[tuple[Voice, VoiceInput, int]] = []
    for cleaned in cleaned_inputs:
        if cleaned.client_token in stored:
            outcome.duplicates += 1
            continue
        stored.add(cleaned.client_token)
        code = access_code_for(secret, cleaned.client_token)
        voice, masked_total = _build_voice(cleaned, cleaned.client_token, code, cleaned.received_at or utcnow())
        if not copy_voices:
            db.session.add(voice)
        fresh.append((voice, cleaned, masked_total))
    if not fresh:
        db.session.commit()
        return outcome
    assign_ids(voice for voice, _, _ in fresh)
    if any(voice.id is None for voice, _, _ in fresh):  # ids come from the insert (SQLite)
        db.session.flush()
    voices = [voice for voice, _, _ in fresh]
    # The high-volume rows go in as plain rows after the voices (models.bulk): received events first,
    # so each voice's events keep their order.
    rows = BulkRows()
    for voice, cleaned, masked_total in fresh:
        voice.receipt_no = receipt_number(voice.id, voice.received_at)
        event = _received_event(voice, cleaned, actor_label, masked_total)
        rows.add(VoiceEvent, voice_id=voice.id, kind=event.kind, actor_id=event.actor_id,
                 actor_label=event.actor_label, data=event.data, created_at=utcnow())
    jobs: list[JobRecord] = []
    if route_in_transaction is None:
        jobs = [new_job(route_job_key(v.id), ROUTE_JOB_KIND, voice_id=v.id) for v in voices]
    else:
        finished = utcnow()
        for voice in voices:
            rows.add(JobRecord, key=route_job_key(voice.id), kind=ROUTE_JOB_KIND, args={"voice_id": voice.id},
                     state="done", attempts=0, last_error="", created_at=finished, finished_at=finished)
    # Everything below reads other rows only; the voices are inserted once at the end, with their
    # final status, 課 and due date, which saves a round of UPDATEs.
    with db.session.no_autoflush:
        if route_in_transaction is not None:
            route_in_transaction(voices, rows)
        link_similar(voices, rows)
    if copy_voices:
        first = BulkRows()
        first.add_objects(voices)
        first.insert_all()
    db.session.flush()
    rows.insert_all()
    # Read the ids before the commit expires every object (reading them after would cost a query each).
    outcome.voice_ids = [voice.id for voice in voices]
    outcome.job_ids = [job.id for job in jobs]
    db.session.commit()
    if jobs:
        dispatch_committed(outcome.job_ids)
    return outcome
