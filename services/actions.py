"""Improvement actions (整改/改进措施) beyond what the ledger engine does from their declaration
(db.models.quality.ACTION: open → done → verified, a failed check back to open): an action is
opened from a finding — an evaluation, a low survey score, a drill, a complaint, a hazard's root
cause — by ``open_from``; the one who did it never verifies it; overdue is derived.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from db.declarations import Context
from db.models.places import Grid
from db.models.quality import ACTION, ACTION_SOURCES, ImprovementAction
from services import ledgers, records
from services.access import Actor
from services.errors import ValidationError


def open_from(session: Session, actor: Actor, source: str, source_id: int | None, *, community_id: int,
              title: str, owner: str, due: date, grid_id: int | None = None,
              detail: str | None = None) -> ImprovementAction:
    """An action opened from a finding (``source`` one of ACTION_SOURCES, ``source_id`` its row),
    saved through the engine: the actor's permission and scope, the checks, one audit entry."""
    if source not in ACTION_SOURCES:
        raise ValidationError({"source": "err.bad_choice"})
    data = {"source": source, "title": title, "owner": owner, "due": due, "grid_id": grid_id, "detail": detail,
            "community_id": community_id}
    action = ledgers.save(session, actor, ACTION, data)
    action.source_id = source_id
    session.flush()
    return action


def clean(ctx: Context, values: dict) -> None:
    """An action's grid is one of its community's; a new one is never due before today."""
    if values.get("grid_id"):
        grid = ctx.session.get(Grid, values["grid_id"])
        if grid is None or grid.community_id != values.get("community_id"):
            raise ValidationError({"grid_id": "err.bad_choice"})
    if ctx.obj is None and values.get("due") and values["due"] < ctx.today:
        raise ValidationError({"due": "err.out_of_range"})


def not_own(ctx: Context, action: ImprovementAction) -> str | None:
    """The effect is checked by someone other than the one who did it."""
    return "err.own_action" if action.done_by == ctx.actor.username else None


def done(ctx: Context, action: ImprovementAction, values: dict) -> dict:
    return {"done_on": ctx.today, "done_by": ctx.actor.username, "result": records.clean_text(values["result"])}


def verified(ctx: Context, action: ImprovementAction, values: dict) -> dict:
    return {"verified_on": ctx.today, "verified_by": ctx.actor.username,
            "effect": records.clean_text(values.get("effect"))}


def reopened(ctx: Context, action: ImprovementAction, values: dict) -> dict:
    return {"done_on": None, "done_by": None, "effect": records.clean_text(values.get("effect"))}
