"""Communities, grids, buildings, households: the hierarchy every ledger hangs on."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.declarations import Ledger
from db.models import Building, Community, Grid, Household, PLACE_LEDGERS
from services import records, settings
from services.access import Actor, community_clause, require, require_row
from services.errors import Duplicate, PermissionDenied

KINDS = ("community", "grid", "building", "household")


def ledger(kind: str) -> Ledger:
    return PLACE_LEDGERS[kind]


def _scope(actor: Actor, kind: str) -> list:
    model = ledger(kind).model
    column = model.id if kind == "community" else model.community_id
    return [community_clause(actor, column)]


def list_places(session: Session, actor: Actor, kind: str, *, search: str | None = None,
                filters: dict | None = None, sort: str | None = None, descending: bool = False,
                limit: int = 50, offset: int = 0) -> records.Page:
    require(actor, "places", "view")
    extra = {}
    if kind == "grid":
        extra["households"] = (select(func.count(Household.id)).join(Building, Building.id == Household.building_id)
                               .where(Building.grid_id == Grid.id, Household.deleted_at.is_(None),
                                      Building.deleted_at.is_(None)).scalar_subquery())
    return records.list_page(session, ledger(kind), viewer=actor, where=_scope(actor, kind), search=search, filters=filters,
                             sort=sort, descending=descending, limit=limit, offset=offset, extra_columns=extra)


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


def get_place(session: Session, actor: Actor, kind: str, row_id: int):
    require(actor, "places", "view")
    obj = records.get_live(session, ledger(kind).model, row_id)
    require_row(actor, obj.id if kind == "community" else obj.community_id)
    return obj


def _parent_community(session: Session, actor: Actor, kind: str, values: dict) -> int | None:
    """The community a new or moved place belongs to, from its parent (checked for scope)."""
    if kind == "community":
        return None
    if kind == "grid":
        parent = records.get_live(session, Community, values["community_id"])
        cid = parent.id
    elif kind == "building":
        parent = records.get_live(session, Grid, values["grid_id"])
        cid = parent.community_id
    else:
        parent = records.get_live(session, Building, values["building_id"])
        cid = parent.community_id
    require_row(actor, cid)
    return cid


def _check_unique(session: Session, kind: str, values: dict, community_id: int | None, row_id: int | None) -> None:
    model = ledger(kind).model
    if kind == "household":
        conds = [Household.building_id == values["building_id"], Household.unit == values["unit"],
                 Household.room == values["room"]]
        field = "room"
    else:
        conds = [model.code == values["code"]]
        if kind != "community":
            conds.append(model.community_id == community_id)
        field = "code"
    if row_id is not None:
        conds.append(model.id != row_id)
    # a soft-deleted row still holds its unique key in the table
    if session.execute(select(model.id).where(*conds).limit(1)).first():
        raise Duplicate("err.duplicate_field", field=field)


def save_place(session: Session, actor: Actor, kind: str, data: dict, row_id: int | None = None,
               expected_version: int | None = None):
    """Create (``row_id`` None) or update a place. Returns (object, warnings as catalog keys)."""
    require(actor, "places", "communities" if kind == "community" else "edit")
    values = records.validate(ledger(kind), data)
    community_id = _parent_community(session, actor, kind, values)
    if kind != "community" and kind != "grid":
        values["community_id"] = community_id
    if row_id is None:
        _check_unique(session, kind, values, community_id, None)
        obj = records.create(session, actor, ledger(kind).model, values)
    else:
        obj = get_place(session, actor, kind, row_id)
        if kind != "community" and obj.community_id != community_id and records.references(session, obj):
            raise PermissionDenied("err.move_in_use")
        _check_unique(session, kind, values, community_id, row_id)
        obj = records.update(session, actor, obj, values, expected_version)
    return obj, grid_warnings(session, obj if kind == "grid" else None)


def grid_warnings(session: Session, grid: Grid | None) -> list[tuple[str, dict]]:
    if grid is None:
        return []
    n = session.execute(select(func.count(Household.id)).join(Building, Building.id == Household.building_id)
                        .where(Building.grid_id == grid.id, Household.deleted_at.is_(None))).scalar_one()
    limit = settings.get(session, "grid.households_warn", grid.community_id)
    return [("warn.grid_too_big", {"n": n, "limit": limit})] if n > limit else []


def delete_place(session: Session, actor: Actor, kind: str, row_id: int, expected_version: int | None) -> None:
    require(actor, "places", "communities" if kind == "community" else "delete")
    obj = get_place(session, actor, kind, row_id)
    records.soft_delete(session, actor, obj, expected_version)


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
        conds = [model.deleted_at.is_(None), *_scope(actor, kind)]
        if actor.grid_ids is not None and kind != "community":  # staff: their grids only
            grid_col = {"grid": Grid.id, "building": Building.grid_id}.get(kind)
            if grid_col is None:
                conds.append(Household.building_id.in_(select(Building.id).where(Building.grid_id.in_(
                    sorted(actor.grid_ids)))))
            else:
                conds.append(grid_col.in_(sorted(actor.grid_ids)))
        out[kind] = session.execute(select(func.count()).select_from(model).where(*conds)).scalar_one()
    return out
