"""Fixture voices for planner tests: known dates around the 年度 boundary, and text full of personal data."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import ActionItem, Measure, Section, Voice, VoiceMeasure, db

JST = ZoneInfo("Asia/Tokyo")

# Personal data written into fixture voices; none of it may reach a planner or the public.
PII_BODY = (
    "山田太郎と申します。妻の佐藤花子も同じ意見です。連絡は090-1234-5678か、自宅０２９７－５８－２１１１へ。"
    "メールは taro.yamada@example.jp です。住所は〒300-2395 つくばみらい市陽光台1丁目2番3号、"
    "実家は紫峰ヶ丘4-5-6です。マイナンバーは１２３４ ５６７８ ９０１８、子は1234-5678-9018。"
    "市役所の手続きをオンラインで申請できるようにしてほしいです。"
)
PII_STRINGS = (
    "山田", "太郎", "佐藤", "花子", "090-1234-5678", "０２９７－５８－２１１１", "taro.yamada", "example.jp",
    "300-2395", "1丁目2番3号", "4-5-6", "１２３４ ５６７８ ９０１８", "1234-5678-9018", "123456789018",
)
SUBMITTER = "山田 太郎"


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


def add_voice(received_at: datetime, measures: list[str], body: str = "手続きをオンライン化してほしい。",
              **fields) -> Voice:
    """Store a voice directly (no routing) with the given measures."""
    voice = Voice(access_code_hash="x" * 64, client_token=uuid.uuid4().hex, channel=fields.pop("channel", "web"),
                  voice_type=fields.pop("voice_type", "要望"), body=body, received_at=received_at,
                  status=fields.pop("status", "assigned"), **fields)
    db.session.add(voice)
    db.session.flush()
    for code in measures:
        db.session.add(VoiceMeasure(voice_id=voice.id, measure_code=code, source="model"))
    db.session.commit()
    return voice


def boundary_voices() -> dict[str, int]:
    """Six voices whose 年度 and JST month are known by hand.

    FY2024: M5-3 ×1 (3/31 23:30 JST). FY2025: M5-3 ×1, M5-2 ×2, M1-1 ×1. FY2026: M1-1 ×1.
    The first two are both on 2025-03-31 in UTC, so counting by UTC date would put them in one 年度.
    """
    section = db.session.scalar(select(Section).where(Section.name == "企画政策課"))
    ids = {
        "v1": add_voice(jst(2025, 3, 31, 23, 30), ["M5-3"], district="伊奈", age_group="40代").id,
        "v2": add_voice(jst(2025, 4, 1, 0, 10), ["M5-3", "M5-2"], district="谷和原", age_group="30代",
                        section_id=section.id, channel="counter").id,
        "v3": add_voice(jst(2025, 6, 15, 10, 0), ["M5-2"], district="伊奈", age_group="30代",
                        section_id=section.id, voice_type="提案").id,
        "v4": add_voice(jst(2026, 3, 31, 12, 0), ["M1-1"]).id,
        "v5": add_voice(jst(2026, 4, 1, 9, 0), ["M1-1"]).id,
        "v6": add_voice(jst(2025, 5, 10, 9, 0), []).id,
    }
    return ids


def action_item(code: str, measure_code: str, title: str, description: str = "", section: str = "企画政策課",
                status: str = "in_progress") -> ActionItem:
    measure_id = db.session.scalar(select(Measure.id).where(Measure.code == measure_code))
    section_id = db.session.scalar(select(Section.id).where(Section.name == section))
    item = ActionItem(code=code, measure_id=measure_id, section_id=section_id, title=title, description=description,
                      start_fiscal_year=2025, end_fiscal_year=2027, status=status, kpi="オンライン申請率 50%")
    db.session.add(item)
    db.session.commit()
    return item


def pii_voices(count: int = 3, measure: str = "M5-2") -> list[int]:
    """Voices in 2025年度 whose text and submitter fields are full of personal data."""
    ids = []
    for i in range(count):
        voice = add_voice(jst(2025, 7, 1 + i, 10, 0), [measure], body=PII_BODY, subject="山田太郎からの要望",
                          submitter_name=SUBMITTER, submitter_email="taro.yamada@example.jp",
                          submitter_phone="090-1234-5678", district="陽光台", age_group="40代",
                          search_tokens=" 山田 太郎 佐藤 花子 taro yamada example jp 手続き オンライン 申請 ",
                          consent_publish=True)
        ids.append(voice.id)
    return ids
