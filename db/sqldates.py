"""Calendar arithmetic in SQL, the twin of ``db.periods`` for SQLite and PostgreSQL: a date plus
an interval (month ends clamp — 31 January + 1 month is 28 or 29 February, as
``db.periods.add_months``) and the days between two dates. A list can then compute, filter and
sort "next due" in the database instead of in Python row by row.

The interval's size is a number the query is built with (a rule's ``every``), never a column."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement, literal_column, type_coerce

from db.periods import UNITS

_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class _add_days(FunctionElement):
    type = Date()
    inherit_cache = True
    name = "add_days"


class _add_months(FunctionElement):
    type = Date()
    inherit_cache = True
    name = "add_months"


class _days_between(FunctionElement):
    type = Integer()
    inherit_cache = True
    name = "days_between"


def add_interval(base, unit: str, every: int = 1):
    """``base`` plus ``every`` ``unit``s (day, week, month, quarter, year), as a date."""
    if unit not in UNITS:
        raise ValueError(unit)
    n = int(every)
    if unit in ("day", "week"):
        return type_coerce(_add_days(base, literal_column(str(n * (7 if unit == "week" else 1)))), Date)
    return type_coerce(_add_months(base, literal_column(str(n * _MONTHS[unit]))), Date)


def days_between(later, earlier):
    """Whole days from ``earlier`` to ``later`` (negative when ``later`` is earlier); a Python
    date is bound as a date (how many days a hazard or a rental check is overdue)."""
    wrap = (lambda v: literal(v, Date()) if isinstance(v, date) else v)
    return _days_between(wrap(later), wrap(earlier))


def _args(element, compiler, **kw):
    # each use of an argument is compiled on its own: SQLite's positional parameters must be
    # registered once per occurrence
    clauses = list(element.clauses)
    return lambda i: compiler.process(clauses[i], **kw)


@compiles(_add_days, "sqlite")
def _sqlite_days(element, compiler, **kw):
    arg = _args(element, compiler, **kw)
    return f"date({arg(0)}, '+' || {arg(1)} || ' days')"


@compiles(_add_days)
def _pg_days(element, compiler, **kw):
    arg = _args(element, compiler, **kw)
    return f"CAST(({arg(0)}) + {arg(1)} AS DATE)"


@compiles(_add_months, "sqlite")
def _sqlite_months(element, compiler, **kw):
    # SQLite's '+N months' rolls over (31 January + 1 month = 3 March): when the day of the month
    # changed, the month ended first, and its last day is the answer
    arg = _args(element, compiler, **kw)

    def moved():
        return f"date({arg(0)}, '+' || {arg(1)} || ' months')"
    return (f"(CASE WHEN strftime('%d', {moved()}) <> strftime('%d', {arg(0)}) "
            f"THEN date({moved()}, 'start of month', '-1 day') ELSE {moved()} END)")


@compiles(_add_months)
def _pg_months(element, compiler, **kw):
    arg = _args(element, compiler, **kw)  # PostgreSQL's date + interval clamps month ends itself
    return f"CAST(({arg(0)}) + make_interval(months => {arg(1)}) AS DATE)"


@compiles(_days_between, "sqlite")
def _sqlite_between(element, compiler, **kw):
    arg = _args(element, compiler, **kw)
    return f"CAST(julianday({arg(0)}) - julianday({arg(1)}) AS INTEGER)"


@compiles(_days_between)
def _pg_between(element, compiler, **kw):
    arg = _args(element, compiler, **kw)
    return f"(CAST({arg(0)} AS DATE) - CAST({arg(1)} AS DATE))"
