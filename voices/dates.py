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

# What may follow the day: a weekday as calendars and ledgers print it (（水）, (水曜日)), then a time
# (10:30, 10:30:15, 10時, 10時30分, 午後2時), after a space or T, or straight after 日 or the weekday.
_TAIL = (
    r"\s*日?(?:\s*\(\s*(?P<weekday>[月火水木金土日])(?:曜日?)?\s*\))?"
    r"(?:(?:\s+|T|(?<=[日)]))(?P<half>午前|午後)?\s*(?P<hour>\d{1,2})"
    r"(?::(?P<minute>\d{2})(?::(?P<second>\d{2}))?|時(?:\s*(?P<jminute>\d{1,2})分)?(?:\s*(?P<jsecond>\d{1,2})秒)?))?$"
)
_DATE = re.compile(r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})" + _TAIL)
_COMPACT_DATE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
_ERA_DATE = re.compile(
    r"^(?P<era>令和|平成|R|H)\s*(?P<era_year>元|\d{1,2})\s*[年./-]\s*(?P<month>\d{1,2})\s*[月./-]\s*(?P<day>\d{1,2})"
    + _TAIL
)
_ERA_START = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988}
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_ERA_MONTH = re.compile(r"^(令和|平成|R|H)\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*月?$")
_WEEKDAYS = "月火水木金土日"


def parse_moment_text(text: str) -> datetime | None:
    """A date (and optional time) in JST: 2026-05-20, 2026/5/20 10:30, 令和8年5月20日（水）午後2時30分,
    R8.5.20, 20260520, 全角 digits too. None when it is not a real date, or its weekday is not that date's."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text) or _ERA_DATE.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    if parts.get("era"):
        year = _ERA_START[parts["era"]] + (1 if parts["era_year"] == "元" else int(parts["era_year"]))
    else:
        year = int(parts["year"])
    hour = int(parts.get("hour") or 0)
    if parts.get("half"):
        if hour > 12:
            return None
        hour = hour % 12 + (12 if parts["half"] == "午後" else 0)
    minute = parts.get("minute") or parts.get("jminute") or 0
    second = parts.get("second") or parts.get("jsecond") or 0
    try:
        moment = datetime(year, int(parts["month"]), int(parts["day"]), hour, int(minute), int(second), tzinfo=JST)
    except ValueError:
        return None
    if parts.get("weekday") and _WEEKDAYS[moment.weekday()] != parts["weekday"]:
        return None  # 2026年4月1日（木）: the date or the weekday is a typo, and we cannot tell which
    return moment


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
