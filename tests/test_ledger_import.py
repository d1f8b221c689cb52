"""The import every declared ledger gets (services.imports), on the facility register: a real
Excel 97–2003 file (tests/fixtures/facilities.xls, made by make_xls.py beside it), GBK CSV bytes,
annotated headers, a column and a value mapped by hand in the preview, the template made from
the declaration, all-or-nothing with the report naming row and field, and ``import_key``
updating the row it finds instead of adding another."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from components.catalog import CATALOG
from db.models import Grid
from db.models.safety import FACILITY, Facility
from services import imports
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 11, 20)


def tr(key, **params):
    """The catalog in Chinese, as the page's ``t`` would give it."""
    text = CATALOG.get(key, (key,))[0]
    return text.format(**params) if params else text


def preview(s, actor, name, data, **kw):
    return imports.preview_ledger(s, actor, FACILITY, name, data, texts=CATALOG, today=TODAY, **kw)


def _count(db, where=()):
    with db() as s:
        return s.execute(select(func.count()).select_from(Facility).where(*where)).scalar_one()


def _grid(db, name):
    with db() as s:
        return s.execute(select(Grid.id).where(Grid.name == name)).scalar_one()


def csv_gbk(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


# --- the reading layer, no database ----------------------------------------------------------------

@pytest.mark.parametrize("header,field", [
    ("设施编号*", "code"), ("* 名称", "name"), ("名称（必填）", "name"), ("位置(选填)", "location"),
    ("设计使用年限（年）", "expected_life_years"), ("使用年限(年)", "expected_life_years"),
    ("ＣＯＤＥ", "code"), ("Expected life", "expected_life_years"), ("install_date", "install_date"),
    ("【类别】", None), ("安装 日期", "install_date"), ("Status*", "status"), ("负责人电话", None),
])
def test_headers_are_matched_without_their_annotations_units_and_widths(header, field):
    index = imports.header_index(imports.fields_of(FACILITY), CATALOG)
    assert imports.match_header(header, index) == field


def test_choice_values_by_value_label_in_either_language_synonym_and_normalised_form():
    reader = imports.RowReader(imports.fields_of(FACILITY), CATALOG)
    status, category = FACILITY.field("status"), FACILITY.field("category")
    errors: dict = {}
    assert [reader.cell(status, v, 2, errors) for v in ("正常", "Awaiting repair", " 在用 ", "报废")] == \
        ["正常", "待修", "正常", "停用"]
    assert [reader.cell(category, v, 2, errors) for v in ("fire", "消防设施", "street lights", "STREET LIGHTS")] == \
        ["fire", "fire", "street_lights", "street_lights"]
    assert errors == {} and reader.unknown_values() == {}
    assert reader.cell(category, "健身器材", 7, errors) is None
    assert errors == {"category": ("imp.unknown_value", {"value": "健身器材"})}
    assert reader.unknown_values() == {"category": {"健身器材": 1}}


def test_yes_no_words_and_unknown_ones():
    from db.declarations import Field

    consent = Field("consent", "res.consent", type="bool")
    reader = imports.RowReader([consent], CATALOG)
    errors: dict = {}
    assert [reader.cell(consent, v, 2, errors) for v in ("是", "√", "Y", "yes", 1, "否", "×", "无", None, "")] == \
        [True, True, True, True, True, False, False, False, False, False]
    assert errors == {}
    reader.cell(consent, "待定", 3, errors)
    assert errors == {"consent": ("imp.unknown_value", {"value": "待定"})}


def test_xls_utf16_and_files_that_cannot_be_read():
    rows = imports.read_table("facilities.xls", (FIXTURES / "facilities.xls").read_bytes())
    assert rows[1][0] == "设施编号*" and rows[2][5] == date(2020, 5, 1) and rows[2][6] == 10
    utf16 = "代码\t名称\r\nA-1\t水箱\r\n".encode("utf-16")
    assert imports.read_table("export.txt", utf16) == [["代码", "名称"], ["A-1", "水箱"]]
    tsv_named_xls = "代码\t名称\nA-1\t水箱\n".encode("gbk")  # what some systems save as ".xls"
    assert imports.read_table("old.xls", tsv_named_xls)[1] == ["A-1", "水箱"]
    for name, data, key in [("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1broken", "imp.bad_xls"),
                            ("a.xls", b"<html><table></table></html>", "imp.bad_xls"),
                            ("a.pdf", b"%PDF-1.4", "imp.bad_type")]:
        with pytest.raises(imports.ReadError) as e:
            imports.read_table(name, data)
        assert e.value.key == key


# --- preview and commit on the facility register ---------------------------------------------------

def test_an_xls_with_a_title_row_annotated_headers_and_an_unknown_column_and_value(db, demo_db):
    manager = actor_of(db, "manager")
    data = (FIXTURES / "facilities.xls").read_bytes()
    with db() as s:
        plan = preview(s, manager, "设施台账.xls", data)
    assert plan.header_row == 2 and plan.total == 3
    assert plan.columns == {0: "code", 1: "name", 2: "category", 3: "grid_id", 4: "location", 5: "install_date",
                            6: "expected_life_years", 7: "status"}
    [unknown] = plan.unknown_columns
    assert (unknown.index, unknown.letter, unknown.header, unknown.samples) == \
        (8, "I", "负责人电话", ("13800000001", "13800000003"))
    assert plan.unknown_values == {"category": {"健身器材": 1}}
    assert "culture_fitness" in plan.options["category"]
    assert [(e.row, e.column, e.reason) for e in plan.errors] == [(5, "category", "imp.unknown_value")]
    assert plan.valid == 2 and plan.missing == []
    first = next(r for r in plan.rows if r["line"] == 3)["data"]
    assert (first["category"], first["grid_id"], first["install_date"], first["expected_life_years"],
            first["status"]) == ("fire", _grid(db, "和平里第一网格"), date(2020, 5, 1), 10, "正常")
    second = next(r for r in plan.rows if r["line"] == 4)["data"]
    assert (second["category"], second["install_date"], second["expected_life_years"]) == \
        ("street_lights", date(2019, 3, 15), 8)

    # the user maps the phone column to the note and the unknown category value, once for its rows
    with db() as s:
        plan = preview(s, manager, "设施台账.xls", data, columns={8: "note"},
                       values={"category": {"健身器材": "culture_fitness"}})
    assert plan.errors == [] and plan.valid == 3 and plan.unknown_values == {} and plan.unknown_columns == []
    assert plan.mapped_values == {"category": {"健身器材": 1}}
    assert [c.field for c in plan.sheet_columns if c.manual] == ["note"]
    before = _count(db)
    with db(write=True) as s:
        assert imports.commit_ledger(s, manager, plan, today=TODAY) == 3
    assert _count(db) == before + 3
    with db() as s:
        gym = s.execute(select(Facility).where(Facility.code == "XLS-003")).scalar_one()
        assert (gym.category, gym.status, gym.note, gym.community_id) == ("culture_fitness", "待修", "13800000003",
                                                                        next(iter(manager.community_ids)))


def test_gbk_csv_whose_headers_miss_a_required_column_until_it_is_mapped(db, demo_db):
    manager = actor_of(db, "manager")
    data = csv_gbk(["编号,设施名称,种类,网格,状态", "CSV-1,水泵房,给排水,和平里第一网格,正常",
                    "CSV-2,北门监控,监控门禁,和平里第二网格,"])
    with db() as s:
        plan = preview(s, manager, "设施.csv", data, defaults={"status": "正常"})
    assert plan.missing == ["category"] and [c.header for c in plan.unknown_columns] == ["种类"]
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        imports.commit_ledger(s, manager, plan)
    assert e.value.key == "imp.map_first" and _count(db, [Facility.code.like("CSV-%")]) == 0
    with db() as s:
        plan = preview(s, manager, "设施.csv", data, defaults={"status": "正常"}, columns={2: "category"})
    assert plan.missing == [] and plan.errors == [] and plan.valid == 2
    assert [r["data"]["category"] for r in plan.rows] == ["water_drainage", "cctv_access"]
    assert plan.rows[1]["data"]["status"] == "正常"  # the empty cell takes the form's default
    # nothing a preview does is written
    assert _count(db, [Facility.code.like("CSV-%")]) == 0


def test_no_header_and_missing_columns_with_nothing_left_to_map(db, demo_db):
    manager = actor_of(db, "manager")
    with db() as s:
        with pytest.raises(imports.ReadError) as e:
            preview(s, manager, "a.csv", "随便,一些,内容\n1,2,3\n".encode())
        assert e.value.key == "imp.no_header"
        with pytest.raises(imports.ReadError) as e:
            preview(s, manager, "a.csv", "代码,名称,状态\nA,B,正常\n".encode())
        assert e.value.key == "imp.missing_columns:category,grid_id" and e.value.fields == ("category", "grid_id")


def test_one_bad_row_writes_nothing_and_the_report_names_row_and_field(db, demo_db):
    manager = actor_of(db, "manager")
    data = csv_gbk(["代码,名称,类别,网格,安装日期,设计使用年限（年）,状态",
                    "ALL-1,东门消防栓,消防设施,和平里第一网格,2021-04-01,15,正常",
                    "ALL-2,西门消防栓,消防设施,和平里第一网格,2031-04-01,15,正常",  # a future install date
                    "ALL-3,南门路灯,路灯,和平里第二网格,2020-01-01,两百,正常",  # not a number
                    "ALL-1,东门消防栓（重复）,消防设施,和平里第一网格,,,正常",  # the same code again
                    "ALL-5,北门路灯,路灯,枫林苑第一网格,,,正常"])  # another community's grid
    with db() as s:
        plan = preview(s, manager, "m.csv", data)
    assert plan.total == 5 and plan.valid == 1 and plan.bad_rows == 4
    assert [(e.row, e.column, e.reason) for e in plan.errors] == [
        (3, "install_date", "err.future_date"), (4, "expected_life_years", "err.type_int"),
        (5, "code", "imp.repeated"), (6, "grid_id", "imp.unknown_value")]
    assert plan.errors[2].params == {"first": 2}
    report = imports.error_report(plan, {f.name: tr(f.label) for f in FACILITY.fields}, tr)
    assert report[0] == {"row": 3, "column": "安装日期", "reason": "日期不能晚于今天"}
    assert report[2] == {"row": 5, "column": "代码", "reason": "与第 2 行重复"}
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        imports.commit_ledger(s, manager, plan)
    assert e.value.key == "imp.has_errors" and e.value.params == {"n": 4}
    assert _count(db, [Facility.code.like("ALL-%")]) == 0
    with db(write=True) as s:
        assert imports.commit_ledger(s, manager, plan, valid_only=True, today=TODAY) == 1
    assert _count(db, [Facility.code.like("ALL-%")]) == 1


def test_rows_that_match_the_import_key_update_that_facility(db, demo_db):
    manager = actor_of(db, "manager")
    first = csv_gbk(["代码,名称,类别,网格,状态", "KEY-1,活动室灭火器,消防设施,和平里第一网格,正常"])
    with db() as s:
        plan = preview(s, manager, "a.csv", first)
    with db(write=True) as s:
        imports.commit_ledger(s, manager, plan)
    with db() as s:
        original = s.execute(select(Facility).where(Facility.code == "KEY-1")).scalar_one()
        original_id, version = original.id, original.version
    # the second file names the same code (with another status) and a new one; no location column
    second = csv_gbk(["代码,名称,类别,网格,状态", "KEY-1,活动室灭火器,消防设施,和平里第一网格,待修",
                      "KEY-2,活动室烟感,消防设施,和平里第一网格,正常"])
    with db(write=True) as s:
        s.execute(Facility.__table__.update().where(Facility.id == original_id).values(location="活动室门口"))
    with db() as s:
        plan = preview(s, manager, "b.csv", second)
    assert (plan.valid, plan.updates, plan.creates) == (2, 1, 1)
    assert plan.notes() == [("imp.updates", {"n": 1, "new": 1})]
    assert plan.rows[0]["id"] == original_id and plan.rows[1]["id"] is None
    before = _count(db)
    with db(write=True) as s:
        assert imports.commit_ledger(s, manager, plan) == 2
    assert _count(db) == before + 1
    with db() as s:
        updated = s.get(Facility, original_id)
        assert (updated.status, updated.location, updated.version) == ("待修", "活动室门口", version + 1)


def test_a_row_changed_since_the_preview_refuses_the_whole_commit(db, demo_db):
    manager = actor_of(db, "manager")
    with db() as s:
        plan = preview(s, manager, "a.csv", csv_gbk(["代码,名称,类别,网格,状态",
                                                     "STALE-1,东区水箱,二次供水水箱,和平里第一网格,正常"]))
    with db(write=True) as s:
        imports.commit_ledger(s, manager, plan)
    data = csv_gbk(["代码,名称,类别,网格,状态", "STALE-2,西区水箱,二次供水水箱,和平里第一网格,正常",
                    "STALE-1,东区水箱,二次供水水箱,和平里第一网格,停用"])
    with db() as s:
        plan = preview(s, manager, "b.csv", data)
    assert plan.valid == 2 and plan.updates == 1
    with db(write=True) as s:  # someone edits STALE-1 after the preview
        s.execute(Facility.__table__.update().where(Facility.code == "STALE-1")
                  .values(version=Facility.version + 1))
    with pytest.raises(imports.RowRefused) as e:
        with db(write=True) as s:
            imports.commit_ledger(s, manager, plan)
    assert e.value.key == "imp.row_refused" and e.value.params["row"] == 3
    assert _count(db, [Facility.code == "STALE-2"]) == 0  # the row before it was not kept either


def test_who_may_import(db, demo_db):
    data = csv_gbk(["代码,名称,类别,网格,状态", "P-1,x,消防设施,和平里第一网格,正常"])
    for who in ("staff", "supervisor", "volunteer"):
        actor = actor_of(db, who)
        with db() as s, pytest.raises(PermissionDenied):
            preview(s, actor, "x.csv", data)


def test_the_template_is_made_from_the_declaration_and_reads_back(db, demo_db):
    manager = actor_of(db, "manager")
    with db() as s:
        from services import ledgers

        refs = ledgers.refs(s, manager, FACILITY)
    book = load_workbook(io.BytesIO(imports.ledger_template(FACILITY, tr, refs=refs)))
    data_sheet, values_sheet = book.worksheets
    headers = [c.value for c in data_sheet[2]]
    assert headers[:4] == ["代码*", "名称*", "类别*", "网格*"] and "位置" in headers and "状态*" in headers
    assert len(headers) == len(imports.fields_of(FACILITY))
    allowed = {col[0].value: [c.value for c in col[1:] if c.value] for col in values_sheet.iter_cols()}
    assert allowed["状态"] == ["正常", "待修", "停用"] and "消防设施" in allowed["类别"]
    assert allowed["网格"] == list(refs["grid_id"].values())
    drop_downs = {str(dv.sqref): dv.formula1 for dv in data_sheet.data_validations.dataValidation}
    assert drop_downs["C3:C1002"] == f"='可选值'!$A$2:$A${len(allowed['类别']) + 1}"  # 类别 offers its list
    assert drop_downs["J3:J1002"] == "='可选值'!$C$2:$C$4"
    # filled in the way a committee would, it imports as it is
    data_sheet.append(["TPL-1", "模板里的设施", "消防设施", allowed["网格"][0], None, None, None, None, None, "正常"])
    buf = io.BytesIO()
    book.save(buf)
    with db() as s:
        plan = preview(s, manager, "template.xlsx", buf.getvalue())
    assert plan.errors == [] and plan.valid == 1 and plan.header_row == 2
