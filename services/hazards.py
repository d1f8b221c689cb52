"""Hazards beyond what the ledger engine (services.ledgers) does from their declaration
(db.models.safety.HAZARD, whose workflow is found → assigned → rectifying → awaiting
re-inspection → closed, a failed re-inspection back to rectifying, 重大 escalated):

- a failed checklist item opens a hazard by itself (``open_from_item``);
- one reported by hand gets its deadline from the community's rule when none is given, and
  corrected on the spot it closes at once (the ``clean`` and ``opened`` hooks);
- every step writes the hazard's timeline (who, when, a note, a photo) and what the step
  means — the dates, who rectified and who re-inspected it (the steps' hooks); the
  re-inspector is never the one who rectified it;
- the timeline and the charts' counts.

Overdue is derived (open and past its deadline), never stored.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import String, and_, case, func, select
from sqlalchemy.orm import Session

from db.declarations import Context
from db.models.safety import HAZARD, Facility, Hazard, HazardEvent, InspectionItem, overdue_clause
from services import audit, clock, ledgers, records, settings
from services.access import Actor
from services.errors import NotFound, ValidationError


def default_deadline(session: Session, severity: str, found_on: date, community_id: int | None) -> date:
    days = int(settings.get(session, f"hazard.deadline_days.{severity}", community_id))
    return found_on + timedelta(days=days)


def _event(session: Session, hazard: Hazard, actor: Actor, step: str, before: str | None, note: str | None = None,
           photo_id: int | None = None, on: date | None = None, after: str | None = None) -> None:
    session.add(HazardEvent(hazard_id=hazard.id, on=on or clock.today(), actor=actor.username, step=step,
                            from_status=before, to_status=after or hazard.status, note=note, photo_id=photo_id))


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


# --- reported by hand (the engine's save, HAZARD's hooks) --------------------------------------

def clean(ctx: Context, values: dict) -> None:
    """A hazard found by hand (patrol, complaint, tip-off, drill, evaluation …): not claimed to
    come from an inspection, its facility in its grid, its deadline by the rule when empty and
    never before it was found."""
    if values.get("source") == "inspection" and (ctx.obj is None or ctx.obj.source != "inspection"):
        raise ValidationError({"source": "err.bad_choice"})
    if values.get("facility_id"):
        try:
            facility = records.get_live(ctx.session, Facility, values["facility_id"])
        except NotFound:
            raise ValidationError({"facility_id": "err.bad_choice"}) from None
        if facility.grid_id != values.get("grid_id"):
            raise ValidationError({"facility_id": "err.bad_choice"})
    values["deadline"] = values.get("deadline") or default_deadline(
        ctx.session, values["severity"], values["found_on"], values.get("community_id"))
    if values["deadline"] < values["found_on"]:
        raise ValidationError({"deadline": "err.out_of_range"})


def opened(ctx: Context, hazard: Hazard, created: bool) -> None:
    """A reported hazard starts its timeline; corrected on the spot, it is closed at once, what
    was done being its description."""
    if not created:
        return
    _event(ctx.session, hazard, ctx.actor, "found", None, hazard.description[:200], hazard.photo_before_id,
           hazard.found_on)
    if hazard.on_the_spot:
        before = hazard.status
        hazard.status = "closed"
        hazard.rectified_by, hazard.rectified_on, hazard.closed_on = ctx.actor.username, ctx.today, ctx.today
        hazard.measures = hazard.description
        ctx.session.flush()
        _event(ctx.session, hazard, ctx.actor, "on_the_spot", before, on=ctx.today)


# --- the workflow's hooks (HAZARD.workflow) ------------------------------------------------------

def _stepped(ctx: Context, hazard: Hazard, note: str | None = None, photo_id: int | None = None) -> None:
    """The step on the hazard's timeline (the engine writes the row and the audit entry)."""
    _event(ctx.session, hazard, ctx.actor, ctx.step.name, hazard.status, records.clean_text(note), photo_id,
           ctx.today, ctx.step.target)


def not_own_fix(ctx: Context, hazard: Hazard) -> str | None:
    """The re-inspector is never the person who rectified it."""
    return "err.own_fix" if hazard.rectified_by == ctx.actor.username else None


def major_only(ctx: Context, hazard: Hazard) -> str | None:
    return None if hazard.severity == "重大" else "err.escalate_major_only"


def assigned(ctx: Context, hazard: Hazard, values: dict) -> dict:
    if values["deadline"] < hazard.found_on:
        raise ValidationError({"deadline": "err.out_of_range"})
    _stepped(ctx, hazard, values["owner"])  # the timeline says to whom
    return {}


def started(ctx: Context, hazard: Hazard, values: dict) -> dict:
    _stepped(ctx, hazard)
    return {}


def rectified(ctx: Context, hazard: Hazard, values: dict) -> dict:
    photo = values.get("photo_after_id")
    _stepped(ctx, hazard, values["measures"], photo)
    return {"rectified_by": ctx.actor.username, "rectified_on": ctx.today,
            "photo_after_id": photo or hazard.photo_after_id}


def reinspected(ctx: Context, hazard: Hazard, values: dict) -> dict:
    _stepped(ctx, hazard, values.get("note"))
    closed = {"closed_on": ctx.today} if ctx.step.target == "closed" else {}
    return {"reinspected_by": ctx.actor.username, **closed}


def escalated(ctx: Context, hazard: Hazard, values: dict) -> dict:
    level, note = values["level"], records.clean_text(values.get("note"))
    _stepped(ctx, hazard, f"{level}：{note}" if note else level)
    return {"escalated_to": level}


# --- reads -------------------------------------------------------------------------------------

def timeline(session: Session, actor: Actor, hazard_id: int) -> list[dict]:
    from services.users import display_names

    ledgers.get(session, actor, HAZARD, hazard_id)
    events = session.execute(select(HazardEvent).where(HazardEvent.hazard_id == hazard_id)
                             .order_by(HazardEvent.id)).scalars().all()
    names = display_names(session, [e.actor for e in events])
    return [{"at": e.at, "on": e.on, "actor": names.get(e.actor, e.actor), "username": e.actor, "step": e.step,
             "from": e.from_status, "to": e.to_status, "note": e.note, "photo_id": e.photo_id} for e in events]


def _in_scope(actor: Actor, community_ids) -> list:
    conds = [Hazard.deleted_at.is_(None), *ledgers.scope(HAZARD, actor)]
    if community_ids is not None:
        conds.append(Hazard.community_id.in_(sorted(community_ids)))
    return conds


def by_category_and_state(session: Session, actor: Actor, today: date | None = None,
                          community_ids=None) -> list[dict]:
    """Open / closed / overdue hazards per category (one GROUP BY)."""
    today = today or clock.today()
    state = case((Hazard.status == "closed", "closed"), (Hazard.deadline < today, "overdue"), else_="open")
    rows = session.execute(select(Hazard.category, state.label("state"), func.count())
                           .where(*_in_scope(actor, community_ids)).group_by(Hazard.category, state)).all()
    return [{"category": c, "state": s, "count": n} for c, s, n in rows]


def rectification_by_month(session: Session, actor: Actor, first: date, last: date, today: date | None = None,
                           community_ids=None) -> list[dict]:
    """Per deadline month and severity: hazards due, and closed by their deadline."""
    today = today or clock.today()
    month = func.substr(func.cast(Hazard.deadline, String()), 1, 7)
    on_time = case((and_(Hazard.status == "closed", Hazard.closed_on <= Hazard.deadline), 1), else_=0)
    conds = [*_in_scope(actor, community_ids), Hazard.deadline >= first, Hazard.deadline <= min(last, today)]
    rows = session.execute(select(month.label("month"), Hazard.severity, func.count(), func.sum(on_time))
                           .where(*conds).group_by(month, Hazard.severity).order_by(month)).all()
    return [{"month": m, "severity": s, "due": n, "on_time": int(k or 0)} for m, s, n, k in rows]


def counts(session: Session, actor: Actor, today: date | None = None) -> dict[str, int]:
    today = today or clock.today()
    base = _in_scope(actor, None)
    open_n = session.execute(select(func.count()).select_from(Hazard).where(*base, Hazard.status != "closed")).scalar_one()
    overdue = session.execute(select(func.count()).select_from(Hazard).where(*base, overdue_clause(today))).scalar_one()
    return {"open": open_n, "overdue": overdue}
