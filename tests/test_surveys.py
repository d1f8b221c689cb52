"""Satisfaction surveys on SQLite and PostgreSQL: the rate worked by hand (invalid answers
counted nowhere), a score out of range refused with nothing saved, no forms on a closed survey or
before its period, anonymous forms with no resident, a double tap saving one form, publishing by
the right roles only, a low question's action, the KPI against a hand count; and the pages: a
volunteer typing two forms in a row on the entry screen, a manager reading the results."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from db.models import Resident
from db.models.quality import SURVEY, ImprovementAction, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from services import clock, kpis, ledgers, surveys
from services.errors import Duplicate, PermissionDenied, ValidationError
from tests.conftest import actor_of
from tests.test_pages import ZH, app, as_role  # noqa: F401  (app is a fixture)

TODAY = clock.today()
QS = ["env", "timeliness", "overall"]


def _survey(db, actor, *, start=None, end=None, questions=QS, grid_id=None, anonymous=True, community=None,
            title="测试调查"):
    community = community or next(iter(actor.community_ids or {1}))
    with db(write=True) as s:
        row = ledgers.save(s, actor, SURVEY, {
            "title": title, "community_id": community, "grid_id": grid_id, "questions": questions,
            "period_start": start or TODAY - timedelta(days=10), "period_end": end or TODAY + timedelta(days=20),
            "anonymous": anonymous, "target_responses": 50})
        return row.id


def _enter(db, actor, survey_id, *forms, **kw):
    out = []
    for answers in forms:
        with db(write=True) as s:
            response, created = surveys.save_form(s, actor, survey_id, answers, **kw)
            out.append((response.id, created))
    return out


def _counts(db, survey_id):
    with db() as s:
        return (s.execute(select(func.count()).select_from(SurveyResponse).where(
                    SurveyResponse.survey_id == survey_id)).scalar_one(),
                s.execute(select(func.count()).select_from(SurveyAnswer).where(
                    SurveyAnswer.survey_id == survey_id)).scalar_one())


def test_the_question_bank_is_seeded_once_and_a_missing_question_comes_back(db, demo_db):
    with db() as s:
        rows = s.execute(select(SurveyQuestion.code, SurveyQuestion.text_zh).order_by(SurveyQuestion.position)).all()
    assert [c for c, _ in rows] == ["env", "order", "facilities", "elderly", "health", "culture", "attitude",
                                    "timeliness", "openness", "overall"]
    assert dict(rows)["env"] == "您对社区环境卫生的满意程度"
    with db(write=True) as s:
        assert surveys.seed_questions(s) == 0  # prepare on an existing database adds nothing twice
        s.delete(s.execute(select(SurveyQuestion).where(SurveyQuestion.code == "openness")).scalar_one())
    with db(write=True) as s:
        assert surveys.seed_questions(s) == 1
    assert ZH["score.5"] == "非常满意" and ZH["score.1"] == "非常不满意" and ZH["score.0"] == "不了解/未答"


def test_satisfaction_by_hand_overall_and_per_question_without_invalid_answers(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    sid = _survey(db, manager)
    _enter(db, vol, sid,
           {"env": 5, "timeliness": 4, "overall": 5},
           {"env": 4, "timeliness": 2, "overall": 3},
           {"env": 3, "timeliness": 0, "overall": 4},   # 0: 不了解, not a valid answer
           {"env": 5, "overall": 1},                     # timeliness left blank: not valid either
           {"env": 2, "timeliness": 5, "overall": 5})
    with db() as s:
        res = surveys.results(s, manager, sid)
    by = {q["code"]: q for q in res["questions"]}
    # env: 5 4 3 5 2 -> satisfied 3 of 5 valid = 60 %
    assert (by["env"]["satisfied"], by["env"]["valid"], by["env"]["rate"]) == (3, 5, 60.0)
    # timeliness: 4 2 5 valid (two invalid) -> 2 of 3 = 66.7 %
    assert (by["timeliness"]["satisfied"], by["timeliness"]["valid"], by["timeliness"]["rate"]) == (2, 3, 66.7)
    assert by["timeliness"]["invalid"] == 2 and by["timeliness"]["distribution"][None] == 2
    # overall: 5 3 4 1 5 -> 3 of 5
    assert by["overall"]["rate"] == 60.0
    assert by["overall"]["distribution"] == {5: 2, 4: 1, 3: 1, 2: 0, 1: 1, None: 0}
    # all questions: 8 satisfied of 13 valid
    assert (res["satisfied"], res["valid"], res["rate"], res["forms"]) == (8, 13, 61.5, 5)
    assert res["target"] == 85.0 and res["light"] == "red"
    assert all(q["below"] for q in res["questions"])


def test_a_score_out_of_range_refuses_the_whole_form_and_saves_nothing(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    sid = _survey(db, manager)
    for bad in (6, -1, 10, True, "5", 4.5):
        with db(write=True) as s, pytest.raises(ValidationError) as e:
            surveys.save_form(s, vol, sid, {"env": 5, "timeliness": bad, "overall": 4})
        assert e.value.key == "svy.err_form" and e.value.errors == {"timeliness": "svy.err_score"}, bad
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a question the survey does not ask
        surveys.save_form(s, vol, sid, {"env": 5, "health": 4})
    assert e.value.errors == {"health": "svy.err_question"}
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # nothing picked at all
        surveys.save_form(s, vol, sid, {})
    assert e.value.key == "svy.err_blank"
    assert _counts(db, sid) == (0, 0)


def test_no_forms_on_a_closed_survey_nor_before_its_period_but_after_its_end_while_open(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    later = _survey(db, manager, start=TODAY + timedelta(days=1), end=TODAY + timedelta(days=30))
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        surveys.save_form(s, vol, later, {"env": 5})
    assert e.value.key == "svy.err_not_started"
    with db() as s:
        assert later not in surveys.open_surveys(s, vol)  # not offered on the entry screen either
    ended = _survey(db, manager, start=TODAY - timedelta(days=40), end=TODAY - timedelta(days=5))
    _enter(db, vol, ended, {"env": 4})  # old paper forms typed in after the end: fine while open
    with db(write=True) as s:
        survey = s.get(Survey, ended)
        ledgers.move(s, manager, SURVEY, ended, "close", expected_version=survey.version)
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        surveys.save_form(s, vol, ended, {"env": 5})
    assert e.value.key == "svy.err_not_open"
    assert _counts(db, ended) == (1, len(QS))
    with db() as s:
        assert ended not in surveys.open_surveys(s, vol)


def test_an_anonymous_survey_stores_no_resident_and_volunteers_never_name_one(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    with db() as s:
        resident = s.execute(select(Resident.id).where(Resident.community_id.in_(manager.community_ids),
                                                       Resident.status == "active").limit(1)).scalar_one()
    anonymous = _survey(db, manager)
    (rid, _), = _enter(db, manager, anonymous, {"env": 5}, resident_id=resident)
    named = _survey(db, manager, anonymous=False)
    (nid, _), = _enter(db, manager, named, {"env": 5}, resident_id=resident)
    with db() as s:
        assert s.get(SurveyResponse, rid).resident_id is None
        assert s.get(SurveyResponse, nid).resident_id == resident
    with db(write=True) as s, pytest.raises(PermissionDenied):
        surveys.save_form(s, vol, named, {"env": 5}, resident_id=resident)
    assert _counts(db, named)[0] == 1


def test_the_same_form_sent_twice_is_saved_once(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    sid = _survey(db, manager)
    first, second = _enter(db, vol, sid, {"env": 5, "overall": 4}, {"env": 5, "overall": 4}, token="tok-1")
    assert first[1] is True and second == (first[0], False)
    (other, created), = _enter(db, vol, sid, {"env": 3}, token="tok-2")
    assert created and other != first[0]
    assert _counts(db, sid) == (2, 2 * len(QS))
    another = _survey(db, manager, title="另一项调查")
    with db(write=True) as s, pytest.raises(Duplicate):  # a token is one form of one survey
        surveys.save_form(s, vol, another, {"env": 5}, token="tok-1")


def test_managers_create_and_close_supervisors_publish_and_a_published_survey_is_locked(db, demo_db):
    manager, supervisor, vol = actor_of(db, "manager"), actor_of(db, "supervisor"), actor_of(db, "volunteer")
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, vol, SURVEY, {"title": "x", "community_id": next(iter(vol.community_ids)),
                                      "questions": QS, "period_start": TODAY, "period_end": TODAY})
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, manager, SURVEY, {"title": "x", "community_id": next(iter(manager.community_ids)),
                                          "questions": QS, "period_start": TODAY, "period_end": TODAY - timedelta(1)})
    assert e.value.errors == {"period_end": "svy.err_period"}
    sid = _survey(db, manager, questions=["overall", "env"])
    with db() as s:
        assert surveys.codes_of(s.get(Survey, sid)) == ["env", "overall"]  # the bank's order
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.move(s, manager, SURVEY, sid, "publish", expected_version=s.get(Survey, sid).version)
    with db(write=True) as s:
        ledgers.move(s, manager, SURVEY, sid, "close", expected_version=s.get(Survey, sid).version)
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.move(s, manager, SURVEY, sid, "publish", expected_version=s.get(Survey, sid).version)
    assert e.value.key == "err.permission"
    with db(write=True) as s:
        ledgers.move(s, supervisor, SURVEY, sid, "publish", expected_version=s.get(Survey, sid).version)
    with db() as s:
        assert s.get(Survey, sid).status == "published"
        assert [e.get("step") for e in ledgers.history(s, manager, SURVEY, sid)][:2] == ["publish", "close"]
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.save(s, manager, SURVEY, {"title": "改名", "community_id": next(iter(manager.community_ids)),
                                          "questions": QS, "period_start": TODAY, "period_end": TODAY},
                     sid, s.get(Survey, sid).version)
    assert e.value.key == "svy.locked_published"


def test_a_low_question_opens_one_improvement_action(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    sid = _survey(db, manager)
    _enter(db, vol, sid, *[{"env": 5, "timeliness": 2, "overall": 5}] * 3, {"env": 4, "timeliness": 4, "overall": 4})
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # env is at 100 %
        surveys.open_action(s, manager, sid, "env", title="不该发起")
    assert e.value.errors == {"question": "svy.err_not_below"}
    with db(write=True) as s:
        action = surveys.open_action(s, manager, sid, "timeliness", title="提升满意度：测试调查 · 响应及时性")
        assert (action.source, action.source_id, action.owner, action.status) == ("survey", sid, "manager", "open")
        assert "25.0%" in action.detail
    with db(write=True) as s, pytest.raises(Duplicate):  # a second tap opens no second action
        surveys.open_action(s, manager, sid, "timeliness", title="提升满意度：测试调查 · 响应及时性")
    with db() as s:
        assert [a["title"] for a in surveys.survey_actions(s, manager, sid)] == ["提升满意度：测试调查 · 响应及时性"]
        assert s.execute(select(func.count()).select_from(ImprovementAction).where(
            ImprovementAction.source_id == sid, ImprovementAction.source == "survey")).scalar_one() == 1


def test_the_kpi_counts_the_surveys_ending_in_the_period_in_scope_by_hand(db, demo_db):
    manager, staff, vol = actor_of(db, "manager"), actor_of(db, "staff"), actor_of(db, "volunteer")
    community = next(iter(manager.community_ids))
    with db() as s:
        from db.models.places import Grid

        grids = s.execute(select(Grid.id).where(Grid.community_id == community).order_by(Grid.id)).scalars().all()
    other_grid = next(g for g in grids if g not in staff.grid_ids)
    jan = _survey(db, manager, start=date(2025, 1, 1), end=date(2025, 1, 31))
    jan_grid = _survey(db, manager, start=date(2025, 1, 10), end=date(2025, 1, 20), grid_id=other_grid)
    feb = _survey(db, manager, start=date(2025, 1, 15), end=date(2025, 2, 10))  # ends in February
    _enter(db, vol, jan, {"env": 5, "timeliness": 3, "overall": 4}, {"env": 0, "timeliness": 1, "overall": 5})
    _enter(db, vol, jan_grid, {"env": 5, "timeliness": 5, "overall": 5})
    _enter(db, vol, feb, {"env": 1, "timeliness": 1, "overall": 1})
    start, end = date(2025, 1, 1), date(2025, 1, 31)
    with db() as s:
        whole = kpis.evaluate(s, kpis.Scope(manager, None), "satisfaction", start, end, TODAY)
        mine = kpis.evaluate(s, kpis.Scope(staff, None), "satisfaction", start, end, TODAY)
        february = kpis.evaluate(s, kpis.Scope(manager, None), "satisfaction", date(2025, 2, 1), date(2025, 2, 28))
        december = kpis.evaluate(s, kpis.Scope(manager, None), "satisfaction", date(2024, 12, 1), date(2024, 12, 31))
    # jan: 5 3 4 | (不了解) 1 5 -> 3 of 5 valid; jan_grid: 3 of 3 -> 6 of 8
    assert (whole.numerator, whole.denominator, whole.value, whole.target) == (6, 8, 75.0, 85.0)
    assert whole.light == "red" and whole.kpi.drill_page == "surveys"
    # staff do not see the grid that is not theirs: jan only, 3 of 5
    assert (mine.numerator, mine.denominator) == (3, 5)
    assert (february.numerator, february.denominator) == (0, 3)
    assert december.value is None  # no survey ended then: no data, not 0 %


def test_an_activitys_detail_gets_the_surveys_that_followed_it(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    with db() as s:
        linked = s.execute(select(Survey).where(Survey.activity_id.isnot(None))).scalars().first()
        assert linked is not None  # the demo's survey after an activity
        found = surveys.activity_results(s, manager, linked.activity_id)
        res = surveys.results(s, manager, linked.id)
    assert [(f["id"], f["forms"], f["rate"]) for f in found] == [(linked.id, res["forms"], res["rate"])]
    with db() as s:
        assert surveys.activity_results(s, vol, linked.activity_id)[0]["id"] == linked.id


def test_the_demo_has_three_surveys_one_question_below_target_and_its_action(db, demo_db):
    manager = actor_of(db, "manager")
    with db() as s:
        rows = s.execute(select(Survey.id, Survey.status)).all()
        assert sorted(st for _, st in rows) == ["closed", "open", "published"]
        forms = sum(surveys.results(s, manager, i)["forms"] for i, _ in rows)
        published = next(i for i, st in rows if st == "published")
        low = [q["code"] for q in surveys.results(s, manager, published)["questions"] if q["below"]]
        acts = surveys.survey_actions(s, manager, published)
    assert forms >= 200 and low == ["timeliness"]
    assert len(acts) == 1 and acts[0]["source"] == "survey"


# --- pages ----------------------------------------------------------------------------------------

def _app_survey(title="楼栋问卷测试") -> int:
    from db.engine import session_scope
    from services.users import actor_for

    with session_scope(write=True) as s:
        manager = actor_for(s, "manager")
        row = ledgers.save(s, manager, SURVEY, {
            "title": title, "community_id": next(iter(manager.community_ids)), "questions": QS,
            "period_start": TODAY - timedelta(days=1), "period_end": TODAY + timedelta(days=400),
            "anonymous": True, "target_responses": 40})
        return row.id


def _scales(at) -> list:
    return [b for b in at.button_group if str(b.key).startswith("svy_form_")]


def _fill(at, answers: dict):
    texts = {code: ZH[f"sq.{code}"] for code in answers}
    for code, score in answers.items():
        widget = next(b for b in _scales(at) if b.label == texts[code])
        widget.set_value(score)
    next(b for b in at.button if b.label == ZH["svy.save_next"]).click()
    return at.run()


def test_a_volunteer_types_two_forms_in_a_row_on_the_entry_screen(app):
    sid = _app_survey()
    at = as_role(app, "volunteer")
    at.switch_page("pages/quality/surveys.py").run()
    assert not at.exception
    at.selectbox(key="svy_pick").set_value(sid).run()
    assert ZH["svy.entered"].format(n=0) in [m.value.lstrip("# ").split(" / ")[0] for m in at.markdown]
    assert _scales(at)[0].options == ["非常满意", "满意", "一般", "不满意", "非常不满意", "不了解/未答"]
    at.text_input(key=next(w.key for w in at.text_input if w.label == ZH["svy.form_no"])).input("A-001")
    at = _fill(at, {"env": 5, "timeliness": 3, "overall": 4})
    assert not at.exception and not at.error
    at = _fill(at, {"env": 4, "overall": 0})
    assert not at.exception and not at.error
    shown = [m.value for m in at.markdown]
    assert any(ZH["svy.entered"].format(n=2) in m for m in shown), shown
    assert [b.value for b in _scales(at)] == [None] * len(QS)
    from db.engine import session_scope

    with session_scope() as s:
        forms = s.execute(select(SurveyResponse.id, SurveyResponse.form_no, SurveyResponse.entered_by,
                                 SurveyResponse.resident_id).where(SurveyResponse.survey_id == sid)
                          .order_by(SurveyResponse.id)).all()
        scores = s.execute(select(SurveyAnswer.question_code, SurveyAnswer.score).where(
            SurveyAnswer.survey_id == sid).order_by(SurveyAnswer.response_id, SurveyAnswer.question_code)).all()
    assert [(f[1], f[2], f[3]) for f in forms] == [("A-001", "volunteer", None), (None, "volunteer", None)]
    assert scores == [("env", 5), ("overall", 4), ("timeliness", 3), ("env", 4), ("overall", None),
                      ("timeliness", None)]
    # volunteers get the entry screen only: no list of surveys, no results
    assert not at.dataframe


def test_a_manager_reads_the_results_and_opens_an_action_for_the_low_question(app):
    at = as_role(app, "manager")
    at.switch_page("pages/quality/surveys.py")
    from db.engine import session_scope

    with session_scope() as s:
        published = s.execute(select(Survey.id).where(Survey.status == "published")).scalar_one()
        res = surveys.results(s, actor_of(lambda write=False: session_scope(write=write), "manager"), published)
    at.query_params["surveys.id"] = str(published)
    at.run()
    assert not at.exception and not at.error
    shown = " ".join(m.value for m in at.markdown)
    assert f"{ZH['svy.rate']} {res['rate']:.1f}%" in shown
    assert f"{ZH['sq.timeliness']} " in shown and ZH["svy.below_target"] in shown
    table = at.dataframe[0].value
    assert list(table[ZH["svy.question"]])[-1] == ZH["svy.overall"]
    assert int(table[ZH["svy.valid_col"]].iloc[-1]) == res["valid"]
    assert {ZH["svy.export_csv"], ZH["svy.export_xlsx"]} <= {b.label for b in at.button}
    assert ZH["svy.action_open"] in [c.value for c in at.caption]  # the demo opened it already


def test_a_manager_makes_a_survey_from_the_bank_through_the_form(app):
    at = as_role(app, "manager")
    at.switch_page("pages/quality/surveys.py").run()
    at.text_input(key="surveys_new_title").input("五号楼加装电梯满意度")
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:surveys_new")).click()
    at.run()
    assert not at.exception and not at.error
    from db.engine import session_scope

    with session_scope() as s:
        made = s.execute(select(Survey).where(Survey.title == "五号楼加装电梯满意度")).scalar_one()
        assert surveys.codes_of(made) == list(surveys.bank())  # the whole bank, in its order, by default
        assert made.anonymous is True and made.status == "open" and made.created_by == "manager"


def test_enter_forms_on_an_open_survey_opens_the_entry_screen_on_it(app):
    at = as_role(app, "manager")
    at.switch_page("pages/quality/surveys.py")
    from db.engine import session_scope

    with session_scope() as s:
        open_id = s.execute(select(Survey.id).where(Survey.status == "open")).scalar_one()
    at.query_params["surveys.id"] = str(open_id)
    at.run()
    next(b for b in at.button if b.label == ZH["svy.enter_forms"]).click()
    at.run()
    assert not at.exception and not at.error and not at.warning
    assert at.selectbox(key="svy_pick").value == open_id
    assert len(_scales(at)) == len(surveys.bank()) and not at.dataframe


def test_the_dashboard_shows_satisfaction_for_the_last_quarter_against_its_target(app):
    from db.engine import session_scope
    from services.users import actor_for

    with session_scope() as s:
        supervisor = actor_for(s, "supervisor")
        start, end = kpis.reporting_period("quarter", TODAY)
        value = kpis.evaluate(s, kpis.Scope(supervisor, None), "satisfaction", start, end, TODAY)
    assert value.value is not None  # the demo's last quarter survey
    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    at.segmented_control(key="dash_kind").set_value("quarter").run()
    assert not at.exception
    tile = next(m for m in at.metric if m.label == ZH["svy.kpi"])
    assert tile.value == f"{value.value:.1f}%"
    assert ZH["dash.target"].format(target="85.0%") in " ".join(c.value for c in at.caption)
    links = [p.proto for p in at.get("page_link") if p.proto.label == ZH["dash.open"]]
    assert any(link.page.endswith("surveys") or "surveys" in link.page for link in links)
