"""The one entry point every channel calls to store a citizen voice."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import JobRecord, Voice, VoiceEvent, db, utcnow
from voices.pii import mask_my_numbers
from voices.receipt import access_code_for, hash_access_code, new_client_token, receipt_number
from voices.validation import VoiceInput, validate

ROUTE_JOB_KIND = "route_voice"


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


def submit(data: VoiceInput, *, actor_label: str = "citizen") -> Receipt:
    """Validate, mask and store a voice with its first event and routing job, then dispatch the job.

    Raises ``IntakeError`` for bad input; nothing is stored then. A second call with the same
    ``client_token`` (a double click) returns the first voice's receipt instead of storing twice.
    """
    result = validate(data)
    if not result.ok:
        raise IntakeError(result.errors)
    cleaned = result.cleaned
    token = cleaned.client_token or new_client_token()
    secret = current_app.config["SECRET_KEY"]

    existing = _voice_by_token(token)
    if existing is not None:
        return Receipt(existing.id, existing.receipt_no, access_code_for(secret, token), duplicate=True)

    masked_total = 0

    def masked(text: str) -> str:
        nonlocal masked_total
        text, count = mask_my_numbers(text)
        masked_total += count
        return text

    code = access_code_for(secret, token)
    received_at = cleaned.received_at or utcnow()
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
    )
    db.session.add(voice)
    try:
        db.session.flush()
        voice.receipt_no = receipt_number(voice.id, received_at)
        db.session.add(
            VoiceEvent(
                voice_id=voice.id,
                kind="received",
                actor_id=cleaned.created_by_id,
                actor_label=actor_label,
                data={"channel": cleaned.channel, "my_numbers_masked": masked_total},
            )
        )
        job = JobRecord(key=route_job_key(voice.id), kind=ROUTE_JOB_KIND, args={"voice_id": voice.id})
        db.session.add(job)
        db.session.commit()
    except IntegrityError:
        # Two concurrent requests with the same token: the other one won.
        db.session.rollback()
        winner = _voice_by_token(token)
        if winner is None:
            raise
        return Receipt(winner.id, winner.receipt_no, code, duplicate=True)

    _dispatch([job.id])
    return Receipt(voice.id, voice.receipt_no, code)


def _voice_by_token(token: str) -> Voice | None:
    return db.session.scalar(select(Voice).where(Voice.client_token == token))


def _dispatch(job_ids: list[int]) -> None:
    """Hand committed jobs to the app's dispatcher (RQ or in-process); the outbox keeps them otherwise."""
    dispatcher = current_app.extensions.get("mirai_dispatcher")
    if dispatcher is not None:
        dispatcher.dispatch(job_ids)
