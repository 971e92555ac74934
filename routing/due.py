"""Due dates of voices, in 営業日 from the day they were received (JST)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from models import get_setting
from routing.business_days import add_business_days

JST = ZoneInfo("Asia/Tokyo")


def due_days_for(voice_type: str) -> int:
    """The answer time in 営業日 the administrator set for ``voice_type``."""
    table = get_setting("due_days")
    return int(table.get(voice_type, table.get("default", 10)))


def due_date_for(received_at: datetime, voice_type: str) -> date:
    """When an answer to a voice of ``voice_type`` received at ``received_at`` is due."""
    return add_business_days(received_at.astimezone(JST).date(), due_days_for(voice_type))
