"""Facilities, checklist templates (versioned), inspections with per-item results, photos,
and hazards with their rectification workflow."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import (Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, and_, case,
                        extract, func, or_, select)
from sqlalchemy.orm import Mapped, mapped_column

from db import reference
from db.base import Base, CommunityScoped, RecordMixin, utcnow
from db.declarations import Column, Field, Ledger, Scope, Step, View, Workflow
from db.models.users import User
from db.sqldates import days_between

FACILITY_STATUSES = ("正常", "待修", "停用")
RESULTS = ("合格", "不合格", "不适用")
SEVERITIES = ("一般", "重大")
RISK_LEVELS = ("低", "中", "高")
HAZARD_SOURCES = ("inspection", "patrol", "complaint", "tipoff", "drill", "evaluation", "campaign", "selfcheck")
HAZARD_STATES = ("found", "assigned", "rectifying", "awaiting", "closed")
ESCALATION_LEVELS = ("居委会", "街道", "相关部门")


@lru_cache(maxsize=1)
def checklist_reference() -> dict:
    return reference.load("checklists")["categories"]


def categories() -> tuple[str, ...]:
    return tuple(checklist_reference())


def facility_categories() -> tuple[str, ...]:
    return tuple(k for k, v in checklist_reference().items() if v.get("target", "facility") == "facility")


class ChecklistTemplate(RecordMixin, Base):
    """One version of a category's checklist. Editing makes a new version; inspections keep
    the wording they were done with (their items are copies)."""

    __tablename__ = "checklist_template"
    __table_args__ = (UniqueConstraint("category", "revision", name="uq_template_category_revision"),)
    category: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)  # the template's version: 1, 2, …
    name_zh: Mapped[str] = mapped_column(String(50), nullable=False)
    name_en: Mapped[str] = mapped_column(String(80), nullable=False)
    target: Mapped[str] = mapped_column(String(10), nullable=False, default="facility")  # facility / area
    rule_unit: Mapped[str] = mapped_column(String(10), nullable=False)
    rule_every: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ChecklistItem(Base):
    __tablename__ = "checklist_item"
    __table_args__ = (UniqueConstraint("template_id", "code", name="uq_checklist_item_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    text_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    text_en: Mapped[str] = mapped_column(String(300), nullable=False)
    severity: Mapped[str] = mapped_column(String(4), nullable=False, default="一般")


class Facility(CommunityScoped, RecordMixin, Base):
    __tablename__ = "facility"
    __table_args__ = (UniqueConstraint("community_id", "code", name="uq_facility_community_code"),
                      Index("ix_facility_scope", "community_id", "grid_id", "category"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(30), nullable=False)
    location: Mapped[str | None] = mapped_column(String(200))
    responsible_org: Mapped[str | None] = mapped_column(String(100))
    inspector: Mapped[str | None] = mapped_column(String(64))  # username of the person who checks it
    install_date: Mapped[date | None] = mapped_column(Date)
    expected_life_years: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(4), nullable=False, default="正常")
    note: Mapped[str | None] = mapped_column(Text)


class Photo(Base):
    """A stored image: content-addressed file under the data folder; the uploaded name is kept
    only as text, never used as a path."""

    __tablename__ = "photo"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    content_type: Mapped[str] = mapped_column(String(20), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    original_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class Inspection(CommunityScoped, RecordMixin, Base):
    __tablename__ = "inspection"
    __table_args__ = (Index("ix_inspection_facility_date", "facility_id", "inspected_on"),
                      Index("ix_inspection_scope_date", "community_id", "status", "inspected_on"),
                      Index("ix_inspection_grid_template", "grid_id", "template_id", "inspected_on"),
                      Index("ix_inspection_period", "community_id", "period_start", "facility_id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(30), nullable=False)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False)
    inspector: Mapped[str] = mapped_column(String(64), nullable=False)
    inspected_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")  # draft / submitted
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="app")  # app / paper
    overall: Mapped[str | None] = mapped_column(String(4))  # 合格 / 不合格
    items_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # summaries for the KPIs
    items_failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # the schedule period this check counts for (by the rule at submit time): the completion KPI
    # counts distinct (facility, period) pairs in SQL without recomputing periods per row
    period_start: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)


class InspectionItem(Base):
    __tablename__ = "inspection_item"
    __table_args__ = (Index("ix_inspection_item_result", "inspection_id", "result"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    text_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    text_en: Mapped[str] = mapped_column(String(300), nullable=False)
    severity: Mapped[str] = mapped_column(String(4), nullable=False)
    result: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))


class Hazard(CommunityScoped, RecordMixin, Base):
    __tablename__ = "hazard"
    __table_args__ = (Index("ix_hazard_scope_status", "community_id", "status", "deadline"),
                      UniqueConstraint("inspection_item_id", name="uq_hazard_inspection_item"),
                      Index("ix_hazard_source", "source", "source_id"))
    source: Mapped[str] = mapped_column(String(12), nullable=False)
    source_id: Mapped[int | None] = mapped_column(Integer)  # the drill, evaluation … that found it, if any
    inspection_item_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_item.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), nullable=False, index=True)
    category: Mapped[str] = mapped_column(String(30), nullable=False)
    severity: Mapped[str] = mapped_column(String(4), nullable=False)
    risk_level: Mapped[str] = mapped_column(String(2), nullable=False, default="中")
    description: Mapped[str] = mapped_column(Text, nullable=False)
    responsible: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(64))
    found_on: Mapped[date] = mapped_column(Date, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    measures: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="found")
    rectified_by: Mapped[str | None] = mapped_column(String(64))
    rectified_on: Mapped[date | None] = mapped_column(Date)
    reinspected_by: Mapped[str | None] = mapped_column(String(64))
    closed_on: Mapped[date | None] = mapped_column(Date)
    escalated_to: Mapped[str | None] = mapped_column(String(10))
    on_the_spot: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    photo_before_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))
    photo_after_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))


class HazardEvent(Base):
    """The hazard's timeline: every workflow step, who, when, a note and a photo."""

    __tablename__ = "hazard_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazard.id", ondelete="CASCADE"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    on: Mapped[date] = mapped_column(Date, nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    step: Mapped[str] = mapped_column(String(20), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photo.id"))




def renewal_due_clause(today: date):
    """A facility past its expected life, in SQL (SQLite and PostgreSQL alike): the anniversary
    install_date + life years has come. 29 February installs fall due on 28 February of a year
    that has no 29th (services.facilities.renewal_due is the same rule in Python)."""
    year = extract("year", Facility.install_date) + Facility.expected_life_years
    month_day = extract("month", Facility.install_date) * 100 + extract("day", Facility.install_date)
    leap = or_(and_(year % 4 == 0, year % 100 != 0), year % 400 == 0)
    month_day = case((and_(month_day == 229, ~leap), 228), else_=month_day)
    today_md = today.month * 100 + today.day
    return and_(Facility.install_date.is_not(None), func.coalesce(Facility.expected_life_years, 0) > 0,
                or_(year < today.year, and_(year == today.year, month_day <= today_md)))


FACILITY = Ledger(
    key="facility", model=Facility, label="fac.facility", default_sort="code",
    page="facilities", scope=Scope(grid="grid_id"), parent="grid_id", unique=(("code",),), import_key=("code",),
    views=(View("renewal", "fac.renewal_only", renewal_due_clause),),
    columns=(Column("renewal_due", "fac.renewal", lambda today: case((renewal_due_clause(today), True), else_=False)),),
    fields=(
        Field("code", "field.code", required=True, max_length=32, search=True, aliases=("设施编号", "编号", "设施编码")),
        Field("name", "field.name", required=True, max_length=100, search=True, aliases=("设施名称",)),
        Field("category", "fac.category", type="choice", choices=facility_categories(), choices_key="cat",
              required=True, filter=True, aliases=("设施类别", "设施类型", "类型")),
        Field("grid_id", "place.grid", type="ref", ref="grid", required=True, filter=True, aliases=("所属网格",)),
        Field("location", "fac.location", max_length=200, search=True, aliases=("安装位置", "地点")),
        Field("responsible_org", "fac.responsible", max_length=100, aliases=("管理单位", "维护单位")),
        Field("inspector", "fac.inspector", max_length=64, list=False),
        Field("install_date", "fac.install_date", type="date", list=False, past_only=True,
              aliases=("安装时间", "启用日期")),
        Field("expected_life_years", "fac.life", type="int", min_value=1, max_value=100, list=False,
              aliases=("使用年限", "设计年限")),
        Field("status", "fac.status", type="choice", choices=FACILITY_STATUSES, choices_key="facstatus",
              required=True, filter=True, aliases=("使用状态",),
              synonyms={"在用": "正常", "完好": "正常", "良好": "正常", "损坏": "待修", "维修中": "待修",
                        "报废": "停用", "停止使用": "停用"}),
        Field("note", "field.note", type="longtext", max_length=2000, list=False, aliases=("说明",)),
    ),
)

def overdue_clause(today: date):
    """Overdue is derived, never stored: open and past its deadline."""
    return and_(Hazard.status != "closed", Hazard.deadline < today)


def in_time_clause(today: date):
    """Open and not yet past its deadline (the chart's 未到期)."""
    return and_(Hazard.status != "closed", or_(Hazard.deadline.is_(None), Hazard.deadline >= today))


def hazard_order(today: date) -> list:
    """Every list of hazards, unless the user sorts it: the overdue first, 重大 first among them,
    then by deadline (the most overdue, the soonest due)."""
    return [case((overdue_clause(today), 0), else_=1), case((Hazard.severity == "重大", 0), else_=1),
            Hazard.deadline]


OPEN_STATES = ("found", "assigned", "rectifying", "awaiting")
_NOTE = Field("note", "haz.note", type="longtext", max_length=2000)

HAZARD = Ledger(
    key="hazard", model=Hazard, label="haz.hazard", default_sort="deadline",
    page="hazards", scope=Scope(grid="grid_id"), parent="grid_id",
    clean="services.hazards:clean", after_save="services.hazards:opened",
    views=(View("open", "haz.view_open", lambda today: Hazard.status != "closed"),
           View("in_time", "haz.view_in_time", in_time_clause),
           View("overdue", "haz.view_overdue", overdue_clause)),
    columns=(Column("overdue_days", "haz.overdue_days",
                    lambda today: case((overdue_clause(today), days_between(today, Hazard.deadline)), else_=None)),),
    order=hazard_order,
    workflow=Workflow(
        initial="found", states=HAZARD_STATES, choices_key="hstate",
        steps=(
            Step("assign", "haz.assign", ("found", "assigned", "rectifying"), "assigned", primary=True,
                 fields=(Field("owner", "haz.owner", required=True, max_length=64),
                         Field("deadline", "haz.deadline", type="date", required=True)),
                 apply="services.hazards:assigned"),
            Step("start", "haz.start", ("assigned",), "rectifying", apply="services.hazards:started",
                 icon=":material/construction:"),
            Step("rectified", "haz.rectified", ("assigned", "rectifying"), "awaiting", primary=True,
                 fields=(Field("measures", "haz.measures", type="longtext", required=True, max_length=2000),
                         Field("photo_after_id", "haz.photo_after", type="photo")),
                 apply="services.hazards:rectified"),
            # never re-inspected by the one who rectified it; a failure says why
            Step("reinspect_pass", "haz.pass", ("awaiting",), "closed", form="haz.reinspect", primary=True,
                 fields=(_NOTE,), guard="services.hazards:not_own_fix", apply="services.hazards:reinspected"),
            Step("reinspect_fail", "haz.fail", ("awaiting",), "rectifying", form="haz.reinspect",
                 fields=(Field("note", "haz.note", type="longtext", required=True, max_length=2000),),
                 guard="services.hazards:not_own_fix", apply="services.hazards:reinspected"),
            # 重大 only, by the leads: to the residents' committee, the sub-district or the authority
            Step("escalate", "haz.escalate", OPEN_STATES, None, action="escalate", icon=":material/campaign:",
                 fields=(Field("level", "haz.escalate_to", type="choice", choices=ESCALATION_LEVELS,
                               choices_key="level", required=True),
                         Field("note", "haz.note", max_length=200)),
                 guard="services.hazards:major_only", apply="services.hazards:escalated"),
        )),
    fields=(
        Field("description", "haz.description", type="longtext", required=True, max_length=2000, search=True),
        Field("category", "fac.category", type="choice", choices=categories(), choices_key="cat", required=True,
              filter=True),
        Field("severity", "haz.severity", type="choice", choices=SEVERITIES, choices_key="severity", required=True,
              filter=True),
        Field("risk_level", "haz.risk", type="choice", choices=RISK_LEVELS, choices_key="risk", required=True,
              list=False),
        Field("source", "haz.source", type="choice", choices=HAZARD_SOURCES, choices_key="hsource", required=True),
        Field("facility_id", "fac.facility", type="ref", ref="facility", list=False),
        Field("grid_id", "place.grid", type="ref", ref="grid", required=True, filter=True),
        Field("responsible", "haz.responsible", max_length=100, search=True),
        Field("found_on", "haz.found_on", type="date", required=True, past_only=True),
        Field("deadline", "haz.deadline", type="date"),
        Field("status", "haz.status", type="choice", choices=HAZARD_STATES, choices_key="hstate", filter=True,
              editable=False),
        Field("owner", "haz.owner", editable=False),
        Field("escalated_to", "haz.escalated", type="choice", choices=ESCALATION_LEVELS, choices_key="level",
              editable=False),
        Field("on_the_spot", "haz.on_the_spot", type="bool", list=False),
        Field("photo_before_id", "haz.photo_before", type="photo", list=False, export=False),
    ),
)


def _inspector_name(today: date):
    return func.coalesce(select(User.display_name).where(User.username == Inspection.inspector)
                         .scalar_subquery(), Inspection.inspector)


def _facility_name(today: date):
    return select(Facility.code + " " + Facility.name).where(Facility.id == Inspection.facility_id).scalar_subquery()


def _submitted(actor) -> list:
    """The register holds submitted inspections; a draft is its inspector's, in the runner."""
    return [Inspection.status == "submitted"]


# Read-only: inspections are made by the runner (services.inspections), listed here.
INSPECTION = Ledger(
    key="inspection", model=Inspection, label="insp.inspection", default_sort="inspected_on", descending=True,
    page="inspections", scope=Scope(grid="grid_id", rule=_submitted),
    columns=(Column("facility", "insp.facility", _facility_name, search=True),
             Column("inspector_name", "insp.inspector", _inspector_name, search=True)),
    fields=(
        Field("inspected_on", "insp.date", type="date", required=True),
        Field("category", "insp.category", type="choice", choices=categories(), choices_key="cat", required=True,
              filter=True),
        Field("facility_id", "insp.facility", type="ref", ref="facility", list=False, export=False),
        Field("grid_id", "insp.area", type="ref", ref="grid", required=True, filter=True),
        Field("inspector", "insp.inspector", list=False, export=False),
        Field("overall", "insp.overall", type="choice", choices=("合格", "不合格"), choices_key="result", filter=True),
        Field("items_failed", "insp.failed", type="int"),
        Field("source", "insp.source", type="choice", choices=("app", "paper"), choices_key="inspsource", filter=True),
    ),
)
