"""Monthly or quarterly reports for one community: the KPIs with their targets, overdue counts,
highlights and hazards by category — as an Excel workbook (one sheet per section) and as a
printable HTML page for the notice board (公示): aggregates only, small counts suppressed, no
personal data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Community, Visit
from db.models.safety import Hazard, Inspection, overdue_clause
from db.models.volunteers import Activity, VolunteerLog
from services import clock, hazards, kpis, settings
from services.access import Actor, require, require_row


@dataclass
class Report:
    community: str
    kind: str
    start: date
    end: date
    kpis: list[dict]
    overdue: dict[str, int]
    highlights: dict[str, float]
    hazards_by_category: list[dict]
    small: int


def build(session: Session, actor: Actor, community_id: int, kind: str, start: date, end: date,
          today: date | None = None) -> Report:
    require(actor, "reports", "view")
    require_row(actor, community_id)
    today = today or clock.today()
    who = kpis.narrowed(actor, [community_id])
    scope = kpis.Scope(who, None)
    values = [kpis.as_dict(v) for v in kpis.evaluate_all(session, scope, start, end, today).values()]
    in_c = [Hazard.community_id == community_id]
    overdue = {
        "hazards": session.execute(select(func.count()).select_from(Hazard).where(
            *in_c, Hazard.deleted_at.is_(None), overdue_clause(min(end, today)))).scalar_one(),
        "hazards_major": session.execute(select(func.count()).select_from(Hazard).where(
            *in_c, Hazard.deleted_at.is_(None), Hazard.severity == "重大",
            overdue_clause(min(end, today)))).scalar_one(),
    }
    held = session.execute(select(func.count(), func.coalesce(func.sum(Activity.actual_turnout), 0)).where(
        Activity.community_id == community_id, Activity.deleted_at.is_(None),
        Activity.status.in_(("held", "evaluated")), Activity.activity_date.between(start, end))).one()
    highlights = {
        "activities": held[0], "attendance": int(held[1]),
        "hours": round(float(session.execute(select(func.coalesce(func.sum(VolunteerLog.hours), 0)).where(
            VolunteerLog.community_id == community_id, VolunteerLog.status == "verified",
            VolunteerLog.deleted_at.is_(None), VolunteerLog.log_date.between(start, end))).scalar_one()), 1),
        "inspections": session.execute(select(func.count()).select_from(Inspection).where(
            Inspection.community_id == community_id, Inspection.status == "submitted",
            Inspection.deleted_at.is_(None), Inspection.inspected_on.between(start, end))).scalar_one(),
        "hazards_closed": session.execute(select(func.count()).select_from(Hazard).where(
            *in_c, Hazard.deleted_at.is_(None), Hazard.status == "closed", Hazard.closed_on.between(start, end))
        ).scalar_one(),
        "visits": session.execute(select(func.count()).select_from(Visit).where(
            Visit.community_id == community_id, Visit.deleted_at.is_(None), Visit.visit_date.between(start, end))
        ).scalar_one(),
    }
    by_cat = hazards.by_category_and_state(session, who, min(end, today), community_ids=[community_id])
    return Report(session.get(Community, community_id).name, kind, start, end, values, overdue, highlights, by_cat,
                  int(settings.get(session, "dashboard.small_count", community_id)))


def _shown(n, small: int, small_label: str) -> str:
    """A count for the public page: below the threshold it is not shown."""
    n = int(n)
    return small_label if 0 < n < small else str(n)


def to_xlsx(report: Report, tr, label_of_category) -> bytes:
    """One sheet per section, every label from the catalog (``tr(key, **kw)`` translates).
    The workbook is the committee's and the street office's own record: exact counts. Only the
    notice-board page (``to_html``) is public and suppresses small counts."""
    from services.exports import frame, to_xlsx_sheets

    def light(k):
        if k.get("too_few"):
            return tr("dash.too_few", n=k["min_n"])
        return tr(f"dash.light.{k['light']}") if k["light"] else ""

    sheets = {
        tr("rep.kpis"): frame([{"kpi": tr(k["label"]), "value": k["value"], "target": k["target"], "light": light(k),
                                "num": k["numerator"], "den": k["denominator"]} for k in report.kpis],
                              [("kpi", tr("rep.section")), ("value", tr("rep.value")), ("target", tr("rep.target")),
                               ("light", tr("rep.light")), ("num", tr("rep.numerator")),
                               ("den", tr("rep.denominator"))]),
        tr("rep.overdue"): frame([{"item": tr("dash.overdue_hazards"), "n": report.overdue["hazards"]},
                                  {"item": tr("rep.overdue_major"), "n": report.overdue["hazards_major"]}],
                                 [("item", tr("rep.section")), ("n", tr("rep.count"))]),
        tr("rep.highlights"): frame([{"item": tr(f"rep.hl.{k}"), "n": v} for k, v in report.highlights.items()],
                                    [("item", tr("rep.section")), ("n", tr("rep.count"))]),
        tr("rep.hazards_by_category"): frame([{"c": label_of_category(r["category"]), "s": tr(f"state.{r['state']}"),
                                              "n": r["count"]} for r in report.hazards_by_category],
                                             [("c", tr("fac.category")), ("s", tr("chart.state")),
                                              ("n", tr("rep.count"))]),
    }
    return to_xlsx_sheets(sheets)


def _target(k: dict) -> str:
    if k["target"] is None:
        return ""
    return f"{k['target']:.0f}%" if k["unit"] == "%" else f"{k['target']:.1f}"


def to_html(report: Report, tr, label_of_category, period_label: str, issued: date | None = None) -> str:
    """The notice-board page (``templates/notice.html``): aggregates only, counts under the
    threshold suppressed, a rate over too few cases shown as "—" and explained under its table,
    no highlights heading when nothing happened, the issuing committee and the date at the end."""
    from services.documents import render

    small = tr("rep.small", n=report.small)

    def withheld(k) -> bool:  # a rate over too few cases is not published (a score is no count)
        return k["value"] is not None and k.get("counts", True) and \
            (bool(k.get("too_few")) or k["denominator"] < report.small)

    def unit(k) -> str:
        if k["unit"] == "%":
            return "%"
        return " " + (tr("unit.hours") if k["unit"] == "h" else tr(f"dash.unit.{k['unit']}"))

    def shown(k) -> str:
        if k["value"] is None:
            return tr("dash.no_data")
        if withheld(k):
            return "—"
        return f"{k['value']:.1f}{unit(k)}"

    kpi_rows = [{"label": tr(k["label"]), "value": shown(k), "target": _target(k),
                 "bar": min(100, k["value"]) if k["unit"] == "%" and k["value"] is not None and not withheld(k)
                 else None,
                 "light": tr("dash.light." + k["light"]) if k["light"] and not withheld(k) else ""}
                for k in report.kpis]
    dashed = [max(report.small, int(k.get("min_n") or 0)) for k in report.kpis if withheld(k)]
    h = report.highlights
    lines = [tr("rep.activities_held", n=_shown(h["activities"], report.small, small),
                people=_shown(h["attendance"], report.small, small)) if h["activities"] else None,
             tr("rep.hours_total", hours=h["hours"] if h["hours"] >= report.small else small) if h["hours"] else None,
             tr("rep.inspections_done", n=_shown(h["inspections"], report.small, small)) if h["inspections"] else None,
             tr("rep.hazards_closed", n=_shown(h["hazards_closed"], report.small, small)) if h["hazards_closed"] else None,
             tr("rep.visits_done", n=_shown(h["visits"], report.small, small)) if h["visits"] else None]
    cats: dict[str, dict[str, int]] = {}
    for r in report.hazards_by_category:
        cats.setdefault(r["category"], {})[r["state"]] = r["count"]
    states = ("open", "overdue", "closed")
    cat_rows = [{"label": label_of_category(c), "counts": [_shown(v.get(state, 0), report.small, small)
                                                          for state in states]} for c, v in sorted(cats.items())]
    return render("notice.html", tr, report=report, title=tr("rep.title", community=report.community,
                                                              period=period_label),
                  kpis=kpi_rows, dash_note=max(dashed) if dashed else None,
                  highlights=[x for x in lines if x],  # nothing happened: not published as a highlight
                  states=states, hazards=cat_rows, issued=issued or clock.today())
