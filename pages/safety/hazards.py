"""Hazards: the ledger engine's page (overdue and 重大 first, the views a chart's bar links to,
reporting one — corrected on the spot or not, with a photo — and the workflow's steps), plus
each hazard's timeline with its photos, and the charts."""

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, t
from components.ledger_page import ledger_page
from components.photos import photo_input, show_photo
from components.records import data_table, flash
from components.runtime import read
from db.models.safety import HAZARD
from services import clock, hazards, kpis, ledgers, settings

actor = guard("hazards")
st.title(t("page.hazards"))
st.caption(t("pagedesc.hazards"))
flash()

with read() as s:
    st.markdown(t("haz.counts", **hazards.counts(s, actor)))


def _photo(field, label, value, key):
    """A photo in a form: uploaded (a phone's picker offers its camera), stored at once."""
    return photo_input(label, key, None, camera=False)


def _detail(row: dict) -> None:
    """What the list does not say: source, deadline, who fixed it, the photos and the timeline."""
    with read() as s:
        hazard = ledgers.get(s, actor, HAZARD, row["id"])
        steps = hazards.timeline(s, actor, row["id"])
    c = st.columns(3)
    c[0].markdown(f"**{t('haz.source')}** {choice_label('hsource', hazard.source)}")
    c[1].markdown(f"**{t('haz.deadline')}** {hazard.deadline}" +
                  (f" · ⚠ {t('haz.overdue_days')} {row['overdue_days']}" if row["overdue_days"] else ""))
    c[1].markdown(f"**{t('haz.owner')}** {hazard.owner or '—'} · **{t('haz.responsible')}** {hazard.responsible or '—'}")
    rectifier = next((e["actor"] for e in steps if e["username"] == hazard.rectified_by), hazard.rectified_by)
    c[2].markdown(f"**{t('haz.no_rectifier')}** {rectifier or '—'}")
    if hazard.escalated_to:
        c[2].markdown(f"**{t('haz.escalated')}** {choice_label('level', hazard.escalated_to)}")
    p1, p2 = st.columns(2)
    with p1:
        show_photo(hazard.photo_before_id, t("haz.photo_before"))
    with p2:
        show_photo(hazard.photo_after_id, t("haz.photo_after"))
    st.markdown(f"**{t('haz.timeline')}**")
    data_table(pd.DataFrame([{t("insp.date"): e["on"], t("audit.actor"): e["actor"],
                              t("audit.action"): t(f"step.{e['step']}"),
                              t("haz.status"): choice_label("hstate", e["to"]), t("haz.note"): e["note"]}
                             for e in steps]), hide_index=True)
    for e in steps:
        if e["photo_id"] and e["photo_id"] not in (hazard.photo_before_id, hazard.photo_after_id):
            show_photo(e["photo_id"], f"{e['on']} {t('step.' + e['step'])}", width=160)


ledger_page(HAZARD, actor, key="hazards", new_label=t("haz.new"), may_edit=False, detail=_detail,
            title=lambda row: f"{choice_label('severity', row['severity'])} · {row['description'][:60]}",
            new_values={"found_on": clock.today(), "severity": "一般", "risk_level": "中", "source": "patrol"},
            widgets={"photo": _photo}, open_steps=True, hide_refused=("err.permission", "err.escalate_major_only"))

st.divider()
with read() as s:
    by_state = hazards.by_category_and_state(s, actor)
    today = clock.today()
    # the 12 months up to the last complete one: a month just begun would dive to 0
    first, last = kpis.last_months(kpis.reporting_period("month", today)[1])
    rate_rows = hazards.rectification_by_month(s, actor, first, last, today)
    target = float(settings.get(s, "kpi.rectification.target"))
c1, c2 = st.columns(2)
with c1:
    st.markdown(f"**{t('haz.by_category')}**")
    if by_state:
        df = pd.DataFrame([{"category": choice_label("cat", r["category"]), "state": t(f"state.{r['state']}"),
                            "count": r["count"]} for r in by_state])
        st.altair_chart(charts.horizontal_bars(df, "category", "count", "state", y_title=t("fac.category"),
                                               x_title=t("chart.count"), color_title=t("chart.state"),
                                               colors=charts.palette(charts.STATE_COLORS, lambda s: t(f"state.{s}"))),
                        width="stretch")
with c2:
    st.markdown(f"**{t('haz.rate_chart')}**")
    if rate_rows:
        # every month listed: a month without deadlines is a gap in its line, not a bridge
        shown = kpis.months(first, last)
        rates = {(r["month"], r["severity"]): 100 * r["on_time"] / r["due"] for r in rate_rows if r["due"]}
        df = pd.DataFrame([{"month": m, "severity": choice_label("severity", sev), "rate": rates.get((m, sev))}
                           for sev in charts.SEVERITY_COLORS for m in shown])
        st.altair_chart(charts.rate_with_target(df, "month", "rate", "severity", target, x_title=t("chart.month"),
                                                y_title=t("chart.rate"), series_title=t("haz.severity"),
                                                target_title=t("chart.target"), x_order=shown,
                                                colors=charts.palette(charts.SEVERITY_COLORS,
                                                                      lambda v: choice_label("severity", v))),
                        width="stretch")
