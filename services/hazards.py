"""Hazards and their rectification workflow:

found → assigned (owner + deadline) → rectifying → awaiting re-inspection → closed;
a failed re-inspection goes back to rectifying; the re-inspector must not be the person who
rectified it; 重大 may be escalated (居委会 / 街道 / 相关部门); corrected on the spot closes at
once with a note. Overdue is derived (open and past its deadline), never stored.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import String, and_, case, func, or_, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Grid
from db.models.safety import (ESCALATION_LEVELS, HAZARD, Facility, Hazard, HazardEvent,
                              InspectionItem)
from services import audit, clock, records, settings
from services.access import (Actor, can, community_clause, grid_clause, require, require_row, sees_community,
                             sees_grid)
from services.errors import PermissionDenied, ValidationError

# step -> (allowed from, to)
STEPS = {
    "assign": (("found", "assigned", "rectifying"), "assigned"),
    "start": (("assigned",), "rectifying"),
    "rectified": (("assigned", "rectifying"), "awaiting"),
    "reinspect_pass": (("awaiting",), "closed"),
    "reinspect_fail": (("awaiting",), "rectifying"),
}


def scope(actor: Actor) -> list:
    return [community_clause(actor, Hazard.community_id), grid_clause(actor, Hazard.grid_id)]


def default_deadline(session: Session, severity: str, found_on: date, community_id: int | None) -> date:
    days = int(settings.get(session, f"hazard.deadline_days.{severity}", community_id))
    return found_on + timedelta(days=days)


def _event(session: Session, hazard: Hazard, actor: Actor, step: str, before: str | None, note: str | None = None,
           photo_id: int | None = None, on: date | None = None) -> None:
    session.add(HazardEvent(hazard_id=hazard.id, on=on or clock.today(), actor=actor.username, step=step,
                            from_status=before, to_status=hazard.status, note=note, photo_id=photo_id))


def open_from_item(session: Session, actor: Actor, item: InspectionItem, inspection, facility: Facility | None,
                   category_name: str) -> Hazard:
    """A failed checklist item opens a hazard by itself (called when the inspection is submitted)."""
    hazard = Hazard(
        community_id=inspection.community_id, grid_id=inspection.grid_id, source="inspection",
        inspection_item_id=item.id, facility_id=inspection.facility_id, category=inspection.category,
        severity=item.severity, risk_level="高" if item.severity == "重大" else "中",
        description=f"{category_name}：{item.text_zh}" + (f"（{item.note}）" if item.note else ""),
        responsible=facility.responsible_org if facility else None, found_on=inspection.inspected_on,
        deadline=default_deadline(session, item.severity, inspection.inspected_on, inspection.community_id),
        status="found", photo_before_id=item.photo_id, created_by=actor.username, updated_by=actor.username)
    session.add(hazard)
    session.flush()
    _event(session, hazard, actor, "found", None, item.text_zh, item.photo_id, inspection.inspected_on)
    audit.record(session, actor, "create", "hazard", hazard.id, None, audit.snapshot(hazard),
                 community_id=hazard.community_id)
    return hazard


def open_hazard(session: Session, actor: Actor, data: dict, photo_id: int | None = None,
                on_the_spot: bool = False, today: date | None = None) -> Hazard:
    """A hazard found by hand (patrol, complaint, tip-off, drill, evaluation …). Corrected on the
    spot: closed at once, the note saying what was done."""
    require(actor, "hazards", "create")
    today = today or clock.today()
    values = records.validate(HAZARD, data)
    if values["source"] == "inspection":
        raise ValidationError({"source": "err.bad_choice"})
    if values["found_on"] > today:
        raise ValidationError({"found_on": "err.future_date"})
    grid = records.get_live(session, Grid, values["grid_id"])
    require_row(actor, grid.community_id, grid.id)
    if values.get("facility_id"):
        facility = records.get_live(session, Facility, values["facility_id"])
        if facility.grid_id != grid.id:
            raise ValidationError({"facility_id": "err.bad_choice"})
    values["deadline"] = values.get("deadline") or default_deadline(session, values["severity"], values["found_on"],
                                                                      grid.community_id)
    if values["deadline"] < values["found_on"]:
        raise ValidationError({"deadline": "err.out_of_range"})
    values.pop("status", None)
    values.pop("owner", None)
    hazard = records.create(session, actor, Hazard, {**values, "community_id": grid.community_id, "status": "found",
                                                     "photo_before_id": photo_id})
    _event(session, hazard, actor, "found", None, values["description"][:200], photo_id, values["found_on"])
    if on_the_spot:
        before = hazard.status
        hazard.status, hazard.on_the_spot = "closed", True
        hazard.rectified_by, hazard.rectified_on, hazard.closed_on = actor.username, today, today
        hazard.measures = values["description"]
        session.flush()
        _event(session, hazard, actor, "on_the_spot", before, None, None, today)
    return hazard


def _load(session: Session, actor: Actor, hazard_id: int, expected_version: int | None) -> Hazard:
    require(actor, "hazards", "edit")
    hazard = records.get_live(session, Hazard, hazard_id)
    require_row(actor, hazard.community_id, hazard.grid_id)
    records.check_version(hazard, expected_version)
    return hazard


def may_step(actor: Actor, hazard: Hazard, step: str) -> str | None:
    """Why ``actor`` may not take ``step`` (a key of STEPS) on ``hazard`` now — a catalog key — or
    None when it may. The one rule: the service refuses with this key, and a page asks it to
    disable the step's button with the reason (the re-inspector is never the one who fixed it)."""
    in_scope = sees_community(actor, hazard.community_id) if hazard.grid_id is None else \
        sees_grid(actor, hazard.community_id, hazard.grid_id)
    if not can(actor, "hazards", "edit") or not in_scope:
        return "err.permission"
    if hazard.status not in STEPS[step][0]:
        return "err.hazard_step"
    if step.startswith("reinspect") and hazard.rectified_by == actor.username:
        return "err.own_fix"
    return None


def _refuse(actor: Actor, hazard: Hazard, step: str) -> None:
    reason = may_step(actor, hazard, step)
    if reason is not None:
        raise PermissionDenied(reason, step=step, status=hazard.status)


def _move(session: Session, actor: Actor, hazard: Hazard, step: str, note: str | None = None,
          photo_id: int | None = None, today: date | None = None, **changes) -> Hazard:
    _, target = STEPS[step]
    _refuse(actor, hazard, step)
    before_snapshot = audit.snapshot(hazard)
    before = hazard.status
    for k, v in changes.items():
        setattr(hazard, k, v)
    hazard.status = target
    hazard.updated_by = actor.username
    hazard.updated_at = utcnow()
    session.flush()
    _event(session, hazard, actor, step, before, note, photo_id, today)
    audit.record(session, actor, step, "hazard", hazard.id, before_snapshot, audit.snapshot(hazard),
                 community_id=hazard.community_id)
    return hazard


def assign(session: Session, actor: Actor, hazard_id: int, owner: str, deadline: date, expected_version: int | None,
           note: str | None = None) -> Hazard:
    hazard = _load(session, actor, hazard_id, expected_version)
    owner = records.clean_text(owner)
    errors = {}
    if not owner:
        errors["owner"] = "err.required"
    if not isinstance(deadline, date) or deadline < hazard.found_on:
        errors["deadline"] = "err.out_of_range"
    if errors:
        raise ValidationError(errors)
    return _move(session, actor, hazard, "assign", note, owner=owner[:64], deadline=deadline)


def start(session: Session, actor: Actor, hazard_id: int, expected_version: int | None) -> Hazard:
    return _move(session, actor, _load(session, actor, hazard_id, expected_version), "start")


def rectified(session: Session, actor: Actor, hazard_id: int, measures: str, expected_version: int | None,
              photo_id: int | None = None, today: date | None = None) -> Hazard:
    hazard = _load(session, actor, hazard_id, expected_version)
    measures = records.clean_text(measures)
    if not measures:
        raise ValidationError({"measures": "err.required"})
    today = today or clock.today()
    return _move(session, actor, hazard, "rectified", measures, photo_id, today, measures=measures,
                 rectified_by=actor.username, rectified_on=today, photo_after_id=photo_id or hazard.photo_after_id)


def reinspect(session: Session, actor: Actor, hazard_id: int, passed: bool, note: str | None,
              expected_version: int | None, photo_id: int | None = None, today: date | None = None) -> Hazard:
    hazard = _load(session, actor, hazard_id, expected_version)
    _refuse(actor, hazard, "reinspect_pass" if passed else "reinspect_fail")  # before asking for a note
    today = today or clock.today()
    if passed:
        return _move(session, actor, hazard, "reinspect_pass", note, photo_id, today, reinspected_by=actor.username,
                     closed_on=today)
    if not records.clean_text(note):
        raise ValidationError({"note": "err.required"})
    return _move(session, actor, hazard, "reinspect_fail", note, photo_id, today, reinspected_by=actor.username)


def escalate(session: Session, actor: Actor, hazard_id: int, level: str, note: str | None,
             expected_version: int | None) -> Hazard:
    require(actor, "hazards", "escalate")
    hazard = _load(session, actor, hazard_id, expected_version)
    if hazard.severity != "重大":
        raise PermissionDenied("err.escalate_major_only")
    if level not in ESCALATION_LEVELS:
        raise ValidationError({"level": "err.bad_choice"})
    if hazard.status == "closed":
        raise PermissionDenied("err.hazard_step", step="escalate", status=hazard.status)
    before = audit.snapshot(hazard)
    hazard.escalated_to = level
    hazard.updated_by, hazard.updated_at = actor.username, utcnow()
    session.flush()
    _event(session, hazard, actor, "escalate", hazard.status, f"{level}：{note or ''}".strip("："))
    audit.record(session, actor, "escalate", "hazard", hazard.id, before, audit.snapshot(hazard),
                 community_id=hazard.community_id)
    return hazard


# --- reads -------------------------------------------------------------------------------------

def overdue_clause(today: date):
    return and_(Hazard.status != "closed", Hazard.deadline < today)


def list_hazards(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
                 sort: str | None = None, descending: bool = False, limit: int = 50, offset: int = 0,
                 today: date | None = None) -> records.Page:
    require(actor, "hazards", "view")
    today = today or clock.today()
    filters = dict(filters or {})
    where = scope(actor)
    view = filters.pop("view", None)
    if view == "open":
        where.append(Hazard.status != "closed")
    elif view == "overdue":
        where.append(overdue_clause(today))
    elif view == "in_time":  # open and not yet past its deadline: the chart's 未到期
        where.append(and_(Hazard.status != "closed", or_(Hazard.deadline.is_(None), Hazard.deadline >= today)))
    if filters.get("facility_id"):
        where.append(Hazard.facility_id == filters.pop("facility_id"))
    order_major_first = sort in (None, "deadline")
    page = records.list_page(session, HAZARD, viewer=actor, where=where, search=search, filters=filters,
                             sort=sort or "deadline", descending=descending, limit=limit, offset=offset,
                             extra_columns={"escalated_to": Hazard.escalated_to, "closed_on": Hazard.closed_on,
                                            "rectified_by": Hazard.rectified_by,
                                            "community_id": Hazard.community_id})
    for r in page.rows:
        r["overdue_days"] = (today - r["deadline"]).days if r["status"] != "closed" and r["deadline"] < today else 0
    if order_major_first and not descending:
        page.rows.sort(key=lambda r: (r["overdue_days"] == 0, r["severity"] != "重大", r["deadline"]))
    return page


def get_hazard(session: Session, actor: Actor, hazard_id: int) -> Hazard:
    require(actor, "hazards", "view")
    hazard = records.get_live(session, Hazard, hazard_id)
    require_row(actor, hazard.community_id, hazard.grid_id)
    return hazard


def timeline(session: Session, actor: Actor, hazard_id: int) -> list[dict]:
    from services.users import display_names

    get_hazard(session, actor, hazard_id)
    events = session.execute(select(HazardEvent).where(HazardEvent.hazard_id == hazard_id)
                             .order_by(HazardEvent.id)).scalars().all()
    names = display_names(session, [e.actor for e in events])
    return [{"at": e.at, "on": e.on, "actor": names.get(e.actor, e.actor), "username": e.actor, "step": e.step,
             "from": e.from_status, "to": e.to_status, "note": e.note, "photo_id": e.photo_id} for e in events]


def by_category_and_state(session: Session, actor: Actor, today: date | None = None,
                          community_ids=None) -> list[dict]:
    """Open / closed / overdue hazards per category (one GROUP BY)."""
    today = today or clock.today()
    state = case((Hazard.status == "closed", "closed"), (Hazard.deadline < today, "overdue"), else_="open")
    conds = [Hazard.deleted_at.is_(None), *scope(actor)]
    if community_ids is not None:
        conds.append(Hazard.community_id.in_(sorted(community_ids)))
    rows = session.execute(select(Hazard.category, state.label("state"), func.count()).where(*conds)
                           .group_by(Hazard.category, state)).all()
    return [{"category": c, "state": s, "count": n} for c, s, n in rows]


def rectification_by_month(session: Session, actor: Actor, first: date, last: date, today: date | None = None,
                           community_ids=None) -> list[dict]:
    """Per deadline month and severity: hazards due, and closed by their deadline."""
    today = today or clock.today()
    month = func.substr(func.cast(Hazard.deadline, String()), 1, 7)
    on_time = case((and_(Hazard.status == "closed", Hazard.closed_on <= Hazard.deadline), 1), else_=0)
    conds = [Hazard.deleted_at.is_(None), *scope(actor), Hazard.deadline >= first, Hazard.deadline <= min(last, today)]
    if community_ids is not None:
        conds.append(Hazard.community_id.in_(sorted(community_ids)))
    rows = session.execute(select(month.label("month"), Hazard.severity, func.count(), func.sum(on_time))
                           .where(*conds).group_by(month, Hazard.severity).order_by(month)).all()
    return [{"month": m, "severity": s, "due": n, "on_time": int(k or 0)} for m, s, n, k in rows]


def counts(session: Session, actor: Actor, today: date | None = None) -> dict[str, int]:
    today = today or clock.today()
    base = [Hazard.deleted_at.is_(None), *scope(actor)]
    open_n = session.execute(select(func.count()).select_from(Hazard).where(*base, Hazard.status != "closed")).scalar_one()
    overdue = session.execute(select(func.count()).select_from(Hazard).where(*base, overdue_clause(today))).scalar_one()
    return {"open": open_n, "overdue": overdue}


