"""The facility register beyond what the ledger engine (services.ledgers) does from its
declaration (db.models.safety.FACILITY): "due for renewal" as a rule in Python beside its SQL
twin, the options a checklist or a hazard picks from, and each facility's inspections and
hazards."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.safety import FACILITY, Facility, Hazard, Inspection
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
    ledgers.get(session, actor, FACILITY, facility_id)
    from services.users import display_names

    rows = session.execute(select(Inspection).where(Inspection.facility_id == facility_id,
                                                    Inspection.status == "submitted", Inspection.deleted_at.is_(None))
                           .order_by(Inspection.inspected_on.desc()).limit(100)).scalars().all()
    names = display_names(session, [i.inspector for i in rows])
    inspections = [{"id": i.id, "inspected_on": i.inspected_on, "inspector": names.get(i.inspector, i.inspector),
                    "overall": i.overall, "items_failed": i.items_failed, "source": i.source} for i in rows]
    hazards = [{"id": h.id, "found_on": h.found_on, "severity": h.severity, "description": h.description,
                "status": h.status, "deadline": h.deadline}
               for h in session.execute(select(Hazard).where(Hazard.facility_id == facility_id,
                                                             Hazard.deleted_at.is_(None))
                                        .order_by(Hazard.found_on.desc()).limit(100)).scalars()]
    return {"inspections": inspections, "hazards": hazards}
