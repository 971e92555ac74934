"""Retention (DESIGN §8): when a finished voice's retention period has passed, its personal data is purged
and the voice itself stays, so that every count, trend and report keeps it.

The period is counted as public records are in Japanese municipalities: from April 1 of the 年度 after
the one in which the voice was finished (完了 or 対応なし; a voice answered but never marked 完了 counts
from its answer), for ``retention.years`` years (the administrator's setting, default 5). A voice
finished on 2026-06-10 (年度 2026) is purged from 2032-04-01 with 5 years; one finished on 2027-03-31
(still 年度 2026) on the same day.

What is purged:
- the submitter's name, e-mail address and phone number (emptied);
- the subject and body, the answers, the みえる化 texts, the 反映内容 and the staff's free text (notes,
  reasons, details) in assignments and in the voice's events: each is passed through
  ``voices.redact.redact`` with the submitter's name as a known name, which removes names, phone
  numbers, e-mail and street addresses, postal codes and マイナンバー;
- the search tokens, recomputed from the purged text, and explanation terms that were personal data.

What is kept: type, channel, 地区, 年代, 課, measures, dates and statuses (what planners count), and the
受付番号 with the hash of the 確認コード, so the citizen can still see that the voice was answered.
The voice records when it was purged, and a ``personal_data_purged`` event says so in its timeline.

Events are append-only for the application; this module is the one place that rewrites their free text,
with a SQL UPDATE, because the law's duty to erase outranks the log's.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update

from models import (
    Assignment,
    Voice,
    VoiceEvent,
    VoicePublication,
    VoiceReflection,
    audit,
    db,
    get_setting,
    utcnow,
)
from voices.redact import redact
from voices.search import search_tokens_for
from voices.stats import fiscal_year_of, jst_midnight

FINISHED = ("closed", "no_action", "answered")
FREE_TEXT_KEYS = ("text", "reason", "note", "detail", "content")  # what staff typed into an event
BATCH = 200


def retention_years() -> int:
    return int(get_setting("retention.years"))


def purge_date(finished_at: datetime, years: int) -> date:
    """The first day (JST) on which a voice finished at ``finished_at`` is purged."""
    return date(fiscal_year_of(finished_at) + 1 + years, 4, 1)


def due_query(now: datetime, years: int):
    """The ids of finished voices whose retention period is over at ``now`` and that still hold data:
    those finished before April 1 of the 年度 ``years`` before the current one."""
    cutoff = jst_midnight(date(fiscal_year_of(now) - years, 4, 1))
    finished_at = func.coalesce(Voice.closed_at, Voice.answered_at)
    return (select(Voice.id)
            .where(Voice.status.in_(FINISHED), finished_at.is_not(None), finished_at < cutoff,
                   Voice.personal_data_purged_at.is_(None))
            .order_by(Voice.id))


def count_due(now: datetime | None = None) -> int:
    """How many voices a purge at ``now`` would take (shown on the administrator's settings page)."""
    query = due_query(now or utcnow(), retention_years())
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


@dataclass(frozen=True)
class PurgeResult:
    years: int
    purged: int
    dry_run: bool


def purge_due(now: datetime | None = None, *, dry_run: bool = False,
              progress: Callable[[int], None] | None = None) -> PurgeResult:
    """Purge every voice whose period is over, in batches of 200 with one commit each (an interrupted
    run leaves each voice either purged or untouched, and the next run goes on)."""
    now = now or utcnow()
    years = retention_years()
    ids = list(db.session.scalars(due_query(now, years)))
    if dry_run:
        db.session.rollback()
        return PurgeResult(years, len(ids), True)
    receipts: list[str | None] = []
    for start in range(0, len(ids), BATCH):
        receipts += [purge_voice(voice_id, now, years) for voice_id in ids[start:start + BATCH]]
        db.session.commit()
        if progress:
            progress(min(start + BATCH, len(ids)))
    if ids:  # one row in the administrator's audit log per run; each voice's timeline has its own event
        audit(None, "retention.purge", "voice", "", voices=len(ids), years=years, receipt_numbers=receipts)
        db.session.commit()
    return PurgeResult(years, len(ids), False)


def purge_voice(voice_id: int, now: datetime, years: int) -> str | None:
    """Purge one voice's personal data in the current transaction (the caller commits); returns its
    受付番号 for the audit log."""
    voice = db.session.get(Voice, voice_id, with_for_update=True)
    if voice is None or voice.personal_data_purged_at is not None:
        return None
    names = [voice.submitter_name] if voice.submitter_name.strip() else []

    def clean(text: str | None) -> str:
        return redact(text, known_names=names)

    voice.subject, voice.body = clean(voice.subject)[:200], clean(voice.body)
    voice.search_tokens = search_tokens_for(f"{voice.subject}\n{voice.body}")
    voice.submitter_name = voice.submitter_email = voice.submitter_phone = ""
    for reply in voice.replies:
        reply.body = clean(reply.body)
        if reply.return_reason:  # the head's reason for sending it back may quote the citizen
            reply.return_reason = clean(reply.return_reason)
    for classification in voice.classifications:  # explanation terms are words of the text
        classification.explanation = [t for t in classification.explanation or [] if clean(t) == t]
    for assignment in db.session.scalars(select(Assignment).where(Assignment.voice_id == voice.id)):
        assignment.reason = clean(assignment.reason)
    for model, fields in ((VoicePublication, ("body", "answer")), (VoiceReflection, ("content",))):
        row = db.session.get(model, voice.id)
        for name in fields if row is not None else ():
            setattr(row, name, clean(getattr(row, name)))
    rewritten = 0
    for event_id, data in db.session.execute(
            select(VoiceEvent.id, VoiceEvent.data).where(VoiceEvent.voice_id == voice.id)).all():
        cleaned = {key: clean(value) if key in FREE_TEXT_KEYS and isinstance(value, str) else value
                   for key, value in (data or {}).items()}
        if cleaned != data:
            db.session.execute(update(VoiceEvent).where(VoiceEvent.id == event_id).values(data=cleaned),
                               execution_options={"synchronize_session": False})
            rewritten += 1
    voice.personal_data_purged_at = now
    db.session.add(VoiceEvent(voice_id=voice.id, kind="personal_data_purged", actor_label="system",
                              data={"retention_years": years, "events_rewritten": rewritten}))
    return voice.receipt_no
