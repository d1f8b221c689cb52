"""Volunteers and their hours: the register and teams (staff), a volunteer's own log (logged →
verified or rejected by staff; verified entries are locked), totals, the statement of verified
hours, and the opt-in leaderboard."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import User
from db.models.volunteers import TEAM, VOLUNTEER, Activity, Team, Volunteer, VolunteerLog, vocab
from services import audit, clock, idcard, records, settings
from services.access import Actor, community_clause, require, require_row
from services.errors import NotFound, PermissionDenied, StaleEdit, ValidationError


def _month(column):
    """'YYYY-MM' of a date column on both backends (dates are ISO text in SQLite)."""
    from sqlalchemy import String, cast

    return func.substr(cast(column, String), 1, 7)


# --- register and teams (staff and up) ------------------------------------------------------------

def save_team(session: Session, actor: Actor, data: dict, community_id: int, team_id: int | None = None,
              expected_version: int | None = None) -> Team:
    require(actor, "volunteers", "edit")
    require_row(actor, community_id)
    values = {**records.validate(TEAM, data), "community_id": community_id}
    if team_id is None:
        return records.create(session, actor, Team, values)
    team = records.get_live(session, Team, team_id)
    require_row(actor, team.community_id)
    return records.update(session, actor, team, values, expected_version)


def save_volunteer(session: Session, actor: Actor, data: dict, community_id: int, volunteer_id: int | None = None,
                   expected_version: int | None = None) -> Volunteer:
    require(actor, "volunteers", "edit")
    require_row(actor, community_id)
    values = records.validate(VOLUNTEER, data)
    if values.get("phone"):
        try:
            values["phone"] = idcard.normalize_phone(values["phone"])
        except idcard.IdError as e:
            raise ValidationError({"phone": e.key}) from None
    if values.get("team_id"):
        team = records.get_live(session, Team, values["team_id"])
        if team.community_id != community_id:
            raise ValidationError({"team_id": "err.bad_choice"})
    if values.get("user_id"):
        user = records.get_live(session, User, values["user_id"])
        if user.role != "volunteer":
            raise ValidationError({"user_id": "err.vol_account_role"})
        taken = select(Volunteer.id).where(Volunteer.user_id == user.id)
        if volunteer_id is not None:
            taken = taken.where(Volunteer.id != volunteer_id)
        if session.execute(taken).first():
            raise ValidationError({"user_id": "err.vol_account_taken"})
    values["community_id"] = community_id
    if volunteer_id is None:
        return records.create(session, actor, Volunteer, values)
    volunteer = records.get_live(session, Volunteer, volunteer_id)
    require_row(actor, volunteer.community_id)
    return records.update(session, actor, volunteer, values, expected_version)


def list_volunteers(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
                    sort: str | None = None, descending: bool = False, limit: int = 50, offset: int = 0,
                    year: int | None = None) -> records.Page:
    require(actor, "volunteers", "view")
    year = year or clock.today().year
    verified = (select(func.coalesce(func.sum(VolunteerLog.hours), 0)).where(
        VolunteerLog.volunteer_id == Volunteer.id, VolunteerLog.status == "verified",
        VolunteerLog.deleted_at.is_(None), VolunteerLog.log_date >= date(year, 1, 1),
        VolunteerLog.log_date <= date(year, 12, 31)).correlate(Volunteer).scalar_subquery())
    pending = (select(func.count()).where(VolunteerLog.volunteer_id == Volunteer.id, VolunteerLog.status == "logged",
                                          VolunteerLog.deleted_at.is_(None)).correlate(Volunteer).scalar_subquery())
    return records.list_page(session, VOLUNTEER, viewer=actor, where=[community_clause(actor, Volunteer.community_id)],
                             search=search, filters=filters, sort=sort, descending=descending, limit=limit,
                             offset=offset, extra_columns={"hours_year": verified, "pending": pending,
                                                           "community_id": Volunteer.community_id})


def list_teams(session: Session, actor: Actor, **kw) -> records.Page:
    require(actor, "volunteers", "view")
    members = (select(func.count()).where(Volunteer.team_id == Team.id, Volunteer.deleted_at.is_(None),
                                          Volunteer.status == "active").correlate(Team).scalar_subquery())
    return records.list_page(session, TEAM, viewer=actor, where=[community_clause(actor, Team.community_id)],
                             extra_columns={"members": members, "community_id": Team.community_id}, **kw)


def team_options(session: Session, actor: Actor) -> dict[int, str]:
    return dict(session.execute(select(Team.id, Team.name).where(Team.deleted_at.is_(None),
                                                                 community_clause(actor, Team.community_id))
                                .order_by(Team.name)).all())


def volunteer_accounts(session: Session, actor: Actor) -> dict[int, str]:
    """Volunteer-role accounts that can be linked to a register entry."""
    from db.models import user_community

    rows = session.execute(select(User.id, User.username, User.display_name).where(
        User.role == "volunteer", User.deleted_at.is_(None),
        User.id.in_(select(user_community.c.user_id).where(community_clause(actor, user_community.c.community_id)))
        if actor.community_ids is not None else User.id.isnot(None)).order_by(User.username)).all()
    return {i: f"{u} · {n}" for i, u, n in rows}


# --- a volunteer's own log --------------------------------------------------------------------

def me(session: Session, actor: Actor) -> Volunteer:
    """The register entry linked to the logged-in volunteer's account."""
    volunteer = session.execute(select(Volunteer).where(Volunteer.user_id == actor.user_id,
                                                        Volunteer.deleted_at.is_(None))).scalar_one_or_none()
    if volunteer is None:
        raise NotFound("err.vol_not_registered")
    return volunteer


@dataclass
class LogCheck:
    values: dict
    duplicate_of: int | None  # an entry for the same activity on the same day


def _check_log(session: Session, volunteer: Volunteer, data: dict, today: date, exclude_id: int | None = None) -> LogCheck:
    errors = {}
    log_date = data.get("log_date")
    try:
        hours = float(data.get("hours")) if data.get("hours") not in (None, "") else None
    except (TypeError, ValueError):
        hours = None
        errors["hours"] = "err.type_float"
    if not isinstance(log_date, date):
        errors["log_date"] = "err.required"
    elif log_date > today:
        errors["log_date"] = "err.future_date"
    elif log_date < volunteer.joined_on:
        errors["log_date"] = "err.vol_before_joined"
    if hours is None and "hours" not in errors:
        errors["hours"] = "err.required"
    elif hours is not None and hours <= 0:
        errors["hours"] = "err.vol_hours_positive"
    activity_id = data.get("activity_id") or None
    if activity_id:
        activity = session.get(Activity, int(activity_id))
        if activity is None or activity.deleted_at is not None or activity.community_id != volunteer.community_id:
            errors["activity_id"] = "err.bad_choice"
        elif isinstance(log_date, date) and activity.activity_date > log_date:
            errors["activity_id"] = "err.act_not_yet"
        elif activity.activity_date > today:
            errors["activity_id"] = "err.act_not_yet"
    if not errors:
        limit = float(settings.get(session, "volunteer.max_hours_per_day", volunteer.community_id))
        conds = [VolunteerLog.volunteer_id == volunteer.id, VolunteerLog.log_date == log_date,
                 VolunteerLog.deleted_at.is_(None), VolunteerLog.status != "rejected"]
        if exclude_id:
            conds.append(VolunteerLog.id != exclude_id)
        that_day = session.execute(select(func.coalesce(func.sum(VolunteerLog.hours), 0)).where(*conds)).scalar_one()
        if float(that_day) + hours > limit:
            errors["hours"] = "err.vol_day_limit"
    if errors:
        raise ValidationError(errors, day_total=None)
    role = records.clean_text(data.get("role"))
    if role and len(role) > 20:
        raise ValidationError({"role": "err.too_long"})
    duplicate = None
    if activity_id:
        conds = [VolunteerLog.volunteer_id == volunteer.id, VolunteerLog.log_date == log_date,
                 VolunteerLog.activity_id == int(activity_id), VolunteerLog.deleted_at.is_(None)]
        if exclude_id:
            conds.append(VolunteerLog.id != exclude_id)
        duplicate = session.execute(select(VolunteerLog.id).where(*conds).limit(1)).scalar()
    return LogCheck({"log_date": log_date, "hours": round(hours, 1), "activity_id": int(activity_id) if activity_id
                     else None, "role": role, "note": records.clean_text(data.get("note"))}, duplicate)


def check_log(session: Session, actor: Actor, data: dict, today: date | None = None) -> LogCheck:
    """Validate without writing: the page shows a warning for a second entry of the same activity."""
    require(actor, "my-hours", "create")
    return _check_log(session, me(session, actor), data, today or clock.today())


def log_hours(session: Session, actor: Actor, data: dict, confirm_duplicate: bool = False,
              today: date | None = None) -> VolunteerLog:
    require(actor, "my-hours", "create")
    volunteer = me(session, actor)
    if volunteer.status != "active":
        raise PermissionDenied("err.vol_inactive")
    checked = _check_log(session, volunteer, data, today or clock.today())
    if checked.duplicate_of and not confirm_duplicate:
        raise ValidationError({"activity_id": "warn.vol_duplicate"}, key="warn.vol_duplicate")
    return records.create(session, actor, VolunteerLog, {**checked.values, "volunteer_id": volunteer.id,
                                                         "team_id": volunteer.team_id,
                                                         "community_id": volunteer.community_id,
                                                         "status": "logged"})


def _own_open_entry(session: Session, actor: Actor, log_id: int) -> tuple[Volunteer, VolunteerLog]:
    volunteer = me(session, actor)
    entry = records.get_live(session, VolunteerLog, log_id)
    if entry.volunteer_id != volunteer.id:
        raise PermissionDenied("err.vol_not_yours")
    if entry.status != "logged":
        raise PermissionDenied("err.vol_locked")
    return volunteer, entry


def edit_own(session: Session, actor: Actor, log_id: int, data: dict, expected_version: int | None,
             today: date | None = None) -> VolunteerLog:
    require(actor, "my-hours", "create")
    volunteer, entry = _own_open_entry(session, actor, log_id)
    checked = _check_log(session, volunteer, data, today or clock.today(), exclude_id=entry.id)
    return records.update(session, actor, entry, checked.values, expected_version)


def delete_own(session: Session, actor: Actor, log_id: int, expected_version: int | None) -> None:
    require(actor, "my-hours", "create")
    _, entry = _own_open_entry(session, actor, log_id)
    records.check_version(entry, expected_version)
    before = audit.snapshot(entry)
    entry.deleted_at, entry.updated_by = utcnow(), actor.username
    session.flush()
    audit.record(session, actor, "delete", "volunteer_log", entry.id, before, None, community_id=entry.community_id)


def my_history(session: Session, actor: Actor, limit: int = 200) -> list[dict]:
    volunteer = me(session, actor)
    rows = session.execute(select(VolunteerLog, Activity.theme).join(Activity, Activity.id == VolunteerLog.activity_id,
                                                                     isouter=True)
                           .where(VolunteerLog.volunteer_id == volunteer.id, VolunteerLog.deleted_at.is_(None))
                           .order_by(VolunteerLog.log_date.desc(), VolunteerLog.id.desc()).limit(limit)).all()
    return [{"id": e.id, "version": e.version, "log_date": e.log_date, "hours": e.hours, "activity": theme,
             "activity_id": e.activity_id, "role": e.role, "note": e.note, "status": e.status,
             "reject_reason": e.reject_reason} for e, theme in rows]


def totals_by_month(session: Session, volunteer_id: int, status: str | None = "verified") -> dict[str, float]:
    conds = [VolunteerLog.volunteer_id == volunteer_id, VolunteerLog.deleted_at.is_(None)]
    if status:
        conds.append(VolunteerLog.status == status)
    month = _month(VolunteerLog.log_date)
    return {m: round(float(h), 1) for m, h in session.execute(
        select(month, func.sum(VolunteerLog.hours)).where(*conds).group_by(month).order_by(month))}


@dataclass
class Statement:
    name: str
    community: str
    team: str | None
    first: date
    last: date
    rows: list[dict]
    total: float


def statement(session: Session, actor: Actor, first: date, last: date) -> Statement:
    """Verified hours of the logged-in volunteer between two dates (for a certificate)."""
    from db.models import Community

    volunteer = me(session, actor)
    rows = session.execute(select(VolunteerLog.log_date, VolunteerLog.hours, VolunteerLog.role, Activity.theme,
                                  VolunteerLog.verified_by)
                           .join(Activity, Activity.id == VolunteerLog.activity_id, isouter=True)
                           .where(VolunteerLog.volunteer_id == volunteer.id, VolunteerLog.status == "verified",
                                  VolunteerLog.deleted_at.is_(None), VolunteerLog.log_date.between(first, last))
                           .order_by(VolunteerLog.log_date)).all()
    team = session.get(Team, volunteer.team_id) if volunteer.team_id else None
    from services.users import display_names

    names = display_names(session, [v for *_, v in rows])
    out = [{"log_date": d, "hours": h, "role": r, "activity": th, "verified_by": names.get(v, v)}
           for d, h, r, th, v in rows]
    return Statement(volunteer.name, session.get(Community, volunteer.community_id).name, team.name if team else None,
                     first, last, out, round(sum(float(r["hours"]) for r in out), 1))


# --- verification (staff) -------------------------------------------------------------------

def pending(session: Session, actor: Actor, limit: int = 500) -> list[dict]:
    require(actor, "volunteers", "verify")
    rows = session.execute(select(VolunteerLog, Volunteer.name, Activity.theme)
                           .join(Volunteer, Volunteer.id == VolunteerLog.volunteer_id)
                           .join(Activity, Activity.id == VolunteerLog.activity_id, isouter=True)
                           .where(VolunteerLog.status == "logged", VolunteerLog.deleted_at.is_(None),
                                  community_clause(actor, VolunteerLog.community_id))
                           .order_by(VolunteerLog.log_date, VolunteerLog.id).limit(limit)).all()
    return [{"id": e.id, "version": e.version, "volunteer": n, "log_date": e.log_date, "hours": e.hours,
             "activity": th, "role": e.role, "note": e.note} for e, n, th in rows]


def verify(session: Session, actor: Actor, decisions: list[dict]) -> dict[str, int]:
    """Approve or reject many entries in one transaction. Each decision: id, version, approve
    (bool), reason (required to reject). All or nothing: one bad decision refuses the batch."""
    require(actor, "volunteers", "verify")
    errors, now, done = {}, utcnow(), {"verified": 0, "rejected": 0}
    entries = []
    for d in decisions:
        entry = session.get(VolunteerLog, int(d["id"]))
        if entry is None or entry.deleted_at is not None:
            errors[str(d["id"])] = "err.not_found"
            continue
        require_row(actor, entry.community_id)
        if entry.status != "logged":
            errors[str(d["id"])] = "err.vol_locked"
        elif d.get("version") is not None and entry.version != d["version"]:
            raise StaleEdit(by=entry.updated_by or "?", at=entry.updated_at)
        elif not d["approve"] and not records.clean_text(d.get("reason")):
            errors[str(d["id"])] = "err.vol_reason"
        entries.append((entry, d))
    if errors:
        raise ValidationError(errors)
    for entry, d in entries:
        before = audit.snapshot(entry)
        entry.status = "verified" if d["approve"] else "rejected"
        entry.verified_by, entry.verified_at = actor.username, now
        entry.reject_reason = None if d["approve"] else records.clean_text(d["reason"])[:200]
        entry.updated_by = actor.username
        session.flush()
        audit.record(session, actor, "verify" if d["approve"] else "reject", "volunteer_log", entry.id, before,
                     audit.snapshot(entry), community_id=entry.community_id)
        done["verified" if d["approve"] else "rejected"] += 1
    return done


# --- aggregates for charts and the leaderboard -----------------------------------------------------

def hours_by_month_and_team(session: Session, actor: Actor, first: date, last: date, community_ids=None) -> list[dict]:
    month = _month(VolunteerLog.log_date)
    conds = [VolunteerLog.status == "verified", VolunteerLog.deleted_at.is_(None),
             VolunteerLog.log_date.between(first, last), community_clause(actor, VolunteerLog.community_id)]
    if community_ids is not None:
        conds.append(VolunteerLog.community_id.in_(sorted(community_ids)))
    rows = session.execute(select(month, VolunteerLog.team_id, func.sum(VolunteerLog.hours)).where(*conds)
                           .group_by(month, VolunteerLog.team_id).order_by(month)).all()
    names = dict(session.execute(select(Team.id, Team.name)).all())
    return [{"month": m, "team": names.get(t, "—"), "hours": round(float(h), 1)} for m, t, h in rows]


def logged_hours(session: Session, actor: Actor, first: date, last: date, community_ids=None) -> dict[str, float]:
    """Hours logged in a period, verified and still waiting (rejected ones left out)."""
    conds = [VolunteerLog.deleted_at.is_(None), VolunteerLog.status != "rejected",
             VolunteerLog.log_date.between(first, last), community_clause(actor, VolunteerLog.community_id)]
    if community_ids is not None:
        conds.append(VolunteerLog.community_id.in_(sorted(community_ids)))
    rows = dict(session.execute(select(VolunteerLog.status, func.sum(VolunteerLog.hours)).where(*conds)
                                .group_by(VolunteerLog.status)).all())
    verified, waiting = float(rows.get("verified") or 0), float(rows.get("logged") or 0)
    return {"verified": round(verified, 1), "waiting": round(waiting, 1), "total": round(verified + waiting, 1)}


def leaderboard(session: Session, actor: Actor, month: str | None = None, team_id: int | None = None,
                limit: int = 20) -> list[dict]:
    """Verified hours of volunteers who opted in, by month (``YYYY-MM``) and team."""
    conds = [VolunteerLog.status == "verified", VolunteerLog.deleted_at.is_(None), Volunteer.leaderboard.is_(True),
             community_clause(actor, VolunteerLog.community_id)]
    if month:
        conds.append(_month(VolunteerLog.log_date) == month)
    if team_id:
        conds.append(VolunteerLog.team_id == team_id)
    rows = session.execute(select(Volunteer.name, Team.name, func.sum(VolunteerLog.hours).label("h"))
                           .join(Volunteer, Volunteer.id == VolunteerLog.volunteer_id)
                           .join(Team, Team.id == Volunteer.team_id, isouter=True).where(*conds)
                           .group_by(Volunteer.id, Volunteer.name, Team.name).order_by(func.sum(VolunteerLog.hours).desc())
                           .limit(limit)).all()
    return [{"rank": i, "name": n, "team": t or "—", "hours": round(float(h), 1)} for i, (n, t, h) in enumerate(rows, 1)]


def set_leaderboard(session: Session, actor: Actor, opt_in: bool) -> None:
    volunteer = me(session, actor)
    if volunteer.leaderboard != opt_in:
        records.update(session, actor, volunteer, {"leaderboard": opt_in}, None)


def positions() -> tuple[str, ...]:
    return tuple(vocab()["positions"])
