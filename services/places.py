"""Communities, grids, buildings, households: the hierarchy every ledger hangs on. Listed,
saved and deleted by the ledger engine from their declarations (db.models.places); here are
their option providers, the grid-size warning and the counts of the home page."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.declarations import Context, Ledger
from db.models import Building, Community, Grid, Household, PLACE_LEDGERS
from services import ledgers, settings
from services.access import Actor

KINDS = ("community", "grid", "building", "household")


def ledger(kind: str) -> Ledger:
    return PLACE_LEDGERS[kind]


def _scope(actor: Actor, kind: str) -> list:
    return ledgers.scope(ledger(kind), actor)


def options(session: Session, actor: Actor, kind: str) -> dict[int, str]:
    """id -> label of the live places of ``kind`` the actor sees (for selects and labels)."""
    model = ledger(kind).model
    conds = [model.deleted_at.is_(None), *_scope(actor, kind)]
    if kind == "household":
        rows = session.execute(select(Household.id, Community.name, Building.name, Household.unit, Household.room)
                               .join(Building, Building.id == Household.building_id)
                               .join(Community, Community.id == Household.community_id).where(*conds)
                               .order_by(Community.code, Building.code, Household.unit, Household.room)).all()
        several = len({r[1] for r in rows}) > 1
        return {r[0]: (f"{r[1]} · " if several else "") + f"{r[2]} {r[3]} {r[4]}" for r in rows}
    if kind == "community":
        return dict(session.execute(select(model.id, model.name).where(*conds).order_by(model.code)).all())
    rows = session.execute(select(model.id, Community.name, model.name).join(Community, Community.id == model.community_id)
                           .where(*conds).order_by(Community.code, model.code)).all()
    several = len({r[1] for r in rows}) > 1  # the same "1号楼" exists in every community
    return {r[0]: f"{r[1]} · {r[2]}" if several else r[2] for r in rows}


# the option providers of ref="community" / "grid" / "building" / "household" (services.ledgers.PROVIDERS)
def community_options(session: Session, actor: Actor) -> dict[int, str]:
    return options(session, actor, "community")


def grid_options(session: Session, actor: Actor) -> dict[int, str]:
    return options(session, actor, "grid")


def building_options(session: Session, actor: Actor) -> dict[int, str]:
    return options(session, actor, "building")


def household_options(session: Session, actor: Actor) -> dict[int, str]:
    return options(session, actor, "household")


def grid_warnings(ctx: Context, grid: Grid, created: bool) -> None:
    """After a grid is saved: a warning when it holds more households than the community's limit."""
    n = ctx.session.execute(select(func.count(Household.id)).join(Building, Building.id == Household.building_id)
                            .where(Building.grid_id == grid.id, Household.deleted_at.is_(None))).scalar_one()
    limit = settings.get(ctx.session, "grid.households_warn", grid.community_id)
    if n > limit:
        ctx.warnings.append(("warn.grid_too_big", {"n": n, "limit": limit}))


def community_names(session: Session, ids=None) -> dict[int, str]:
    stmt = select(Community.id, Community.name).where(Community.deleted_at.is_(None)).order_by(Community.code)
    if ids is not None:
        stmt = stmt.where(Community.id.in_(sorted(ids)))
    return dict(session.execute(stmt).all())


def grid_names(session: Session, community_ids=None) -> dict[int, str]:
    stmt = select(Grid.id, Community.name, Grid.name).join(Community, Community.id == Grid.community_id) \
        .where(Grid.deleted_at.is_(None)).order_by(Community.code, Grid.code)
    if community_ids is not None:
        stmt = stmt.where(Grid.community_id.in_(sorted(community_ids)))
    return {gid: f"{cname} · {gname}" for gid, cname, gname in session.execute(stmt).all()}


def counts(session: Session, actor: Actor) -> dict[str, int]:
    """Live places per kind in the actor's scope (for the home page)."""
    out = {}
    for kind in KINDS:
        model = ledger(kind).model
        out[kind] = session.execute(select(func.count()).select_from(model)
                                    .where(model.deleted_at.is_(None), *_scope(actor, kind))).scalar_one()
    return out
