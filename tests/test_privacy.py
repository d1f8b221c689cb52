"""What each role sees of a person, on SQLite and PostgreSQL: the ID number cannot be rebuilt
from what a supervisor or staff member can see or export, restricted tags stay out of the
history, the duplicate check names nobody outside the actor's scope, and every personal field
of every ledger is masked on every path out for the roles that may not see it."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.declarations import Ledger
from db.models import Rental, Resident, Volunteer
from db.models.residents import RENTAL, RESIDENT
from db.models.volunteers import VOLUNTEER
from services import audit, clock, idcard, ledgers, privacy, residents, users
from services.access import ROLES, can
from services.errors import Duplicate, ValidationError
from tests.conftest import actor_of
from tests.test_idcard import make_id
from tests.test_residents import _create, _household

NUMBER = make_id(region="370102", born="19580214", seq="047")  # male


def candidates(mask: str, age: int | None, gender: str | None, today: date, birth: date | None = None) -> int:
    """How many valid mainland numbers agree with everything a viewer saw: the mask's visible
    characters, the age (or the birth date, when shown), the gender."""
    if len(mask) != 18:
        raise AssertionError(mask)
    if birth is not None:
        days = [birth]
    else:
        days, d = [], today
        while True:  # every birth date that gives this age today
            d -= timedelta(days=1)
            a = idcard.age_on(d, today)
            if a > age:
                break
            if a == age:
                days.append(d)
    n = 0
    for day in days:
        born = day.strftime("%Y%m%d")
        if any(m != "*" and m != c for m, c in zip(mask[6:14], born)):
            continue
        for seq in range(1000):
            s = f"{seq:03d}"
            if gender and (("男" if int(s[2]) % 2 else "女") != gender):
                continue
            if any(m != "*" and m != c for m, c in zip(mask[14:17], s)):
                continue
            check = idcard.check_char(mask[:6] + born + s)
            if mask[17] != "*" and mask[17] != check:
                continue
            n += 1
    return n


def _everything(db, who, rid) -> tuple[list[dict], str]:
    """Every record of one resident a role gets: list row, file, history, export, picker."""
    with db(write=True) as s:
        seen = [ledgers.list_rows(s, who, RESIDENT, filters={"id": rid}).rows[0]]
        info = residents.detail(s, who, rid)
        seen.append(info.resident)
        text = repr([info.resident, info.members, info.visits, info.rentals,
                     [(f.name, old, new) for e in info.history for f, old, new in e["changes"]]])
        if can(who, "residents", "export"):
            rows, _ = residents.export_rows(s, who, filters={"id": rid})
            seen.extend(rows)
            text += repr(rows)
        text += repr(residents.resident_options(s, who, ids=[rid]))
    return seen, text + repr(seen)


@pytest.mark.parametrize("role", ["supervisor", "staff"])
def test_an_id_number_cannot_be_rebuilt_from_what_a_role_sees(db, demo_db, role):
    manager, who = actor_of(db, "manager"), actor_of(db, role)
    hid = _household(db, who, who.grid_ids)[0]
    rid = _create(db, manager, id_number=NUMBER, household_id=hid, notes="病史：高血压")
    with db(write=True) as s:  # an update, so the history holds a before and an after
        ledgers.save(s, manager, RESIDENT, {"name": "测试人", "id_type": "居民身份证", "household_id": hid,
                                                    "residence_type": "租住", "phone": "13912345678"}, rid, None)
    today = clock.today()
    seen, text = _everything(db, who, rid)
    # the birth date appears nowhere, in no format, and neither does the sequence
    for token in ("1958-02-14", "19580214", "1958年2月14日", NUMBER[6:14], NUMBER[-4:], NUMBER):
        assert token not in text, token
    masks = {r["id_masked"] for r in seen} | {r["id_number"] for r in seen if "id_number" in r}
    assert masks == {NUMBER[:6] + "*" * 12}
    ages = {r["age"] for r in seen}
    assert len(ages) == 1 and all(r.get("birth_date") is None for r in seen)
    n = candidates(masks.pop(), ages.pop(), seen[0]["gender"], today)
    assert n >= 10_000, n
    # the same count for the manager, who sees the birth date and the last four, is tiny:
    # the measure can fail
    with db() as s:
        row = residents.detail(s, manager, rid).resident
    assert candidates(row["id_masked"], None, row["gender"], today, birth=row["birth_date"]) < 10


def test_history_shows_restricted_tags_and_hidden_fields_to_managers_only(db, demo_db):
    manager, staff, supervisor = actor_of(db, "manager"), actor_of(db, "staff"), actor_of(db, "supervisor")
    hid = _household(db, staff, staff.grid_ids)[0]
    rid = _create(db, staff, household_id=hid, tags=["独居老人"])
    with db(write=True) as s:
        ledgers.save(s, manager, RESIDENT, {"name": "测试人", "id_type": "居民身份证", "household_id": hid,
                                                    "residence_type": "自住", "tags": ["独居老人", "社区矫正"],
                                                    "notes": "心理咨询中", "needs": "送餐"}, rid, None)
    with db() as s:
        for who in (staff, supervisor):
            history = residents.detail(s, who, rid).history
            text = repr([(e["actor"], e["action"], [(f.name, old, new) for f, old, new in e["changes"]])
                         for e in history])
            assert "社区矫正" not in text and "心理咨询中" not in text and "1952" not in text
            assert all(f.name not in ("id_hash", "id_last4", "id_enc") for e in history for f, _, _ in e["changes"])
        staff_changes = {f.name for e in residents.detail(s, staff, rid).history for f, _, _ in e["changes"]}
        assert "needs" in staff_changes  # staff see needs, supervisors do not
        assert "needs" not in {f.name for e in residents.detail(s, supervisor, rid).history for f, _, _ in e["changes"]}
        mine = residents.detail(s, manager, rid).history
        assert any(f.name == "tags" and "社区矫正" in (new or []) for e in mine for f, _, new in e["changes"])
        assert any(f.name == "notes" and new == "心理咨询中" for e in mine for f, _, new in e["changes"])
        assert mine[0]["actor_name"] != "manager"  # a person's name, not the login


def test_staff_editing_a_file_keeps_what_they_cannot_see(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    hid = _household(db, staff, staff.grid_ids)[0]
    rid = _create(db, manager, household_id=hid, notes="病史：糖尿病")
    with db() as s:
        shown = residents.detail(s, staff, rid).resident
    assert shown["notes"] is None and shown["birth_date"] is None
    with db(write=True) as s:  # the edit form, as staff get it: no notes, no birth date
        ledgers.save(s, staff, RESIDENT, {**{k: shown[k] for k in ("name", "id_type", "household_id",
                                                                            "residence_type", "phone")},
                                                  "name": "测试人乙", "notes": None, "birth_date": None}, rid, None)
    with db() as s:
        r = s.get(Resident, rid)
        assert (r.name, r.notes, r.birth_date) == ("测试人乙", "病史：糖尿病", date(1952, 7, 18))


def test_duplicate_check_names_nobody_outside_the_actors_scope(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    with db() as s:
        outside = s.execute(select(Resident).where(Resident.grid_id.not_in(sorted(staff.grid_ids)),
                                                   Resident.community_id.in_(sorted(manager.community_ids)))
                            .limit(1)).scalar_one()
        name = outside.name
        from services import crypto
        number = crypto.decrypt(outside.id_enc)
    hid = _household(db, staff, staff.grid_ids)[0]
    with pytest.raises(Duplicate) as e:
        _create(db, staff, id_number=number, household_id=hid, id_type=outside.id_type)
    assert e.value.key == "err.id_elsewhere" and name not in repr(e.value.params) and "resident_id" not in e.value.params
    # inside the scope the existing file is named, with a link to it
    with pytest.raises(Duplicate) as e:
        _create(db, manager, id_number=number, id_type=outside.id_type,
                household_id=_household(db, manager, {outside.grid_id})[0])
    assert e.value.key == "err.id_duplicate" and e.value.params["name"] == name


def test_masked_values_cannot_be_found_out_by_searching_for_pieces(db, demo_db):
    manager, supervisor, staff = actor_of(db, "manager"), actor_of(db, "supervisor"), actor_of(db, "staff")
    hid = _household(db, staff, staff.grid_ids)[0]
    rid = _create(db, manager, household_id=hid, phone="13987654321")
    with db() as s:
        def found(who, term):
            return rid in [r["id"] for r in ledgers.list_rows(s, who, RESIDENT, search=term, limit=5000).rows]
        assert found(supervisor, "13987654321")  # the whole number: yes
        assert not found(supervisor, "8765") and not found(supervisor, "139876")  # pieces of a mask: no
        assert found(staff, "8765")  # staff see the phone
        assert found(manager, NUMBER_TAIL) and not found(staff, NUMBER_TAIL)  # last four: managers only


NUMBER_TAIL = make_id(region="370000", born="19520718", seq="031")[-4:]  # tests.test_residents.NUMBER


# --- every personal field of every ledger × every role × every path out ---------------------

def _ledger_rows(db, ledger: Ledger, who, row_id: int) -> dict[str, list[dict]]:
    """The rows each path out gives ``who`` for one record of ``ledger``."""
    with db(write=True) as s:
        if ledger is RESIDENT:
            info = residents.detail(s, who, row_id)
            newest = next(e for e in info.history if e["action"] == "update")  # the manager's edit
            out = {"list": ledgers.list_rows(s, who, RESIDENT, filters={"id": row_id}).rows,
                   "detail": [info.resident],
                   "history": [{f.name: new for f, _, new in newest["changes"]}]}
            if can(who, "residents", "export"):
                out["export"] = residents.export_rows(s, who, filters={"id": row_id})[0]
            return out
        # volunteers and rentals: the ledger engine's list and export
        out = {"list": ledgers.list_rows(s, who, ledger, filters={"id": row_id}).rows}
        if ledgers.may(who, ledger, "export"):
            out["export"] = ledgers.export(s, who, ledger, filters={"id": row_id})
        return out


@pytest.mark.parametrize("ledger", [RESIDENT, RENTAL, VOLUNTEER], ids=lambda x: x.key)
def test_every_personal_field_is_masked_on_every_path_for_every_role(db, demo_db, ledger):
    model = ledger.model
    with db() as s:
        staff = actor_of(db, "staff")
        stmt = select(model).where(model.deleted_at.is_(None))
        if hasattr(model, "grid_id") and model is not Volunteer:
            stmt = stmt.where(model.grid_id.in_(sorted(staff.grid_ids)))
        if model is Volunteer:
            stmt = stmt.where(model.community_id.in_(sorted(staff.community_ids)), model.phone.is_not(None))
        if model is Rental:
            stmt = stmt.where(model.landlord_phone.is_not(None))
        record = s.execute(stmt.order_by(model.id).limit(1)).scalar_one()
    if ledger is RESIDENT:  # a file whose every personal field a manager has just edited
        manager = actor_of(db, "manager")
        hid = _household(db, staff, staff.grid_ids)[0]
        rid = _create(db, manager, household_id=hid, id_number=NUMBER, notes="备注甲", needs="需求甲")
        with db(write=True) as s:
            ledgers.save(s, manager, RESIDENT, {"name": "测试人", "id_type": "居民身份证",
                                                        "household_id": hid, "residence_type": "自住",
                                                        "phone": "13700001111", "notes": "备注乙",
                                                        "needs": "需求乙", "tags": ["独居老人", "社区矫正"]}, rid, None)
    with db() as s:
        if ledger is RESIDENT:
            record = s.get(Resident, rid)
        stored = {f.name: getattr(record, f.name) for f in ledger.fields if f.personal and f.column}
    assert stored, "the demo holds a record with personal data"
    checked = 0
    page = {"resident": "residents", "rental": "rentals", "volunteer": "volunteers"}[ledger.key]
    for role in ROLES:
        if not can(role, page, "view"):
            continue
        who = actor_of(db, role)
        for path, rows in _ledger_rows(db, ledger, who, record.id).items():
            assert len(rows) == 1, (role, path)
            for name, value in stored.items():
                if name not in rows[0] or value in (None, ""):
                    continue
                f = ledger.field(name)
                expected = value if privacy.sees(who, f) else privacy.masked(f, value)
                got = rows[0][name]
                assert got == expected, (role, path, name, got)
                if not privacy.sees(who, f):
                    assert got != value or value is None, (role, path, name)
                checked += 1
    assert checked >= 4


def test_exports_check_the_right_mask_and_are_audited(db, demo_db):
    from db.models import AuditLog
    from services.errors import PermissionDenied

    staff, supervisor = actor_of(db, "staff"), actor_of(db, "supervisor")
    for ledger, export in ((VOLUNTEER, lambda s, who, **kw: ledgers.export(s, who, VOLUNTEER, **kw)),
                           (RENTAL, lambda s, who, **kw: ledgers.export(s, who, RENTAL, **kw))):
        with db(write=True) as s, pytest.raises(PermissionDenied):
            export(s, staff)
        with db(write=True) as s:
            rows = export(s, supervisor, filters={})
        phone = "phone" if ledger is VOLUNTEER else "landlord_phone"
        assert rows and all(r[phone] is None or "****" in r[phone] for r in rows)
        with db() as s:
            entry = s.execute(select(AuditLog).where(AuditLog.action == "export", AuditLog.actor == "supervisor",
                                                     AuditLog.table_name == ledger.table_name)).scalars().one()
            assert f'"rows": {len(rows)}' in entry.after
    with db(write=True) as s:
        rows, _ = residents.export_rows(s, supervisor, search="王", filters={"status": "active"})
    with db() as s:
        entry = s.execute(select(AuditLog).where(AuditLog.action == "export", AuditLog.table_name == "resident")
                          ).scalars().one()
        said = json.loads(entry.after)  # like every list export: how many rows, with which search and filters
        assert said == {"rows": len(rows), "page": "residents", "search": "王", "filters": {"status": "active"}}


def test_masks():
    assert privacy.mask_phone("13912345678") == "139****5678"
    assert privacy.mask_name("欧阳修") == "欧**" and privacy.mask_name("李") == "李*"
    assert privacy.mask_id("370102********0478") == "370102" + "*" * 12
    assert privacy.mask_id("E******678") == "E******678"  # a passport keeps its short mask


# --- passwords ---------------------------------------------------------------------------------

def test_a_password_over_72_bytes_is_refused_with_a_message(db):
    from db.models.users import USER_LEDGER
    from services import ledgers
    from services.access import SYSTEM

    long_pw = "社区台账密码" * 5  # 30 characters, 90 bytes
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, SYSTEM, USER_LEDGER, {"username": "longpw", "display_name": "长密码", "role": "admin",
                                              "password": long_pw})
    assert e.value.errors == {"password": "err.password_long"} and e.value.params["max"] <= 72
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, SYSTEM, USER_LEDGER, {"username": "shortpw", "display_name": "短密码", "role": "admin",
                                              "password": "abc"})
    assert e.value.params["min"] == 8
    assert users.check_password(long_pw, users.hash_password("community")) is False


def test_people_read_names_not_logins(db, demo_db):
    """Issue 17: the hazard timeline, inspections and the volunteer statement name people."""
    from db.models import HazardEvent, Inspection, User
    from db.models.safety import INSPECTION
    from services import hazards, inspections, ledgers

    with db() as s:
        names = dict(s.execute(select(User.username, User.display_name)).all())
        hid = s.execute(select(HazardEvent.hazard_id).where(HazardEvent.actor.in_(list(names)))
                        .limit(1)).scalar_one()
        iid = s.execute(select(Inspection.id).where(Inspection.status == "submitted",
                                                    Inspection.inspector.in_(list(names))).limit(1)).scalar_one()
        admin = actor_of(db, "admin")
        steps = hazards.timeline(s, admin, hid)
        assert steps and all(e["actor"] == names.get(e["username"], e["username"]) for e in steps)
        assert any(e["actor"] != e["username"] for e in steps)
        listed = ledgers.list_rows(s, admin, INSPECTION, filters={"id": iid}).rows[0]
        assert listed["inspector_name"] in set(names.values())
        assert inspections.detail(s, admin, iid)["inspector"] in set(names.values())


def test_the_resident_picker_searches_by_name_and_phone_by_role(db, demo_db):
    """Seen in the browser: the visit form's resident search crashed (the picker's search did
    not know who was asking). It searches as the list does: pieces of a phone only for roles
    that see phones."""
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    hid = _household(db, staff, staff.grid_ids)[0]
    rid = _create(db, manager, household_id=hid, name="柏测试", phone="13955554444")
    with db() as s:
        assert rid in residents.resident_options(s, staff, "柏测试")
        assert rid in residents.resident_options(s, staff, "4444")
        assert "4444" not in repr(residents.resident_options(s, staff, "柏测试"))  # the mask shows the region only


def test_restricted_groups_are_not_offered_as_choices_to_those_who_may_not_see_them():
    f = RESIDENT.field("tag")
    assert "社区矫正" in privacy.allowed_choices("manager", f)
    for role in ("staff", "supervisor"):
        offered = privacy.allowed_choices(role, f)
        assert "社区矫正" not in offered and "精神障碍" not in offered and "独居老人" in offered


def test_audit_entries_name_the_record_and_fields_and_mask_values_by_role(db, demo_db):
    """Issue 17: the audit log read as JSON and column names. Its entries carry the record's name,
    the declared fields that changed, references as names, and values as the viewer may see them."""
    from services import audit_read

    manager, admin, supervisor = actor_of(db, "manager"), actor_of(db, "admin"), actor_of(db, "supervisor")
    staff = actor_of(db, "staff")
    hid = _household(db, staff, staff.grid_ids)[0]
    rid = _create(db, manager, household_id=hid, name="审计测试人", phone="13812345678")
    with db(write=True) as s:
        ledgers.save(s, manager, RESIDENT, {"name": "审计测试人", "id_type": "居民身份证", "household_id": hid,
                                                    "residence_type": "自住", "phone": "13987654321",
                                                    "notes": "病史：高血压", "tags": ["独居老人"]}, rid, None)
    with db() as s:
        rows = audit.search(s, table_name="resident", row_id=rid).rows
        mine = audit_read.entries(s, admin, rows)
        theirs = audit_read.entries(s, supervisor, rows)
    update = next(e for e in mine if e["action"] == "update")
    assert update["record"] == "审计测试人" and update["actor_name"] != "manager"
    changed = {f.name: (f.label, old, new) for f, old, new in update["changes"]}
    assert changed["phone"] == ("res.phone", "13812345678", "13987654321") and "notes" in changed
    assert not set(changed) & {"id_hash", "id_enc", "id_last4", "updated_at", "version"}
    created = next(e for e in mine if e["action"] == "create")
    household = dict((f.name, new) for f, _, new in created["changes"])["household_id"]
    assert isinstance(household, str) and not household.isdigit()  # the flat by its name, not its id
    text = repr([(e["record"], [(f.name, old, new) for f, old, new in e["changes"]]) for e in theirs])
    assert "13987654321" not in text and "87654321" not in text and "高血压" not in text
    assert "审计测试人" in text  # the name itself is not personal
