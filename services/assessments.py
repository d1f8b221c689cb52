"""Assessments (考核评估) beyond what the ledger engine does from the declaration
(db.models.quality.EVALUATION: draft → submitted → approved or returned → published):

- indicator sets as data (db/reference/assessments.yaml seeds them at prepare time); a change
  makes a new revision, the old one kept and ``current`` moved, so a past evaluation keeps the
  indicators, weights, scales and grade bands it was scored with;
- the score: an indicator's points = weight × (score − scale_min) ÷ (scale_max − scale_min), the
  total their sum (the weights sum to 100), the grade the first band (highest first) whose lowest
  total the total reaches — all computed on save, from the stored scores;
- evidence pre-filled from the ledgers (``EVIDENCE``): the figure, what it counts, the records
  behind it; it suggests a score the evaluator may change with a comment;
- the workflow's hooks: complete before submitting, never approved or returned by its own
  evaluator, approved and published immutable (``locked``), corrected by a superseding evaluation
  (``correct``) that marks the old one superseded when it is approved;
- findings open an improvement action (services.actions.open_from) or a hazard.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from db import reference
from db.base import utcnow
from db.declarations import Context
from db.models.quality import EVALUATION, SUBJECT_KINDS, Complaint, Evaluation, EvaluationScore, Indicator, \
    IndicatorSet
from services import audit, clock, ledgers, records
from services.access import SYSTEM, Actor, require
from services.errors import NotFound, PermissionDenied, ValidationError

PAGE = "assessments"
SETS_ACTION = "sets"  # the matrix action that edits indicator sets
LOCKED_STATES = ("approved", "published")
# the kind an evaluation with a set is made as, unless the evaluator picks another
DEFAULT_KIND = {"community_check": "quarterly", "staff_appraisal": "staff", "property_appraisal": "property",
                "drill_evaluation": "drill", "activity_evaluation": "activity", "safety_selfcheck": "selfcheck"}


# --- the arithmetic ------------------------------------------------------------------------------

def points(weight: float, score: float, scale_min: float, scale_max: float) -> float:
    """An indicator's points: its weight times where the score sits on its scale."""
    return weight * (score - scale_min) / (scale_max - scale_min)


def grades_of(indicator_set: IndicatorSet) -> list[tuple[float, str, str]]:
    """The set's grade bands as (lowest total, 中文, English), highest first."""
    out = []
    for band in json.loads(indicator_set.grades):
        lowest, zh = band[0], band[1]
        out.append((float(lowest), zh, band[2] if len(band) > 2 else zh))
    return out


def grade_of(total: float | None, bands: list[tuple[float, str, str]]) -> str | None:
    if total is None:
        return None
    for lowest, zh, _ in bands:
        if total >= lowest:
            return zh
    return None


def total_of(indicators: list[Indicator], scores: dict[int, float | None]) -> tuple[float | None, bool]:
    """(the total of the scored indicators rounded to 0.01, whether every indicator is scored)."""
    got = [(i, scores.get(i.id)) for i in indicators]
    scored = [(i, v) for i, v in got if v is not None]
    if not scored:
        return None, False
    total = round(sum(points(i.weight, v, i.scale_min, i.scale_max) for i, v in scored), 2)
    return total, len(scored) == len(indicators)


# --- indicator sets --------------------------------------------------------------------------------

def reference_sets() -> dict:
    return reference.load("assessments")["sets"]


def seed_sets(session: Session, actor: Actor = SYSTEM) -> int:
    """Add the shipped sets the database lacks (by key) as revision 1; a committee's revisions
    stay as they are."""
    have = set(session.execute(select(IndicatorSet.key)).scalars())
    added = 0
    for key, spec in reference_sets().items():
        if key in have:
            continue
        rows = [{"code": i["code"], "name_zh": i["zh"], "name_en": i["en"], "weight": i["weight"],
                 "scale_min": i["min"], "scale_max": i["max"], "evidence": i.get("evidence")}
                for i in spec["indicators"]]
        check_set(rows, spec["grades"], spec["subject"])
        _write_set(session, actor, key, 1, spec["zh"], spec["en"], spec["subject"], rows, spec["grades"], None)
        added += 1
    session.flush()
    return added


def _write_set(session: Session, actor: Actor, key: str, revision: int, name_zh: str, name_en: str, subject: str,
               rows: list[dict], grades: list, note: str | None) -> IndicatorSet:
    row = IndicatorSet(key=key, revision=revision, name_zh=name_zh, name_en=name_en, subject_kind=subject,
                       grades=json.dumps([list(g) for g in grades], ensure_ascii=False), current=True, note=note,
                       created_by=actor.username, updated_by=actor.username)
    session.add(row)
    session.flush()
    session.add_all([Indicator(set_id=row.id, position=n, code=r["code"], name_zh=r["name_zh"],
                               name_en=r["name_en"], weight=float(r["weight"]), scale_min=float(r["scale_min"]),
                               scale_max=float(r["scale_max"]), evidence=r.get("evidence") or None)
                     for n, r in enumerate(rows, start=1)])
    session.flush()
    audit.record(session, actor, "create", "indicator_set", row.id, None,
                 {"key": key, "revision": revision, "indicators": len(rows),
                  "weights": {r["code"]: float(r["weight"]) for r in rows}, "grades": [list(g) for g in grades]})
    return row


def check_set(rows: list[dict], grades: list, subject: str = "community") -> None:
    """Refuses a set that cannot score: no indicators, a code twice, an empty name, a scale whose
    top is not above its bottom, weights not summing to 100, grade bands out of order or twice,
    an evidence key nobody computes. Every problem is one ValidationError."""
    errors: dict[str, str] = {}
    params: dict = {}
    if subject not in SUBJECT_KINDS:
        errors["subject_kind"] = "err.bad_choice"
    if not rows:
        errors["indicators"] = "asm.err_no_indicators"
    codes = [str(r.get("code") or "").strip() for r in rows]
    if any(not c for c in codes) or len(set(codes)) != len(codes):
        errors["indicators"] = "asm.err_codes"
    if any(not str(r.get("name_zh") or "").strip() for r in rows):
        errors["indicators"] = "asm.err_names"
    try:
        weights = [float(r["weight"]) for r in rows]
        scales = [(float(r["scale_min"]), float(r["scale_max"])) for r in rows]
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"indicators": "asm.err_numbers"}, "asm.err_numbers") from None
    if any(w <= 0 for w in weights):
        errors["weights"] = "asm.err_weight_positive"
    elif rows and abs(sum(weights) - 100) > 1e-6:
        errors["weights"] = "asm.err_weights"
        params["sum"] = round(sum(weights), 2)
    if any(hi <= lo for lo, hi in scales):
        errors["scales"] = "asm.err_scale"
    if any(r.get("evidence") and r["evidence"] not in EVIDENCE for r in rows):
        errors["indicators"] = "asm.err_evidence"
    try:
        lows = [float(g[0]) for g in grades]
        names = [str(g[1]).strip() for g in grades]
    except (IndexError, TypeError, ValueError):
        raise ValidationError({"grades": "asm.err_grades"}, "asm.err_grades") from None
    if not grades or any(not n for n in names) or len(set(names)) != len(names) \
            or any(a <= b for a, b in zip(lows, lows[1:])) or min(lows) > 0 or max(lows) > 100:
        errors["grades"] = "asm.err_grades"
    if errors:
        first = next(iter(errors.values()))
        raise ValidationError(errors, first, **params)


def current_sets(session: Session) -> list[IndicatorSet]:
    return list(session.execute(select(IndicatorSet).where(IndicatorSet.current.is_(True), IndicatorSet.deleted_at
                                                           .is_(None)).order_by(IndicatorSet.id)).scalars())


def revisions(session: Session, key: str) -> list[IndicatorSet]:
    return list(session.execute(select(IndicatorSet).where(IndicatorSet.key == key)
                                .order_by(IndicatorSet.revision.desc())).scalars())


def indicators(session: Session, set_id: int) -> list[Indicator]:
    return list(session.execute(select(Indicator).where(Indicator.set_id == set_id)
                                .order_by(Indicator.position, Indicator.id)).scalars())


def set_options(session: Session, actor: Actor) -> dict[int, str]:
    """The current sets by id: what a new evaluation is scored with."""
    return {s.id: f"{s.name_zh} v{s.revision}" for s in current_sets(session)}


def revise_set(session: Session, actor: Actor, set_id: int, *, name_zh: str, name_en: str, rows: list[dict],
               grades: list, note: str | None = None, expected_version: int | None = None) -> IndicatorSet:
    """A changed set as a new revision: the old one kept (its evaluations point at it), ``current``
    moved to the new one. A supervisor or admin; refused unless it can score (``check_set``)."""
    require(actor, PAGE, SETS_ACTION)
    old = session.get(IndicatorSet, set_id)
    if old is None or old.deleted_at is not None:
        raise NotFound()
    if not old.current:
        raise ValidationError({}, "asm.err_not_current")
    records.check_version(old, expected_version)
    name_zh, name_en = records.clean_text(name_zh), records.clean_text(name_en) or records.clean_text(name_zh)
    if not name_zh:
        raise ValidationError({"name_zh": "err.required"}, "err.required")
    rows = [{**r, "code": str(r.get("code") or "").strip(), "name_zh": str(r.get("name_zh") or "").strip(),
             "name_en": str(r.get("name_en") or "").strip() or str(r.get("name_zh") or "").strip(),
             "evidence": r.get("evidence") or None} for r in rows]
    grades = sorted(([float(g[0]), str(g[1]).strip(), str(g[2] if len(g) > 2 and g[2] else g[1]).strip()]
                     for g in grades), key=lambda g: -g[0]) if _numeric_bands(grades) else grades
    check_set(rows, grades, old.subject_kind)
    newest = session.execute(select(func.max(IndicatorSet.revision)).where(IndicatorSet.key == old.key)).scalar_one()
    before = audit.snapshot(old)
    old.current = False
    old.updated_by = actor.username
    session.flush()
    audit.record(session, actor, "update", "indicator_set", old.id, before, audit.snapshot(old))
    return _write_set(session, actor, old.key, newest + 1, name_zh, name_en, old.subject_kind, rows, grades,
                      records.clean_text(note))


def _numeric_bands(grades) -> bool:
    try:
        return all(float(g[0]) is not None and len(g) >= 2 for g in grades)
    except (TypeError, ValueError, IndexError):
        return False


# --- the evaluation's hooks (db.models.quality.EVALUATION) ----------------------------------------

def clean(ctx: Context, values: dict) -> None:
    """A new evaluation is scored with a current set (whose subject kind it takes) and evaluated
    by who makes it; its period has started and ends after it starts; its subject, when it is
    the community, is named by it. The scores sent with the save (``data["scores"]``) are checked
    against their indicators' scales and give the total and the grade."""
    s, obj = ctx.session, ctx.obj
    set_id = obj.set_id if obj is not None else values.get("set_id")
    the_set = s.get(IndicatorSet, set_id) if set_id else None
    errors: dict[str, str] = {}
    corrects = _corrected(ctx) if obj is None else None
    if the_set is None or (obj is None and not the_set.current and
                           (corrects is None or corrects.set_id != the_set.id)):
        errors["set_id"] = "asm.err_not_current"
    start, end = values.get("period_start"), values.get("period_end")
    if isinstance(start, date) and start > ctx.today:
        errors["period_start"] = "evl.err_not_started"
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors["period_end"] = "evl.err_period_order"
    if errors:
        raise ValidationError(errors, next(iter(errors.values())))
    if obj is None:
        values["subject_kind"] = the_set.subject_kind
        values["evaluator"] = ctx.actor.username
        values["supersedes_id"] = corrects.id if corrects is not None else None
    if the_set.subject_kind == "community" and not values.get("subject_id"):
        values["subject_id"] = values.get("community_id")
    scores = _sent_scores(ctx, the_set.id)
    values["total"], values["grade"] = _score(s, the_set, scores)


def _corrected(ctx: Context) -> Evaluation | None:
    """The approved evaluation a correction supersedes (``data["supersedes_id"]``, set by
    ``correct``): a correction is scored with the revision the evaluation it corrects was."""
    old_id = ctx.data.get("supersedes_id")
    old = ctx.session.get(Evaluation, old_id) if old_id else None
    if old_id and (old is None or old.status not in LOCKED_STATES or old.superseded):
        raise ValidationError({}, "evl.err_correct_state")
    return old


def _sent_scores(ctx: Context, set_id: int) -> dict[int, dict]:
    """The scores the save writes: those sent over those stored. A
    score outside its indicator's scale, or for an indicator of another set, is refused."""
    inds = {i.id: i for i in indicators(ctx.session, set_id)}
    sent = ctx.data.get("scores")
    # what is not sent stays as stored (a form may send some indicators only)
    out: dict[int, dict] = {} if ctx.obj is None else \
        {r.indicator_id: {"score": r.score} for r in _stored(ctx.session, ctx.obj.id)}
    if sent is None:
        return out
    for raw_id, entry in sent.items():
        ind = inds.get(int(raw_id))
        if ind is None:
            raise ValidationError({"scores": "evl.err_indicator"}, "evl.err_indicator")
        entry = dict(entry) if isinstance(entry, dict) else {"score": entry}
        score = entry.get("score")
        if score is not None and score != "":
            try:
                score = float(score)
            except (TypeError, ValueError):
                raise ValidationError({"scores": "err.type_float"}, "err.type_float") from None
            if not ind.scale_min <= score <= ind.scale_max:
                raise ValidationError({"scores": "evl.err_scale"}, "evl.err_scale", name=ind.name_zh,
                                      min=_num(ind.scale_min), max=_num(ind.scale_max), score=_num(score))
        else:
            score = None
        entry["score"] = score
        out[ind.id] = entry
    return out


def _num(x: float) -> str:
    return f"{x:g}"


def _score(session: Session, the_set: IndicatorSet, scores: dict[int, dict]) -> tuple[float | None, str | None]:
    inds = indicators(session, the_set.id)
    total, complete = total_of(inds, {k: v.get("score") for k, v in scores.items()})
    return total, grade_of(total, grades_of(the_set)) if complete else None


def _stored(session: Session, evaluation_id: int) -> list[EvaluationScore]:
    return list(session.execute(select(EvaluationScore).where(EvaluationScore.evaluation_id == evaluation_id))
                .scalars())


def store_scores(ctx: Context, obj: Evaluation, created: bool) -> None:
    """The scores sent with the save, one row per indicator (its comment, evidence and the
    pre-filled figure and link with it)."""
    sent = ctx.data.get("scores")
    if sent is None:
        return
    scores = _sent_scores(ctx, obj.set_id)
    have = {r.indicator_id: r for r in _stored(ctx.session, obj.id)}
    for ind_id, entry in scores.items():
        if str(ind_id) not in {str(k) for k in sent}:
            continue
        row = have.get(ind_id) or EvaluationScore(evaluation_id=obj.id, indicator_id=ind_id)
        row.score = entry.get("score")
        for name in ("comment", "evidence"):
            if name in entry:
                setattr(row, name, records.clean_text(entry[name]))
        for name in ("evidence_value", "evidence_link"):
            if name in entry:
                setattr(row, name, entry[name])
        ctx.session.add(row)
    ctx.session.flush()
    audit.record(ctx.session, ctx.actor, "update", "evaluation_score", obj.id, None,
                 {"evaluation": obj.id, "scores": {str(k): v.get("score") for k, v in scores.items()},
                  "total": obj.total, "grade": obj.grade}, community_id=obj.community_id)


def locked(ctx: Context, obj: Evaluation) -> str | None:
    """Approved and published evaluations are final (corrected by a superseding one); a submitted
    one is under review (returned, it is edited again)."""
    if obj.status in LOCKED_STATES:
        return "evl.locked_approved"
    if obj.status == "submitted":
        return "evl.locked_submitted"
    return None


def complete(ctx: Context, obj: Evaluation) -> str | None:
    """Submitted only when every indicator has a score."""
    inds = indicators(ctx.session, obj.set_id)
    got = {r.indicator_id for r in _stored(ctx.session, obj.id) if r.score is not None}
    return None if inds and all(i.id in got for i in inds) else "evl.err_incomplete"


def not_own(ctx: Context, obj: Evaluation) -> str | None:
    """Nobody approves or returns their own evaluation."""
    return "evl.err_own" if ctx.actor.username in (obj.evaluator, obj.created_by) else None


def submitted(ctx: Context, obj: Evaluation, values: dict) -> dict:
    return {"submitted_at": utcnow()}


def approved(ctx: Context, obj: Evaluation, values: dict) -> dict:
    """Approved: final; the evaluation it corrects is marked superseded."""
    if obj.supersedes_id:
        old = ctx.session.get(Evaluation, obj.supersedes_id)
        if old is not None and not old.superseded:
            before = audit.snapshot(old)
            old.superseded = True
            old.updated_by = ctx.actor.username
            ctx.session.flush()
            audit.record(ctx.session, ctx.actor, "update", "evaluation", old.id, before, audit.snapshot(old),
                         community_id=old.community_id)
    return {"approved_by": ctx.actor.username, "approved_at": utcnow(), "returned_reason": None}


def returned(ctx: Context, obj: Evaluation, values: dict) -> dict:
    return {"returned_reason": records.clean_text(values.get("returned_reason"))}


def published(ctx: Context, obj: Evaluation, values: dict) -> dict:
    return {"published_at": utcnow()}


# --- making, scoring, correcting ------------------------------------------------------------------

def scores_of(session: Session, evaluation_id: int) -> dict[int, EvaluationScore]:
    return {r.indicator_id: r for r in _stored(session, evaluation_id)}


def create(session: Session, actor: Actor, *, set_id: int, community_id: int, period_start: date, period_end: date,
           kind: str | None = None, subject_name: str | None = None, subject_id: int | None = None,
           today: date | None = None) -> Evaluation:
    """A new draft scored with ``set_id``, its scores pre-filled from the ledgers where they hold
    the evidence (the evaluator changes them with a comment). One save through the engine."""
    the_set = session.get(IndicatorSet, set_id)
    if the_set is None:
        raise ValidationError({"set_id": "asm.err_not_current"}, "asm.err_not_current")
    today = today or clock.today()
    subject_name = records.clean_text(subject_name) or _subject_name(session, the_set.subject_kind, community_id,
                                                                      subject_id)
    data = {"kind": kind or DEFAULT_KIND.get(the_set.key, "special"), "set_id": set_id,
            "community_id": community_id, "subject_id": subject_id, "subject_name": subject_name,
            "period_start": period_start, "period_end": period_end}
    # the period is checked before the ledgers are read for it
    if isinstance(period_start, date) and period_start > today:
        raise ValidationError({"period_start": "evl.err_not_started"}, "evl.err_not_started")
    data["scores"] = prefilled_scores(session, actor, the_set, Subject.of(data, today))
    return ledgers.save(session, actor, EVALUATION, data, today=today)


def _subject_name(session: Session, kind: str, community_id: int, subject_id: int | None) -> str | None:
    from db.models import Community, User
    from db.models.volunteers import Activity

    if kind == "community":
        row = session.get(Community, community_id)
        return row.name if row else None
    if kind == "staff" and subject_id:
        row = session.get(User, subject_id)
        return (row.display_name or row.username) if row else None
    if kind == "activity" and subject_id:
        row = session.get(Activity, subject_id)
        return f"{row.activity_date} {row.theme}" if row else None
    return None


def save_scores(session: Session, actor: Actor, evaluation_id: int, scores: dict[int, dict],
                expected_version: int | None, findings: str | None = None) -> Evaluation:
    """The scoring form: every indicator's score, comment and evidence in one save through the
    engine (permission, scope, the version the form was loaded with, a locked evaluation
    refused); a score outside its scale refuses the whole save."""
    obj = ledgers.get(session, actor, EVALUATION, evaluation_id)
    data = {f.name: getattr(obj, f.name) for f in EVALUATION.fields if f.column and f.editable}
    if findings is not None:
        data["findings"] = findings
    data["scores"] = scores
    return ledgers.save(session, actor, EVALUATION, data, evaluation_id, expected_version)


def correct(session: Session, actor: Actor, evaluation_id: int) -> Evaluation:
    """A correction of an approved or published evaluation: a new draft with the same set,
    subject, period and scores, superseding it once approved. One open correction at a time."""
    old = ledgers.get(session, actor, EVALUATION, evaluation_id)
    if not ledgers.may(actor, EVALUATION, "create"):
        raise PermissionDenied()
    if old.status not in LOCKED_STATES or old.superseded:
        raise PermissionDenied("evl.err_correct_state")
    pending = session.execute(select(Evaluation.id).where(Evaluation.supersedes_id == old.id,
                                                          Evaluation.deleted_at.is_(None))).first()
    if pending:
        raise PermissionDenied("evl.err_correction_open")
    stored = scores_of(session, old.id)
    data = {"kind": old.kind, "set_id": old.set_id, "community_id": old.community_id, "subject_id": old.subject_id,
            "subject_name": old.subject_name, "period_start": old.period_start, "period_end": old.period_end,
            "findings": old.findings, "supersedes_id": old.id,
            "scores": {k: {"score": r.score, "comment": r.comment, "evidence": r.evidence,
                           "evidence_value": r.evidence_value, "evidence_link": r.evidence_link}
                       for k, r in stored.items()}}
    return ledgers.save(session, actor, EVALUATION, data)


# --- findings --------------------------------------------------------------------------------

def open_action(session: Session, actor: Actor, evaluation_id: int, *, title: str, owner: str, due: date,
                detail: str | None = None, grid_id: int | None = None):
    """An improvement action from the evaluation's findings."""
    from services import actions

    ev = ledgers.get(session, actor, EVALUATION, evaluation_id)
    return actions.open_from(session, actor, "evaluation", ev.id, community_id=ev.community_id, title=title,
                             owner=owner, due=due, grid_id=grid_id,
                             detail=detail or f"{ev.subject_name} {ev.period_start}~{ev.period_end}")


def open_hazard(session: Session, actor: Actor, evaluation_id: int, *, grid_id: int, description: str,
                category: str, severity: str = "一般", responsible: str | None = None):
    """A hazard found by the evaluation, through the engine (source "evaluation")."""
    from db.models.safety import HAZARD

    ev = ledgers.get(session, actor, EVALUATION, evaluation_id)
    return ledgers.save(session, actor, HAZARD, {
        "description": description, "category": category, "severity": severity, "risk_level": "中",
        "source": "evaluation", "grid_id": grid_id, "responsible": responsible or (
            ev.subject_name if ev.subject_kind == "org" else None), "found_on": clock.today()})


# --- evidence from the ledgers ---------------------------------------------------------------

@dataclass(frozen=True)
class Subject:
    """What an evaluation judges, for the evidence: the community, the subject, the period."""
    community_id: int
    kind: str | None
    subject_id: int | None
    name: str | None
    start: date
    end: date
    today: date

    @staticmethod
    def of(data: dict, today: date) -> "Subject":
        return Subject(data["community_id"], data.get("subject_kind"), data.get("subject_id"),
                       data.get("subject_name"), data["period_start"], data["period_end"], today)


@dataclass
class Evidence:
    """A figure from the ledgers: ``value`` (a rate in %, or a count), ``count`` of ``of``, the
    score it suggests as a fraction of the scale (``rate`` 0–1), what it counts (a catalog key and
    its parameters), the list page that holds the records (``link``: "page?param=value&…") and
    the records themselves (label, page, query params), at most ``RECORDS``."""
    key: str
    value: float | None
    count: int
    of: int | None
    rate: float | None
    text: str
    params: dict = field(default_factory=dict)
    link: str | None = None
    records: list[tuple[str, str, dict]] = field(default_factory=list)

    def suggested(self, ind: Indicator) -> float | None:
        if self.rate is None:
            return None
        return round(ind.scale_min + max(0.0, min(1.0, self.rate)) * (ind.scale_max - ind.scale_min), 1)


RECORDS = 50


def _link(page: str, params: dict) -> str:
    from urllib.parse import urlencode

    return f"{page}?{urlencode(params)}" if params else page


def split_link(link: str) -> tuple[str, dict]:
    """("page", {param: value}) of a stored evidence link."""
    from urllib.parse import parse_qsl

    page, _, query = link.partition("?")
    return page, dict(parse_qsl(query))


def _kpi(session: Session, actor: Actor, key: str, subject: Subject) -> tuple[int, int]:
    from services import kpis  # kpis may import this module; not at load

    scope = kpis.Scope(actor, frozenset({subject.community_id}))
    num, den = kpis.REGISTRY[key].compute(session, scope, subject.start, subject.end, subject.today)
    return int(num), int(den)


def _rate(num: int, den: int) -> tuple[float | None, float | None]:
    return (round(100 * num / den, 1), num / den) if den else (None, None)


def ev_inspection_completion(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Scheduled checks of the period done (the KPI inspection_completion for the community)."""
    done, due = _kpi(session, actor, "inspection_completion", subject)
    value, rate = _rate(done, due)
    return Evidence("inspection_completion", value, done, due, rate, "evl.ev_completion",
                    {"done": done, "due": due}, _link("schedule", {"sched.status": "overdue"}))


def _hazards_due(session: Session, actor: Actor, subject: Subject):
    from db.models.safety import HAZARD, Hazard

    return select(Hazard).where(Hazard.deleted_at.is_(None), Hazard.community_id == subject.community_id,
                                Hazard.deadline.between(subject.start, min(subject.end, subject.today)),
                                *ledgers.scope(HAZARD, actor))


def ev_rectification(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Hazards due in the period closed by their deadline (both KPIs: 一般 and 重大)."""
    k1, n1 = _kpi(session, actor, "rectification", subject)
    k2, n2 = _kpi(session, actor, "rectification_major", subject)
    value, rate = _rate(k1 + k2, n1 + n2)
    rows = session.execute(_hazards_due(session, actor, subject).order_by(_hazard_deadline()).limit(RECORDS)).scalars()
    recs = [(f"{h.deadline} {h.severity} {h.description[:30]}", "hazards", {"hazards.id": str(h.id)}) for h in rows]
    return Evidence("rectification", value, k1 + k2, n1 + n2, rate, "evl.ev_rectification",
                    {"on_time": k1 + k2, "due": n1 + n2}, _link("hazards", {}), recs)


def _hazard_deadline():
    from db.models.safety import Hazard

    return Hazard.deadline


SANITATION = ("hygiene", "waste_points")


def _sanitation_inspections(subject: Subject):
    """Submitted hygiene (环境卫生, area checks of the community's grids, which the property company
    cleans) and waste-sorting point (垃圾分类投放点) inspections of the period, of facilities the
    organisation is responsible for — the area checks have no facility and count for it."""
    from db.models.safety import Facility, Inspection

    return [Inspection.deleted_at.is_(None), Inspection.status == "submitted",
            Inspection.community_id == subject.community_id, Inspection.category.in_(SANITATION),
            Inspection.inspected_on.between(subject.start, subject.end),
            or_(Inspection.facility_id.is_(None),
                Inspection.facility_id.in_(select(Facility.id).where(Facility.responsible_org == subject.name)))]


def ev_hygiene_pass_rate(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Checklist items passed ÷ items judged (合格 or 不合格) on those inspections."""
    from db.models.safety import Inspection, InspectionItem

    conds = _sanitation_inspections(subject)
    passed, judged = session.execute(select(
        func.coalesce(func.sum(case((InspectionItem.result == "合格", 1), else_=0)), 0),
        func.count(InspectionItem.id)).join(Inspection, Inspection.id == InspectionItem.inspection_id).where(
        *conds, InspectionItem.result.in_(("合格", "不合格")))).one()
    passed, judged = int(passed or 0), int(judged or 0)
    n = session.execute(select(func.count()).select_from(Inspection).where(*conds)).scalar_one()
    value, rate = _rate(passed, judged)
    rows = session.execute(select(Inspection).where(*conds).order_by(Inspection.inspected_on.desc())
                           .limit(RECORDS)).scalars()
    recs = [(f"{r.inspected_on} {r.category} {r.overall or ''}", "inspections", {"inspections.id": str(r.id)})
            for r in rows]
    return Evidence("hygiene_pass_rate", value, passed, judged, rate, "evl.ev_hygiene",
                    {"passed": passed, "judged": judged, "inspections": n},
                    _link("inspections", {"inspections.category": SANITATION[0]}), recs)


def _complaints(session: Session, subject: Subject):
    """Complaints received on the period's local days (stored times are UTC) naming the organisation."""
    from services.complaints import utc_bounds

    start, end = utc_bounds(session, subject.start, subject.end)
    return [Complaint.deleted_at.is_(None), Complaint.community_id == subject.community_id,
            Complaint.subject_org == subject.name, Complaint.received_at >= start, Complaint.received_at < end]


COMPLAINT_PENALTY = 10  # points of 100 off the complaints indicator per complaint against the organisation


def ev_complaints_against(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Complaints received in the period naming the organisation; each takes 10 % of the scale."""
    n = session.execute(select(func.count()).select_from(Complaint).where(*_complaints(session, subject))).scalar_one()
    rows = session.execute(select(Complaint).where(*_complaints(session, subject)).order_by(Complaint.received_at.desc())
                           .limit(RECORDS)).scalars()
    recs = [(f"{r.received_at:%Y-%m-%d} {r.content[:30]}", "complaints", {"complaints.id": str(r.id)}) for r in rows]
    return Evidence("complaints_against", float(n), n, None, max(0.0, 1 - n * COMPLAINT_PENALTY / 100),
                    "evl.ev_complaints", {"n": n, "penalty": COMPLAINT_PENALTY},
                    _link("complaints", {"complaints.q": subject.name or ""}), recs)


def _activity(session: Session, subject: Subject):
    from db.models.volunteers import Activity

    row = session.get(Activity, subject.subject_id) if subject.subject_id else None
    return row if row is not None and row.deleted_at is None and row.community_id == subject.community_id else None


def ev_activity_turnout(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """The activity's actual turnout ÷ its target (over 100 % suggests the top of the scale)."""
    act = _activity(session, subject)
    if act is None or act.actual_turnout is None or not act.target_turnout:
        return Evidence("activity_turnout", None, 0, None, None, "evl.ev_no_turnout")
    value, rate = _rate(act.actual_turnout, act.target_turnout)
    return Evidence("activity_turnout", value, act.actual_turnout, act.target_turnout, rate, "evl.ev_turnout",
                    {"actual": act.actual_turnout, "target": act.target_turnout},
                    _link("activities", {"activities.id": str(act.id)}),
                    [(act.theme, "activities", {"activities.id": str(act.id)})])


def ev_activity_satisfaction(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """The activity's satisfaction (% satisfied, recorded when it was evaluated)."""
    act = _activity(session, subject)
    if act is None or act.satisfaction is None:
        return Evidence("activity_satisfaction", None, 0, None, None, "evl.ev_no_satisfaction")
    return Evidence("activity_satisfaction", float(act.satisfaction), 0, None, act.satisfaction / 100,
                    "evl.ev_satisfaction", {"value": _num(act.satisfaction)},
                    _link("activities", {"activities.id": str(act.id)}),
                    [(act.theme, "activities", {"activities.id": str(act.id)})])


def ev_risk_identified(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Yes when inspections were submitted in the period (risks are being identified)."""
    from db.models.safety import INSPECTION, Inspection

    n = session.execute(select(func.count()).select_from(Inspection).where(
        Inspection.deleted_at.is_(None), Inspection.status == "submitted",
        Inspection.community_id == subject.community_id, *ledgers.scope(INSPECTION, actor),
        Inspection.inspected_on.between(subject.start, subject.end))).scalar_one()
    return Evidence("risk_identified", float(n), n, None, 1.0 if n else 0.0, "evl.ev_inspections", {"n": n},
                    _link("inspections", {}))


def ev_risk_assessed(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Yes when hazards found in the period were given a severity and risk level."""
    from db.models.safety import HAZARD, Hazard

    n = session.execute(select(func.count()).select_from(Hazard).where(
        Hazard.deleted_at.is_(None), Hazard.community_id == subject.community_id, *ledgers.scope(HAZARD, actor),
        Hazard.found_on.between(subject.start, subject.end))).scalar_one()
    return Evidence("risk_assessed", float(n), n, None, 1.0 if n else 0.0, "evl.ev_hazards", {"n": n},
                    _link("hazards", {}))


TRAINING_TYPES = ("消防宣传", "讲座")


def ev_safety_training(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Yes when a fire-safety or talk activity was held in the period."""
    from db.models.volunteers import Activity

    conds = [Activity.deleted_at.is_(None), Activity.community_id == subject.community_id,
             Activity.activity_type.in_(TRAINING_TYPES), Activity.status.in_(("held", "evaluated")),
             Activity.activity_date.between(subject.start, subject.end)]
    n = session.execute(select(func.count()).select_from(Activity).where(*conds)).scalar_one()
    rows = session.execute(select(Activity).where(*conds).order_by(Activity.activity_date).limit(RECORDS)).scalars()
    recs = [(f"{a.activity_date} {a.theme}", "activities", {"activities.id": str(a.id)}) for a in rows]
    return Evidence("safety_training", float(n), n, None, 1.0 if n else 0.0, "evl.ev_training", {"n": n},
                    _link("activities", {"activities.activity_type": TRAINING_TYPES[0]}), recs)


def ev_drills_held(session: Session, actor: Actor, subject: Subject) -> Evidence:
    """Yes when a drill was held (or held and evaluated) in the period."""
    from db.models.drills import Drill

    conds = [Drill.deleted_at.is_(None), Drill.community_id == subject.community_id,
             Drill.status.in_(("held", "evaluated")), Drill.held_on.between(subject.start, subject.end)]
    n = session.execute(select(func.count()).select_from(Drill).where(*conds)).scalar_one()
    rows = session.execute(select(Drill).where(*conds).order_by(Drill.held_on).limit(RECORDS)).scalars()
    recs = [(f"{d.held_on} {d.title}", "drills", {"drills.id": str(d.id)}) for d in rows]
    return Evidence("drills_held", float(n), n, None, 1.0 if n else 0.0, "evl.ev_drills", {"n": n},
                    _link("drills", {"drills.view": "evaluated"}), recs)


EVIDENCE: dict[str, Callable[[Session, Actor, Subject], Evidence]] = {
    "inspection_completion": ev_inspection_completion,
    "rectification": ev_rectification,
    "hygiene_pass_rate": ev_hygiene_pass_rate,
    "complaints_against": ev_complaints_against,
    "activity_turnout": ev_activity_turnout,
    "activity_satisfaction": ev_activity_satisfaction,
    "risk_identified": ev_risk_identified,
    "risk_assessed": ev_risk_assessed,
    "safety_training": ev_safety_training,
    "drills_held": ev_drills_held,
}


def evidence_for(session: Session, actor: Actor, ind: Indicator, subject: Subject) -> Evidence | None:
    fn = EVIDENCE.get(ind.evidence or "")
    return fn(session, actor, subject) if fn else None


def subject_of(obj: Evaluation, today: date | None = None) -> Subject:
    return Subject(obj.community_id, obj.subject_kind, obj.subject_id, obj.subject_name, obj.period_start,
                   obj.period_end, today or clock.today())


def prefilled_scores(session: Session, actor: Actor, the_set: IndicatorSet, subject: Subject) -> dict[int, dict]:
    """The scores a new evaluation starts with: the evidence's figure, its link and the score it
    suggests where the ledgers hold it; empty elsewhere."""
    out: dict[int, dict] = {}
    subject = Subject(subject.community_id, the_set.subject_kind, subject.subject_id, subject.name, subject.start,
                      subject.end, subject.today)
    for ind in indicators(session, the_set.id):
        ev = evidence_for(session, actor, ind, subject)
        if ev is None:
            out[ind.id] = {"score": None}
            continue
        out[ind.id] = {"score": ev.suggested(ind), "evidence_value": ev.value, "evidence_link": ev.link,
                       "evidence": None}
    return out


def evidence_of(session: Session, actor: Actor, obj: Evaluation) -> dict[int, Evidence]:
    """The evidence of each indicator of the evaluation that has some, as the ledgers hold it now."""
    inds = indicators(session, obj.set_id)
    subject = subject_of(obj)
    return {i.id: ev for i in inds if (ev := evidence_for(session, actor, i, subject)) is not None}


# --- lists for the page ------------------------------------------------------------------------

def org_options(session: Session, actor: Actor, community_id: int) -> list[str]:
    """The organisations responsible for the community's facilities (a property company first)."""
    from db.models.safety import Facility

    names = session.execute(select(Facility.responsible_org).where(
        Facility.deleted_at.is_(None), Facility.community_id == community_id, Facility.responsible_org.isnot(None))
        .distinct()).scalars().all()
    return sorted(names, key=lambda n: (0 if "物业" in n else 1, n))


def staff_options(session: Session, actor: Actor, community_id: int) -> dict[int, str]:
    """The community's staff and managers (who are appraised), in SQL as the actions' owners are."""
    from db.models import User
    from services.actions import staff_of

    rows = session.execute(select(User.id, User.display_name, User.username).where(*staff_of({community_id}))
                           .order_by(User.display_name_pinyin, User.username)).all()
    return {uid: name or username for uid, name, username in rows}


def activity_options(session: Session, actor: Actor, community_id: int) -> dict[int, str]:
    from db.models.volunteers import ACTIVITY, Activity

    rows = session.execute(select(Activity).where(
        Activity.deleted_at.is_(None), Activity.community_id == community_id,
        Activity.status.in_(("held", "evaluated")), *ledgers.scope(ACTIVITY, actor))
        .order_by(Activity.activity_date.desc()).limit(100)).scalars()
    return {a.id: f"{a.activity_date} {a.theme}" for a in rows}


def grid_options(session: Session, actor: Actor, community_id: int) -> dict[int, str]:
    """The community's grids the actor may open a hazard in."""
    from db.models.places import GRID, Grid

    rows = session.execute(select(Grid).where(Grid.deleted_at.is_(None), Grid.community_id == community_id,
                                              *ledgers.scope(GRID, actor)).order_by(Grid.code)).scalars()
    return {g.id: g.name for g in rows}


def totals_over_periods(session: Session, actor: Actor) -> list[dict]:
    """Approved and published community checks: (community, period end, total) for the chart."""
    from db.models import Community

    rows = session.execute(select(Community.name, Evaluation.period_end, Evaluation.total).join(
        Community, Community.id == Evaluation.community_id).where(
        Evaluation.deleted_at.is_(None), Evaluation.kind == "quarterly", Evaluation.superseded.is_(False),
        Evaluation.status.in_(LOCKED_STATES), Evaluation.total.isnot(None),
        *ledgers.scope(EVALUATION, actor)).order_by(Evaluation.period_end)).all()
    return [{"community": c, "period": str(end), "total": total} for c, end, total in rows]


# --- the demo (services.bootstrap.load_demo_data, last: the evidence reads the other ledgers) -------

_COMMENTS = {
    "plan": ("年度服务计划按月推进，个别项目延期", "服务项目基本按计划执行"),
    "staff": ("窗口服务规范，偶有首问负责落实不到位", "工作人员持证上岗，服务用语规范"),
    "resources": ("活动室使用率偏低，需统筹安排", "资源配置总体合理"),
    "feedback": ("部分隐患整改超期，需加强跟踪", "居民反馈能及时回应"),
    "effect": ("居民满意度较上季度有提升", "重点工作目标基本完成"),
    "de": ("遵守工作纪律，个别会议缺席", "政治立场坚定，遵守工作纪律，群众口碑好"),
    "neng": ("业务知识需进一步学习", "熟悉网格情况，业务能力较强"),
    "qin": ("巡查记录有缺漏", "出勤率高，巡查记录完整"),
    "ji": ("走访任务完成率偏低", "完成走访和巡检任务，隐患整改跟进及时"),
    "checklist": ("环境卫生检查合格率偏低，楼道清扫不及时", "环境卫生和分类投放点检查合格率较高"),
    "complaints": ("本期有居民投诉垃圾清运不及时", "本期未收到针对物业的投诉，分类投放规范"),
    "organisation": ("现场分工不够明确", "分工明确，现场秩序良好"),
    "turnout": ("参与人数未达预期，宣传需提前", "参与人数达到预期"),
    "satisfaction": ("部分居民反映时间安排不便", "参与居民评价较好"),
}


def _demo_scores(rng, session: Session, actor: Actor, the_set: IndicatorSet, subject: Subject,
                 level: float) -> dict[int, dict]:
    """Pre-filled evidence kept where the ledgers hold it; elsewhere a believable score around
    ``level`` (a share of the scale), with a comment."""
    out = prefilled_scores(session, actor, the_set, subject)
    for ind in indicators(session, the_set.id):
        entry = out[ind.id]
        span = ind.scale_max - ind.scale_min
        if entry.get("score") is None:
            share = max(0.0, min(1.0, level + rng.uniform(-0.08, 0.08)))
            step = 1 if span <= 5 else 0.5
            entry["score"] = round((ind.scale_min + share * span) / step) * step
        texts = _COMMENTS.get(ind.code)
        if texts:
            entry["comment"] = texts[0] if entry["score"] < ind.scale_min + 0.85 * span else texts[-1]
        if entry.get("evidence_link"):
            entry["evidence"] = "据台账数据预填"
    return out


def load_demo(session: Session, places) -> dict:
    """Two quarters of community checks per community (approved and published, one returned,
    one draft), one round of staff and property-company appraisals, an activity evaluation, and
    one finding that opened an improvement action — made through the services, as people would."""
    import random

    from db.models import User
    from db.models.volunteers import Activity
    from services import kpis
    from services.users import actor_for

    rng = random.Random(19)
    today = clock.today()
    q2 = kpis.reporting_period("quarter", today)
    q1 = kpis.previous("quarter", q2[0])
    people = {u: actor_for(session, u) for u in ("admin", "supervisor", "manager")}
    sets = {s.key: s for s in current_sets(session)}
    made = 0

    def evaluation(who: str, key: str, community_id: int, period, level: float, *, subject_id=None, name=None,
                   kind=None, findings=None) -> Evaluation:
        nonlocal made
        actor = people[who]
        the_set = sets[key]
        subject = Subject(community_id, the_set.subject_kind, subject_id, name, period[0], period[1], today)
        ev = create(session, actor, set_id=the_set.id, community_id=community_id, period_start=period[0],
                    period_end=period[1], kind=kind, subject_name=name, subject_id=subject_id, today=today)
        save_scores(session, actor, ev.id, _demo_scores(rng, session, actor, the_set, subject, level), ev.version,
                    findings=findings)
        made += 1
        return ev

    def step(ev: Evaluation, who: str, name: str, **data) -> None:
        ledgers.move(session, people[who], EVALUATION, ev.id, name, data or None, ev.version)

    first, second = places.communities[0], places.communities[1]
    # community checks: manager evaluates 1st community (approved by the supervisor), the supervisor
    # the 2nd (approved by the admin)
    a = evaluation("manager", "community_check", first.id, q1, 0.86, findings="活动室管理制度未上墙，部分隐患整改超期。")
    step(a, "manager", "submit"), step(a, "supervisor", "approve"), step(a, "supervisor", "publish")
    b = evaluation("supervisor", "community_check", second.id, q1, 0.82)
    step(b, "supervisor", "submit"), step(b, "admin", "approve")
    c = evaluation("manager", "community_check", first.id, q2, 0.9)
    step(c, "manager", "submit")
    step(c, "supervisor", "return", returned_reason="“效果达到目标”一项缺少满意度调查依据，请补充后重新提交。")
    evaluation("supervisor", "community_check", second.id, q2, 0.78)
    # staff appraisals: the grid worker by the manager, the manager by the supervisor
    half = (q1[0], q2[1])
    users = {u.username: u for u in session.execute(select(User).where(User.username.in_(("staff", "manager"))))
             .scalars()}
    s1 = evaluation("manager", "staff_appraisal", first.id, half, 0.88, subject_id=users["staff"].id)
    step(s1, "manager", "submit"), step(s1, "supervisor", "approve")
    s2 = evaluation("supervisor", "staff_appraisal", first.id, half, 0.92, subject_id=users["manager"].id)
    step(s2, "supervisor", "submit"), step(s2, "admin", "approve"), step(s2, "admin", "publish")
    # the property company of each community
    for community, who, approver in ((first, "manager", "supervisor"), (second, "supervisor", "admin")):
        orgs = org_options(session, people[who], community.id)
        org = next((o for o in orgs if "物业" in o), orgs[0] if orgs else "和平物业服务中心")
        p = evaluation(who, "property_appraisal", community.id, q2, 0.8, name=org,
                       findings="楼道保洁频次不足，垃圾分类投放点周边卫生需加强。" if community is first else None)
        step(p, who, "submit")
        if community is first:
            step(p, approver, "approve")
            open_action(session, people[approver], p.id, title="物业公司增加楼道保洁频次并整改垃圾投放点卫生",
                        owner="manager", due=today + timedelta(days=20))
    # an activity held lately
    act = session.execute(select(Activity).where(Activity.community_id == first.id, Activity.deleted_at.is_(None),
                                                 Activity.status.in_(("held", "evaluated")),
                                                 Activity.activity_date <= today)
                          .order_by(Activity.activity_date.desc()).limit(1)).scalar_one_or_none()
    if act is not None:
        evaluation("manager", "activity_evaluation", first.id, (act.activity_date, act.activity_date), 0.85,
                   subject_id=act.id)
    return {"evaluations": made}
