"""Hazards on the ledger engine, on SQLite and PostgreSQL: their workflow declared as data
(db.models.safety.HAZARD) and taken through services.ledgers.move — a step refused from the
wrong state, for the wrong role or grid, the re-inspector who rectified it himself; each step
on the record's history under its name and on the hazard's timeline; and every list of hazards
in one order, made in SQL: overdue first, 重大 first among them, then by deadline."""
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.models import Grid
from db.models.safety import HAZARD, Hazard, HazardEvent
from services import clock, hazards, ledgers
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of
from tests.test_pages import ZH, app, as_role, errors  # noqa: F401  (app is a fixture)

TODAY = clock.today()


def _report(db, actor, severity="一般", found_on=TODAY, **more) -> int:
    with db(write=True) as s:
        return ledgers.save(s, actor, HAZARD, {"description": "消防通道堆放杂物", "category": "fire",
                                               "severity": severity, "risk_level": "中", "source": "patrol",
                                               "grid_id": sorted(actor.grid_ids)[0], "found_on": found_on,
                                               **more}).id


def _status(db, hid) -> str:
    with db() as s:
        return s.get(Hazard, hid).status


def _events(db, hid) -> list[tuple[str, str | None, str]]:
    with db() as s:
        return [(e.step, e.from_status, e.to_status) for e in s.execute(
            select(HazardEvent).where(HazardEvent.hazard_id == hid).order_by(HazardEvent.id)).scalars()]


def _fixed_by(db, actor, hid) -> None:
    manager = actor_of(db, "manager")
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "assign", {"owner": "物业 张经理", "deadline": TODAY + timedelta(days=5)})
    with db(write=True) as s:
        ledgers.move(s, actor, HAZARD, hid, "rectified", {"measures": "清理杂物"})


@pytest.mark.parametrize("step,data", [("start", {}), ("rectified", {"measures": "清理"}),
                                       ("reinspect_pass", {"note": "看过了"}), ("reinspect_fail", {"note": "没修"})])
def test_a_step_from_the_wrong_state_is_refused_and_changes_nothing(db, demo_db, step, data):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    hid = _report(db, staff)  # found: only assign (and, for 重大, escalate) start from here
    with db() as s:
        assert ledgers.may_move(s, manager, HAZARD, s.get(Hazard, hid), step) == "err.wf_state"
        assert [spec.name for spec, _ in ledgers.steps_open(s, manager, HAZARD, s.get(Hazard, hid))] == \
            ["assign", "escalate"]
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.move(s, manager, HAZARD, hid, step, data)
    assert e.value.key == "err.wf_state" and e.value.params["state"] == "found"
    assert _status(db, hid) == "found" and _events(db, hid) == [("found", None, "found")]


def test_a_step_is_refused_for_a_role_without_it_and_outside_the_actors_grids(db, demo_db):
    staff, supervisor = actor_of(db, "staff"), actor_of(db, "supervisor")
    hid = _report(db, staff, "重大")
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # supervisors watch, they do not assign
        ledgers.move(s, supervisor, HAZARD, hid, "assign", {"owner": "甲", "deadline": TODAY})
    assert e.value.key == "err.permission"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # escalation is for the leads
        ledgers.move(s, staff, HAZARD, hid, "escalate", {"level": "街道"})
    assert e.value.key == "err.permission"
    with db() as s:
        other = s.execute(select(Grid.id).where(Grid.community_id.in_(sorted(staff.community_ids or {1})),
                                                Grid.id.not_in(sorted(staff.grid_ids)))).scalars().first()
        h = s.get(Hazard, hid)
        elsewhere = replace(staff, grid_ids=frozenset({other}))
        assert ledgers.may_move(s, elsewhere, HAZARD, h, "assign") == "err.permission"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # another grid's worker
        ledgers.move(s, elsewhere, HAZARD, hid, "assign", {"owner": "乙", "deadline": TODAY})
    assert e.value.key == "err.out_of_scope"
    assert _status(db, hid) == "found"
    manager = actor_of(db, "manager")
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "escalate", {"level": "街道", "note": "需要资金"})
    with db() as s:  # an escalation records, the state stays
        h = s.get(Hazard, hid)
        assert (h.status, h.escalated_to) == ("found", "街道")
        note = s.execute(select(HazardEvent.note).where(HazardEvent.hazard_id == hid,
                                                        HazardEvent.step == "escalate")).scalar_one()
    assert note == "街道：需要资金"


def test_the_one_who_rectified_it_may_not_reinspect_it(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    hid = _report(db, staff)
    _fixed_by(db, staff, hid)
    with db() as s:
        h = s.get(Hazard, hid)
        assert (h.status, h.rectified_by, h.rectified_on) == ("awaiting", "staff", TODAY)
        assert {spec.name: why for spec, why in ledgers.steps_open(s, staff, HAZARD, h)} == \
            {"reinspect_pass": "err.own_fix", "reinspect_fail": "err.own_fix", "escalate": "err.permission"}
        assert {spec.name: why for spec, why in ledgers.steps_open(s, manager, HAZARD, h)} == \
            {"reinspect_pass": None, "reinspect_fail": None, "escalate": "err.escalate_major_only"}
    for step in ("reinspect_pass", "reinspect_fail"):
        with db(write=True) as s, pytest.raises(PermissionDenied) as e:
            ledgers.move(s, staff, HAZARD, hid, step, {"note": "我自己看过了"})
        assert e.value.key == "err.own_fix"
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a failure says why
        ledgers.move(s, manager, HAZARD, hid, "reinspect_fail", {"note": " "})
    assert e.value.errors == {"note": "err.required"}
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "reinspect_pass", {})
    with db() as s:
        h = s.get(Hazard, hid)
        assert (h.status, h.reinspected_by, h.closed_on) == ("closed", "manager", TODAY)


def test_every_step_is_on_the_history_under_its_name_and_on_the_timeline(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    hid = _report(db, staff)
    _fixed_by(db, staff, hid)
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "reinspect_fail", {"note": "仍有纸箱"})
    with db() as s:
        entries = ledgers.history(s, manager, HAZARD, hid)
        timeline = hazards.timeline(s, manager, hid)
    assert [(e["action"], e.get("step")) for e in entries] == \
        [("step", "reinspect_fail"), ("step", "rectified"), ("step", "assign"), ("create", None)]
    assert [(e["step"], e["from"], e["to"]) for e in timeline] == \
        [("found", None, "found"), ("assign", "found", "assigned"), ("rectified", "assigned", "awaiting"),
         ("reinspect_fail", "awaiting", "rectifying")]
    assert timeline[-1]["note"] == "仍有纸箱" and timeline[-1]["actor"] != "manager"  # named, not a login
    with db() as s:  # out of scope, no history
        with pytest.raises(PermissionDenied):
            ledgers.history(s, actor_of(db, "volunteer"), HAZARD, hid)


def test_a_hazard_reported_by_hand_takes_the_rule_and_may_close_on_the_spot(db, demo_db):
    staff = actor_of(db, "staff")
    major = _report(db, staff, "重大", TODAY - timedelta(days=1))
    spot = _report(db, staff, on_the_spot=True)
    with db() as s:
        assert s.get(Hazard, major).deadline == TODAY - timedelta(days=1) + timedelta(days=30)
        h = s.get(Hazard, spot)
        assert (h.status, h.on_the_spot, h.rectified_by, h.closed_on) == ("closed", True, "staff", TODAY)
    assert _events(db, spot) == [("found", None, "found"), ("on_the_spot", "found", "closed")]
    for wrong, key in ((dict(source="inspection"), "source"), (dict(found_on=TODAY + timedelta(days=1)), "found_on"),
                       (dict(deadline=TODAY - timedelta(days=1)), "deadline")):
        with db(write=True) as s, pytest.raises(ValidationError) as e:
            ledgers.save(s, staff, HAZARD, {"description": "x", "category": "fire", "severity": "一般",
                                            "risk_level": "中", "source": "patrol", "grid_id": sorted(staff.grid_ids)[0],
                                            "found_on": TODAY, **wrong})
        assert key in e.value.errors


def _python_order(rows: list[dict], today: date) -> list[int]:
    """The rule from scratch: overdue first, 重大 first, then the deadline, then the id."""
    def overdue(r):
        return r["status"] != "closed" and r["deadline"] < today
    return [r["id"] for r in sorted(rows, key=lambda r: (not overdue(r), r["severity"] != "重大", r["deadline"], r["id"]))]


def test_every_list_of_hazards_puts_the_overdue_major_ones_first_in_sql(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    # of each kind one more, so that the order has ties to break on every backend
    for severity, found in (("重大", TODAY - timedelta(days=60)), ("一般", TODAY - timedelta(days=60)),
                            ("重大", TODAY), ("一般", TODAY - timedelta(days=3))):
        _report(db, staff, severity, found)
    with db() as s:
        everything = ledgers.list_rows(s, manager, HAZARD, limit=100_000).rows
        assert len(everything) > 20
        expected = _python_order(everything, TODAY)
        assert [r["id"] for r in everything] == expected
        first = everything[0]
        assert first["severity"] == "重大" and first["status"] != "closed" and first["deadline"] < TODAY
        assert first["overdue_days"] == (TODAY - first["deadline"]).days
        assert all(r["overdue_days"] is None for r in everything if r["status"] == "closed" or r["deadline"] >= TODAY)
        # page by page, the same order: it is the database's, not a sort of the rows on screen
        paged = [r["id"] for offset in range(0, len(everything), 7)
                 for r in ledgers.list_rows(s, manager, HAZARD, limit=7, offset=offset).rows]
        assert paged == expected
        # a named view keeps the order; the facility's history and the dashboard's list use it
        overdue = ledgers.list_rows(s, manager, HAZARD, view="overdue", limit=100_000).rows
        assert [r["id"] for r in overdue] == [i for i in expected if i in {r["id"] for r in overdue}]
        facility = next(r["facility_id"] for r in everything if r["facility_id"])
        from services import facilities

        listed = [h["id"] for h in facilities.history(s, manager, facility)["hazards"]]
        assert listed == [i for i in expected if i in set(listed)] and listed
        # a sort the user picks replaces it
        by_found = ledgers.list_rows(s, manager, HAZARD, sort="found_on", limit=100_000).rows
        assert [r["found_on"] for r in by_found] == sorted(r["found_on"] for r in everything)


# --- the pages -------------------------------------------------------------------------------

def test_the_hazards_page_lists_overdue_major_first_and_offers_each_role_its_steps(app):
    from db.engine import session_scope

    def db(write=False):
        return session_scope(write=write)

    staff = actor_of(db, "staff")
    hid = _report(db, staff, "重大")
    late = _report(db, staff, "重大", TODAY - timedelta(days=31))  # a day past its 30
    at = as_role(app, "manager")
    at.switch_page("pages/safety/hazards.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    rows = list(zip(table[ZH["field.id"]], table[ZH["haz.severity"]], table[ZH["haz.overdue_days"]]))
    i = [r[0] for r in rows].index(late)
    # overdue 重大 head the list, the most overdue first, this one (a day past) last of them; then
    # the overdue 一般 (the demo has some, longer overdue than a day)
    assert rows[i][2] == 1 and all(r[1] == ZH["severity.重大"] for r in rows[:i + 1])
    assert [r[2] for r in rows[:i + 1]] == sorted((r[2] for r in rows[:i + 1]), reverse=True)
    assert rows[i + 1][1] == ZH["severity.一般"] and rows[i + 1][2] > 1
    at = as_role(app, "staff")  # staff: no escalation (a lead's step), no edit form beside the steps
    at.query_params["hazards.id"] = str(hid)
    at.switch_page("pages/safety/hazards.py").run()
    labels = {b.label for b in at.button}
    assert ZH["haz.assign"] in labels and ZH["haz.escalate"] not in labels
    assert not [e for e in at.expander if e.label == ZH["rec.edit"].format(kind=ZH["haz.hazard"])]
    at = as_role(app, "manager")
    at.query_params["hazards.id"] = str(hid)
    at.switch_page("pages/safety/hazards.py").run()
    at.selectbox(key=f"hazards_stepform_escalate_{hid}_level").set_value("街道")
    at.text_input(key=f"hazards_stepform_escalate_{hid}_note").input("需要街道协调资金")
    next(b for b in at.button if b.label == ZH["haz.escalate"]).click()
    at.run()
    assert not at.exception and not errors(at)
    with db() as s:
        h = s.get(Hazard, hid)
        assert (h.status, h.escalated_to) == ("found", "街道")
    assert any("需要街道协调资金" in str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())


def test_past_inspections_are_the_engines_list_with_the_opened_inspection_above(app):
    from db.engine import session_scope
    from db.models import Inspection

    manager = actor_of(lambda write=False: session_scope(write=write), "manager")
    with session_scope() as s:
        iid, failed = s.execute(select(Inspection.id, Inspection.items_failed).where(
            Inspection.status == "submitted", Inspection.items_failed > 0,
            Inspection.community_id.in_(sorted(manager.community_ids))).order_by(Inspection.id)).first()
    def table(at, *columns):
        return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))

    at = as_role(app, "manager")
    at.switch_page("pages/safety/inspections.py").run()
    listed = table(at, ZH["insp.date"], ZH["insp.overall"])
    assert not at.exception and len(listed) == 50  # paged in SQL, the newest first
    assert list(listed[ZH["insp.date"]]) == sorted(listed[ZH["insp.date"]], reverse=True)
    assert not set(listed[ZH["insp.inspector"]]) & {"staff", "manager"}  # names, not logins
    at.query_params["inspections.id"] = str(iid)
    at.switch_page("pages/safety/inspections.py").run()
    assert not at.exception
    items = table(at, ZH["insp.result"], ZH["insp.severity"])  # the opened inspection
    assert (items[ZH["insp.result"]] == ZH["result.不合格"]).sum() == failed
    assert any(b.proto.label == ZH["insp.report"] for b in at.get("download_button"))
