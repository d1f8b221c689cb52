"""Satisfaction surveys (满意度调查) beyond what the ledger engine does from their declaration
(db.models.quality.SURVEY: open → closed → published): the question bank seeded from
db/reference/surveys.yaml, the hooks the declaration names, the entry of paper forms (one form
in one transaction, a form token so that a second tap saves nothing more), the results and the
``satisfaction`` KPI.

Satisfaction is (非常满意 + 满意) ÷ valid answers: a valid answer is a score of 1..5; 不了解 and an
unanswered question are stored as no score and counted nowhere. Everything is counted in SQL.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import reference
from db.declarations import Context
from db.models.places import Grid
from db.models.quality import (SURVEY, ImprovementAction, Survey, SurveyAnswer, SurveyQuestion,
                               SurveyResponse, question_codes)
from db.models.volunteers import Activity
from services import audit, clock, ledgers, records, settings
from services.access import SYSTEM, Actor, grid_clause, require
from services.errors import Duplicate, PermissionDenied, ValidationError

SCORES = (5, 4, 3, 2, 1)
UNKNOWN = 0  # the entry screen's 不了解/未答: stored as no score, not a valid answer
SATISFIED = 4  # 满意 and above
TARGET_KEY = "kpi.satisfaction.target"


# --- the question bank ----------------------------------------------------------------------

def bank() -> dict:
    return reference.load("surveys")["questions"]


def seed_questions(session: Session, actor: Actor = SYSTEM) -> int:
    """Add the bank's questions a database lacks (a new one, or one the app has since gained);
    a question already there stays as the committee keeps it. Returns how many were added."""
    have = set(session.execute(select(SurveyQuestion.code)).scalars())
    added = 0
    for position, (code, spec) in enumerate(bank().items(), start=1):
        if code in have:
            continue
        row = SurveyQuestion(code=code, text_zh=spec["zh"], text_en=spec["en"], position=position, active=True,
                             created_by=actor.username, updated_by=actor.username)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "survey_question", row.id, None, audit.snapshot(row))
        added += 1
    return added


def question_texts(session: Session, codes: list[str]) -> dict[str, tuple[str, str]]:
    """code -> (Chinese, English) question text, from the bank's rows (the YAML where a row is missing)."""
    rows = {c: (zh, en) for c, zh, en in session.execute(
        select(SurveyQuestion.code, SurveyQuestion.text_zh, SurveyQuestion.text_en)
        .where(SurveyQuestion.code.in_(codes), SurveyQuestion.deleted_at.is_(None)))}
    return {c: rows.get(c) or (bank()[c]["zh"], bank()[c]["en"]) for c in codes if c in rows or c in bank()}


def codes_of(survey: Survey) -> list[str]:
    return list(json.loads(survey.questions or "[]"))


# --- hooks of the declaration -----------------------------------------------------------------

def grid_rule(actor: Actor) -> list:
    """SURVEY's scope beyond the community: a survey of the whole community is seen by all of its
    staff, a grid's survey by that grid's staff."""
    if actor.grid_ids is None:
        return []
    return [or_(Survey.grid_id.is_(None), grid_clause(actor, Survey.grid_id))]


def _answered(session: Session, survey_id: int) -> bool:
    return session.execute(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey_id,
                                                           SurveyResponse.deleted_at.is_(None)).limit(1)).first() \
        is not None


def clean(ctx: Context, values: dict) -> None:
    """A period that ends after it starts; a grid and an activity of the survey's community; the
    questions kept in the bank's order (JSON in the row); a survey with forms keeps its questions;
    a new survey is anonymous unless told otherwise."""
    errors = {}
    start, end = values.get("period_start"), values.get("period_end")
    if start and end and end < start:
        errors["period_end"] = "svy.err_period"
    community = values.get("community_id")
    if values.get("grid_id"):
        grid = ctx.session.get(Grid, values["grid_id"])
        if grid is None or grid.community_id != community:
            errors["grid_id"] = "err.bad_choice"
    if values.get("activity_id"):
        activity = ctx.session.get(Activity, values["activity_id"])
        if activity is None or activity.deleted_at is not None or activity.community_id != community:
            errors["activity_id"] = "err.bad_choice"
    picked = values.get("questions")
    if isinstance(picked, (list, tuple)):
        order = question_codes()
        codes = [c for c in order if c in set(picked)]
        if ctx.obj is not None and codes != codes_of(ctx.obj) and _answered(ctx.session, ctx.obj.id):
            errors["questions"] = "svy.err_questions_answered"
        values["questions"] = json.dumps(codes)
    if errors:
        raise ValidationError(errors)


def fill(ctx: Context, rows: list[dict]) -> None:
    """SURVEY.fill: the stored JSON of the questions as the list of codes the form picks from."""
    for r in rows:
        raw = r.get("questions")
        if isinstance(raw, str):
            r["questions"] = json.loads(raw or "[]")


def locked(ctx: Context, survey: Survey) -> str | None:
    """A published survey's result is public: it is no longer edited."""
    return "svy.locked_published" if survey.status == "published" else None


def forms_column(ctx: Context):
    """The list's count of forms entered, a correlated count in SQL."""
    return (select(func.count(SurveyResponse.id))
            .where(SurveyResponse.survey_id == Survey.id, SurveyResponse.deleted_at.is_(None))
            .correlate(Survey).scalar_subquery())


# --- entering forms -----------------------------------------------------------------------------

def entry_refusal(survey: Survey, today: date) -> str | None:
    """Why forms cannot be entered now (a catalog key), or None: only while the survey is open,
    and not before its period starts — paper forms of a finished period may still be typed in
    until the survey is closed."""
    if survey.status != "open":
        return "svy.err_not_open"
    if today < survey.period_start:
        return "svy.err_not_started"
    return None


def open_surveys(session: Session, actor: Actor, today: date | None = None) -> dict[int, str]:
    """id -> title of the open surveys in scope that take forms today (the entry screen's picker)."""
    require(actor, "surveys", "enter")
    today = today or clock.today()
    rows = session.execute(select(Survey.id, Survey.title).where(
        Survey.deleted_at.is_(None), Survey.status == "open", Survey.period_start <= today,
        *ledgers.scope(SURVEY, actor)).order_by(Survey.period_end.desc(), Survey.id.desc())).all()
    return {i: title for i, title in rows}


def survey_for_entry(session: Session, actor: Actor, survey_id: int) -> Survey:
    require(actor, "surveys", "enter")
    return ledgers.get(session, actor, SURVEY, survey_id)


def _score(value) -> int | None:
    """A form's answer as stored: 1..5, or None for 不了解 / not answered; anything else refused."""
    if value is None or value == UNKNOWN:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
        raise ValueError(value)
    return value


def save_form(session: Session, actor: Actor, survey_id: int, answers: dict, *, form_no: str | None = None,
              resident_id: int | None = None, token: str | None = None,
              today: date | None = None) -> tuple[SurveyResponse, bool]:
    """One paper form: every answer written in the caller's transaction, or none (a score outside
    1..5 refuses the whole form). ``token`` is the form's one-time key as the screen drew it: the
    same form sent again (a double tap) returns the response saved the first time and writes
    nothing. Returns (response, created). An anonymous survey stores no resident; a resident is
    named only by a role that may see residents."""
    today = today or clock.today()
    survey = survey_for_entry(session, actor, survey_id)
    token = records.clean_text(token)
    if token:
        found = _by_token(session, token)
        if found is not None:
            if found.survey_id != survey.id:
                raise Duplicate("svy.err_token")
            return found, False
    reason = entry_refusal(survey, today)
    if reason:
        raise PermissionDenied(reason)
    codes = codes_of(survey)
    errors, scores = {}, {}
    for code, value in answers.items():
        if code not in codes:
            errors[code] = "svy.err_question"
            continue
        try:
            scores[code] = _score(value)
        except ValueError:
            errors[code] = "svy.err_score"
    if errors:
        raise ValidationError(errors, "svy.err_form")
    if not scores:  # nothing picked at all (不了解 is a pick): a tap too many, not a form
        raise ValidationError({}, "svy.err_blank")
    form_no = records.clean_text(form_no)
    if form_no and len(form_no) > 20:
        raise ValidationError({"form_no": "err.too_long"})
    if survey.anonymous:
        resident_id = None
    elif resident_id is not None:
        from db.models.residents import RESIDENT

        require(actor, "residents", "view")  # volunteers never see who answered
        resident = ledgers.get(session, actor, RESIDENT, resident_id)
        if resident.community_id != survey.community_id:
            raise ValidationError({"resident_id": "err.bad_choice"})
    response = SurveyResponse(survey_id=survey.id, community_id=survey.community_id, resident_id=resident_id,
                              form_no=form_no, entered_by=actor.username, token=token)
    try:
        with session.begin_nested():  # a concurrent save of the same token loses here, not the page
            session.add(response)
            session.flush()
            session.add_all([SurveyAnswer(response_id=response.id, survey_id=survey.id, question_code=c,
                                          score=scores.get(c)) for c in codes])
            session.flush()
    except IntegrityError:
        found = _by_token(session, token) if token else None
        if found is None:
            raise
        return found, False
    audit.record(session, actor, "create", "survey_response", response.id, None,
                 {"survey_id": survey.id, "form_no": form_no, "resident_id": resident_id,
                  "answers": {c: scores.get(c) for c in codes}}, community_id=survey.community_id)
    return response, True


def _by_token(session: Session, token: str) -> SurveyResponse | None:
    return session.execute(select(SurveyResponse).where(SurveyResponse.token == token)).scalar_one_or_none()


def count_forms(session: Session, actor: Actor, survey_id: int) -> int:
    """The live forms entered for the survey."""
    ledgers.get(session, actor, SURVEY, survey_id)
    return session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.survey_id == survey_id, SurveyResponse.deleted_at.is_(None))).scalar_one()


# --- results ------------------------------------------------------------------------------------

def rate(satisfied: float, valid: float) -> float | None:
    """(非常满意 + 满意) ÷ valid answers in %, one decimal; None without a valid answer."""
    return round(satisfied / valid * 100, 1) if valid else None


def target(session: Session, community_id: int | None = None) -> float:
    return float(settings.get(session, TARGET_KEY, community_id))


def judge(session: Session, community_id: int | None = None):
    """light(satisfied, valid): the traffic light of a rate against the target, as the KPI tiles
    judge it (too few answers: no light)."""
    from services import kpis

    kpi, goal = kpis.REGISTRY["satisfaction"], target(session, community_id)
    min_n = int(settings.get(session, "kpi.min_denominator"))
    return lambda satisfied, valid: kpis.Value(kpi, float(satisfied), float(valid), goal, min_n).light


def results(session: Session, actor: Actor, survey_id: int) -> dict:
    """The survey's results: forms entered, and per question and overall the distribution of
    answers (score -> count, None for 不了解/未答), the valid answers, the satisfied ones, the rate
    and its light against the target — one GROUP BY in the database."""
    survey = ledgers.get(session, actor, SURVEY, survey_id)
    codes = codes_of(survey)
    live = SurveyResponse.deleted_at.is_(None)
    counts = session.execute(
        select(SurveyAnswer.question_code, SurveyAnswer.score, func.count())
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyAnswer.survey_id == survey.id, live)
        .group_by(SurveyAnswer.question_code, SurveyAnswer.score)).all()
    forms = session.execute(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.survey_id == survey.id, live)).scalar_one()
    dist = {c: {s: 0 for s in (*SCORES, None)} for c in codes}
    for code, score, n in counts:
        if code in dist:
            dist[code][score] = n
    goal = target(session, survey.community_id)
    light = judge(session, survey.community_id)
    texts = question_texts(session, codes)
    questions = []
    for code in codes:
        valid = sum(n for s, n in dist[code].items() if s is not None)
        happy = sum(n for s, n in dist[code].items() if s is not None and s >= SATISFIED)
        questions.append({"code": code, "text_zh": texts.get(code, (code, code))[0],
                          "text_en": texts.get(code, (code, code))[1], "distribution": dist[code], "valid": valid,
                          "satisfied": happy, "invalid": dist[code][None], "rate": rate(happy, valid),
                          "light": light(happy, valid),
                          "below": valid > 0 and rate(happy, valid) < goal})
    valid = sum(q["valid"] for q in questions)
    happy = sum(q["satisfied"] for q in questions)
    return {"survey_id": survey.id, "title": survey.title, "status": survey.status, "forms": forms,
            "target_responses": survey.target_responses, "target": goal, "questions": questions,
            "valid": valid, "satisfied": happy, "rate": rate(happy, valid),
            "light": light(happy, valid)}


def export_rows(session: Session, actor: Actor, survey_id: int) -> dict:
    """The results for a spreadsheet (aggregates only, no form): the export right checked and
    the export audited."""
    require(actor, "surveys", "export")
    out = results(session, actor, survey_id)
    audit.record(session, actor, "export", "survey", survey_id, None,
                 {"page": "surveys", "rows": len(out["questions"]), "forms": out["forms"]})
    return out


def activity_results(session: Session, actor: Actor, activity_id: int) -> list[dict]:
    """The surveys that follow an activity, each with its forms and its overall rate (the
    activity's detail shows them): one query."""
    if not ledgers.may(actor, SURVEY, "view"):
        return []
    happy = func.sum(case((SurveyAnswer.score >= SATISFIED, 1), else_=0))
    valid = func.count(SurveyAnswer.score)
    rows = session.execute(
        select(Survey.id, Survey.title, Survey.status, func.count(func.distinct(SurveyResponse.id)), happy, valid)
        .outerjoin(SurveyResponse, and_(SurveyResponse.survey_id == Survey.id, SurveyResponse.deleted_at.is_(None)))
        .outerjoin(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .where(Survey.activity_id == activity_id, Survey.deleted_at.is_(None), *ledgers.scope(SURVEY, actor))
        .group_by(Survey.id, Survey.title, Survey.status).order_by(Survey.id)).all()
    return [{"id": i, "title": title, "status": status, "forms": forms, "rate": rate(h or 0, v or 0)}
            for i, title, status, forms, h, v in rows]


# --- improvement actions from a low question ------------------------------------------------------

def survey_actions(session: Session, actor: Actor, survey_id: int) -> list[dict]:
    """The improvement actions opened from the survey (for the roles that see actions)."""
    from services import actions

    ledgers.get(session, actor, SURVEY, survey_id)
    return actions.of_source(session, actor, "survey", survey_id)


def open_action(session: Session, actor: Actor, survey_id: int, code: str, *, title: str, owner: str | None = None,
                due: date | None = None, today: date | None = None) -> ImprovementAction:
    """An improvement action for a question scoring below the target, opened in one tap
    (services.actions.open_from): owned by the actor unless told, due in 30 days, its detail the
    question's figures. The same action is not opened twice while one is still open."""
    from services import actions

    today = today or clock.today()
    out = results(session, actor, survey_id)
    question = next((q for q in out["questions"] if q["code"] == code), None)
    if question is None:
        raise ValidationError({"question": "svy.err_question"})
    if not question["below"]:
        raise ValidationError({"question": "svy.err_not_below"})
    title = records.clean_text(title)
    existing = session.execute(select(ImprovementAction.id).where(
        ImprovementAction.source == "survey", ImprovementAction.source_id == survey_id,
        ImprovementAction.title == title, ImprovementAction.status != "verified",
        ImprovementAction.deleted_at.is_(None)).limit(1)).first()
    if existing is not None:
        raise Duplicate("svy.err_action_exists")
    survey = session.get(Survey, survey_id)
    detail = (f"{out['title']}：{question['text_zh']}，满意率 {question['rate']}%"
              f"（有效回答 {question['valid']} 份，目标 {out['target']:g}%）")
    return actions.open_from(session, actor, "survey", survey_id, community_id=survey.community_id,
                             grid_id=survey.grid_id, title=title, owner=owner or actor.username,
                             due=due or today + timedelta(days=30), detail=detail)


# --- the KPI ------------------------------------------------------------------------------------

def satisfaction_kpi(session: Session, scope, start: date, end: date, today: date) -> tuple[int, int]:
    """The ``satisfaction`` KPI: (非常满意 + 满意, valid answers) over the live surveys whose period
    ends inside [start, end] — a quarter's survey counts in the period it surveys, whenever its
    paper forms were typed in — in the scope's communities, a grid's survey only for who sees
    that grid. Surveys of every state count (an open one with what it has so far)."""
    happy = func.coalesce(func.sum(case((SurveyAnswer.score >= SATISFIED, 1), else_=0)), 0)
    valid = func.count(SurveyAnswer.score)
    grids = [or_(Survey.grid_id.is_(None), *scope.grids(Survey.grid_id))]
    num, den = session.execute(
        select(happy, valid)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(SurveyResponse.deleted_at.is_(None), Survey.deleted_at.is_(None),
               Survey.period_end.between(start, end), *scope.communities(Survey.community_id), *grids)).one()
    return int(num or 0), int(den or 0)



# --- demo data ----------------------------------------------------------------------------------

# how residents answer each question in the demo: weights of 5, 4, 3, 2, 1, 不了解
_DEMO_WEIGHTS = {"timeliness": (14, 48, 26, 8, 2, 2)}  # the one below target: requests answered slowly
_DEMO_DEFAULT = (38, 55, 5, 1.5, 0.5, 1)


def load_demo(session: Session, communities: list, today: date | None = None, seed: int = 41) -> dict:
    """Three surveys of the first demo community — last quarter's (published), this quarter's
    (open: the demo volunteer types forms into it) and one after a recent held activity (closed) —
    with a few hundred forms answered mostly 满意, some 一般, a few 不满意, 响应及时性 below the
    target; and the improvement action opened from it. Written in bulk, as the other demo rows."""
    import random

    from sqlalchemy import insert

    from db.periods import period_of

    today = today or clock.today()
    rng = random.Random(seed)
    community = communities[0].id
    codes = list(question_codes())
    this_start, this_end = period_of(today, "quarter", 1)
    last_start, last_end = period_of(this_start - timedelta(days=1), "quarter", 1)
    activity = session.execute(select(Activity).where(
        Activity.community_id == community, Activity.status.in_(("held", "evaluated")), Activity.deleted_at.is_(None),
        Activity.activity_date <= today).order_by(Activity.activity_date.desc()).limit(1)).scalar_one_or_none()
    plans = [(f"{last_start.year}年第{(last_start.month - 1) // 3 + 1}季度社区居民满意度调查", last_start, last_end,
              None, "published", 160, codes, 200),
             (f"{this_start.year}年第{(this_start.month - 1) // 3 + 1}季度社区居民满意度调查", this_start, this_end,
              None, "open", 60, codes, 200)]
    if activity is not None:
        plans.append((f"“{activity.theme}”活动满意度", activity.activity_date,
                      activity.activity_date + timedelta(days=7), activity.id, "closed", 40,
                      ["culture", "attitude", "overall"], 50))
    forms = 0
    low_survey = None
    for title, start, end, activity_id, status, n, qs, goal in plans:
        survey = Survey(community_id=community, title=title, period_start=start, period_end=end,
                        activity_id=activity_id, anonymous=True, questions=json.dumps(qs), target_responses=goal,
                        status=status, created_by="demo", updated_by="demo")
        session.add(survey)
        session.flush()
        n = min(n, max(5, (min(today, end) - start).days * 3)) if status == "open" else n
        ids = session.execute(insert(SurveyResponse).returning(SurveyResponse.id, sort_by_parameter_order=True), [
            {"survey_id": survey.id, "community_id": community, "form_no": f"{i:03d}", "entered_by": "volunteer"}
            for i in range(1, n + 1)]).scalars().all()
        answers = []
        for rid in ids:
            for code in qs:
                pick = rng.choices((5, 4, 3, 2, 1, None), weights=_DEMO_WEIGHTS.get(code, _DEMO_DEFAULT))[0]
                answers.append({"response_id": rid, "survey_id": survey.id, "question_code": code, "score": pick})
        session.execute(insert(SurveyAnswer), answers)
        forms += len(ids)
        if status == "published":
            low_survey = survey
    if low_survey is not None:
        out = results(session, SYSTEM, low_survey.id)
        low = min((q for q in out["questions"] if q["below"]), key=lambda q: q["rate"], default=None)
        if low is not None:
            short = bank()[low["code"]]["short"]
            open_action(session, SYSTEM, low_survey.id, low["code"], title=f"提升满意度：{low_survey.title} · {short}",
                        owner="manager", due=today + timedelta(days=20), today=today)
    return {"surveys": len(plans), "survey_forms": forms}
