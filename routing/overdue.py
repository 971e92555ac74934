"""Overdue voices: who is late, escalation to 広聴, and the daily digest to section heads."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import Select, select

from models import Assignment, Section, User, Voice, db, get_setting, utcnow
from routing.business_days import add_business_days
from routing.history import record_event
from routing.mailer import MailNotConfigured, send_mail
from routing.service import hearing_section

WAITING_STATES = ("triage", "assigned", "in_progress")


def overdue_query(today: date) -> Select[tuple[Voice]]:
    """Voices still waiting for an answer after their due date."""
    return select(Voice).where(Voice.status.in_(WAITING_STATES), Voice.due_date < today)


def escalate_overdue(today: date) -> int:
    """Share voices overdue by the administrator's number of 営業日 with 広聴, once each."""
    days = int(get_setting("escalation.days_overdue"))
    hearing = hearing_section()
    escalated = 0
    for voice in db.session.scalars(overdue_query(today).where(Voice.escalated_at.is_(None))):
        if add_business_days(voice.due_date, days) >= today:
            continue
        voice.escalated_at = utcnow()
        if voice.section_id != hearing.id:
            db.session.add(Assignment(voice_id=voice.id, section_id=hearing.id, role="inform",
                                      decided_by="rule", reason=f"回答期限を{days}営業日超過"))
        record_event(voice, "escalated", {"section": hearing.name, "due_date": voice.due_date.isoformat(),
                                          "days_overdue": days})
        escalated += 1
    db.session.commit()
    return escalated


def send_overdue_digests(today: date) -> int:
    """E-mail each section head the list of their 課's overdue voices; returns e-mails sent."""
    by_section: dict[int, list[Voice]] = defaultdict(list)
    for voice in db.session.scalars(overdue_query(today).order_by(Voice.due_date)):
        by_section[voice.section_id].append(voice)
    sent = 0
    city = current_app.config["CITY_NAME"]
    for section_id, voices in by_section.items():
        section = db.session.get(Section, section_id)
        heads = db.session.scalars(select(User).where(
            User.section_id == section_id, User.role == "section_head", User.active.is_(True), User.email != ""))
        lines = [f"・{v.receipt_no}（期限 {v.due_date:%Y/%m/%d}）{v.voice_type} {(v.subject or v.body)[:40]}"
                 for v in voices]
        body = (f"{section.name} 御中\n\n回答期限を過ぎた市民の声が {len(voices)} 件あります。\n\n"
                + "\n".join(lines) + "\n\nみらいボイスで対応状況をご確認ください。\n")
        for head in heads:
            try:
                send_mail(head.email, f"【{city} みらいボイス】期限超過 {len(voices)} 件（{section.name}）", body)
            except MailNotConfigured:
                return sent
            sent += 1
    return sent
