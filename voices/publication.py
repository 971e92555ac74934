"""Published voices for the public page: only consented, staff-approved texts, redacted again on the way out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from models import Voice, VoiceMeasure, VoicePublication, db
from voices.redact import redact

JST = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class PublishedVoice:
    received: date
    voice_type: str
    body: str
    answer: str
    measures: list[str]


def published_voices(limit: int = 20, offset: int = 0) -> tuple[list[PublishedVoice], int]:
    """The newest approved publications (citizen consented) and how many there are in all."""
    base = (select(VoicePublication, Voice).join(Voice, Voice.id == VoicePublication.voice_id)
            .where(VoicePublication.active.is_(True), Voice.consent_publish.is_(True)))
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(base.order_by(VoicePublication.approved_at.desc()).limit(limit).offset(offset)).all()
    ids = [v.id for _, v in rows]
    measures: dict[int, list[str]] = {}
    if ids:
        for voice_id, code in db.session.execute(select(VoiceMeasure.voice_id, VoiceMeasure.measure_code)
                                                 .where(VoiceMeasure.voice_id.in_(ids))
                                                 .order_by(VoiceMeasure.measure_code)):
            measures.setdefault(voice_id, []).append(code)
    return [PublishedVoice(v.received_at.astimezone(JST).date(), v.voice_type,
                           redact(p.body, [v.submitter_name]), redact(p.answer, [v.submitter_name]),
                           measures.get(v.id, [])) for p, v in rows], total or 0
