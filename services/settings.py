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


# --- what may be set, by whom, to what (the targets page) ----------------------------------------

def is_target(key: str) -> bool:
    return key.startswith("kpi.") and key.endswith(".target")


def is_weight(key: str) -> bool:
    return key.startswith("kpi.") and key.endswith(".weight")


def right(key: str) -> str:
    """The action of the access matrix's "targets" row that may change ``key``: a KPI target or a
    composite weight is a supervisor's ("edit"), every other threshold the admin's ("thresholds")."""
    return "edit" if is_target(key) or is_weight(key) else "thresholds"


def editable(actor: Actor) -> list[str]:
    """The rows of db/reference/settings.yaml the actor may change, in the file's order."""
    from services.access import can

    return [key for key in defaults() if can(actor, "targets", right(key))]


# a row whose value may not exceed another's: (lower, higher)
ORDERED = (("password.min_length", "password.max_length"),)


def _refused(key: str, **params):
    from services.errors import ValidationError

    return ValidationError({"value": key}, **params)


def checked(session: Session, key: str, value, community_id: int | None = None):
    """``value`` as row ``key`` stores it, or a ValidationError naming what is wrong: a target
    0–100, a weight ≥ 0, a count a positive whole number, an amount above 0 (each at most the
    row's ``max`` where the YAML gives one), a time zone one that exists, an interval a unit and
    a whole number of them (1–366); a lower bound never above its upper one."""
    spec = defaults()[key]
    kind = spec.get("kind", "int")
    if kind == "rule":
        from services.schedule import UNITS

        if not isinstance(value, dict) or value.get("unit") not in UNITS:
            raise _refused("target.err_unit")
        every = _number(value.get("every"), whole=True)
        if every is None or not 1 <= every <= 366:
            raise _refused("target.err_range", lo=1, hi=366)
        return {"unit": value["unit"], "every": int(every)}
    if kind == "text":
        text = str(value).strip() if value is not None else ""
        if not text or len(text) > 100:
            raise _refused("target.err_text")
        if key == "ui.timezone":
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(text)
            except (ZoneInfoNotFoundError, ValueError):
                raise _refused("target.err_zone") from None
        return text
    number = _number(value, whole=kind == "int")
    if number is None:
        raise _refused("target.err_whole" if kind == "int" else "target.err_number")
    if is_target(key):
        lo, hi = 0, 100
    elif is_weight(key):
        lo, hi = 0, spec.get("max")
    else:
        lo, hi = (1 if kind == "int" else 0), spec.get("max")
    if kind == "float" and not (is_target(key) or is_weight(key)) and number <= 0:
        raise _refused("target.err_positive")
    if number < lo or (hi is not None and number > hi):
        raise _refused("target.err_range", lo=lo, hi=hi) if hi is not None else _refused("target.err_min", lo=lo)
    number = int(number) if kind == "int" or number.is_integer() else float(number)  # 90, not 90.0
    for low, high in ORDERED:
        if key == low and number > get(session, high, community_id):
            raise _refused("target.err_order", field=high)
        if key == high and number < get(session, low, community_id):
            raise _refused("target.err_order_low", field=low)
    return number


def _number(value, whole: bool) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")) or (whole and not number.is_integer()):
        return None
    return number


def set_value(session: Session, actor: Actor, key: str, value, community_id: int | None = None) -> Setting:
    """Change a threshold or option, checked (``checked``) and audited; a community may override
    the default. A KPI target or weight takes the "targets" page's edit right (supervisors), any
    other row its "thresholds" right (admin)."""
    from services.access import require, require_row
    from services.errors import ValidationError

    if key not in defaults():
        raise ValidationError({"key": "err.bad_choice"})
    require(actor, "targets", right(key))
    if community_id is not None:
        require_row(actor, community_id)
    value = checked(session, key, value, community_id)
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


def history(session: Session, actor: Actor, limit: int = 200) -> list[dict]:
    """The changes of the rows the actor may change, newest first: when, who (login name), which
    row, for which community (None: the default), the value before and after."""
    from db.models import AuditLog

    keys = set(editable(actor))
    ids = dict(session.execute(select(Setting.id, Setting.key).where(Setting.key.in_(keys))).all()) if keys else {}
    if not ids:
        return []
    rows = session.execute(select(AuditLog).where(AuditLog.table_name == "setting", AuditLog.row_id.in_(list(ids)),
                                                  AuditLog.action.in_(("create", "update")))
                           .order_by(AuditLog.id.desc()).limit(limit)).scalars().all()
    out = []
    for e in rows:
        before, after = audit.decode(e.before), audit.decode(e.after)
        if e.action == "create" and e.actor == SYSTEM.username:
            continue  # the seeded default, not a change
        out.append({"at": e.at, "actor": e.actor, "key": ids[e.row_id], "community_id": after.get("community_id"),
                    "before": json.loads(before["value"]) if before.get("value") is not None else None,
                    "after": json.loads(after["value"]) if after.get("value") is not None else None})
    return out
