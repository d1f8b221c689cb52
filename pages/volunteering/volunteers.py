"""Volunteers (staff and up): the register and the teams (the ledger engine's pages), bulk
verification of logged hours in one grid (approve, or reject with a reason: the log's workflow
steps) and the hours chart."""
from datetime import date

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, t
from components.ledger_page import ledger_page
from components.records import flash, submit
from components.runtime import read
from db.models.volunteers import TEAM, VOLUNTEER, VOLUNTEER_LOG
from services import access, clock, ledgers, places, residents, volunteers

actor = guard("volunteers")
st.title(t("page.volunteers"))
st.caption(t("pagedesc.volunteers"))
flash()

register, team_tab, verify_tab, chart_tab = st.tabs([t("vol.register"), t("vol.teams"), t("vol.verify"),
                                                      t("vol.charts")])

with register:
    with read() as s:
        accounts = volunteers.volunteer_accounts(s, actor)
        people = residents.resident_options(s, actor, limit=residents.PICKER_LIMIT) \
            if access.can(actor, "residents", "view") else {}
    ledger_page(VOLUNTEER, actor, key="volunteers", refs={"user_id": accounts, "resident_id": people},
                new_label=t("vol.new"), new_values={"joined_on": clock.today(), "status": "active",
                                                    "position": "普通志愿者"})

with team_tab:
    with read() as s:  # every grid of the communities: a team may serve any of them
        grids = places.grid_names(s, actor.community_ids)
    ledger_page(TEAM, actor, key="teams", refs={"grid_id": grids}, new_label=t("vol.new_team"))

with verify_tab:
    st.caption(t("vol.verify_help"))
    may_verify = ledgers.may(actor, VOLUNTEER_LOG, "verify")
    waiting = []
    if may_verify:
        with read() as s:
            waiting = ledgers.list_rows(s, actor, VOLUNTEER_LOG, filters={"status": "logged"}, sort="log_date",
                                        limit=500).rows
    if not may_verify:
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
