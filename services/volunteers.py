"""Volunteers and their hours beyond what the ledger engine (services.ledgers) does from the
declarations (db.models.volunteers: TEAM, VOLUNTEER, MY_HOURS — a volunteer's own log — and
VOLUNTEER_LOG, whose verification logged → verified / rejected is a workflow): the hooks those
name, the option providers, a volunteer's register entry, the bulk verification of many
entries at once, monthly totals, the statement of verified hours and the opt-in leaderboard."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.declarations import Context
from db.models import User
from db.models.volunteers import ACTIVITY, TEAM, VOLUNTEER, VOLUNTEER_LOG, Activity, Team, Volunteer, VolunteerLog
from services import idcard, ledgers, records, settings
from services.access import Actor, community_clause
from services.errors import NotFound, PermissionDenied, ValidationError


def _month(column):
    """'YYYY-MM' of a date column on both backends (dates are ISO text in SQLite)."""
    from sqlalchemy import String, cast

    return func.substr(cast(column, String), 1, 7)


# --- register and teams: hooks and option providers ------------------------------------------

def check_team(ctx: Context, values: dict) -> None:
    """A team's grid is one of its community's."""
    from db.models import Grid

    if values.get("grid_id"):
        grid = ctx.session.get(Grid, values["grid_id"])
        if grid is None or grid.community_id != values.get("community_id"):
            raise ValidationError({"grid_id": "err.bad_choice"})


def check_volunteer(ctx: Context, values: dict) -> None:
    """The phone written one way; the team of the volunteer's community; a sign-in account of
    the volunteer role, linked to one register entry only."""
    session = ctx.session
    if values.get("phone"):
        try:
            values["phone"] = idcard.normalize_phone(values["phone"])
        except idcard.IdError as e:
            raise ValidationError({"phone": e.key}) from None
    if values.get("team_id"):
        team = session.get(Team, values["team_id"])
        if team is None or team.deleted_at is not None or team.community_id != values.get("community_id"):
            raise ValidationError({"team_id": "err.bad_choice"})
    if values.get("user_id"):
        user = session.get(User, values["user_id"])
        if user is None or user.deleted_at is not None:
            raise ValidationError({"user_id": "err.bad_choice"})
        if user.role != "volunteer":
            raise ValidationError({"user_id": "err.vol_account_role"})
        taken = select(Volunteer.id).where(Volunteer.user_id == user.id)
        if ctx.obj is not None:
            taken = taken.where(Volunteer.id != ctx.obj.id)
        if session.execute(taken).first():
            raise ValidationError({"user_id": "err.vol_account_taken"})


def team_options(session: Session, actor: Actor) -> dict[int, str]:
    """id -> name of the teams the actor sees (the provider of ``ref="team"``)."""
    return dict(session.execute(select(Team.id, Team.name).where(Team.deleted_at.is_(None), *ledgers.scope(TEAM, actor))
                                .order_by(Team.name)).all())


def volunteer_options(session: Session, actor: Actor) -> dict[int, str]:
    """id -> name of the volunteers the actor sees (the provider of ``ref="volunteer"``)."""
    return dict(session.execute(select(Volunteer.id, Volunteer.name).where(
        Volunteer.deleted_at.is_(None), *ledgers.scope(VOLUNTEER, actor)).order_by(Volunteer.name_pinyin)).all())


def volunteer_accounts(session: Session, actor: Actor) -> dict[int, str]:
    """Volunteer-role accounts that can be linked to a register entry."""
    from db.models import user_community

    rows = session.execute(select(User.id, User.username, User.display_name).where(
        User.role == "volunteer", User.deleted_at.is_(None),
        User.id.in_(select(user_community.c.user_id).where(community_clause(actor, user_community.c.community_id)))
        if actor.community_ids is not None else User.id.isnot(None)).order_by(User.username)).all()
    return {i: f"{u} · {n}" for i, u, n in rows}


# --- a volunteer's own log (MY_HOURS) ---------------------------------------------------------

def me(session: Session, actor: Actor) -> Volunteer:
    """The register entry linked to the logged-in volunteer's account."""
    volunteer = session.execute(select(Volunteer).where(Volunteer.user_id == actor.user_id,
                                                        Volunteer.deleted_at.is_(None))).scalar_one_or_none()
    if volunteer is None:
        raise NotFound("err.vol_not_registered")
    return volunteer


def check_entry(ctx: Context, values: dict) -> None:
    """A volunteer's own entry: theirs (a new one takes their register entry, team and
    community), not before they joined, more than 0 hours and at most the day's limit across
    the day's entries, an activity of their community they may see (announced) that has happened. A second entry of
    the same activity on the same day is asked about first: it is refused with
    ``warn.vol_duplicate`` unless the data says ``confirm_duplicate``."""
    session, entry = ctx.session, ctx.obj
    volunteer = me(session, ctx.actor)
    if entry is None:
        if volunteer.status != "active":
            raise PermissionDenied("err.vol_inactive")
        values.update(volunteer_id=volunteer.id, team_id=volunteer.team_id, community_id=volunteer.community_id)
    errors = {}
    log_date, hours = values["log_date"], values["hours"]
    if log_date < volunteer.joined_on:
        errors["log_date"] = "err.vol_before_joined"
    if hours <= 0:
        errors["hours"] = "err.vol_hours_positive"
    activity_id = values.get("activity_id")
    if activity_id:
        activity = session.get(Activity, activity_id)
        if activity is None or activity.deleted_at is not None or activity.community_id != volunteer.community_id \
                or not ledgers.in_scope(session, ctx.actor, ACTIVITY, activity):  # a planned one is not public
            errors["activity_id"] = "err.bad_choice"
        elif activity.activity_date > log_date or activity.activity_date > ctx.today:
            errors["activity_id"] = "err.act_not_yet"
    if not errors:
        limit = float(settings.get(session, "volunteer.max_hours_per_day", volunteer.community_id))
        if float(_day_total(session, volunteer.id, log_date, entry)) + hours > limit:
            errors["hours"] = "err.vol_day_limit"
    if errors:
        raise ValidationError(errors)
    values["hours"] = round(hours, 1)
    if entry is None and activity_id and not ctx.data.get("confirm_duplicate") and \
            _same_activity(session, volunteer.id, log_date, activity_id):
        raise ValidationError({"activity_id": "warn.vol_duplicate"}, key="warn.vol_duplicate")


def _day_total(session: Session, volunteer_id: int, day: date, entry) -> float:
    conds = [VolunteerLog.volunteer_id == volunteer_id, VolunteerLog.log_date == day,
             VolunteerLog.deleted_at.is_(None), VolunteerLog.status != "rejected"]
    if entry is not None:
        conds.append(VolunteerLog.id != entry.id)
    return session.execute(select(func.coalesce(func.sum(VolunteerLog.hours), 0)).where(*conds)).scalar_one()


def _same_activity(session: Session, volunteer_id: int, day: date, activity_id: int) -> bool:
    return session.execute(select(VolunteerLog.id).where(
        VolunteerLog.volunteer_id == volunteer_id, VolunteerLog.log_date == day,
        VolunteerLog.activity_id == activity_id, VolunteerLog.deleted_at.is_(None)).limit(1)).first() is not None


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


# --- verification (staff): the workflow of VOLUNTEER_LOG, many entries at once --------------------

def verify(session: Session, actor: Actor, decisions: list[dict]) -> dict[str, int]:
    """Approve or reject many entries in one go, each a step of the log's workflow through the
    engine (permission, scope, the version the staff saw, the reason a rejection asks for, one
    audit entry each). Each decision: id, version, approve (bool), reason. All or nothing: one
    bad decision refuses the batch (ValidationError by entry id), and nothing of it is written."""
    if not ledgers.may(actor, VOLUNTEER_LOG, "verify"):
        raise PermissionDenied(page=VOLUNTEER_LOG.page, action="verify")
    errors, done = {}, {"verified": 0, "rejected": 0}
    with session.begin_nested():  # the batch's savepoint: rolled back when any decision is refused
        for d in decisions:
            step = "verify" if d["approve"] else "reject"
            try:
                ledgers.move(session, actor, VOLUNTEER_LOG, int(d["id"]), step,
                             {"reject_reason": d.get("reason")}, d.get("version"))
            except NotFound:
                errors[str(d["id"])] = "err.not_found"
            except ValidationError as e:
                errors[str(d["id"])] = "err.vol_reason" if e.errors.get("reject_reason") == "err.required" \
                    else next(iter(e.errors.values()), e.key)
            except PermissionDenied as e:
                if e.key != "err.wf_state":
                    raise
                errors[str(d["id"])] = "err.vol_locked"
            else:
                done["verified" if d["approve"] else "rejected"] += 1
        if errors:
            raise ValidationError(errors)
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
