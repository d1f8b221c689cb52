"""Facility checklists and hazards on SQLite and PostgreSQL: automatic hazards, drafts, double
submit, every legal and illegal workflow step, template versions, uploads, the calendar."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from db.models.safety import Facility, Hazard, HazardEvent, Inspection, InspectionItem
from db.models.safety import FACILITY, HAZARD
from services import checklists, clock, facilities, inspections, ledgers, photos
from services.errors import PermissionDenied, StaleEdit, ValidationError
from tests.conftest import actor_of

TODAY = clock.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _fire_facility(db, actor):
    with db() as s:
        return s.execute(select(Facility).where(Facility.category == "fire", Facility.status != "停用",
                                                Facility.grid_id.in_(sorted(actor.grid_ids or [])) if actor.grid_ids
                                                else Facility.community_id.in_(sorted(actor.community_ids)))
                         .order_by(Facility.id)).scalars().first()


def _run(db, actor, facility, fail=(), photo_id=None):
    """Open a draft, answer every item (failing ``fail``), return the inspection id."""
    with db(write=True) as s:
        draft = inspections.open_draft(s, actor, "fire", facility.id)
        codes = [i.code for i in s.execute(select(InspectionItem).where(InspectionItem.inspection_id == draft.id))
                 .scalars()]
        for code in codes:
            inspections.save_item(s, actor, draft.id, code, "不合格" if code in fail else "合格",
                                  note="灭火器过期" if code in fail else None,
                                  photo_id=photo_id if code in fail else None)
        return draft.id, codes


def test_failed_item_opens_a_hazard_with_rule_deadline_and_responsible(db, demo_db):
    staff = actor_of(db, "staff")
    facility = _fire_facility(db, staff)
    with db(write=True) as s:
        photo = photos.save_photo(s, staff, PNG, "../../etc/passwd.png", facility.community_id).id
    iid, codes = _run(db, staff, facility, fail={"FIRE-02", "FIRE-05"}, photo_id=photo)
    with db(write=True) as s:
        result = inspections.submit(s, staff, iid)
    assert len(result.hazard_ids) == 2
    with db() as s:
        found = {h.severity: h for h in s.execute(select(Hazard).where(Hazard.id.in_(result.hazard_ids))).scalars()}
        insp = s.get(Inspection, iid)
    assert insp.overall == "不合格" and insp.items_failed == 2 and insp.items_total == len(codes)
    assert found["重大"].deadline == TODAY + timedelta(days=30) and found["一般"].deadline == TODAY + timedelta(days=7)
    assert found["一般"].responsible == facility.responsible_org and found["一般"].status == "found"
    assert "灭火器过期" in found["一般"].description and found["一般"].photo_before_id == photo


def test_double_submit_is_stored_once(db, demo_db):
    staff = actor_of(db, "staff")
    facility = _fire_facility(db, staff)
    iid, _ = _run(db, staff, facility, fail={"FIRE-05"})
    with db() as s:
        hazards_before = s.execute(select(func.count()).select_from(Hazard)).scalar_one()
    with db(write=True) as s:
        first = inspections.submit(s, staff, iid)
    with db(write=True) as s:
        second = inspections.submit(s, staff, iid)
    assert second.already and second.hazard_ids == first.hazard_ids
    with db() as s:
        assert s.execute(select(func.count()).select_from(Hazard)).scalar_one() == hazards_before + 1
        assert s.execute(select(func.count()).select_from(Inspection).where(Inspection.id == iid)).scalar_one() == 1


def test_a_draft_survives_and_belongs_to_its_inspector(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    facility = _fire_facility(db, staff)
    with db(write=True) as s:
        draft = inspections.open_draft(s, staff, "fire", facility.id)
        inspections.save_item(s, staff, draft.id, "FIRE-01", "合格")
    with db(write=True) as s:  # a reload: the same draft, with the answer
        again = inspections.open_draft(s, staff, "fire", facility.id)
        assert again.id == draft.id
        assert inspections.detail(s, staff, draft.id)["items"][0]["result"] == "合格"
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        inspections.submit(s, staff, draft.id)
    assert e.value.key == "err.unanswered"
    with db(write=True) as s, pytest.raises(PermissionDenied):
        inspections.save_item(s, manager, draft.id, "FIRE-02", "不合格")
    with db(write=True) as s, pytest.raises(PermissionDenied):
        inspections.open_draft(s, actor_of(db, "volunteer"), "fire", facility.id)


def _hazard(db, actor, severity="一般"):
    with db(write=True) as s:
        grid = sorted(actor.grid_ids)[0]
        return ledgers.save(s, actor, HAZARD, {"description": "楼道堆放杂物", "category": "fire", "severity": severity,
                                               "risk_level": "中", "source": "patrol", "grid_id": grid,
                                               "found_on": TODAY}).id


def _version(db, hid):
    with db() as s:
        return s.get(Hazard, hid).version


def test_the_whole_workflow_with_a_failed_reinspection(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    hid = _hazard(db, staff)
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "assign", {"owner": "物业 张经理", "deadline": TODAY + timedelta(days=5)},
                     _version(db, hid))
    with db(write=True) as s:
        ledgers.move(s, staff, HAZARD, hid, "start", {}, _version(db, hid))
    with db(write=True) as s:
        ledgers.move(s, staff, HAZARD, hid, "rectified", {"measures": "清理杂物"}, _version(db, hid))
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.move(s, staff, HAZARD, hid, "reinspect_pass", {}, _version(db, hid))
    assert e.value.key == "err.own_fix"
    with db(write=True) as s, pytest.raises(ValidationError):
        ledgers.move(s, manager, HAZARD, hid, "reinspect_fail", {"note": ""}, _version(db, hid))  # a failure says why
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "reinspect_fail", {"note": "仍有纸箱"}, _version(db, hid))
    with db(write=True) as s:
        ledgers.move(s, staff, HAZARD, hid, "rectified", {"measures": "全部清走"}, _version(db, hid))
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "reinspect_pass", {"note": "已清理干净"}, _version(db, hid))
    with db() as s:
        h = s.get(Hazard, hid)
        assert (h.status, h.closed_on, h.reinspected_by, h.rectified_by) == ("closed", TODAY, "manager", "staff")
        steps = [e.step for e in s.execute(select(HazardEvent).where(HazardEvent.hazard_id == hid)
                                           .order_by(HazardEvent.id)).scalars()]
    assert steps == ["found", "assign", "start", "rectified", "reinspect_fail", "rectified", "reinspect_pass"]


@pytest.mark.parametrize("step", ["start", "rectified", "reinspect"])
def test_illegal_steps_from_found(db, demo_db, step):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    hid = _hazard(db, staff)
    calls = {"start": lambda s: ledgers.move(s, staff, HAZARD, hid, "start"),
             "rectified": lambda s: ledgers.move(s, manager, HAZARD, hid, "reinspect_pass", {"note": "ok"}),
             "reinspect": lambda s: ledgers.move(s, manager, HAZARD, hid, "reinspect_pass",
                                                 {"note": "close without fixing"})}
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        calls[step](s)
    assert e.value.key == "err.wf_state"


def test_closed_hazards_accept_no_more_steps_and_stale_saves_are_refused(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    with db(write=True) as s:
        hid = ledgers.save(s, staff, HAZARD, {"description": "灭火器压力不足，已更换", "category": "fire",
                                              "severity": "一般", "risk_level": "低", "source": "selfcheck",
                                              "grid_id": sorted(staff.grid_ids)[0], "found_on": TODAY,
                                              "on_the_spot": True}).id
    with db() as s:
        assert s.get(Hazard, hid).status == "closed" and s.get(Hazard, hid).on_the_spot
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.move(s, manager, HAZARD, hid, "assign", {"owner": "someone", "deadline": TODAY})
    other = _hazard(db, staff)
    old = _version(db, other)
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, other, "assign", {"owner": "甲", "deadline": TODAY + timedelta(days=3)}, old)
    with db(write=True) as s, pytest.raises(StaleEdit):
        ledgers.move(s, manager, HAZARD, other, "assign", {"owner": "乙", "deadline": TODAY + timedelta(days=3)}, old)


def test_escalation_is_for_major_hazards_and_managers(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    ordinary, major = _hazard(db, staff), _hazard(db, staff, "重大")
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.move(s, manager, HAZARD, ordinary, "escalate", {"level": "街道"})
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.move(s, staff, HAZARD, major, "escalate", {"level": "街道"})
    with db(write=True) as s:
        ledgers.move(s, manager, HAZARD, major, "escalate", {"level": "街道", "note": "需要资金"})
    with db() as s:
        assert s.get(Hazard, major).escalated_to == "街道"
        assert s.get(Hazard, major).deadline == TODAY + timedelta(days=30)


def test_overdue_is_derived(db, demo_db):
    staff = actor_of(db, "staff")
    with db(write=True) as s:
        hid = ledgers.save(s, staff, HAZARD, {"description": "路灯不亮", "category": "street_lights", "severity": "一般",
                                              "risk_level": "低", "source": "complaint",
                                              "grid_id": sorted(staff.grid_ids)[0],
                                              "found_on": TODAY - timedelta(days=10)}).id
    with db() as s:
        overdue = ledgers.list_rows(s, staff, HAZARD, view="overdue", limit=1000).rows
        row = next(r for r in overdue if r["id"] == hid)
        assert row["overdue_days"] == 3
        assert all(r["status"] != "closed" and r["deadline"] < TODAY for r in overdue)
        assert all(r["overdue_days"] for r in overdue)


def test_template_versions_keep_history(db, demo_db):
    admin, staff = actor_of(db, "admin"), actor_of(db, "staff")
    facility = _fire_facility(db, staff)
    iid, _ = _run(db, staff, facility)
    with db(write=True) as s:
        inspections.submit(s, staff, iid)
    with db() as s:
        old = checklists.current(s, "fire")
    items = [dict(i) for i in old.items[1:]]  # retire the first item
    items[0]["text_zh"] = "疏散通道畅通无阻（含地下室）"
    items.append({"code": "FIRE-99", "text_zh": "消防控制室有人值班", "text_en": "Fire control room staffed",
                  "severity": "重大"})
    with db(write=True) as s:
        new = checklists.new_version(s, admin, "fire", list(reversed(items)), old.version)
    assert new.version == old.version + 1 and new.items[0]["code"] == "FIRE-99" and len(new.items) == len(old.items)
    with db(write=True) as s, pytest.raises(StaleEdit):
        checklists.new_version(s, admin, "fire", items, old.version)
    with db(write=True) as s, pytest.raises(ValidationError):
        checklists.new_version(s, admin, "fire", items + [items[0]], new.version)  # a code twice
    with db(write=True) as s, pytest.raises(PermissionDenied):
        checklists.new_version(s, staff, "fire", items, new.version)
    with db() as s:
        past = inspections.detail(s, staff, iid)
        assert past["items"][0]["code"] == "FIRE-01" and past["items"][1]["text_zh"] == old.items[1]["text_zh"]
    with db(write=True) as s:
        draft = inspections.open_draft(s, staff, "fire", facility.id)
        codes = [i["code"] for i in inspections.detail(s, staff, draft.id)["items"]]
    assert codes[0] == "FIRE-99" and "FIRE-01" not in codes


def test_a_template_version_says_what_it_changed(db, demo_db):
    """Issue 17: the reference editor listed versions without saying what changed between them."""
    admin = actor_of(db, "admin")
    with db() as s:
        old = checklists.current(s, "fire")
        assert checklists.diff(s, "fire", old.version).previous is None  # the first: nothing to compare
    items = [dict(i) for i in old.items[1:]]  # retire the first item
    items[0]["text_zh"] = "疏散通道畅通无阻（含地下室）"
    items[1]["severity"] = "重大" if items[1]["severity"] == "一般" else "一般"
    items[2], items[3] = items[3], items[2]
    items.append({"code": "FIRE-99", "text_zh": "消防控制室有人值班", "text_en": "Fire control room staffed",
                  "severity": "重大"})
    with db(write=True) as s:
        new = checklists.new_version(s, admin, "fire", items, old.version, "week", 2)
    with db() as s:
        change = checklists.diff(s, "fire", new.version)
    assert change.previous == old.version
    assert [i["code"] for i in change.added] == ["FIRE-99"]
    assert [i["code"] for i in change.removed] == [old.items[0]["code"]]
    reworded = {c["code"]: [f for f, *_ in c["changes"]] for c in change.changed}
    assert reworded == {items[0]["code"]: ["text_zh"], items[1]["code"]: ["severity"]}
    assert {m["code"] for m in change.moved} == {items[2]["code"], items[3]["code"]}
    assert change.rule == ((old.rule_unit, old.rule_every), ("week", 2))


def test_photo_checks(db, demo_db):
    staff = actor_of(db, "staff")
    for data, key in [(b"", "err.photo_empty"), (b"%PDF-1.7 not an image", "err.photo_not_image"),
                      (b"<svg onload=alert(1)>", "err.photo_not_image"),
                      (b"\xff\xd8\xff" + b"\x00" * (9 * 1024 * 1024), "err.photo_too_big")]:
        with db(write=True) as s, pytest.raises(ValidationError) as e:
            photos.save_photo(s, staff, data, "x.jpg", None)
        assert e.value.errors == {"photo": key}
    with db(write=True) as s:
        p = photos.save_photo(s, staff, PNG, "../../../../etc/cron.d/evil.png", None)
        data, kind = photos.read_photo(s, p.id)
    assert data == PNG and kind == "image/png" and p.original_name.endswith("evil.png")
    from db.engine import data_dir

    stored = list((data_dir() / "photos").rglob("*.png"))
    assert stored and all(f.name == f"{p.sha256}.png" for f in stored if f.stem == p.sha256)
    assert not list(data_dir().rglob("evil*"))


def test_paper_round_in_one_go(db, demo_db):
    staff = actor_of(db, "staff")
    facility = _fire_facility(db, staff)
    with db() as s:
        codes = [i["code"] for i in checklists.current(s, "fire").items]
    results = {c: "合格" for c in codes}
    results[codes[-1]] = "不合格"
    with db(write=True) as s:
        done = inspections.enter_paper_round(s, staff, "fire", TODAY - timedelta(days=2), results,
                                             {codes[-1]: "缺少器材"}, facility.id)
    with db() as s:
        insp = s.get(Inspection, done.inspection.id)
        assert (insp.source, insp.status, insp.inspected_on, len(done.hazard_ids)) == \
            ("paper", "submitted", TODAY - timedelta(days=2), 1)
    with db(write=True) as s, pytest.raises(ValidationError):
        inspections.enter_paper_round(s, staff, "fire", TODAY + timedelta(days=1), results, None, facility.id)


def test_calendar_marks_done_and_overdue(db, demo_db):
    staff = actor_of(db, "staff")
    with db(write=True) as s:
        f = ledgers.save(s, staff, FACILITY, {"code": "T-FIRE-1", "name": "测试消防栓", "category": "fire",
                                                "grid_id": sorted(staff.grid_ids)[0], "status": "正常"})
        f.created_at = f.created_at - timedelta(days=120)
        fid = f.id
    with db() as s:
        rows = [r for r in inspections.obligations(s, staff, category="fire") if r.facility_id == fid]
    assert [r.status for r in rows][-1] in ("due", "soon") and "overdue" in [r.status for r in rows]
    with db(write=True) as s:
        inspections.enter_paper_round(s, staff, "fire", TODAY, {c["code"]: "合格" for c in
                                                               checklists.current(s, "fire").items}, None, fid)
    with db() as s:
        rows = [r for r in inspections.obligations(s, staff, category="fire") if r.facility_id == fid]
        assert rows[-1].status == "done" and rows[-1].done_on == TODAY
        cells = inspections.completion_by_category_month(s, staff, TODAY - timedelta(days=365), TODAY)
    assert cells and all(0 <= c["rate"] <= 100 for c in cells if c["rate"] is not None)


def test_facility_register_renewal_and_scope(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    with db(write=True) as s:
        ledgers.save(s, manager, FACILITY, {"code": "OLD-1", "name": "老旧配电箱", "category": "electrical",
                                              "grid_id": sorted(staff.grid_ids)[0], "status": "待修",
                                              "install_date": date(2000, 1, 1), "expected_life_years": 15})
    with db() as s:
        due = ledgers.list_rows(s, manager, FACILITY, view="renewal", limit=1000).rows
        assert "OLD-1" in [r["code"] for r in due] and all(r["renewal_due"] for r in due)
        mine = ledgers.list_rows(s, staff, FACILITY, limit=1000).rows
        assert {r["grid_id"] for r in mine} <= staff.grid_ids
    with db(write=True) as s, pytest.raises(ValidationError):
        ledgers.save(s, manager, FACILITY, {"code": "X", "name": "x", "category": "no-such", "grid_id": 1,
                                              "status": "正常"})


def test_renewal_due_in_sql_agrees_with_the_rule_on_every_kind_of_date(db, demo_db):
    """The renewal filter runs in SQL; it picks exactly the facilities the Python rule calls due,
    29 February installs and the anniversary day itself included, on both databases."""
    manager = actor_of(db, "manager")
    grid = None
    today = date(2026, 2, 28)
    installs = [date(2000, 2, 29), date(2004, 2, 29), date(2006, 2, 28), date(2006, 3, 1), date(2016, 2, 28),
                date(2016, 2, 29), date(2020, 12, 31), date(2021, 1, 1), date(2025, 2, 28)]
    with db(write=True) as s:
        from db.models import Grid

        grid = s.execute(select(Grid.id).where(Grid.community_id.in_(sorted(manager.community_ids)))).scalars().first()
        for i, installed in enumerate(installs):
            for life in (1, 5, 10, 20, 22, 26):
                ledgers.save(s, manager, FACILITY, {"code": f"RN-{i}-{life}", "name": "测试设施", "category": "electrical",
                                                      "grid_id": grid, "status": "正常", "install_date": installed,
                                                      "expected_life_years": life}, today=today)
    with db() as s:
        due = {r["code"] for r in ledgers.list_rows(s, manager, FACILITY, view="renewal", search="RN-",
                                                            limit=1000, today=today).rows}
        shown = {r["code"]: r["renewal_due"] for r in ledgers.list_rows(s, manager, FACILITY, search="RN-", limit=1000,
                                                                              today=today).rows}
    expected = {f"RN-{i}-{life}" for i, installed in enumerate(installs) for life in (1, 5, 10, 20, 22, 26)
                if facilities.renewal_due(installed, life, today)}
    assert due == expected and {c for c, d in shown.items() if d} == expected
    assert 0 < len(expected) < len(shown)
