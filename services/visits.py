"""Visits and services to residents, and the due-visit list: special-group residents whose
visit is overdue under their tag's frequency (visit_rule rows), most overdue first."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from db.models import Building, Household, Resident, ResidentTag, Visit, VisitRule
from db.models.residents import VISIT, vocab
from services import audit, clock, records, schedule
from services.access import SYSTEM, Actor, require
from services.errors import ValidationError
from services.residents import get_resident, scope, visible_groups


def log_visit(session: Session, actor: Actor, resident_id: int, data: dict, today: date | None = None) -> Visit:
    require(actor, "visits", "create")
    today = today or clock.today()
    resident = get_resident(session, actor, resident_id)
    values = records.validate(VISIT, {**data, "resident_id": resident_id})
    if values["visit_date"] > today:
        raise ValidationError({"visit_date": "err.future_date"})
    if values["visit_date"] < resident.birth_date:
        raise ValidationError({"visit_date": "err.out_of_range"})
    values.update(resident_id=resident.id, community_id=resident.community_id, grid_id=resident.grid_id)
    return records.create(session, actor, Visit, values)


def list_visits(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
                sort: str | None = None, descending: bool = True, limit: int = 50, offset: int = 0) -> records.Page:
    require(actor, "visits", "view")
    filters = dict(filters or {})
    where = [*scope(actor)]
    page = records.list_page(session, VISIT, viewer=actor, where=[Visit.resident_id.in_(select(Resident.id).where(*where))],
                             search=search, filters=filters, sort=sort or "visit_date", descending=descending,
                             limit=limit, offset=offset,
                             extra_columns={"resident_name": select(Resident.name).where(Resident.id == Visit.resident_id)
                                            .scalar_subquery()})
    return page


# --- rules -------------------------------------------------------------------------------

def seed_rules(session: Session, actor: Actor = SYSTEM) -> int:
    have = set(session.execute(select(VisitRule.tag)).scalars())
    added = 0
    for tag, spec in vocab()["special_groups"].items():
        visit = spec.get("visit")
        if not visit or tag in have:
            continue
        rule = VisitRule(tag=tag, unit=visit["unit"], every=visit.get("every", 1),
                         created_by=actor.username, updated_by=actor.username)
        session.add(rule)
        session.flush()
        audit.record(session, actor, "create", "visit_rule", rule.id, None, audit.snapshot(rule))
        added += 1
    return added


def rules(session: Session) -> dict[str, tuple[str, int]]:
    return {r.tag: (r.unit, r.every) for r in session.execute(select(VisitRule).where(VisitRule.deleted_at.is_(None)))
            .scalars()}


# --- the due-visit list --------------------------------------------------------------------

@dataclass
class DueVisit:
    resident_id: int
    name: str
    address: str
    tags: list[str]
    last_visit: date | None
    next_due: date
    status: str
    days_overdue: int
    grid_id: int


def due_visits(session: Session, actor: Actor, today: date | None = None, include_soon: bool = False,
               soon_days: int = 2) -> list[DueVisit]:
    """One row per resident (its most pressing tag decides), overdue first and most overdue first."""
    require(actor, "visits", "view")
    today = today or clock.today()
    tag_rules = {t: r for t, r in rules(session).items() if t in visible_groups(actor)}
    if not tag_rules:
        return []
    horizon = date.fromordinal(today.toordinal() + (soon_days + 1 if include_soon else 0))
    cutoff = case(*[(ResidentTag.tag == tag, literal(schedule.overdue_since(horizon, unit, every)))
                    for tag, (unit, every) in tag_rules.items()])
    last = (select(func.max(Visit.visit_date)).where(Visit.resident_id == Resident.id, Visit.deleted_at.is_(None))
            .correlate(Resident).scalar_subquery())
    stmt = (select(Resident.id, Resident.name, Resident.grid_id, Building.name, Household.unit, Household.room,
                   ResidentTag.tag, ResidentTag.since, last.label("last"))
            .join(ResidentTag, ResidentTag.resident_id == Resident.id)
            .join(Household, Household.id == Resident.household_id).join(Building, Building.id == Resident.building_id)
            .where(Resident.deleted_at.is_(None), Resident.status == "active", *scope(actor),
                   ResidentTag.tag.in_(list(tag_rules)),
                   func.coalesce(last, ResidentTag.since) < cutoff))
    best: dict[int, DueVisit] = {}
    tags: dict[int, list[str]] = {}
    for rid, name, grid_id, building, unit, room, tag, since, last_visit in session.execute(stmt):
        last_visit = _as_date(last_visit)
        u, every = tag_rules[tag]
        d = schedule.due(last_visit, _as_date(since), u, every, today, soon_days)
        tags.setdefault(rid, []).append(tag)
        if d.status == "ok":
            continue
        current = best.get(rid)
        if current is None or d.next_due < current.next_due:
            best[rid] = DueVisit(rid, name, f"{building} {unit} {room}", [], last_visit, d.next_due, d.status,
                                 d.days_overdue, grid_id)
    for rid, item in best.items():
        item.tags = sorted(tags[rid])
    return sorted(best.values(), key=lambda x: (x.status != "overdue", -x.days_overdue, x.next_due, x.name))


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@lru_cache(maxsize=1)
def visit_types() -> tuple[str, ...]:
    return tuple(vocab()["visit_types"])
