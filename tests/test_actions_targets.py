"""Improvement actions (open → done → verified by someone else, a failed check back to open,
overdue derived, the owner one of the community's staff), the KPIs actions_on_time and the
composite community score against hand counts, and the targets page: supervisors set targets
and weights, the admin the thresholds, every change checked and audited, and a target changed
on the page moves the dashboard's light."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.models.quality import ACTION, ImprovementAction
from services import actions, audit, clock, kpis, ledgers, settings
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of
from tests.test_pages import app  # noqa: F401  (a fixture)

# a month far from the demo's actions (they lie within ±130 days of today)
M0 = date(clock.today().year + 3, 3, 1)
M1 = date(M0.year, 3, 31)


def _community(db, username: str = "manager") -> int:
    return sorted(actor_of(db, username).community_ids)[0]


def _new(db, who, *, due: date, today: date, owner: str = "staff", source: str = "meeting", title: str = "整改"):
    with db(write=True) as s:
        action = ledgers.save(s, who, ACTION, {"title": title, "source": source, "owner": owner, "due": due,
                                               "community_id": _community(db)}, today=today)
        return action.id


def _move(db, who, row_id: int, step: str, text: str = "已完成", today: date | None = None):
    with db(write=True) as s:
        obj = s.get(ImprovementAction, row_id)
        field = "result" if step == "done" else "effect"
        return ledgers.move(s, who, ACTION, row_id, step, {field: text}, obj.version, today=today).status


def _state(db, row_id: int) -> ImprovementAction:
    with db() as s:
        obj = s.get(ImprovementAction, row_id)
        s.expunge(obj)
        return obj


# --- the workflow -------------------------------------------------------------------------------

def test_done_then_verified_by_someone_else_never_by_who_did_it(db, demo_db):
    manager, staff, supervisor = (actor_of(db, u) for u in ("manager", "staff", "supervisor"))
    today = clock.today()
    row = _new(db, manager, due=today + timedelta(days=7), today=today)
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # not done yet
        ledgers.move(s, manager, ACTION, row, "verify", {"effect": "好"}, 1)
    assert e.value.key == "err.wf_state"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # a supervisor checks, never does
        ledgers.move(s, supervisor, ACTION, row, "done", {"result": "做了"}, 1)
    assert e.value.key == "err.permission"
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # what was done must be said
        ledgers.move(s, staff, ACTION, row, "done", {"result": "  "}, 1)
    assert e.value.errors == {"result": "err.required"}
    assert _move(db, staff, row, "done", "楼道灯已装好") == "done"
    with db() as s:
        obj = s.get(ImprovementAction, row)
        assert ledgers.may_move(s, staff, ACTION, obj, "verify") == "err.own_action"
        assert ledgers.may_move(s, staff, ACTION, obj, "reopen") == "err.own_action"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.move(s, staff, ACTION, row, "verify", {"effect": "我自己看过"}, 2)
    assert e.value.key == "err.own_action"
    assert _move(db, supervisor, row, "verify", "夜间抽查灯亮") == "verified"
    done = _state(db, row)
    assert (done.done_by, done.verified_by, done.verified_on, done.result) == ("staff", "supervisor", today,
                                                                               "楼道灯已装好")
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # verified: no more edits
        ledgers.save(s, manager, ACTION, {"title": "改", "source": "meeting", "owner": "staff",
                                          "due": done.due, "community_id": done.community_id}, row, done.version)
    assert e.value.key == "actn.locked"
    with db() as s:
        steps = [e["step"] for e in ledgers.history(s, manager, ACTION, row) if e["action"] == "step"]
    assert steps == ["verify", "done"]


def test_a_failed_check_sends_it_back_open_with_the_reason_and_it_is_done_again(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    today = clock.today()
    row = _new(db, manager, due=today + timedelta(days=3), today=today)
    _move(db, staff, row, "done", "报价已出")
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a failed check says why
        ledgers.move(s, manager, ACTION, row, "reopen", {"effect": ""}, 2)
    assert e.value.errors == {"effect": "err.required"}
    assert _move(db, manager, row, "reopen", "灯还没装") == "open"
    back = _state(db, row)
    assert (back.done_on, back.done_by, back.effect) == (None, None, "灯还没装")
    assert _move(db, staff, row, "done", "灯已安装") == "done"
    assert _move(db, manager, row, "verify", "已亮") == "verified"


def test_volunteers_do_not_see_actions_and_staff_cannot_create_for_another_community(db, demo_db):
    volunteer, staff = actor_of(db, "volunteer"), actor_of(db, "staff")
    with db() as s, pytest.raises(PermissionDenied):
        ledgers.list_rows(s, volunteer, ACTION)
    other = next(c for c in sorted(actor_of(db, "supervisor").community_ids) if c != _community(db))
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, staff, ACTION, {"title": "x", "source": "other", "owner": "staff",
                                        "due": clock.today(), "community_id": other})


def test_the_owner_is_one_of_the_communitys_staff_accounts(db, demo_db):
    from db.models.users import USER_LEDGER

    admin, manager = actor_of(db, "admin"), actor_of(db, "manager")
    supervisor = actor_of(db, "supervisor")
    other = next(c for c in sorted(supervisor.community_ids) if c != _community(db))
    with db(write=True) as s:  # a staff member of the other community
        ledgers.save(s, admin, USER_LEDGER, {"username": "lichen", "display_name": "网格员 李晨", "role": "manager",
                                             "community_ids": [other], "grid_ids": [], "password": "Lichen-2026!"})
    with db() as s:
        offered = actions.owner_options(s, manager)
    assert offered["staff"] == "网格员 吴磊" and offered["manager"] == "居委会主任 周敏"
    assert "lichen" not in offered and "volunteer" not in offered and "supervisor" not in offered
    today = clock.today()
    for owner in ("volunteer", "lichen", "吴磊"):  # not staff; another community's; a typed name
        with db(write=True) as s, pytest.raises(ValidationError) as e:
            ledgers.save(s, manager, ACTION, {"title": "x", "source": "other", "owner": owner,
                                              "due": today, "community_id": _community(db)})
        assert e.value.errors == {"owner": "err.bad_choice"}, owner
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # the admin is offered everyone …
        ledgers.save(s, admin, ACTION, {"title": "x", "source": "other", "owner": "lichen", "due": today,
                                        "community_id": _community(db)})
    assert e.value.errors == {"owner": "actn.err_owner"}  # … but not another community's for this one
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, manager, ACTION, {"title": "x", "source": "other", "owner": "staff",
                                          "due": today - timedelta(days=1), "community_id": _community(db)})
    assert e.value.errors == {"due": "actn.err_due_past"}


def test_overdue_is_derived_open_and_past_due_only(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    today = clock.today()
    late = _new(db, manager, due=today - timedelta(days=4), today=today - timedelta(days=10), title="逾期的")
    done = _new(db, manager, due=today - timedelta(days=4), today=today - timedelta(days=10), title="完成的")
    _move(db, staff, done, "done", today=today - timedelta(days=2))
    coming = _new(db, manager, due=today, today=today, title="今天到期")
    with db() as s:
        rows = {r["id"]: r for r in ledgers.list_rows(s, manager, ACTION, view="overdue", limit=500).rows}
    assert late in rows and done not in rows and coming not in rows
    assert rows[late]["overdue_days"] == 4
    with db() as s:
        first = ledgers.list_rows(s, manager, ACTION, limit=500).rows
    overdue = [r["id"] for r in first if r["overdue_days"]]
    assert [r["id"] for r in first[:len(overdue)]] == overdue  # overdue first


# --- KPIs ---------------------------------------------------------------------------------------

def test_actions_on_time_against_a_hand_count(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    d = lambda n: M0 + timedelta(days=n - 1)  # noqa: E731  (day n of the month)
    a = _new(db, manager, due=d(5), today=d(1))
    _move(db, staff, a, "done", today=d(3))                            # on time
    b = _new(db, manager, due=d(10), today=d(1))
    _move(db, staff, b, "done", today=d(12))                           # late
    _new(db, manager, due=d(15), today=d(1))                           # open past due on day 20: late
    _new(db, manager, due=d(25), today=d(1))                           # open, not yet due: not judged
    e = _new(db, manager, due=d(8), today=d(1))
    _move(db, staff, e, "done", today=d(8))
    _move(db, manager, e, "verify", "有效", today=d(9))                # on its due day, verified: on time
    f = _new(db, manager, due=d(7), today=d(1))
    _move(db, staff, f, "done", today=d(6))
    _move(db, manager, f, "reopen", "无效", today=d(7))                # sent back, open past due: late
    _new(db, manager, due=M1 + timedelta(days=1), today=d(1))          # due next month: not counted
    scope = kpis.Scope(manager, None)
    with db() as s:
        value = kpis.evaluate(s, scope, "actions_on_time", M0, M1, today=d(20))
    assert (value.numerator, value.denominator) == (2, 5)
    assert value.value == 40.0 and value.target == 95 and value.light == "red"
    with db() as s:  # the period before: nothing due, no data (never 0 %)
        assert kpis.evaluate(s, scope, "actions_on_time", M0 - timedelta(days=28), M0 - timedelta(days=1),
                             today=d(20)).value is None


def _only_weights(db, **weights):
    admin = actor_of(db, "admin")
    with db(write=True) as s:
        for key in settings.defaults():
            if settings.is_weight(key):
                settings.set_value(s, admin, key, weights.get(key.split(".")[1], 0))


def _value(key: str, num: float, den: float, target: float | None = None, min_n: int = 5) -> kpis.Value:
    kpi = kpis.REGISTRY[key]
    return kpis.Value(kpi, num, den, target if target is not None else None, min_n if kpi.unit == "%" else 0)


def test_composite_against_a_hand_worked_example(db, demo_db):
    """service coverage 45/50 = 90 % of a 90 target: 100 points, weight 2; rectification 17/20 = 85 %
    of 95: 89.47 points, weight 1; turnout 90 % of 80: 112.5 capped at 100, weight 1; inspections
    weight 3 but nothing due: left out, the other weights renormalised; actions 3/4 over too few
    cases: left out. (2·100 + 89.47 + 100) ÷ 4 = 97.37."""
    _only_weights(db, service_coverage=2, rectification=1, turnout=1, inspection_completion=3, actions_on_time=5)
    values = {"service_coverage": _value("service_coverage", 45, 50, 90),
              "rectification": _value("rectification", 17, 20, 95),
              "turnout": _value("turnout", 90, 100, 80),
              "inspection_completion": _value("inspection_completion", 0, 0, 95),
              "actions_on_time": _value("actions_on_time", 3, 4, 95),
              "special_coverage": _value("special_coverage", 1, 10, 100)}  # weight 0: not in it
    composite = kpis.REGISTRY["composite"]
    with db() as s:
        num, den = composite.compose(s, kpis.Scope(actor_of(db, "manager"), None), values)
    assert den == 4
    assert num / den == pytest.approx((2 * 100 + 100 * 85 / 95 + 100) / 4)
    assert round(num / den, 1) == 97.4
    assert kpis.score(values["turnout"]) == 100  # the cap
    assert kpis.score(values["rectification"]) == pytest.approx(89.4737, abs=1e-3)
    assert kpis.score(values["inspection_completion"]) is None and kpis.score(values["actions_on_time"]) is None


def test_composite_on_real_data_follows_the_kpis_it_is_made_of(db, demo_db):
    """The composite the registry computes is the weighted mean of the tiles' own values; no target,
    no light, in points."""
    manager = actor_of(db, "manager")
    scope = kpis.Scope(manager, None)
    today = clock.today()
    start, end = kpis.reporting_period("quarter", today)
    with db() as s:
        every = kpis.evaluate_all(s, scope, start, end, today)
        alone = kpis.evaluate(s, scope, "composite", start, end, today)
        weights = kpis.weights(s, scope)
    scored = {k: kpis.score(every[k]) for k in weights}
    scored = {k: v for k, v in scored.items() if v is not None}
    assert scored, "the demo gives some KPI a score"
    expected = sum(weights[k] * v for k, v in scored.items()) / sum(weights[k] for k in scored)
    assert every["composite"].value == alone.value == round(expected, 1)
    assert every["composite"].light is None and every["composite"].kpi.unit == "分"
    with db() as s:
        series = kpis.trend(s, scope, "composite", "month", today, n=3)
    assert len(series) == 3 and any(p["value"] is not None for p in series)


def test_a_kpi_added_later_takes_part_once_its_weight_row_exists(db, demo_db, monkeypatch):
    _only_weights(db, turnout=1)
    manager = actor_of(db, "manager")
    scope = kpis.Scope(manager, None)
    rows = dict(settings.defaults())
    extra = kpis.KPI("extra", "kpi.turnout", "%", "kpi.extra.target", True, lambda *a: (30, 60), "dashboard")
    monkeypatch.setitem(kpis.REGISTRY, "extra", extra)
    monkeypatch.setattr(settings, "defaults", lambda: rows)
    values = {"turnout": _value("turnout", 40, 50, 80), "extra": _value("extra", 30, 60, 100)}
    with db() as s:
        assert kpis.REGISTRY["composite"].compose(s, scope, values) == (100, 1)  # no weight row: not in it
    rows.update({"kpi.extra.target": {"value": 100, "kind": "float"}, "kpi.extra.weight": {"value": 3, "kind": "float"}})
    with db() as s:
        num, den = kpis.REGISTRY["composite"].compose(s, scope, values)
    assert (num, den) == (100 + 3 * 50, 4)


def test_composite_shows_on_the_report(db, demo_db):
    from services import reports

    manager = actor_of(db, "manager")
    start, end = kpis.reporting_period("quarter", clock.today())
    with db() as s:
        report = reports.build(s, manager, _community(db), "quarter", start, end)
    keys = {k["key"]: k for k in report.kpis}
    assert {"composite", "actions_on_time"} <= set(keys)
    html = reports.to_html(report, lambda key, **kw: key, lambda c: c, "Q")
    if keys["composite"]["value"] is not None:
        assert f"{keys['composite']['value']:.1f} dash.unit.分" in html


# --- settings: who sets what, to what -------------------------------------------------------------

def test_a_supervisor_sets_targets_and_weights_not_thresholds_and_every_change_is_audited(db, demo_db):
    supervisor, manager, admin = actor_of(db, "supervisor"), actor_of(db, "manager"), actor_of(db, "admin")
    with db(write=True) as s:
        settings.set_value(s, supervisor, "kpi.turnout.target", 70)
        settings.set_value(s, supervisor, "kpi.turnout.weight", 2.5)
    for key in ("login.max_attempts", "hazard.deadline_days.一般", "rental.check"):
        with db(write=True) as s, pytest.raises(PermissionDenied):
            settings.set_value(s, supervisor, key, 3 if key != "rental.check" else {"unit": "month", "every": 1})
    with db(write=True) as s, pytest.raises(PermissionDenied):
        settings.set_value(s, manager, "kpi.turnout.target", 60)
    with db(write=True) as s:
        settings.set_value(s, admin, "login.max_attempts", 4)
        settings.set_value(s, admin, "rental.check", {"unit": "month", "every": 2})
    with db() as s:
        assert settings.get(s, "kpi.turnout.target") == 70 and settings.get(s, "kpi.turnout.weight") == 2.5
        assert settings.get(s, "login.max_attempts") == 4
        entries = audit.search(s, table_name="setting", action="update", limit=20).rows
        said = {(e["actor"], audit.decode(e["after"])["key"]) for e in entries}
        mine = settings.history(s, supervisor)
        everything = settings.history(s, admin)
    assert {("supervisor", "kpi.turnout.target"), ("supervisor", "kpi.turnout.weight"),
            ("admin", "login.max_attempts"), ("admin", "rental.check")} <= said
    assert [(c["key"], c["before"], c["after"]) for c in mine] == [("kpi.turnout.weight", 10, 2.5),
                                                                   ("kpi.turnout.target", 80, 70)]
    assert {"login.max_attempts", "rental.check"} <= {c["key"] for c in everything}


@pytest.mark.parametrize("key,value,error", [
    ("kpi.turnout.weight", -1, "target.err_min"),
    ("kpi.turnout.target", 120, "target.err_range"),
    ("kpi.turnout.target", -5, "target.err_range"),
    ("kpi.turnout.target", "八十", "target.err_number"),
    ("login.max_attempts", 0, "target.err_min"),
    ("login.max_attempts", 2.5, "target.err_whole"),
    ("password.max_length", 80, "target.err_range"),
    ("password.min_length", 70, "target.err_order"),
    ("photo.max_mb", 0, "target.err_positive"),
    ("ui.timezone", "Mars/Olympus", "target.err_zone"),
    ("rental.check", {"unit": "fortnight", "every": 1}, "target.err_unit"),
    ("rental.check", {"unit": "month", "every": 0}, "target.err_range"),
])
def test_a_value_out_of_its_range_is_refused_and_nothing_is_written(db, demo_db, key, value, error):
    admin = actor_of(db, "admin")
    with db() as s:
        before, stamp = settings.get(s, key), audit.data_version(s)
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        settings.set_value(s, admin, key, value)
    assert e.value.errors == {"value": error}
    with db() as s:
        assert settings.get(s, key) == before and audit.data_version(s) == stamp


# --- pages (AppTest, SQLite) ---------------------------------------------------------------------

def _session_db(write: bool = False):
    from db.engine import session_scope

    return session_scope(write=write)


def _tiles(at) -> dict[str, str]:
    """The dashboard's tiles: KPI label -> the text beside its value (its light)."""
    from streamlit.testing.v1.element_tree import Block

    found: dict[str, str] = {}

    def walk(node):
        kids = list(getattr(node, "children", {}).values())
        metrics = [k for k in kids if getattr(k, "type", None) == "metric"]
        if len(metrics) == 1 and isinstance(node, Block):
            found[metrics[0].label] = " ".join(k.value for k in kids if getattr(k, "type", None) == "markdown")
        for k in kids:
            walk(k)

    walk(at.main)
    return found


def test_a_target_changed_on_the_targets_page_moves_the_dashboards_light(app):
    import streamlit as st

    from tests.test_pages import ZH, as_role, errors

    st.cache_data.clear()
    supervisor = actor_of(_session_db, "supervisor")
    today = clock.today()
    start, end = kpis.reporting_period("month", today)
    with _session_db() as s:
        values = kpis.evaluate_all(s, kpis.Scope(kpis.narrowed(supervisor, sorted(supervisor.community_ids)), None),
                                   start, end, today)
    key, v = next((k, v) for k, v in values.items() if v.light in ("green", "red") and v.value < 95)
    new = min(100, round(v.value) + 10) if v.light == "green" else max(0, int(v.value) - 1)
    light, other = ZH[f"dash.light.{v.light}"], ZH["dash.light." + ("red" if v.light == "green" else "green")]
    label = ZH[kpis.REGISTRY[key].label]

    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception
    assert light in _tiles(at)[label]

    at = as_role(app, "supervisor")
    at.switch_page("pages/admin/targets.py").run()
    assert not at.exception
    assert not [w for w in at.number_input if w.key.endswith("login.max_attempts")]  # thresholds: admin only
    at.number_input(key=f"targets_targets_{kpis.REGISTRY[key].target_key}").set_value(new)
    next(b for b in at.button if b.label == ZH["target.save"] and b.form_id == "targets_targets").click()
    at.run()
    assert not at.exception and not errors(at), errors(at)
    with _session_db() as s:
        assert settings.get(s, kpis.REGISTRY[key].target_key) == new

    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception
    shown = _tiles(at)[label]
    assert other in shown or (v.light == "green" and ZH["dash.light.amber"] in shown), shown
    assert light not in shown


def test_a_negative_weight_is_refused_on_the_page_and_nothing_saved(app):
    from tests.test_pages import ZH, as_role, errors

    at = as_role(app, "supervisor")
    at.switch_page("pages/admin/targets.py").run()
    at.number_input(key="targets_weights_kpi.turnout.weight").set_value(-2)
    at.number_input(key="targets_weights_kpi.rectification.weight").set_value(30)
    next(b for b in at.button if b.label == ZH["target.save"] and b.form_id == "targets_weights").click()
    at.run()
    assert not at.exception
    said = errors(at)
    assert any(ZH["setting.kpi.turnout.weight"] in e and ZH["target.err_min"].format(lo=0) in e for e in said), said
    with _session_db() as s:  # all or nothing: the valid row was not saved either
        assert settings.get(s, "kpi.turnout.weight") == 10 and settings.get(s, "kpi.rectification.weight") == 10


def test_the_admin_edits_a_threshold_with_a_widget_of_its_kind(app):
    from tests.test_pages import ZH, as_role, errors

    at = as_role(app, "admin")
    at.switch_page("pages/admin/targets.py").run()
    assert not at.exception
    at.number_input(key="targets_thresholds_login.max_attempts").set_value(7)
    at.selectbox(key="targets_thresholds_rental.check_unit").set_value("month")
    at.text_input(key="targets_thresholds_ui.timezone").input("Asia/Urumqi")
    next(b for b in at.button if b.label == ZH["target.save"] and b.form_id == "targets_thresholds").click()
    at.run()
    assert not at.exception and not errors(at), errors(at)
    with _session_db() as s:
        assert settings.get(s, "login.max_attempts") == 7
        assert settings.get(s, "rental.check") == {"unit": "month", "every": 1}
        assert settings.get(s, "ui.timezone") == "Asia/Urumqi"
    assert any(ZH["setting.login.max_attempts"] in str(df.value.values.tolist()) for df in at.dataframe)


def test_the_actions_page_links_an_action_to_its_hazard_and_says_why_one_may_not_check_ones_own(app):
    from tests.test_pages import ZH, as_role

    with _session_db() as s:
        hazard_one = s.execute(select(ImprovementAction).where(ImprovementAction.source == "hazard",
                                                               ImprovementAction.source_id.isnot(None))
                               .order_by(ImprovementAction.id)).scalars().first()
        waiting = s.execute(select(ImprovementAction).where(ImprovementAction.status == "done",
                                                            ImprovementAction.done_by == "staff")).scalars().first()
    at = as_role(app, "manager")
    at.query_params["actions.id"] = str(hazard_one.id)
    at.switch_page("pages/quality/actions.py").run()
    assert not at.exception
    links = [p.proto for p in at.get("page_link")]
    assert any(p.page == "hazards" and p.query_string == f"hazards.id={hazard_one.source_id}" for p in links)
    at = as_role(app, "staff")
    at.query_params["actions.id"] = str(waiting.id)
    at.switch_page("pages/quality/actions.py").run()
    assert not at.exception
    verify = next(b for b in at.button if b.label == ZH["actn.verify"])
    assert verify.disabled
    assert any(ZH["err.own_action"] in c.value for c in at.caption)


def test_the_composite_score_has_a_tile_and_a_trend_on_the_dashboard_and_a_tile_on_the_report(app):
    from tests.test_pages import ZH, as_role

    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception
    tile = next(m for m in at.metric if m.label == ZH["kpi.composite"])
    assert tile.value == ZH["dash.no_data"] or tile.value.endswith(ZH["dash.unit.分"])
    assert ZH["dash.no_target"] in " ".join(c.value for c in at.caption)
    charts = len(at.get("vega_lite_chart"))
    at.selectbox(key="dash_trend_kpi").set_value("composite").run()
    assert not at.exception
    # the demo's months have a score: a line, not "no data yet"
    assert not any(c.value == ZH["dash.trend_empty"] for c in at.caption)
    assert len(at.get("vega_lite_chart")) == charts
    at = as_role(app, "manager")
    at.switch_page("pages/overview/reports.py").run()
    assert not at.exception
    assert {ZH["kpi.composite"], ZH["kpi.actions_on_time"]} <= {m.label for m in at.metric}
