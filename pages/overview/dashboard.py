"""Supervisor dashboard, live: KPI tiles against targets, communities side by side, overdue
lists that link to the records, and charts — all re-read every COMMUNITY_REFRESH_S seconds in a
fragment, cached by a data-version stamp so an unchanged database costs one tiny query."""
import os
from datetime import date, datetime, timezone

import pandas as pd
import streamlit as st

from components import charts
from components.auth import fragment_guard, guard
from components.drill_labels import drill_label
from components.i18n import choice_label, t
from components.kpi_tiles import fmt, tiles
from components.timefmt import when
from components.runtime import read
from components.records import data_table
from db.models.safety import HAZARD
from services import (access, audit, clock, drill_schedule, hazards, inspections, kpis, ledgers, places, visits,
                      volunteers)

actor = guard("dashboard")
st.title(t("page.dashboard"))
st.caption(t("pagedesc.dashboard"))
REFRESH = max(2, int(os.environ.get("COMMUNITY_REFRESH_S", "15")))
PAGES = {p.key: p.script for p in access.visible_pages(actor.role)}

with read() as s:
    communities = places.community_names(s, actor.community_ids)
c1, c3, c2 = st.columns([1, 1, 2])
kind = c1.segmented_control(t("dash.period"), kpis.PERIODS, default="month", key="dash_kind",
                            format_func=lambda k: t(f"dash.kind.{k}")) or "month"
c3.write("")
partial = c3.toggle(t("dash.partial"), key="dash_partial")  # default: the last complete period
selected = list(communities)
if len(communities) > 1:
    selected = c2.multiselect(t("dash.communities"), list(communities), default=list(communities),
                              format_func=communities.get, key="dash_communities",
                              select_all=False) or list(communities)


@st.cache_data(ttl=3600, show_spinner=False, max_entries=256)
def compute(version: int, who, community_ids: tuple, kind: str, today: date, partial: bool = False) -> dict:
    """Everything the live area shows, as plain data; a new data version recomputes it."""
    scoped = kpis.narrowed(who, community_ids)
    scope = kpis.Scope(scoped, None)
    start, end = kpis.reporting_period(kind, today, partial)
    p_start, p_end = kpis.previous(kind, start)
    out = {"period": (start, end), "version": version}
    with read() as s:
        out["now"] = {k: kpis.as_dict(v) for k, v in kpis.evaluate_all(s, scope, start, end, today).items()}
        out["before"] = {k: kpis.as_dict(v) for k, v in kpis.evaluate_all(s, scope, p_start, p_end, today).items()}
        out["per_community"] = {}
        if len(community_ids) > 1:
            for cid in community_ids:
                one = kpis.Scope(kpis.narrowed(who, [cid]), None)
                out["per_community"][cid] = {k: kpis.as_dict(v) for k, v in
                                             kpis.evaluate_all(s, one, start, end, today).items()}
        # overdue, 重大 first, the most overdue first: the hazards' own order, in SQL
        out["hazards"] = ledgers.list_rows(s, scoped, HAZARD, view="overdue", limit=200, today=today).rows
        out["visits"] = [d.__dict__ for d in visits.due_visits(s, scoped, today=today) if d.status == "overdue"]
        out["inspections"] = [d.__dict__ for d in inspections.obligations(s, scoped, today=today, lookback=1)
                              if d.status == "overdue"]
        out["drills"] = [d.__dict__ for d in drill_schedule.obligations(s, scoped, today=today, lookback=1)
                         if d.status == "overdue"] if access.can(who, "drills", "view") else []
        # the monthly charts: the 12 months up to the end of the period shown (not a partial month
        # unless "this period so far" is on)
        first, last = kpis.last_months(min(end, today))
        out["months"] = kpis.months(first, last)
        out["by_state"] = hazards.by_category_and_state(s, scoped, today)
        out["heatmap"] = inspections.completion_by_category_month(s, scoped, first, last)
        out["hours"] = kpis.filled_months(volunteers.hours_by_month_and_team(s, scoped, first, last), out["months"],
                                          kpis.data_begins(s, scope, "volunteer_hours"))
        out["logged"] = volunteers.logged_hours(s, scoped, start, end)
    return out


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def trend(version: int, who, community_ids: tuple, key: str, kind: str, today: date, through: date) -> list[dict]:
    with read() as s:
        return kpis.trend(s, kpis.Scope(kpis.narrowed(who, community_ids), None), key, kind, today, through=through)


def _drill(slot, page: str, params: dict, what: str) -> None:
    """A clicked mark offers a link to the list of exactly what it counts (filters carried in
    the URL), in ``slot`` above the chart so that a phone shows it without scrolling. A link and
    not a page switch: switching pages from inside the live fragment, a refresh of the fragment
    arriving meanwhile left the new page blank (seen in Chromium, about one click in twelve at a
    2 s refresh); a tap on a link is navigation the browser starts, which never did. And a tap
    meant to scroll past a chart no longer carries the user away."""
    if page in PAGES:
        slot.page_link(PAGES[page], label=t("dash.drill", what=what), icon=":material/arrow_forward:",
                       query_params=params)


def trend_chart(series: list[dict], key: str) -> None:
    """The KPI over the last 12 periods: every period on the axis, a gap where it has no value
    (before the data begins, or nothing to count), its target as a grey rule; a rectification
    rate in its severity's colour."""
    kpi = kpis.REGISTRY[key]
    label = t(kpi.label)
    if all(p["value"] is None for p in series):
        st.caption(t("dash.trend_empty"))
        return
    df = pd.DataFrame([{"period": p["period"], "value": p["value"], "series": label} for p in series])
    severity = kpi.drill_params.get("hazards.severity")
    colors = {label: charts.SEVERITY_COLORS[severity]} if severity in charts.SEVERITY_COLORS else None
    st.altair_chart(charts.rate_with_target(df, "period", "value", "series", series[-1]["target"],
                                            x_title=t("dash.period"), y_title=f"{label}（{t('dash.unit.' + kpi.unit)}）",
                                            series_title=t("dash.trends"), target_title=t("chart.target"),
                                            colors=colors, x_order=[p["period"] for p in series],
                                            percent=kpi.unit == "%", legend=False), width="stretch")


def hazard_chart(by_state: list[dict]):
    """Hazards per category (every one named, longest bar first) stacked by state."""
    df = pd.DataFrame([{"category": choice_label("cat", r["category"]), "code": r["category"],
                        "state": t(f"state.{r['state']}"), "state_code": r["state"], "count": r["count"]}
                       for r in by_state])
    return charts.horizontal_bars(df, "category", "count", "state", y_title=t("fac.category"),
                                  x_title=t("chart.count"), color_title=t("chart.state"),
                                  colors=charts.palette(charts.STATE_COLORS, lambda s: t(f"state.{s}")),
                                  pick=["code", "state_code"])


def hours_chart(rows: list[dict], months: list[str]):
    """Verified hours per month and team: every month since the hours began, 0 where none."""
    return charts.stacked_bars(pd.DataFrame(rows), "month", "hours", "team", x_title=t("chart.month"),
                               y_title=t("my.hours"), color_title=t("vol.team"), x_order=months, x_type="O")


def heatmap_chart(cells: list[dict], months: list[str]):
    """Inspection completion per category (every row labelled) and month."""
    df = pd.DataFrame([{"category": choice_label("cat", c["category"]), "code": c["category"], "month": c["month"],
                        "rate": c["rate"]} for c in cells])
    return charts.heatmap(df, "month", "category", "rate", x_title=t("chart.month"), y_title=t("insp.category"),
                          value_title=t("chart.rate"), pick=["code", "month"], x_order=months)


@st.fragment(run_every=REFRESH)
def live() -> None:
    if not fragment_guard():  # a rerun of this fragment alone does not pass through app.py
        return
    with read() as s:
        version = audit.data_version(s)  # one indexed lookup: a hit when nothing changed
    ids = tuple(sorted(selected))
    today = clock.today()
    data = compute(version, actor, ids, kind, today, partial)
    start, end = data["period"]
    st.caption(t("dash.live", s=REFRESH, v=version, at=when(datetime.now(timezone.utc), "%H:%M:%S")) + " · " +
               (t("dash.partial") if partial else t("dash.complete_period", start=start, end=end)))
    if partial:
        st.info(t("dash.partial_note", start=start, today=today), icon=":material/hourglass_top:")
    tiles(data["now"], data["before"], pages=PAGES)
    st.markdown(t("dash.logged", **data["logged"]))
    if data["per_community"]:
        st.markdown(f"**{t('dash.compare')}**")
        rows = [{t("place.community"): communities.get(cid, cid),
                 **{t(v["label"]): fmt(v["value"], v["unit"]) for v in vals.values()}}
                for cid, vals in data["per_community"].items()]
        data_table(pd.DataFrame(rows), hide_index=True, width="stretch")

    st.subheader(t("dash.overdue"))
    o1, o2, o3, o4 = st.columns(4)
    with o1:
        st.markdown(f"**{t('dash.overdue_hazards')}** ({len(data['hazards'])})")
        for h in data["hazards"][:6]:
            if "hazards" in PAGES:
                colour = charts.SEVERITY_BADGES.get(h["severity"], "gray")
                st.page_link(PAGES["hazards"], label=f":{colour}[**{choice_label('severity', h['severity'])}**] · "
                             f"{t('dash.days_overdue', n=h['overdue_days'])} · {h['description'][:18]}",
                             query_params={"hazards.id": str(h["id"])})
        if not data["hazards"]:
            st.caption(t("dash.none_overdue"))
    with o2:
        st.markdown(f"**{t('dash.overdue_visits')}** ({len(data['visits'])})")
        for v in data["visits"][:6]:
            if "residents" in PAGES:
                st.page_link(PAGES["residents"], label=f"{v['name']} · {t('dash.days_overdue', n=v['days_overdue'])}",
                             query_params={"residents.id": str(v["resident_id"])})
        if not data["visits"]:
            st.caption(t("dash.none_overdue"))
    with o3:
        st.markdown(f"**{t('dash.overdue_inspections')}** ({len(data['inspections'])})")
        for i in data["inspections"][:6]:
            params = {"insp.category": i["category"]}
            params.update({"insp.facility": str(i["facility_id"])} if i["facility_id"] else {"insp.grid": str(i["grid_id"])})
            if "inspections" in PAGES:
                st.page_link(PAGES["inspections"], label=f"{choice_label('cat', i['category'])} · {i['name'][:16]}",
                             query_params=params)
        if not data["inspections"]:
            st.caption(t("dash.none_overdue"))
    with o4:
        st.markdown(f"**{t('dash.overdue_drills')}** ({len(data['drills'])})")
        for d in data["drills"][:6]:
            if "schedule" in PAGES:
                st.page_link(PAGES["schedule"], label=f"{d['community']} · {drill_label(d['kind'], d['value'])}",
                             query_params={"sched.status": "overdue"})
        if not data["drills"]:
            st.caption(t("dash.none_overdue"))

    st.subheader(t("dash.trends"))
    key = st.selectbox(t("dash.trends"), list(kpis.REGISTRY), format_func=lambda k: t(kpis.REGISTRY[k].label),
                       key="dash_trend_kpi", label_visibility="collapsed")
    trend_chart(trend(version, actor, ids, key, kind, today, start), key)
    ch1, ch2 = st.columns(2)
    with ch1:
        st.markdown(f"**{t('dash.hazards')}**")
        if data["by_state"]:
            slot = st.empty()
            event = st.altair_chart(hazard_chart(data["by_state"]), width="stretch", on_select="rerun",
                                    key="dash_hazard_chart")
            point = charts.picked(event)
            if point:  # the bar's category and its state
                _drill(slot, "hazards", kpis.hazard_drill(point.get("code"), point.get("state_code")),
                       f"{choice_label('cat', point.get('code'))} · {t('state.' + str(point.get('state_code')))}")
    with ch2:
        st.markdown(f"**{t('dash.hours')}**")
        if data["hours"]:
            st.altair_chart(hours_chart(data["hours"], data["months"]), width="stretch")
    st.markdown(f"**{t('dash.heatmap')}**")
    cells = [c for c in data["heatmap"] if c["rate"] is not None]
    if cells:
        slot = st.empty()
        event = st.altair_chart(heatmap_chart(cells, data["months"]), width="stretch", on_select="rerun",
                                key="dash_heatmap")
        point = charts.picked(event)
        if point:  # the cell's category and its month
            _drill(slot, "schedule", kpis.schedule_drill(point.get("code"), point.get("month")),
                   f"{choice_label('cat', point.get('code'))} · {point.get('month')}")


live()
