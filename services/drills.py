"""Drills (应急演练): the hooks of the DRILL declaration — recorded as held (duration derived, the
evacuation within it, believable participants, a timeline of steps, photos), evaluated on the
drill indicator set (scores → total → 优/良/中/差; "the plan needs revision" flags the plan) —
and each problem found opened as a hazard or an improvement action."""
from __future__ import annotations

import json
import re
from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from db.declarations import Context
from db.models import Resident
from db.models.drills import (DRILL, GROUPS, PLAN, RATINGS, SCORE_CODES, Drill, DrillScore, EmergencyPlan,
                              drill_photo)
from db.models.quality import Indicator, IndicatorSet
from db.models.safety import HAZARD, Hazard
from services import ledgers, plans
from services.access import Actor, require
from services.errors import ValidationError

SET_KEY = "drill_evaluation"
# more people than this (or than the community's residents, where it has more) is a typing error
MAX_PARTICIPANTS = 5000
_STEP = re.compile(r"^\s*([01]?\d|2[0-3])[:：]([0-5]\d)\s+\S")


def clean(ctx: Context, values: dict) -> None:
    """The plan tested is a current plan of the drill's community; the groups invited stored as JSON."""
    plan_id = values.get("plan_id")
    if plan_id:
        plan = ctx.session.get(EmergencyPlan, plan_id)
        if plan is None or plan.deleted_at is not None or plan.community_id != values.get("community_id"):
            raise ValidationError({"plan_id": "err.bad_choice"})
    if "invited" in values:
        values["invited"] = json.dumps([g for g in GROUPS if g in (values.get("invited") or [])])


def fill(ctx: Context, rows: list[dict]) -> None:
    for r in rows:
        if isinstance(r.get("invited"), str):
            r["invited"] = json.loads(r["invited"] or "[]")


def locked(ctx: Context, drill: Drill) -> str | None:
    """An evaluated or cancelled drill is a record of what happened: no longer edited."""
    return "drl.locked" if drill.status in ("evaluated", "cancelled") else None


def minutes_between(start, end) -> int:
    return int((datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() // 60)


def held(ctx: Context, drill: Drill, values: dict) -> dict:
    """End after start (the duration derived), the evacuation no longer than the drill, the
    participants believable for the community, each timeline line a time and a step within the
    drill; the photos taken beside it (``ctx.data["photo_ids"]``) kept with the drill."""
    errors = {}
    start, end = values.get("start_time"), values.get("end_time")
    duration = None
    if start and end:
        duration = minutes_between(start, end)
        if duration <= 0:
            errors["end_time"] = "drl.err_end_before_start"
    evacuation = values.get("evacuation_minutes")
    if evacuation is not None and duration and duration > 0 and evacuation > duration:
        errors["evacuation_minutes"] = "drl.err_evacuation_longer"
    total = sum(values.get(f"n_{g}") or 0 for g in GROUPS)
    if total == 0:
        errors["n_residents"] = "drl.err_no_participants"
    residents = ctx.session.execute(select(func.count()).select_from(Resident).where(
        Resident.community_id == drill.community_id, Resident.deleted_at.is_(None))).scalar_one()
    if total > max(MAX_PARTICIPANTS, residents):
        errors["n_residents"] = "drl.err_too_many"
    for line in (values.get("timeline") or "").splitlines():
        if not line.strip():
            continue
        m = _STEP.match(line)
        if m is None:
            errors["timeline"] = "drl.err_timeline"
            break
        at = int(m.group(1)) * 60 + int(m.group(2))
        if start and end and not (start.hour * 60 + start.minute <= at <= end.hour * 60 + end.minute):
            errors["timeline"] = "drl.err_timeline_outside"
            break
    if errors:
        raise ValidationError(errors)
    for photo_id in dict.fromkeys(ctx.data.get("photo_ids") or []):
        ctx.session.execute(insert(drill_photo).values(drill_id=drill.id, photo_id=photo_id))
    return {"duration_minutes": duration}


def indicator_set(session: Session) -> tuple[IndicatorSet | None, list[Indicator]]:
    s = session.execute(select(IndicatorSet).where(IndicatorSet.key == SET_KEY, IndicatorSet.current.is_(True),
                                                   IndicatorSet.deleted_at.is_(None))).scalar_one_or_none()
    if s is None:
        return None, []
    return s, list(session.execute(select(Indicator).where(Indicator.set_id == s.id)
                                   .order_by(Indicator.position, Indicator.id)).scalars())


def total_of(scores: dict[str, float], indicators: list[Indicator]) -> float:
    """Points of 100: each dimension's place on its scale, weighted (equal weights without a set)."""
    by_code = {i.code: i for i in indicators}
    num = den = 0.0
    for code, score in scores.items():
        i = by_code.get(code)
        lo, hi, w = (i.scale_min, i.scale_max, i.weight) if i else (1.0, 5.0, 1.0)
        num += w * (score - lo) / (hi - lo)
        den += w
    return round(100 * num / den, 1) if den else 0.0


def rating_of(total: float, grades: list) -> str:
    """优/良/中/差 by the set's grade bands, highest first (85 / 70 / 60 / 0 by default)."""
    bands = [float(g[0]) for g in grades][:len(RATINGS)] or [85.0, 70.0, 60.0, 0.0]
    for rating, lowest in zip(RATINGS, bands):
        if total >= lowest:
            return rating
    return RATINGS[-1]


def evaluated(ctx: Context, drill: Drill, values: dict) -> dict:
    """The scores stored on the drill set's indicators, the total and rating derived; "the plan
    needs revision" asks for a reason and a plan, and flags that plan."""
    if values.get("plan_needs_revision"):
        errors = {}
        if not drill.plan_id:
            errors["plan_needs_revision"] = "drl.err_no_plan"
        if not values.get("revision_reason"):
            errors["revision_reason"] = "drl.err_revision_reason"
        if errors:
            raise ValidationError(errors)
    scores = {c: float(values[f"score_{c}"]) for c in SCORE_CODES}
    the_set, indicators = indicator_set(ctx.session)
    total = total_of(scores, indicators)
    grades = json.loads(the_set.grades) if the_set is not None else []
    by_code = {i.code: i for i in indicators}
    for code, score in scores.items():
        if code in by_code:
            ctx.session.add(DrillScore(drill_id=drill.id, indicator_id=by_code[code].id, score=score))
    if values.get("plan_needs_revision"):
        plans.flag(ctx.session, ctx.actor, drill.plan_id, drill.id, values["revision_reason"], ctx.today)
    return {"total": total, "rating": rating_of(total, grades), "evaluated_by": ctx.actor.username,
            "evaluated_on": ctx.today}


def cancelled(ctx: Context, drill: Drill, values: dict) -> None:
    return None


# --- what a drill shows and opens ------------------------------------------------------------------

def scores(session: Session, actor: Actor, drill_id: int) -> list[dict]:
    drill = ledgers.get(session, actor, DRILL, drill_id)
    return [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "score": sc.score,
             "scale_max": i.scale_max}
            for sc, i in session.execute(select(DrillScore, Indicator).join(Indicator, Indicator.id ==
                                                                              DrillScore.indicator_id)
                                         .where(DrillScore.drill_id == drill.id).order_by(Indicator.position))]


def photos(session: Session, actor: Actor, drill_id: int) -> list[int]:
    drill = ledgers.get(session, actor, DRILL, drill_id)
    return list(session.execute(select(drill_photo.c.photo_id).where(drill_photo.c.drill_id == drill.id)).scalars())


def open_hazard(session: Session, actor: Actor, drill_id: int, *, grid_id: int, description: str, category: str,
                severity: str = "一般", facility_id: int | None = None) -> Hazard:
    """A problem the drill found, registered as a hazard (source "drill", linked to the drill)."""
    from db.models.places import Grid

    drill = ledgers.get(session, actor, DRILL, drill_id)
    grid = session.get(Grid, grid_id)
    if grid is None or grid.community_id != drill.community_id:
        raise ValidationError({"grid_id": "err.bad_choice"})
    hazard = ledgers.save(session, actor, HAZARD, {
        "description": description, "category": category, "severity": severity, "risk_level": "中",
        "source": "drill", "grid_id": grid_id, "facility_id": facility_id,
        "found_on": drill.held_on or drill.planned_on})
    hazard.source_id = drill.id
    session.flush()
    return hazard


def open_action(session: Session, actor: Actor, drill_id: int, *, title: str, owner: str, due: date,
                detail: str | None = None, grid_id: int | None = None):
    """A problem the drill found, followed up as an improvement action (source "drill")."""
    from services import actions

    drill = ledgers.get(session, actor, DRILL, drill_id)
    return actions.open_from(session, actor, "drill", drill.id, community_id=drill.community_id, title=title,
                             owner=owner, due=due, grid_id=grid_id, detail=detail or f"{drill.title} {drill.held_on}")


def hazards_of(session: Session, actor: Actor, drill_id: int) -> list[dict]:
    if not ledgers.may(actor, HAZARD, "view"):
        return []
    rows = session.execute(select(Hazard).where(Hazard.source == "drill", Hazard.source_id == drill_id,
                                                Hazard.deleted_at.is_(None), *ledgers.scope(HAZARD, actor))
                           .order_by(Hazard.id)).scalars()
    return [{"id": h.id, "description": h.description, "status": h.status, "deadline": h.deadline} for h in rows]


def flagged_plan(session: Session, actor: Actor, drill_id: int) -> dict | None:
    plan = session.execute(select(EmergencyPlan).where(EmergencyPlan.flagged_by_drill_id == drill_id,
                                                       *ledgers.scope(PLAN, actor))).scalar_one_or_none()
    return None if plan is None else {"id": plan.id, "title": plan.title, "revision": plan.revision}


# --- the analysis on the drills page (SQL aggregates over the actor's drills) -------------------------

def _held_in(actor: Actor, first: date, last: date) -> list:
    return [Drill.deleted_at.is_(None), Drill.status.in_(("held", "evaluated")), Drill.held_on.between(first, last),
            *ledgers.scope(DRILL, actor)]


def participants_by_year(session: Session, actor: Actor, first: date, last: date) -> list[dict]:
    """People who took part, per group and calendar year, over the drills held in [first, last]."""
    require(actor, "drills", "view")
    year = func.extract("year", Drill.held_on)
    sums = [func.coalesce(func.sum(getattr(Drill, f"n_{g}")), 0) for g in GROUPS]
    rows = session.execute(select(year, func.count(), *sums).where(*_held_in(actor, first, last))
                           .group_by(year).order_by(year)).all()
    return [{"year": str(int(r[0])), "group": g, "drills": r[1], "people": int(n)}
            for r in rows for g, n in zip(GROUPS, r[2:])]


def score_by_dimension(session: Session, actor: Actor, first: date, last: date) -> list[dict]:
    """The mean score of each indicator of the drill set (as % of its maximum) over the drills
    evaluated that were held in [first, last]."""
    require(actor, "drills", "view")
    rows = session.execute(
        select(Indicator.code, Indicator.name_zh, Indicator.name_en, Indicator.scale_max, func.avg(DrillScore.score),
               func.count())
        .join(DrillScore, DrillScore.indicator_id == Indicator.id).join(Drill, Drill.id == DrillScore.drill_id)
        .where(*_held_in(actor, first, last), Drill.status == "evaluated")
        .group_by(Indicator.code, Indicator.name_zh, Indicator.name_en, Indicator.scale_max, Indicator.position)
        .order_by(Indicator.position)).all()
    return [{"code": c, "name_zh": zh, "name_en": en, "mean": round(float(avg), 2),
             "percent": round(100 * float(avg) / float(top), 1) if top else None, "drills": n}
            for c, zh, en, top, avg, n in rows]
