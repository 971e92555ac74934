"""Replies to citizens: draft → (section head) approve → send. Sending by e-mail runs as a job."""
from __future__ import annotations

from flask import current_app

from models import AWAITING_REPLY_STATES, EDITABLE_REPLY_STATES, REPLY_METHODS, Reply, User, Voice, db, utcnow
from models.outbox import dispatch_committed, new_job
from routing.history import record_event
from routing.mailer import MailNotConfigured, send_mail
from routing.service import RoutingError
from routing.workflow import load_voice
from voices.access import require

REPLY_MAX = 8000


def _load_reply(reply_id: int) -> tuple[Reply, Voice]:
    reply = db.session.get(Reply, reply_id, with_for_update=True)
    if reply is None:
        raise RoutingError("回答が見つかりません。")
    return reply, load_voice(reply.voice_id)


def save_draft(voice_id: int, body: str, actor: User, reply_id: int | None = None) -> Reply:
    """Create the voice's draft reply, or update a draft or returned one."""
    voice = load_voice(voice_id)
    require(actor, voice, "draft_reply")
    body = (body or "").strip()
    if not body:
        raise RoutingError("回答文を入力してください。")
    if len(body) > REPLY_MAX:
        raise RoutingError(f"回答文は{REPLY_MAX:,}文字以内で入力してください。")
    if voice.status not in ("assigned", "in_progress"):
        raise RoutingError("対応中の声にだけ回答を作成できます。")
    awaiting = next((r for r in voice.replies if r.state in AWAITING_REPLY_STATES), None)
    if awaiting is not None:
        if awaiting.body == body and reply_id in (None, awaiting.id):
            db.session.rollback()
            return awaiting  # a repeated click on 「承認を依頼する」
        if awaiting.state == "pending":
            raise RoutingError("この声の回答は承認待ちです。書き直すには、課長に差し戻してもらってください。")
        raise RoutingError("この声の回答は承認済みです。送付してください。")
    reply = db.session.get(Reply, reply_id) if reply_id else None
    if reply is not None and (reply.voice_id != voice.id or reply.state not in EDITABLE_REPLY_STATES):
        raise RoutingError("この回答は編集できません。")
    if reply is None:
        reply = next((r for r in voice.replies if r.state in EDITABLE_REPLY_STATES), None)
    if reply is None:
        reply = Reply(voice_id=voice.id, body=body, author_id=actor.id, state="draft")
        db.session.add(reply)
        db.session.flush()
        record_event(voice, "reply_drafted", {"reply_id": reply.id}, actor)
    else:
        reply.body = body
        reply.state = "draft"
    if voice.status == "assigned":  # writing an answer means the section has taken the voice on
        voice.status = "in_progress"
        voice.section_confirmed = True
    db.session.commit()
    return reply


def _refuse_unless_answerable(voice: Voice, doing: str) -> None:
    """A voice that is finished, or already has its answer, takes no further reply."""
    if voice.status in ("closed", "no_action"):
        raise RoutingError(f"対応が終わった声（完了・対応なし）の回答は{doing}できません。")
    if voice.status == "answered" or any(r.state == "sent" for r in voice.replies):
        raise RoutingError(f"この声には回答を送付済みです。別の回答は{doing}できません。")


def submit_for_approval(reply_id: int, actor: User) -> Reply:
    """Ask the section head to approve."""
    reply, voice = _load_reply(reply_id)
    require(actor, voice, "draft_reply")
    if reply.state == "pending":
        db.session.rollback()
        return reply
    _refuse_unless_answerable(voice, "承認依頼")
    if reply.state not in EDITABLE_REPLY_STATES:
        raise RoutingError("この回答は承認依頼できません。")
    reply.state = "pending"
    record_event(voice, "reply_submitted", {"reply_id": reply.id}, actor)
    db.session.commit()
    return reply


def approve(reply_id: int, actor: User) -> Reply:
    """The section head (or 広聴/admin) approves a pending reply."""
    reply, voice = _load_reply(reply_id)
    require(actor, voice, "approve_reply")
    if reply.state == "approved":
        db.session.rollback()
        return reply
    _refuse_unless_answerable(voice, "承認")
    if reply.state != "pending":
        raise RoutingError("承認待ちの回答だけを承認できます。")
    reply.state = "approved"
    reply.approver_id = actor.id
    reply.approved_at = utcnow()
    record_event(voice, "reply_approved", {"reply_id": reply.id}, actor)
    db.session.commit()
    return reply


def return_for_changes(reply_id: int, reason: str, actor: User) -> Reply:
    """The approver sends the reply back with a reason."""
    reply, voice = _load_reply(reply_id)
    require(actor, voice, "approve_reply")
    reason = (reason or "").strip()
    if not reason:
        raise RoutingError("差戻しの理由を入力してください。")
    if reply.state != "pending":
        raise RoutingError("承認待ちの回答だけを差し戻せます。")
    reply.state = "returned"
    reply.return_reason = reason
    record_event(voice, "reply_returned", {"reply_id": reply.id, "reason": reason}, actor)
    db.session.commit()
    return reply


def send(reply_id: int, method: str, actor: User) -> Reply:
    """Send an approved reply; by e-mail through a job, or record that it went by post, phone or counter."""
    reply, voice = _load_reply(reply_id)
    require(actor, voice, "send_reply")
    if reply.state == "sent":
        db.session.rollback()
        return reply
    _refuse_unless_answerable(voice, "送付")
    if reply.state != "approved":
        raise RoutingError("承認された回答だけを送付できます。")
    if method not in REPLY_METHODS:
        raise RoutingError("送付方法を選んでください。")
    if method == "email" and not voice.submitter_email:
        raise RoutingError("メールアドレスがないため、メールでは送付できません。")
    now = utcnow()
    reply.state, reply.method, reply.sent_at = "sent", method, now
    voice.status, voice.answered_at = "answered", now
    record_event(voice, "reply_sent", {"reply_id": reply.id, "method": REPLY_METHODS[method]}, actor)
    job = new_job(f"send_reply_email:{reply.id}", "send_reply_email", reply_id=reply.id) if method == "email" else None
    db.session.commit()
    if job is not None:
        dispatch_committed([job.id])
    return reply


def email_reply(reply_id: int) -> str:
    """Job body: e-mail a sent reply to the citizen once (``emailed_at`` makes reruns harmless)."""
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.state != "sent" or reply.method != "email":
        return "skipped"
    if reply.emailed_at is not None:
        return "already_sent"
    voice = db.session.get(Voice, reply.voice_id)
    city = current_app.config["CITY_NAME"]
    subject = f"【{city}】お寄せいただいた声への回答（受付番号 {voice.receipt_no}）"
    body = (
        f"{voice.submitter_name + ' 様' if voice.submitter_name else 'ご意見をお寄せいただいた方へ'}\n\n"
        f"{reply.body}\n\n"
        f"――――――――――\n受付番号：{voice.receipt_no}\n{city} {voice.section.name if voice.section else ''}\n"
        "このメールは送信専用です。\n"
    )
    try:
        message_id = send_mail(voice.submitter_email, subject, body)
    except MailNotConfigured:
        record_event(voice, "email_not_sent", {"reply_id": reply.id, "reason": "メール送信の設定がありません"})
        db.session.commit()
        return "not_configured"
    reply.emailed_at = utcnow()
    record_event(voice, "reply_emailed", {"reply_id": reply.id, "message_id": message_id})
    db.session.commit()
    return "sent"
