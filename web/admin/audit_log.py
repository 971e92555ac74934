"""Read-only queries of the audit viewer: administrator actions (AuditLog) and voice events (VoiceEvent)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from models import AuditLog, User, Voice, VoiceEvent, db
from voices.status import normalize_receipt_no

JST = ZoneInfo("Asia/Tokyo")
PER_PAGE = 50
TABS = {"audit": "管理操作", "events": "声の経過"}

ACTION_LABELS = {
    "department.create": "部の追加", "department.update": "部の変更",
    "section.create": "課の追加", "section.update": "課の変更",
    "user.create": "職員の追加", "user.update": "職員の変更", "user.deactivate": "職員の無効化",
    "user.password_reset": "パスワード再設定", "user.unlock": "ロック解除",
    "user.sessions_end": "セッションの終了",
    "rule.create": "ルールの追加", "rule.update": "ルールの変更", "rule.deactivate": "ルールの削除（無効化）",
    "setting.update": "設定の変更",
    "user.login": "ログイン", "user.locked": "アカウントのロック",
    "template.create": "回答文例の追加", "template.update": "回答文例の変更",
    "template.deactivate": "回答文例の無効化",
    "retention.purge": "保存期間を過ぎた個人情報の消去",
    "api_token.issue": "API トークンの発行", "api_token.revoke": "API トークンの無効化",
}


@dataclass(frozen=True)
class Filters:
    """What the administrator narrowed the list to; empty values mean no filter."""

    action: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None
    receipt_no: str = ""


def jst_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Aware datetimes covering the JST days from ``date_from`` to ``date_to`` inclusive (end exclusive)."""
    start = datetime.combine(date_from, time.min, JST) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, JST) if date_to else None
    return start, end


def _matching_user_ids(actor: str) -> Select:
    return select(User.id).where(or_(User.login_id == actor, User.display_name.contains(actor, autoescape=True)))


def _voice_for(receipt_no: str) -> Voice | None:
    """The voice of a 受付番号 as typed, read as the status page reads it."""
    number = normalize_receipt_no(receipt_no)
    return db.session.scalar(select(Voice).where(Voice.receipt_no == number)) if number else None


def audit_query(filters: Filters) -> Select:
    """AuditLog rows matching ``filters``, newest first."""
    query = select(AuditLog).options(selectinload(AuditLog.actor))
    if filters.action:
        query = query.where(AuditLog.action == filters.action)
    if filters.actor:
        query = query.where(AuditLog.actor_id.in_(_matching_user_ids(filters.actor)))
    start, end = jst_bounds(filters.date_from, filters.date_to)
    if start:
        query = query.where(AuditLog.created_at >= start)
    if end:
        query = query.where(AuditLog.created_at < end)
    if filters.receipt_no:
        voice = _voice_for(filters.receipt_no)
        query = query.where(false()) if voice is None else query.where(
            AuditLog.target_type == "voice", AuditLog.target_id.in_((str(voice.id), voice.receipt_no)))
    return query.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())


def event_query(filters: Filters) -> Select:
    """VoiceEvent rows matching ``filters``, newest first."""
    query = select(VoiceEvent).options(selectinload(VoiceEvent.voice))
    if filters.action:
        query = query.where(VoiceEvent.kind == filters.action)
    if filters.actor:
        query = query.where(or_(VoiceEvent.actor_id.in_(_matching_user_ids(filters.actor)),
                                VoiceEvent.actor_label.contains(filters.actor, autoescape=True)))
    start, end = jst_bounds(filters.date_from, filters.date_to)
    if start:
        query = query.where(VoiceEvent.created_at >= start)
    if end:
        query = query.where(VoiceEvent.created_at < end)
    if filters.receipt_no:
        voice = _voice_for(filters.receipt_no)
        query = query.where(false()) if voice is None else query.where(VoiceEvent.voice_id == voice.id)
    return query.order_by(VoiceEvent.created_at.desc(), VoiceEvent.id.desc())


def action_choices(tab: str) -> list[SelectChoice]:
    """The actions (or event kinds) that occur in the log, for the filter's select."""
    from flask import current_app

    if tab == "events":
        labels = current_app.jinja_env.globals.get("event_labels", {})
        kinds = db.session.scalars(select(VoiceEvent.kind).distinct().order_by(VoiceEvent.kind)).all()
    else:
        labels = ACTION_LABELS
        kinds = db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    return [SelectChoice("", "すべて")] + [SelectChoice(k, f"{labels.get(k, k)}（{k}）") for k in kinds]


def _short(value: Any) -> str:
    if value is None:
        return "（なし）"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def describe(data: dict[str, Any]) -> list[str]:
    """One readable line per recorded value; before/after pairs as ``key: before → after``."""
    lines = []
    before, after = data.get("before"), data.get("after")
    if isinstance(after, dict):
        for key, value in after.items():
            if isinstance(before, dict):
                lines.append(f"{key}: {_short(before.get(key))} → {_short(value)}")
            else:
                lines.append(f"{key}: {_short(value)}")
    elif "after" in data:
        lines.append(f"{_short(before)} → {_short(after)}")
    for key, value in data.items():
        if key not in ("before", "after"):
            lines.append(f"{key}: {_short(value)}")
    return lines
