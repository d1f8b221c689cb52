"""Volunteers (staff and up): the register, teams, each volunteer's hours, and bulk verification
of logged hours in one grid (approve, or reject with a reason)."""
from datetime import date

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, t
from components.records import flash, loaded_version, record_list, save_form, service_export, submit
from components.runtime import read
from db.models.volunteers import TEAM, VOLUNTEER
from services import access, clock, places, residents, volunteers

actor = guard("volunteers")
st.title(t("page.volunteers"))
st.caption(t("pagedesc.volunteers"))
flash()
may_edit = access.can(actor, "volunteers", "edit")

with read() as s:
    communities = places.community_names(s, actor.community_ids)
    teams = volunteers.team_options(s, actor)
    accounts = volunteers.volunteer_accounts(s, actor)
    grids = places.grid_names(s, actor.community_ids)
community_id = next(iter(communities), None)
if len(communities) > 1:
    community_id = st.selectbox(t("place.community"), list(communities), format_func=communities.get, key="vol_comm")

register, team_tab, verify_tab, chart_tab = st.tabs([t("vol.register"), t("vol.teams"), t("vol.verify"),
                                                      t("vol.charts")])

with register:
    refs = {"team_id": teams, "user_id": accounts}

    def fetch(**kw):
        with read() as s:
            return volunteers.list_volunteers(s, actor, **kw)

    view = record_list(VOLUNTEER, fetch, key="volunteers", refs=refs, export_name="volunteers",
                       can_export=access.can(actor, "volunteers", "export"),
                       export_rows=service_export(actor, "volunteers", VOLUNTEER, volunteers.list_volunteers),
                       extra_columns=(("hours_year", "vol.hours_year"), ("pending", "vol.pending")))
    if may_edit and community_id:
        with read() as s:
            people = residents.resident_options(s, actor, limit=5000, community_id=community_id) \
                if access.can(actor, "residents", "view") else {}
        refs_form = {**refs, "resident_id": people}
        with st.expander(t("vol.new"), icon=":material/person_add:"):
            save_form(VOLUNTEER, key="vol_new", refs=refs_form, message=t("rec.created"),
                      values={"joined_on": clock.today(), "status": "active", "position": "普通志愿者"},
                      save=lambda s, data: volunteers.save_volunteer(s, actor, data, community_id))
        row = view.selected
        if row is not None:
            with view.detail:  # the opened record above the list
                form_key = f"vol_edit_{row['id']}"
                version = loaded_version(form_key, row)
                with st.expander(f"{t('vol.edit')} · {row['name']}", expanded=True, icon=":material/edit:"):
                    save_form(VOLUNTEER, key=form_key, refs=refs_form, values=row, message=t("rec.saved"),
                              close="volunteers",
                              save=lambda s, data: volunteers.save_volunteer(s, actor, data, row["community_id"],
                                                                             row["id"], version))

with team_tab:
    def fetch_teams(**kw):
        with read() as s:
            return volunteers.list_teams(s, actor, **kw)

    team_view = record_list(TEAM, fetch_teams, key="teams", refs={"grid_id": grids},
                            extra_columns=(("members", "vol.members"),))
    if may_edit and community_id:
        with st.expander(t("vol.new_team"), icon=":material/group_add:"):
            save_form(TEAM, key="team_new", refs={"grid_id": grids}, message=t("rec.created"),
                      save=lambda s, data: volunteers.save_team(s, actor, data, community_id))

with verify_tab:
    st.caption(t("vol.verify_help"))
    waiting = []
    if access.can(actor, "volunteers", "verify"):
        with read() as s:
            waiting = volunteers.pending(s, actor)
    if not access.can(actor, "volunteers", "verify"):
        st.info(t("err.permission"))
    elif not waiting:
        st.success(t("vol.nothing_pending"), icon=":material/task_alt:")
    else:
        choices = {t("vol.skip"): None, t("vol.approve"): True, t("vol.reject"): False}
        frame = pd.DataFrame([{"id": w["id"], "volunteer": w["volunteer"], "date": w["log_date"], "hours": w["hours"],
                               "activity": w["activity"] or "", "role": choice_label("volrole", w["role"])
                               if w["role"] else "", "decision": t("vol.skip"), "reason": ""} for w in waiting])
        edited = st.data_editor(frame, key="verify_grid", hide_index=True, width="stretch", placeholder="",
                                disabled=["id", "volunteer", "date", "hours", "activity", "role"], column_config={
                                    "id": None, "volunteer": t("vol.volunteer"), "date": t("my.date"),
                                    "hours": t("my.hours"), "activity": t("act.activity"), "role": t("my.role"),
                                    "decision": st.column_config.SelectboxColumn(t("vol.decision"),
                                                                                 options=list(choices), required=True),
                                    "reason": st.column_config.TextColumn(t("vol.reason"), max_chars=200)})
        versions = {w["id"]: w["version"] for w in waiting}
        if st.button(t("vol.submit_decisions"), type="primary", icon=":material/fact_check:"):
            decisions = [{"id": int(r["id"]), "version": versions[int(r["id"])], "approve": choices[r["decision"]],
                          "reason": r["reason"]} for r in edited.to_dict("records") if choices[r["decision"]] is not None]
            submit(lambda s: volunteers.verify(s, actor, decisions), labels={str(k): f"#{k}" for k in versions},
                   then=lambda _: st.session_state.pop("verify_grid", None),
                   done=lambda result: t("vol.verified_n", **result))

with chart_tab:
    today = clock.today()
    with read() as s:
        rows = volunteers.hours_by_month_and_team(s, actor, date(today.year - 1, today.month, 1), today)
    st.markdown(f"**{t('vol.hours_chart')}**")
    if rows:
        df = pd.DataFrame(rows)
        st.altair_chart(charts.stacked_bars(df, "month", "hours", "team", x_title=t("chart.month"),
                                            y_title=t("my.hours"), color_title=t("vol.team")).encode(
            x=charts.alt.X("month:O", title=t("chart.month"))), width="stretch")
    else:
        st.caption(t("rec.empty"))
