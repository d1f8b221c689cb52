"""Reports: a monthly or quarterly report for one community, as Excel (one sheet per section)
and as a printable HTML page for the notice board (aggregates only, small counts suppressed)."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.kpi_tiles import tiles
from components.records import prepared_download
from components.runtime import read
from components.records import data_table
from services import clock, kpis, places, reports

actor = guard("reports")
st.title(t("page.reports"))
st.caption(t("pagedesc.reports"))

with read() as s:
    communities = places.community_names(s, actor.community_ids)
if not communities:
    st.warning(t("home.no_scope"))
    st.stop()
c = st.columns(3)
community_id = c[0].selectbox(t("rep.community"), list(communities), format_func=communities.get, key="rep_c")
kind = c[1].segmented_control(t("rep.kind"), ["month", "quarter"], default="month", key="rep_kind",
                              format_func=lambda k: t(f"dash.kind.{k}")) or "month"
choices = list(reversed(kpis.recent_periods(kind, clock.today(), 13)))
current = choices[0]


def _label(p) -> str:
    name = f"{p[0]:%Y-%m}" if kind == "month" else f"{p[0]:%Y}-Q{(p[0].month - 1) // 3 + 1}"
    return name + (t("rep.partial_suffix") if p == current else "")


# by default the last complete period: on the 1st the current one has barely begun
start, end = c[2].selectbox(t("rep.which"), choices, index=1, key=f"rep_which_{kind}", format_func=_label)
label = _label((start, end))
with st.spinner(t("rep.building")), read() as s:
    rep = reports.build(s, actor, community_id, kind, start, end)
st.subheader(t("rep.title", community=rep.community, period=label))
tiles({k["key"]: k for k in rep.kpis}, {})
st.markdown(f"**{t('rep.highlights')}**")
h = rep.highlights
st.markdown("\n".join(f"- {x}" for x in (
    t("rep.activities_held", n=h["activities"], people=h["attendance"]), t("rep.hours_total", hours=h["hours"]),
    t("rep.inspections_done", n=h["inspections"]), t("rep.hazards_closed", n=h["hazards_closed"]),
    t("rep.visits_done", n=h["visits"]))))
st.markdown(f"**{t('rep.overdue')}**: {t('dash.overdue_hazards')} {rep.overdue['hazards']} · "
            f"{t('severity.重大')} {rep.overdue['hazards_major']}")
if rep.hazards_by_category:
    data_table(pd.DataFrame([{t("fac.category"): choice_label("cat", r["category"]),
                                t("chart.state"): t(f"state.{r['state']}"), t("rep.count"): r["count"]}
                               for r in rep.hazards_by_category]), hide_index=True)
st.caption(t("rep.suppressed", n=rep.small))
category = lambda c_: choice_label("cat", c_)  # noqa: E731
name = f"{rep.community}-{start:%Y%m%d}-{end:%Y%m%d}"
d1, d2 = st.columns(2)
with d1:
    prepared_download(t("rep.download_xlsx"), lambda: reports.to_xlsx(rep, t, category), file_name=f"{name}.xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="rep_xlsx",
                      icon=":material/table_view:", busy=t("rep.preparing"))
with d2:
    prepared_download(t("rep.download_html"), lambda: reports.to_html(rep, t, category, label).encode("utf-8"),
                      file_name=f"{name}-notice.html", mime="text/html", key="rep_html", icon=":material/print:",
                      busy=t("rep.preparing"))
