"""Calendar arithmetic shared by the schedule engine (services/schedule.py) and the demo
generator; it lives under db/ so that db/ never imports services/ (its SQL twins are in
db/sqldates.py)."""
from __future__ import annotations

import calendar
from datetime import date, timedelta


UNITS = ("day", "week", "month", "quarter", "year")


def add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def add_interval(d: date, unit: str, every: int = 1) -> date:
    if unit == "day":
        return d + timedelta(days=every)
    if unit == "week":
        return d + timedelta(weeks=every)
    if unit == "month":
        return add_months(d, every)
    if unit == "quarter":
        return add_months(d, 3 * every)
    if unit == "year":
        return add_months(d, 12 * every)
    raise ValueError(unit)


ANCHOR = date(2000, 1, 3)  # a Monday: day- and week-based periods count from here


def period_of(d: date, unit: str, every: int = 1) -> tuple[date, date]:
    """The period (first day, last day) that contains ``d``: ISO weeks, calendar months,
    quarters and years, or blocks of ``every`` days/weeks counted from a fixed Monday."""
    if unit == "day" or (unit == "week" and every > 1):
        length = every * (7 if unit == "week" else 1)
        n = (d - ANCHOR).days // length
        start = ANCHOR + timedelta(days=n * length)
        return start, start + timedelta(days=length - 1)
    if unit == "week":
        start = d - timedelta(days=d.weekday())
        return start, start + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * every
    index = (d.year * 12 + d.month - 1) // months * months
    start = date(index // 12, index % 12 + 1, 1)
    end = add_months(start, months) - timedelta(days=1)
    return start, end


def periods_between(first: date, last: date, unit: str, every: int = 1) -> list[tuple[date, date]]:
    out = []
    start, end = period_of(first, unit, every)
    while start <= last:
        out.append((start, end))
        start, end = period_of(end + timedelta(days=1), unit, every)
    return out

