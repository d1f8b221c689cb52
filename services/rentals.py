"""Rental housing beyond what the ledger engine (services.ledgers) does from the declaration
(db.models.residents.RENTAL): the tenants (linked residents, not a column), the landlord's
phone, closing a registration, the checks, and the inspection clock — quarterly, monthly for
群租 (schedule rules as settings rows) — as SQL columns the list computes, filters and sorts by."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, and_, case, delete, func, insert, literal, select, type_coerce
from sqlalchemy.orm import Session

from db.declarations import Context
from db.models import Community, Rental, RentalCheck, Resident
from db.models.residents import RENTAL, RESIDENT, last_check, rental_tenant
from db.sqldates import add_interval, days_between
from services import clock, idcard, ledgers, privacy, records, settings
from services.access import Actor, require
from services.errors import ValidationError

CHECK_RESULTS = ("合格", "需整改")
SOON_DAYS = 2  # as services.schedule.due: "soon" when due within two days


def check_rule(session: Session, group_rental: bool, community_id: int | None = None) -> tuple[str, int]:
    key = "rental.check_group" if group_rental else "rental.check"
    spec = settings.get(session, key, community_id)
    return spec["unit"], int(spec["every"])


# --- the declaration's hooks ---------------------------------------------------------------

def check_values(ctx: Context, values: dict) -> None:
    """RENTAL.clean: the landlord's phone as digits."""
    if values.get("landlord_phone"):
        try:
            values["landlord_phone"] = idcard.normalize_phone(values["landlord_phone"])
        except idcard.IdError as e:
            raise ValidationError({"landlord_phone": e.key}) from None


def store_tenants(ctx: Context, rental: Rental, created: bool) -> None:
    """RENTAL.after_save: the tenants picked — live residents of the rental's community (the
    change is in the save's own audit entry)."""
    ids = sorted({int(i) for i in ctx.values.get("tenants") or []})
    if ids:
        found = ctx.session.execute(select(Resident.id, Resident.community_id).where(
            Resident.id.in_(ids), Resident.deleted_at.is_(None))).all()
        if len(found) != len(ids) or any(c != rental.community_id for _, c in found):
            raise ValidationError({"tenants": "err.bad_choice"})
    have = set(ctx.session.execute(select(rental_tenant.c.resident_id)
                                   .where(rental_tenant.c.rental_id == rental.id)).scalars())
    if set(ids) != have:
        ctx.session.execute(delete(rental_tenant).where(rental_tenant.c.rental_id == rental.id))
        if ids:
            ctx.session.execute(insert(rental_tenant), [{"rental_id": rental.id, "resident_id": i} for i in ids])


def fill_rows(ctx: Context, rows: list[dict]) -> None:
    """RENTAL.fill: each row's tenant ids — one query for the page."""
    tenants: dict[int, list[int]] = {r["id"]: [] for r in rows}
    for rental_id, resident_id in ctx.session.execute(
            select(rental_tenant.c.rental_id, rental_tenant.c.resident_id)
            .where(rental_tenant.c.rental_id.in_(list(tenants))).order_by(rental_tenant.c.resident_id)):
        tenants[rental_id].append(resident_id)
    for r in rows:
        r["tenants"] = tenants[r["id"]]


# --- the inspection clock in SQL -----------------------------------------------------------

def _rules(ctx: Context) -> list[tuple[int | None, bool, str, int]]:
    """(community or None for the default, group rental, unit, every): the communities in the
    actor's scope whose rule differs from the default first."""
    communities = ctx.actor.community_ids
    if communities is None:
        communities = ctx.session.execute(select(Community.id)).scalars().all()
    out = []
    for group in (True, False):
        default = check_rule(ctx.session, group)
        for cid in sorted(communities):
            rule = check_rule(ctx.session, group, cid)
            if rule != default:
                out.append((cid, group, *rule))
        out.append((None, group, *default))
    return out


def next_due_column(ctx: Context):
    """The date the next check is due: one interval of the row's rule after its last check (or
    its registration), month ends clamped — services.schedule.due's ``next_due``, in SQL."""
    base = func.coalesce(last_check(Rental.id), Rental.registered_date)
    whens = []
    for cid, group, unit, every in _rules(ctx):
        cond = Rental.group_rental.is_(group)
        if cid is not None:
            cond = and_(Rental.community_id == cid, cond)
        whens.append((cond, add_interval(base, unit, every)))
    return type_coerce(case(*whens), Date)


def check_status_column(ctx: Context):
    """"overdue" once the due date has passed, "soon" within two days of it, else "ok"."""
    due = next_due_column(ctx)
    return case((due < literal(ctx.today, Date), "overdue"),
                (due <= literal(date.fromordinal(ctx.today.toordinal() + SOON_DAYS), Date), "soon"), else_="ok")


def days_overdue_column(ctx: Context):
    due = next_due_column(ctx)
    return case((due < literal(ctx.today, Date), days_between(literal(ctx.today, Date), due)), else_=None)


# --- what is special -------------------------------------------------------------------------

def close_rental(session: Session, actor: Actor, rental_id: int, expected_version: int | None) -> Rental:
    require(actor, "rentals", "edit")
    rental = ledgers.get(session, actor, RENTAL, rental_id)
    return records.update(session, actor, rental, {"status": "closed"}, expected_version)


def record_check(session: Session, actor: Actor, rental_id: int, check_date: date, result: str, note: str | None,
                 today: date | None = None) -> RentalCheck:
    require(actor, "rentals", "edit")
    today = today or clock.today()
    rental = ledgers.get(session, actor, RENTAL, rental_id)
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


def rentals_of_resident(session: Session, actor: Actor, resident_id: int) -> list[dict]:
    rows = session.execute(select(Rental).where(Rental.deleted_at.is_(None), *ledgers.scope(RENTAL, actor),
                                                Rental.id.in_(select(rental_tenant.c.rental_id).where(
                                                    rental_tenant.c.resident_id == resident_id)))).scalars().all()
    return privacy.redact_rows(RENTAL, actor, [{"id": r.id, "landlord_name": r.landlord_name,
                                                 "registered_date": r.registered_date,
                                                 "group_rental": r.group_rental, "status": r.status} for r in rows])


def tenants_of(session: Session, actor: Actor, rental_id: int) -> list[dict]:
    """The rental's tenants (moved-out ones too, with their status), by name, as the role may
    see them."""
    ledgers.get(session, actor, RENTAL, rental_id)
    rows = session.execute(select(Resident.id, Resident.name, Resident.status)
                           .join(rental_tenant, rental_tenant.c.resident_id == Resident.id)
                           .where(rental_tenant.c.rental_id == rental_id, Resident.deleted_at.is_(None))
                           .order_by(Resident.name, Resident.id)).all()
    return privacy.redact_rows(RESIDENT, actor, [{"id": i, "name": n, "status": st} for i, n, st in rows])


def checks_of(session: Session, actor: Actor, rental_id: int) -> list[dict]:
    ledgers.get(session, actor, RENTAL, rental_id)
    return [{"check_date": c.check_date, "inspector": c.inspector, "result": c.result, "note": c.note}
            for c in session.execute(select(RentalCheck).where(RentalCheck.rental_id == rental_id,
                                                               RentalCheck.deleted_at.is_(None))
                                     .order_by(RentalCheck.check_date.desc())).scalars()]
