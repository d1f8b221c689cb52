"""Resident files beyond what the ledger engine (services.ledgers) does from the declaration
(db.models.residents.RESIDENT): the identity checks (the document number validated, birth date
and gender derived from it, stored encrypted with a keyed hash and a mask, revealed only with an
audit entry), special-group tags, status changes that keep history, the purge, the household
view of a file, the full-number export, and the resident pickers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.declarations import Context
from db.models import Building, Household, Resident, ResidentTag, Visit
from db.models.residents import RESIDENT, STATUSES, VISIT, years_before
from services import audit, clock, crypto, idcard, ledgers, privacy, records
from services.access import Actor, can, require, sees_grid
from services.errors import Duplicate, NotFound, ValidationError

PERSONAL_EXCLUDE = RESIDENT.audit_exclude  # never in an audit entry either


def visible_groups(actor: Actor) -> tuple[str, ...]:
    """The special groups the role may see (社区矫正 and the other restricted ones for managers)."""
    return privacy.allowed_choices(actor, RESIDENT.field("tags"))


def _snapshot(obj: Resident) -> dict:
    return audit.snapshot(obj, exclude=("password_hash",) + PERSONAL_EXCLUDE)


# --- validation (the declaration's hooks) ---------------------------------------------------

def check_fields(actor: Actor, data: dict, *, keep_id: bool = False, existing: Resident | None = None,
                 today: date | None = None) -> tuple[dict, list[str], "idcard.IdInfo | None"]:
    """The checks that need no database: field rules, the document number, birth date and gender
    derived from it and compared with what was typed, the phone. Shared by forms and imports."""
    today = today or clock.today()
    data = dict(data)
    if keep_id:
        data["id_number"] = "(unchanged)"
    errors: dict[str, str] = {}
    try:
        values = records.validate(RESIDENT, data)
    except ValidationError as e:
        errors.update(e.errors)
        values = {}
        for f in RESIDENT.fields:
            if f.editable and f.name not in e.errors:
                try:
                    values[f.name] = records._coerce(f, data.get(f.name))
                except (TypeError, ValueError):
                    values[f.name] = None
    tags = values.pop("tags", None) or []
    if set(tags) - set(visible_groups(actor)):
        errors["tags"] = "err.bad_choice"
    raw_id = values.pop("id_number", None)
    info = None
    if not keep_id and raw_id and "id_type" not in errors and values.get("id_type"):
        try:
            info = idcard.parse(values["id_type"], raw_id, today)
        except idcard.IdError as e:
            errors["id_number"] = e.key
    birth = values.get("birth_date")
    if info and info.birth_date:
        if birth and birth != info.birth_date:
            errors["birth_date"] = "err.id_birth_mismatch"
        values["birth_date"] = info.birth_date
        if values.get("gender") and values["gender"] != info.gender:
            errors["gender"] = "err.id_gender_mismatch"
        values["gender"] = info.gender
    elif keep_id and existing is not None:
        values["birth_date"] = birth or existing.birth_date
        values["gender"] = values.get("gender") or existing.gender
    if existing is not None and not values.get("birth_date") and not (info and info.birth_date):
        values["birth_date"] = existing.birth_date  # a role that does not see it cannot retype it
    derived = values.get("id_type") in ("居民身份证", "港澳台居民居住证") and "id_number" in errors
    if not values.get("birth_date") and "birth_date" not in errors and not derived:
        errors["birth_date"] = "err.required"
    elif values.get("birth_date") and values["birth_date"] > today:
        errors["birth_date"] = "err.id_future_birth"
    if not values.get("gender") and "gender" not in errors and not derived:
        errors["gender"] = "err.required"
    if values.get("phone"):
        try:
            values["phone"] = idcard.normalize_phone(values["phone"])
        except idcard.IdError as e:
            errors["phone"] = e.key
    if errors:
        raise ValidationError(errors)
    values.pop("status", None)
    return values, tags, info


def id_columns(id_type: str, info: "idcard.IdInfo") -> dict:
    """What is stored of a document number: the Fernet token, the keyed hash, the mask."""
    return {"id_enc": crypto.encrypt(info.number), "id_hash": id_digest(id_type, info.number),
            "id_masked": idcard.mask(info.number), "id_last4": info.number[-4:]}


def id_digest(id_type: str, number: str) -> str:
    return crypto.keyed_hash(f"{id_type}:{number}")


def check_values(ctx: Context, data: dict) -> dict:
    """RESIDENT.validate: every field's error at once. An edit that leaves the number blank keeps
    the stored one; a role that does not see the birth date leaves it to follow a newly typed
    number, or as stored."""
    data = dict(data)
    if ctx.obj is not None and not privacy.sees(ctx.actor, RESIDENT.field("birth_date")):
        data["birth_date"] = None
    keep_id = ctx.obj is not None and not records.clean_text(data.get("id_number"))
    values, tags, info = check_fields(ctx.actor, data, keep_id=keep_id, existing=ctx.obj, today=ctx.today)
    values["tags"] = sorted(tags)  # as _tags_for gives them: a save that changes nothing writes nothing
    values["id_number"] = info.number if info is not None else None  # not a column: check_number stores it
    return values


def check_number(ctx: Context, values: dict) -> None:
    """RESIDENT.clean: a number already on file is refused — naming the file when it is in the
    actor's scope, nobody otherwise; a new number is stored as its token, hash and mask."""
    number = values.get("id_number")
    if number is None:
        return
    digest = id_digest(values["id_type"], number)
    other = ctx.session.execute(select(Resident.id, Resident.name, Resident.community_id, Resident.grid_id,
                                       Resident.deleted_at).where(
        Resident.id_hash == digest, Resident.id != (ctx.obj.id if ctx.obj is not None else -1))).first()
    if other:
        if other.deleted_at is None and sees_grid(ctx.actor, other.community_id, other.grid_id):
            raise Duplicate("err.id_duplicate", resident_id=other.id, name=other.name)
        # outside the actor's scope: that the number is known, and whom to ask — nobody's name
        raise Duplicate("err.id_elsewhere")
    values.update(id_columns(values["id_type"], idcard.IdInfo(number, None, None)))


# --- tags ----------------------------------------------------------------------------------

def store_tags(ctx: Context, resident: Resident, created: bool) -> None:
    """RESIDENT.after_save: the tags the actor picked."""
    _set_tags(ctx.session, resident, ctx.values.get("tags") or [], ctx.today, ctx.actor)


def _set_tags(session: Session, resident: Resident, tags: list[str], today: date, actor: Actor) -> None:
    """Replace the tags the actor may see; restricted tags it cannot see stay untouched."""
    visible = set(visible_groups(actor))
    have = {t.tag: t for t in session.execute(select(ResidentTag).where(ResidentTag.resident_id == resident.id))
            .scalars()}
    for tag, row in have.items():
        if tag in visible and tag not in tags:
            session.delete(row)
    for tag in tags:
        if tag not in have:
            session.add(ResidentTag(resident_id=resident.id, community_id=resident.community_id, tag=tag, since=today))
    session.flush()


def tags_of(session: Session, actor: Actor, resident_id: int) -> list[str]:
    return _tags_for(session, actor, [resident_id]).get(resident_id, [])


def _tags_for(session: Session, actor: Actor, ids: list[int]) -> dict[int, list[str]]:
    """The tags the actor may see, per resident, in one order (the one a save stores them in)."""
    if not ids:
        return {}
    visible = set(visible_groups(actor))
    out: dict[int, list[str]] = {}
    for rid, tag in session.execute(select(ResidentTag.resident_id, ResidentTag.tag)
                                    .where(ResidentTag.resident_id.in_(ids))):
        if tag in visible:
            out.setdefault(rid, []).append(tag)
    return {rid: sorted(tags) for rid, tags in out.items()}


# --- the list ------------------------------------------------------------------------------

def search_clause(actor: Actor, term: str):
    """The list's search (Ledger.search): a name; pieces of a phone only for the roles that see
    phones, the whole number for the others; the last four of a number for the roles that see
    them; a full mainland number by its keyed hash."""
    normalized = idcard.normalize(term)
    conds = [Resident.name.ilike(f"%{term}%")]
    digits = "".join(ch for ch in normalized if ch.isdigit())
    if privacy.sees(actor, RESIDENT.field("phone")):
        if len(digits) >= 3 and len(normalized) <= 13:
            conds.append(Resident.phone.ilike(f"%{digits}%"))
    elif len(digits) >= 7 and len(normalized) <= 13:  # a masked phone: the whole number, or nothing
        try:
            conds.append(Resident.phone == idcard.normalize_phone(normalized))
        except idcard.IdError:
            pass
    last4 = len(normalized) == 4 and normalized[:3].isdigit() and (normalized[3].isdigit() or normalized[3] == "X")
    if last4 and privacy.sees(actor, RESIDENT.field("id_masked")):  # the last four are part of what others may not see
        conds.append(Resident.id_last4 == normalized)
    if len(normalized) >= 15:
        for id_type in ("居民身份证", "港澳台居民居住证"):
            try:
                number = idcard.parse(id_type, normalized).number
                conds.append(Resident.id_hash == id_digest(id_type, number))
            except idcard.IdError:
                pass
    return or_(*conds)


def fill_rows(ctx: Context, rows: list[dict]) -> None:
    """RESIDENT.fill: each row's age, its tags the actor may see, and its groups (老年人 from the
    age, then the tags) — one tag query for the page."""
    tags = _tags_for(ctx.session, ctx.actor, [r["id"] for r in rows])
    for r in rows:
        r["age"] = idcard.age_on(r["birth_date"], ctx.today) if r.get("birth_date") else None
        r["tags"] = tags.get(r["id"], [])
        r["group_list"] = (["老年人"] if (r["age"] or 0) >= 60 else []) + r["tags"]
        r["groups"] = "、".join(r["group_list"])


def counts(session: Session, actor: Actor, today: date | None = None) -> dict[str, int]:
    today = today or clock.today()
    base = [Resident.deleted_at.is_(None), Resident.status == "active", *ledgers.scope(RESIDENT, actor)]
    total = session.execute(select(func.count()).select_from(Resident).where(*base)).scalar_one()
    elderly_n = session.execute(select(func.count()).select_from(Resident)
                                .where(*base, Resident.birth_date <= years_before(today, 60))).scalar_one()
    return {"residents": total, "elderly": elderly_n}


# --- status, reveal, purge -------------------------------------------------------------------

def set_status(session: Session, actor: Actor, resident_id: int, status: str, when: date,
               expected_version: int | None) -> Resident:
    """Moved out or deceased: the record and its history stay; back to active is allowed."""
    require(actor, "residents", "edit")
    if status not in STATUSES:
        raise ValidationError({"status": "err.bad_choice"})
    resident = ledgers.get(session, actor, RESIDENT, resident_id)
    records.check_version(resident, expected_version)
    if when and when > clock.today():
        raise ValidationError({"status_date": "err.future_date"})
    before = _snapshot(resident)
    resident.status, resident.status_date = status, when
    resident.updated_by, resident.updated_at = actor.username, utcnow()
    session.flush()
    audit.record(session, actor, "status", "resident", resident.id, before, _snapshot(resident),
                 community_id=resident.community_id)
    return resident


def reveal_id(session: Session, actor: Actor, resident_id: int) -> str:
    """The full document number, for manager and admin; every reveal is in the audit log."""
    require(actor, "residents", "reveal")
    resident = ledgers.get(session, actor, RESIDENT, resident_id)
    audit.record(session, actor, "reveal_id", "resident", resident.id, community_id=resident.community_id)
    return crypto.decrypt(resident.id_enc)


def purge(session: Session, actor: Actor, resident_id: int) -> None:
    """Admin only: remove the file, its tags and visits for good, and redact the person's data
    from the audit log (the resident's entries keep only ids, scope and status; its visits'
    entries lose the outcome). The chain still verifies; the purge entry names no one."""
    require(actor, "residents", "purge")
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(id=resident_id)
    place = ("community_id", "grid_id", "building_id", "household_id")
    before = {k: getattr(resident, k) for k in (*place, "status")}
    visit_ids = list(session.execute(select(Visit.id).where(Visit.resident_id == resident_id)).scalars())
    from db.models.residents import rental_tenant

    session.execute(delete(rental_tenant).where(rental_tenant.c.resident_id == resident_id))
    session.execute(delete(Visit).where(Visit.resident_id == resident_id))
    session.execute(delete(ResidentTag).where(ResidentTag.resident_id == resident_id))
    from db.models import Volunteer

    # a volunteer who was this resident stays a volunteer, no longer linked to the file
    session.execute(update(Volunteer).where(Volunteer.resident_id == resident_id).values(resident_id=None))
    session.delete(resident)
    session.flush()
    community_id = before["community_id"]
    audit.redact(session, actor, table_name="resident", row_ids=[resident_id], keep=(*place, "status"),
                 community_id=community_id)
    audit.redact(session, actor, table_name="visit", row_ids=visit_ids, match={"resident_id": resident_id},
                 keep=("resident_id", "grid_id", "visit_date", "visit_type", "staff_name", "minutes", "deleted_at"),
                 community_id=community_id)
    audit.redact(session, actor, table_name="resident_tag", match={"resident_id": resident_id},
                 keep=("resident_id",), community_id=community_id)
    audit.record(session, actor, "purge", "resident", resident_id, before, None, community_id=community_id)


# --- the export: full numbers for the roles that may reveal them -----------------------------

# What a spreadsheet of residents holds: a column a role sees only as "nothing" is left out.
EXPORT_COLUMNS = ("name", "gender", "birth_date", "age", "id_type", "id_number", "phone", "address", "relation",
                  "residence_type", "groups", "needs", "status")


def export_columns(actor: Actor) -> list[str]:
    hidden = {f.name for f in RESIDENT.fields if not privacy.sees(actor, f) and f.mask == "hide"}
    return [c for c in EXPORT_COLUMNS if c not in hidden]


def export_rows(session: Session, actor: Actor, **query) -> tuple[list[dict], bool]:
    """Every row of the filtered list for a spreadsheet (the engine's export: right, mask, audit);
    returns (rows, full_ids). Full ID numbers only for the roles that may reveal them, and then the
    export is audited as one that holds them."""
    if not can(actor, "residents", "reveal"):
        rows = ledgers.export(session, actor, RESIDENT, **query)
        for r in rows:
            r["id_number"] = r["id_masked"]
        return rows, False
    require(actor, "residents", "export")
    rows = ledgers.list_rows(session, actor, RESIDENT, limit=records.EXPORT_MAX_ROWS, offset=0, **query).rows
    encrypted = dict(session.execute(select(Resident.id, Resident.id_enc)
                                     .where(Resident.id.in_([r["id"] for r in rows]))).all()) \
        if len(rows) <= 30_000 else {}
    for r in rows:
        token = encrypted.get(r["id"])
        r["id_number"] = crypto.decrypt(token) if token else r["id_masked"]
    audit.record(session, actor, "export_ids", "resident", None, None,
                 records.export_summary("residents", rows, query))
    return rows, True


# --- the household view of a file --------------------------------------------------------------

@dataclass
class Detail:
    resident: dict
    members: list[dict]
    visits: list[dict]
    rentals: list[dict]
    history: list[dict]


def detail(session: Session, actor: Actor, resident_id: int, today: date | None = None) -> Detail:
    """The file as the actor may see it, with the household's other members, the visits (as the
    visits ledger shows them to the actor), the rentals it is a tenant of, and its history."""
    today = today or clock.today()
    r = ledgers.get(session, actor, RESIDENT, resident_id)
    row = ledgers.row(session, actor, RESIDENT, r.id)
    members = [{"id": m.id, "name": m.name, "relation": m.relation, "age": idcard.age_on(m.birth_date, today),
                "status": m.status}
               for m in session.execute(select(Resident).where(Resident.household_id == r.household_id,
                                                               Resident.id != r.id, Resident.deleted_at.is_(None))
                                        .order_by(Resident.birth_date)).scalars()]
    visits = ledgers.list_rows(session, actor, VISIT, filters={"resident_id": r.id}, sort="visit_date",
                               descending=True, limit=50, today=today).rows
    from services import rentals as rental_service

    history = ledgers.history(session, actor, RESIDENT, r.id)
    return Detail(row, members, visits, rental_service.rentals_of_resident(session, actor, r.id), history)


# --- pickers -----------------------------------------------------------------------------------

def resident_options(session: Session, actor: Actor, search: str | None = None, limit: int = 50,
                     community_id: int | None = None, ids: list[int] | None = None) -> dict[int, str]:
    """Active residents in scope as id -> "name (masked number)": the option provider of
    ``ref="resident"`` (services.ledgers.PROVIDERS). Bounded — by default the first ``limit``
    (50) in pinyin order, narrowed by ``search``, ``community_id`` or ``ids`` — so that no form or
    list ever loads a community's every resident: forms pick a resident with the searching
    ``resident_picker`` (or a page asks for more, as the tenant picker does), and lists show a
    resident's name through an SQL column (VISIT's ``resident_name``), not through this."""
    conds = [Resident.deleted_at.is_(None), Resident.status == "active", *ledgers.scope(RESIDENT, actor)]
    if ids is not None:
        conds.append(Resident.id.in_(ids))
    if community_id is not None:
        conds.append(Resident.community_id == community_id)
    term = records.clean_text(search)
    if term:
        conds.append(search_clause(actor, term))
    rows = session.execute(select(Resident.id, Resident.name, Resident.id_masked).where(*conds)
                           .order_by(*records.sort_order(RESIDENT, "name")).limit(limit)).all()
    mask = RESIDENT.field("id_masked")
    return {rid: f"{name}（{privacy.view_value(actor, mask, masked)}）" for rid, name, masked in rows}


# One picker lists at most this many residents; its own search filters them in the browser.
PICKER_LIMIT = 5000


def resident_picker(session: Session, actor: Actor, limit: int = PICKER_LIMIT,
                    ids: list[int] | None = None) -> dict[int, str]:
    """Active residents in scope as id -> "name · address · phone", for a picker that searches
    its own labels (a name, a flat or the last four digits of the phone). The phone is masked for
    every role: the last four digits are all a search needs (and all a masked phone shows)."""
    conds = [Resident.deleted_at.is_(None), Resident.status == "active", *ledgers.scope(RESIDENT, actor)]
    if ids is not None:
        conds.append(Resident.id.in_(ids))
    rows = session.execute(select(Resident.id, Resident.name, Building.name, Household.unit, Household.room,
                                  Resident.phone)
                           .join(Household, Household.id == Resident.household_id)
                           .join(Building, Building.id == Resident.building_id)
                           .where(*conds).order_by(Resident.name, Resident.id).limit(limit)).all()
    return {rid: " · ".join(x for x in (name, f"{b} {u} {r}", privacy.mask_phone(phone) if phone else None) if x)
            for rid, name, b, u, r, phone in rows}
