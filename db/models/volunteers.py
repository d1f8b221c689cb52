"""Volunteers, their teams, activities (planned → announced → held → evaluated, the evaluation
kept on the activity) and the volunteer log (logged by the volunteer → verified by staff)."""
from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text,
                        Time)
from sqlalchemy.orm import Mapped, mapped_column

from db import reference
from db.base import Base, CommunityScoped, RecordMixin
from db.declarations import FIELD_WORKERS, Field, Ledger
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


TEAM = Ledger(
    key="team", model=Team, label="vol.team", default_sort="name",
    fields=(
        Field("name", "field.name", required=True, max_length=50, search=True),
        Field("team_type", "vol.team_type", type="choice", choices=tuple(vocab()["team_types"]),
              choices_key="teamtype", required=True, filter=True),
        Field("grid_id", "place.grid", type="ref", ref="grid"),
        Field("leader_name", "vol.leader", max_length=50),
        Field("note", "field.note", type="longtext", max_length=1000, list=False),
    ),
)

VOLUNTEER = Ledger(
    key="volunteer", model=Volunteer, label="vol.volunteer", default_sort="name",
    fields=(
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
    key="activity", model=Activity, label="act.activity", default_sort="activity_date",
    fields=(
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
        Field("actual_turnout", "act.turnout", type="int", editable=False),
    ),
)
