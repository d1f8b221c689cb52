"""The inspection calendar: what the rules ask for — done, due, due soon, overdue — filterable
by category, grid and person, with one click into the checklist; and the completion heatmap."""

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, t
from components.drill_labels import drill_label
from components.runtime import read
from components.records import data_table
from services import access, checklists, clock, drill_schedule, inspections, kpis, places, users

actor = guard("schedule")
st.title(t("page.schedule"))
st.caption(t("pagedesc.schedule"))

with read() as s:
    rules = checklists.rules(s)
    grids = places.grid_names(s, actor.community_ids)
    people = users.inspectors(s, actor)  # login name -> the person's name
if actor.grid_ids is not None:
    grids = {k: v for k, v in grids.items() if k in actor.grid_ids}

c = st.columns(4)
qp = st.query_params
cats = list(rules)
category = c[0].selectbox(t("insp.category"), [None] + cats, key="sched_cat",
                          index=cats.index(qp["sched.category"]) + 1 if qp.get("sched.category") in cats else 0,
                          format_func=lambda v: t("rec.all") if v is None else choice_label("cat", v))
grid_id = c[1].selectbox(t("place.grid"), [None] + list(grids), key="sched_grid",
                         format_func=lambda v: t("rec.all") if v is None else grids[v])
person = c[2].selectbox(t("sched.person"), [None] + list(people), key="sched_person",
                        format_func=lambda v: t("rec.all") if v is None else people[v])
statuses = ["overdue", "soon", "due", "done"]
qp_status = qp.get("sched.status")
wanted = c[3].multiselect(t("sched.status"), statuses, key="sched_status",
                          default=[qp_status] if qp_status in statuses else
                          statuses if qp.get("sched.month") else ["overdue", "soon", "due"],  # a month: all of it
                          format_func=lambda v: t(f"sched.{v}"), select_all=False)
# a month of the heatmap (sched.month, from a clicked cell): the checks whose period ended in it
today = clock.today()
first, last = kpis.last_months(kpis.reporting_period("month", today)[1])  # the heatmap's 12 complete months
month_options = kpis.months(first, last)[::-1]
qp_month = qp.get("sched.month")
month = st.selectbox(t("sched.month"), [None] + month_options, key="sched_month",
                     index=month_options.index(qp_month) + 1 if qp_month in month_options else 0,
                     format_func=lambda v: t("sched.month_current") if v is None else v)
for name, value in (("sched.category", category), ("sched.month", month)):
    if value:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]

with read() as s:
    rows = inspections.obligations(s, actor, category=category, grid_id=grid_id, person=person, month=month)
counts = {k: sum(1 for r in rows if r.status == k) for k in statuses}
st.markdown(t("sched.summary", **counts))
shown = [r for r in rows if r.status in wanted]
if not shown:
    st.success(t("rec.empty"), icon=":material/task_alt:")
else:
    df = pd.DataFrame([{t("sched.status"): t(f"sched.{r.status}"), t("insp.category"): choice_label("cat", r.category),
                        t("sched.target"): r.name, t("place.grid"): grids.get(r.grid_id, ""),
                        t("sched.period"): f"{r.period_start} ~ {r.period_end}", t("sched.due_by"): r.period_end,
                        t("sched.last"): r.last_done, t("sched.person"): people.get(r.inspector, r.inspector) or ""} for r in shown])
    event = data_table(df, hide_index=True, on_select="rerun", selection_mode="single-row", key="sched_table",
                         width="stretch", height=420)
    picked = event.selection.rows if event and event.selection else []
    if picked and access.can(actor, "inspections", "create"):
        r = shown[picked[0]]
        params = {"insp.category": r.category}
        params.update({"insp.facility": str(r.facility_id)} if r.facility_id else {"insp.grid": str(r.grid_id)})
        st.page_link(access.PAGES["inspections"].script, label=f"{t('sched.go')}：{r.name}",
                     icon=":material/checklist:", query_params=params)

if inspections.PATROL in rules:
    with st.expander(t("patrol.weekly"), icon=":material/directions_walk:"):
        with read() as s:
            weeks = inspections.patrol_weeks(s, actor, today=today)
        if grid_id:
            weeks = [w for w in weeks if w["grid_id"] == grid_id]
        if not weeks:
            st.caption(t("rec.empty"))
        else:
            data_table(pd.DataFrame([{
                t("place.grid"): w["grid"], t("patrol.week"): f"{w['week_start']} ~ {w['week_end']}",
                t("patrol.days"): f"{w['days_done']}/{w['days_due']}", t("chart.rate"): w["rate"],
                t("patrol.rounds"): w["rounds"], t("patrol.failed"): w["failed"]} for w in weeks]),
                hide_index=True, width="stretch")

if access.can(actor, "drills", "view"):
    # the drills the rules ask for (services.drill_schedule): the same statuses, filtered alike
    st.subheader(t("drlsched.title"))
    with read() as s:
        drill_rows = drill_schedule.obligations(s, actor, today=today)
    st.markdown(t("sched.summary", **{k: sum(1 for r in drill_rows if r.status == k) for k in statuses}))
    drill_shown = [r for r in drill_rows if r.status in wanted]
    if not drill_shown:
        st.success(t("rec.empty"), icon=":material/task_alt:")
    else:
        data_table(pd.DataFrame([{
            t("sched.status"): t(f"sched.{r.status}"), t("place.community"): r.community,
            t("drlsched.obligation"): drill_label(r.kind, r.value),
            t("sched.period"): f"{r.period_start} ~ {r.period_end}", t("sched.due_by"): r.period_end,
            t("drlsched.last"): r.last_done} for r in drill_shown]), hide_index=True, width="stretch")
    st.page_link(access.PAGES["drills"].script, label=t("drlsched.go"), icon=":material/local_fire_department:")

st.divider()
st.markdown(f"**{t('sched.heatmap')}**")
with read() as s:
    cells = inspections.completion_by_category_month(s, actor, first, last)


def _picked_cell() -> None:
    """A clicked cell filters the calendar above by its category and its month."""
    point = charts.picked(st.session_state.get("sched_heat"))
    if point and point.get("code") in cats:
        st.session_state["sched_cat"] = point["code"]
        st.session_state["sched_month"] = point.get("month") if point.get("month") in month_options else None
        st.session_state["sched_status"] = statuses  # done and missed: everything the cell counts


if cells:
    df = pd.DataFrame([{"category": choice_label("cat", x["category"]), "month": x["month"], "rate": x["rate"],
                        "code": x["category"]} for x in cells if x["rate"] is not None])
    st.altair_chart(charts.heatmap(df, "month", "category", "rate", x_title=t("chart.month"),
                                   y_title=t("insp.category"), value_title=t("chart.rate"), pick=["code", "month"],
                                   x_order=month_options[::-1]),
                    width="stretch", on_select=_picked_cell, key="sched_heat")
with st.expander(t("sched.rules"), icon=":material/rule:"):
    data_table(pd.DataFrame([{t("insp.category"): choice_label("cat", c_),
                                t("sched.period"): t("sched.every", every=e, unit=t(f"unit.{u}"))}
                               for c_, (u, e, _) in rules.items()]), hide_index=True)
