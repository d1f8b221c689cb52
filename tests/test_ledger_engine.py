"""The ledger engine (services.ledgers) on declared ledgers: one scope rule for list, get, save,
delete, export and history; the parent giving the row its community; uniqueness within the
community; dates that cannot be in the future; a named view in SQL; exports audited."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.models import AuditLog, Facility, Grid
from db.models.safety import FACILITY
from services import clock, ledgers
from services.errors import Duplicate, NotFound, PermissionDenied, ValidationError
from tests.conftest import actor_of


def _grids(s, actor):
    return s.execute(select(Grid).where(Grid.community_id.in_(sorted(actor.community_ids))).order_by(Grid.id)).scalars().all()


def _facility(**over):
    return {"code": "ENG-1", "name": "测试灭火器箱", "category": "fire", "status": "正常", **over}


def test_staff_reach_their_grids_only_through_every_call(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    with db(write=True) as s:
        grids = _grids(s, manager)
        theirs = next(g for g in grids if g.id in staff.grid_ids)
        other = next(g for g in grids if g.id not in staff.grid_ids)
        mine = ledgers.save(s, staff, FACILITY, _facility(grid_id=theirs.id))
        foreign = ledgers.save(s, manager, FACILITY, _facility(code="ENG-2", grid_id=other.id))
        assert mine.community_id == theirs.community_id  # from the parent grid
    with db() as s:
        listed = {r["id"] for r in ledgers.list_rows(s, staff, FACILITY, limit=1000).rows}
        assert mine.id in listed and foreign.id not in listed
        with pytest.raises(PermissionDenied):
            ledgers.get(s, staff, FACILITY, foreign.id)
        with pytest.raises(PermissionDenied):
            ledgers.history(s, staff, FACILITY, foreign.id)
        assert ledgers.row(s, staff, FACILITY, foreign.id) is None
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, staff, FACILITY, _facility(code="ENG-3", grid_id=other.id))  # a new row in another grid
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, staff, FACILITY, _facility(code="ENG-2", name="改", grid_id=other.id), foreign.id,
                     foreign.version)
    with db(write=True) as s:  # moving one's own facility into another grid is refused too
        with pytest.raises(PermissionDenied):
            ledgers.save(s, staff, FACILITY, _facility(grid_id=other.id), mine.id, mine.version)
    with db(write=True) as s:
        rows = ledgers.export(s, staff, FACILITY, search="ENG-")
    assert [r["code"] for r in rows] == ["ENG-1"]
    with db() as s:
        entry = s.execute(select(AuditLog).where(AuditLog.action == "export", AuditLog.table_name == "facility")
                          .order_by(AuditLog.id.desc())).scalars().first()
        assert entry.actor == "staff" and '"rows": 1' in entry.after and "测试灭火器箱" not in entry.after


def test_unique_within_the_community_future_dates_and_missing_parent(db, demo_db):
    manager = actor_of(db, "manager")
    with db(write=True) as s:
        grid = _grids(s, manager)[0]
        ledgers.save(s, manager, FACILITY, _facility(grid_id=grid.id))
    with db(write=True) as s, pytest.raises(Duplicate) as refused:
        ledgers.save(s, manager, FACILITY, _facility(name="另一个", grid_id=grid.id))
    assert refused.value.key == "err.duplicate_field" and refused.value.params == {"field": "code"}
    with db(write=True) as s, pytest.raises(ValidationError) as refused:
        ledgers.save(s, manager, FACILITY, _facility(code="ENG-F", grid_id=grid.id,
                                                     install_date=clock.today() + timedelta(days=1)))
    assert refused.value.errors == {"install_date": "err.future_date"}
    with db(write=True) as s, pytest.raises(ValidationError) as refused:
        ledgers.save(s, manager, FACILITY, _facility(code="ENG-G", grid_id=999_999))
    assert refused.value.errors == {"grid_id": "err.bad_choice"}
    with db() as s:
        assert s.execute(select(Facility).where(Facility.code.in_(["ENG-F", "ENG-G"]))).first() is None


def test_a_view_is_a_where_clause_and_a_column_is_computed_in_sql(db, demo_db):
    manager = actor_of(db, "manager")
    today = date(2026, 6, 1)
    with db(write=True) as s:
        grid = _grids(s, manager)[0]
        old = ledgers.save(s, manager, FACILITY, _facility(code="ENG-OLD", grid_id=grid.id,
                                                           install_date=date(2000, 6, 1), expected_life_years=26), today=today)
        new = ledgers.save(s, manager, FACILITY, _facility(code="ENG-NEW", grid_id=grid.id,
                                                           install_date=date(2000, 6, 2), expected_life_years=26), today=today)
    with db() as s:
        due = ledgers.list_rows(s, manager, FACILITY, view="renewal", search="ENG-", today=today).rows
        every = ledgers.list_rows(s, manager, FACILITY, search="ENG-", today=today).rows
    assert [r["id"] for r in due] == [old.id]
    assert {r["id"]: bool(r["renewal_due"]) for r in every} == {old.id: True, new.id: False}


def test_the_wrong_role_is_refused_before_anything_is_read_or_written(db, demo_db):
    volunteer, staff = actor_of(db, "volunteer"), actor_of(db, "staff")
    with db() as s:
        with pytest.raises(PermissionDenied):
            ledgers.list_rows(s, volunteer, FACILITY)
        fid = s.execute(select(Facility.id)).scalars().first()
        with pytest.raises(PermissionDenied):
            ledgers.get(s, volunteer, FACILITY, fid)
        with pytest.raises(NotFound):
            ledgers.get(s, staff, FACILITY, 999_999)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.delete(s, staff, FACILITY, fid, None)  # the matrix gives facilities no delete
