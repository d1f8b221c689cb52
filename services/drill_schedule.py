"""Drill obligations as rules (DrillRule rows) through the schedule engine (services.schedule):
which drills each community owes — a fire drill at least yearly, every six months in a fire-safety
key unit, each plan type at least yearly — done, due, due soon or overdue; the drill-completion KPI
(held ÷ required) and the mean evacuation time.

A rule of kind ``drill_type`` is met by a held (or evaluated) drill of that type; one of kind
``plan_type`` by a held drill testing a plan of that type. In a key unit a ``key_unit`` row replaces
the row for all communities of the same kind and value. Obligations begin in the period holding the
community's first drill record (or the day it was added, if earlier): before it the committee was
not keeping the ledger here, so a missing drill then is not counted as missed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import reference
from db.declarations import Context
from db.models import Community
from db.models.drills import DRILL, DRILL_TYPES, PLAN_TYPES, Drill, DrillRule, EmergencyPlan
from db.periods import period_of, periods_between
from services import audit, clock, ledgers, schedule, settings
from services.access import SYSTEM, Actor, community_clause, require
from services.errors import ValidationError

DONE_STATES = ("held", "evaluated")


def clean_rule(ctx: Context, values: dict) -> None:
    allowed = DRILL_TYPES if values.get("kind") == "drill_type" else PLAN_TYPES
    if values.get("value") not in allowed:
        raise ValidationError({"value": "drlrule.err_value"})


def seed_rules(session: Session, actor: Actor = SYSTEM) -> int:
    """The shipped rules (db/reference/drills.yaml) that are not there yet — never one an admin
    changed or deleted (a deleted row stays, soft-deleted, and is not brought back)."""
    have = {(r.kind, r.value, r.applies) for r in session.execute(select(DrillRule)).scalars()}
    added = 0
    for spec in reference.load("drills")["rules"]:
        key = (spec["kind"], spec["value"], spec["applies"])
        if key in have:
            continue
        rule = DrillRule(kind=spec["kind"], value=spec["value"], applies=spec["applies"], rule_unit=spec["unit"],
                         rule_every=spec["every"], active=True, note=spec.get("note"),
                         created_by=actor.username, updated_by=actor.username)
        session.add(rule)
        session.flush()
        audit.record(session, actor, "create", "drill_rule", rule.id, None, audit.snapshot(rule))
        added += 1
    return added


@dataclass(frozen=True)
class Rule:
    kind: str
    value: str
    unit: str
    every: int


def _months(unit: str, every: int) -> int:
    return {"month": 1, "quarter": 3, "year": 12}[unit] * every


def rules_for(rows: list[DrillRule], key_unit: bool) -> list[Rule]:
    """The rules one community follows: per (kind, value), the key-unit row where the community is a
    key unit and such a row exists, else the row for all."""
    picked: dict[tuple[str, str], DrillRule] = {}
    for r in rows:
        if r.applies == "key_unit" and not key_unit:
            continue
        k = (r.kind, r.value)
        if k not in picked or (r.applies == "key_unit" and picked[k].applies == "all"):
            picked[k] = r
    return [Rule(r.kind, r.value, r.rule_unit, r.rule_every) for _, r in sorted(picked.items())]


def _active_rules(session: Session) -> list[DrillRule]:
    return list(session.execute(select(DrillRule).where(DrillRule.deleted_at.is_(None), DrillRule.active.is_(True))
                                .order_by(DrillRule.kind, DrillRule.value)).scalars())


def _communities(session: Session, actor: Actor, community_ids=None) -> list[tuple[int, str, bool, date]]:
    conds = [Community.deleted_at.is_(None), community_clause(actor, Community.id)]
    if community_ids is not None:
        conds.append(Community.id.in_(sorted(community_ids)))
    first = dict(session.execute(select(Drill.community_id, func.min(Drill.planned_on))
                                 .where(Drill.deleted_at.is_(None)).group_by(Drill.community_id)).all())
    out = []
    for c in session.execute(select(Community).where(*conds).order_by(Community.code)).scalars():
        since = c.created_at.date()
        if first.get(c.id):
            since = min(since, first[c.id])
        out.append((c.id, c.name, bool(c.fire_key_unit), since))
    return out


def _held(session: Session, actor: Actor, community_ids: list[int], since: date) -> dict[tuple, list[date]]:
    """(community, kind, value) -> the days drills meeting it were held."""
    out: dict[tuple, list[date]] = {}
    if not community_ids:
        return out
    rows = session.execute(
        select(Drill.community_id, Drill.drill_type, EmergencyPlan.plan_type, Drill.held_on)
        .outerjoin(EmergencyPlan, EmergencyPlan.id == Drill.plan_id)
        .where(Drill.deleted_at.is_(None), Drill.status.in_(DONE_STATES), Drill.held_on.isnot(None),
               Drill.held_on >= since, Drill.community_id.in_(community_ids), *ledgers.scope(DRILL, actor)))
    for cid, drill_type, plan_type, held_on in rows:
        out.setdefault((cid, "drill_type", drill_type), []).append(held_on)
        if plan_type:
            out.setdefault((cid, "plan_type", plan_type), []).append(held_on)
    return out


@dataclass(frozen=True)
class DrillDue:
    community_id: int
    community: str
    kind: str
    value: str
    unit: str
    every: int
    period_start: date
    period_end: date
    status: str  # done | due | soon | overdue
    done_on: date | None
    last_done: date | None


ORDER = {"overdue": 0, "soon": 1, "due": 2, "done": 3}


def obligations(session: Session, actor: Actor, today: date | None = None, lookback: int = 3,
                community_ids=None) -> list[DrillDue]:
    """The drills every rule asks of every community the actor sees, for the current period and up
    to ``lookback`` earlier ones."""
    require(actor, "drills", "view")
    today = today or clock.today()
    soon = int(settings.get(session, "schedule.soon_days"))
    rows = _active_rules(session)
    comms = _communities(session, actor, community_ids)
    if not rows or not comms:
        return []
    longest = max(_months(r.rule_unit, r.rule_every) for r in rows)
    horizon = period_of(today, "month", 1)[0] - timedelta(days=31 * longest * (lookback + 1))
    held = _held(session, actor, [c[0] for c in comms], horizon)
    out = []
    for cid, name, key_unit, since in comms:
        for rule in rules_for(rows, key_unit):
            dates = held.get((cid, rule.kind, rule.value), [])
            last = max(dates) if dates else None
            for ob in schedule.obligations(dates, rule.unit, rule.every, today, since, lookback, soon):
                out.append(DrillDue(cid, name, rule.kind, rule.value, rule.unit, rule.every, ob.period_start,
                                    ob.period_end, ob.status, ob.done_on, last))
    return sorted(out, key=lambda d: (ORDER[d.status], d.period_end, d.community, d.kind, d.value))


def completion(session: Session, scope, start: date, end: date, today: date,
               by: str | None = None) -> tuple[int, int] | dict:
    """Obligations whose period ended inside [start, end] (and before today), and how many of them
    a drill met — the drill-completion KPI. ``by="value"`` gives {(kind, value): (done, due)}."""
    last_day = min(end, today - timedelta(days=1))
    rows = _active_rules(session)
    comms = _communities(session, scope.actor, scope.community_ids)
    cells: dict[tuple[str, str], list[int]] = {}
    if rows and comms and last_day >= start:
        longest = max(_months(r.rule_unit, r.rule_every) for r in rows)
        held = _held(session, scope.actor, [c[0] for c in comms], start - timedelta(days=31 * longest))
        for cid, _name, key_unit, since in comms:
            for rule in rules_for(rows, key_unit):
                dates = held.get((cid, rule.kind, rule.value), [])
                for p_start, p_end in periods_between(start, last_day, rule.unit, rule.every):
                    if p_end < start or p_end > last_day or p_end < since:
                        continue
                    cell = cells.setdefault((rule.kind, rule.value), [0, 0])
                    cell[1] += 1
                    cell[0] += any(p_start <= d <= p_end for d in dates)
    if by == "value":
        return {k: (v[0], v[1]) for k, v in sorted(cells.items())}
    return sum(v[0] for v in cells.values()), sum(v[1] for v in cells.values())


def kpi_completion(session: Session, scope, start: date, end: date, today: date) -> tuple[int, int]:
    return completion(session, scope, start, end, today)


def kpi_evacuation(session: Session, scope, start: date, end: date, today: date) -> tuple[float, int]:
    """(Σ evacuation minutes, drills with one) of the drills held in the period: the mean."""
    total, n = session.execute(select(func.coalesce(func.sum(Drill.evacuation_minutes), 0), func.count()).where(
        Drill.deleted_at.is_(None), Drill.status.in_(DONE_STATES), Drill.evacuation_minutes.isnot(None),
        Drill.held_on.between(start, min(end, today)), *scope.communities(Drill.community_id))).one()
    return float(total), int(n)


def first_drill(session: Session, scope) -> date | None:
    return session.execute(select(func.min(Drill.planned_on)).where(
        Drill.deleted_at.is_(None), *scope.communities(Drill.community_id))).scalar_one()


def completion_by_year(session: Session, actor: Actor, years: list[int], today: date | None = None,
                       community_ids=None) -> list[dict]:
    """Held ÷ required per rule (drill type or plan type) and calendar year (periods ended by
    yesterday): the drills page's chart and table."""
    from services.kpis import Scope

    require(actor, "drills", "view")
    today = today or clock.today()
    scope = Scope(actor, frozenset(community_ids) if community_ids is not None else None)
    out = []
    for y in years:
        # periods that have ended: a year still running shows its half-years ended so far
        cells = completion(session, scope, date(y, 1, 1), date(y, 12, 31), today, by="value")
        for (kind, value), (done, due) in cells.items():
            out.append({"year": str(y), "kind": kind, "value": value, "done": done, "due": due,
                        "rate": round(100 * done / due, 1) if due else None})
    return out
