"""Resident files: validation of identity and contact data, personal-data protection (the ID
number is stored encrypted with a keyed hash, shown masked, revealed only with an audit
entry), special-group tags, status changes that keep history, and the scoped list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Building, Household, Resident, ResidentTag, Visit
from db.models.residents import AGE_BANDS, RESIDENT, STATUSES, restricted_groups, special_groups
from services import audit, clock, crypto, idcard, privacy, records
from services.access import Actor, can, community_clause, grid_clause, require, require_row, sees_grid
from services.errors import Duplicate, NotFound, ValidationError

PERSONAL_EXCLUDE = ("id_enc", "id_hash")  # never in an audit entry either


def scope(actor: Actor) -> list:
    return [community_clause(actor, Resident.community_id), grid_clause(actor, Resident.grid_id)]


def sees_restricted(actor: Actor) -> bool:
    return actor.role in ("admin", "manager")


def visible_groups(actor: Actor) -> tuple[str, ...]:
    hidden = set() if sees_restricted(actor) else restricted_groups()
    return tuple(g for g in special_groups() if g not in hidden)


def elderly(birth: date, today: date) -> bool:
    """老年人 is derived from the birth date (60 and over), never typed."""
    return idcard.age_on(birth, today) >= 60


def _snapshot(obj: Resident) -> dict:
    return audit.snapshot(obj, exclude=("password_hash",) + PERSONAL_EXCLUDE)


# --- validation --------------------------------------------------------------------------

@dataclass
class Checked:
    values: dict  # column values ready for the model
    tags: list[str]


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


def check(session: Session, actor: Actor, data: dict, *, existing: Resident | None = None,
          today: date | None = None) -> Checked:
    """Validate everything before any write. Raises ``ValidationError`` (field -> catalog key)
    or ``Duplicate`` naming the existing file when the ID number is known."""
    keep_id = existing is not None and not records.clean_text(data.get("id_number"))
    values, tags, info = check_fields(actor, data, keep_id=keep_id, existing=existing, today=today)
    household = records.get_live(session, Household, values["household_id"])
    building = session.get(Building, household.building_id)
    require_row(actor, household.community_id, building.grid_id)
    values.update(community_id=household.community_id, building_id=building.id, grid_id=building.grid_id)
    if info is not None:
        digest = id_digest(values["id_type"], info.number)
        other = session.execute(select(Resident.id, Resident.name, Resident.community_id, Resident.grid_id,
                                       Resident.deleted_at).where(
            Resident.id_hash == digest, Resident.id != (existing.id if existing else -1))).first()
        if other:
            if other.deleted_at is None and sees_grid(actor, other.community_id, other.grid_id):
                raise Duplicate("err.id_duplicate", resident_id=other.id, name=other.name)
            # outside the actor's scope: that the number is known, and whom to ask — nobody's name
            raise Duplicate("err.id_elsewhere")
        values.update(id_columns(values["id_type"], info))
    return Checked(values, tags)


# --- writes ------------------------------------------------------------------------------

def create_resident(session: Session, actor: Actor, data: dict, today: date | None = None) -> Resident:
    require(actor, "residents", "create")
    checked = check(session, actor, data, today=today)
    resident = Resident(**checked.values, status="active", created_by=actor.username, updated_by=actor.username)
    session.add(resident)
    session.flush()
    _set_tags(session, resident, checked.tags, today or clock.today(), actor)
    audit.record(session, actor, "create", "resident", resident.id, None,
                 {**_snapshot(resident), "tags": checked.tags}, community_id=resident.community_id)
    return resident


def update_resident(session: Session, actor: Actor, resident_id: int, data: dict, expected_version: int | None,
                    today: date | None = None) -> Resident:
    require(actor, "residents", "edit")
    resident = get_resident(session, actor, resident_id)
    records.check_version(resident, expected_version)
    # what the actor sees only masked it cannot have meant to change (the birth date is left to
    # follow a newly typed number, or stays as stored)
    hidden = privacy.hidden_fields(RESIDENT, actor) - {"birth_date", "id_masked"}
    data = privacy.keep_hidden(RESIDENT, actor, data, {f: getattr(resident, f) for f in hidden})
    if "birth_date" in privacy.hidden_fields(RESIDENT, actor):
        data["birth_date"] = None
    checked = check(session, actor, data, existing=resident, today=today)
    before = {**_snapshot(resident), "tags": tags_of(session, actor, resident.id)}
    for k, v in checked.values.items():
        setattr(resident, k, v)
    resident.updated_by = actor.username
    resident.updated_at = utcnow()
    session.flush()
    _set_tags(session, resident, checked.tags, today or clock.today(), actor)
    audit.record(session, actor, "update", "resident", resident.id, before,
                 {**_snapshot(resident), "tags": checked.tags}, community_id=resident.community_id)
    return resident


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


def set_status(session: Session, actor: Actor, resident_id: int, status: str, when: date,
               expected_version: int | None) -> Resident:
    """Moved out or deceased: the record and its history stay; back to active is allowed."""
    require(actor, "residents", "edit")
    if status not in STATUSES:
        raise ValidationError({"status": "err.bad_choice"})
    resident = get_resident(session, actor, resident_id)
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


def reveal_id(session: Session, actor: Actor, resident_id: int) -> str:
    """The full document number, for manager and admin; every reveal is in the audit log."""
    require(actor, "residents", "reveal")
    resident = get_resident(session, actor, resident_id)
    audit.record(session, actor, "reveal_id", "resident", resident.id, community_id=resident.community_id)
    return crypto.decrypt(resident.id_enc)


# --- reads -------------------------------------------------------------------------------

def get_resident(session: Session, actor: Actor, resident_id: int) -> Resident:
    require(actor, "residents", "view")
    resident = session.get(Resident, resident_id)
    if resident is None or resident.deleted_at is not None:
        raise NotFound(id=resident_id)
    require_row(actor, resident.community_id, resident.grid_id)
    return resident


def tags_of(session: Session, actor: Actor, resident_id: int) -> list[str]:
    visible = set(visible_groups(actor))
    return [t for t in session.execute(select(ResidentTag.tag).where(ResidentTag.resident_id == resident_id)
                                       .order_by(ResidentTag.tag)).scalars() if t in visible]


def find_by_id_number(session: Session, actor: Actor, id_type: str, raw: str) -> Resident | None:
    try:
        number = idcard.parse(id_type, raw).number
    except idcard.IdError:
        return None
    digest = id_digest(id_type, number)
    found = session.execute(select(Resident).where(Resident.id_hash == digest, *scope(actor))).scalar_one_or_none()
    return found


def age_band_clause(band: str, today: date):
    lo, hi = (band.rstrip("+"), None) if band.endswith("+") else band.split("-")
    lo, hi = int(lo), (int(hi) if hi is not None else None)
    # age >= lo  <=> born on or before today minus lo years
    latest = _years_before(today, lo)
    conds = [Resident.birth_date <= latest]
    if hi is not None:  # age <= hi <=> born after today minus (hi + 1) years
        conds.append(Resident.birth_date > _years_before(today, hi + 1))
    return and_(*conds)


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def list_residents(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
                   sort: str | None = None, descending: bool = False, limit: int = 50, offset: int = 0,
                   today: date | None = None) -> records.Page:
    require(actor, "residents", "view")
    today = today or clock.today()
    filters = dict(filters or {})
    conds = [Resident.deleted_at.is_(None), *scope(actor)]
    status = filters.pop("status", None)  # "all" shows every status; by default the list asks for active
    if status and status != "all":
        conds.append(Resident.status == status)
    if filters.get("id"):
        conds = [Resident.deleted_at.is_(None), *scope(actor), Resident.id == filters.pop("id")]
    for name in ("grid_id", "building_id", "residence_type", "household_id"):
        if filters.get(name) is not None:
            conds.append(getattr(Resident, name) == filters[name])
    tag = filters.get("tag")
    if tag:
        if tag not in visible_groups(actor):
            return records.Page([], 0)
        conds.append(Resident.id.in_(select(ResidentTag.resident_id).where(ResidentTag.tag == tag)))
    if filters.get("age_band") in AGE_BANDS:
        conds.append(age_band_clause(filters["age_band"], today))
    term = records.clean_text(search)
    if term:
        conds.append(_search_clause(term, actor))
    total = session.execute(select(func.count()).select_from(Resident).where(*conds)).scalar_one()
    stmt = (select(Resident, Building.name.label("building"), Household.unit, Household.room)
            .join(Household, Household.id == Resident.household_id).join(Building, Building.id == Resident.building_id)
            .where(*conds).order_by(*records.sort_order(RESIDENT, sort, descending, actor)).limit(limit).offset(offset))
    rows = session.execute(stmt).all()
    tags = _tags_for(session, actor, [r.Resident.id for r in rows])
    return records.Page([_row(actor, r.Resident, r.building, r.unit, r.room, tags.get(r.Resident.id, []), today)
                         for r in rows], total)


def _search_clause(term: str, actor: Actor):
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


def _tags_for(session: Session, actor: Actor, ids: list[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    visible = set(visible_groups(actor))
    out: dict[int, list[str]] = {}
    for rid, tag in session.execute(select(ResidentTag.resident_id, ResidentTag.tag)
                                    .where(ResidentTag.resident_id.in_(ids)).order_by(ResidentTag.tag)):
        if tag in visible:
            out.setdefault(rid, []).append(tag)
    return out


def _row(actor: Actor, r: Resident, building: str, unit: str, room: str, tags: list[str], today: date) -> dict:
    age = idcard.age_on(r.birth_date, today)
    groups = (["老年人"] if age >= 60 else []) + tags
    return privacy.redact(RESIDENT, actor, {"id": r.id, "version": r.version, "name": r.name, "gender": r.gender, "age": age,
            "birth_date": r.birth_date, "id_type": r.id_type, "id_masked": r.id_masked, "phone": r.phone,
            "household_id": r.household_id, "address": f"{building} {unit} {room}", "relation": r.relation,
            "residence_type": r.residence_type, "status": r.status, "status_date": r.status_date,
            "tags": tags, "group_list": groups, "groups": "、".join(groups), "needs": r.needs, "consent": r.consent, "notes": r.notes,
            "grid_id": r.grid_id, "building_id": r.building_id, "community_id": r.community_id,
            "updated_at": r.updated_at, "updated_by": r.updated_by})


# What a spreadsheet of residents holds: a column a role sees only as "nothing" is left out.
EXPORT_COLUMNS = ("name", "gender", "birth_date", "age", "id_type", "id_number", "phone", "address", "relation",
                  "residence_type", "groups", "needs", "status")


def export_columns(actor: Actor) -> list[str]:
    hidden = {f.name for f in RESIDENT.fields if not privacy.sees(actor, f) and f.mask == "hide"}
    return [c for c in EXPORT_COLUMNS if c not in hidden]


def export_rows(session: Session, actor: Actor, *, search=None, filters=None, sort=None, descending=False,
                today: date | None = None) -> tuple[list[dict], bool]:
    """Every row of the filtered list for a spreadsheet; returns (rows, full_ids). Full ID numbers
    only for roles that may reveal them, and then the export itself is audited."""
    require(actor, "residents", "export")
    page = list_residents(session, actor, search=search, filters=filters, sort=sort, descending=descending,
                          limit=1_000_000, offset=0, today=today)
    full = can(actor, "residents", "reveal")
    if full:
        encrypted = dict(session.execute(select(Resident.id, Resident.id_enc)
                                         .where(Resident.id.in_([r["id"] for r in page.rows]))).all()) \
            if len(page.rows) <= 30_000 else {}
        for r in page.rows:
            token = encrypted.get(r["id"])
            r["id_number"] = crypto.decrypt(token) if token else r["id_masked"]
        audit.record(session, actor, "export_ids", "resident", None, None,
                     records.export_summary("residents", page.rows, {"search": search, "filters": filters}))
    else:
        for r in page.rows:
            r["id_number"] = r["id_masked"]
        audit.record(session, actor, "export", "resident", None, None,
                     records.export_summary("residents", page.rows, {"search": search, "filters": filters}))
    return page.rows, full


@dataclass
class Detail:
    resident: dict
    members: list[dict]
    visits: list[dict]
    rentals: list[dict]
    history: list[dict]


def detail(session: Session, actor: Actor, resident_id: int, today: date | None = None) -> Detail:
    today = today or clock.today()
    r = get_resident(session, actor, resident_id)
    household = session.get(Household, r.household_id)
    building = session.get(Building, r.building_id)
    row = _row(actor, r, building.name, household.unit, household.room, tags_of(session, actor, r.id), today)
    members = [{"id": m.id, "name": m.name, "relation": m.relation, "age": idcard.age_on(m.birth_date, today),
                "status": m.status}
               for m in session.execute(select(Resident).where(Resident.household_id == r.household_id,
                                                               Resident.id != r.id, Resident.deleted_at.is_(None))
                                        .order_by(Resident.birth_date)).scalars()]
    visits = [{"id": v.id, "visit_date": v.visit_date, "visit_type": v.visit_type, "staff_name": v.staff_name,
               "minutes": v.minutes, "outcome": v.outcome, "satisfaction": v.satisfaction}
              for v in session.execute(select(Visit).where(Visit.resident_id == r.id, Visit.deleted_at.is_(None))
                                       .order_by(Visit.visit_date.desc()).limit(50)).scalars()]
    from services import rentals as rental_service

    history = privacy.history(session, actor, RESIDENT, r.id)
    return Detail(row, members, visits, rental_service.rentals_of_resident(session, actor, r.id), history)


def counts(session: Session, actor: Actor, today: date | None = None) -> dict[str, int]:
    today = today or clock.today()
    base = [Resident.deleted_at.is_(None), Resident.status == "active", *scope(actor)]
    total = session.execute(select(func.count()).select_from(Resident).where(*base)).scalar_one()
    elderly_n = session.execute(select(func.count()).select_from(Resident)
                                .where(*base, Resident.birth_date <= _years_before(today, 60))).scalar_one()
    return {"residents": total, "elderly": elderly_n}



def household_options(session: Session, actor: Actor) -> dict[int, str]:
    """Households the actor may register residents in (grid scope for staff)."""
    stmt = (select(Household.id, Building.name, Household.unit, Household.room)
            .join(Building, Building.id == Household.building_id)
            .where(Household.deleted_at.is_(None), Building.deleted_at.is_(None),
                   community_clause(actor, Household.community_id), grid_clause(actor, Building.grid_id))
            .order_by(Building.code, Household.unit, Household.room))
    rows = session.execute(stmt.add_columns(Household.community_id)).all()
    several = len({r[4] for r in rows}) > 1
    names = {}
    if several:
        from db.models import Community

        names = dict(session.execute(select(Community.id, Community.name)).all())
    return {hid: (f"{names[c]} · " if several else "") + f"{b} {u} {r}" for hid, b, u, r, c in rows}


def resident_options(session: Session, actor: Actor, search: str | None = None, limit: int = 50,
                     community_id: int | None = None, ids: list[int] | None = None) -> dict[int, str]:
    """Active residents in scope as id -> "name (masked number)", for pickers."""
    conds = [Resident.deleted_at.is_(None), Resident.status == "active", *scope(actor)]
    if ids is not None:
        conds.append(Resident.id.in_(ids))
    if community_id is not None:
        conds.append(Resident.community_id == community_id)
    term = records.clean_text(search)
    if term:
        conds.append(_search_clause(term, actor))
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
    conds = [Resident.deleted_at.is_(None), Resident.status == "active", *scope(actor)]
    if ids is not None:
        conds.append(Resident.id.in_(ids))
    rows = session.execute(select(Resident.id, Resident.name, Building.name, Household.unit, Household.room,
                                  Resident.phone)
                           .join(Household, Household.id == Resident.household_id)
                           .join(Building, Building.id == Resident.building_id)
                           .where(*conds).order_by(Resident.name, Resident.id).limit(limit)).all()
    return {rid: " · ".join(x for x in (name, f"{b} {u} {r}", privacy.mask_phone(phone) if phone else None) if x)
            for rid, name, b, u, r, phone in rows}
