"""The schedule engine: obligations are a pure function of (rules, records, today).

A rule says how often something must be done: every N days, weeks, months, quarters or
years. ``next_due`` adds that interval to the last time it was done (month ends clamp:
31 January + 1 month is 28 or 29 February); ``status`` tells done / due soon / overdue.
No daemon: pages and KPIs call these with today's date. Visits use it now; inspections,
drills and surveys build on the same functions.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Due:
    next_due: date
    status: str  # "ok" | "soon" | "overdue"
    days_overdue: int  # > 0 when overdue


def due(last_done: date | None, start: date, unit: str, every: int, today: date, soon_days: int = 2) -> Due:
    """When the next one is due and where it stands today. Never done: due one interval after
    ``start`` (e.g. the day the resident was tagged)."""
    next_due = add_interval(last_done or start, unit, every)
    if today > next_due:
        return Due(next_due, "overdue", (today - next_due).days)
    if (next_due - today).days <= soon_days:
        return Due(next_due, "soon", 0)
    return Due(next_due, "ok", 0)


def overdue_since(today: date, unit: str, every: int) -> date:
    """The cut-off: last done before this date means overdue today (for SQL filters)."""
    # next_due(last) < today  <=>  last < the date whose interval ends the day before today
    d = today - timedelta(days=1)
    if unit in ("day", "week"):
        return d - (timedelta(days=every) if unit == "day" else timedelta(weeks=every)) + timedelta(days=1)
    months = {"month": 1, "quarter": 3, "year": 12}[unit] * every
    candidate = add_months(d, -months)
    # month-end clamping: step forward while candidate + interval still lands before today
    while add_interval(candidate + timedelta(days=1), unit, every) < today:
        candidate += timedelta(days=1)
    return candidate + timedelta(days=1)
