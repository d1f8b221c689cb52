"""Visits and services to residents beyond what the ledger engine (services.ledgers) does from
the declaration (db.models.residents.VISIT): its scope rule for restricted groups and its date
check, the visit rules, and the due-visit list — special-group residents whose visit is overdue
under their tag's frequency (visit_rule rows), most overdue first."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

from db.declarations import Context
from db.models import Building, Household, Resident, ResidentTag, Visit, VisitRule
from db.models.residents import RESIDENT, restricted_groups, vocab
from services import audit, clock, ledgers, privacy, records, schedule
from services.access import SYSTEM, Actor, require
from services.errors import ValidationError
from services.residents import visible_groups


def restricted_rule(actor: Actor) -> list:
    """VISIT's Scope.rule: a visit of a resident in a restricted group (社区矫正 …) is seen only by
    the roles that see the group — or by who logged it, so that one's own visit does not vanish."""
    if privacy.sees_restricted(actor, RESIDENT.field("tags")):
        return []
    flagged = select(ResidentTag.resident_id).where(ResidentTag.tag.in_(sorted(restricted_groups())))
    return [or_(Visit.resident_id.not_in(flagged), Visit.created_by == actor.username)]


def check_date(ctx: Context, values: dict) -> None:
    """VISIT.clean: no visit before the resident was born (the future is refused by past_only)."""
    resident = ctx.session.get(Resident, values["resident_id"])
    if values.get("visit_date") and values["visit_date"] < resident.birth_date:
        raise ValidationError({"visit_date": "err.out_of_range"})


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
            .where(Resident.deleted_at.is_(None), Resident.status == "active", *ledgers.scope(RESIDENT, actor),
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
