"""When is an answer due? 営業日 skip weekends, national holidays and the year-end closure."""
from datetime import date

import pytest

from routing.business_days import add_business_days, business_days_between, is_business_day


@pytest.mark.parametrize("day, expected", [
    (date(2026, 5, 3), False),   # 憲法記念日 (Sunday)
    (date(2026, 5, 6), False),   # 振替休日 for 5/3
    (date(2026, 5, 7), True),
    (date(2026, 12, 28), True),  # last working day of the year
    (date(2026, 12, 29), False),
    (date(2027, 1, 3), False),
    (date(2027, 1, 4), True),
    (date(2026, 11, 23), False),  # 勤労感謝の日
])
def test_which_days_are_working_days(day, expected):
    assert is_business_day(day) is expected


def test_ten_working_days_across_golden_week():
    # 4/28 (Tue): 4/29 昭和の日 skipped; 4/30, 5/1 count; 5/2–5/6 (weekend, みどりの日, こどもの日,
    # 振替休日) skipped; 5/7, 5/8, 5/11–5/15, 5/18 make ten.
    assert add_business_days(date(2026, 4, 28), 10) == date(2026, 5, 18)


def test_ten_working_days_across_the_year_end_closure():
    # 12/25 (Fri): 12/28 counts; 12/29–1/3 closed; 1/4–1/8 count; 1/11 成人の日 skipped; 1/12–1/15.
    assert add_business_days(date(2026, 12, 25), 10) == date(2027, 1, 15)


def test_received_on_a_holiday_counts_from_the_next_working_day():
    assert add_business_days(date(2026, 5, 3), 1) == date(2026, 5, 7)


def test_business_days_between_is_the_inverse():
    start = date(2026, 4, 28)
    assert business_days_between(start, add_business_days(start, 10)) == 10


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_business_days(date(2026, 4, 1), -1)
