"""Inspections against checklists: a draft that survives reloads, per-item results with notes
and photos, a submit that is stored once however often it is tapped and opens a hazard for
every failed item, paper rounds entered afterwards, printable reports and blank checklists,
and the inspection calendar (obligations from the schedule engine)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Community, Grid
from db.models.places import GRID
from db.models.safety import (FACILITY, INSPECTION, RESULTS, Facility, Inspection, InspectionItem,
                              checklist_reference)
from services import audit, checklists, clock, hazards, ledgers, records, schedule, settings
from services.access import Actor, require, require_row
from services.errors import NotFound, PermissionDenied, ValidationError
from services.users import display_names


def category_name(category: str, lang: str = "zh") -> str:
    spec = checklist_reference().get(category, {})
    return spec.get("en" if lang == "en" else "zh", category)


def _target(session: Session, actor: Actor, category: str, facility_id: int | None, grid_id: int | None):
    """The facility (for facility checklists) or grid (for area checklists) being inspected."""
    template = checklists.current(session, category)
    if template.target == "facility":
        if not facility_id:
            raise ValidationError({"facility_id": "err.required"})
        facility = records.get_live(session, Facility, facility_id)
        if facility.category != category:
            raise ValidationError({"facility_id": "err.bad_choice"})
        require_row(actor, facility.community_id, facility.grid_id)
        return template, facility, facility.grid_id, facility.community_id
    if not grid_id:
        raise ValidationError({"grid_id": "err.required"})
    grid = records.get_live(session, Grid, grid_id)
    require_row(actor, grid.community_id, grid.id)
    return template, None, grid.id, grid.community_id


def open_draft(session: Session, actor: Actor, category: str, facility_id: int | None = None,
               grid_id: int | None = None, inspected_on: date | None = None) -> Inspection:
    """The actor's open draft for this facility/area, or a new one with the current items."""
    require(actor, "inspections", "create")
    template, facility, grid_id, community_id = _target(session, actor, category, facility_id, grid_id)
    existing = session.execute(select(Inspection).where(
        Inspection.status == "draft", Inspection.inspector == actor.username, Inspection.category == category,
        Inspection.deleted_at.is_(None),
        Inspection.facility_id == facility.id if facility else and_(Inspection.facility_id.is_(None),
                                                                    Inspection.grid_id == grid_id))
        .order_by(Inspection.id.desc())).scalars().first()
    if existing is not None:
        return existing
    inspection = Inspection(community_id=community_id, template_id=template.id, category=category,
                            facility_id=facility.id if facility else None, grid_id=grid_id,
                            inspector=actor.username, inspected_on=inspected_on or clock.today(), status="draft",
                            created_by=actor.username, updated_by=actor.username)
    session.add(inspection)
    session.flush()
    session.add_all([InspectionItem(inspection_id=inspection.id, position=i["position"], code=i["code"],
                                    text_zh=i["text_zh"], text_en=i["text_en"], severity=i["severity"])
                     for i in template.items])
    session.flush()
    return inspection


def _draft(session: Session, actor: Actor, inspection_id: int) -> Inspection:
    require(actor, "inspections", "create")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.deleted_at is not None:
        raise NotFound(id=inspection_id)
    if inspection.inspector != actor.username:
        raise PermissionDenied("err.not_your_draft")
    return inspection


def save_item(session: Session, actor: Actor, inspection_id: int, code: str, result: str | None = None,
              note: str | None = None, photo_id: int | None = None, clear_photo: bool = False) -> None:
    """Keep one answer of a draft (called on every change, so a reload loses nothing)."""
    inspection = _draft(session, actor, inspection_id)
    if inspection.status != "draft":
        return  # already submitted: a late tap changes nothing
    if result is not None and result not in RESULTS:
        raise ValidationError({code: "err.bad_choice"})
    item = session.execute(select(InspectionItem).where(InspectionItem.inspection_id == inspection.id,
                                                        InspectionItem.code == code)).scalar_one()
    if result is not None:
        item.result = result
    if note is not None:
        item.note = records.clean_text(note)
    if photo_id is not None or clear_photo:
        item.photo_id = photo_id
    inspection.updated_at = utcnow()
    session.flush()


def set_date(session: Session, actor: Actor, inspection_id: int, inspected_on: date, today: date | None = None):
    inspection = _draft(session, actor, inspection_id)
    if inspected_on > (today or clock.today()):
        raise ValidationError({"inspected_on": "err.future_date"})
    if inspection.status == "draft":
        inspection.inspected_on = inspected_on
        session.flush()


@dataclass
class Submitted:
    inspection: Inspection
    hazard_ids: list[int]
    already: bool = False


def submit(session: Session, actor: Actor, inspection_id: int, today: date | None = None,
           source: str = "app") -> Submitted:
    """Submit a draft: every item answered, summaries stored, a hazard for each 不合格 item.
    Submitting again (a double tap) returns the stored inspection and opens nothing new."""
    inspection = session.execute(select(Inspection).where(Inspection.id == inspection_id).with_for_update()
                                 ).scalar_one_or_none()
    if inspection is None:
        raise NotFound(id=inspection_id)
    inspection = _draft(session, actor, inspection_id)
    if inspection.status == "submitted":
        ids = list(session.execute(select(hazards.Hazard.id).join(
            InspectionItem, InspectionItem.id == hazards.Hazard.inspection_item_id)
            .where(InspectionItem.inspection_id == inspection.id)).scalars())
        return Submitted(inspection, ids, already=True)
    if inspection.inspected_on > (today or clock.today()):
        raise ValidationError({"inspected_on": "err.future_date"})
    items = session.execute(select(InspectionItem).where(InspectionItem.inspection_id == inspection.id)
                            .order_by(InspectionItem.position)).scalars().all()
    missing = [i.code for i in items if i.result is None]
    if missing:
        raise ValidationError({c: "err.required" for c in missing}, key="err.unanswered", n=len(missing))
    failed = [i for i in items if i.result == "不合格"]
    inspection.status, inspection.source = "submitted", source
    inspection.overall = "不合格" if failed else "合格"
    inspection.items_total = sum(1 for i in items if i.result != "不适用")
    inspection.items_failed = len(failed)
    inspection.submitted_at = utcnow()
    template = session.get(checklists.ChecklistTemplate, inspection.template_id)
    inspection.period_start = schedule.period_of(inspection.inspected_on, template.rule_unit, template.rule_every)[0]
    inspection.updated_by = actor.username
    session.flush()
    facility = session.get(Facility, inspection.facility_id) if inspection.facility_id else None
    name = category_name(inspection.category)
    opened = [hazards.open_from_item(session, actor, i, inspection, facility, name).id for i in failed]
    audit.record(session, actor, "submit", "inspection", inspection.id, None, {
        "category": inspection.category, "facility_id": inspection.facility_id, "grid_id": inspection.grid_id,
        "inspected_on": inspection.inspected_on, "overall": inspection.overall, "failed": [i.code for i in failed],
        "source": source}, community_id=inspection.community_id)
    return Submitted(inspection, opened)


def enter_paper_round(session: Session, actor: Actor, category: str, inspected_on: date, results: dict[str, str],
                      notes: dict[str, str] | None = None, facility_id: int | None = None,
                      grid_id: int | None = None, today: date | None = None) -> Submitted:
    """A round done on paper, typed in afterwards in one go (one transaction)."""
    if inspected_on > (today or clock.today()):
        raise ValidationError({"inspected_on": "err.future_date"})
    inspection = open_draft(session, actor, category, facility_id, grid_id, inspected_on)
    inspection.inspected_on = inspected_on
    for code, result in results.items():
        save_item(session, actor, inspection.id, code, result, (notes or {}).get(code))
    return submit(session, actor, inspection.id, today, source="paper")


def discard_draft(session: Session, actor: Actor, inspection_id: int) -> None:
    inspection = _draft(session, actor, inspection_id)
    if inspection.status == "draft":
        session.delete(inspection)
        session.flush()


def my_drafts(session: Session, actor: Actor) -> list[dict]:
    rows = session.execute(select(Inspection, Facility.name).join(Facility, Facility.id == Inspection.facility_id,
                                                                   isouter=True)
                           .where(Inspection.status == "draft", Inspection.inspector == actor.username,
                                  Inspection.deleted_at.is_(None)).order_by(Inspection.updated_at.desc())).all()
    return [{"id": i.id, "category": i.category, "facility_id": i.facility_id, "facility": name,
             "grid_id": i.grid_id, "inspected_on": i.inspected_on, "updated_at": i.updated_at} for i, name in rows]


def detail(session: Session, actor: Actor, inspection_id: int) -> dict:
    require(actor, "inspections", "view")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.deleted_at is not None:
        raise NotFound(id=inspection_id)
    require_row(actor, inspection.community_id, inspection.grid_id)
    if inspection.status == "draft" and inspection.inspector != actor.username:
        raise NotFound(id=inspection_id)
    items = [{"code": i.code, "text_zh": i.text_zh, "text_en": i.text_en, "severity": i.severity,
              "result": i.result, "note": i.note, "photo_id": i.photo_id}
             for i in session.execute(select(InspectionItem).where(InspectionItem.inspection_id == inspection.id)
                                      .order_by(InspectionItem.position)).scalars()]
    facility = session.get(Facility, inspection.facility_id) if inspection.facility_id else None
    grid = session.get(Grid, inspection.grid_id)
    community = session.get(Community, inspection.community_id)
    return {"id": inspection.id, "category": inspection.category, "status": inspection.status,
            "inspected_on": inspection.inspected_on,
            "inspector": display_names(session, [inspection.inspector]).get(inspection.inspector, inspection.inspector),
            "overall": inspection.overall,
            "source": inspection.source, "facility": f"{facility.code} {facility.name}" if facility else None,
            "location": facility.location if facility else None, "grid": grid.name, "community": community.name,
            "template_id": inspection.template_id, "items": items, "version": inspection.version,
            "items_failed": inspection.items_failed}


# --- the inspection calendar ------------------------------------------------------------------

@dataclass
class Due:
    category: str
    facility_id: int | None
    name: str
    grid_id: int
    inspector: str | None
    period_start: date
    period_end: date
    status: str
    done_on: date | None
    last_done: date | None


def obligations(session: Session, actor: Actor, today: date | None = None, lookback: int = 3,
                category: str | None = None, grid_id: int | None = None, person: str | None = None,
                month: str | None = None) -> list[Due]:
    """Every check the rules ask for, per facility (or grid for area checklists), for the current
    period and the ``lookback`` before it: done / due / due soon / overdue. A pure function of
    the rules, the submitted inspections and today. With ``month`` (``YYYY-MM``): the periods
    ending in that month instead — what one cell of the completion heatmap counts."""
    require(actor, "schedule", "view")
    today = today or clock.today()
    soon = int(settings.get(session, "schedule.soon_days"))
    rules = checklists.rules(session)
    facility_conds = [Facility.deleted_at.is_(None), Facility.status != "停用", *ledgers.scope(FACILITY, actor)]
    if category:
        facility_conds.append(Facility.category == category)
    if grid_id:
        facility_conds.append(Facility.grid_id == grid_id)
    if person:
        facility_conds.append(Facility.inspector == person)
    targets = [(f.category, f.id, f"{f.code} {f.name}", f.grid_id, f.inspector, f.created_at.date())
               for f in session.execute(select(Facility).where(*facility_conds)).scalars() if f.category in rules]
    area_categories = [c for c, (_, _, tg) in rules.items() if tg == "area" and (not category or c == category)]
    if area_categories and not person:
        grid_conds = [Grid.deleted_at.is_(None), *ledgers.scope(GRID, actor)]
        if grid_id:
            grid_conds.append(Grid.id == grid_id)
        for g in session.execute(select(Grid).where(*grid_conds)).scalars():
            for c in area_categories:
                targets.append((c, None, g.name, g.id, None, g.created_at.date()))
    window = None
    if month:
        first = date(int(month[:4]), int(month[5:7]), 1)
        window = (first, schedule.period_of(first, "month", 1)[1])
    # the earliest day any window needs, then one query for every submitted check since
    horizon = min((schedule.period_of(today, rules[c][0], rules[c][1])[0] for c in {t[0] for t in targets}),
                  default=today) - timedelta(days=400)
    if window:
        horizon = min(horizon, window[0] - timedelta(days=400))
    done: dict[tuple, list[date]] = {}
    for fid, gid, cat, d in session.execute(
            select(Inspection.facility_id, Inspection.grid_id, Inspection.category, Inspection.inspected_on)
            .where(Inspection.status == "submitted", Inspection.deleted_at.is_(None), Inspection.inspected_on >= horizon,
                   *ledgers.scope(INSPECTION, actor))):
        key = (cat, fid) if fid else (cat, None, gid)
        done.setdefault(key, []).append(d)
    out = []
    for cat, fid, name, gid, inspector, since in targets:
        unit, every, _ = rules[cat]
        dates = done.get((cat, fid) if fid else (cat, None, gid), [])
        last = max(dates) if dates else None
        back = lookback if window is None else len(schedule.periods_between(window[0], today, unit, every))
        for ob in schedule.obligations(dates, unit, every, today, since, back, soon):
            if window is None or window[0] <= ob.period_end <= window[1]:
                out.append(Due(cat, fid, name, gid, inspector, ob.period_start, ob.period_end, ob.status, ob.done_on,
                               last))
    order = {"overdue": 0, "soon": 1, "due": 2, "done": 3}
    return sorted(out, key=lambda d: (order[d.status], d.period_end, d.category, d.name))


def completion_by_category_month(session: Session, actor: Actor, first: date, last: date,
                                 community_ids=None) -> list[dict]:
    """Scheduled checks done on time ÷ scheduled, per category and month (the heatmap): a facility
    checklist once per facility, an area checklist (hygiene, the grid patrol) once per grid."""
    require(actor, "schedule", "view")
    rules = checklists.rules(session)
    facility_conds = [Facility.deleted_at.is_(None), Facility.status != "停用", *ledgers.scope(FACILITY, actor)]
    grid_conds = [Grid.deleted_at.is_(None), *ledgers.scope(GRID, actor)]
    if community_ids is not None:
        facility_conds.append(Facility.community_id.in_(sorted(community_ids)))
        grid_conds.append(Grid.community_id.in_(sorted(community_ids)))
    area = [c for c, (_, _, target) in rules.items() if target == "area"]
    targets = [(("f", fid), cat, created) for fid, cat, created in session.execute(
        select(Facility.id, Facility.category, Facility.created_at).where(*facility_conds)).all()
        if cat in rules and cat not in area]
    if area:
        targets += [(("g", gid), cat, created) for gid, created in session.execute(
            select(Grid.id, Grid.created_at).where(*grid_conds)).all() for cat in area]
    done: dict[tuple, list[date]] = {}
    conds = [Inspection.status == "submitted", Inspection.deleted_at.is_(None),
             Inspection.inspected_on >= first - timedelta(days=400), Inspection.inspected_on <= last,
             *ledgers.scope(INSPECTION, actor)]
    for fid, gid, cat, d in session.execute(select(Inspection.facility_id, Inspection.grid_id, Inspection.category,
                                                   Inspection.inspected_on).where(*conds)):
        key = (("f", fid), cat) if fid else (("g", gid), cat)
        done.setdefault(key, []).append(d)
    cells: dict[tuple[str, str], list[int]] = {}
    for target, cat, created in targets:
        unit, every, _ = rules[cat]
        hit = {schedule.period_of(d, unit, every)[0] for d in done.get((target, cat), ())}  # periods with a check
        for p_start, p_end in schedule.periods_between(max(first, created.date()), last, unit, every):
            if p_end > last:  # only periods that have ended count
                continue
            month = p_end.strftime("%Y-%m")
            cell = cells.setdefault((cat, month), [0, 0])
            cell[1] += 1
            cell[0] += p_start in hit
    return [{"category": c, "month": m, "done": d, "due": n, "rate": round(100 * d / n, 1) if n else None}
            for (c, m), (d, n) in sorted(cells.items())]


PATROL = "grid_patrol"


def patrol_weeks(session: Session, actor: Actor, today: date | None = None, weeks: int = 8) -> list[dict]:
    """The grid patrol (网格巡查) summarised per grid and ISO week, the newest first: days patrolled
    of the days due (a day per grid, from the day the grid was added; today counts once it is
    done), rounds submitted and the items found failing. Days are counted in SQL, weeks here."""
    require(actor, "schedule", "view")
    today = today or clock.today()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    grids = {g.id: g for g in session.execute(select(Grid).where(Grid.deleted_at.is_(None),
                                                                 *ledgers.scope(GRID, actor))).scalars()}
    days = session.execute(
        select(Inspection.grid_id, Inspection.inspected_on, func.count(), func.sum(Inspection.items_failed))
        .where(Inspection.category == PATROL, Inspection.status == "submitted", Inspection.deleted_at.is_(None),
               Inspection.facility_id.is_(None), Inspection.inspected_on.between(first, today),
               *ledgers.scope(INSPECTION, actor))
        .group_by(Inspection.grid_id, Inspection.inspected_on)).all()
    done: dict[tuple[int, date], list] = {}
    for gid, day, rounds, failed in days:
        week = day - timedelta(days=day.weekday())
        cell = done.setdefault((gid, week), [set(), 0, 0])
        cell[0].add(day)
        cell[1] += rounds
        cell[2] += int(failed or 0)
    out = []
    for w in range(weeks):
        week = first + timedelta(weeks=weeks - 1 - w)
        for gid, grid in sorted(grids.items(), key=lambda kv: kv[1].code):
            since = grid.created_at.date()
            patrolled, rounds, failed = done.get((gid, week), [set(), 0, 0])
            owed = [week + timedelta(days=i) for i in range(7)
                    if since <= week + timedelta(days=i) < today or week + timedelta(days=i) in patrolled]
            if not owed:
                continue
            out.append({"grid_id": gid, "grid": grid.name, "week_start": week, "week_end": week + timedelta(days=6),
                        "days_done": len(patrolled), "days_due": len(owed), "rounds": rounds, "failed": failed,
                        "rate": round(100 * len(patrolled) / len(owed), 1)})
    return out


# --- printable pages ---------------------------------------------------------------------------

_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:24px;color:#222}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #888;padding:6px;font-size:13px;"
        "text-align:left}th{background:#eee}.box{display:inline-block;width:14px;height:14px;border:1px solid #333;"
        "margin-right:4px}.fail{color:#b00;font-weight:bold}@media print{button{display:none}}")


def report_html(data: dict, labels: dict[str, str], result_label, lang: str = "zh") -> str:
    """The inspection exactly as it was filled in, to print or file."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(i['code'])}</td><td>{e(i['text_en'] if lang == 'en' else i['text_zh'])}</td>"
        f"<td>{e(i['severity'])}</td><td class='{'fail' if i['result'] == '不合格' else ''}'>"
        f"{e(result_label(i['result']) if i['result'] else '')}</td><td>{e(i['note'] or '')}</td></tr>"
        for i in data["items"])
    head = (f"<h2>{e(labels['title'])} · {e(category_name(data['category'], lang))}</h2>"
            f"<p>{e(labels['community'])}：{e(data['community'])} · {e(labels['grid'])}：{e(data['grid'])}"
            + (f" · {e(labels['facility'])}：{e(data['facility'])}" if data["facility"] else "")
            + f"<br>{e(labels['date'])}：{data['inspected_on']} · {e(labels['inspector'])}：{e(data['inspector'])}"
            f" · {e(labels['overall'])}：{e(result_label(data['overall']) if data['overall'] else '')}</p>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(labels['title'])}</title>"
            f"<style>{_CSS}</style></head><body>{head}<table><tr><th>{e(labels['code'])}</th><th>{e(labels['item'])}"
            f"</th><th>{e(labels['severity'])}</th><th>{e(labels['result'])}</th><th>{e(labels['note'])}</th></tr>"
            f"{rows}</table><p>{e(labels['signature'])}：__________</p></body></html>")


def blank_html(template: checklists.Template, labels: dict[str, str], results: list[str], lang: str = "zh") -> str:
    """A blank checklist for a round done on paper."""
    e = html.escape
    boxes = " ".join(f"<span class='box'></span>{e(r)}" for r in results)
    rows = "".join(f"<tr><td>{e(i['code'])}</td><td>{e(i['text_en'] if lang == 'en' else i['text_zh'])}</td>"
                   f"<td>{e(i['severity'])}</td><td>{boxes}</td><td style='width:25%'></td></tr>"
                   for i in template.items)
    name = template.name_en if lang == "en" else template.name_zh
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(name)}</title><style>{_CSS}</style>"
            f"</head><body><h2>{e(labels['title'])} · {e(name)} (v{template.version})</h2>"
            f"<p>{e(labels['facility'])}：__________ {e(labels['date'])}：__________ "
            f"{e(labels['inspector'])}：__________</p><table><tr><th>{e(labels['code'])}</th><th>{e(labels['item'])}"
            f"</th><th>{e(labels['severity'])}</th><th>{e(labels['result'])}</th><th>{e(labels['note'])}</th></tr>"
            f"{rows}</table><p>{e(labels['signature'])}：__________</p></body></html>")
