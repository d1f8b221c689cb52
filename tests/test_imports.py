"""Imports from messy files the tests build themselves: GBK, BOM, a title row, Excel dates,
duplicates in the file and in the database, all-or-nothing, valid-only by choice."""
import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from db.models import AuditLog, Building, Grid, Resident
from components.catalog import CATALOG
from services import audit, residents_import
from services.errors import ValidationError
from tests.conftest import actor_of
from tests.test_idcard import make_id

HEAD = ["姓名", "性别", "出生日期", "身份证号", "手机号", "楼栋", "单元", "房号", "人员类别"]


def ids(n, start=1):
    return [make_id(region="450000", born=f"19{40 + i % 50:02d}0{1 + i % 9}1{i % 9}", seq=f"{100 + i:03d}")
            for i in range(start, start + n)]


def _community(db, actor):
    return next(iter(actor.community_ids))


def _building_name(db, community_id):
    with db() as s:
        return s.execute(select(Building.name).where(Building.community_id == community_id)
                         .order_by(Building.id)).scalars().first()


def csv_bytes(rows, encoding="utf-8", title=None):
    lines = ([title] if title else []) + [",".join(HEAD)] + [",".join(str(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def rows_for(building, numbers, tags="独居老人"):
    return [[f"居民{i}", "", "", n, f"1380013{8000 + i:04d}", building, "1单元", f"{900 + i}", tags]
            for i, n in enumerate(numbers)]


def _count(db):
    with db() as s:
        return s.execute(select(func.count()).select_from(Resident)).scalar_one()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_bom_or_plain_with_a_title_row(db, demo_db, encoding):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    building = _building_name(db, cid)
    data = csv_bytes(rows_for(building, ids(3)), encoding, title="和平里社区居民花名册（2026年11月）")
    with db() as s:
        plan = residents_import.preview(s, manager, "名册.csv", data, cid, texts=CATALOG)
    assert (plan.total, plan.valid, plan.errors, plan.header_row) == (3, 3, [], 2)
    before = _count(db)
    with db(write=True) as s:
        assert residents_import.commit(s, manager, plan) == 3
    assert _count(db) == before + 3
    with db() as s:
        r = s.execute(select(Resident).where(Resident.name == "居民1")).scalar_one()
        assert r.phone == "13800138001" and r.id_masked.endswith(ids(3)[1][-4:])
        assert audit.verify(s).ok
        assert s.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == "import")).scalar_one() == 3


def test_xlsx_with_english_headers_excel_dates_and_an_id_typed_as_number(db, demo_db):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    building = _building_name(db, cid)
    passport_people = [("Anna Berg", "女", datetime(1985, 4, 2), "护照", "P1234567"),
                       ("Lee Wing", "男", 31778, "港澳居民来往内地通行证", "H12345678")]  # Excel serial 31778 = 1987-01-01
    wb = Workbook()
    ws = wb.active
    ws.append(["Residents list"])
    ws.append([])
    ws.append(["Name", "Gender", "Date of birth", "ID type", "ID number", "Phone", "Building", "Unit", "Room"])
    for name, gender, born, kind, number in passport_people:
        ws.append([name, gender, born, kind, number, "010-64213300", building, "2单元", "808"])
    ws.append(["数字证号", "男", None, "居民身份证", 450000194001011234, None, building, "2单元", "809"])
    buf = io.BytesIO()
    wb.save(buf)
    with db() as s:
        plan = residents_import.preview(s, manager, "list.xlsx", buf.getvalue(), cid, texts=CATALOG)
    assert plan.valid == 2 and [(e.row, e.column, e.reason) for e in plan.errors] == \
        [(6, "id_number", "err.id_excel_number")]
    births = sorted(r["values"]["birth_date"] for r in plan.rows)
    assert births == [date(1985, 4, 2), date(1987, 1, 1)]


def test_duplicates_in_the_file_and_in_the_database(db, demo_db):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    building = _building_name(db, cid)
    a, b = ids(2)
    with db() as s:
        plan = residents_import.preview(s, manager, "x.csv", csv_bytes(rows_for(building, [a])), cid, texts=CATALOG)
    with db(write=True) as s:
        residents_import.commit(s, manager, plan)
    with db() as s:
        plan = residents_import.preview(s, manager, "y.csv", csv_bytes(rows_for(building, [a, b, b.lower()])), cid, texts=CATALOG)
    assert [(e.row, e.reason) for e in plan.errors] == [(2, "imp.id_exists"), (4, "imp.id_repeated")]
    assert plan.errors[1].params == {"first": 3}


def test_all_or_nothing_unless_the_user_chooses_valid_rows(db, demo_db):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    building = _building_name(db, cid)
    good = ids(3, start=20)
    bad = good[0][:17] + ("0" if good[0][17] != "0" else "1")
    rows = rows_for(building, good[1:] + [bad]) + [["无楼栋", "", "", ids(1, start=40)[0], "", "", "1单元", "1", ""]]
    with db() as s:
        plan = residents_import.preview(s, manager, "m.csv", csv_bytes(rows), cid, texts=CATALOG)
    assert plan.total == 4 and plan.valid == 2 and plan.bad_rows == 2
    assert {(e.row, e.column, e.reason) for e in plan.errors} == {(4, "id_number", "err.id_checksum"),
                                                                 (5, "building", "err.required")}
    before = _count(db)
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        residents_import.commit(s, manager, plan)
    assert e.value.key == "imp.has_errors" and _count(db) == before
    with db(write=True) as s:
        assert residents_import.commit(s, manager, plan, valid_only=True) == 2
    assert _count(db) == before + 2


def test_unknown_building_is_an_error_or_created_on_request(db, demo_db):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    data = csv_bytes(rows_for("新建88号楼", ids(2, start=60)))
    with db() as s:
        plan = residents_import.preview(s, manager, "b.csv", data, cid, texts=CATALOG)
        grid = s.execute(select(Grid.id).where(Grid.community_id == cid)).scalars().first()
    assert {e.reason for e in plan.errors} == {"imp.unknown_building"} and plan.valid == 0
    with db() as s:
        plan = residents_import.preview(s, manager, "b.csv", data, cid, create_buildings=True, new_building_grid=grid, texts=CATALOG)
    assert plan.valid == 2 and plan.new_buildings == ["新建88号楼"]
    with db(write=True) as s:
        residents_import.commit(s, manager, plan)
    with db() as s:
        b = s.execute(select(Building).where(Building.name == "新建88号楼")).scalar_one()
        assert b.grid_id == grid and s.execute(select(func.count()).select_from(Resident)
                                               .where(Resident.building_id == b.id)).scalar_one() == 2


def test_files_that_cannot_be_read(db, demo_db):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    with db() as s:
        for name, data, key in [("a.pdf", b"%PDF-1.4", "imp.bad_type"),
                                ("a.csv", "随便,一些,内容\n1,2,3\n".encode(), "imp.no_header"),
                                ("a.csv", "姓名,性别,身份证号\n张三,男,1\n".encode(), "imp.missing_columns:building,unit,room"),
                                ("a.xlsx", b"PK\x03\x04broken", "imp.bad_xlsx")]:
            with pytest.raises(residents_import.ReadError) as e:
                residents_import.preview(s, manager, name, data, cid, texts=CATALOG)
            assert e.value.key == key


def test_staff_and_supervisor_may_not_import(db, demo_db):
    for who in ("staff", "supervisor", "volunteer"):
        actor = actor_of(db, who)
        with db() as s, pytest.raises(Exception) as e:
            residents_import.preview(s, actor, "x.csv", b"", 1, texts=CATALOG)
        assert type(e.value).__name__ == "PermissionDenied"


def test_a_unit_typed_as_a_number_matches_the_registered_flat(db, demo_db):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    from db.models import Household

    with db() as s:
        b_name, unit, room = s.execute(select(Building.name, Household.unit, Household.room)
                                       .join(Household, Household.building_id == Building.id)
                                       .where(Building.community_id == cid).order_by(Household.id)).first()
    plain = unit.replace("单元", "")
    data = ("姓名,身份证号,楼栋,单元,房号\n" + f"甲,{ids(1, start=80)[0]},{b_name},{plain},{room}\n"
            + f"乙,{ids(1, start=81)[0]},{b_name},{plain},9999\n").encode("utf-8")
    with db() as s:
        plan = residents_import.preview(s, manager, "u.csv", data, cid, texts=CATALOG)
    assert plan.valid == 2 and plan.new_households == 1  # only room 9999 is new
