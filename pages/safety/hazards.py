"""Hazards: the list (overdue and major first), reporting one by hand, the workflow with its
timeline and photos, and the charts."""

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import date_field
from components.photos import photo_input, show_photo
from components.records import (field_labels, flash, loaded_version, record_form, record_header, record_list,
                                service_export, submit)
from components.records import data_table
from components.runtime import read
from db.models.safety import ESCALATION_LEVELS, HAZARD
from services import access, clock, facilities, hazards, kpis, places, settings

actor = guard("hazards")
st.title(t("page.hazards"))
st.caption(t("pagedesc.hazards"))
flash()
LABELS = {**field_labels(HAZARD), "owner": t("haz.owner"), "measures": t("haz.measures"), "note": t("haz.note"),
          "level": t("haz.escalate_to")}
KEY = "hazards"

with read() as s:
    grids = places.grid_names(s, actor.community_ids)
    fac_opts = facilities.options(s, actor)
    totals = hazards.counts(s, actor)
if actor.grid_ids is not None:
    grids = {k: v for k, v in grids.items() if k in actor.grid_ids}
refs = {"grid_id": grids, "facility_id": fac_opts}
st.markdown(t("haz.counts", **totals))

views = ["all", "open", "in_time", "overdue"]
qp_view = st.query_params.get("hazards.view", "all")
view_choice = st.segmented_control(t("haz.view"), views, default=qp_view if qp_view in views else "all",
                                   format_func=lambda v: t(f"haz.view_{v}"), key="haz_view")
view_choice = view_choice or "all"
if view_choice != "all":
    st.query_params["hazards.view"] = view_choice
elif "hazards.view" in st.query_params:
    del st.query_params["hazards.view"]


def listed(s, who, **kw):
    kw["filters"] = {**kw.get("filters", {}), "view": view_choice}
    page = hazards.list_hazards(s, who, **kw)
    for r in page.rows:
        r["overdue"] = r["overdue_days"] or None
        r["escalated"] = choice_label("level", r["escalated_to"]) if r["escalated_to"] else ""
    return page


def fetch(**kw):
    with read() as s:
        return listed(s, actor, **kw)


listing = record_list(HAZARD, fetch, key=KEY, refs=refs, can_export=access.can(actor, "hazards", "export"),
                      export_name="hazards", export_rows=service_export(actor, "hazards", HAZARD, listed),
                      extra_columns=(("overdue", "haz.overdue_days"), ("escalated", "haz.escalated")))

if access.can(actor, "hazards", "create") and grids:
    with st.expander(t("haz.new"), icon=":material/add_alert:"):
        data = record_form(HAZARD, key="haz_new", refs=refs,
                           values={"found_on": clock.today(), "severity": "一般", "risk_level": "中", "source": "patrol"})
        on_spot = st.checkbox(t("haz.on_the_spot"), key="haz_new_spot")
        photo_id = photo_input(t("haz.photo_before"), "haz_new_photo", None, camera=True)
        if data is not None:
            submit(lambda s: hazards.open_hazard(s, actor, data, photo_id=photo_id, on_the_spot=on_spot),
                   labels=LABELS, forget="haz_new", done=t("haz.created"),
                   then=lambda _: st.session_state.pop("haz_new_photo_saved", None))

row = listing.selected
if row is not None:
    with listing.detail:  # the opened record above the list
        form_key = f"haz_{row['id']}"
        record_header(f"{choice_label('severity', row['severity'])} · {row['description'][:60]}", KEY, form_key)
        with read() as s:
            hazard = hazards.get_hazard(s, actor, row["id"])
            steps = hazards.timeline(s, actor, row["id"])
        version = loaded_version(form_key, {"version": hazard.version})
        c = st.columns(3)
        c[0].markdown(f"**{t('haz.status')}** {choice_label('hstate', hazard.status)}")
        c[0].markdown(f"**{t('haz.source')}** {choice_label('hsource', hazard.source)}")
        c[1].markdown(f"**{t('haz.deadline')}** {hazard.deadline}" +
                      (f" · ⚠ {t('haz.overdue_days')} {(clock.today() - hazard.deadline).days}"
                       if hazard.status != "closed" and hazard.deadline < clock.today() else ""))
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

        def act(fn, *args, **kw):
            submit(lambda s: fn(s, actor, row["id"], *args, **kw), labels=LABELS, forget=form_key, done=t("haz.saved"))

        if access.can(actor, "hazards", "edit") and hazard.status != "closed":
            if hazard.status in ("found", "assigned", "rectifying"):
                with st.form(f"{form_key}_assign"):
                    st.markdown(f"**{t('haz.assign')}**")
                    owner = st.text_input(t("haz.owner"), value=hazard.owner or "", max_chars=64)
                    deadline = date_field(t("haz.deadline"), value=hazard.deadline)
                    if st.form_submit_button(t("haz.assign"), type="primary"):
                        act(hazards.assign, owner, deadline, version)
            if hazard.status == "assigned" and st.button(t("haz.start"), key=f"{form_key}_start"):
                act(hazards.start, version)
            if hazard.status in ("assigned", "rectifying"):
                with st.container(border=True):
                    st.markdown(f"**{t('haz.rectified')}**")
                    measures = st.text_area(t("haz.measures"), key=f"{form_key}_measures", max_chars=2000)
                    after = photo_input(t("haz.photo_after"), f"{form_key}_after", hazard.community_id)
                    if st.button(t("haz.rectified"), type="primary", key=f"{form_key}_fixed"):
                        act(hazards.rectified, measures, version, photo_id=after)
            if hazard.status == "awaiting":
                with st.container(border=True):
                    st.markdown(f"**{t('haz.reinspect')}**")
                    # the service's own rule (never the one who fixed it): a button it would refuse is
                    # shown disabled, with the reason
                    refused = {step: hazards.may_step(actor, hazard, step) for step in ("reinspect_pass", "reinspect_fail")}
                    for reason in dict.fromkeys(r for r in refused.values() if r):
                        st.caption(f":material/block: {t(reason, status=choice_label('hstate', hazard.status))}")
                    note = st.text_area(t("haz.note"), key=f"{form_key}_note", max_chars=2000,
                                        disabled=all(refused.values()))
                    b1, b2 = st.columns(2)
                    if b1.button(t("haz.pass"), type="primary", key=f"{form_key}_pass",
                                 disabled=refused["reinspect_pass"] is not None):
                        act(hazards.reinspect, True, note, version)
                    if b2.button(t("haz.fail"), key=f"{form_key}_fail", disabled=refused["reinspect_fail"] is not None):
                        act(hazards.reinspect, False, note, version)
            if hazard.severity == "重大" and access.can(actor, "hazards", "escalate"):
                with st.form(f"{form_key}_escalate"):
                    level = st.selectbox(t("haz.escalate_to"), ESCALATION_LEVELS,
                                         format_func=lambda v: choice_label("level", v))
                    note = st.text_input(t("haz.note"), max_chars=200)
                    if st.form_submit_button(t("haz.escalate"), icon=":material/campaign:"):
                        act(hazards.escalate, level, note, version)

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
