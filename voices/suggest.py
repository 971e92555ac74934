"""What the counter's live panel shows while staff type: likely 課, measures and similar past voices."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select

import classifier
from models import Measure, User, Voice, db, label_targets, ranked_targets
from voices.access import visible_voices
from voices.redact import redact
from voices.similar import similar_to_text

JST = ZoneInfo("Asia/Tokyo")
MIN_TEXT = 8  # characters before suggesting anything: a few words say nothing yet
SNIPPET = 80


@dataclass(frozen=True)
class SimilarItem:
    voice_id: int
    receipt_no: str
    received_on: str
    status_label: str
    section: str
    snippet: str  # redacted; empty where the user may not open the voice
    score: float
    visible: bool


@dataclass
class Suggestions:
    """The panel's content; empty lists when the text is too short to judge."""

    sections: list[dict] = field(default_factory=list)  # [{"name": 課, "score": 0.71}, …] best first
    measures: list[dict] = field(default_factory=list)  # [{"code": "M5-2", "title": …}, …]
    similar: list[SimilarItem] = field(default_factory=list)
    model_version: str = ""

    def as_json(self) -> dict:
        return {"sections": self.sections, "measures": self.measures, "model_version": self.model_version,
                "similar": [asdict(item) for item in self.similar]}


def suggestions_for(text: str, user: User) -> Suggestions:
    """Top-3 課 with scores, likely measures and up to 3 similar earlier voices for ``text``.

    A similar voice shows its text only to a ``user`` who may open it, and then with personal data
    replaced: the panel is read at the counter, where the citizen across the desk can see the screen."""
    text = (text or "").strip()
    if len(text) < MIN_TEXT:
        return Suggestions()
    prediction = classifier.predict(text)
    titles = dict(db.session.execute(
        select(Measure.code, Measure.title).where(Measure.code.in_(list(prediction.measures)))).all())
    result = Suggestions(
        # by the 課 that handle them now: after a 機構改革 a label may stand for a renamed or merged 課
        sections=[{"name": section.name, "score": round(score, 3)}
                  for section, score in ranked_targets(prediction.section_top, label_targets())],
        measures=[{"code": code, "title": titles.get(code, "")} for code in prediction.measures],
        model_version=prediction.model_version,
    )
    matches = similar_to_text(text)
    ids = [m.voice_id for m in matches]
    voices = {v.id: v for v in db.session.scalars(select(Voice).where(Voice.id.in_(ids)))}
    visible = set(db.session.scalars(visible_voices(user).with_only_columns(Voice.id).where(Voice.id.in_(ids))))
    for match in matches:
        voice = voices.get(match.voice_id)
        if voice is None:
            continue
        result.similar.append(SimilarItem(
            voice_id=voice.id, receipt_no=voice.receipt_no or "", received_on=voice.received_at.astimezone(JST).date().isoformat(),
            status_label=voice.status_label, section=voice.section.name if voice.section else "",
            snippet=_snippet(voice) if voice.id in visible else "", score=match.score, visible=voice.id in visible,
        ))
    return result


def _snippet(voice: Voice) -> str:
    """The start of ``voice``'s body on one line, personal data replaced (its submitter's name too)."""
    head = " ".join(voice.body.split())[:SNIPPET * 3]  # redact a little more than is shown: no name cut in two
    text = redact(head, known_names=[voice.submitter_name] if voice.submitter_name else [])
    return text[:SNIPPET] + ("…" if len(text) > SNIPPET or len(voice.body) > len(head) else "")
