"""Volunteers, their teams, activities (planned → announced → held → evaluated, the evaluation
kept on the activity) and the volunteer log (logged by the volunteer → verified or rejected by
staff), and their declarations for the ledger engine."""
from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text,
                        Time, and_, case, cast, false, func, select)
from sqlalchemy.orm import Mapped, mapped_column

from db import reference
from db.base import Base, CommunityScoped, RecordMixin, utcnow
from db.declarations import FIELD_WORKERS, NOBODY, Field, Ledger, Scope, Step, View, Workflow
from db.declarations import Column as ListColumn
from db.sortkey import MAX_LENGTH, insert_default, keep_pinyin

ACTIVITY_STATES = ("planned", "announced", "held", "evaluated")
LOG_STATES = ("logged", "verified", "rejected")


@lru_cache(maxsize=1)
def vocab() -> dict:
    return reference.load("volunteering")


class Team(CommunityScoped, RecordMixin, Base):
    __tablename__ = "team"
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    team_type: Mapped[str] = mapped_column(String(10), nullable=False)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    leader_name: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(Text)


class Volunteer(CommunityScoped, RecordMixin, Base):
    __tablename__ = "volunteer"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    name_pinyin: Mapped[str | None] = mapped_column(String(MAX_LENGTH), default=insert_default("name"))  # db.sortkey
    phone: Mapped[str | None] = mapped_column(String(30))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(20))
    skills: Mapped[str | None] = mapped_column(String(200))
    joined_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
    leaderboard: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # opt-in


keep_pinyin(Volunteer, "name")


activity_photo = Table(
    "activity_photo", Base.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photo.id"), primary_key=True),
)


class Activity(CommunityScoped, RecordMixin, Base):
    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_scope_date", "community_id", "activity_date"),)
    theme: Mapped[str] = mapped_column(String(100), nullable=False)
    activity_type: Mapped[str] = mapped_column(String(10), nullable=False)
    activity_date: Mapped[date] = mapped_column(Date, nullable=False)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(100), nullable=False)
    organiser: Mapped[str] = mapped_column(String(50), nullable=False)
    target_turnout: Mapped[int] = mapped_column(Integer, nullable=False)
    actual_turnout: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[float | None] = mapped_column(Float)
    notice_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="planned")
    org_score: Mapped[int | None] = mapped_column(Integer)  # evaluation: organisation 1–5
    satisfaction: Mapped[float | None] = mapped_column(Float)  # evaluation: % satisfied
    evaluation_note: Mapped[str | None] = mapped_column(Text)
    evaluated_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class VolunteerLog(CommunityScoped, RecordMixin, Base):
    __tablename__ = "volunteer_log"
    __table_args__ = (
        # covering index for the hours aggregates (STACK-NOTES §9)
        Index("ix_volunteer_log_cover", "community_id", "status", "log_date", "volunteer_id", "hours"),
        Index("ix_volunteer_log_volunteer_date", "volunteer_id", "log_date"),
        # hours across every community; deleted_at too, so the sum never leaves the index
        Index("ix_volunteer_log_status_date", "status", "log_date", "hours", "deleted_at"),
    )
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), nullable=False)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    log_date: Mapped[date] = mapped_column(Date, nullable=False)
    hours: Mapped[float] = mapped_column(Float, nullable=False)
    role: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="logged")
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(200))


# --- the declarations (db.declarations): the ledger engine lists, saves, moves and exports these ---

def _public_only(actor) -> list:
    """Volunteers see public activities only: a planned one is not announced yet."""
    return [Activity.status != "planned"] if actor.role == "volunteer" else []


def _own_entries(actor) -> list:
    """A volunteer's log: the entries of the register entry linked to their sign-in account (an
    actor without an account has none: ``user_id = NULL`` would match every unlinked entry)."""
    if actor.user_id is None:
        return [false()]
    mine = select(Volunteer.id).where(Volunteer.user_id == actor.user_id, Volunteer.deleted_at.is_(None))
    return [VolunteerLog.volunteer_id.in_(mine)]


def _members(today):
    """A team's active members, counted in SQL for its list."""
    return (select(func.count()).where(Volunteer.team_id == Team.id, Volunteer.deleted_at.is_(None),
                                       Volunteer.status == "active").correlate(Team).scalar_subquery())


def _hours_this_year(today):
    """A volunteer's verified hours of this calendar year."""
    return (select(func.coalesce(func.sum(VolunteerLog.hours), 0)).where(
        VolunteerLog.volunteer_id == Volunteer.id, VolunteerLog.status == "verified",
        VolunteerLog.deleted_at.is_(None), VolunteerLog.log_date >= date(today.year, 1, 1),
        VolunteerLog.log_date <= date(today.year, 12, 31)).correlate(Volunteer).scalar_subquery())


def _waiting(today):
    """A volunteer's entries waiting for verification."""
    return (select(func.count()).where(VolunteerLog.volunteer_id == Volunteer.id, VolunteerLog.status == "logged",
                                       VolunteerLog.deleted_at.is_(None)).correlate(Volunteer).scalar_subquery())


def _turnout_rate(today):
    """Turnout as a percentage of the target, once recorded."""
    rate = cast(100.0 * Activity.actual_turnout, Float) / Activity.target_turnout
    return case((and_(Activity.actual_turnout.is_not(None), Activity.target_turnout > 0), rate), else_=None)


def _volunteer_name(today):
    return select(Volunteer.name).where(Volunteer.id == VolunteerLog.volunteer_id).correlate(VolunteerLog) \
        .scalar_subquery()


def _activity_theme(today):
    return select(Activity.theme).where(Activity.id == VolunteerLog.activity_id).correlate(VolunteerLog) \
        .scalar_subquery()


def _stamp_verifier(ctx, entry, values) -> dict:
    return {"verified_by": ctx.actor.username, "verified_at": utcnow()}


COMMUNITY_FIELD = Field("community_id", "place.community", type="ref", ref="community", required=True, list=False)

TEAM = Ledger(
    key="team", model=Team, label="vol.team", default_sort="name", page="volunteers", parent="community_id",
    actions={"create": "edit"}, clean="services.volunteers:check_team",
    columns=(ListColumn("members", "vol.members", _members),),
    fields=(
        COMMUNITY_FIELD,
        Field("name", "field.name", required=True, max_length=50, search=True),
        Field("team_type", "vol.team_type", type="choice", choices=tuple(vocab()["team_types"]),
              choices_key="teamtype", required=True, filter=True),
        Field("grid_id", "place.grid", type="ref", ref="grid"),
        Field("leader_name", "vol.leader", max_length=50),
        Field("note", "field.note", type="longtext", max_length=1000, list=False),
    ),
)

VOLUNTEER = Ledger(
    key="volunteer", model=Volunteer, label="vol.volunteer", default_sort="name", page="volunteers",
    parent="community_id", actions={"create": "edit"}, clean="services.volunteers:check_volunteer",
    columns=(ListColumn("hours_year", "vol.hours_year", _hours_this_year), ListColumn("pending", "vol.pending", _waiting)),
    fields=(
        COMMUNITY_FIELD,
        Field("name", "res.name", required=True, max_length=50, search=True),
        Field("phone", "res.phone", max_length=30, personal=True, sees=FIELD_WORKERS, mask="phone"),
        Field("team_id", "vol.team", type="ref", ref="team", filter=True),
        Field("position", "vol.position", type="choice", choices=tuple(vocab()["positions"]), choices_key="position"),
        Field("skills", "vol.skills", max_length=200, search=True),
        Field("joined_on", "vol.joined", type="date", required=True),
        Field("status", "vol.status", type="choice", choices=("active", "inactive"), choices_key="volstatus",
              required=True, filter=True),
        Field("user_id", "vol.account", type="ref", ref="user", list=False),
        Field("resident_id", "vol.resident", type="ref", ref="resident", list=False),
        Field("leaderboard", "vol.leaderboard", type="bool", list=False),
    ),
)

ACTIVITY = Ledger(
    key="activity", model=Activity, label="act.activity", default_sort="activity_date", page="activities",
    parent="community_id", scope=Scope(rule=_public_only), clean="services.activities:clean",
    views=(View("upcoming", "act.upcoming", lambda today: Activity.activity_date >= today),
           View("past", "act.past", lambda today: Activity.activity_date < today)),
    columns=(ListColumn("turnout_rate", "act.turnout_rate", _turnout_rate),),
    workflow=Workflow(
        initial="planned", states=ACTIVITY_STATES, choices_key="actstate",
        steps=(
            Step("announce", "act.announce", ("planned",), "announced", icon=":material/campaign:", primary=True,
                 fields=(Field("notice_date", "act.notice_date", type="date", required=True, past_only=True),),
                 apply="services.activities:announce", done="act.announced"),
            Step("held", "act.held", ("planned", "announced"), "held", icon=":material/how_to_reg:",
                 fields=(Field("actual_turnout", "act.turnout", type="int", required=True, min_value=0,
                               max_value=100_000),),
                 guard="services.activities:happened", apply="services.activities:held", done="act.held_saved"),
            Step("evaluate", "act.evaluate", ("held",), "evaluated", icon=":material/grading:",
                 fields=(Field("org_score", "act.org_score", type="int", required=True, min_value=1, max_value=5),
                         Field("satisfaction", "act.satisfaction", type="float", min_value=0, max_value=100),
                         Field("evaluation_note", "act.eval_note", type="longtext", max_length=2000)),
                 apply="services.activities:evaluated", done="act.evaluated"),
        )),
    fields=(
        COMMUNITY_FIELD,
        Field("theme", "act.theme", required=True, max_length=100, search=True),
        Field("activity_type", "act.type", type="choice", choices=tuple(vocab()["activity_types"]),
              choices_key="acttype", required=True, filter=True),
        Field("activity_date", "act.date", type="date", required=True),
        Field("start_time", "act.start", type="time", list=False),
        Field("end_time", "act.end", type="time", list=False),
        Field("place", "act.place", required=True, max_length=100, search=True),
        Field("organiser", "act.organiser", required=True, max_length=50),
        Field("target_turnout", "act.target", type="int", required=True, min_value=1, max_value=100_000),
        Field("budget", "act.budget", type="float", min_value=0, max_value=10_000_000, list=False),
        Field("note", "field.note", type="longtext", max_length=2000, list=False),
        Field("status", "act.status", type="choice", choices=ACTIVITY_STATES, choices_key="actstate", filter=True,
              editable=False),
        Field("notice_date", "act.notice_date", type="date", editable=False, list=False),
        Field("actual_turnout", "act.turnout", type="int", editable=False),
        Field("org_score", "act.org_score", type="int", editable=False, list=False),
        Field("satisfaction", "act.satisfaction", type="float", editable=False, list=False),
        Field("evaluation_note", "act.eval_note", type="longtext", editable=False, list=False),
    ),
)

# A volunteer's own hours (pages/volunteering/my_hours.py): their entries only, written by them
# while waiting for verification; a verified or rejected entry is locked.
MY_HOURS = Ledger(
    key="my_hours", model=VolunteerLog, label="page.my-hours", default_sort="log_date", descending=True,
    page="my-hours", actions={"edit": "create", "delete": "create"},
    scope=Scope(rule=_own_entries), clean="services.volunteers:check_entry",
    locked=lambda ctx, entry: "err.vol_locked" if entry.status != "logged" else None,
    order=lambda today: [VolunteerLog.log_date.desc(), VolunteerLog.id.desc()],
    columns=(ListColumn("activity", "act.activity", _activity_theme),),
    fields=(
        Field("log_date", "my.date", type="date", required=True, past_only=True),
        Field("activity_id", "my.activity", type="ref", ref="activity"),
        Field("hours", "my.hours", type="float", required=True),
        Field("role", "my.role", type="choice", choices=tuple(vocab()["roles"]), choices_key="volrole"),
        Field("note", "my.note", max_length=200),
        Field("status", "vol.status", type="choice", choices=LOG_STATES, choices_key="logstatus", editable=False),
        Field("reject_reason", "vol.reason", editable=False),
    ),
)

# The same entries as staff see them (pages/volunteering/volunteers.py): verified or rejected
# with a reason, a step each. Staff do not write a volunteer's hours: NOBODY is no matrix action.
VOLUNTEER_LOG = Ledger(
    key="volunteer_log", model=VolunteerLog, label="vol.log", default_sort="log_date", page="volunteers",
    actions={a: NOBODY for a in ("create", "edit", "delete", "export")},
    columns=(ListColumn("volunteer", "vol.volunteer", _volunteer_name), ListColumn("activity", "act.activity", _activity_theme)),
    workflow=Workflow(
        initial="logged", states=LOG_STATES, choices_key="logstatus",
        steps=(
            Step("verify", "vol.approve", ("logged",), "verified", action="verify", apply=_stamp_verifier,
                 icon=":material/task_alt:", primary=True),
            Step("reject", "vol.reject", ("logged",), "rejected", action="verify", apply=_stamp_verifier,
                 fields=(Field("reject_reason", "vol.reason", required=True, max_length=200),)),
        )),
    fields=(
        Field("volunteer_id", "vol.volunteer", type="ref", ref="volunteer", filter=True, editable=False, list=False),
        Field("log_date", "my.date", type="date", editable=False),
        Field("hours", "my.hours", type="float", editable=False),
        Field("activity_id", "act.activity", type="ref", ref="activity", editable=False, list=False),
        Field("role", "my.role", type="choice", choices=tuple(vocab()["roles"]), choices_key="volrole",
              editable=False),
        Field("note", "my.note", editable=False),
        Field("status", "vol.status", type="choice", choices=LOG_STATES, choices_key="logstatus", filter=True,
              editable=False),
        Field("verified_by", "my.verified_by", editable=False, list=False),
        Field("reject_reason", "vol.reason", editable=False),
    ),
)
