"""Emergency plans (应急预案): the hooks of the PLAN declaration, revisions as new versions (the old
one kept, superseded), and the flag a drill sets when it finds the plan wanting."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.declarations import Context
from db.models.drills import PLAN, EmergencyPlan
from services import audit, ledgers, records
from services.access import Actor
from services.errors import PermissionDenied, ValidationError


def options(session: Session, actor: Actor) -> dict[int, str]:
    """The current plans a drill may test, as the actor sees them (option provider "emergency_plan")."""
    rows = session.execute(select(EmergencyPlan).where(EmergencyPlan.deleted_at.is_(None),
                                                       EmergencyPlan.status == "current", *ledgers.scope(PLAN, actor))
                           .order_by(EmergencyPlan.plan_type, EmergencyPlan.title)).scalars()
    return {p.id: f"{p.plan_type} · {p.title} v{p.revision}" for p in rows}


def clean(ctx: Context, values: dict) -> None:
    """The next revision date after the effective date; a new plan is version 1, a revision (the
    data names ``supersedes_id``) the next version of a current plan of the same community."""
    errors = {}
    if values.get("effective_on") and values.get("revise_by") and values["revise_by"] <= values["effective_on"]:
        errors["revise_by"] = "plan.err_revise_by"
    if ctx.obj is None:
        old_id = ctx.data.get("supersedes_id")
        if old_id:
            old = ctx.session.get(EmergencyPlan, old_id)
            if old is None or old.deleted_at is not None or not ledgers.in_scope(ctx.session, ctx.actor, PLAN, old):
                raise PermissionDenied("err.permission")
            if old.status != "current":
                raise ValidationError(key="plan.err_not_current")
            records.check_version(old, ctx.data.get("supersedes_version"))
            if not values.get("revision_note"):
                errors["revision_note"] = "plan.err_revision_note"
            values.update(revision=old.revision + 1, supersedes_id=old.id, community_id=old.community_id,
                          plan_type=old.plan_type, status="current", attachment_id=old.attachment_id)
        else:
            values.update(revision=1, status="current")
    if errors:
        raise ValidationError(errors)


def saved(ctx: Context, plan: EmergencyPlan, created: bool) -> None:
    """A revision supersedes the version it replaces (kept, read-only, audited)."""
    if not created or plan.supersedes_id is None:
        return
    old = ctx.session.get(EmergencyPlan, plan.supersedes_id)
    before = audit.snapshot(old)
    old.status = "superseded"
    old.updated_by = ctx.actor.username
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "update", PLAN.table_name, old.id, before, audit.snapshot(old),
                 community_id=old.community_id)


def locked(ctx: Context, plan: EmergencyPlan) -> str | None:
    return "plan.locked_superseded" if plan.status == "superseded" else None


def revise(session: Session, actor: Actor, plan_id: int, data: dict, expected_version: int | None,
           today: date | None = None) -> EmergencyPlan:
    """The plan's next version from the edited fields; the one it replaces is kept as superseded."""
    old = ledgers.get(session, actor, PLAN, plan_id)
    return ledgers.save(session, actor, PLAN, {**data, "community_id": old.community_id, "plan_type": old.plan_type,
                                              "supersedes_id": plan_id,
                                              "supersedes_version": expected_version}, today=today)


def flag(session: Session, actor: Actor, plan_id: int, drill_id: int, reason: str, on: date) -> None:
    """A drill found the plan wanting: its current version is due for revision (which drill, why)."""
    plan = session.get(EmergencyPlan, plan_id)
    if plan is None or plan.status != "current":
        return
    before = audit.snapshot(plan)
    plan.needs_revision, plan.flagged_by_drill_id, plan.flag_reason, plan.flagged_on = True, drill_id, reason, on
    plan.updated_by = actor.username
    session.flush()
    audit.record(session, actor, "update", PLAN.table_name, plan.id, before, audit.snapshot(plan),
                 community_id=plan.community_id)


def versions(session: Session, actor: Actor, plan_id: int) -> list[dict]:
    """Every version of the plan's line (this one, the ones it replaced, the ones replacing it)."""
    plan = ledgers.get(session, actor, PLAN, plan_id)
    chain = [plan]
    while chain[-1].supersedes_id:
        chain.append(session.get(EmergencyPlan, chain[-1].supersedes_id))
    newer = plan
    while True:
        nxt = session.execute(select(EmergencyPlan).where(EmergencyPlan.supersedes_id == newer.id,
                                                          EmergencyPlan.deleted_at.is_(None))).scalar_one_or_none()
        if nxt is None:
            break
        chain.insert(0, nxt)
        newer = nxt
    return [{"id": p.id, "revision": p.revision, "title": p.title, "effective_on": p.effective_on,
             "status": p.status, "revision_note": p.revision_note} for p in chain]
