"""The schedule engine: obligations are a pure function of (rules, records, today).

A rule says how often something must be done: every N days, weeks, months, quarters or
years. ``next_due`` adds that interval to the last time it was done (month ends clamp:
31 January + 1 month is 28 or 29 February); ``status`` tells done / due soon / overdue.
No daemon: pages and KPIs call these with today's date. Visits use it now; inspections,
drills and surveys build on the same functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from db.periods import ANCHOR, UNITS, add_interval, add_months, period_of, periods_between  # noqa: F401


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


# --- obligations: "a check every month" means one in each calendar month ---------------------

@dataclass(frozen=True)
class Obligation:
    period_start: date
    period_end: date
    status: str  # "done" | "due" | "soon" | "overdue"
    done_on: date | None


def obligations(done_dates: list[date], unit: str, every: int, today: date, since: date,
                lookback: int = 3, soon_days: int = 3) -> list[Obligation]:
    """The current period and up to ``lookback`` earlier ones (not before ``since``): done when a
    check falls inside; a past period without one is overdue; the current one is due, or soon
    when it ends within ``soon_days``."""
    current = period_of(today, unit, every)
    periods = [current]
    start = current[0]
    for _ in range(lookback):
        prev = period_of(start - timedelta(days=1), unit, every)
        if prev[1] < since:
            break
        periods.insert(0, prev)
        start = prev[0]
    out = []
    for p_start, p_end in periods:
        hits = [d for d in done_dates if p_start <= d <= p_end]
        if hits:
            out.append(Obligation(p_start, p_end, "done", max(hits)))
        elif p_end < today:
            out.append(Obligation(p_start, p_end, "overdue", None))
        else:
            out.append(Obligation(p_start, p_end, "soon" if (p_end - today).days < soon_days else "due", None))
    return out
