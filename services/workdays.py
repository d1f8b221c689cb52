"""China's working days, from the maintained ``chinese_calendar`` package (chinesecalendar, pinned
in requirements.txt): the State Council's public holidays and their make-up workdays (调休上班,
e.g. Sunday 2026-01-04 is a workday, 2026-02-17 in the Spring Festival is not) — never a list
typed by hand.

The package knows the years it has the State Council's notice for (``FIRST_YEAR``–``LAST_YEAR``).
For a year it does not cover, a day is a working day from Monday to Friday, and ``covered``
says so, so that a page can warn that such a limit is counted without that year's holidays.

Limits (``due``) are worked out on the committee's local wall-clock time; the caller converts
from and to the UTC it stores (services.complaints).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar

FIRST_YEAR = min(chinese_calendar.holidays).year
LAST_YEAR = max(chinese_calendar.holidays).year
UNITS = ("hours", "days", "workdays")
END_OF_DAY = time(23, 59, 59)


def covered(day: date) -> bool:
    """Whether the calendar holds the public holidays of ``day``'s year."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def is_workday(day: date) -> bool:
    """A working day as the State Council's calendar says (holidays off, make-up days on); in a
    year it does not cover, Monday to Friday."""
    if isinstance(day, datetime):
        day = day.date()
    if covered(day):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_workdays(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``day`` itself never counts; n = 0 is ``day``)."""
    if n < 0:
        raise ValueError(n)
    current = day
    while n:
        current += timedelta(days=1)
        if is_workday(current):
            n -= 1
    return current


def due(received: datetime, value: int, unit: str) -> datetime:
    """When a limit of ``value`` ``unit`` runs out for something received at ``received`` (local
    wall-clock time): hours are clock hours; days are calendar days and workdays working days,
    both counted from the day after the day of receipt, to the end of the last one (received on
    a Friday, 2 workdays: the end of Tuesday)."""
    if unit == "hours":
        return received + timedelta(hours=value)
    if unit == "days":
        return datetime.combine(received.date() + timedelta(days=value), END_OF_DAY)
    if unit == "workdays":
        return datetime.combine(add_workdays(received.date(), value), END_OF_DAY)
    raise ValueError(unit)


def uncovered_years(received: datetime, value: int, unit: str) -> list[int]:
    """The years a working-day limit runs into that the calendar does not cover (counted Monday to
    Friday): empty for hours and calendar days, which need no holidays."""
    if unit != "workdays":
        return []
    first, last = received.date(), due(received, value, unit).date()
    return [y for y in range(first.year, last.year + 1) if not FIRST_YEAR <= y <= LAST_YEAR]
