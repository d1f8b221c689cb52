"""Getting a database ready: migrate to head, seed default settings, load the demo into an
empty database unless ``COMMUNITY_DEMO=0``."""
from __future__ import annotations

import os

from sqlalchemy import Engine

from db import demo
from db.engine import get_engine, session_scope
from db.migrate import upgrade
from services import audit, settings, users, visits
from services.access import SYSTEM

DEMO_SETTING = "demo.loaded"


def demo_enabled() -> bool:
    return os.environ.get("COMMUNITY_DEMO", "1").strip() not in ("0", "false", "no", "off")


def demo_password() -> str:
    return os.environ.get("COMMUNITY_DEMO_PASSWORD") or "community"


def prepare(url: str | None = None, *, load_demo: bool | None = None) -> str:
    """Upgrade, seed settings and (on an empty database) the demo. Returns what it did."""
    upgrade(url)
    engine = get_engine(url)
    with session_scope(engine, write=True) as s:
        settings.seed_defaults(s)
        visits.seed_rules(s)
    load = demo_enabled() if load_demo is None else load_demo
    with session_scope(engine) as s:
        empty = users.count_users(s) == 0
    if not empty:
        return "ready"
    if not load:
        return "empty"
    load_demo_data(engine)
    return "demo"


def load_demo_data(engine: Engine) -> None:
    from db.models import Setting
    import json

    with session_scope(engine, write=True) as s:
        places = demo.build_places(s)
        for username, role, name, c_idx, g_idx in demo.DEMO_ACCOUNTS:
            grids_by_community = {}
            for g in places.grids:
                grids_by_community.setdefault(g.community_id, []).append(g)
            data = users.UserData(
                username=username, display_name=name, role=role, email=f"{username}@example.org",
                community_ids=tuple(places.communities[i].id for i in c_idx),
                grid_ids=tuple(grids_by_community[places.communities[ci].id][gi].id for ci, gi in g_idx))
            user = users.create_user(s, SYSTEM, data, demo_password())
            user.must_change_password = False
        counts = _demo_ledgers(s, places)
        row = Setting(key=DEMO_SETTING, community_id=None, value=json.dumps(True), kind="bool",
                      created_by="system", updated_by="system")
        s.add(row)
        s.flush()
        audit.record(s, SYSTEM, "seed_demo", "demo", None, None, {
            "communities": len(places.communities), "grids": len(places.grids),
            "buildings": len(places.buildings), "households": len(places.households), **counts})


def _demo_ledgers(s, places) -> dict:
    """Residents (ID numbers encrypted like any other), tags, a year of visits, rentals."""
    from datetime import date

    from sqlalchemy import insert

    from db.models import Rental, RentalCheck, Resident, ResidentTag, Visit, rental_tenant
    from services import idcard, residents

    today = date.today()
    people = demo.build_residents(places, today)
    payload = []
    for r in people:
        row = {k: v for k, v in r.items() if k not in ("id_number", "tags", "since")}
        row.update(residents.id_columns(r["id_type"], idcard.IdInfo(r["id_number"], None, None)),
                   created_by="demo", updated_by="demo")
        payload.append(row)
    ids = s.execute(insert(Resident).returning(Resident.id, sort_by_parameter_order=True), payload).scalars().all()
    tags = [{"resident_id": rid, "community_id": r["community_id"], "tag": t, "since": r["since"]}
            for rid, r in zip(ids, people) for t in r["tags"]]
    if tags:
        s.execute(insert(ResidentTag), tags)
    visit_rows = demo.build_visits(people, ids, visits.rules(s), today)
    for v in visit_rows:
        v.update(created_by="demo", updated_by="demo")
    for start in range(0, len(visit_rows), 5000):
        s.execute(insert(Visit), visit_rows[start:start + 5000])
    rentals, tenants, checks = demo.build_rentals(places, people, ids, today)
    for r in rentals:
        r.update(created_by="demo", updated_by="demo")
    rental_ids = s.execute(insert(Rental).returning(Rental.id, sort_by_parameter_order=True), rentals).scalars().all() \
        if rentals else []
    links = [{"rental_id": rid, "resident_id": t} for rid, ts in zip(rental_ids, tenants) for t in ts]
    if links:
        s.execute(insert(rental_tenant), links)
    check_rows = [{**c, "rental_id": rid, "community_id": r["community_id"], "created_by": "demo", "updated_by": "demo"}
                  for rid, r, cs in zip(rental_ids, rentals, checks) for c in cs]
    if check_rows:
        s.execute(insert(RentalCheck), check_rows)
    return {"residents": len(ids), "visits": len(visit_rows), "rentals": len(rental_ids)}


def is_demo(session) -> bool:
    from sqlalchemy import select
    from db.models import Setting

    if not demo_enabled():
        return False
    return session.execute(select(Setting.id).where(Setting.key == DEMO_SETTING)).first() is not None
