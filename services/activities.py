"""Activities: planned → announced → held → evaluated. A notice less than the set number of days
ahead is allowed with a warning; the evaluation (organisation 1–5, turnout ÷ target,
satisfaction) is kept on the activity itself."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session


from db.models.volunteers import ACTIVITY, Activity, activity_photo
from services import clock, records, settings
from services.access import Actor, community_clause, require, require_row
from services.errors import PermissionDenied, ValidationError


def scope(actor: Actor) -> list:
    conds = [community_clause(actor, Activity.community_id)]
    if actor.role == "volunteer":  # volunteers see public activities only
        conds.append(Activity.status != "planned")
    return conds


def save_activity(session: Session, actor: Actor, data: dict, community_id: int, activity_id: int | None = None,
                  expected_version: int | None = None):
    require(actor, "activities", "create" if activity_id is None else "edit")
    require_row(actor, community_id)
    values = records.validate(ACTIVITY, data)
    if values.get("start_time") and values.get("end_time") and values["end_time"] <= values["start_time"]:
        raise ValidationError({"end_time": "err.out_of_range"})
    values["community_id"] = community_id
    if activity_id is None:
        return records.create(session, actor, Activity, {**values, "status": "planned"})
    activity = records.get_live(session, Activity, activity_id)
    require_row(actor, activity.community_id)
    if activity.status in ("held", "evaluated") and values["activity_date"] != activity.activity_date:
        raise ValidationError({"activity_date": "err.act_already_held"})
    return records.update(session, actor, activity, values, expected_version)


def notice_warning(session: Session, activity_date: date, notice_date: date, community_id: int | None) -> int | None:
    """Days of notice when fewer than the rule asks for (default 3), else None."""
    need = int(settings.get(session, "activity.notice_days", community_id))
    days = (activity_date - notice_date).days
    return days if days < need else None


def announce(session: Session, actor: Actor, activity_id: int, notice_date: date, expected_version: int | None,
             today: date | None = None):
    """Returns (activity, warning days or None): a short notice is recorded with a warning."""
    require(actor, "activities", "edit")
    activity = records.get_live(session, Activity, activity_id)
    require_row(actor, activity.community_id)
    if activity.status != "planned":
        raise PermissionDenied("err.act_step", status=activity.status)
    if notice_date > (today or clock.today()):
        raise ValidationError({"notice_date": "err.future_date"})
    if notice_date > activity.activity_date:
        raise ValidationError({"notice_date": "err.out_of_range"})
    warning = notice_warning(session, activity.activity_date, notice_date, activity.community_id)
    activity = records.update(session, actor, activity, {"status": "announced", "notice_date": notice_date},
                              expected_version)
    return activity, warning


def record_held(session: Session, actor: Actor, activity_id: int, turnout: int, expected_version: int | None,
                photo_ids: list[int] | None = None, today: date | None = None):
    require(actor, "activities", "edit")
    activity = records.get_live(session, Activity, activity_id)
    require_row(actor, activity.community_id)
    if activity.status not in ("planned", "announced"):
        raise PermissionDenied("err.act_step", status=activity.status)
    if activity.activity_date > (today or clock.today()):
        raise ValidationError({"activity_date": "err.act_not_yet"})
    if not isinstance(turnout, int) or turnout < 0 or turnout > 100_000:
        raise ValidationError({"actual_turnout": "err.out_of_range"})
    activity = records.update(session, actor, activity, {"status": "held", "actual_turnout": turnout},
                              expected_version)
    if photo_ids:
        session.execute(insert(activity_photo), [{"activity_id": activity.id, "photo_id": p} for p in set(photo_ids)])
    return activity


def evaluate(session: Session, actor: Actor, activity_id: int, org_score: int, satisfaction: float | None,
             note: str | None, expected_version: int | None):
    require(actor, "activities", "edit")
    activity = records.get_live(session, Activity, activity_id)
    require_row(actor, activity.community_id)
    if activity.status != "held":
        raise PermissionDenied("err.act_step", status=activity.status)
    errors = {}
    if not isinstance(org_score, int) or not 1 <= org_score <= 5:
        errors["org_score"] = "err.out_of_range"
    if satisfaction is not None and not 0 <= satisfaction <= 100:
        errors["satisfaction"] = "err.out_of_range"
    if errors:
        raise ValidationError(errors)
    return records.update(session, actor, activity, {
        "status": "evaluated", "org_score": org_score, "satisfaction": satisfaction,
        "evaluation_note": records.clean_text(note), "evaluated_by": actor.username}, expected_version)


def list_activities(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
                    sort: str | None = None, descending: bool = False, limit: int = 50, offset: int = 0,
                    today: date | None = None) -> records.Page:
    require(actor, "activities", "view")
    today = today or clock.today()
    filters = dict(filters or {})
    when = filters.pop("when", None)
    where = scope(actor)
    if when == "upcoming":
        where.append(Activity.activity_date >= today)
    elif when == "past":
        where.append(Activity.activity_date < today)
    page = records.list_page(session, ACTIVITY, viewer=actor, where=where, search=search, filters=filters,
                             sort=sort or "activity_date", descending=descending if sort else when == "past",
                             limit=limit, offset=offset,
                             extra_columns={"org_score": Activity.org_score, "satisfaction": Activity.satisfaction,
                                            "notice_date": Activity.notice_date, "community_id": Activity.community_id,
                                            "evaluation_note": Activity.evaluation_note})
    for r in page.rows:
        r["turnout_rate"] = round(100 * r["actual_turnout"] / r["target_turnout"], 1) \
            if r["actual_turnout"] is not None and r["target_turnout"] else None
    return page


def options(session: Session, actor: Actor, around: date, days_back: int = 45, days_ahead: int = 30) -> dict[int, str]:
    """Recent and upcoming activities first (for a volunteer's picker)."""
    conds = [Activity.deleted_at.is_(None), *scope(actor),
             Activity.activity_date.between(around - timedelta(days=days_back), around + timedelta(days=days_ahead))]
    distance = func.abs(func.julianday(Activity.activity_date) - func.julianday(around)) \
        if session.get_bind().dialect.name == "sqlite" else func.abs(Activity.activity_date - around)
    rows = session.execute(select(Activity.id, Activity.activity_date, Activity.theme).where(*conds)
                           .order_by(distance, Activity.id)).all()
    return {i: f"{d} {theme}" for i, d, theme in rows}


def turnout_against_target(session: Session, actor: Actor, first: date, last: date, community_ids=None) -> list[dict]:
    conds = [Activity.deleted_at.is_(None), *scope(actor), Activity.actual_turnout.isnot(None),
             Activity.activity_date.between(first, last)]
    if community_ids is not None:
        conds.append(Activity.community_id.in_(sorted(community_ids)))
    return [{"id": i, "theme": th, "date": d, "target": tg, "actual": ac} for i, th, d, tg, ac in session.execute(
        select(Activity.id, Activity.theme, Activity.activity_date, Activity.target_turnout, Activity.actual_turnout)
        .where(*conds).order_by(Activity.activity_date))]


def by_type(session: Session, actor: Actor, first: date, last: date, community_ids=None) -> list[dict]:
    conds = [Activity.deleted_at.is_(None), *scope(actor), Activity.activity_date.between(first, last)]
    if community_ids is not None:
        conds.append(Activity.community_id.in_(sorted(community_ids)))
    held = func.sum(case((Activity.status.in_(("held", "evaluated")), 1), else_=0))
    return [{"type": t, "count": n, "held": int(h or 0)} for t, n, h in session.execute(
        select(Activity.activity_type, func.count(), held).where(*conds).group_by(Activity.activity_type))]


