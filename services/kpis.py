"""The KPI registry: one declaration per indicator. The dashboard tiles, trend charts, the
report and the tests all read it; adding a KPI is one declaration plus its test.

Each KPI is one SQL aggregate (numerator and denominator) over a set of communities (and the
actor's grids) and a period; its target is a settings row; the traffic light is green at or above
target, amber within 5 points, red below. A zero denominator is "no data", never 0 %.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from db.models import Resident, ResidentTag, Visit, VisitRule
from db.models.places import Grid
from db.models.safety import Facility, Hazard, Inspection
from db.models.volunteers import Activity, Team, Volunteer, VolunteerLog
from db.periods import period_of, periods_between
from services import checklists, clock, complaints, drill_schedule, schedule, settings
from services.access import Actor, community_clause, grid_clause

PERIODS = ("month", "quarter", "year")


@dataclass(frozen=True)
class Scope:
    """What a KPI is computed over: the actor's reach, narrowed to ``community_ids``."""

    actor: Actor
    community_ids: frozenset[int] | None  # None: every community the actor sees

    def communities(self, column):
        conds = [community_clause(self.actor, column)]
        if self.community_ids is not None:
            conds.append(column.in_(sorted(self.community_ids)))
        return conds

    def grids(self, column):
        return [grid_clause(self.actor, column)]


@dataclass(frozen=True)
class KPI:
    key: str
    label: str  # catalog key
    unit: str  # "%", "h", "min" or "分" (the composite score's points)
    target_key: str | None  # settings row with the target (None: a trend, no target)
    higher_is_better: bool
    # (numerator, denominator); None for a KPI made of the others' values (``compose``)
    compute: Callable[[Session, Scope, date, date, date], tuple[float, float]] | None
    drill_page: str
    drill_params: dict = field(default_factory=dict)
    scale: float = 100.0  # value = numerator / denominator × scale
    # the first day its data source holds anything in the scope (None: nothing yet); a period
    # ending before it has no value rather than a 0 — the committee had not started keeping it
    begins: Callable[[Session, Scope], date | None] | None = None
    # a KPI computed from the other KPIs' values of the same scope and period (the composite
    # score): compose(session, scope, {key: Value}) -> (numerator, denominator)
    compose: Callable[[Session, Scope, dict], tuple[float, float]] | None = None
    counts: bool = True  # numerator and denominator are counts a tile shows ("12/14")


@dataclass
class Value:
    kpi: KPI
    numerator: float
    denominator: float
    target: float | None
    min_n: int = 0  # a rate over fewer cases than this says so instead of turning red

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return round(self.numerator / self.denominator * self.kpi.scale, 1)

    @property
    def too_few(self) -> bool:
        return bool(self.denominator) and self.denominator < self.min_n

    @property
    def light(self) -> str | None:
        """green / amber / red against the target, or None without data or target."""
        v = self.value
        if v is None or self.target is None or self.too_few:
            return None
        gap = (v - self.target) if self.kpi.higher_is_better else (self.target - v)
        if gap >= 0:
            return "green"
        return "amber" if gap >= -5 else "red"


# --- the aggregates ---------------------------------------------------------------------------

def _first_visit(s: Session, scope: Scope) -> date | None:
    in_scope = select(Resident.id).where(*scope.communities(Resident.community_id), *scope.grids(Resident.grid_id))
    return s.execute(select(func.min(Visit.visit_date)).where(Visit.deleted_at.is_(None),
                                                             Visit.resident_id.in_(in_scope))).scalar_one()


def _first_log(s: Session, scope: Scope) -> date | None:
    return s.execute(select(func.min(VolunteerLog.log_date)).where(
        *scope.communities(VolunteerLog.community_id), VolunteerLog.deleted_at.is_(None))).scalar_one()


def _service_coverage(s: Session, scope: Scope, start: date, end: date, today: date):
    base = [Resident.deleted_at.is_(None), Resident.status == "active", *scope.communities(Resident.community_id),
            *scope.grids(Resident.grid_id)]
    den = s.execute(select(func.count()).select_from(Resident).where(*base)).scalar_one()
    in_scope = select(Resident.id).where(*base)  # evaluated once, then a lookup per visit
    num = s.execute(select(func.count(func.distinct(Visit.resident_id))).where(
        Visit.visit_date.between(start, end), Visit.deleted_at.is_(None), Visit.resident_id.in_(in_scope))).scalar_one()
    return num, den


def _special_coverage(s: Session, scope: Scope, start: date, end: date, today: date):
    """Special-group residents not overdue for a visit at the end of the period (or today)."""
    as_of = min(end, today)
    rules = {r.tag: (r.unit, r.every) for r in s.execute(select(VisitRule).where(VisitRule.deleted_at.is_(None))).scalars()}
    if scope.actor.role not in ("admin", "manager"):
        from db.models.residents import restricted_groups

        rules = {k: v for k, v in rules.items() if k not in restricted_groups()}
    if not rules:
        return 0, 0
    # overdue exactly as the due-visit list says: the next visit fell due before this day
    cutoff = case(*[(ResidentTag.tag == tag, literal(schedule.overdue_since(as_of, u, e))) for tag, (u, e) in rules.items()])
    last = (select(func.max(Visit.visit_date)).where(Visit.resident_id == Resident.id, Visit.deleted_at.is_(None),
                                                     Visit.visit_date <= as_of).correlate(Resident).scalar_subquery())
    base = [Resident.deleted_at.is_(None), Resident.status == "active", *scope.communities(Resident.community_id),
            *scope.grids(Resident.grid_id), ResidentTag.tag.in_(list(rules))]
    den = s.execute(select(func.count(func.distinct(ResidentTag.resident_id))).join(
        Resident, Resident.id == ResidentTag.resident_id).where(*base)).scalar_one()
    overdue = s.execute(select(func.count(func.distinct(ResidentTag.resident_id))).join(
        Resident, Resident.id == ResidentTag.resident_id).where(*base, func.coalesce(last, ResidentTag.since) < cutoff)
    ).scalar_one()
    return den - overdue, den


def _inspection_completion(s: Session, scope: Scope, start: date, end: date, today: date,
                           only: str | None = None):
    """Scheduled checks whose period ended inside the window, and how many of them were done: one
    per facility for a facility checklist, one per grid for an area checklist (the weekly hygiene
    round, the grid patrol) — each counted from the day its facility or grid was added. ``only``:
    one checklist category (the grid patrol's days done ÷ due)."""
    last_day = min(end, today - timedelta(days=1))
    rules = checklists.rules(s)
    if only is not None:
        rules = {c: r for c, r in rules.items() if c == only}
    if last_day < start:
        return 0, 0
    fac = s.execute(select(Facility.id, Facility.category, Facility.created_at).where(
        Facility.deleted_at.is_(None), Facility.status != "停用", *scope.communities(Facility.community_id),
        *scope.grids(Facility.grid_id))).all()
    area = [c for c, (_, _, target) in rules.items() if target == "area"]
    grids = s.execute(select(Grid.id, Grid.created_at).where(
        Grid.deleted_at.is_(None), *scope.communities(Grid.community_id), *scope.grids(Grid.id))).all() \
        if area else []
    periods_cache: dict[str, list[tuple[date, date]]] = {}

    def periods(category: str) -> list[tuple[date, date]]:
        if category not in periods_cache:
            unit, every, _ = rules[category]
            periods_cache[category] = [p for p in periods_between(start - timedelta(days=400), last_day, unit, every)
                                       if start <= p[1] <= last_day]
        return periods_cache[category]

    # (category, facility or grid id) -> the first days of the periods it owes a check for
    owed: dict[tuple[str, int], set[date]] = {}

    def owe(category: str, target_id: int, created) -> None:
        created_day = created.date() if hasattr(created, "date") else created
        firsts = {p[0] for p in periods(category) if p[1] >= created_day}
        if firsts:
            owed[(category, target_id)] = firsts

    for fid, category, created in fac:
        if category in rules and category not in area:
            owe(category, fid, created)
    for category in area:
        for gid, created in grids:
            owe(category, gid, created)
    due = sum(len(v) for v in owed.values())
    if not due:
        return 0, 0
    conds = [Inspection.status == "submitted", Inspection.deleted_at.is_(None),
             *scope.communities(Inspection.community_id), *scope.grids(Inspection.grid_id)]
    done = 0
    for category, ps in periods_cache.items():
        if not ps:
            continue
        target = Inspection.grid_id if category in area else Inspection.facility_id
        # the checks made for a period owed: one per target and period, however many were made
        pairs = s.execute(select(target, Inspection.period_start).where(
            *conds, target.isnot(None), Inspection.category == category,
            Inspection.period_start.in_([p[0] for p in ps]),
            *([Inspection.facility_id.is_(None)] if category in area else [])).distinct()).all()
        done += sum(1 for tid, first in pairs if first in owed.get((category, tid), ()))
    return done, due


def _patrol_completion(s: Session, scope: Scope, start: date, end: date, today: date):
    """The grid patrol (网格巡查): patrol days done ÷ due, a day per grid."""
    return _inspection_completion(s, scope, start, end, today, only="grid_patrol")


def _rectification(severity: str):
    def compute(s: Session, scope: Scope, start: date, end: date, today: date):
        last_day = min(end, today)
        base = [Hazard.deleted_at.is_(None), Hazard.severity == severity, Hazard.deadline.between(start, last_day),
                *scope.communities(Hazard.community_id), *scope.grids(Hazard.grid_id)]
        on_time = func.sum(case((and_(Hazard.status == "closed", Hazard.closed_on <= Hazard.deadline), 1), else_=0))
        n, k = s.execute(select(func.count(), on_time).where(*base)).one()
        return int(k or 0), n
    return compute


def _volunteer_hours(s: Session, scope: Scope, start: date, end: date, today: date):
    hours = s.execute(select(func.coalesce(func.sum(VolunteerLog.hours), 0)).where(
        *scope.communities(VolunteerLog.community_id), VolunteerLog.status == "verified",
        VolunteerLog.log_date.between(start, end), VolunteerLog.deleted_at.is_(None))).scalar_one()
    people = s.execute(select(func.count()).select_from(Volunteer).where(
        Volunteer.deleted_at.is_(None), Volunteer.status == "active",
        *scope.communities(Volunteer.community_id))).scalar_one()
    return float(hours), people


def _volunteer_share(s: Session, scope: Scope, start: date, end: date, today: date):
    """Registered volunteers (active, joined by the period's end) ÷ active residents, per community
    (volunteers belong to a community, not a grid, so a grid worker sees the community's share)."""
    as_of = min(end, today)
    volunteers = s.execute(select(func.count()).select_from(Volunteer).where(
        Volunteer.deleted_at.is_(None), Volunteer.status == "active", Volunteer.joined_on <= as_of,
        *scope.communities(Volunteer.community_id))).scalar_one()
    residents = s.execute(select(func.count()).select_from(Resident).where(
        Resident.deleted_at.is_(None), Resident.status == "active",
        *scope.communities(Resident.community_id))).scalar_one()
    return volunteers, residents


def _team_grids(s: Session, scope: Scope, start: date, end: date, today: date):
    """Grids with at least one volunteer team ÷ grids."""
    grids = [Grid.deleted_at.is_(None), *scope.communities(Grid.community_id), *scope.grids(Grid.id)]
    with_team = select(Team.id).where(Team.grid_id == Grid.id, Team.deleted_at.is_(None)).exists()
    n, k = s.execute(select(func.count(), func.sum(case((with_team, 1), else_=0))).select_from(Grid)
                     .where(*grids)).one()
    return int(k or 0), n


def _turnout(s: Session, scope: Scope, start: date, end: date, today: date):
    actual, target = s.execute(select(func.coalesce(func.sum(Activity.actual_turnout), 0),
                                      func.coalesce(func.sum(Activity.target_turnout), 0)).where(
        Activity.deleted_at.is_(None), Activity.status.in_(("held", "evaluated")), Activity.actual_turnout.isnot(None),
        Activity.activity_date.between(start, end), *scope.communities(Activity.community_id))).one()
    return float(actual), float(target)


def _satisfaction(s: Session, scope: Scope, start: date, end: date, today: date):
    from services import surveys

    return surveys.satisfaction_kpi(s, scope, start, end, today)


def _actions_on_time(s: Session, scope: Scope, start: date, end: date, today: date):
    from services import actions

    return actions.on_time(s, scope, start, end, today)


# --- the composite community score --------------------------------------------------------------

def weight_key(key: str) -> str:
    """The settings row holding KPI ``key``'s weight in the composite score (a settings key, no
    catalog key: the targets page names it by "setting.<row>")."""
    return ".".join(("kpi", key, "weight"))


def _one(scope: Scope) -> int | None:
    """The one community a scope is narrowed to (its own targets and weights apply), else None."""
    ids = scope.community_ids
    return next(iter(ids)) if ids and len(ids) == 1 else None


def weights(session: Session, scope: Scope) -> dict[str, float]:
    """KPI key -> its weight, for every KPI that takes part in the composite score: one with a
    target and a weight row above 0 — a KPI registered later takes part once its row exists."""
    rows = settings.defaults()
    out = {}
    for key, kpi in REGISTRY.items():
        if kpi.compose is not None or not kpi.target_key or weight_key(key) not in rows:
            continue
        w = float(settings.get(session, weight_key(key), _one(scope)))
        if w > 0:
            out[key] = w
    return out


def score(v: Value) -> float | None:
    """A KPI's points of 100 against its target: min(100, value ÷ target × 100) (target ÷ value
    where lower is better); None without a value, without a target or over too few cases."""
    if v.value is None or v.target is None or v.too_few:
        return None
    if v.target <= 0:
        return 100.0
    ratio = v.value / v.target if v.kpi.higher_is_better else (v.target / v.value if v.value else 1.0)
    return min(100.0, ratio * 100)


def _composite(session: Session, scope: Scope, values: dict) -> tuple[float, float]:
    """(Σ weight × score, Σ weight) over the KPIs taking part that have a score in the period:
    one without data is left out and the other weights count for it."""
    num = den = 0.0
    for key, w in weights(session, scope).items():
        points = score(values[key]) if key in values else None
        if points is not None:
            num, den = num + w * points, den + w
    return num, den


REGISTRY: dict[str, KPI] = {k.key: k for k in (
    KPI("service_coverage", "kpi.service_coverage", "%", "kpi.service_coverage.target", True, _service_coverage,
        "visits", {}, begins=_first_visit),
    KPI("special_coverage", "kpi.special_coverage", "%", "kpi.special_coverage.target", True, _special_coverage,
        "visits", {}, begins=_first_visit),
    KPI("inspection_completion", "kpi.inspection_completion", "%", "kpi.inspection_completion.target", True,
        _inspection_completion, "schedule", {"sched.status": "overdue"}),
    KPI("patrol_completion", "kpi.patrol_completion", "%", "kpi.patrol_completion.target", True,
        _patrol_completion, "schedule", {"sched.category": "grid_patrol"}),
    KPI("rectification", "kpi.rectification", "%", "kpi.rectification.target", True, _rectification("一般"),
        "hazards", {"hazards.severity": "一般"}),
    KPI("rectification_major", "kpi.rectification_major", "%", "kpi.rectification_major.target", True,
        _rectification("重大"), "hazards", {"hazards.severity": "重大"}),
    KPI("volunteer_hours", "kpi.volunteer_hours", "h", None, True, _volunteer_hours, "volunteers", {}, scale=1.0,
        begins=_first_log),
    KPI("turnout", "kpi.turnout", "%", "kpi.turnout.target", True, _turnout, "activities", {}),
    KPI("volunteer_share", "kpi.volunteer_share", "%", "kpi.volunteer_share.target", True, _volunteer_share,
        "volunteers", {}),
    KPI("team_grids", "kpi.team_grids", "%", "kpi.team_grids.target", True, _team_grids, "volunteers", {}),
    # answers of the surveys whose period ends in the KPI's period (services.surveys)
    KPI("satisfaction", "svy.kpi", "%", "kpi.satisfaction.target", True, _satisfaction, "surveys", {}),
    # residents' requests: due in the period, answered / solved (or explained) by their limit
    KPI("response_in_time", "cmp.kpi_response", "%", "kpi.response_in_time.target", True,
        complaints.response_in_time, "complaints", {"complaints.view": "response_overdue"},
        begins=complaints.first_received),
    KPI("resolution_in_time", "cmp.kpi_resolution", "%", "kpi.resolution_in_time.target", True,
        complaints.resolution_in_time, "complaints", {"complaints.view": "resolution_overdue"},
        begins=complaints.first_received),
    KPI("actions_on_time", "kpi.actions_on_time", "%", "kpi.actions_on_time.target", True, _actions_on_time,
        "actions", {"actions.view": "overdue"}),
    # drills: rule periods (services.drill_schedule) ended in the period, met by a held drill
    KPI("drill_completion", "kpi.drill_completion", "%", "kpi.drill_completion.target", True,
        drill_schedule.kpi_completion, "schedule", {"sched.status": "overdue"}, begins=drill_schedule.first_drill),
    # the mean evacuation (or assembly) time of the drills held in the period: a trend, lower is better
    KPI("evacuation_time", "kpi.evacuation_time", "min", None, False, drill_schedule.kpi_evacuation, "drills", {},
        scale=1.0, begins=drill_schedule.first_drill, counts=False),
    KPI("composite", "kpi.composite", "分", None, True, None, "targets", {}, scale=1.0, compose=_composite,
        counts=False),
)}


# --- periods and evaluation ------------------------------------------------------------------------

def period(kind: str, day: date) -> tuple[date, date]:
    unit = {"month": "month", "quarter": "quarter", "year": "year"}[kind]
    return period_of(day, unit, 1)


def previous(kind: str, start: date) -> tuple[date, date]:
    return period(kind, start - timedelta(days=1))


def reporting_period(kind: str, today: date, partial: bool = False) -> tuple[date, date]:
    """The period a dashboard or report shows by default: the last complete one (on the 1st of
    the month the current one has barely begun and every rate would read 0); with ``partial``,
    the current period so far."""
    start, end = period(kind, today)
    if partial:
        return start, end
    return previous(kind, start)


def recent_periods(kind: str, today: date, n: int) -> list[tuple[date, date]]:
    out = [period(kind, today)]
    while len(out) < n:
        out.insert(0, previous(kind, out[0][0]))
    return out


def evaluate(session: Session, scope: Scope, key: str, start: date, end: date, today: date | None = None) -> Value:
    return _evaluate(session, scope, key, start, end, today or clock.today())


def _evaluate(session: Session, scope: Scope, key: str, start: date, end: date, today: date,
              others: dict[str, Value] | None = None) -> Value:
    kpi = REGISTRY[key]
    if kpi.compose is not None:
        if others is None:
            others = {k: _evaluate(session, scope, k, start, end, today) for k in weights(session, scope)}
        num, den = kpi.compose(session, scope, others)
    else:
        num, den = kpi.compute(session, scope, start, end, today)
    target = float(settings.get(session, kpi.target_key, _one(scope))) if kpi.target_key else None
    min_n = int(settings.get(session, "kpi.min_denominator")) if kpi.unit == "%" else 0
    return Value(kpi, float(num), float(den), target, min_n)


def evaluate_all(session: Session, scope: Scope, start: date, end: date, today: date | None = None) -> dict[str, Value]:
    """Every KPI of the registry; the composed ones (the composite score) from the others' values."""
    today = today or clock.today()
    plain = {key: _evaluate(session, scope, key, start, end, today) for key, k in REGISTRY.items() if k.compose is None}
    composed = {key: _evaluate(session, scope, key, start, end, today, plain)
                for key, k in REGISTRY.items() if k.compose is not None}
    return {key: plain.get(key) or composed[key] for key in REGISTRY}


def trend(session: Session, scope: Scope, key: str, kind: str, today: date | None = None, n: int = 12,
          through: date | None = None) -> list[dict]:
    """The KPI for the ``n`` periods up to the one holding ``through`` (default: today), every
    period listed. A period with nothing to count, or ending before the KPI's data begins, has
    the value None (a gap on the chart, never a 0); a period with data and a zero is 0."""
    today = today or clock.today()
    kpi = REGISTRY[key]
    begins = data_begins(session, scope, key)
    out = []
    for start, end in recent_periods(kind, through or today, n):
        v = evaluate(session, scope, key, start, end, today)
        before_data = kpi.begins is not None and (begins is None or end < begins)
        out.append({"period": start.strftime("%Y-%m") if kind != "year" else str(start.year), "start": start,
                    "value": None if before_data else v.value, "target": v.target})
    return out


def months(first: date, last: date) -> list[str]:
    """``YYYY-MM`` of every month from the one holding ``first`` to the one holding ``last``."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def last_months(last: date, n: int = 12) -> tuple[date, date]:
    """First and last day of the ``n`` months ending with the one holding ``last``."""
    start = period("month", last)[0]
    for _ in range(n - 1):
        start = period("month", start - timedelta(days=1))[0]
    return start, last


def filled_months(rows: list[dict], shown: list[str], begins: date | None, *, month: str = "month",
                  group: str = "team", value: str = "hours") -> list[dict]:
    """Monthly rows per group for every month of ``shown`` from the one the data begins in: a
    month without rows is 0 for each group (nothing was done), a month before the data begins
    is left out (nothing was kept yet)."""
    if begins is None:
        return []
    first = f"{begins.year:04d}-{begins.month:02d}"
    have = {(r[month], r[group]): r[value] for r in rows}
    groups = list(dict.fromkeys(r[group] for r in rows))
    return [{month: m, group: g, value: have.get((m, g), 0)} for m in shown if m >= first for g in groups]


def data_begins(session: Session, scope: Scope, key: str) -> date | None:
    """The first day the data source of KPI ``key`` holds anything in the scope."""
    kpi = REGISTRY[key]
    return kpi.begins(session, scope) if kpi.begins else None


# --- drill-downs: a clicked mark opens the list of exactly what it counts ---------------------

HAZARD_STATE_VIEWS = {"open": {"hazards.view": "in_time"}, "overdue": {"hazards.view": "overdue"},
                      "closed": {"hazards.status": "closed"}}


def hazard_drill(category: str | None, state: str | None) -> dict[str, str]:
    """Query parameters of the hazard list for a bar of the category × state chart: the
    category and the state (open within its deadline, overdue, closed)."""
    params = {"hazards.category": category} if category else {}
    params.update(HAZARD_STATE_VIEWS.get(state or "", {}))
    return params


def schedule_drill(category: str | None, month: str | None) -> dict[str, str]:
    """Query parameters of the inspection calendar for a heatmap cell: its category and month."""
    return {k: v for k, v in (("sched.category", category), ("sched.month", month)) if v}




def as_dict(v: Value) -> dict:
    """Plain data for caches, tiles and reports."""
    return {"key": v.kpi.key, "label": v.kpi.label, "unit": v.kpi.unit, "value": v.value, "target": v.target,
            "light": v.light, "numerator": v.numerator, "denominator": v.denominator,
            "too_few": v.too_few, "min_n": v.min_n,
            "higher_is_better": v.kpi.higher_is_better, "drill_page": v.kpi.drill_page, "counts": v.kpi.counts,
            "drill_params": dict(v.kpi.drill_params)}


def narrowed(actor: Actor, community_ids) -> Actor:
    """The actor limited to some of its communities (a supervisor comparing, a report for one)."""
    from dataclasses import replace

    if community_ids is None:
        return actor
    wanted = frozenset(community_ids)
    have = actor.community_ids
    return replace(actor, community_ids=wanted if have is None else wanted & have)
