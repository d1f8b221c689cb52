"""The admin's pages on the ledger engine, through AppTest (SQLite): the accounts page (new with an
initial password, the opened account's login name read-only, the self-lockout refused beside the
form), the visit rules on the reference page (edit only) and a setting's audit entry named by
its label."""
from __future__ import annotations

from sqlalchemy import select

from db.engine import session_scope
from tests.conftest import actor_of
from tests.test_pages import ZH, app, as_role, errors  # noqa: F401  (app: a fixture)


def _db(write: bool = False):
    return session_scope(write=write)


def _opened(app, script: str, list_key: str, row_id: int):
    """The admin on ``script`` with the record ``row_id`` of the list ``list_key`` opened (by link)."""
    at = as_role(app, "admin")
    at.query_params[f"{list_key}.id"] = str(row_id)
    at.switch_page(script).run()
    return at


def _save_button(at, form: str):
    return next(b for b in at.button if b.label == ZH["rec.save"] and (b.form_id or "").startswith(form))


def test_an_opened_account_shows_its_login_read_only_and_asks_no_initial_password(app):
    from db.models import User

    with _db() as s:
        staff = s.execute(select(User).where(User.username == "staff")).scalar_one()
    at = _opened(app, "pages/admin/users.py", "users", staff.id)
    assert not at.exception
    form = f"users_edit_{staff.id}"
    login = at.text_input(key=f"{form}_username")
    assert login.disabled and login.value == "staff"
    assert not [w for w in at.text_input if w.key == f"{form}_password"]
    assert at.multiselect(key=f"{form}_grid_ids").value == sorted(g.id for g in staff.grids)
    assert any(b.label == ZH["users.reset"] for b in at.button)
    assert at.text_input(key="users_new_password").value == ""  # the new form asks for one


def test_the_admin_disabling_themselves_is_refused_beside_the_form(app):
    from db.models import User

    admin = actor_of(_db, "admin")
    at = _opened(app, "pages/admin/users.py", "users", admin.user_id)
    form = f"users_edit_{admin.user_id}"
    at.checkbox(key=f"{form}_disabled").check()
    _save_button(at, form).click()
    at.run()
    assert not at.exception
    assert any(ZH["err.self_lockout"] in e for e in errors(at))
    with _db() as s:
        assert s.execute(select(User.disabled).where(User.id == admin.user_id)).scalar_one() is False


def test_the_reference_page_edits_a_visit_rule_and_adds_none(app):
    from db.models import VisitRule

    with _db() as s:
        rule = s.execute(select(VisitRule).where(VisitRule.tag == "空巢老人")).scalar_one()
    at = _opened(app, "pages/admin/reference.py", "visit_rules", rule.id)
    assert not at.exception
    assert not [e for e in at.expander if e.label == ZH["rec.new"].format(kind=ZH["table.visit_rule"])]
    form = f"visit_rules_edit_{rule.id}"
    at.number_input(key=f"{form}_every").set_value(2)
    at.selectbox(key=f"{form}_unit").set_value("week")
    _save_button(at, form).click()
    at.run()
    assert not at.exception and not errors(at), errors(at)
    with _db() as s:
        saved = s.get(VisitRule, rule.id)
        assert (saved.every, saved.unit, saved.tag) == (2, "week", "空巢老人")


def test_a_setting_change_reads_in_the_audit_log_by_the_settings_name(app):
    from db.models import User
    from services import settings

    admin = actor_of(_db, "admin")
    with _db(write=True) as s:
        settings.set_value(s, admin, "login.max_attempts", 6)
        settings.set_value(s, admin, "rental.check_group", {"unit": "week", "every": 2})
        name = s.execute(select(User.display_name).where(User.username == "admin")).scalar_one()
    at = as_role(app, "admin")
    at.switch_page("pages/admin/audit.py").run()
    assert not at.exception
    lines = [m.value for m in at.markdown]
    attempts = next(line for line in lines if ZH["setting.login.max_attempts"] in line)
    assert f"{name} 修改了 {ZH['table.setting']}「{ZH['setting.login.max_attempts']}」" in attempts
    assert f"{ZH['audit.value']} 从 5 改为 6" in attempts and "login" not in attempts
    interval = next(line for line in lines if ZH["setting.rental.check_group"] in line)
    assert f"{ZH['ref.rule_every']} 从 1 改为 2" in interval
    assert f"{ZH['ref.rule_unit']} 从 {ZH['unit.month']} 改为 {ZH['unit.week']}" in interval
    assert "{" not in interval and "rental" not in interval
