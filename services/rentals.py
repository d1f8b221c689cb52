"""Rental housing: landlord, tenants (linked residents), 群租 flag, pledge, occupants, and the
inspection clock: quarterly, monthly for 群租 (schedule rules as settings rows)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from db.models import Building, Household, Rental, RentalCheck, Resident
from db.models.residents import RENTAL, RESIDENT, rental_tenant
from services import audit, clock, idcard, privacy, records, schedule, settings
from services.access import Actor, community_clause, grid_clause, require, require_row
from services.errors import ValidationError

CHECK_RESULTS = ("合格", "需整改")


def scope(actor: Actor) -> list:
    return [community_clause(actor, Rental.community_id), grid_clause(actor, Rental.grid_id)]


def check_rule(session: Session, group_rental: bool, community_id: int | None = None) -> tuple[str, int]:
    key = "rental.check_group" if group_rental else "rental.check"
    spec = settings.get(session, key, community_id)
    return spec["unit"], int(spec["every"])


def _tenants(session: Session, actor: Actor, rental: Rental, ids) -> list[int]:
    ids = [int(i) for i in ids or []]
    if not ids:
        return []
    found = session.execute(select(Resident.id, Resident.community_id).where(Resident.id.in_(ids),
                                                                            Resident.deleted_at.is_(None))).all()
    if len(found) != len(set(ids)) or any(c != rental.community_id for _, c in found):
        raise ValidationError({"tenants": "err.bad_choice"})
    return sorted(set(ids))


def save_rental(session: Session, actor: Actor, data: dict, rental_id: int | None = None,
                expected_version: int | None = None, today: date | None = None) -> Rental:
    require(actor, "rentals", "create" if rental_id is None else "edit")
    today = today or clock.today()
    values = records.validate(RENTAL, data)
    tenant_ids = values.pop("tenants", [])
    if values["registered_date"] > today:
        raise ValidationError({"registered_date": "err.future_date"})
    if values.get("landlord_phone"):
        try:
            values["landlord_phone"] = idcard.normalize_phone(values["landlord_phone"])
        except idcard.IdError as e:
            raise ValidationError({"landlord_phone": e.key}) from None
    household = records.get_live(session, Household, values["household_id"])
    building = session.get(Building, household.building_id)
    require_row(actor, household.community_id, building.grid_id)
    values.update(community_id=household.community_id, grid_id=building.grid_id)
    if rental_id is None:
        rental = records.create(session, actor, Rental, values)
    else:
        rental = records.get_live(session, Rental, rental_id)
        require_row(actor, rental.community_id, rental.grid_id)
        rental = records.update(session, actor, rental, values, expected_version)
    tenants = _tenants(session, actor, rental, tenant_ids)
    have = set(session.execute(select(rental_tenant.c.resident_id).where(rental_tenant.c.rental_id == rental.id))
               .scalars())
    if set(tenants) != have:
        session.execute(delete(rental_tenant).where(rental_tenant.c.rental_id == rental.id))
        if tenants:
            session.execute(insert(rental_tenant), [{"rental_id": rental.id, "resident_id": t} for t in tenants])
        audit.record(session, actor, "tenants", "rental", rental.id, {"tenants": sorted(have)}, {"tenants": tenants},
                     community_id=rental.community_id)
    return rental


def close_rental(session: Session, actor: Actor, rental_id: int, expected_version: int | None) -> Rental:
    require(actor, "rentals", "edit")
    rental = records.get_live(session, Rental, rental_id)
    require_row(actor, rental.community_id, rental.grid_id)
    return records.update(session, actor, rental, {"status": "closed"}, expected_version)


def record_check(session: Session, actor: Actor, rental_id: int, check_date: date, result: str, note: str | None,
                 today: date | None = None) -> RentalCheck:
    require(actor, "rentals", "edit")
    today = today or clock.today()
    rental = records.get_live(session, Rental, rental_id)
    require_row(actor, rental.community_id, rental.grid_id)
    errors = {}
    if not isinstance(check_date, date) or check_date > today:
        errors["check_date"] = "err.future_date"
    elif check_date < rental.registered_date:
        errors["check_date"] = "err.out_of_range"
    if result not in CHECK_RESULTS:
        errors["result"] = "err.bad_choice"
    if errors:
        raise ValidationError(errors)
    return records.create(session, actor, RentalCheck, {
        "rental_id": rental.id, "community_id": rental.community_id, "check_date": check_date,
        "inspector": actor.display_name or actor.username, "result": result, "note": records.clean_text(note)})


@dataclass
class RentalRow:
    row: dict
    last_check: date | None
    next_due: date
    status: str
    days_overdue: int


def list_rentals(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
                 sort: str | None = None, descending: bool = False, limit: int = 50, offset: int = 0,
                 today: date | None = None) -> records.Page:
    """Rentals with their inspection status (last check, next due, overdue days)."""
    require(actor, "rentals", "view")
    today = today or clock.today()
    filters = dict(filters or {})
    last = (select(func.max(RentalCheck.check_date)).where(RentalCheck.rental_id == Rental.id,
                                                           RentalCheck.deleted_at.is_(None))
            .correlate(Rental).scalar_subquery())
    address = (select(Building.name + " " + Household.unit + " " + Household.room)
               .join(Household, Household.building_id == Building.id).where(Household.id == Rental.household_id)
               .scalar_subquery())
    if filters.get("status") == "all":
        filters.pop("status")
    page = records.list_page(session, RENTAL, viewer=actor, where=scope(actor), search=search, filters=filters, sort=sort,
                             descending=descending, limit=limit, offset=offset,
                             extra_columns={"last_check": last, "address": address})
    tenants: dict[int, list[int]] = {r["id"]: [] for r in page.rows}  # one query for the page, not one a row
    for rental_id, resident_id in session.execute(select(rental_tenant.c.rental_id, rental_tenant.c.resident_id)
                                                  .where(rental_tenant.c.rental_id.in_(list(tenants)))):
        tenants[rental_id].append(resident_id)
    rules: dict = {}
    for r in page.rows:
        last_check = r["last_check"] if r["last_check"] is None or isinstance(r["last_check"], date) \
            else date.fromisoformat(str(r["last_check"])[:10])
        rule = (bool(r["group_rental"]), r.get("community_id"))
        if rule not in rules:
            rules[rule] = check_rule(session, *rule)
        unit, every = rules[rule]
        d = schedule.due(last_check, r["registered_date"], unit, every, today)
        r.update(last_check=last_check, next_due=d.next_due, check_status=d.status, days_overdue=d.days_overdue,
                 tenants=tenants[r["id"]])
    return page


def rentals_of_resident(session: Session, actor: Actor, resident_id: int) -> list[dict]:
    rows = session.execute(select(Rental).where(Rental.deleted_at.is_(None), *scope(actor), Rental.id.in_(
        select(rental_tenant.c.rental_id).where(rental_tenant.c.resident_id == resident_id)))).scalars().all()
    return privacy.redact_rows(RENTAL, actor, [{"id": r.id, "landlord_name": r.landlord_name,
                                                 "registered_date": r.registered_date,
                                                 "group_rental": r.group_rental, "status": r.status} for r in rows])


def tenants_of(session: Session, actor: Actor, rental_id: int) -> list[dict]:
    """The rental's tenants (moved-out ones too, with their status), by name, as the role may
    see them."""
    require(actor, "rentals", "view")
    rental = records.get_live(session, Rental, rental_id)
    require_row(actor, rental.community_id, rental.grid_id)
    rows = session.execute(select(Resident.id, Resident.name, Resident.status)
                           .join(rental_tenant, rental_tenant.c.resident_id == Resident.id)
                           .where(rental_tenant.c.rental_id == rental_id, Resident.deleted_at.is_(None))
                           .order_by(Resident.name, Resident.id)).all()
    return privacy.redact_rows(RESIDENT, actor, [{"id": i, "name": n, "status": st} for i, n, st in rows])


def checks_of(session: Session, actor: Actor, rental_id: int) -> list[dict]:
    require(actor, "rentals", "view")
    rental = records.get_live(session, Rental, rental_id)
    require_row(actor, rental.community_id, rental.grid_id)
    return [{"check_date": c.check_date, "inspector": c.inspector, "result": c.result, "note": c.note}
            for c in session.execute(select(RentalCheck).where(RentalCheck.rental_id == rental_id,
                                                               RentalCheck.deleted_at.is_(None))
                                     .order_by(RentalCheck.check_date.desc())).scalars()]
