"""What people met in the lists (issue 17): "None" in cells, names not in pinyin order, a header
sort that sorted only the 50 rows on screen, code words as column headers, True/False and 15.0
in exports, an opened record drawn below a long list, and a raw user-agent string on the
account page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from db.sortkey import pinyin_key
from tests.test_pages import ZH, app, as_role, start_session  # noqa: F401  (app is a fixture)


# --- pinyin order, in SQL, on both backends ----------------------------------------------------

def test_pinyin_key_orders_names_as_a_chinese_reader_does():
    names = ["张三", "李四", "王五", "安娜", "单田芳", "曾小明", "陈晨", "欧阳修"]
    assert sorted(names, key=pinyin_key) == ["安娜", "陈晨", "李四", "欧阳修", "单田芳", "王五", "曾小明", "张三"]
    assert pinyin_key("西安") < pinyin_key("先")  # syllable by syllable: xi-an before xian
    assert re.fullmatch(r"[a-z0-9]+", pinyin_key("Anna 李 1号"))


def test_resident_list_is_in_pinyin_order_across_pages_on_both_backends(db, demo_db):
    from datetime import date

    from db.models import Resident
    from services import residents
    from tests.conftest import actor_of

    manager = actor_of(db, "manager")
    with db(write=True) as s:  # Unicode order would put 张 (U+5F20) before 李 (U+674E)
        household = s.execute(select(Resident.household_id).where(Resident.community_id == 1)).scalars().first()
    for name in ("张安", "李安"):
        with db(write=True) as s:
            residents.create_resident(s, manager, {"name": name, "gender": "男", "id_type": "护照",
                                                   "id_number": f"E{abs(hash(name)) % 10**8:08d}",
                                                   "birth_date": date(1980, 1, 1), "household_id": household,
                                                   "residence_type": "自住"})
    with db() as s:
        first = residents.list_residents(s, manager, sort="name", limit=50, offset=0)
        second = residents.list_residents(s, manager, sort="name", limit=50, offset=50)
        everyone = residents.list_residents(s, manager, sort="name", limit=100_000).rows
        backwards = residents.list_residents(s, manager, sort="name", descending=True, limit=50).rows
    keys = [pinyin_key(r["name"]) for r in first.rows + second.rows]
    assert len(keys) == 100 and keys == sorted(keys)
    names = [r["name"] for r in everyone]
    assert names.index("李安") < names.index("张安")
    assert [pinyin_key(r["name"]) for r in everyone] == sorted(pinyin_key(r["name"]) for r in everyone)
    assert pinyin_key(backwards[0]["name"]) == max(pinyin_key(n) for n in names)  # the whole list, reversed


def test_a_renamed_volunteer_moves_to_their_new_place(db, demo_db):
    from db.models import VOLUNTEER, Volunteer
    from services import ledgers
    from tests.conftest import actor_of

    manager = actor_of(db, "manager")
    with db() as s:
        vol = s.execute(select(Volunteer).where(Volunteer.community_id == 1).order_by(Volunteer.id)).scalars().first()
        data = {c: getattr(vol, c) for c in ("community_id", "name", "phone", "team_id", "position", "skills",
                                             "joined_on", "status", "leaderboard", "user_id", "resident_id")}
    with db(write=True) as s:
        ledgers.save(s, manager, VOLUNTEER, {**data, "name": "阿安"}, vol.id, vol.version)
    with db() as s:
        rows = ledgers.list_rows(s, manager, VOLUNTEER, sort="name", limit=100_000).rows
        assert s.get(Volunteer, vol.id).name_pinyin == "a1an1"
    assert rows[0]["name"] == "阿安"
    assert [pinyin_key(r["name"]) for r in rows] == sorted(pinyin_key(r["name"]) for r in rows)


# --- the residents page: pinyin across pages, header sort of the whole list --------------------

def _names(at) -> list[str]:
    return list(at.dataframe[0].value[ZH["res.name"]])


def test_residents_page_two_continues_page_one_in_pinyin_order(app):
    at = as_role(app, "manager")
    at.switch_page("pages/people/residents.py").run()
    page_one = _names(at)
    at = as_role(app, "manager")
    at.query_params["residents.page"] = "2"
    at.switch_page("pages/people/residents.py").run()
    page_two = _names(at)
    keys = [pinyin_key(n) for n in page_one + page_two]
    assert len(page_one) == 50 and page_two and keys == sorted(keys)


def test_a_header_tap_sorts_the_whole_list_and_a_second_tap_reverses_it(app):
    """The grid's own header sort would reorder the 50 rows on screen; a tap on a header picks
    the column instead, and the list is sorted by it in SQL, every page."""
    from db.engine import session_scope
    from db.models import Resident

    with session_scope() as s:
        ids = sorted(s.execute(select(Resident.id).where(Resident.community_id == 1, Resident.status == "active",
                                                         Resident.deleted_at.is_(None))).scalars())
    at = as_role(app, "manager")
    at.switch_page("pages/people/residents.py").run()
    at.session_state["residents_table"] = {"selection": {"rows": [], "columns": [ZH["field.id"]], "cells": []}}
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value[ZH["field.id"]]) == ids[:50]  # the smallest ids of all, not of the page
    assert at.selectbox(key="residents_sort").value == "id" and at.query_params["residents.sort"] == "id"
    at.session_state["residents_table~1"] = {"selection": {"rows": [], "columns": [ZH["field.id"]], "cells": []}}
    at.run()
    assert list(at.dataframe[0].value[ZH["field.id"]]) == ids[::-1][:50]
    assert at.toggle(key="residents_desc").value is True


# --- no "None" in any table, no code words as headers -----------------------------------------

PAGES = ("pages/people/visits.py", "pages/people/rentals.py", "pages/volunteering/activities.py",
         "pages/volunteering/volunteers.py", "pages/safety/schedule.py", "pages/admin/users.py",
         "pages/admin/audit.py", "pages/admin/reference.py", "pages/people/residents.py")
CODE_WORDS = {"hash", "v", "n", "N", "h", "version", "#", "✓", "id"}


def test_tables_show_missing_values_empty_and_headers_from_the_catalog(app):
    from db.engine import session_scope
    from db.models import Rental

    with session_scope() as s:  # a rental with a check whose note is empty
        rid = s.execute(select(Rental.id).where(Rental.community_id == 1, Rental.status == "registered")
                        .order_by(Rental.id)).scalars().first()
    seen = 0
    for script in PAGES:
        at = as_role(app, "admin")
        if script.endswith("rentals.py"):
            at.query_params["rentals.id"] = str(rid)
        at.switch_page(script).run()
        assert not at.exception, script
        for grid in at.dataframe:
            if grid.proto.editing_mode:  # an editor: its headers are column_config labels
                continue
            seen += 1
            assert grid.proto.placeholder == "", (script, list(grid.value.columns))  # not "None"
            assert not CODE_WORDS & set(grid.value.columns), (script, list(grid.value.columns))
            assert not any(re.fullmatch(r"[a-z_]+", str(c)) for c in grid.value.columns), script
    assert seen >= len(PAGES)


# --- exports: 是/否, 15 not 15.0 ------------------------------------------------------------

def _exports(monkeypatch):
    """What the list's export offers to save: a tap builds the file (components.records.
    prepared_download), the download button then holds it; ``get(at, list_key, "csv")``."""
    from streamlit.elements.widgets.button import ButtonMixin

    captured = {}
    original = ButtonMixin.download_button

    def spy(self, label, data=None, *a, **kw):
        captured[kw.get("key")] = data
        return original(self, label, data, *a, **kw)

    monkeypatch.setattr(ButtonMixin, "download_button", spy)
    import streamlit as st  # st.download_button was bound to the main area's original at import

    monkeypatch.setattr(st, "download_button", lambda *a, **kw: spy(st._main, *a, **kw))

    def get(at, list_key: str, kind: str) -> bytes:
        at.button(key=f"{list_key}_{kind}_make").click().run()
        data = captured[f"{list_key}_{kind}_file"]
        return data.encode("utf-8") if isinstance(data, str) else data
    return get


def test_exports_say_yes_and_no_not_true_and_false(app, monkeypatch):
    import io

    import openpyxl

    export = _exports(monkeypatch)
    at = as_role(app, "manager")
    at.switch_page("pages/people/rentals.py").run()
    csv = export(at, "rentals", "csv").decode("utf-8-sig")
    header, *lines = csv.splitlines()
    assert ZH["rental.group"] in header and ZH["rental.pledge"] in header
    assert "True" not in csv and "False" not in csv and "是" in csv and "否" in csv
    book = openpyxl.load_workbook(io.BytesIO(export(at, "rentals", "xlsx")))
    sheet = book.active
    assert sheet.title == ZH["rental.rental"]  # not the code word "rentals"
    values = {c.value for row in sheet.iter_rows(min_row=2) for c in row}
    assert {"是", "否"} & values and not any(isinstance(v, bool) for v in values)


def test_exported_hours_are_written_as_the_data_has_them(app, monkeypatch):
    export = _exports(monkeypatch)
    at = as_role(app, "manager")
    at.switch_page("pages/volunteering/volunteers.py").run()
    csv = export(at, "volunteers", "csv").decode("utf-8-sig")
    hours = csv.splitlines()[0].split(",").index(ZH["vol.hours_year"])
    cells = [line.split(",")[hours] for line in csv.splitlines()[1:]]
    assert cells and all(re.fullmatch(r"\d+(\.\d*[1-9])?", c) for c in cells), cells  # 15, 2.5 — never 15.0
    assert any("." not in c for c in cells)


def test_plain_numbers_and_readable_frames():
    import pandas as pd

    from services import exports

    assert [exports.plain_number(v) for v in (15.0, 1.5, 12.299999999999999, 3, None)] == [15, 1.5, 12.3, 3, None]
    frame = pd.DataFrame({"h": [15.0, 1.5], "ok": [True, False]})
    assert exports.to_csv(exports.readable(frame, "是", "否")).decode("utf-8-sig").splitlines() == \
        ["h,ok", "15,是", "1.5,否"]


# --- an opened record is drawn before the list ------------------------------------------------

def _walk(node):
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for i in sorted(children):
        yield from _walk(children[i])


@pytest.mark.parametrize("script,key,model", [("pages/people/rentals.py", "rentals", "Rental"),
                                              ("pages/people/residents.py", "residents", "Resident"),
                                              ("pages/safety/facilities.py", "facilities", "Facility")])
def test_an_opened_record_is_drawn_above_the_list(app, script, key, model):
    import db.models as models
    from db.engine import session_scope

    cls = getattr(models, model)
    with session_scope() as s:
        rid = s.execute(select(cls.id).where(cls.community_id == 1, cls.deleted_at.is_(None))
                        .order_by(cls.id)).scalars().first()
    at = as_role(app, "manager")
    at.switch_page(script).run()
    assert ZH["res.back"] not in [b.label for b in at.button]  # nothing open: the list alone
    at = as_role(app, "manager")
    at.query_params[f"{key}.id"] = str(rid)
    at.switch_page(script).run()
    assert not at.exception
    order = [n for n in _walk(at.main)]
    back = next(i for i, n in enumerate(order) if getattr(n, "label", None) == ZH["res.back"])
    search = next(i for i, n in enumerate(order) if getattr(n, "key", None) == f"{key}_q")
    assert back < search  # the record first, then the list (folded away)
    expander = next(e for e in at.expander if e.label == ZH["rec.list_folded"])
    assert any(getattr(n, "key", None) == f"{key}_q" for n in _walk(expander))
    next(b for b in at.button if b.label == ZH["res.back"]).click()  # back to the list
    at.run()
    assert f"{key}.id" not in at.query_params and not [e for e in at.expander if e.label == ZH["rec.list_folded"]]


# --- the account page: "Chrome · Android", not the user-agent string ---------------------------

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Mobile Safari/537.36")
WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.49(0x18003133) NetType/WIFI Language/zh_CN")


def test_devices_are_named_as_people_call_them():
    from services.devices import describe

    assert describe(PHONE) == ("Chrome", "Android")
    assert describe(WECHAT) == ("WeChat", "iOS")
    assert describe("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                    "Version/17.5 Safari/605.1.15") == ("Safari", "macOS")
    assert describe(None) == (None, None) and describe("") == (None, None)


def test_account_page_names_the_browser_and_system_of_each_session(app):
    from sqlalchemy import select as _select

    from db.engine import session_scope
    from db.models import User
    from services import sessions

    with session_scope(write=True) as s:
        uid = s.execute(_select(User.id).where(User.username == "staff")).scalar_one()
        sessions.start(s, uid, user_agent=PHONE)
        sessions.start(s, uid, user_agent=WECHAT)
    at = as_role(app, "staff")
    at.switch_page("pages/me/account.py").run()
    text = " ".join(m.value for m in at.markdown)
    assert "Chrome · Android" in text and f"{ZH['account.wechat']} · iOS" in text
    assert "Mozilla" not in text and "AppleWebKit" not in text
