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


def test_an_excel_97_file_with_a_numbered_column_the_ledger_does_not_have(db, demo_db):
    """tests/fixtures/residents.xls (made by make_xls.py): a title row, 姓名* and 身份证号（必填）,
    性别 written 女性, a unit typed as the number 2, a 序号 column nobody declared."""
    from pathlib import Path

    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    data = (Path(__file__).parent / "fixtures" / "residents.xls").read_bytes()
    with db() as s:
        plan = residents_import.preview(s, manager, "花名册.xls", data, cid, texts=CATALOG)
    assert (plan.header_row, plan.total, plan.valid, plan.errors) == (2, 2, 2, [])
    assert [(c.header, c.samples) for c in plan.unknown_columns] == [("序号", ("1", "2"))]
    assert [(r["values"]["gender"], r["unit"], r["tags"]) for r in plan.rows] == \
        [("男", "2单元", ["独居老人"]), ("女", "2单元", [])]
    with db(write=True) as s:
        assert residents_import.commit(s, manager, plan) == 2
    with db() as s:
        assert s.execute(select(Resident.gender).where(Resident.name == "表格乙")).scalar_one() == "女"


def test_annotated_headers_a_column_and_values_mapped_by_hand(db, demo_db):
    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    building = _building_name(db, cid)
    a, b, c = ids(3, start=90)
    lines = ["姓名（必填）,* 证件号码,楼栋*,单元(必填),房号（选填）,户内身份,人员类别,备注",
             f"映射甲,{a},{building},1单元,9911,长子,孤寡老人,",
             f"映射乙,{b},{building},1单元,9911,表弟,孤寡老人、残疾人,",
             f"映射丙,{c},{building},1单元,9912,本人,老年人,"]
    data = ("\n".join(lines) + "\n").encode("gbk")
    with db() as s:
        plan = residents_import.preview(s, manager, "m.csv", data, cid, texts=CATALOG)
    assert [c.header for c in plan.unknown_columns] == ["户内身份"]
    # 孤寡老人 is no group: both rows report it and it is asked for once; 老年人 is derived, dropped
    assert plan.unknown_values == {"tags": {"孤寡老人": 2}}
    assert [(e.row, e.column, e.reason, e.params) for e in plan.errors] == [
        (2, "tags", "imp.unknown_value", {"value": "孤寡老人"}), (3, "tags", "imp.unknown_value", {"value": "孤寡老人"})]
    with db() as s:
        plan = residents_import.preview(s, manager, "m.csv", data, cid, texts=CATALOG, columns={5: "relation"},
                                        values={"tags": {"孤寡老人": "独居老人"}})
    # the relation column now reads 长子 and 本人 through the declaration's synonyms; 表弟 is asked for
    assert plan.unknown_values == {"relation": {"表弟": 1}} and plan.mapped_values == {"tags": {"孤寡老人": 2}}
    assert [(e.row, e.column) for e in plan.errors] == [(3, "relation")]
    with db() as s:
        plan = residents_import.preview(s, manager, "m.csv", data, cid, texts=CATALOG, columns={5: "relation"},
                                        values={"tags": {"孤寡老人": "独居老人"}, "relation": {"表弟": "其他"}})
    assert plan.errors == [] and plan.valid == 3
    assert [(r["values"]["relation"], r["tags"]) for r in plan.rows] == \
        [("子女", ["独居老人"]), ("其他", ["独居老人", "残疾人"]), ("户主", [])]


def test_the_residents_template_reads_back_as_it_is(db, demo_db):
    from openpyxl import load_workbook

    manager = actor_of(db, "manager")
    cid = _community(db, manager)
    building = _building_name(db, cid)

    def tr(key, **params):
        return CATALOG.get(key, (key,))[0].format(**params)

    book = load_workbook(io.BytesIO(residents_import.template_xlsx(manager, tr)))
    ws = book.worksheets[0]
    headers = [c.value for c in ws[2]]
    assert headers[:9] == ["姓名*", "性别", "出生日期", "证件类型", "证件号码*", "联系电话", "楼栋*", "单元*", "房号*"]
    assert [c.value for c in ws[3]][:2] == ["张三", "男"]
    allowed = {col[0].value: [c.value for c in col[1:] if c.value] for col in book.worksheets[1].iter_cols()}
    assert "社区矫正" in allowed["特殊人群"] and "老年人" not in allowed["特殊人群"]
    ws.delete_rows(3)
    ws.append(["模板居民", None, None, None, ids(1, start=95)[0], None, building, "3单元", "9931"])
    buf = io.BytesIO()
    book.save(buf)
    with db() as s:
        plan = residents_import.preview(s, manager, "t.xlsx", buf.getvalue(), cid, texts=CATALOG)
    assert plan.errors == [] and plan.valid == 1 and plan.rows[0]["values"]["id_type"] == "居民身份证"
