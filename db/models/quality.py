"""Quality: indicator sets and evaluations (考核评估), satisfaction surveys (满意度调查), residents'
requests and complaints (居民诉求) with their response limits, and improvement actions (整改措施).

The tables only; each ledger's declaration for the engine sits next to the table it lists,
below or in the module that owns the workflow's hooks (``services.complaints``,
``services.actions``, ``services.surveys``, ``services.assessments``).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CommunityScoped, RecordMixin, utcnow
from db.declarations import Column as ListColumn
from db.declarations import Field, Ledger, Scope, Step, View, Workflow

# --- residents' requests and complaints ------------------------------------------------------------

COMPLAINT_STATES = ("received", "assigned", "in_progress", "done", "followed_up", "explained")
LIMIT_UNITS = ("hours", "days", "workdays")


class ResponseLimit(RecordMixin, Base):
    """How soon a request must be answered and solved, by category × urgency (``*``: any).
    Data, seeded from DOMAIN.md and the plans; an admin edits the rows."""

    __tablename__ = "response_limit"
    __table_args__ = (UniqueConstraint("category", "urgency", name="uq_response_limit_category_urgency"),)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    urgency: Mapped[str] = mapped_column(String(4), nullable=False)
    response_value: Mapped[int] = mapped_column(Integer, nullable=False)
    response_unit: Mapped[str] = mapped_column(String(8), nullable=False)
    resolution_value: Mapped[int] = mapped_column(Integer, nullable=False)
    resolution_unit: Mapped[str] = mapped_column(String(8), nullable=False)
    note: Mapped[str | None] = mapped_column(String(200))


class Complaint(CommunityScoped, RecordMixin, Base):
    """A resident's request, complaint, report or suggestion. Times are UTC; the limits are
    worked out in the committee's time zone and working days when it is received."""

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_scope_received", "community_id", "received_at"),)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # request / complaint / report / suggestion
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    urgency: Mapped[str] = mapped_column(String(4), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False, index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    subject_org: Mapped[str | None] = mapped_column(String(100))  # the organisation complained about, if any
    assignee: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    response_due: Mapped[datetime | None] = mapped_column(DateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(DateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    response_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)  # solved, or explained (说明): when it closed
    resolution: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)  # 说明: why it cannot be solved in time
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime)
    followup_satisfaction: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="received")


def complaint_vocab() -> dict:
    """Channels, kinds, categories, urgency and the seeded limits (db/reference/complaints.yaml)."""
    from db import reference

    return reference.load("complaints")


SATISFACTION = ("非常满意", "满意", "一般", "不满意", "非常不满意")  # the follow-up call's answer
DUE_STATES = ("pending", "in_time", "late", "overdue")  # a limit: not yet due, met, missed, missed and still open
ANY = "*"  # a limit row's category or urgency that matches any
CLOSED_STATES = ("done", "followed_up", "explained")
OPEN_COMPLAINT_STATES = ("received", "assigned", "in_progress")


def _limit_choices(name: str) -> tuple[str, ...]:
    return (ANY, *complaint_vocab()[name])


RESPONSE_LIMIT = Ledger(
    key="response_limit", model=ResponseLimit, label="cmp.limit", page="complaints", scope=Scope(community=None),
    # the limits are the admin's (the matrix row "limits"); everyone else reads them on each request
    actions={"view": "limits", "create": "limits", "edit": "limits", "delete": "limits"},
    unique=(("category", "urgency"),), default_sort="category",
    fields=(
        Field("category", "cmp.category", type="choice", choices=_limit_choices("categories"), choices_key="cmpcat",
              required=True, filter=True),
        Field("urgency", "cmp.urgency", type="choice", choices=_limit_choices("urgency"), choices_key="urgency",
              required=True),
        Field("response_value", "cmp.response_value", type="int", required=True, min_value=1, max_value=999),
        Field("response_unit", "cmp.response_unit", type="choice", choices=LIMIT_UNITS, choices_key="limitunit",
              required=True),
        Field("resolution_value", "cmp.resolution_value", type="int", required=True, min_value=1, max_value=999),
        Field("resolution_unit", "cmp.resolution_unit", type="choice", choices=LIMIT_UNITS, choices_key="limitunit",
              required=True),
        Field("note", "cmp.limit_note", max_length=200),
    ),
)


def response_overdue_clause(today: date):
    """Not answered yet and past its response limit (now, in UTC as stored)."""
    from sqlalchemy import and_

    return and_(Complaint.first_response_at.is_(None), Complaint.status.in_(OPEN_COMPLAINT_STATES),
                Complaint.response_due.isnot(None), Complaint.response_due < utcnow())


def resolution_overdue_clause(today: date):
    """Neither solved nor explained and past its resolution limit."""
    from sqlalchemy import and_

    return and_(Complaint.status.in_(OPEN_COMPLAINT_STATES), Complaint.resolution_due.isnot(None),
                Complaint.resolution_due < utcnow())


def _limit_state(done_at, due_at, overdue):
    """in_time / late for what was done, overdue / pending for what is not yet."""
    from sqlalchemy import case

    return case((due_at.is_(None), None),
                (done_at.isnot(None), case((done_at <= due_at, "in_time"), else_="late")),
                (overdue, "overdue"), else_="pending")


def _complaint_order(today: date) -> list:
    from sqlalchemy import case

    return [case((resolution_overdue_clause(today), 0), (response_overdue_clause(today), 0),
                 (Complaint.status.in_(OPEN_COMPLAINT_STATES), 1), else_=2), Complaint.received_at.desc()]


def _resident_name(today: date):
    from sqlalchemy import select

    from db.models.residents import Resident

    return select(Resident.name).where(Resident.id == Complaint.resident_id).scalar_subquery()


_WHEN = (Field("on", "cmp.on", type="date", required=True, past_only=True),
         Field("at", "cmp.at", type="time", required=True))

COMPLAINT = Ledger(
    key="complaint", model=Complaint, label="cmp.complaint", default_sort="received_at", descending=True,
    page="complaints", scope=Scope(grid="grid_id"), parent="grid_id",
    clean="services.complaints:clean", fill="services.complaints:fill", locked="services.complaints:locked",
    views=(View("open", "cmp.view_open", lambda today: Complaint.status.in_(OPEN_COMPLAINT_STATES)),
           View("response_overdue", "cmp.view_response_overdue", response_overdue_clause),
           View("resolution_overdue", "cmp.view_resolution_overdue", resolution_overdue_clause),
           View("explained", "cmp.view_explained", lambda today: Complaint.status == "explained")),
    columns=(
        ListColumn("resident_name", "cmp.resident", _resident_name, search=True),
        ListColumn("response_due_at", "cmp.response_due", lambda today: Complaint.response_due, sortable=True),
        ListColumn("response_state", "cmp.response_state",
                   lambda today: _limit_state(Complaint.first_response_at, Complaint.response_due,
                                              response_overdue_clause(today)), choices_key="cmpdue", export=False),
        ListColumn("resolution_due_at", "cmp.resolution_due", lambda today: Complaint.resolution_due,
                   sortable=True),
        ListColumn("resolution_state", "cmp.resolution_state",
                   lambda today: _limit_state(Complaint.resolved_at, Complaint.resolution_due,
                                              resolution_overdue_clause(today)), choices_key="cmpdue",
                   export=False),
    ),
    order=_complaint_order,
    workflow=Workflow(
        initial="received", states=COMPLAINT_STATES, choices_key="cmpstate",
        steps=(
            Step("assign", "cmp.assign", ("received",), "assigned", action="assign", primary=True,
                 fields=(Field("assignee", "cmp.assignee", required=True, max_length=64,
                               choices_from="services.actions:owner_options"),),
                 apply="services.complaints:assigned"),
            # the first answer to the resident: when (not before the request, not in the future) and what
            Step("respond", "cmp.respond", ("assigned",), "in_progress", primary=True,
                 fields=(*_WHEN, Field("response_note", "cmp.response_note", type="longtext", required=True,
                                       max_length=2000)),
                 apply="services.complaints:responded"),
            Step("resolve", "cmp.resolve", ("in_progress",), "done", primary=True,
                 fields=(*_WHEN, Field("resolution", "cmp.resolution", type="longtext", required=True,
                                       max_length=2000)),
                 apply="services.complaints:resolved"),
            Step("follow_up", "cmp.follow_up", ("done",), "followed_up", primary=True,
                 fields=(Field("followup_satisfaction", "cmp.satisfaction", type="choice",
                               choices=SATISFACTION, choices_key="satisfaction", required=True),),
                 apply="services.complaints:followed_up"),
            # cannot be solved in time: the reason explained to the resident (说明), by the leads
            Step("explain", "cmp.explain", ("assigned", "in_progress"), "explained", action="explain",
                 icon=":material/info:",
                 fields=(Field("explanation", "cmp.explanation", type="longtext", required=True, max_length=2000),),
                 apply="services.complaints:explained"),
        )),
    fields=(
        Field("kind", "cmp.kind", type="choice", choices=tuple(complaint_vocab()["kinds"]), choices_key="cmpkind",
              required=True, filter=True),
        Field("channel", "cmp.channel", type="choice", choices=tuple(complaint_vocab()["channels"]),
              choices_key="channel", required=True, filter=True),
        Field("category", "cmp.category", type="choice", choices=tuple(complaint_vocab()["categories"]),
              choices_key="cmpcat", required=True, filter=True),
        Field("urgency", "cmp.urgency", type="choice", choices=tuple(complaint_vocab()["urgency"]),
              choices_key="urgency", required=True, filter=True),
        Field("content", "cmp.content", type="longtext", required=True, max_length=2000, search=True),
        Field("grid_id", "place.grid", type="ref", ref="grid", required=True, filter=True),
        # optional: a suggestion may come anonymously through the box; the list names the resident
        Field("resident_id", "cmp.resident", type="ref", ref="resident", list=False, export=False),
        Field("subject_org", "cmp.subject_org", max_length=100, search=True, filter=True,
              help="cmp.subject_org_help"),
        # typed in the committee's time; stored as received_at (UTC) by the clean hook
        Field("received_on", "cmp.received_on", type="date", required=True, past_only=True, column=False,
              list=False, export=False),
        Field("received_time", "cmp.received_time", type="time", required=True, column=False, list=False,
              export=False),
        # the stored time (UTC): the page shows it in the committee's time (ledger_page formats)
        Field("received_at", "cmp.received_at", editable=False, importable=False),
        Field("status", "cmp.status", type="choice", choices=COMPLAINT_STATES, choices_key="cmpstate", filter=True,
              editable=False),
        Field("assignee", "cmp.assignee", editable=False, choices_from="services.actions:owner_options"),
        Field("response_note", "cmp.response_note", type="longtext", editable=False, list=False),
        Field("resolution", "cmp.resolution", type="longtext", editable=False, list=False),
        Field("explanation", "cmp.explanation", type="longtext", editable=False, list=False),
        Field("followup_satisfaction", "cmp.satisfaction", type="choice",
              choices=SATISFACTION, choices_key="satisfaction", editable=False, list=False),
        # the limits' states are SQL columns (above): these give them a filter and their labels
        Field("response_state", "cmp.response_state", type="choice", choices=DUE_STATES, choices_key="cmpdue",
              column=False, editable=False, filter=True, export=True),
        Field("resolution_state", "cmp.resolution_state", type="choice", choices=DUE_STATES, choices_key="cmpdue",
              column=False, editable=False, filter=True, export=True),
    ),
)


# --- improvement actions ------------------------------------------------------------------------

ACTION_STATES = ("open", "done", "verified")
ACTION_SOURCES = ("evaluation", "survey", "drill", "complaint", "hazard", "meeting", "other")


class ImprovementAction(CommunityScoped, RecordMixin, Base):
    """整改/改进措施: from a finding, owned by someone, due by a day, checked by someone else."""

    __tablename__ = "improvement_action"
    __table_args__ = (Index("ix_improvement_action_scope_due", "community_id", "status", "due"),
                      Index("ix_improvement_action_source", "source", "source_id"))
    source: Mapped[str] = mapped_column(String(12), nullable=False)
    source_id: Mapped[int | None] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    due: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(Text)
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    effect: Mapped[str | None] = mapped_column(Text)


# --- satisfaction surveys ---------------------------------------------------------------------------

SURVEY_STATES = ("open", "closed", "published")
SCALE = (5, 4, 3, 2, 1)  # 非常满意, 满意, 一般, 不满意, 非常不满意; satisfied = 4 or 5


class SurveyQuestion(RecordMixin, Base):
    """The question bank (5-point scale)."""

    __tablename__ = "survey_question"
    code: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    text_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    text_en: Mapped[str] = mapped_column(String(200), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Survey(CommunityScoped, RecordMixin, Base):
    __tablename__ = "survey"
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))  # None: the whole community
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    questions: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list of question codes, in order
    target_responses: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    note: Mapped[str | None] = mapped_column(Text)


class SurveyResponse(Base):
    """One filled-in form (typed from paper or answered online)."""

    __tablename__ = "survey_response"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False, index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), nullable=False)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))  # only when not anonymous
    form_no: Mapped[str | None] = mapped_column(String(20))  # the paper form's number, if it has one
    # the entry screen's one-time key of the form as drawn: a second tap (or a retried request)
    # sending the same form again finds the response already saved instead of adding another
    token: Mapped[str | None] = mapped_column(String(40), unique=True)
    entered_by: Mapped[str] = mapped_column(String(64), nullable=False)
    entered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class SurveyAnswer(Base):
    __tablename__ = "survey_answer"
    __table_args__ = (Index("ix_survey_answer_survey_question", "survey_id", "question_code", "score"),
                      UniqueConstraint("response_id", "question_code", name="uq_survey_answer_response_question"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), nullable=False)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), nullable=False)  # for the aggregates
    question_code: Mapped[str] = mapped_column(String(20), nullable=False)
    score: Mapped[int | None] = mapped_column(SmallInteger)  # 1–5; None: not answered / 不了解 (not valid)


def question_codes() -> tuple[str, ...]:
    """The bank's question codes in their order (db/reference/surveys.yaml)."""
    from db import reference

    return tuple(reference.load("surveys")["questions"])


SURVEY = Ledger(
    key="survey", model=Survey, label="svy.survey", default_sort="period_end", descending=True,
    page="surveys", actions={"edit": "create", "delete": "create"}, parent="community_id",
    # community-wide surveys (no grid) are seen by the community's staff too; a grid's by its staff
    scope=Scope(rule="services.surveys:grid_rule"),
    clean="services.surveys:clean", fill="services.surveys:fill", locked="services.surveys:locked",
    views=(View("open", "svy.view_open", lambda today: Survey.status == "open"),),
    columns=(ListColumn("forms", "svy.forms", "services.surveys:forms_column"),),
    workflow=Workflow(
        initial="open", states=SURVEY_STATES, choices_key="svystate",
        steps=(
            Step("close", "svy.close", ("open",), "closed", action="create", icon=":material/lock:", primary=True),
            Step("reopen", "svy.reopen", ("closed",), "open", action="create", icon=":material/lock_open:"),
            Step("publish", "svy.publish", ("closed",), "published", action="publish", icon=":material/campaign:",
                 primary=True),
        )),
    fields=(
        Field("title", "svy.title", required=True, max_length=100, search=True),
        Field("community_id", "place.community", type="ref", ref="community", required=True, filter=True),
        Field("grid_id", "place.grid", type="ref", ref="grid", filter=True, list=False, help="svy.grid_help"),
        Field("period_start", "svy.period_start", type="date", required=True),
        Field("period_end", "svy.period_end", type="date", required=True),
        # the bank's codes; stored as a JSON list in the bank's order (services.surveys.clean)
        Field("questions", "svy.questions", type="multichoice", choices=question_codes(), choices_key="sq",
              required=True, list=False, export=False),
        Field("anonymous", "svy.anonymous", type="bool", list=False, help="svy.anonymous_help"),
        Field("activity_id", "svy.activity", type="ref", ref="activity", list=False, help="svy.activity_help"),
        Field("target_responses", "svy.target", type="int", min_value=1, max_value=100_000),
        Field("status", "svy.status", type="choice", choices=SURVEY_STATES, choices_key="svystate", filter=True,
              editable=False),
        Field("note", "field.note", type="longtext", max_length=2000, list=False),
    ),
)


# --- indicator sets and evaluations ----------------------------------------------------------------

EVALUATION_STATES = ("draft", "submitted", "returned", "approved", "published")
SUBJECT_KINDS = ("community", "staff", "org", "activity", "drill")


class IndicatorSet(RecordMixin, Base):
    """An assessment scheme as data. A change makes a new revision (``current`` moves to it);
    evaluations keep the revision they were scored with."""

    __tablename__ = "indicator_set"
    __table_args__ = (UniqueConstraint("key", "revision", name="uq_indicator_set_key_revision"),)
    key: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False)
    subject_kind: Mapped[str] = mapped_column(String(12), nullable=False)
    grades: Mapped[str] = mapped_column(Text, nullable=False)  # JSON [[lowest total, grade], …], highest first
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    note: Mapped[str | None] = mapped_column(Text)


class Indicator(Base):
    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("set_id", "code", name="uq_indicator_set_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("indicator_set.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    code: Mapped[str] = mapped_column(String(30), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False)  # points of 100
    scale_min: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    scale_max: Mapped[float] = mapped_column(Float, nullable=False, default=100)
    evidence: Mapped[str | None] = mapped_column(String(30))  # the ledger figure that pre-fills it, if any


class Evaluation(CommunityScoped, RecordMixin, Base):
    __tablename__ = "evaluation"
    __table_args__ = (Index("ix_evaluation_scope_period", "community_id", "status", "period_end"),)
    set_id: Mapped[int] = mapped_column(ForeignKey("indicator_set.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # quarterly / annual / special / appraisal …
    subject_kind: Mapped[str] = mapped_column(String(12), nullable=False)
    subject_id: Mapped[int | None] = mapped_column(Integer)  # the community, user, activity … when it has a row
    subject_name: Mapped[str] = mapped_column(String(100), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    evaluator: Mapped[str] = mapped_column(String(64), nullable=False)
    total: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(10))
    findings: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id"))
    superseded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class EvaluationScore(Base):
    __tablename__ = "evaluation_score"
    __table_args__ = (UniqueConstraint("evaluation_id", "indicator_id", name="uq_evaluation_score_indicator"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), nullable=False,
                                               index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), nullable=False)
    score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)  # what the evaluator cites
    evidence_value: Mapped[float | None] = mapped_column(Float)  # the figure pre-filled from the ledgers
    evidence_link: Mapped[str | None] = mapped_column(String(300))  # page and query that list the records behind it


# --- the declarations (db.declarations) ------------------------------------------------------------

def action_overdue_clause(today: date):
    """Overdue is derived: not done and past its due day."""
    from sqlalchemy import and_

    return and_(ImprovementAction.status == "open", ImprovementAction.due < today)


def _action_order(today: date) -> list:
    from sqlalchemy import case

    return [case((action_overdue_clause(today), 0), (ImprovementAction.status == "open", 1), else_=2),
            ImprovementAction.due]


def _action_overdue_days(today: date):
    from sqlalchemy import case

    from db.sqldates import days_between

    return case((action_overdue_clause(today), days_between(today, ImprovementAction.due)), else_=None)


ACTION = Ledger(
    key="improvement_action", model=ImprovementAction, label="actn.action", default_sort="due",
    page="actions", parent="community_id", scope=Scope(), clean="services.actions:clean",
    locked="services.actions:locked",
    views=(View("open", "actn.view_open", lambda today: ImprovementAction.status == "open"),
           View("overdue", "actn.view_overdue", action_overdue_clause),
           View("to_verify", "actn.view_to_verify", lambda today: ImprovementAction.status == "done")),
    columns=(ListColumn("overdue_days", "actn.overdue_days", _action_overdue_days),),
    order=_action_order,
    workflow=Workflow(
        initial="open", states=ACTION_STATES, choices_key="actnstate",
        steps=(
            Step("done", "actn.mark_done", ("open",), "done", primary=True,
                 fields=(Field("result", "actn.result", type="longtext", required=True, max_length=2000),),
                 apply="services.actions:done"),
            # checked by someone else than the one who did it; a failed check sends it back
            Step("verify", "actn.verify", ("done",), "verified", action="verify", primary=True, form="actn.check",
                 fields=(Field("effect", "actn.effect", type="longtext", max_length=2000),),
                 guard="services.actions:not_own", apply="services.actions:verified"),
            Step("reopen", "actn.reopen", ("done",), "open", action="verify", form="actn.check",
                 fields=(Field("effect", "actn.effect", type="longtext", required=True, max_length=2000),),
                 guard="services.actions:not_own", apply="services.actions:reopened"),
        )),
    fields=(
        Field("title", "actn.title", required=True, max_length=200, search=True),
        Field("source", "actn.source", type="choice", choices=ACTION_SOURCES, choices_key="actnsource",
              required=True, filter=True),
        Field("community_id", "place.community", type="ref", ref="community", required=True, filter=True),
        Field("grid_id", "place.grid", type="ref", ref="grid", filter=True, list=False),
        Field("owner", "actn.owner", required=True, max_length=64, filter=True,
              choices_from="services.actions:owner_options"),
        Field("due", "actn.due", type="date", required=True),
        Field("status", "actn.status", type="choice", choices=ACTION_STATES, choices_key="actnstate", filter=True,
              editable=False),
        Field("detail", "actn.detail", type="longtext", max_length=2000, list=False),
        Field("done_on", "actn.done_on", type="date", editable=False, list=False),
        Field("result", "actn.result", type="longtext", editable=False, list=False),
        Field("verified_by", "actn.verified_by", editable=False, list=False),
        Field("effect", "actn.effect", type="longtext", editable=False, list=False),
    ),
)


# --- evaluations (services.assessments holds the hooks) ---------------------------------------------

EVALUATION_KINDS = ("quarterly", "annual", "special", "staff", "property", "activity", "drill", "selfcheck")


def _set_name(today: date):
    from sqlalchemy import select

    return select(IndicatorSet.name_zh + " v" + IndicatorSet.revision.cast(String)) \
        .where(IndicatorSet.id == Evaluation.set_id).scalar_subquery()


PERIOD_FILTERS = ("this_quarter", "last_quarter", "this_year", "last_year")


def period_clause(value: str, today: date):
    """The list's period filter: evaluations whose period ends within this or last quarter or year."""
    from sqlalchemy import and_

    from db.periods import period_of

    unit = "quarter" if value.endswith("quarter") else "year"
    start, end = period_of(today, unit, 1)
    if value.startswith("last"):
        start, end = period_of(start.fromordinal(start.toordinal() - 1), unit, 1)
    return and_(Evaluation.period_end >= start, Evaluation.period_end <= end)


def _evaluations_seen(actor) -> list:
    """A colleague's appraisal is not for every member of staff: staff see their own appraisals and
    the published evaluations of everything else; the leads and supervisors see all in scope."""
    from sqlalchemy import and_, or_

    if actor.role != "staff":
        return []
    own = and_(Evaluation.subject_kind == "staff", Evaluation.subject_id == actor.user_id)
    return [or_(own, and_(Evaluation.subject_kind != "staff", Evaluation.status == "published"))]


def _evaluator_name(today: date):
    """The evaluator's name (the stored value is the login name)."""
    from sqlalchemy import func, select

    from db.models.users import User

    return func.coalesce(select(User.display_name).where(User.username == Evaluation.evaluator)
                         .scalar_subquery(), Evaluation.evaluator)


EVALUATION = Ledger(
    key="evaluation", model=Evaluation, label="evl.evaluation", default_sort="period_end", descending=True,
    page="assessments", parent="community_id", scope=Scope(rule=_evaluations_seen),
    actions={"create": "create", "edit": "create", "delete": "create"},
    clean="services.assessments:clean", after_save="services.assessments:store_scores",
    locked="services.assessments:locked",
    views=(View("to_approve", "evl.view_to_approve", lambda today: Evaluation.status == "submitted"),
           View("current", "evl.view_current", lambda today: Evaluation.superseded.is_(False))),
    columns=(ListColumn("set_name", "evl.set", _set_name),
             ListColumn("evaluator_name", "evl.evaluator", _evaluator_name, search=True)),
    workflow=Workflow(
        initial="draft", states=EVALUATION_STATES, choices_key="evlstate",
        steps=(
            Step("submit", "evl.submit", ("draft", "returned"), "submitted", action="create", primary=True,
                 icon=":material/send:", guard="services.assessments:complete", apply="services.assessments:submitted"),
            # never approved or returned by the one who evaluated
            Step("approve", "evl.approve", ("submitted",), "approved", action="approve", primary=True,
                 form="evl.review", guard="services.assessments:not_own", apply="services.assessments:approved"),
            Step("return", "evl.return", ("submitted",), "returned", action="approve", form="evl.review",
                 fields=(Field("returned_reason", "evl.returned_reason", type="longtext", required=True,
                               max_length=2000),),
                 guard="services.assessments:not_own", apply="services.assessments:returned"),
            Step("publish", "evl.publish", ("approved",), "published", action="approve", primary=True,
                 icon=":material/campaign:", apply="services.assessments:published"),
        )),
    fields=(
        Field("kind", "evl.kind", type="choice", choices=EVALUATION_KINDS, choices_key="evlkind", required=True,
              filter=True),
        Field("set_id", "evl.set", type="int", required=True, list=False, export=False, create_only=True),
        Field("community_id", "place.community", type="ref", ref="community", required=True, filter=True,
              create_only=True),
        Field("subject_kind", "evl.subject_kind", type="choice", choices=SUBJECT_KINDS, choices_key="evlsubj",
              filter=True, editable=False),
        Field("subject_id", "evl.subject_id", type="int", list=False, export=False, create_only=True),
        Field("subject_name", "evl.subject", required=True, max_length=100, search=True, filter=False),
        Field("period_start", "evl.period_start", type="date", required=True),
        Field("period_end", "evl.period_end", type="date", required=True),
        Field("evaluator", "evl.evaluator", editable=False, list=False, export=False),
        Field("total", "evl.total", type="float", editable=False),
        Field("grade", "evl.grade", editable=False),
        Field("status", "evl.status", type="choice", choices=EVALUATION_STATES, choices_key="evlstate", filter=True,
              editable=False),
        Field("period", "evl.period", type="choice", choices=PERIOD_FILTERS, choices_key="evlperiod", filter=True,
              list=False, editable=False, column=False, where=period_clause, export=False),
        Field("findings", "evl.findings", type="longtext", max_length=4000, list=False),
        Field("returned_reason", "evl.returned_reason", type="longtext", editable=False, list=False),
        Field("approved_by", "evl.approved_by", editable=False, list=False),
        Field("supersedes_id", "evl.supersedes", type="int", editable=False, list=False),
        Field("superseded", "evl.superseded", type="bool", editable=False, list=False),
    ),
)
