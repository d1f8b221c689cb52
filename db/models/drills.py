"""Emergency plans (应急预案) and drills (应急演练): the plans with their versions and attached
files, the drills (planned → held → evaluated) with their scores on the drill indicator set,
their photos, and the drill obligations as rules (data, like the checklists' rules).

The tables and the declarations for the ledger engine; the hooks live in ``services.plans`` and
``services.drills``, the obligations in ``services.drill_schedule``.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text,
                        Time, UniqueConstraint, and_, case, or_)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CommunityScoped, RecordMixin, utcnow
from db.declarations import Column as ListColumn
from db.declarations import Field, Ledger, Scope, Step, View, Workflow

PLAN_TYPES = ("自然灾害", "安全事故", "公共卫生", "社会安全")
PLAN_STATES = ("current", "superseded")
DRILL_TYPES = ("消防", "应急疏散", "防汛", "地震", "燃气泄漏", "电梯困人", "公共卫生", "综合")
DRILL_MODES = ("桌面推演", "实战")
DRILL_STATES = ("planned", "held", "evaluated", "cancelled")
# who took part, one count column each (n_<group>)
GROUPS = ("staff", "residents", "volunteers", "property", "police")
RATINGS = ("优", "良", "中", "差")
# the drill evaluation's dimensions: the codes of the "drill_evaluation" indicator set
# (db/reference/assessments.yaml), one score field "score_<code>" (1–5) in the evaluate step
SCORE_CODES = ("plan", "response", "command", "evacuation", "equipment", "skills", "comms")
RULE_KINDS = ("drill_type", "plan_type")  # a rule on one drill type, or on the drills testing a plan type
RULE_APPLIES = ("all", "key_unit")  # every community, or the communities that are fire-safety key units
RULE_UNITS = ("month", "quarter", "year")
PLAN_SOON_DAYS = 30  # a plan whose revision date is this close is listed as due for revision


class Attachment(Base):
    """A stored document (a plan's PDF or Word file): content-addressed under the data folder like
    a photo; the uploaded name is kept only as text, never used as a path."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    original_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class EmergencyPlan(CommunityScoped, RecordMixin, Base):
    """One version of a plan. A revision is a new row (``revision`` + 1, ``supersedes_id`` the old
    one), the old row kept with status "superseded". A drill that found the plan wanting flags the
    current version (``needs_revision``, which drill, why, when)."""

    __tablename__ = "emergency_plan"
    __table_args__ = (Index("ix_emergency_plan_scope", "community_id", "status", "plan_type"),)
    plan_type: Mapped[str] = mapped_column(String(8), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # 版本号 (``version`` is the lock)
    effective_on: Mapped[date] = mapped_column(Date, nullable=False)
    applies_to: Mapped[str | None] = mapped_column(Text)  # 适用范围
    duties: Mapped[str | None] = mapped_column(Text)  # 组织机构与职责
    response_levels: Mapped[str | None] = mapped_column(Text)  # 响应分级
    contacts: Mapped[str | None] = mapped_column(Text)  # 应急联络
    revise_by: Mapped[date] = mapped_column(Date, nullable=False)  # next revision date
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="current")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_plan.id"))
    revision_note: Mapped[str | None] = mapped_column(Text)  # what this version changed
    needs_revision: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    flagged_by_drill_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the drill (no FK: drill → plan)
    flag_reason: Mapped[str | None] = mapped_column(Text)
    flagged_on: Mapped[date | None] = mapped_column(Date)


class Drill(CommunityScoped, RecordMixin, Base):
    """A drill: planned (type, mode, the plan it tests, scenario, date, place, organiser, groups
    invited), held (the day, start and end → duration, evacuation minutes, participants by group,
    equipment, a timeline, photos), evaluated (scores per dimension → total and rating, problems,
    whether the plan needs revision)."""

    __tablename__ = "drill"
    __table_args__ = (Index("ix_drill_scope_planned", "community_id", "status", "planned_on"),
                      Index("ix_drill_scope_held", "community_id", "drill_type", "held_on"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    drill_type: Mapped[str] = mapped_column(String(8), nullable=False)
    mode: Mapped[str] = mapped_column(String(6), nullable=False)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("emergency_plan.id"), index=True)
    scenario: Mapped[str | None] = mapped_column(Text)
    objectives: Mapped[str | None] = mapped_column(Text)
    planned_on: Mapped[date] = mapped_column(Date, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False)
    organiser: Mapped[str] = mapped_column(String(50), nullable=False)
    invited: Mapped[str | None] = mapped_column(Text)  # JSON list of GROUPS
    held_on: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)  # derived: end − start
    evacuation_minutes: Mapped[float | None] = mapped_column(Float)  # evacuation or assembly time
    n_staff: Mapped[int | None] = mapped_column(Integer)
    n_residents: Mapped[int | None] = mapped_column(Integer)
    n_volunteers: Mapped[int | None] = mapped_column(Integer)
    n_property: Mapped[int | None] = mapped_column(Integer)
    n_police: Mapped[int | None] = mapped_column(Integer)
    equipment: Mapped[str | None] = mapped_column(Text)
    timeline: Mapped[str | None] = mapped_column(Text)  # one step a line: "HH:MM what happened"
    total: Mapped[float | None] = mapped_column(Float)  # 0–100 from the weighted scores
    rating: Mapped[str | None] = mapped_column(String(2))  # 优/良/中/差 from the total
    problems: Mapped[str | None] = mapped_column(Text)
    plan_needs_revision: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    revision_reason: Mapped[str | None] = mapped_column(Text)
    evaluated_by: Mapped[str | None] = mapped_column(String(64))
    evaluated_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="planned")


drill_photo = Table(
    "drill_photo", Base.metadata,
    Column("drill_id", ForeignKey("drill.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photo.id"), primary_key=True),
)


class DrillScore(Base):
    """One dimension's score of an evaluated drill, on the indicator of the drill set it was
    evaluated with (so a later version of the set leaves old scores readable)."""

    __tablename__ = "drill_score"
    __table_args__ = (UniqueConstraint("drill_id", "indicator_id", name="uq_drill_score_indicator"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drill.id", ondelete="CASCADE"), nullable=False, index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)


class DrillRule(RecordMixin, Base):
    """A drill obligation: at least one drill of ``value`` (a drill type, or drills testing a plan of
    that type) every ``rule_every`` ``rule_unit``, in every community or in the fire-safety key
    units only (where a key-unit row replaces the row for all). Seeded; an admin edits them."""

    __tablename__ = "drill_rule"
    __table_args__ = (UniqueConstraint("kind", "value", "applies", name="uq_drill_rule_kind_value_applies"),)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[str] = mapped_column(String(8), nullable=False)
    applies: Mapped[str] = mapped_column(String(8), nullable=False, default="all")
    rule_unit: Mapped[str] = mapped_column(String(8), nullable=False)
    rule_every: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    note: Mapped[str | None] = mapped_column(String(200))


# --- plans: the declaration (services.plans holds the hooks) ------------------------------------------

def plan_due_clause(today: date):
    """Due for revision: a current version flagged by a drill, or whose revision date is past or near."""
    return and_(EmergencyPlan.status == "current",
                or_(EmergencyPlan.needs_revision.is_(True),
                    EmergencyPlan.revise_by <= today + timedelta(days=PLAN_SOON_DAYS)))


def _revision_due(today: date):
    """The day the revision is due: the day a drill flagged it, else the revision date."""
    return case((EmergencyPlan.needs_revision.is_(True), EmergencyPlan.flagged_on), else_=EmergencyPlan.revise_by)


PLAN_DUE_STATES = ("ok", "soon", "overdue", "flagged")


def _revision_state(today: date):
    return case((EmergencyPlan.status != "current", None),
                (EmergencyPlan.needs_revision.is_(True), "flagged"),
                (EmergencyPlan.revise_by < today, "overdue"),
                (EmergencyPlan.revise_by <= today + timedelta(days=PLAN_SOON_DAYS), "soon"), else_="ok")


PLAN = Ledger(
    key="emergency_plan", model=EmergencyPlan, label="plan.plan", default_sort="plan_type", page="plans",
    parent="community_id", scope=Scope(), clean="services.plans:clean", after_save="services.plans:saved",
    locked="services.plans:locked",
    views=(View("current", "plan.view_current", lambda today: EmergencyPlan.status == "current"),
           View("due", "plan.view_due", plan_due_clause),
           View("superseded", "plan.view_superseded", lambda today: EmergencyPlan.status == "superseded")),
    columns=(ListColumn("revision_due", "plan.revision_due", _revision_due, sortable=True),
             ListColumn("revision_state", "plan.revision_state", _revision_state, choices_key="planrev",
                        export=False)),
    fields=(
        Field("community_id", "place.community", type="ref", ref="community", required=True, filter=True,
              create_only=True),
        Field("plan_type", "plan.type", type="choice", choices=PLAN_TYPES, choices_key="plantype", required=True,
              filter=True),
        Field("title", "plan.title", required=True, max_length=200, search=True),
        Field("revision", "plan.revision", type="int", editable=False),
        Field("effective_on", "plan.effective_on", type="date", required=True),
        Field("revise_by", "plan.revise_by", type="date", required=True),
        Field("applies_to", "plan.applies_to", type="longtext", max_length=2000, list=False),
        Field("duties", "plan.duties", type="longtext", max_length=4000, list=False),
        Field("response_levels", "plan.response_levels", type="longtext", max_length=4000, list=False),
        Field("contacts", "plan.contacts", type="longtext", max_length=2000, list=False),
        Field("revision_note", "plan.revision_note", type="longtext", max_length=2000, list=False),
        Field("attachment_id", "plan.attachment", type="int", list=False, export=False, importable=False,
              editable=False),
        Field("status", "plan.status", type="choice", choices=PLAN_STATES, choices_key="planstate", filter=True,
              editable=False),
        Field("needs_revision", "plan.needs_revision", type="bool", editable=False, list=False),
        Field("flag_reason", "plan.flag_reason", type="longtext", editable=False, list=False),
        Field("flagged_on", "plan.flagged_on", type="date", editable=False, list=False),
        # the revision state is an SQL column (above): this gives it a filter and its labels
        Field("revision_state", "plan.revision_state", type="choice", choices=PLAN_DUE_STATES, choices_key="planrev",
              column=False, editable=False, filter=True),
    ),
)


# --- drills: the declaration (services.drills holds the hooks) ----------------------------------------

def _participants(today: date):
    from sqlalchemy import func

    return sum(func.coalesce(getattr(Drill, f"n_{g}"), 0) for g in GROUPS)


def _plan_title(today: date):
    from sqlalchemy import select

    return select(EmergencyPlan.title + " v" + EmergencyPlan.revision.cast(String)) \
        .where(EmergencyPlan.id == Drill.plan_id).scalar_subquery()


def _drill_order(today: date) -> list:
    """Planned ones first (the nearest first), then the held and evaluated, the latest first."""
    return [case((Drill.status == "planned", 0), (Drill.status == "held", 1), else_=2),
            case((Drill.status == "planned", Drill.planned_on), else_=None),
            Drill.planned_on.desc()]


_COUNT = dict(type="int", min_value=0, max_value=100_000)

DRILL = Ledger(
    key="drill", model=Drill, label="drl.drill", default_sort="planned_on", descending=True, page="drills",
    parent="community_id", scope=Scope(), clean="services.drills:clean", fill="services.drills:fill",
    locked="services.drills:locked",
    views=(View("planned", "drl.view_planned", lambda today: Drill.status == "planned"),
           View("to_evaluate", "drl.view_to_evaluate", lambda today: Drill.status == "held"),
           View("evaluated", "drl.view_evaluated", lambda today: Drill.status == "evaluated"),
           View("late", "drl.view_late", lambda today: and_(Drill.status == "planned", Drill.planned_on < today))),
    columns=(ListColumn("participants", "drl.participants", _participants),
             ListColumn("plan_title", "drl.plan", _plan_title, search=True)),
    order=_drill_order,
    workflow=Workflow(
        initial="planned", states=DRILL_STATES, choices_key="drlstate",
        steps=(
            Step("held", "drl.record", ("planned",), "held", icon=":material/how_to_reg:", primary=True,
                 fields=(Field("held_on", "drl.held_on", type="date", required=True, past_only=True),
                         Field("start_time", "drl.start", type="time", required=True),
                         Field("end_time", "drl.end", type="time", required=True),
                         Field("evacuation_minutes", "drl.evacuation", type="float", min_value=0, max_value=1440),
                         *(Field(f"n_{g}", f"drlgroup.{g}", **_COUNT) for g in GROUPS),
                         Field("equipment", "drl.equipment", type="longtext", max_length=2000),
                         Field("timeline", "drl.timeline", type="longtext", max_length=4000,
                               help="drl.timeline_help")),
                 apply="services.drills:held", done="drl.held_saved"),
            Step("evaluate", "drl.evaluate", ("held",), "evaluated", action="evaluate", icon=":material/grading:",
                 primary=True,
                 fields=(*(Field(f"score_{c}", f"drlscore.{c}", type="int", required=True, min_value=1, max_value=5)
                           for c in SCORE_CODES),
                         Field("problems", "drl.problems", type="longtext", max_length=4000),
                         Field("plan_needs_revision", "drl.plan_needs_revision", type="bool"),
                         Field("revision_reason", "drl.revision_reason", type="longtext", max_length=2000)),
                 apply="services.drills:evaluated", done="drl.evaluated"),
            Step("cancel", "drl.cancel", ("planned",), "cancelled", icon=":material/event_busy:",
                 fields=(Field("cancel_reason", "drl.cancel_reason", type="longtext", required=True,
                               max_length=2000),),
                 apply="services.drills:cancelled"),
        )),
    fields=(
        Field("community_id", "place.community", type="ref", ref="community", required=True, filter=True,
              list=False, create_only=True),
        Field("title", "drl.title", required=True, max_length=200, search=True),
        Field("drill_type", "drl.type", type="choice", choices=DRILL_TYPES, choices_key="drltype", required=True,
              filter=True),
        Field("mode", "drl.mode", type="choice", choices=DRILL_MODES, choices_key="drlmode", required=True,
              filter=True),
        Field("plan_id", "drl.plan", type="ref", ref="emergency_plan", list=False),
        Field("planned_on", "drl.planned_on", type="date", required=True),
        Field("place", "drl.place", required=True, max_length=200, search=True),
        Field("organiser", "drl.organiser", required=True, max_length=50),
        Field("invited", "drl.invited", type="multichoice", choices=GROUPS, choices_key="drlgroup", list=False),
        Field("scenario", "drl.scenario", type="longtext", max_length=4000, list=False),
        Field("objectives", "drl.objectives", type="longtext", max_length=4000, list=False),
        Field("status", "drl.status", type="choice", choices=DRILL_STATES, choices_key="drlstate", filter=True,
              editable=False),
        Field("held_on", "drl.held_on", type="date", editable=False),
        Field("start_time", "drl.start", type="time", editable=False, list=False),
        Field("end_time", "drl.end", type="time", editable=False, list=False),
        Field("duration_minutes", "drl.duration", type="int", editable=False, list=False),
        Field("evacuation_minutes", "drl.evacuation", type="float", editable=False),
        *(Field(f"n_{g}", f"drlgroup.{g}", type="int", editable=False, list=False) for g in GROUPS),
        Field("equipment", "drl.equipment", type="longtext", editable=False, list=False),
        Field("timeline", "drl.timeline", type="longtext", editable=False, list=False),
        Field("total", "drl.total", type="float", editable=False),
        Field("rating", "drl.rating", type="choice", choices=RATINGS, choices_key="drlrating", editable=False,
              filter=True),
        Field("problems", "drl.problems", type="longtext", editable=False, list=False),
        Field("plan_needs_revision", "drl.plan_needs_revision", type="bool", editable=False, list=False),
        Field("revision_reason", "drl.revision_reason", type="longtext", editable=False, list=False),
        Field("evaluated_by", "drl.evaluated_by", editable=False, list=False),
        Field("evaluated_on", "drl.evaluated_on", type="date", editable=False, list=False),
        Field("cancel_reason", "drl.cancel_reason", type="longtext", editable=False, list=False),
    ),
)


# --- drill obligations: the rules, edited by the admin on the drills page ------------------------------

DRILL_RULE = Ledger(
    key="drill_rule", model=DrillRule, label="drlrule.rule", default_sort="kind", page="drills",
    scope=Scope(community=None), unique=(("kind", "value", "applies"),), clean="services.drill_schedule:clean_rule",
    actions={"create": "rules", "edit": "rules", "delete": "rules", "export": "rules", "import": "rules"},
    fields=(
        Field("kind", "drlrule.kind", type="choice", choices=RULE_KINDS, choices_key="drlrulekind", required=True,
              filter=True),
        # a drill type or a plan type (which, by ``kind``: the clean hook checks it)
        Field("value", "drlrule.value", required=True, max_length=8),
        Field("applies", "drlrule.applies", type="choice", choices=RULE_APPLIES, choices_key="drlruleapplies",
              required=True),
        Field("rule_unit", "drlrule.unit", type="choice", choices=RULE_UNITS, choices_key="drlruleunit",
              required=True),
        Field("rule_every", "drlrule.every", type="int", required=True, min_value=1, max_value=24),
        Field("active", "drlrule.active", type="bool"),
        Field("note", "field.note", max_length=200, list=False),
    ),
)

__all__ = ["Attachment", "EmergencyPlan", "Drill", "DrillScore", "DrillRule", "drill_photo", "PLAN", "DRILL",
           "DRILL_RULE"]
