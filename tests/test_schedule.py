"""The schedule engine: intervals across week, month, quarter and year ends and leap years."""
from datetime import date, timedelta

import pytest

from services.schedule import UNITS, add_interval, add_months, due, overdue_since


def test_month_ends_clamp():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # leap year
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_interval(date(2026, 11, 30), "quarter") == date(2027, 2, 28)
    assert add_interval(date(2028, 2, 29), "year") == date(2029, 2, 28)
    assert add_interval(date(2026, 12, 28), "week") == date(2027, 1, 4)


def test_due_statuses():
    assert due(date(2026, 1, 31), date(2025, 1, 1), "month", 1, date(2026, 2, 28)).status == "soon"
    late = due(date(2026, 1, 31), date(2025, 1, 1), "month", 1, date(2026, 3, 1))
    assert late.status == "overdue" and late.days_overdue == 1 and late.next_due == date(2026, 2, 28)
    assert due(None, date(2026, 11, 1), "week", 1, date(2026, 11, 9)).days_overdue == 1
    assert due(date(2026, 11, 20), date(2026, 1, 1), "week", 1, date(2026, 11, 23)).status == "ok"


@pytest.mark.parametrize("unit", UNITS)
def test_cutoff_agrees_with_next_due_every_day_of_four_years(unit):
    """overdue_since (used in SQL) and due (used per row) must agree for every date."""
    for offset in range(0, 4 * 366, 3):
        today = date(2025, 1, 1) + timedelta(days=offset)
        cut = overdue_since(today, unit, 1)
        for last in (cut - timedelta(days=1), cut, cut + timedelta(days=1)):
            assert (due(last, last, unit, 1, today).status == "overdue") == (last < cut), (today, unit, last)


def test_periods_across_week_quarter_and_year_ends_and_leap_days():
    from services.schedule import period_of, periods_between

    assert period_of(date(2026, 12, 31), "week") == (date(2026, 12, 28), date(2027, 1, 3))  # ISO week over new year
    assert period_of(date(2028, 2, 29), "month") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_of(date(2026, 3, 31), "quarter") == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_of(date(2026, 10, 1), "quarter") == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_of(date(2028, 12, 31), "year") == (date(2028, 1, 1), date(2028, 12, 31))
    assert period_of(date(2026, 7, 1), "month", 6) == (date(2026, 7, 1), date(2026, 12, 31))
    start, end = period_of(date(2028, 2, 29), "day", 15)
    assert (end - start).days == 14 and start <= date(2028, 2, 29) <= end
    blocks = periods_between(date(2027, 12, 20), date(2028, 3, 10), "day", 15)
    assert all((b[0] - a[1]).days == 1 for a, b in zip(blocks, blocks[1:]))  # contiguous, no gaps or overlaps
    assert len(periods_between(date(2028, 1, 1), date(2028, 12, 31), "week")) == 53
