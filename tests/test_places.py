"""Places: create and edit through the service, scope, duplicates, stale edits, delete refusal."""
import pytest
from sqlalchemy import select

from db.models import AuditLog, Building, Grid
from services import ledgers, places
from services.errors import Duplicate, InUse, PermissionDenied, StaleEdit, ValidationError
from tests.conftest import actor_of


def _first(s, model, **where):
    return s.execute(select(model).filter_by(**where).order_by(model.id)).scalars().first()


def test_manager_creates_grid_building_household_in_own_community(db, demo_db):
    manager = actor_of(db, "manager")
    (cid,) = manager.community_ids
    with db(write=True) as s:
        grid, warnings = ledgers.save_with_warnings(s, manager, places.ledger("grid"), {"community_id": cid, "code": "HPL-G9",
                                                                "name": "和平里第九网格", "leader_name": "何静"})
        building, _ = ledgers.save_with_warnings(s, manager, places.ledger("building"), {"grid_id": grid.id, "code": "HPL-99",
                                                                 "name": "99号楼", "floors": "６"})
        household, _ = ledgers.save_with_warnings(s, manager, places.ledger("household"), {"building_id": building.id, "unit": "1单元",
                                                                   "room": "101", "hardship": "无", "size": 3})
        assert warnings == [] and building.floors == 6  # full-width digits normalised
        assert building.community_id == cid and household.community_id == cid
        assert s.execute(select(AuditLog).where(AuditLog.table_name == "household",
                                                AuditLog.row_id == household.id)).scalar_one().actor == "manager"


def test_manager_cannot_touch_another_community(db, demo_db):
    manager, admin = actor_of(db, "manager"), actor_of(db, "admin")
    with db() as s:
        other = next(iter(set(places.community_names(s)) - set(manager.community_ids)))
        other_grid = _first(s, Grid, community_id=other)
        listed = ledgers.list_rows(s, manager, places.ledger("grid"), limit=100)
        assert all(r["community_id"] in manager.community_ids for r in listed.rows) and listed.total == 3
        assert ledgers.list_rows(s, admin, places.ledger("grid"), limit=100).total == 6
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, manager, places.ledger("building"), {"grid_id": other_grid.id, "code": "X-1", "name": "越权楼"})
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, manager, places.ledger("community"), {"code": "NEW", "name": "新社区"})


def test_staff_and_volunteer_may_not_edit_places(db, demo_db):
    for name in ("staff", "volunteer", "supervisor"):
        actor = actor_of(db, name)
        with db(write=True) as s, pytest.raises(PermissionDenied):
            ledgers.save(s, actor, places.ledger("grid"), {"community_id": 1, "code": "G", "name": "网格"})


def test_validation_and_duplicates(db, demo_db):
    manager = actor_of(db, "manager")
    (cid,) = manager.community_ids
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, manager, places.ledger("grid"), {"community_id": cid, "code": "bad code!", "name": ""})
    assert e.value.errors == {"code": "err.code_format", "name": "err.required"}
    with db() as s:
        existing = _first(s, Grid, community_id=cid)
    with db(write=True) as s, pytest.raises(Duplicate):
        ledgers.save(s, manager, places.ledger("grid"), {"community_id": cid, "code": existing.code, "name": "重复"})


def test_stale_edit_is_refused_with_who_changed_it(db, demo_db):
    manager, admin = actor_of(db, "manager"), actor_of(db, "admin")
    with db() as s:
        grid = _first(s, Grid, community_id=next(iter(manager.community_ids)))
        loaded_version = grid.version
        data = {"community_id": grid.community_id, "code": grid.code, "name": grid.name}
    with db(write=True) as s:
        ledgers.save(s, admin, places.ledger("grid"), {**data, "leader_name": "新格长"}, grid.id, loaded_version)
    with db(write=True) as s, pytest.raises(StaleEdit) as e:
        ledgers.save(s, manager, places.ledger("grid"), {**data, "leader_name": "我的修改"}, grid.id, loaded_version)
    assert e.value.params["by"] == "admin"
    with db() as s:
        assert s.get(Grid, grid.id).leader_name == "新格长"


def test_delete_refused_while_records_hang_on_it(db, demo_db):
    admin = actor_of(db, "admin")
    with db() as s:
        building = _first(s, Building)
    with db(write=True) as s, pytest.raises(InUse) as e:
        ledgers.delete(s, admin, places.ledger("building"), building.id, building.version)
    assert e.value.params["counts"]["household"] > 0
    with db(write=True) as s:
        empty, _ = ledgers.save_with_warnings(s, admin, places.ledger("building"), {"grid_id": building.grid_id, "code": "EMPTY-1",
                                                            "name": "空楼"})
        ledgers.delete(s, admin, places.ledger("building"), empty.id, empty.version)
    with db() as s:
        assert s.get(Building, empty.id).deleted_at is not None
        assert all(r["id"] != empty.id for r in ledgers.list_rows(s, admin, places.ledger("building"), limit=1000).rows)


def test_grid_above_the_household_norm_warns(db, demo_db):
    admin = actor_of(db, "admin")
    from services import settings

    with db(write=True) as s:
        settings.set_value(s, admin, "grid.households_warn", 10)
    with db(write=True) as s:
        grid = _first(s, Grid)
        _, warnings = ledgers.save_with_warnings(s, admin, places.ledger("grid"), {"community_id": grid.community_id, "code": grid.code,
                                                           "name": grid.name, "leader_name": "换人"},
                                        grid.id, grid.version)
    assert warnings and warnings[0][0] == "warn.grid_too_big" and warnings[0][1]["n"] > 10


def test_search_and_paging_in_sql(db, demo_db):
    admin = actor_of(db, "admin")
    with db() as s:
        page = ledgers.list_rows(s, admin, places.ledger("household"), limit=20, offset=40)
        assert page.total >= 1400 and len(page.rows) == 20
        found = ledgers.list_rows(s, admin, places.ledger("building"), search="12号楼")
        assert found.total >= 1 and all("12" in r["name"] or "12" in (r["address"] or "") for r in found.rows)
