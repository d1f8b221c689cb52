"""Emergency plans and drills through the engine, on SQLite and PostgreSQL: a drill planned, held
(duration derived, photos kept), evaluated on the drill indicator set (total and rating from the
set's weights), its problems opened as a hazard and an action linked to it, "the plan needs
revision" flagging the plan, a revision saved as a new version with the old one kept; and each
kind of bad input refused with its message, nothing written."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from db.models.drills import DRILL, DRILL_RULE, PLAN, Drill, DrillScore, EmergencyPlan, drill_photo
from db.models.places import Grid
from db.models.quality import ImprovementAction
from db.models.safety import Hazard, Photo, categories
from services import clock, drills, ledgers, plans
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of

SCORES = {"plan": 5, "response": 5, "command": 4, "evacuation": 4, "equipment": 3, "skills": 4, "comms": 5}


def _community(db) -> int:
    return sorted(actor_of(db, "manager").community_ids)[0]


def _plan(db, who, **kw) -> int:
    today = clock.today()
    with db(write=True) as s:
        return ledgers.save(s, who, PLAN, {"community_id": _community(db), "plan_type": "安全事故",
                                           "title": "社区火灾事故应急预案", "effective_on": today - timedelta(days=200),
                                           "revise_by": today + timedelta(days=165), **kw}).id


def _drill(db, who, plan_id=None, planned_on=None) -> int:
    with db(write=True) as s:
        return ledgers.save(s, who, DRILL, {
            "community_id": _community(db), "title": "高层住宅消防疏散演练", "drill_type": "消防", "mode": "实战",
            "plan_id": plan_id, "planned_on": planned_on or clock.today() - timedelta(days=1), "place": "3号楼",
            "organiser": "王主任", "invited": ["residents", "staff"]}).id


HELD = {"held_on": None, "start_time": time(9, 0), "end_time": time(10, 15), "evacuation_minutes": 6.5,
        "n_staff": 8, "n_residents": 60, "n_volunteers": 12, "n_property": 5, "n_police": 2,
        "equipment": "灭火器 10 具", "timeline": "09:00 警报响起\n09:06 疏散完毕，集结点清点人数\n10:10 总结讲评"}


def _held(db, who, row_id, **over):
    with db(write=True) as s:
        obj = s.get(Drill, row_id)
        data = {**HELD, "held_on": clock.today() - timedelta(days=1), **over}
        return ledgers.move(s, who, DRILL, row_id, "held", data, obj.version)


def _evaluate(db, who, row_id, **over):
    with db(write=True) as s:
        obj = s.get(Drill, row_id)
        data = {**{f"score_{c}": v for c, v in SCORES.items()}, "problems": "3号楼楼道堆放杂物", **over}
        return ledgers.move(s, who, DRILL, row_id, "evaluate", data, obj.version)


def test_planned_held_evaluated_with_duration_scores_and_plan_flag(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    plan_id = _plan(db, manager)
    row = _drill(db, staff, plan_id)
    with db(write=True) as s:  # a photo taken on the phone beside the record
        photo = Photo(sha256="0" * 64, content_type="image/png", size=1, community_id=_community(db))
        s.add(photo)
        s.flush()
        photo_id = photo.id
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # evaluating a drill not held
        ledgers.move(s, manager, DRILL, row, "evaluate", {f"score_{c}": 4 for c in SCORES}, 1)
    assert e.value.key == "err.wf_state"
    with db(write=True) as s:
        obj = s.get(Drill, row)
        ledgers.move(s, staff, DRILL, row, "held", {**HELD, "held_on": clock.today() - timedelta(days=1),
                                                    "photo_ids": [photo_id]}, obj.version)
    with db() as s:
        drill = s.get(Drill, row)
        assert (drill.status, drill.duration_minutes, drill.evacuation_minutes) == ("held", 75, 6.5)
        assert s.execute(select(drill_photo.c.photo_id).where(drill_photo.c.drill_id == row)).scalars().all() == \
            [photo_id]
    with db(write=True) as s, pytest.raises(PermissionDenied):  # staff record, the leads evaluate
        ledgers.move(s, staff, DRILL, row, "evaluate", {f"score_{c}": 4 for c in SCORES}, 2)
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a flag needs its reason
        ledgers.move(s, manager, DRILL, row, "evaluate", {**{f"score_{c}": 4 for c in SCORES},
                                                          "plan_needs_revision": True}, 2)
    assert e.value.errors == {"revision_reason": "drl.err_revision_reason"}
    _evaluate(db, manager, row, plan_needs_revision=True, revision_reason="疏散路线未标明备用出口")
    with db() as s:
        drill = s.get(Drill, row)
        # the set's weights 15 ×6 and 10: (1+1+.75+.75+.5+.75)×15 + 1×10 = 81.25 of 100 → 良 (70–85)
        assert drill.total == pytest.approx(81.25, abs=0.06) and drill.rating == "良"
        assert drill.status == "evaluated" and drill.evaluated_by == "manager"
        assert s.execute(select(func.count()).select_from(DrillScore).where(DrillScore.drill_id == row)) \
            .scalar_one() == 7
        plan = s.get(EmergencyPlan, plan_id)
        assert (plan.needs_revision, plan.flagged_by_drill_id, plan.flag_reason) == (True, row, "疏散路线未标明备用出口")
        assert ledgers.list_rows(s, manager, PLAN, view="due").rows[0]["id"] == plan_id
        assert ledgers.list_rows(s, manager, PLAN, filters={"id": plan_id}).rows[0]["revision_state"] == "flagged"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # an evaluated drill is a record
        ledgers.save(s, manager, DRILL, {"title": "改名"}, row, 3)
    assert e.value.key == "drl.locked"


def test_a_revision_is_a_new_version_and_the_old_one_is_kept(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    plan_id = _plan(db, manager)
    with db(write=True) as s, pytest.raises(PermissionDenied):  # staff read plans, never write them
        plans.revise(s, staff, plan_id, {"title": "x", "effective_on": clock.today(),
                                         "revise_by": clock.today() + timedelta(days=300), "revision_note": "x"}, 1)
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        plans.revise(s, manager, plan_id, {"title": "社区火灾事故应急预案", "effective_on": clock.today(),
                                           "revise_by": clock.today() + timedelta(days=365)}, 1)
    assert e.value.errors == {"revision_note": "plan.err_revision_note"}
    with db(write=True) as s:
        new = plans.revise(s, manager, plan_id, {"title": "社区火灾事故应急预案（2027修订）",
                                                 "effective_on": clock.today(),
                                                 "revise_by": clock.today() + timedelta(days=365),
                                                 "revision_note": "增加备用疏散出口"}, 1)
        new_id = new.id
    with db() as s:
        old, new = s.get(EmergencyPlan, plan_id), s.get(EmergencyPlan, new_id)
        assert (old.status, old.title) == ("superseded", "社区火灾事故应急预案")
        assert (new.status, new.revision, new.supersedes_id, new.plan_type) == ("current", 2, plan_id, "安全事故")
        assert [v["revision"] for v in plans.versions(s, manager, plan_id)] == [2, 1]
        assert plan_id not in plans.options(s, manager) and new_id in plans.options(s, manager)
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # the old version again: refused
        plans.revise(s, manager, plan_id, {"title": "y", "effective_on": clock.today(),
                                           "revise_by": clock.today() + timedelta(days=30), "revision_note": "y"}, 2)
    assert e.value.key == "plan.err_not_current"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.save(s, manager, PLAN, {"title": "改旧版"}, plan_id, 2)
    assert e.value.key == "plan.locked_superseded"


@pytest.mark.parametrize("over, field, key", [
    ({"end_time": time(8, 30)}, "end_time", "drl.err_end_before_start"),
    ({"evacuation_minutes": 90}, "evacuation_minutes", "drl.err_evacuation_longer"),
    ({"n_residents": -3}, "n_residents", "err.out_of_range"),
    ({"n_residents": 90_000}, "n_residents", "drl.err_too_many"),
    ({"held_on": clock.today() + timedelta(days=2)}, "held_on", "err.future_date"),
    ({"timeline": "警报响起"}, "timeline", "drl.err_timeline"),
    ({"timeline": "11:30 总结"}, "timeline", "drl.err_timeline_outside"),
])
def test_bad_records_are_refused_and_nothing_is_written(db, demo_db, over, field, key):
    staff = actor_of(db, "staff")
    row = _drill(db, staff)
    with pytest.raises(ValidationError) as e:
        _held(db, staff, row, **over)
    assert e.value.errors.get(field) == key, e.value.errors
    with db() as s:
        drill = s.get(Drill, row)
        assert (drill.status, drill.held_on, drill.duration_minutes) == ("planned", None, None)


def test_problems_become_a_hazard_and_an_action_linked_to_the_drill(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    row = _drill(db, staff)
    _held(db, staff, row)
    _evaluate(db, manager, row)
    with db() as s:
        grid = s.execute(select(Grid.id).where(Grid.community_id == _community(db)).order_by(Grid.id)).scalars().first()
    with db(write=True) as s:
        hazard = drills.open_hazard(s, manager, row, grid_id=grid, description="3号楼楼道堆放杂物堵塞疏散通道",
                                    category=next(iter(categories())))
        drills.open_action(s, manager, row, title="组织楼道杂物清理", owner="staff",
                           due=clock.today() + timedelta(days=14))
        hazard_id = hazard.id
    with db() as s:
        h = s.get(Hazard, hazard_id)
        assert (h.source, h.source_id, h.status) == ("drill", row, "found")
        assert [x["id"] for x in drills.hazards_of(s, manager, row)] == [hazard_id]
        action = s.execute(select(ImprovementAction).where(ImprovementAction.source == "drill",
                                                           ImprovementAction.source_id == row)).scalar_one()
        assert action.owner == "staff" and action.community_id == _community(db)
    with db() as s:  # a grid of another community is refused
        foreign = s.execute(select(Grid.id).where(Grid.community_id != _community(db))).scalars().first()
    if foreign is not None:
        with db(write=True) as s, pytest.raises((ValidationError, PermissionDenied)):
            drills.open_hazard(s, manager, row, grid_id=foreign, description="x", category="消防")


def test_a_drill_tests_only_a_plan_of_its_community_and_rules_name_real_types(db, demo_db):
    admin, manager = actor_of(db, "admin"), actor_of(db, "manager")
    with db() as s:
        others = [c for c in s.execute(select(Grid.community_id)).scalars() if c != _community(db)]
    if others:
        with db(write=True) as s:
            foreign = ledgers.save(s, admin, PLAN, {"community_id": others[0], "plan_type": "自然灾害",
                                                    "title": "别的社区的预案", "effective_on": date(2026, 1, 1),
                                                    "revise_by": date(2027, 1, 1)}).id
        with db(write=True) as s, pytest.raises((ValidationError, PermissionDenied)):
            ledgers.save(s, admin, DRILL, {"community_id": _community(db), "title": "t", "drill_type": "消防",
                                           "mode": "实战", "plan_id": foreign, "planned_on": clock.today(),
                                           "place": "p", "organiser": "o"})
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, admin, DRILL_RULE, {"kind": "drill_type", "value": "踢球", "applies": "all",
                                            "rule_unit": "year", "rule_every": 1})
    assert e.value.errors == {"value": "drlrule.err_value"}
    with db(write=True) as s, pytest.raises(PermissionDenied):  # the admin keeps the obligations
        ledgers.save(s, manager, DRILL_RULE, {"kind": "drill_type", "value": "消防", "applies": "all",
                                              "rule_unit": "year", "rule_every": 1})
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, manager, PLAN, {"community_id": _community(db), "plan_type": "公共卫生", "title": "t",
                                        "effective_on": date(2026, 6, 1), "revise_by": date(2026, 5, 1)})
    assert e.value.errors == {"revise_by": "plan.err_revise_by"}


def test_a_held_drill_is_the_safety_self_checks_evidence(db, demo_db):
    from services.assessments import Subject, ev_drills_held

    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    day = clock.today() - timedelta(days=1)
    with db() as s:
        before = ev_drills_held(s, manager, Subject(_community(db), "community", None, None, day, day, clock.today()))
    row = _drill(db, staff)
    _held(db, staff, row)
    with db() as s:
        after = ev_drills_held(s, manager, Subject(_community(db), "community", None, None, day, day, clock.today()))
    assert after.count == before.count + 1 and after.rate == 1.0
    assert ("drills", {"drills.id": str(row)}) in [(r[1], r[2]) for r in after.records]


def _docx() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def test_a_plan_document_is_checked_by_its_bytes_kept_by_a_revision_and_read_in_scope(db, demo_db):
    from services import attachments
    from services.errors import StaleEdit

    manager, staff, supervisor = actor_of(db, "manager"), actor_of(db, "staff"), actor_of(db, "supervisor")
    plan_id = _plan(db, manager)
    pdf = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF"
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a picture named .pdf is no PDF
        attachments.attach_to_plan(s, manager, plan_id, b"\x89PNG\r\n\x1a\n" + b"0" * 100, "预案.pdf", 1)
    assert e.value.errors == {"file": "err.file_not_document"}
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # over the limit (10 MB by default)
        attachments.attach_to_plan(s, manager, plan_id, b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf", 1)
    assert e.value.errors == {"file": "err.file_too_big"}
    with db(write=True) as s, pytest.raises(PermissionDenied):  # staff read plans, never change them
        attachments.attach_to_plan(s, staff, plan_id, pdf, "预案.pdf", 1)
    with db(write=True) as s:
        attachments.attach_to_plan(s, manager, plan_id, pdf, "../../etc/预案.pdf", 1)
    with db(write=True) as s, pytest.raises(StaleEdit):  # the version shown before the first upload
        attachments.attach_to_plan(s, manager, plan_id, _docx(), "预案.docx", 1)
    with db() as s:
        data, mime, name = attachments.of_plan(s, staff, plan_id)  # staff of the community read it
        assert (data, mime, name) == (pdf, "application/pdf", "社区火灾事故应急预案-v1.pdf")
        assert attachments.of_plan(s, supervisor, plan_id)[0] == pdf
        version = s.get(EmergencyPlan, plan_id).version
    with db(write=True) as s:  # a Word file replaces it; a revision keeps the newest document
        attachments.attach_to_plan(s, manager, plan_id, _docx(), "预案.docx", version)
        new = plans.revise(s, manager, plan_id, {"title": "社区火灾事故应急预案", "effective_on": clock.today(),
                                                 "revise_by": clock.today() + timedelta(days=365),
                                                 "revision_note": "更新联系人"}, version + 1)
        new_id = new.id
    with db() as s:
        assert attachments.of_plan(s, manager, new_id)[1:] == (attachments.KINDS["docx"], "社区火灾事故应急预案-v2.docx")
    with db(write=True) as s, pytest.raises(PermissionDenied):  # the superseded version is a record
        attachments.attach_to_plan(s, manager, plan_id, pdf, "x.pdf", version + 2)
    with db() as s:  # someone of another community cannot reach it
        from services.access import Actor

        stranger = Actor(None, "stranger", "manager", "外人", frozenset({10_000}), None)
        with pytest.raises(PermissionDenied) as e:
            attachments.of_plan(s, stranger, new_id)
        assert e.value.key == "err.out_of_scope"
