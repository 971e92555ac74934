"""What section staff do with a voice: accept, forward, involve other sections, note, close.

Each function checks the actor's permission, changes the voice, writes its events and commits once.
Repeating an action that is already done (a double click) changes nothing.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import (
    AWAITING_REPLY_STATES,
    EDITABLE_REPLY_STATES,
    Assignment,
    Section,
    User,
    Voice,
    VoiceEvent,
    VoiceMeasure,
    db,
    get_setting,
    utcnow,
)
from routing.history import assign_primary, record_event
from routing.service import RoutingError
from voices import rollups
from voices.access import OPEN_STATES, allowed_actions, require

NO_ACTION_REASONS = {"duplicate": "重複", "spam": "迷惑・いたずら", "out_of_scope": "市の所管外"}
RELATED_ROLES = {"consult": "協議", "inform": "情報共有"}
NOTE_MAX = 2000


def load_voice(voice_id: int) -> Voice:
    """The voice, locked for update on databases that support it."""
    voice = db.session.get(Voice, voice_id, with_for_update=True)
    if voice is None:
        raise RoutingError("対象の声が見つかりません。")
    return voice


def _active_section(section_id: int | None) -> Section:
    section = db.session.get(Section, section_id) if section_id else None
    if section is None or not section.active:
        raise RoutingError("課を一覧から選んでください。")
    return section


def accept(voice_id: int, actor: User) -> Voice:
    """受理: the section takes the voice on (assigned → in_progress) and confirms it is theirs."""
    voice = load_voice(voice_id)
    require(actor, voice, "accept")
    if voice.status == "in_progress":
        db.session.rollback()
        return voice
    if voice.status != "assigned":
        raise RoutingError("担当課が決まった声だけを受理できます。")
    voice.status = "in_progress"
    voice.section_confirmed = True
    record_event(voice, "accepted", {"section": voice.section.name}, actor)
    db.session.commit()
    return voice


def bulk_accept(voice_ids: list[int], actor: User) -> int:
    """Accept several voices; returns how many changed. Voices the actor may not accept are skipped."""
    changed = 0
    for voice_id in voice_ids:
        voice = db.session.get(Voice, voice_id)
        if voice is None or voice.status != "assigned" or "accept" not in allowed_actions(actor, voice):
            continue
        accept(voice_id, actor)
        changed += 1
    return changed


def forwarded_moments_ago(voice_id: int, section_id: int | None, actor: User) -> bool:
    """Whether ``actor`` forwarded the voice to that section within the last minute (and it is still there):
    a repeated click, which finds the voice gone from the actor's section and so no longer theirs to forward."""
    voice = db.session.get(Voice, voice_id)
    if voice is None or section_id is None or voice.section_id != section_id:
        return False
    latest = db.session.scalar(
        select(VoiceEvent).where(VoiceEvent.voice_id == voice_id, VoiceEvent.kind == "forwarded")
        .order_by(VoiceEvent.id.desc()).limit(1)
    )
    return (latest is not None and latest.actor_id == actor.id
            and latest.created_at >= utcnow() - timedelta(minutes=1))


def forward(voice_id: int, section_id: int, reason: str, actor: User) -> Voice:
    """Hand the voice to another section; the reason is required and the forward is counted.
    Forwarded to the 広聴 desk, it goes back to triage for 広聴 to route again."""
    voice = load_voice(voice_id)
    if forwarded_moments_ago(voice_id, section_id, actor):
        db.session.rollback()
        return voice  # the same click again: checked before ``require``, which the first forward now refuses
    require(actor, voice, "forward")
    reason = (reason or "").strip()
    if not reason:
        raise RoutingError("転送する理由を入力してください。")
    if voice.status not in OPEN_STATES:
        raise RoutingError("対応が終わった声は転送できません。")
    target = _active_section(section_id)
    if target.id == voice.section_id:
        db.session.rollback()
        return voice  # already there: a repeated click
    source = voice.section
    assignment = assign_primary(voice, target, decided_by="staff", reason=reason, actor=actor)
    assignment.forwarded_from_id = source.id if source else None
    # Forwarded to the 広聴 desk, a voice is handed back for routing ("not ours"), not given to 秘書広報課
    # to answer: it waits on the triage list, and 秘書広報課 is no staff-confirmed label for the model.
    back_to_triage = target.is_hearing
    voice.status = "triage" if back_to_triage else "assigned"
    voice.section_confirmed = not back_to_triage
    voice.forward_count += 1
    record_event(voice, "forwarded", {
        "from": source.name if source else None, "section": target.name, "reason": reason,
        "count": voice.forward_count,
    }, actor)
    if voice.forward_count >= int(get_setting("tarai.alert_forwards")):
        record_event(voice, "tarai_alert", {"count": voice.forward_count})
    # The answer is now the new section's to write and its head's to approve, not the old section's draft.
    _withdraw_unsent_replies(voice, f"{target.name}へ転送したため", actor)
    db.session.commit()
    return voice


def add_related(voice_id: int, section_id: int, role: str, actor: User, note: str = "") -> Voice:
    """Involve another section: 協議 (they must act) or 情報共有 (for information)."""
    voice = load_voice(voice_id)
    require(actor, voice, "relate")
    if role not in RELATED_ROLES:
        raise RoutingError("関係課の種類を選んでください。")
    section = _active_section(section_id)
    if section.id == voice.section_id:
        raise RoutingError("担当課そのものは関係課にできません。")
    for existing in voice.assignments:
        if existing.active and existing.section_id == section.id and existing.role == role:
            db.session.rollback()
            return voice
    db.session.add(Assignment(voice_id=voice.id, section_id=section.id, role=role, decided_by="staff",
                              reason=(note or "").strip(), actor_id=actor.id))
    record_event(voice, "related_added", {"section": section.name, "role": RELATED_ROLES[role],
                                          "note": (note or "").strip()}, actor)
    db.session.commit()
    return voice


def add_note(voice_id: int, text: str, actor: User) -> Voice:
    """An internal note (never shown to the citizen). The same note twice within a minute is kept once."""
    voice = load_voice(voice_id)
    require(actor, voice, "note")
    text = (text or "").strip()
    if not text:
        raise RoutingError("メモを入力してください。")
    if len(text) > NOTE_MAX:
        raise RoutingError(f"メモは{NOTE_MAX:,}文字以内で入力してください。")
    recent = db.session.scalar(
        select(VoiceEvent).where(
            VoiceEvent.voice_id == voice.id, VoiceEvent.kind == "note", VoiceEvent.actor_id == actor.id,
            VoiceEvent.created_at >= utcnow() - timedelta(minutes=1),
        ).order_by(VoiceEvent.id.desc())
    )
    if recent is not None and recent.data.get("text") == text:
        db.session.rollback()
        return voice
    record_event(voice, "note", {"text": text}, actor)
    db.session.commit()
    return voice


def _withdraw_unsent_replies(voice: Voice, why: str, actor: User) -> None:
    """A finished or forwarded voice gets no further answer from these replies: its drafts and replies
    awaiting approval or sending are withdrawn, each recorded on the timeline. Part of the caller's
    transaction."""
    for reply in voice.replies:
        if reply.state in (*EDITABLE_REPLY_STATES, *AWAITING_REPLY_STATES):
            reply.state = "withdrawn"
            record_event(voice, "reply_withdrawn", {"reply_id": reply.id, "reason": why}, actor)


def close(voice_id: int, actor: User) -> Voice:
    """完了: after the answer was sent, or at once when no answer was wanted."""
    voice = load_voice(voice_id)
    require(actor, voice, "close")
    if voice.status == "closed":
        db.session.rollback()
        return voice
    if voice.status != "answered" and not (voice.status == "in_progress" and not voice.wants_reply):
        raise RoutingError("回答を送付してから完了にしてください（回答を希望しない声は対応中から完了にできます）。")
    voice.status = "closed"
    voice.closed_at = utcnow()
    voice.section_confirmed = True
    record_event(voice, "closed", {"section": voice.section.name if voice.section else None}, actor)
    _withdraw_unsent_replies(voice, "完了にしたため", actor)
    db.session.commit()
    return voice


def mark_no_action(voice_id: int, reason: str, actor: User, detail: str = "") -> Voice:
    """対応なし: a duplicate, spam, or a matter outside the city's remit; the reason is required."""
    voice = load_voice(voice_id)
    require(actor, voice, "no_action")
    if voice.status == "no_action":
        db.session.rollback()
        return voice
    if reason not in NO_ACTION_REASONS:
        raise RoutingError("対応なしの理由を選んでください。")
    if voice.status not in OPEN_STATES:
        raise RoutingError("対応が終わった声は変更できません。")
    voice.status = "no_action"
    voice.no_action_reason = reason
    voice.closed_at = utcnow()
    if not rollups.is_counted(voice):  # spam or a duplicate: out of the planners' and the public's counts
        rollups.forget_voice(voice, list(db.session.scalars(
            select(VoiceMeasure.measure_code).where(VoiceMeasure.voice_id == voice.id))))
    record_event(voice, "no_action", {"reason": NO_ACTION_REASONS[reason], "detail": (detail or "").strip()}, actor)
    _withdraw_unsent_replies(voice, "対応なしにしたため", actor)
    db.session.commit()
    return voice


def record_personal_data_view(voice: Voice, actor: User) -> None:
    """Audit that ``actor`` was shown the submitter's personal data."""
    record_event(voice, "personal_data_viewed", {}, actor)
    db.session.commit()
