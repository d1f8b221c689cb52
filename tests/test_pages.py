"""Pages through AppTest (SQLite): the real login form, lock-out, each role's pages and the
refusal of every page a role may not see, a stale edit, the database error page."""
from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from components.catalog import CATALOG
from services import access, clock, ledgers
from tests.conftest import ROOT

ZH = {k: v[0] for k, v in CATALOG.items()}
PEOPLE = {"residents", "visits", "rentals"}
SAFETY = {"facilities", "inspections", "hazards", "schedule", "plans", "drills"}
VOLUNTEERING = {"activities", "volunteers"}
QUALITY = {"assessments", "actions", "surveys", "complaints"}
EXPECTED_PAGES = {
    "admin": {"home", "places", "users", "audit", "account", "reference", "dashboard", "reports", "targets"}
    | PEOPLE | SAFETY | VOLUNTEERING | QUALITY,
    "supervisor": {"home", "account", "dashboard", "reports", "targets"} | PEOPLE | SAFETY | VOLUNTEERING | QUALITY,
    "manager": {"home", "places", "account", "dashboard", "reports"} | PEOPLE | SAFETY | VOLUNTEERING | QUALITY,
    "staff": {"home", "account", "dashboard"} | PEOPLE | SAFETY | VOLUNTEERING | QUALITY,
    "volunteer": {"home", "account", "activities", "my-hours", "surveys"},  # paper forms typed on a phone
}


@pytest.fixture
def app(sqlite_demo_template, tmp_path, monkeypatch):
    """A fresh demo database and a factory of AppTests running app.py against it."""
    path = tmp_path / "app.db"
    shutil.copyfile(sqlite_demo_template, path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("COMMUNITY_DEMO", "1")

    def make() -> AppTest:
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    yield make
    from db.engine import dispose_engines

    dispose_engines()


def login_form(at: AppTest, username: str, password: str) -> AppTest:
    inputs = [w for w in at.text_input if w.label in (ZH["login.username"], ZH["login.password"])]
    inputs[0].input(username)
    inputs[1].input(password)
    next(b for b in at.button if b.label == ZH["login.submit"]).click()
    return at.run()


def start_session(username: str) -> str:
    """A real server-side session for ``username`` (what a password login starts); its sid."""
    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import User
    from services import sessions

    with session_scope(write=True) as s:
        return sessions.start(s, s.execute(select(User.id).where(User.username == username)).scalar_one())


def as_role(app, role: str, sid: str | None = None) -> AppTest:
    """Logged in as the demo account ``role``: the keys the authenticator sets, and the id of a
    live session (every run checks it against the database)."""
    at = app()
    at.session_state["authentication_status"] = True
    at.session_state["username"] = role
    at.session_state["name"] = role
    at.session_state["roles"] = [role]
    at.session_state["_sid"] = sid or start_session(role)
    return at.run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_real_login_form_signs_in_and_shows_home(app):
    at = app().run()
    assert not at.exception
    assert any("演示账号" in m.value for m in at.markdown)  # demo mode lists the accounts
    at = login_form(at, "manager", "community")
    assert not at.exception and not errors(at)
    assert at.title[0].value == ZH["home.welcome"].format(name="居委会主任 周敏")
    assert {p.proto.label for p in at.get("page_link")} == \
        {ZH[f"page.{k}"] for k in EXPECTED_PAGES["manager"] - {"home"}}


def test_wrong_password_and_unknown_user_get_the_same_message(app):
    at = login_form(app().run(), "manager", "wrong-password")
    first = errors(at)
    at = login_form(app().run(), "no-such-user", "wrong-password")
    assert first == errors(at) == [ZH["login.failed"]]
    for hostile in ("x" * 500, "admin' OR '1'='1' --", "admin; DROP TABLE app_user;"):
        at = login_form(app().run(), hostile, "community")
        assert errors(at) == [ZH["login.failed"]] and not at.exception
        assert at.session_state["authentication_status"] is not True


def test_sixth_attempt_is_locked_even_with_the_right_password(app):
    at = app().run()
    for attempt in range(1, 6):
        at = login_form(at, "staff", f"wrong-{attempt}")
    assert errors(at) == [ZH["login.locked"].format(minutes=15)]
    at = login_form(at, "staff", "community")
    assert errors(at) == [ZH["login.locked"].format(minutes=15)]
    assert at.session_state["authentication_status"] is not True
    at = login_form(app().run(), "manager", "community")  # others are not affected
    assert not errors(at)


@pytest.mark.parametrize("role", access.ROLES)
def test_each_role_sees_exactly_its_pages_and_is_refused_the_others(app, role):
    assert {p.key for p in access.visible_pages(role)} == EXPECTED_PAGES[role]
    at = as_role(app, role)
    assert not at.exception
    links = {p.proto.label for p in at.get("page_link")}
    assert links == {ZH[f"page.{k}"] for k in EXPECTED_PAGES[role] - {"home"}}
    for spec in access.built_pages():
        at.switch_page(spec.script).run()
        assert not at.exception, (role, spec.key)
        refusal = ZH["guard.refused"].format(role=ZH[f"role.{role}"], page=ZH[f"page.{spec.key}"])
        if spec.key in EXPECTED_PAGES[role]:
            assert refusal not in errors(at), (role, spec.key)
        else:
            assert errors(at) == [refusal], (role, spec.key)
            assert not at.dataframe, (role, spec.key)  # no data next to the refusal


def test_english_by_query_parameter(app):
    at = app()
    at.query_params["lang"] = "en"
    at.run()
    assert any(b.label == CATALOG["login.submit"][1] for b in at.button)


def test_stale_edit_is_refused_in_the_form(app):
    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import Grid
    from services import places
    from tests.conftest import actor_of

    at = as_role(app, "manager")
    with session_scope() as s:
        grid = s.execute(select(Grid).order_by(Grid.id)).scalars().first()
    at.query_params["places_grid.id"] = str(grid.id)
    at.switch_page("pages/admin/places.py").run()
    form_key = f"places_grid_edit_{grid.id}"
    leader = next(w for w in at.text_input if w.key == f"{form_key}_leader_name")
    # meanwhile the admin saves the same grid in another session
    with session_scope(write=True) as s:
        admin = actor_of(lambda write=False: session_scope(write=write), "admin")
        ledgers.save(s, admin, places.ledger("grid"), {"community_id": grid.community_id, "code": grid.code,
                                             "name": grid.name, "leader_name": "管理员改的"}, grid.id, grid.version)
    leader.input("经理改的")
    next(b for b in at.button if b.label == ZH["rec.save"] and form_key in (b.form_id or "")).click()
    at.run()
    assert any("保存被拒绝" in e and "admin" in e for e in errors(at)), errors(at)
    with session_scope() as s:
        assert s.get(Grid, grid.id).leader_name == "管理员改的"


def test_manager_creates_a_building_through_the_form(app):
    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import Building

    at = as_role(app, "manager")
    at.switch_page("pages/admin/places.py").run()
    from db.models import Grid

    with session_scope() as s:
        grid_id = s.execute(select(Grid.id).where(Grid.community_id == 1).order_by(Grid.id)).scalars().first()
    next(w for w in at.selectbox if w.key == "places_building_new_grid_id").set_value(grid_id)  # never pre-selected
    code = next(w for w in at.text_input if w.key == "places_building_new_code")
    code.input("HPL-88")
    next(w for w in at.text_input if w.key == "places_building_new_name").input("88号楼")
    next(b for b in at.button if b.label == ZH["rec.save"] and "places_building_new" in (b.form_id or "")).click()
    at.run()
    assert not at.exception and not errors(at)
    with session_scope() as s:
        row = s.execute(select(Building).where(Building.code == "HPL-88")).scalar_one()
        assert row.name == "88号楼" and row.created_by == "manager"


def test_unreachable_database_shows_what_to_check(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://ledger:secret@127.0.0.1:9/nowhere?connect_timeout=2")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    text = errors(at)[0]
    assert ZH["dberr.title"] in text and "DATABASE_URL" in text and "secret" not in text


def test_empty_database_tells_to_run_make_admin(sqlite_template, tmp_path, monkeypatch):
    path = tmp_path / "empty.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("COMMUNITY_DEMO", "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert any("make admin" in w.value for w in at.warning)
    assert not any("演示账号" in m.value for m in at.markdown)


def test_language_is_remembered_for_the_user(app):
    from db.engine import session_scope
    from services import users
    from tests.conftest import actor_of

    with session_scope(write=True) as s:
        users.set_language(s, actor_of(lambda write=False: session_scope(write=write), "manager"), "en")
    at = login_form(app().run(), "manager", "community")
    assert at.title[0].value == CATALOG["home.welcome"][1].format(name="居委会主任 周敏")
    at = login_form(app().run(), "staff", "community")  # others keep Chinese
    assert at.title[0].value == ZH["home.welcome"].format(name="网格员 吴磊")


def test_residents_list_shows_masked_numbers_and_reveal_is_for_managers(app):
    import re

    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import AuditLog, Resident
    from services import crypto

    for role in ("staff", "supervisor"):
        at = as_role(app, role)
        at.switch_page("pages/people/residents.py").run()
        assert not at.exception
        table = at.dataframe[0].value
        column = table[ZH["res.id_masked"]]
        # the region only: no birth-date digit, no sequence, no check digit
        assert len(table) > 0 and all(re.fullmatch(r"\d{6}\*{12}", v) for v in column)
        assert ZH["res.birth_date"] not in table.columns
        assert not [b for b in at.button if b.label == ZH["res.reveal"]]
    with session_scope() as s:
        resident = s.execute(select(Resident).where(Resident.community_id == 1).order_by(Resident.id)).scalars().first()
        number = crypto.decrypt(resident.id_enc)
    at = as_role(app, "manager")
    at.query_params["residents.id"] = str(resident.id)
    at.switch_page("pages/people/residents.py").run()
    assert number not in " ".join(m.value for m in at.markdown)
    next(b for b in at.button if b.label == ZH["res.reveal"]).click()
    at.run()
    assert any(number in i.value for i in at.info)
    with session_scope() as s:
        assert s.execute(select(AuditLog.action).where(AuditLog.row_id == resident.id,
                                                       AuditLog.table_name == "resident")).scalars().all()[-1] == "reveal_id"


def test_new_resident_form_refuses_a_bad_number_and_keeps_the_input(app):
    at = as_role(app, "manager")
    at.switch_page("pages/people/residents.py").run()
    next(w for w in at.text_input if w.key == "residents_new_name").input("新居民")
    next(w for w in at.text_input if w.key == "residents_new_id_number").input("110105194912310021")
    next(b for b in at.button if b.label == ZH["rec.save"] and "residents_new" in (b.form_id or "")).click()
    at.run()
    assert any(ZH["err.id_checksum"] in e for e in errors(at))
    assert next(w for w in at.text_input if w.key == "residents_new_name").value == "新居民"


def start_fire_checklist(app):
    """Staff open the inspections page on a fire facility of their grids and start its checklist;
    the AppTest (with the items shown) and the facility."""
    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import Facility
    from tests.conftest import actor_of

    staff = actor_of(lambda write=False: session_scope(write=write), "staff")
    with session_scope() as s:
        facility = s.execute(select(Facility).where(Facility.category == "fire", Facility.status != "停用",
                                                    Facility.grid_id.in_(sorted(staff.grid_ids)))
                             .order_by(Facility.id)).scalars().first()
        s.expunge(facility)
    at = as_role(app, "staff")
    at.query_params["insp.category"] = "fire"
    at.query_params["insp.facility"] = str(facility.id)
    at.switch_page("pages/safety/inspections.py").run()
    next(b for b in at.button if b.label == ZH["insp.run"]).click()
    return at.run(), facility


def test_staff_run_a_fire_checklist_on_the_page_and_the_failed_item_opens_a_hazard(app):
    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.models import Hazard, Inspection

    with session_scope() as s:
        hazards_before = s.execute(select(func.count()).select_from(Hazard)).scalar_one()
    at, facility = start_fire_checklist(app)
    radios = [r for r in at.radio if r.key and r.key.startswith("r_")]
    assert radios, "the checklist items are shown"
    for i, radio in enumerate(radios):
        radio.set_value("不合格" if i == 1 else "合格")
    at.run()
    assert not at.exception
    next(b for b in at.button if b.label == ZH["insp.submit"]).click()
    at.run()
    assert not at.exception and not errors(at)
    with session_scope() as s:
        inspection = s.execute(select(Inspection).where(Inspection.facility_id == facility.id,
                                                        Inspection.inspector == "staff")
                               .order_by(Inspection.id.desc())).scalars().first()
        assert inspection.status == "submitted" and inspection.items_failed == 1
        assert s.execute(select(func.count()).select_from(Hazard)).scalar_one() == hazards_before + 1


def test_dashboard_tiles_for_supervisor_and_staff_and_reports(app):
    for role in ("supervisor", "staff"):
        at = as_role(app, role)
        at.switch_page("pages/overview/dashboard.py").run()
        assert not at.exception, role
        labels = {m.label for m in at.metric}
        assert ZH["kpi.service_coverage"] in labels and ZH["kpi.rectification_major"] in labels
    at = as_role(app, "manager")
    at.switch_page("pages/overview/reports.py").run()
    assert not at.exception and at.metric


def _logged_total(at) -> float:
    import re

    text = " ".join(m.value for m in at.markdown)
    return float(re.search(r"本期志愿者登记 \*\*([\d.]+)\*\* 小时", text).group(1))


def test_dashboard_fragment_shows_a_new_record_and_an_unchanged_refresh_does_not_recompute(app, monkeypatch):
    import streamlit as st

    from db.engine import session_scope
    from db.models import MY_HOURS
    from services import kpis, ledgers
    from tests.conftest import actor_of

    st.cache_data.clear()
    calls = []
    original = kpis.evaluate_all
    monkeypatch.setattr(kpis, "evaluate_all", lambda *a, **k: calls.append(1) or original(*a, **k))
    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception
    before, computed = _logged_total(at), len(calls)
    assert computed > 0
    at.run()  # nothing changed: served from the cache
    assert len(calls) == computed and _logged_total(at) == before
    vol = actor_of(lambda write=False: session_scope(write=write), "volunteer")
    with session_scope(write=True) as s:
        # the dashboard shows the last complete month by default
        ledgers.save(s, vol, MY_HOURS, {"log_date": kpis.reporting_period("month", clock.today())[0],
                                        "hours": 4.5})
    at.run()  # the next run of the fragment sees the new entry
    assert _logged_total(at) == pytest.approx(before + 4.5) and len(calls) > computed


def test_drill_down_links_carry_their_filters(app):
    at = as_role(app, "manager")
    at.switch_page("pages/overview/dashboard.py").run()
    links = [p.proto for p in at.get("page_link")]
    assert any(p.page == "hazards" and "hazards.severity=" in p.query_string for p in links)
    assert any(p.page == "hazards" and p.query_string.startswith("hazards.id=") for p in links)  # overdue rows
    at = as_role(app, "manager")
    at.query_params["hazards.severity"] = "重大"
    at.switch_page("pages/safety/hazards.py").run()
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table[ZH["haz.severity"]]) == {ZH["severity.重大"]}


def test_roles_without_the_export_right_get_no_download_control(app):
    """Staff may not export people: no export button on the people pages (and the tables'
    toolbar download is off in .streamlit/config.toml); a manager gets them."""
    import tomllib

    pages = ("pages/people/residents.py", "pages/people/visits.py", "pages/people/rentals.py",
             "pages/volunteering/volunteers.py")
    exports = {ZH["rec.export_csv"], ZH["rec.export_xlsx"]}
    for role, expected in (("staff", False), ("manager", True)):
        for script in pages:
            at = as_role(app, role)
            at.switch_page(script).run()
            assert not at.exception
            labels = {b.label for b in at.button}
            assert bool(exports & labels) is expected, (role, script, labels)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True and config["client"]["showErrorDetails"] == "none"


def test_exports_and_reports_show_progress_while_they_are_built(app, monkeypatch):
    """Issue 17: an export or a report that takes seconds showed nothing meanwhile. The tap
    builds the file under a spinner with a catalog message, then offers it to save; the file is
    built (and the export audited) only when asked for, once."""
    from io import BytesIO

    import streamlit
    from openpyxl import load_workbook
    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.models import AuditLog

    spinners, files = [], []
    real_spinner, real_download = streamlit.spinner, streamlit.download_button

    def spinner(text="", *a, **kw):
        spinners.append(text)
        return real_spinner(text, *a, **kw)

    def download(label, data, *a, **kw):
        if label == ZH["rec.file_ready"]:  # not the import template beside the list
            files.append((label, data, kw.get("file_name")))
        return real_download(label, data, *a, **kw)

    monkeypatch.setattr(streamlit, "spinner", spinner)
    monkeypatch.setattr(streamlit, "download_button", download)

    def exports() -> int:
        with session_scope() as s:
            return s.execute(select(func.count()).select_from(AuditLog).where(
                AuditLog.action.in_(("export", "export_ids")), AuditLog.table_name == "resident")).scalar_one()

    at = as_role(app, "manager")
    at.switch_page("pages/people/residents.py").run()
    before = exports()
    assert files == [] and before == exports()  # drawing the page builds no file
    at.button(key="residents_xlsx_make").click().run()
    assert not at.exception and ZH["rec.preparing"] in spinners
    assert len(files) == 1 and files[0][0] == ZH["rec.file_ready"] and files[0][2].endswith(".xlsx")
    sheet = load_workbook(BytesIO(files[0][1])).active
    assert ZH["res.name"] in [c.value for c in sheet[1]] and sheet.max_row > 1
    assert exports() == before + 1
    at.run()  # any later run: the file is not built again
    assert len(files) == 1 and exports() == before + 1

    spinners.clear()
    at.switch_page("pages/overview/reports.py").run()
    assert ZH["rep.building"] in spinners
    at.button(key="rep_html_make").click().run()
    assert not at.exception and ZH["rep.preparing"] in spinners
    label, data, name = files[-1]
    assert label == ZH["rec.file_ready"] and name.endswith("-notice.html") and "居民委员会".encode() in data


def test_a_saved_visit_form_starts_empty_and_a_second_tap_writes_nothing(app):
    """Seen: two identical visits from a second tap on 保存. After a save the form (and its
    resident picker) is a new, empty one."""
    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.models import Visit

    from db.models import Resident
    from tests.conftest import actor_of

    staff = actor_of(lambda write=False: session_scope(write=write), "staff")
    with session_scope() as s:
        before = s.execute(select(func.count()).select_from(Visit)).scalar_one()
        rid = s.execute(select(Resident.id).where(Resident.grid_id.in_(sorted(staff.grid_ids)),
                                                  Resident.status == "active").limit(1)).scalar_one()
    at = as_role(app, "staff")
    at.query_params["visits.resident"] = str(rid)  # "登记走访" from the resident's file
    at.switch_page("pages/people/visits.py").run()
    assert at.selectbox(key="visit_new_resident").value is not None
    next(w for w in at.text_area if w.key == "visit_new_outcome").input("测试走访，一切正常")
    save = next(b for b in at.button if b.label == ZH["rec.save"] and "visit_new" in (b.form_id or ""))
    save.click()
    at.run()
    assert not at.exception
    with session_scope() as s:
        assert s.execute(select(func.count()).select_from(Visit)).scalar_one() == before + 1
    # the form on screen now is a new one: no resident, no outcome
    assert at.selectbox(key="visit_new~1_resident").value is None
    assert next(w for w in at.text_area if w.key == "visit_new~1_outcome").value == ""
    next(b for b in at.button if b.label == ZH["rec.save"] and "visit_new" in (b.form_id or "")).click()
    at.run()
    with session_scope() as s:
        assert s.execute(select(func.count()).select_from(Visit)).scalar_one() == before + 1
    assert any(ZH["err.required"] in e for e in errors(at))


def test_a_created_user_form_starts_empty_without_the_password(app):
    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import User

    at = as_role(app, "admin")
    at.switch_page("pages/admin/users.py").run()
    at.text_input(key="users_new_username").input("wang.fang")
    at.text_input(key="users_new_display_name").input("王芳")
    at.selectbox(key="users_new_role").set_value("admin")
    at.text_input(key="users_new_password").input("a-long-password")
    next(b for b in at.button if b.label == ZH["rec.save"] and "users_new" in (b.form_id or "")).click()
    at.run()
    assert not at.exception and not errors(at), errors(at)
    with session_scope() as s:
        assert s.execute(select(User.display_name).where(User.username == "wang.fang")).scalar_one() == "王芳"
    assert at.text_input(key="users_new~1_password").value == ""
    assert at.text_input(key="users_new~1_username").value == ""


def test_my_hours_refuses_a_future_date_and_25_hours_in_chinese_and_saves_nothing(app):
    """Seen on a phone: a future date saved as today, 25 hours refused with only an English
    tooltip. Now the service refuses both with a catalog message and nothing is written; a
    good entry is saved once and the form starts anew."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from db.engine import session_scope
    from db.models import VolunteerLog

    def count():
        with session_scope() as s:
            return s.execute(select(func.count()).select_from(VolunteerLog)).scalar_one()

    before = count()
    at = as_role(app, "volunteer")
    at.switch_page("pages/volunteering/my_hours.py").run()
    at.date_input(key="log_hours_date").set_value(clock.today() + timedelta(days=3))
    next(b for b in at.button if b.label == ZH["my.save"]).click()
    at.run()
    assert any(ZH["err.future_date"] in e for e in errors(at)) and count() == before
    at.date_input(key="log_hours_date").set_value(clock.today())
    at.number_input(key="log_hours_hours").set_value(25.0)
    next(b for b in at.button if b.label == ZH["my.save"]).click()
    at.run()
    assert any(ZH["err.vol_day_limit"].split("{")[0] in e for e in errors(at)) and count() == before
    at.number_input(key="log_hours_hours").set_value(1.5)
    next(b for b in at.button if b.label == ZH["my.save"]).click()
    at.run()
    assert not errors(at) and count() == before + 1
    assert at.number_input(key="log_hours~1_hours").value is None  # a new, empty form
    next(b for b in at.button if b.label == ZH["my.save"]).click()  # an extra tap: nothing typed, nothing saved
    at.run()
    assert count() == before + 1 and any(ZH["err.required"] in e for e in errors(at))


def test_times_are_shown_in_the_communitys_zone(app):
    """Stored UTC, read in Asia/Shanghai (the ui.timezone setting): the list's 更新时间 column is
    the stored time plus eight hours, and nothing says UTC."""
    from datetime import timedelta

    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import Community

    at = as_role(app, "admin")
    at.switch_page("pages/admin/places.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    with session_scope() as s:
        stored = {c.id: c.updated_at for c in s.execute(select(Community)).scalars()}
    for _, row in table.iterrows():
        expected = (stored[int(row[ZH["field.id"]])] + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
        assert row[ZH["field.updated_at"]] == expected
    at.switch_page("pages/me/account.py").run()
    assert "UTC" not in " ".join(m.value for m in at.markdown) + " ".join(str(d.value) for d in at.dataframe)


def test_dashboard_shows_the_last_complete_period_unless_asked_for_this_one(app):

    from services import kpis

    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception
    start, end = kpis.reporting_period("month", clock.today())
    captions = " ".join(c.value for c in at.caption)
    assert f"{start} ~ {end}" in captions and ZH["dash.partial"] not in captions
    at.toggle(key="dash_partial").set_value(True)
    at.run()
    assert any(ZH["dash.partial"] in c.value for c in at.caption)
    assert any(str(kpis.period("month", clock.today())[0]) in i.value for i in at.info)


def test_irreversible_taps_ask_first_and_lists_show_the_newest_visit_first(app):
    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import Rental

    with session_scope() as s:
        rid = s.execute(select(Rental.id).where(Rental.status == "registered", Rental.community_id == 1)
                        .limit(1)).scalar_one()
    at = as_role(app, "manager")
    at.query_params["rentals.id"] = str(rid)
    at.switch_page("pages/people/rentals.py").run()
    next(b for b in at.button if b.label == ZH["rental.close"]).click()
    at.run()
    assert not at.exception
    with session_scope() as s:  # the tap only asked
        assert s.get(Rental, rid).status == "registered"
    at = as_role(app, "staff")
    at.switch_page("pages/people/visits.py").run()
    table = next(d.value for d in at.dataframe if ZH["visit.date"] in d.value.columns)
    dates = list(table[ZH["visit.date"]])
    assert dates == sorted(dates, reverse=True)


def test_the_group_filter_offers_staff_no_restricted_group(app):
    at = as_role(app, "staff")
    at.switch_page("pages/people/residents.py").run()
    offered = next(w for w in at.selectbox if w.key == "residents_f_tag").options
    assert ZH["group.社区矫正"] not in offered and ZH["group.独居老人"] in offered
    at = as_role(app, "staff")
    at.switch_page("pages/people/visits.py").run()  # the resident picker (its search once crashed)
    assert not at.exception and at.selectbox(key="visit_new_resident").options


def test_the_audit_log_reads_as_sentences_about_named_fields(app):
    """Issue 17: the admin's audit page showed column names and JSON ("phone: … → …",
    "{'status': 'active'}"). Each entry is a sentence: who changed which record, each field by its
    label, from what to what; an export says how many rows with which filters."""
    from sqlalchemy import select

    from db.engine import session_scope
    from db.models import Resident, User
    from db.models.residents import RESIDENT
    from services import residents, users
    from tests.conftest import actor_of

    def db(write=False):
        return session_scope(write=write)

    manager = actor_of(db, "manager")
    with db() as s:
        rid = s.execute(select(Resident.id).where(Resident.community_id.in_(sorted(manager.community_ids)))
                        .order_by(Resident.id).limit(1)).scalar_one()
        row = residents.detail(s, manager, rid).resident
        manager_name = s.execute(select(User.display_name).where(User.username == "manager")).scalar_one()
    with db(write=True) as s:
        ledgers.save(s, manager, RESIDENT, {**{k: row[k] for k in (
            "name", "id_type", "household_id", "residence_type")}, "phone": "13900001111"}, rid, row["version"])
        users.record_failure(s, "staff")
    at = as_role(app, "manager")
    at.query_params["hazards.severity"] = "重大"
    at.switch_page("pages/safety/hazards.py").run()
    at.button(key="hazards_csv_make").click().run()  # an export of a filtered list
    at = as_role(app, "admin")
    at.switch_page("pages/admin/audit.py").run()
    assert not at.exception
    lines = [m.value for m in at.markdown]
    text = "\n".join(lines)
    assert "{" not in text and "phone" not in text and "severity" not in text
    changed = next(line for line in lines if "13900001111" in line)
    assert f"{manager_name} 修改了 {ZH['table.resident']}「{row['name']}」" in changed
    assert f"{ZH['res.phone']} 从 " in changed and " 改为 13900001111" in changed
    exported = next(line for line in lines if ZH["audit.rows"] in line and ZH["table.hazard"] in line)
    assert ZH["auditaction.export"] in exported and f"{ZH['haz.severity']} {ZH['severity.重大']}" in exported
    assert any(ZH["audit.failed_logins"] in line for line in lines)


def test_the_reference_editor_shows_what_a_version_changed(app):
    """Issue 17: the versions table gave no hint of what changed; picking a version lists the
    items added, retired and changed since the one before."""
    from db.engine import session_scope
    from services import checklists
    from tests.conftest import actor_of

    def db(write=False):
        return session_scope(write=write)

    with db() as s:
        first = next(iter(checklists.all_current(s)))
        old = checklists.current(s, first)
    items = [dict(i) for i in old.items[1:]] + [{"code": "NEW-01", "text_zh": "新增的检查项", "text_en": "A new item",
                                                 "severity": "一般"}]
    with db(write=True) as s:
        checklists.new_version(s, actor_of(db, "admin"), first, items, old.version)
    at = as_role(app, "admin")
    at.switch_page("pages/admin/reference.py").run()
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert ZH["ref.diff_title"].format(version=old.version + 1, previous=old.version) in text
    assert f"{ZH['ref.diff_added']}] NEW\\-01 新增的检查项" in text
    assert f"{ZH['ref.diff_removed']}] {old.items[0]['code'].replace('-', chr(92) + '-')}" in text
    table = next(d.value for d in at.dataframe if ZH["ref.version_no"] in d.value.columns)  # not the item editor
    assert "v" not in table.columns and "✓" not in table.columns and list(table[ZH["ref.version_no"]]) == [
        f"v{old.version + 1}", f"v{old.version}"]
