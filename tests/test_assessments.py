"""Assessments: scores and grades against hand-worked examples, the weights' check, a new
revision leaving past evaluations as they were, the evidence agreeing with a count of the
ledgers it comes from, the approval workflow (never one's own; returned → edited → submitted
again), approved evaluations immutable and corrected by a superseding one, a period that has
not started and a score off its scale refused with nothing written; the page as a supervisor
and a manager. SQLite and PostgreSQL through the ``db`` fixture."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from db.models import AuditLog, Community, User
from db.models.quality import EVALUATION, Complaint, Evaluation, EvaluationScore, IndicatorSet
from db.models.safety import Facility, Inspection, InspectionItem
from services import actions, assessments, clock, kpis, ledgers, settings
from services.access import SYSTEM
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of

STANDARD = [(90.0, "优秀", "Excellent"), (80.0, "良好", "Good"), (70.0, "合格", "Satisfactory"),
            (60.0, "基本合格", "Barely satisfactory"), (0.0, "不合格", "Unsatisfactory")]


# --- arithmetic, without a database ------------------------------------------------------------

def test_points_are_the_weight_times_where_the_score_sits_on_its_scale():
    assert assessments.points(20, 15, 0, 20) == 15  # a 0–20 scale gives its points directly
    assert assessments.points(25, 80, 0, 100) == 20  # 25 × 80/100
    assert assessments.points(15, 4, 1, 5) == pytest.approx(11.25)  # 15 × (4−1)/(5−1)
    assert assessments.points(15, 1, 1, 5) == 0  # the bottom of a 1–5 scale is no points
    assert assessments.points(10, 1, 0, 1) == 10  # a yes of a yes/no item


@pytest.mark.parametrize("total,grade", [(90, "优秀"), (89.9, "良好"), (80, "良好"), (79.99, "合格"), (70, "合格"),
                                         (69.9, "基本合格"), (60, "基本合格"), (59.9, "不合格"), (0, "不合格"),
                                         (100, "优秀")])
def test_the_staff_appraisal_bands_at_their_edges(total, grade):
    assert assessments.grade_of(total, STANDARD) == grade


def test_the_seeded_sets_weights_sum_to_100_and_their_bands_run_high_to_low():
    for key, spec in assessments.reference_sets().items():
        assert sum(i["weight"] for i in spec["indicators"]) == 100, key
        lows = [g[0] for g in spec["grades"]]
        assert lows == sorted(lows, reverse=True) and lows[-1] == 0, key
    staff = assessments.reference_sets()["staff_appraisal"]
    assert [(i["zh"], i["weight"]) for i in staff["indicators"]] == [
        ("德", 20), ("能", 20), ("勤", 20), ("绩", 25), ("服务对象评价", 15)]


def test_weights_not_summing_to_100_are_refused_with_the_sum():
    rows = [{"code": "a", "name_zh": "甲", "weight": 60, "scale_min": 0, "scale_max": 100},
            {"code": "b", "name_zh": "乙", "weight": 30, "scale_min": 0, "scale_max": 100}]
    with pytest.raises(ValidationError) as e:
        assessments.check_set(rows, [[60, "合格"], [0, "不合格"]])
    assert e.value.errors["weights"] == "asm.err_weights" and e.value.params["sum"] == 90
    rows[1]["weight"] = 40
    assessments.check_set(rows, [[60, "合格"], [0, "不合格"]])  # 100: accepted
    with pytest.raises(ValidationError) as e:
        assessments.check_set(rows, [[60, "合格"], [70, "良好"], [0, "不合格"]])
    assert e.value.errors["grades"] == "asm.err_grades"  # out of order
    with pytest.raises(ValidationError) as e:
        assessments.check_set([{**rows[0], "scale_max": 0}, rows[1]], [[0, "合格"]])
    assert e.value.errors["scales"] == "asm.err_scale"


# --- with a database -----------------------------------------------------------------------------

def _set(s, key: str) -> IndicatorSet:
    return s.execute(select(IndicatorSet).where(IndicatorSet.key == key, IndicatorSet.current.is_(True))).scalar_one()


def _community(s, n: int = 0) -> int:
    return s.execute(select(Community.id).order_by(Community.id).offset(n).limit(1)).scalar_one()


def _quarter():
    return kpis.reporting_period("quarter", clock.today())


def _staff_eval(db, who="manager", scores=(90, 90, 90, 90, 90)) -> int:
    """A staff appraisal of the demo grid worker scored by ``who``."""
    actor = actor_of(db, who)
    start, end = _quarter()
    with db(write=True) as s:
        the_set = _set(s, "staff_appraisal")
        staff = s.execute(select(User.id).where(User.username == "staff")).scalar_one()
        ev = assessments.create(s, actor, set_id=the_set.id, community_id=_community(s), period_start=start,
                                period_end=end, subject_id=staff)
        inds = assessments.indicators(s, the_set.id)
        assessments.save_scores(s, actor, ev.id, {i.id: {"score": v, "comment": "良好"} for i, v in zip(inds, scores)},
                                ev.version)
        return ev.id


def _get(db, ev_id):
    with db() as s:
        ev = s.get(Evaluation, ev_id)
        s.expunge(ev)
        return ev


def test_a_staff_appraisal_worked_by_hand(db, demo_db):
    # 德 92, 能 88, 勤 95, 绩 86, 服务对象评价 90 on 0–100:
    # 20×.92 + 20×.88 + 20×.95 + 25×.86 + 15×.90 = 18.4 + 17.6 + 19 + 21.5 + 13.5 = 90.0 → 优秀
    ev = _get(db, _staff_eval(db, scores=(92, 88, 95, 86, 90)))
    assert ev.total == 90.0 and ev.grade == "优秀"
    # 绩 85.6 instead: 21.4 → 89.9 → 良好
    ev2 = _get(db, _staff_eval(db, scores=(92, 88, 95, 85.6, 90)))
    assert ev2.total == 89.9 and ev2.grade == "良好"
    assert ev.evaluator == "manager" and ev.subject_name == "网格员 吴磊" and ev.subject_kind == "staff"


def test_a_drill_and_a_community_check_worked_by_hand(db, demo_db):
    actor = actor_of(db, "supervisor")
    start, end = _quarter()
    with db(write=True) as s:
        drill = _set(s, "drill_evaluation")
        ev = assessments.create(s, actor, set_id=drill.id, community_id=_community(s), period_start=start,
                                period_end=end, subject_name="消防疏散演练")
        inds = assessments.indicators(s, drill.id)
        # 1–5 each; weights 15 ×6, 10: scores 5,4,4,3,5,4,2 → 15 + 11.25 + 11.25 + 7.5 + 15 + 11.25 + 2.5 = 73.75
        assessments.save_scores(s, actor, ev.id, {i.id: v for i, v in zip(inds, (5, 4, 4, 3, 5, 4, 2))}, ev.version)
        assert (ev.total, ev.grade) == (73.75, "良好")  # 良好 from 70 in the drill's bands
        check = _set(s, "community_check")
        ev = assessments.create(s, actor, set_id=check.id, community_id=_community(s), period_start=start,
                                period_end=end)
        inds = assessments.indicators(s, check.id)
        assessments.save_scores(s, actor, ev.id, {i.id: v for i, v in zip(inds, (18, 17.5, 16, 15, 14))}, ev.version)
        assert (ev.total, ev.grade) == (80.5, "良好")  # 0–20 scales: the points are the scores
        assert ev.subject_name == s.get(Community, _community(s)).name


def test_a_partly_scored_evaluation_has_a_total_but_no_grade_and_cannot_be_submitted(db, demo_db):
    ev_id = _staff_eval(db, scores=(90, 90))
    ev = _get(db, ev_id)
    assert ev.total == 36.0 and ev.grade is None
    with db(write=True) as s:
        with pytest.raises(PermissionDenied) as e:
            ledgers.move(s, actor_of(db, "manager"), EVALUATION, ev_id, "submit", None, ev.version)
    assert e.value.key == "evl.err_incomplete"


def test_a_score_off_its_scale_is_refused_and_nothing_is_written(db, demo_db):
    ev_id = _staff_eval(db, scores=(80, 80, 80, 80, 80))
    ev = _get(db, ev_id)
    with db() as s:
        inds = assessments.indicators(s, ev.set_id)
        audits = s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    with db(write=True) as s:
        with pytest.raises(ValidationError) as e:
            assessments.save_scores(s, actor_of(db, "manager"), ev_id,
                                    {inds[0].id: {"score": 95}, inds[1].id: {"score": 120}}, ev.version)
    assert e.value.key == "evl.err_scale" and e.value.params["max"] == "100" and e.value.params["name"] == "能"
    with db() as s:
        got = {r.indicator_id: r.score for r in s.execute(select(EvaluationScore).where(
            EvaluationScore.evaluation_id == ev_id)).scalars()}
        assert got[inds[0].id] == 80 and got[inds[1].id] == 80  # the valid 95 was not kept either
        assert s.get(Evaluation, ev_id).total == 80.0
        assert s.execute(select(func.count()).select_from(AuditLog)).scalar_one() == audits


def test_evaluating_a_period_that_has_not_started_is_refused(db, demo_db):
    actor = actor_of(db, "manager")
    start = clock.today() + timedelta(days=1)
    with db(write=True) as s:
        the_set = _set(s, "community_check")
        before = s.execute(select(func.count()).select_from(Evaluation)).scalar_one()
        with pytest.raises(ValidationError) as e:
            assessments.create(s, actor, set_id=the_set.id, community_id=_community(s), period_start=start,
                               period_end=start + timedelta(days=60))
        assert e.value.errors == {"period_start": "evl.err_not_started"}
        with pytest.raises(ValidationError) as e:  # through the engine alone as well
            ledgers.save(s, actor, EVALUATION, {"kind": "quarterly", "set_id": the_set.id, "community_id":
                                                _community(s), "subject_name": "x", "period_start": start,
                                                "period_end": start + timedelta(days=60)})
        assert e.value.errors["period_start"] == "evl.err_not_started"
    with db() as s:
        assert s.execute(select(func.count()).select_from(Evaluation)).scalar_one() == before


def test_a_new_revision_leaves_a_past_evaluation_with_its_set_and_total(db, demo_db):
    ev_id = _staff_eval(db, scores=(92, 88, 95, 86, 90))
    sup = actor_of(db, "supervisor")
    with db(write=True) as s:
        old = _set(s, "staff_appraisal")
        rows = [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "weight": w, "scale_min": 0,
                 "scale_max": 100} for i, w in zip(assessments.indicators(s, old.id), (10, 20, 20, 30, 10))]
        with pytest.raises(ValidationError) as e:  # 90: refused
            assessments.revise_set(s, sup, old.id, name_zh=old.name_zh, name_en=old.name_en, rows=rows,
                                   grades=json.loads(old.grades), expected_version=old.version)
        assert e.value.key == "asm.err_weights"
        rows[-1]["weight"] = 20
        new = assessments.revise_set(s, sup, old.id, name_zh=old.name_zh, name_en=old.name_en, rows=rows,
                                     grades=[[95, "优秀"], [0, "待提高"]], expected_version=old.version)
        old_id, new_id = old.id, new.id
    with db(write=True) as s:
        assert not s.get(IndicatorSet, old_id).current and s.get(IndicatorSet, new_id).current
        assert s.get(IndicatorSet, new_id).revision == 2
        ev = s.get(Evaluation, ev_id)
        assert ev.set_id == old_id and ev.total == 90.0 and ev.grade == "优秀"
        # an edit of the past draft is still scored with its own revision
        ledgers.save(s, actor_of(db, "manager"), EVALUATION, {**{f.name: getattr(ev, f.name) for f in EVALUATION.fields
                                                               if f.column and f.editable}, "findings": "补充说明"},
                     ev_id, ev.version)
        assert (ev.total, ev.grade) == (90.0, "优秀")
        options = assessments.set_options(s, sup)
        assert options[new_id].endswith(" v2") and old_id not in options


def test_a_manager_may_not_edit_indicator_sets(db, demo_db):
    with db(write=True) as s:
        old = _set(s, "staff_appraisal")
        with pytest.raises(PermissionDenied):
            assessments.revise_set(s, actor_of(db, "manager"), old.id, name_zh="x", name_en="x", rows=[],
                                   grades=[], expected_version=old.version)


def test_the_approval_workflow_never_ones_own_and_a_returned_one_is_edited_and_resubmitted(db, demo_db):
    ev_id = _staff_eval(db, who="supervisor")
    sup, admin, manager = actor_of(db, "supervisor"), actor_of(db, "admin"), actor_of(db, "manager")
    with db(write=True) as s:
        ev = s.get(Evaluation, ev_id)
        ledgers.move(s, sup, EVALUATION, ev_id, "submit", None, ev.version)
        assert ledgers.may_move(s, sup, EVALUATION, ev, "approve") == "evl.err_own"
        with pytest.raises(PermissionDenied) as e:
            ledgers.move(s, sup, EVALUATION, ev_id, "approve", None, ev.version)
        assert e.value.key == "evl.err_own"
        with pytest.raises(PermissionDenied):  # a manager approves nothing
            ledgers.move(s, manager, EVALUATION, ev_id, "approve", None, ev.version)
        with pytest.raises(PermissionDenied) as e:  # under review: not edited
            assessments.save_scores(s, sup, ev_id, {}, ev.version)
        assert e.value.key == "evl.locked_submitted"
        with pytest.raises(ValidationError):  # returned says why
            ledgers.move(s, admin, EVALUATION, ev_id, "return", {}, ev.version)
        ledgers.move(s, admin, EVALUATION, ev_id, "return", {"returned_reason": "绩效一项依据不足"}, ev.version)
        assert ev.status == "returned" and ev.returned_reason == "绩效一项依据不足"
        inds = assessments.indicators(s, ev.set_id)
        assessments.save_scores(s, sup, ev_id, {inds[3].id: {"score": 70, "comment": "按走访完成率下调"}}, ev.version)
        assert ev.total == 85.0 and ev.grade == "良好"  # 90 − 25 × 0.2
        ledgers.move(s, sup, EVALUATION, ev_id, "submit", None, ev.version)
        ledgers.move(s, admin, EVALUATION, ev_id, "approve", None, ev.version)
        assert ev.status == "approved" and ev.approved_by == "admin"
        ledgers.move(s, admin, EVALUATION, ev_id, "publish", None, ev.version)
        assert ev.status == "published" and ev.published_at is not None
    with db() as s:
        steps = [e["step"] for e in ledgers.history(s, admin, EVALUATION, ev_id) if e["action"] == "step"]
    assert steps == ["publish", "approve", "submit", "return", "submit"]


def _approved(db) -> int:
    ev_id = _staff_eval(db, who="manager", scores=(92, 88, 95, 86, 90))
    with db(write=True) as s:
        ev = s.get(Evaluation, ev_id)
        ledgers.move(s, actor_of(db, "manager"), EVALUATION, ev_id, "submit", None, ev.version)
        ledgers.move(s, actor_of(db, "supervisor"), EVALUATION, ev_id, "approve", None, ev.version)
    return ev_id


def test_an_approved_evaluation_is_immutable_and_corrected_by_a_superseding_one(db, demo_db):
    ev_id = _approved(db)
    manager, sup = actor_of(db, "manager"), actor_of(db, "supervisor")
    with db(write=True) as s:
        ev = s.get(Evaluation, ev_id)
        inds = assessments.indicators(s, ev.set_id)
        with pytest.raises(PermissionDenied) as e:
            assessments.save_scores(s, manager, ev_id, {inds[0].id: 50}, ev.version)
        assert e.value.key == "evl.locked_approved"
        with pytest.raises(PermissionDenied) as e:
            ledgers.delete(s, manager, EVALUATION, ev_id, ev.version)
        assert e.value.key == "evl.locked_approved"
    with db(write=True) as s:
        new = assessments.correct(s, manager, ev_id)
        new_id = new.id
        assert new.status == "draft" and new.supersedes_id == ev_id and new.total == 90.0
        copied = {r.indicator_id: (r.score, r.comment) for r in assessments.scores_of(s, new_id).values()}
        assert copied == {r.indicator_id: (r.score, r.comment) for r in assessments.scores_of(s, ev_id).values()}
        with pytest.raises(PermissionDenied) as e:
            assessments.correct(s, manager, ev_id)
        assert e.value.key == "evl.err_correction_open"
        assessments.save_scores(s, manager, new_id, {inds[3].id: {"score": 70, "comment": "更正：绩效复核"}}, new.version)
        ledgers.move(s, manager, EVALUATION, new_id, "submit", None, new.version)
        assert not s.get(Evaluation, ev_id).superseded  # until the correction is approved
        ledgers.move(s, sup, EVALUATION, new_id, "approve", None, new.version)
    with db() as s:
        old, new = s.get(Evaluation, ev_id), s.get(Evaluation, new_id)
        assert old.superseded and old.total == 90.0 and old.status == "approved"
        assert new.total == 86.0 and new.grade == "良好"
        current = ledgers.list_rows(s, sup, EVALUATION, view="current", limit=500).rows
        assert new_id in {r["id"] for r in current} and ev_id not in {r["id"] for r in current}


def test_the_property_companys_evidence_equals_a_count_of_the_ledgers(db, demo_db):
    manager = actor_of(db, "manager")
    today = clock.today()
    start, end = today - timedelta(days=120), today
    with db(write=True) as s:
        community = _community(s)
        org = assessments.org_options(s, manager, community)[0]
        # two complaints against it in the period, one against another, one before the period
        grid = s.execute(select(Facility.grid_id).where(Facility.community_id == community).limit(1)).scalar_one()
        for name, when in ((org, today - timedelta(days=3)), (org, today - timedelta(days=30)),
                           ("别的公司", today - timedelta(days=3)), (org, start - timedelta(days=2))):
            s.add(Complaint(community_id=community, kind="complaint", channel="电话", category="环境卫生", urgency="一般",
                            content="垃圾清运不及时", grid_id=grid, subject_org=name,
                            received_at=datetime.combine(when, datetime.min.time()) + timedelta(hours=9),
                            status="received", created_by="t", updated_by="t"))
        s.flush()
        the_set = _set(s, "property_appraisal")
        ev = assessments.create(s, manager, set_id=the_set.id, community_id=community, period_start=start,
                                period_end=end, subject_name=org)
        ev_id = ev.id
    # from scratch: the items of hygiene and waste-point inspections of the period in the community,
    # of the org's facilities or of an area
    with db() as s:
        fac = {f.id: f.responsible_org for f in s.execute(select(Facility)).scalars()}
        passed = judged = 0
        for insp in s.execute(select(Inspection).where(Inspection.community_id == community,
                                                       Inspection.deleted_at.is_(None))).scalars():
            if insp.status != "submitted" or insp.category not in ("hygiene", "waste_points") or \
                    not start <= insp.inspected_on <= end or \
                    (insp.facility_id is not None and fac[insp.facility_id] != org):
                continue
            for item in s.execute(select(InspectionItem).where(InspectionItem.inspection_id == insp.id)).scalars():
                passed += item.result == "合格"
                judged += item.result in ("合格", "不合格")
        assert judged > 0
        scores = {s.get(type(r), r.id).indicator_id: r for r in assessments.scores_of(s, ev_id).values()}
        inds = {i.code: i for i in assessments.indicators(s, s.get(Evaluation, ev_id).set_id)}
        checklist, complaints = scores[inds["checklist"].id], scores[inds["complaints"].id]
        assert checklist.evidence_value == round(100 * passed / judged, 1)
        assert checklist.score == round(100 * passed / judged, 1)  # suggested on the 0–100 scale
        assert checklist.evidence_link == "inspections?inspections.category=hygiene"
        # complaints naming it received on the period's days in the committee's zone (stored UTC)
        tz = ZoneInfo(settings.get(s, "ui.timezone"))
        against = sum(1 for c in s.execute(select(Complaint).where(Complaint.community_id == community,
                                                                   Complaint.subject_org == org)).scalars()
                      if start <= c.received_at.replace(tzinfo=timezone.utc).astimezone(tz).date() <= end)
        assert against >= 2  # the two added here at least
        assert complaints.evidence_value == against and complaints.score == max(0, 100 - 10 * against)
        assert complaints.evidence_link.startswith("complaints?")
        evidence = assessments.evidence_of(s, manager, s.get(Evaluation, ev_id))
        assert evidence[inds["checklist"].id].params["passed"] == passed
        assert all(page == "inspections" for _, page, _ in evidence[inds["checklist"].id].records)


def test_the_community_checks_evidence_is_the_kpis_for_the_community_and_period(db, demo_db):
    sup = actor_of(db, "supervisor")
    start, end = _quarter()
    with db(write=True) as s:
        community = _community(s, 1)
        ev = assessments.create(s, sup, set_id=_set(s, "community_check").id, community_id=community,
                                period_start=start, period_end=end)
        scope = kpis.Scope(sup, frozenset({community}))
        done, due = kpis.REGISTRY["inspection_completion"].compute(s, scope, start, end, clock.today())
        k1, n1 = kpis.REGISTRY["rectification"].compute(s, scope, start, end, clock.today())
        k2, n2 = kpis.REGISTRY["rectification_major"].compute(s, scope, start, end, clock.today())
        inds = {i.code: i for i in assessments.indicators(s, ev.set_id)}
        got = assessments.scores_of(s, ev.id)
        assert due and got[inds["plan"].id].evidence_value == round(100 * done / due, 1)
        assert got[inds["plan"].id].score == round(20 * done / due, 1)
        assert got[inds["feedback"].id].evidence_value == round(100 * (k1 + k2) / (n1 + n2), 1)
        assert got[inds["staff"].id].score is None  # no ledger holds it: the evaluator scores it


def test_a_finding_opens_an_action_and_a_hazard(db, demo_db):
    ev_id = _staff_eval(db, who="manager")
    manager = actor_of(db, "manager")
    with db(write=True) as s:
        action = assessments.open_action(s, manager, ev_id, title="加强走访记录规范", owner="staff",
                                         due=clock.today() + timedelta(days=10))
        assert action.source == "evaluation" and action.source_id == ev_id
        grid = next(iter(assessments.grid_options(s, manager, _community(s))))
        hazard = assessments.open_hazard(s, manager, ev_id, grid_id=grid, description="检查发现楼道堆物",
                                         category="fire")
        assert hazard.source == "evaluation" and hazard.status == "found"
        assert [a["id"] for a in actions.of_source(s, manager, "evaluation", ev_id)] == [action.id]


def test_the_demo_holds_checks_in_every_state_and_a_finding_that_opened_an_action(db, demo_db):
    with db() as s:
        rows = s.execute(select(Evaluation.kind, Evaluation.status)).all()
        checks = [st for k, st in rows if k == "quarterly"]
        assert len(checks) == 4 and {"published", "approved", "returned", "draft"} <= set(checks)
        assert {"staff", "property", "activity"} <= {k for k, _ in rows}
        first = s.execute(select(Evaluation.id).where(Evaluation.kind == "property").order_by(Evaluation.id)).scalar()
        assert actions.of_source(s, SYSTEM, "evaluation", first)
        assert all(total is not None for total in s.execute(select(Evaluation.total)).scalars())


# --- the page ------------------------------------------------------------------------------------

from tests.test_pages import ZH, app, as_role, errors  # noqa: E402,F401  (app: a fixture)


def _page(app, role: str, opened: int | None = None):
    at = as_role(app, role)
    if opened is not None:
        at.query_params["evaluations.id"] = str(opened)
    at.switch_page("pages/quality/assessments.py").run()
    assert not at.exception
    return at


def _submitted_by_manager() -> int:
    """The manager's draft of the demo, scored in full and submitted."""
    from db.engine import session_scope
    from services.users import actor_for

    with session_scope(write=True) as s:
        manager = actor_for(s, "manager")
        ev = s.execute(select(Evaluation).where(Evaluation.status == "draft",
                                                Evaluation.evaluator == "manager")).scalars().first()
        assessments.save_scores(s, manager, ev.id, {i.id: i.scale_max for i in assessments.indicators(s, ev.set_id)},
                                ev.version)
        ledgers.move(s, manager, EVALUATION, ev.id, "submit", None, ev.version)
        return ev.id


def test_the_page_as_a_supervisor_approves_an_evaluation_and_sees_the_sets(app):
    ev_id = _submitted_by_manager()
    at = _page(app, "supervisor", ev_id)
    assert ZH["asm.tab_sets"] in [tab.label for tab in at.tabs]
    approve = next(b for b in at.button if b.label == ZH["evl.approve"])
    assert not approve.disabled
    approve.click().run()
    assert not at.exception and not errors(at)
    from db.engine import session_scope

    with session_scope() as s:
        ev = s.get(Evaluation, ev_id)
        assert ev.status == "approved" and ev.approved_by == "supervisor"


def test_the_page_as_a_manager_scores_a_draft_and_cannot_approve(app):
    from db.engine import session_scope

    with session_scope() as s:
        ev = s.execute(select(Evaluation).where(Evaluation.status == "draft",
                                                Evaluation.evaluator == "manager")).scalars().first()
        ev_id, set_id = ev.id, ev.set_id
        first = assessments.indicators(s, set_id)[0]
    at = _page(app, "manager", ev_id)
    assert ZH["asm.tab_sets"] not in [tab.label for tab in at.tabs]
    assert not [b for b in at.button if b.label == ZH["evl.approve"]]
    at.number_input(key=f"evl_score_{ev_id}_{first.id}_score").set_value(float(first.scale_min))
    at.text_input(key=f"evl_score_{ev_id}_{first.id}_comment").input("组织较松散")
    next(b for b in at.button if b.label == ZH["evl.save_scores"]).click().run()
    assert not at.exception and not errors(at)
    with session_scope() as s:
        row = assessments.scores_of(s, ev_id)[first.id]
        assert row.score == first.scale_min and row.comment == "组织较松散"
    # a manager's page opens an approved one read-only: no scoring form, the reason said
    with session_scope() as s:
        approved = s.execute(select(Evaluation.id).where(Evaluation.status == "published",
                                                         Evaluation.community_id.in_(
                                                             select(Community.id).order_by(Community.id).limit(1))
                                                         )).scalars().first()
    at = _page(app, "manager", approved)
    assert not [b for b in at.button if b.label == ZH["evl.save_scores"]]
    assert any(ZH["evl.locked_approved"] in c.value for c in at.caption)


def test_the_page_makes_a_new_evaluation_with_the_evidence_pre_filled(app):
    from db.engine import session_scope

    with session_scope() as s:
        before = set(s.execute(select(Evaluation.id)).scalars())
    at = _page(app, "manager")
    assert at.selectbox(key="evl_new_set").value is not None
    next(b for b in at.button if b.label == ZH["evl.create"]).click().run()
    assert not at.exception and not errors(at)
    with session_scope() as s:
        made = [e for e in s.execute(select(Evaluation)).scalars() if e.id not in before]
        assert len(made) == 1 and made[0].status == "draft" and made[0].evaluator == "manager"
        assert any(r.evidence_value is not None for r in assessments.scores_of(s, made[0].id).values())
    assert at.query_params["evaluations.id"] == [str(made[0].id)] or \
        at.query_params["evaluations.id"] == str(made[0].id)


def test_staff_see_their_own_appraisal_and_published_evaluations_only(db, demo_db):
    """A colleague's appraisal, or a check not yet published, is not for the grid worker."""
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    own = _staff_eval(db, who="manager")
    with db(write=True) as s:
        the_set = _set(s, "staff_appraisal")
        boss = s.execute(select(User.id).where(User.username == "manager")).scalar_one()
        start, end = _quarter()
        other = assessments.create(s, actor_of(db, "supervisor"), set_id=the_set.id, community_id=_community(s),
                                   period_start=start, period_end=end, subject_id=boss).id
    with db() as s:
        seen = {r["id"]: r for r in ledgers.list_rows(s, staff, EVALUATION, limit=500).rows}
        everything = {r["id"]: r for r in ledgers.list_rows(s, manager, EVALUATION, limit=500).rows}
        assert own in seen and other not in seen and other in everything
        hidden = [r for r in everything.values() if r["subject_kind"] != "staff" and r["status"] != "published"]
        assert hidden and not any(r["id"] in seen for r in hidden)
        assert any(r["status"] == "published" for r in seen.values())
        with pytest.raises(PermissionDenied):  # nor opened by its address
            ledgers.get(s, staff, EVALUATION, other)
