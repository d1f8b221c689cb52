"""Supervisor dashboard, live: KPI tiles against targets, communities side by side, overdue
lists that link to the records, and charts — all re-read every COMMUNITY_REFRESH_S seconds in a
fragment, cached by a data-version stamp so an unchanged database costs one tiny query."""
import os
from datetime import date, datetime, timezone

import pandas as pd
import streamlit as st

from components import charts
from components.auth import fragment_guard, guard
from components.i18n import choice_label, t
from components.kpi_tiles import fmt, tiles
from components.timefmt import when
from components.runtime import read
from components.records import data_table
from services import access, audit, clock, hazards, inspections, kpis, places, visits, volunteers

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
        overdue_h = hazards.list_hazards(s, scoped, filters={"view": "overdue"}, limit=200, today=today).rows
        overdue_h.sort(key=lambda r: (r["severity"] != "重大", -r["overdue_days"]))
        out["hazards"] = overdue_h
        out["visits"] = [d.__dict__ for d in visits.due_visits(s, scoped, today=today) if d.status == "overdue"]
        out["inspections"] = [d.__dict__ for d in inspections.obligations(s, scoped, today=today, lookback=1)
                              if d.status == "overdue"]
        first = date(today.year - 1, today.month, 1)
        out["by_state"] = hazards.by_category_and_state(s, scoped, today)
        out["heatmap"] = inspections.completion_by_category_month(s, scoped, first, today)
        out["hours"] = volunteers.hours_by_month_and_team(s, scoped, first, today)
        out["logged"] = volunteers.logged_hours(s, scoped, start, end)
    return out


@st.cache_data(ttl=3600, show_spinner=False, max_entries=64)
def trend(version: int, who, community_ids: tuple, key: str, kind: str, today: date, through: date) -> list[dict]:
    with read() as s:
        return kpis.trend(s, kpis.Scope(kpis.narrowed(who, community_ids), None), key, kind, today, through=through)


def _open(page: str, params: dict) -> None:
    """A chart click opens the matching filtered list (filters carried in the URL)."""
    if page in PAGES:
        st.switch_page(PAGES[page], query_params=params)


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
    o1, o2, o3 = st.columns(3)
    with o1:
        st.markdown(f"**{t('dash.overdue_hazards')}** ({len(data['hazards'])})")
        for h in data["hazards"][:6]:
            if "hazards" in PAGES:
                st.page_link(PAGES["hazards"], label=f"{choice_label('severity', h['severity'])} · "
                             f"{h['description'][:18]} · {h['overdue_days']}d",
                             query_params={"hazards.id": str(h["id"])})
        if not data["hazards"]:
            st.caption(t("dash.none_overdue"))
    with o2:
        st.markdown(f"**{t('dash.overdue_visits')}** ({len(data['visits'])})")
        for v in data["visits"][:6]:
            if "residents" in PAGES:
                st.page_link(PAGES["residents"], label=f"{v['name']} · {v['days_overdue']}d",
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

    st.subheader(t("dash.trends"))
    key = st.selectbox(t("dash.trends"), list(kpis.REGISTRY), format_func=lambda k: t(kpis.REGISTRY[k].label),
                       key="dash_trend_kpi", label_visibility="collapsed")
    series = trend(version, actor, ids, key, kind, today, start)
    df = pd.DataFrame([{"period": p["period"], "value": p["value"], "series": t(kpis.REGISTRY[key].label)}
                       for p in series if p["value"] is not None])
    if not df.empty:
        target = series[-1]["target"]
        if target is not None:
            st.altair_chart(charts.rate_with_target(df, "period", "value", "series", target, x_title=t("dash.period"),
                                                    y_title=kpis.REGISTRY[key].unit, series_title="",
                                                    target_title=t("chart.target")), width="stretch")
        else:
            st.altair_chart(charts.stacked_bars(df, "period", "value", "series", x_title=t("dash.period"),
                                                y_title=kpis.REGISTRY[key].unit, color_title="").encode(
                x=charts.alt.X("period:O", title=t("dash.period"))), width="stretch")
    ch1, ch2 = st.columns(2)
    with ch1:
        st.markdown(f"**{t('dash.hazards')}**")
        if data["by_state"]:
            hdf = pd.DataFrame([{"category": choice_label("cat", r["category"]), "code": r["category"],
                                 "state": t(f"state.{r['state']}"), "count": r["count"]} for r in data["by_state"]])
            event = st.altair_chart(charts.stacked_bars(hdf, "category", "count", "state", x_title=t("fac.category"),
                                                        y_title=t("chart.count"), color_title=t("chart.state"),
                                                        colors={t("state.open"): "#f39c12",
                                                                t("state.overdue"): "#c0392b",
                                                                t("state.closed"): "#27ae60"}),
                                    width="stretch", on_select="rerun", key="dash_hazard_chart")
            point = charts.picked(event)
            if point:
                codes = hdf.loc[hdf["category"] == point.get("category"), "code"]
                state = {t("state.open"): "open", t("state.overdue"): "overdue"}.get(point.get("state"), "all")
                _open("hazards", {"hazards.category": codes.iloc[0], "hazards.view": state} if len(codes) else {})
    with ch2:
        st.markdown(f"**{t('dash.hours')}**")
        if data["hours"]:
            vdf = pd.DataFrame(data["hours"])
            st.altair_chart(charts.stacked_bars(vdf, "month", "hours", "team", x_title=t("chart.month"),
                                                y_title=t("my.hours"), color_title=t("vol.team")).encode(
                x=charts.alt.X("month:O", title=t("chart.month"))), width="stretch")
    st.markdown(f"**{t('dash.heatmap')}**")
    cells = [c for c in data["heatmap"] if c["rate"] is not None]
    if cells:
        mdf = pd.DataFrame([{"category": choice_label("cat", c["category"]), "code": c["category"], "month": c["month"],
                             "rate": c["rate"]} for c in cells])
        event = st.altair_chart(charts.heatmap(mdf, "month", "category", "rate", x_title=t("chart.month"),
                                               y_title=t("insp.category"), value_title=t("chart.rate")),
                                width="stretch", on_select="rerun", key="dash_heatmap")
        point = charts.picked(event)
        if point:
            codes = mdf.loc[mdf["category"] == point.get("category"), "code"]
            _open("schedule", {"sched.category": codes.iloc[0]} if len(codes) else {})


live()
