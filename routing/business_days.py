"""営業日 arithmetic: the one helper that knows when the city offices are open."""
from __future__ import annotations

from datetime import date, timedelta

import jpholiday


def is_year_end_closure(day: date) -> bool:
    """True from 12/29 to 1/3, when the city offices are closed (年末年始)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    """A weekday that is neither a national holiday (incl. 振替休日) nor in the year-end closure."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not is_year_end_closure(day)


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` 営業日 after ``start`` (``start`` itself is day 0, whatever it is)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: date, end: date) -> int:
    """How many 営業日 lie after ``start`` up to and including ``end`` (0 if end ≤ start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_business_day(current):
            count += 1
    return count
