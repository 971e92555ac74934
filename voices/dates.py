"""Dates as staff type them (2026/5/20, ２０２６-05-20, 令和8年5月20日) and the range a date may take."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
# Dates staff enter or import (受付日時, 開催日): anything earlier is a typo, not an old record.
EARLIEST_DATE = date(1990, 1, 1)
# Date filters beyond this make no sense (and 9999-12-31 + 1 day overflows).
LATEST_DATE = date(2100, 12, 31)
TOO_OLD = f"{EARLIEST_DATE.year}年以降の日付を入力してください。"
OUT_OF_RANGE = f"日付は{EARLIEST_DATE.year}年1月1日から{LATEST_DATE.year}年12月31日までの間で入力してください。"

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA_DATE = re.compile(
    r"^(令和|平成|R|H)\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_ERA_START = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}
# The day of the week as Japanese documents add it, 「令和8年4月3日（金）」: read past, not checked.
_WEEKDAY = re.compile(r"\s*\([月火水木金土日](?:曜日?)?\)")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_ERA_MONTH = re.compile(r"^(令和|平成|R|H)\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*月?$")


def parse_moment_text(text: str) -> datetime | None:
    """A date (and optional time) in JST: 2026-05-20, 2026/5/20 10:30, 令和8年5月20日, R8.5.20, 20260520,
    全角 digits too, with or without the day of the week (「（金）」). None when it is not a real date."""
    text = _WEEKDAY.sub("", unicodedata.normalize("NFKC", text or "")).strip()
    try:
        if match := _DATE.match(text):
            year, month, day, hour, minute, second = match.groups()
        elif match := _COMPACT_DATE.match(text):
            (year, month, day), hour, minute, second = match.groups(), None, None, None
        elif match := _ERA_DATE.match(text):
            era, era_year, month, day, hour, minute, second = match.groups()
            year = _ERA_START[era] + (1 if era_year == "元" else int(era_year))
        else:
            return None
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                        tzinfo=JST)
    except ValueError:
        return None


def parse_date_text(text: str) -> date | None:
    """The day of ``parse_moment_text``: 2026/5/20 and 2026-05-20 are the same day."""
    moment = parse_moment_text(text)
    return moment.date() if moment else None


def parse_month_text(text: str) -> date | None:
    """The first day of a month as typed where a browser has no month picker: 2025-04, 2025/4, 2025年4月,
    令和7年4月, R7.4, 202504, 全角 digits too; a whole date gives its month. None when it is no month."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if match := _MONTH.match(text) or _COMPACT_MONTH.match(text):
        year, month = int(match[1]), int(match[2])
    elif match := _ERA_MONTH.match(text):
        year, month = _ERA_START[match[1]] + (1 if match[2] == "元" else int(match[2])), int(match[3])
    else:
        day = parse_date_text(text)
        return day.replace(day=1) if day else None
    try:
        return date(year, month, 1)
    except ValueError:
        return None


def in_range(day: date) -> bool:
    """Whether ``day`` lies between EARLIEST_DATE and LATEST_DATE (inclusive)."""
    return EARLIEST_DATE <= day <= LATEST_DATE
