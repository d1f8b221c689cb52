"""Resident files on SQLite and PostgreSQL: validation, personal-data protection, scope."""
from datetime import date

import pytest
from sqlalchemy import select, text

from db.models import AuditLog, Building, Grid, Household, Resident, ResidentTag
from db.models.residents import RESIDENT
from services import crypto, ledgers, residents
from services.errors import Duplicate, PermissionDenied, StaleEdit, ValidationError
from tests.conftest import actor_of
from tests.test_idcard import make_id

NUMBER = make_id(region="370000", born="19520718", seq="031")  # male, born 1952


def _household(db, actor, grid_ids=None):
    with db() as s:
        stmt = select(Household.id, Building.grid_id).join(Building, Building.id == Household.building_id) \
            .where(Household.community_id.in_(sorted(actor.community_ids or [1, 2])))
        if grid_ids:
            stmt = stmt.where(Building.grid_id.in_(sorted(grid_ids)))
        return s.execute(stmt.order_by(Household.id)).first()


def _create(db, actor, **over):
    hid = over.pop("household_id", None) or _household(db, actor, actor.grid_ids)[0]
    data = {"name": "测试人", "id_type": "居民身份证", "id_number": NUMBER, "household_id": hid,
            "residence_type": "自住", "phone": "+86 139 1234 5678", "tags": ["独居老人"], **over}
    with db(write=True) as s:
        r = ledgers.save(s, actor, RESIDENT, data)
        return r.id


def test_create_derives_birth_and_gender_and_stores_only_ciphertext(db, demo_db):
    manager = actor_of(db, "manager")
    rid = _create(db, manager)
    with db() as s:
        r = s.get(Resident, rid)
        assert (r.birth_date, r.gender, r.phone) == (date(1952, 7, 18), "男", "13912345678")
        assert r.id_masked == NUMBER[:6] + "********" + NUMBER[-4:] and r.id_last4 == NUMBER[-4:]
        assert crypto.decrypt(r.id_enc) == NUMBER
        # the plain number is in no column of the row, and in no audit entry
        raw = s.execute(text("SELECT * FROM resident WHERE id = :i"), {"i": rid}).mappings().one()
        assert not any(NUMBER in str(v) for v in raw.values())
        assert not any(NUMBER in (e.after or "") + (e.before or "")
                       for e in s.execute(select(AuditLog)).scalars())
        assert [t.tag for t in s.execute(select(ResidentTag).where(ResidentTag.resident_id == rid)).scalars()] \
            == ["独居老人"]


def test_typed_gender_or_birth_date_must_agree_with_the_number(db, demo_db):
    manager = actor_of(db, "manager")
    with pytest.raises(ValidationError) as e:
        _create(db, manager, gender="女", birth_date=date(1952, 7, 19))
    assert e.value.errors == {"gender": "err.id_gender_mismatch", "birth_date": "err.id_birth_mismatch"}


def test_same_number_twice_is_refused_with_the_existing_file(db, demo_db):
    manager = actor_of(db, "manager")
    rid = _create(db, manager)
    with pytest.raises(Duplicate) as e:
        _create(db, manager, name="另一个人", id_number=NUMBER.lower())
    assert e.value.params["resident_id"] == rid


def test_bad_input_writes_nothing(db, demo_db):
    manager = actor_of(db, "manager")
    with db() as s:
        before = s.execute(select(Resident.id).order_by(Resident.id.desc())).first()[0]
    with pytest.raises(ValidationError) as e:
        _create(db, manager, id_number=NUMBER[:17] + ("1" if NUMBER[17] != "1" else "2"), phone="12345")
    assert e.value.errors == {"id_number": "err.id_checksum", "phone": "err.phone"}
    with db() as s:
        assert s.execute(select(Resident.id).order_by(Resident.id.desc())).first()[0] == before


def test_staff_see_and_write_only_their_grids(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    with db() as s:
        page = ledgers.list_rows(s, staff, RESIDENT, limit=10_000)
        assert page.total > 0 and {r["grid_id"] for r in page.rows} <= staff.grid_ids
        everyone = ledgers.list_rows(s, manager, RESIDENT, limit=10_000)
        assert everyone.total > page.total
        outsider = next(r for r in everyone.rows if r["grid_id"] not in staff.grid_ids)
        with pytest.raises(PermissionDenied):
            ledgers.get(s, staff, RESIDENT, outsider["id"])
    other_grid = next(iter(set(places_grids(db, manager)) - staff.grid_ids))
    hid = _household(db, manager, [other_grid])[0]
    with pytest.raises(PermissionDenied):
        _create(db, staff, household_id=hid)
    with db() as s, pytest.raises(PermissionDenied):
        ledgers.list_rows(s, actor_of(db, "volunteer"), RESIDENT)


def places_grids(db, actor):
    with db() as s:
        return [g for g in s.execute(select(Grid.id).where(Grid.community_id.in_(sorted(actor.community_ids))))
                .scalars()]


def test_restricted_groups_are_for_manager_and_admin_only(db, demo_db):
    manager, staff, supervisor = actor_of(db, "manager"), actor_of(db, "staff"), actor_of(db, "supervisor")
    rid = _create(db, staff, tags=["独居老人"])
    with db(write=True) as s:
        ledgers.save(s, manager, RESIDENT, {"name": "测试人", "id_type": "居民身份证", "household_id":
                                                    s.get(Resident, rid).household_id, "residence_type": "自住",
                                                    "tags": ["独居老人", "精神障碍"]}, rid, None)
    with db() as s:
        assert "精神障碍" in residents.detail(s, manager, rid).resident["tags"]
        assert residents.detail(s, staff, rid).resident["tags"] == ["独居老人"]
        assert ledgers.list_rows(s, staff, RESIDENT, filters={"tag": "精神障碍"}).total == 0
        rows, full = residents.export_rows(s, supervisor, filters={"id": rid})
        assert not full and "精神障碍" not in rows[0]["groups"] and rows[0]["id_number"] == rows[0]["id_masked"]
    # staff editing the file keeps the restricted tag it cannot see
    with db(write=True) as s:
        ledgers.save(s, staff, RESIDENT, {"name": "测试人改", "id_type": "居民身份证", "household_id":
                                                  s.get(Resident, rid).household_id, "residence_type": "自住",
                                                  "tags": ["独居老人"]}, rid, None)
    with db() as s:
        assert sorted(residents.tags_of(s, manager, rid)) == ["独居老人", "精神障碍"]
    with db(write=True) as s, pytest.raises(ValidationError):
        ledgers.save(s, staff, RESIDENT, {"name": "x", "id_type": "居民身份证", "household_id":
                                                  s.get(Resident, rid).household_id, "residence_type": "自住",
                                                  "tags": ["社区矫正"]}, rid, None)


def test_reveal_and_full_export_only_for_manager_and_admin_and_audited(db, demo_db):
    manager, supervisor, staff = actor_of(db, "manager"), actor_of(db, "supervisor"), actor_of(db, "staff")
    rid = _create(db, manager)
    with db(write=True) as s:
        assert residents.reveal_id(s, manager, rid) == NUMBER
    for who in (supervisor, staff):
        with db(write=True) as s, pytest.raises(PermissionDenied):
            residents.reveal_id(s, who, rid)
    with db(write=True) as s:
        rows, full = residents.export_rows(s, manager, filters={"id": rid})
        assert full and rows[0]["id_number"] == NUMBER
    with db() as s:
        actions = [a for a in s.execute(select(AuditLog.action).where(AuditLog.actor == "manager")).scalars()]
        assert "reveal_id" in actions and "export_ids" in actions
    with db(write=True) as s:
        rows, full = residents.export_rows(s, supervisor, filters={"id": rid})
        assert not full and NUMBER not in str(rows)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        residents.export_rows(s, staff)


def test_search_by_name_phone_last_four_and_full_number(db, demo_db):
    manager = actor_of(db, "manager")
    rid = _create(db, manager, name="欧阳测试")
    with db() as s:
        for term in ("欧阳测", "1234 5678", NUMBER[-4:], NUMBER, NUMBER[:17] + NUMBER[17].lower()):
            assert rid in [r["id"] for r in ledgers.list_rows(s, manager, RESIDENT, search=term, limit=500).rows], term


def test_age_band_and_derived_elderly(db, demo_db):
    manager = actor_of(db, "manager")
    rid = _create(db, manager)
    today = date(2026, 11, 23)
    with db() as s:
        rows = ledgers.list_rows(s, manager, RESIDENT, filters={"age_band": "60-79"}, limit=10_000, today=today).rows
        assert rid in [r["id"] for r in rows] and all(60 <= r["age"] <= 79 for r in rows)
        row = next(r for r in rows if r["id"] == rid)
        assert row["groups"].startswith("老年人")


def test_status_change_keeps_file_and_history_and_purge_is_admin_only(db, demo_db):
    manager, admin = actor_of(db, "manager"), actor_of(db, "admin")
    rid = _create(db, manager)
    with db() as s:
        version = s.get(Resident, rid).version
    with db(write=True) as s:
        residents.set_status(s, manager, rid, "deceased", date(2026, 11, 1), version)
    with db(write=True) as s, pytest.raises(StaleEdit):
        residents.set_status(s, manager, rid, "moved_out", date(2026, 11, 1), version)
    with db() as s:
        assert rid not in [r["id"] for r in ledgers.list_rows(s, manager, RESIDENT, filters={"status": "active"},
                                                                      limit=10_000).rows]
        assert [r["id"] for r in ledgers.list_rows(s, manager, RESIDENT, filters={"id": rid}).rows] == [rid]
        history = residents.detail(s, manager, rid).history
        assert [h["action"] for h in history] == ["status", "create"]
    with db(write=True) as s, pytest.raises(PermissionDenied):
        residents.purge(s, manager, rid)
    with db(write=True) as s:
        residents.purge(s, admin, rid)
    with db() as s:
        assert s.get(Resident, rid) is None
        assert s.execute(select(AuditLog.action).order_by(AuditLog.id.desc())).first()[0] == "purge"
