"""Activities beyond what the ledger engine (services.ledgers) does from the declaration
(db.models.volunteers.ACTIVITY, its workflow planned → announced → held → evaluated): the
hooks the declaration names (the times and the date of a held activity; a short notice allowed
with a warning; held only once the day has come, with its photos), the activity picker of a
volunteer's log and the two charts."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from db.declarations import Context
from db.models.safety import Photo
from db.models.volunteers import ACTIVITY, Activity, activity_photo
from services import clock, ledgers, settings
from services.access import Actor
from services.errors import ValidationError


# --- hooks of the declaration -----------------------------------------------------------------

def clean(ctx: Context, values: dict) -> None:
    """An activity ends after it starts; a held activity keeps its date."""
    if values.get("start_time") and values.get("end_time") and values["end_time"] <= values["start_time"]:
        raise ValidationError({"end_time": "err.out_of_range"})
    held = ctx.obj is not None and ctx.obj.status in ("held", "evaluated")
    if held and values.get("activity_date") != ctx.obj.activity_date:
        raise ValidationError({"activity_date": "err.act_already_held"})


def notice_warning(session: Session, activity_date: date, notice_date: date, community_id: int | None) -> int | None:
    """Days of notice when fewer than the rule asks for (default 3), else None."""
    need = int(settings.get(session, "activity.notice_days", community_id))
    days = (activity_date - notice_date).days
    return days if days < need else None


def announce(ctx: Context, activity: Activity, values: dict) -> None:
    """The notice is given on or before the day; a short notice is recorded with a warning."""
    notice = values["notice_date"]
    if notice > activity.activity_date:
        raise ValidationError({"notice_date": "err.out_of_range"})
    days = notice_warning(ctx.session, activity.activity_date, notice, activity.community_id)
    if days is not None:
        ctx.warnings.append(("act.short_notice", {"days": days}))


def happened(ctx: Context, activity: Activity) -> str | None:
    """An activity is recorded as held once its day has come."""
    return "err.act_not_yet" if activity.activity_date > ctx.today else None


def held(ctx: Context, activity: Activity, values: dict) -> None:
    """The photos taken at the activity (``photo_ids`` beside the turnout, stored already by
    services.photos) are kept with it."""
    raw = ctx.data.get("photo_ids") or []
    try:
        ids = sorted({int(p) for p in raw})
    except (TypeError, ValueError):
        raise ValidationError({"photo": "err.bad_choice"}) from None
    if not ids:
        return
    found = set(ctx.session.execute(select(Photo.id).where(Photo.id.in_(ids))).scalars())
    if found != set(ids):
        raise ValidationError({"photo": "err.bad_choice"})
    taken = set(ctx.session.execute(select(activity_photo.c.photo_id).where(
        activity_photo.c.activity_id == activity.id)).scalars())
    new = [p for p in ids if p not in taken]
    if new:
        ctx.session.execute(insert(activity_photo), [{"activity_id": activity.id, "photo_id": p} for p in new])


def evaluated(ctx: Context, activity: Activity, values: dict) -> dict:
    return {"evaluated_by": ctx.actor.username}


# --- the picker of a volunteer's log, the charts -------------------------------------------------

def options(session: Session, actor: Actor, around: date | None = None, days_back: int = 45,
            days_ahead: int = 30) -> dict[int, str]:
    """Recent and upcoming activities the actor sees, nearest first (a volunteer's picker; the
    provider of ``ref="activity"``)."""
    around = around or clock.today()
    conds = [Activity.deleted_at.is_(None), *ledgers.scope(ACTIVITY, actor),
             Activity.activity_date.between(around - timedelta(days=days_back), around + timedelta(days=days_ahead))]
    distance = func.abs(func.julianday(Activity.activity_date) - func.julianday(around)) \
        if session.get_bind().dialect.name == "sqlite" else func.abs(Activity.activity_date - around)
    rows = session.execute(select(Activity.id, Activity.activity_date, Activity.theme).where(*conds)
                           .order_by(distance, Activity.id)).all()
    return {i: f"{d} {theme}" for i, d, theme in rows}


def _charted(actor: Actor, first: date, last: date, community_ids) -> list:
    conds = [Activity.deleted_at.is_(None), *ledgers.scope(ACTIVITY, actor), Activity.activity_date.between(first, last)]
    if community_ids is not None:
        conds.append(Activity.community_id.in_(sorted(community_ids)))
    return conds


def turnout_against_target(session: Session, actor: Actor, first: date, last: date, community_ids=None) -> list[dict]:
    conds = [*_charted(actor, first, last, community_ids), Activity.actual_turnout.isnot(None)]
    return [{"id": i, "theme": th, "date": d, "target": tg, "actual": ac} for i, th, d, tg, ac in session.execute(
        select(Activity.id, Activity.theme, Activity.activity_date, Activity.target_turnout, Activity.actual_turnout)
        .where(*conds).order_by(Activity.activity_date))]


def by_type(session: Session, actor: Actor, first: date, last: date, community_ids=None) -> list[dict]:
    held_ = func.sum(case((Activity.status.in_(("held", "evaluated")), 1), else_=0))
    return [{"type": t, "count": n, "held": int(h or 0)} for t, n, h in session.execute(
        select(Activity.activity_type, func.count(), held_).where(*_charted(actor, first, last, community_ids))
        .group_by(Activity.activity_type))]
