"""Getting a database ready: migrate to head, seed default settings, load the demo into an
empty database unless ``COMMUNITY_DEMO=0``."""
from __future__ import annotations

import os

from sqlalchemy import Engine

from db import demo
from db.engine import get_engine, session_scope
from db.migrate import upgrade
from services import audit, settings, users
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
        row = Setting(key=DEMO_SETTING, community_id=None, value=json.dumps(True), kind="bool",
                      created_by="system", updated_by="system")
        s.add(row)
        s.flush()
        audit.record(s, SYSTEM, "seed_demo", "demo", None, None, {
            "communities": len(places.communities), "grids": len(places.grids),
            "buildings": len(places.buildings), "households": len(places.households)})


def is_demo(session) -> bool:
    from sqlalchemy import select
    from db.models import Setting

    if not demo_enabled():
        return False
    return session.execute(select(Setting.id).where(Setting.key == DEMO_SETTING)).first() is not None
