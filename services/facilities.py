"""The facility register beyond what the ledger engine (services.ledgers) does from its
declaration (db.models.safety.FACILITY): "due for renewal" as a rule in Python beside its SQL
twin, the options a checklist or a hazard picks from, and each facility's inspections and
hazards."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.safety import FACILITY, HAZARD, INSPECTION, Facility
from services import ledgers
from services.access import Actor


def renewal_due(install: date | None, life_years: int | None, today: date) -> bool:
    if not install or not life_years:
        return False
    try:
        end = install.replace(year=install.year + life_years)
    except ValueError:  # 29 February
        end = install.replace(year=install.year + life_years, day=28)
    return end <= today


def options(session: Session, actor: Actor, category: str | None = None, grid_id: int | None = None) -> dict[int, str]:
    """id -> "code name" of the facilities in use the actor sees (the provider of ``ref="facility"``)."""
    conds = [Facility.deleted_at.is_(None), Facility.status != "停用", *ledgers.scope(FACILITY, actor)]
    if category:
        conds.append(Facility.category == category)
    if grid_id:
        conds.append(Facility.grid_id == grid_id)
    return {i: f"{code} {name}" for i, code, name in session.execute(
        select(Facility.id, Facility.code, Facility.name).where(*conds).order_by(Facility.code))}


def history(session: Session, actor: Actor, facility_id: int) -> dict:
    """The facility's submitted inspections (newest first) and its hazards (overdue and 重大
    first), each as its own ledger lists them — for the roles that may see that ledger."""
    ledgers.get(session, actor, FACILITY, facility_id)
    mine = {"facility_id": facility_id}
    return {"inspections": ledgers.list_rows(session, actor, INSPECTION, filters=mine, limit=100).rows
            if ledgers.may(actor, INSPECTION, "view") else [],
            "hazards": ledgers.list_rows(session, actor, HAZARD, filters=mine, limit=100).rows
            if ledgers.may(actor, HAZARD, "view") else []}
