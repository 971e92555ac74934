"""Voices as evidence for the reform plan: measures, action items, 反映済 and publication.

Each function checks ``allowed_actions(actor, voice)`` for ``measures``, changes the voice's links,
writes one event and commits once. Repeating an action that is already done changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from classifier import tokenize
from models import (
    ActionItem,
    Measure,
    User,
    Voice,
    VoiceActionItem,
    VoiceMeasure,
    VoicePublication,
    VoiceReflection,
    db,
    utcnow,
)
from routing.history import record_event
from routing.service import RoutingError
from routing.workflow import load_voice
from voices import rollups
from voices.access import require

REFLECTION_MAX = 2000
PUBLICATION_MAX = 4000


def _measure_code(code: str) -> str:
    code = (code or "").strip().upper()
    if db.session.scalar(select(Measure.id).where(Measure.code == code)) is None:
        db.session.rollback()
        raise RoutingError("改革項目を一覧から選んでください。")
    return code


def _voice_for(voice_id: int, actor: User) -> Voice:
    voice = load_voice(voice_id)
    require(actor, voice, "measures")
    return voice


def confirm_measure(voice_id: int, code: str, actor: User) -> Voice:
    """Staff confirm a measure (predicted or not): it becomes a staff label."""
    voice = _voice_for(voice_id, actor)
    code = _measure_code(code)
    link = db.session.get(VoiceMeasure, (voice.id, code))
    if link is not None and link.source == "staff":
        db.session.rollback()
        return voice
    if link is None:
        db.session.add(VoiceMeasure(voice_id=voice.id, measure_code=code, source="staff"))
        rollups.adjust_for_measure(voice, code, +1)
    else:
        link.source = "staff"
    record_event(voice, "measure_confirmed", {"measure": code}, actor)
    db.session.commit()
    return voice


add_measure = confirm_measure  # adding a measure by hand is confirming one the model did not predict


def remove_measure(voice_id: int, code: str, actor: User) -> Voice:
    """Staff remove a measure the voice does not inform."""
    voice = _voice_for(voice_id, actor)
    link = db.session.get(VoiceMeasure, (voice.id, (code or "").strip().upper()))
    if link is None:
        db.session.rollback()
        return voice
    db.session.delete(link)
    rollups.adjust_for_measure(voice, link.measure_code, -1)
    record_event(voice, "measure_removed", {"measure": link.measure_code}, actor)
    db.session.commit()
    return voice


def link_action_item(voice_id: int, action_item_id: int, actor: User) -> Voice:
    """Link the voice to an action item; the item's measure is confirmed on the voice too."""
    voice = _voice_for(voice_id, actor)
    item = db.session.get(ActionItem, action_item_id)
    if item is None:
        db.session.rollback()
        raise RoutingError("アクションプランの項目を一覧から選んでください。")
    if db.session.get(VoiceActionItem, (voice.id, item.id)) is not None:
        db.session.rollback()
        return voice
    db.session.add(VoiceActionItem(voice_id=voice.id, action_item_id=item.id, actor_id=actor.id))
    link = db.session.get(VoiceMeasure, (voice.id, item.measure.code))
    if link is None:
        db.session.add(VoiceMeasure(voice_id=voice.id, measure_code=item.measure.code, source="staff"))
        rollups.adjust_for_measure(voice, item.measure.code, +1)
    else:
        link.source = "staff"
    record_event(voice, "action_item_linked", {"action_item": item.code, "measure": item.measure.code}, actor)
    db.session.commit()
    return voice


def unlink_action_item(voice_id: int, action_item_id: int, actor: User) -> Voice:
    voice = _voice_for(voice_id, actor)
    link = db.session.get(VoiceActionItem, (voice.id, action_item_id))
    if link is None:
        db.session.rollback()
        return voice
    code = link.action_item.code
    db.session.delete(link)
    record_event(voice, "action_item_unlinked", {"action_item": code}, actor)
    db.session.commit()
    return voice


def mark_reflected(voice_id: int, content: str, actor: User) -> Voice:
    """反映済: record what the city did with the voice (反映内容); saving again updates the text."""
    voice = _voice_for(voice_id, actor)
    content = (content or "").strip()
    if not content:
        db.session.rollback()
        raise RoutingError("反映内容を入力してください。")
    if len(content) > REFLECTION_MAX:
        db.session.rollback()
        raise RoutingError(f"反映内容は{REFLECTION_MAX}文字以内で入力してください。")
    reflection = db.session.get(VoiceReflection, voice.id)
    if reflection is not None and reflection.content == content:
        db.session.rollback()
        return voice
    if reflection is None:
        db.session.add(VoiceReflection(voice_id=voice.id, content=content, actor_id=actor.id))
    else:
        reflection.content, reflection.actor_id, reflection.reflected_at = content, actor.id, utcnow()
    record_event(voice, "reflected", {"content": content}, actor)
    db.session.commit()
    return voice


def publish(voice_id: int, body: str, answer: str, actor: User) -> Voice:
    """Approve a staff-edited text of the voice and its answer for the public page (consent required)."""
    voice = _voice_for(voice_id, actor)
    if not voice.consent_publish:
        db.session.rollback()
        raise RoutingError("市民が公開に同意していない声は公開できません。")
    if voice.status not in ("answered", "closed"):
        db.session.rollback()
        raise RoutingError("回答済みか完了の声だけを公開できます。回答を送付してから公開してください。")
    body, answer = (body or "").strip(), (answer or "").strip()
    if not body or len(body) > PUBLICATION_MAX or len(answer) > PUBLICATION_MAX:
        db.session.rollback()
        raise RoutingError(f"公開する本文を{PUBLICATION_MAX}文字以内で入力してください。")
    if not answer:
        db.session.rollback()
        raise RoutingError("公開する回答を入力してください（みえる化には声と市の回答を並べて載せます）。")
    publication = db.session.get(VoicePublication, voice.id)
    if publication is None:
        db.session.add(VoicePublication(voice_id=voice.id, body=body, answer=answer, approved_by_id=actor.id))
    else:
        publication.body, publication.answer, publication.active = body, answer, True
        publication.approved_by_id, publication.approved_at = actor.id, utcnow()
    record_event(voice, "published", {}, actor)
    db.session.commit()
    return voice


def unpublish(voice_id: int, actor: User) -> Voice:
    voice = _voice_for(voice_id, actor)
    publication = db.session.get(VoicePublication, voice.id)
    if publication is None or not publication.active:
        db.session.rollback()
        return voice
    publication.active = False
    record_event(voice, "unpublished", {}, actor)
    db.session.commit()
    return voice


@dataclass(frozen=True)
class Suggestion:
    item: ActionItem
    score: float


def suggest_action_items(voice: Voice, limit: int = 3) -> list[Suggestion]:
    """The action items whose words overlap most with the voice's (Sudachi tokens), its measures first."""
    voice_tokens = set(voice.search_tokens.split()) if voice.search_tokens else set(tokenize(voice.body))
    if not voice_tokens:
        return []
    measures = set(db.session.scalars(select(VoiceMeasure.measure_code).where(VoiceMeasure.voice_id == voice.id)))
    linked = set(db.session.scalars(select(VoiceActionItem.action_item_id).where(VoiceActionItem.voice_id == voice.id)))
    scored = []
    for item in db.session.scalars(select(ActionItem)).all():
        if item.id in linked:
            continue
        item_tokens = set(_item_tokens(item.id, f"{item.title}\n{item.description}\n{item.kpi}"))
        if not item_tokens:
            continue
        overlap = len(voice_tokens & item_tokens) / (len(item_tokens) ** 0.5 * len(voice_tokens) ** 0.5)
        score = overlap + (0.1 if item.measure.code in measures else 0.0)
        if score > 0.05:
            scored.append(Suggestion(item, round(score, 3)))
    scored.sort(key=lambda s: (-s.score, s.item.code))
    return scored[:limit]


_item_token_cache: dict[tuple[int, str], list[str]] = {}


def _item_tokens(item_id: int, text: str) -> list[str]:
    key = (item_id, text)
    if key not in _item_token_cache:
        if len(_item_token_cache) > 5000:
            _item_token_cache.clear()
        _item_token_cache[key] = tokenize(text)
    return _item_token_cache[key]
