"""The facility register: 18 categories, location, responsible organisation, life span and
status; "due for renewal" when past its expected life; each facility's history."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, extract, func, or_, select
from sqlalchemy.orm import Session

from db.models import Grid
from db.models.safety import FACILITY, Facility, Hazard, Inspection
from services import clock, records
from services.access import Actor, community_clause, grid_clause, require, require_row
from services.errors import Duplicate


def scope(actor: Actor) -> list:
    return [community_clause(actor, Facility.community_id), grid_clause(actor, Facility.grid_id)]


def renewal_due(install: date | None, life_years: int | None, today: date) -> bool:
    if not install or not life_years:
        return False
    try:
        end = install.replace(year=install.year + life_years)
    except ValueError:  # 29 February
        end = install.replace(year=install.year + life_years, day=28)
    return end <= today


def renewal_due_clause(today: date):
    """``renewal_due`` in SQL (SQLite and PostgreSQL alike), so the filter and the page count
    run in the database: the anniversary install_date + life years has come. 29 February
    installs fall due on 28 February of a year that has no 29th, as in ``renewal_due``."""
    year = extract("year", Facility.install_date) + Facility.expected_life_years
    month_day = extract("month", Facility.install_date) * 100 + extract("day", Facility.install_date)
    leap = or_(and_(year % 4 == 0, year % 100 != 0), year % 400 == 0)
    month_day = case((and_(month_day == 229, ~leap), 228), else_=month_day)
    today_md = today.month * 100 + today.day
    return and_(Facility.install_date.is_not(None), func.coalesce(Facility.expected_life_years, 0) > 0,
                or_(year < today.year, and_(year == today.year, month_day <= today_md)))


def save_facility(session: Session, actor: Actor, data: dict, facility_id: int | None = None,
                  expected_version: int | None = None, today: date | None = None) -> Facility:
    require(actor, "facilities", "create" if facility_id is None else "edit")
    today = today or clock.today()
    values = records.validate(FACILITY, data)
    if values.get("install_date") and values["install_date"] > today:
        from services.errors import ValidationError

        raise ValidationError({"install_date": "err.future_date"})
    grid = records.get_live(session, Grid, values["grid_id"])
    require_row(actor, grid.community_id, grid.id)
    values["community_id"] = grid.community_id
    clash = select(Facility.id).where(Facility.community_id == grid.community_id, Facility.code == values["code"])
    if facility_id is not None:
        clash = clash.where(Facility.id != facility_id)
    if session.execute(clash.limit(1)).first():
        raise Duplicate("err.duplicate_field", field="code")
    if facility_id is None:
        return records.create(session, actor, Facility, values)
    facility = records.get_live(session, Facility, facility_id)
    require_row(actor, facility.community_id, facility.grid_id)
    return records.update(session, actor, facility, values, expected_version)


def list_facilities(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
                    sort: str | None = None, descending: bool = False, limit: int = 50, offset: int = 0,
                    today: date | None = None) -> records.Page:
    require(actor, "facilities", "view")
    today = today or clock.today()
    filters = dict(filters or {})
    due = renewal_due_clause(today)
    where = scope(actor) + ([due] if filters.pop("renewal", None) else [])
    page = records.list_page(session, FACILITY, viewer=actor, where=where, search=search, filters=filters, sort=sort,
                             descending=descending, limit=limit, offset=offset,
                             extra_columns={"community_id": Facility.community_id,
                                            "renewal_due": case((due, True), else_=False)})
    for r in page.rows:
        r["renewal_due"] = bool(r["renewal_due"])
    return page


def options(session: Session, actor: Actor, category: str | None = None, grid_id: int | None = None) -> dict[int, str]:
    conds = [Facility.deleted_at.is_(None), Facility.status != "停用", *scope(actor)]
    if category:
        conds.append(Facility.category == category)
    if grid_id:
        conds.append(Facility.grid_id == grid_id)
    return {i: f"{code} {name}" for i, code, name in session.execute(
        select(Facility.id, Facility.code, Facility.name).where(*conds).order_by(Facility.code))}


def history(session: Session, actor: Actor, facility_id: int) -> dict:
    require(actor, "facilities", "view")
    facility = records.get_live(session, Facility, facility_id)
    require_row(actor, facility.community_id, facility.grid_id)
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
