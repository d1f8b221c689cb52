"""Thresholds and options as rows; defaults come from ``db/reference/settings.yaml``."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import reference
from db.models import Setting
from services import audit
from services.access import SYSTEM, Actor


def defaults() -> dict[str, dict]:
    return reference.load("settings")


def get(session: Session, key: str, community_id: int | None = None):
    """The community's value, else the default row, else the YAML default."""
    rows = session.execute(select(Setting).where(Setting.key == key, Setting.deleted_at.is_(None),
                                                 (Setting.community_id == community_id) | Setting.community_id.is_(None))
                           ).scalars().all()
    row = next((r for r in rows if r.community_id == community_id and community_id is not None), None) \
        or next((r for r in rows if r.community_id is None), None)
    if row is not None:
        return json.loads(row.value)
    return defaults()[key]["value"]


def seed_defaults(session: Session, actor: Actor = SYSTEM) -> int:
    """Insert default rows that are missing; returns how many were added."""
    have = set(session.execute(select(Setting.key).where(Setting.community_id.is_(None))).scalars())
    added = 0
    for key, spec in defaults().items():
        if key in have:
            continue
        row = Setting(key=key, community_id=None, value=json.dumps(spec["value"]), kind=spec.get("kind", "int"),
                      created_by=actor.username, updated_by=actor.username)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "setting", row.id, None, audit.snapshot(row))
        added += 1
    return added


def set_value(session: Session, actor: Actor, key: str, value, community_id: int | None = None) -> Setting:
    """Change a threshold or option (admin), audited; a community may override the default."""
    from services.access import require
    from services.errors import ValidationError

    require(actor, "reference", "edit")
    if key not in defaults():
        raise ValidationError({"key": "err.bad_choice"})
    row = session.execute(select(Setting).where(Setting.key == key, Setting.community_id.is_(community_id)
                                                if community_id is None else Setting.community_id == community_id)
                          ).scalar_one_or_none()
    before = audit.snapshot(row) if row else None
    if row is None:
        row = Setting(key=key, community_id=community_id, kind=defaults()[key].get("kind", "int"),
                      value=json.dumps(value), created_by=actor.username, updated_by=actor.username)
        session.add(row)
    else:
        row.value, row.updated_by = json.dumps(value), actor.username
    session.flush()
    audit.record(session, actor, "update" if before else "create", "setting", row.id, before, audit.snapshot(row),
                 community_id=community_id)
    return row
