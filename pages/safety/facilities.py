"""Facility register: filters, due for renewal, create/edit, each facility's history."""
import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.records import (close_record, field_labels, flash, forget_form, loaded_version, record_form,
                                record_list)
from components.runtime import read, user_action, write
from db.models.safety import FACILITY
from services import access, facilities, places

actor = guard("facilities")
st.title(t("page.facilities"))
st.caption(t("pagedesc.facilities"))
flash()
LABELS = field_labels(FACILITY)
KEY = "facilities"

with read() as s:
    grids = places.grid_names(s, actor.community_ids)
if actor.grid_ids is not None:
    grids = {k: v for k, v in grids.items() if k in actor.grid_ids}
refs = {"grid_id": grids}
renewal_only = st.toggle(t("fac.renewal_only"), key="fac_renewal")


def fetch(**kw):
    if renewal_only:
        kw["filters"] = {**kw.get("filters", {}), "renewal": True}
    with read() as s:
        page = facilities.list_facilities(s, actor, **kw)
    for r in page.rows:
        r["renewal"] = "⚠ " + t("fac.renewal") if r["renewal_due"] else ""
    return page


view = record_list(FACILITY, fetch, key=KEY, refs=refs, extra_columns=(("renewal", "fac.renewal"),),
                   can_export=access.can(actor, "facilities", "export"), export_name="facilities")

if access.can(actor, "facilities", "create") and grids:
    with st.expander(t("fac.new"), icon=":material/add:"):
        data = record_form(FACILITY, key="fac_new", refs=refs, values={"status": "正常"})
        if data is not None:
            with user_action(LABELS) as outcome:
                with write() as s:
                    facilities.save_facility(s, actor, data)
            if outcome["ok"]:
                forget_form("fac_new")
                st.session_state["_flash"] = t("rec.created")
                st.rerun()

row = view.selected
if row is not None:
    st.divider()
    head = st.columns([4, 1])
    head[0].subheader(f"{row['code']} {row['name']} · {choice_label('cat', row['category'])}")
    form_key = f"fac_edit_{row['id']}"
    if head[1].button(t("res.back"), icon=":material/close:", key="fac_close"):
        close_record(KEY, form_key)
        st.rerun()
    st.page_link(access.PAGES["inspections"].script, label=t("fac.inspect"), icon=":material/checklist:",
                 query_params={"insp.category": row["category"], "insp.facility": str(row["id"])})
    with read() as s:
        hist = facilities.history(s, actor, row["id"])
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{t('page.inspections')}**")
        if hist["inspections"]:
            st.dataframe(pd.DataFrame([{t("insp.date"): i["inspected_on"], t("insp.inspector"): i["inspector"],
                                        t("insp.overall"): choice_label("result", i["overall"]),
                                        t("insp.failed"): i["items_failed"]} for i in hist["inspections"]]),
                         hide_index=True, height=250)
        else:
            st.caption(t("rec.empty"))
    with c2:
        st.markdown(f"**{t('page.hazards')}**")
        if hist["hazards"]:
            st.dataframe(pd.DataFrame([{t("haz.found_on"): h["found_on"],
                                        t("haz.severity"): choice_label("severity", h["severity"]),
                                        t("haz.description"): h["description"],
                                        t("haz.status"): choice_label("hstate", h["status"])} for h in hist["hazards"]]),
                         hide_index=True, height=250)
        else:
            st.caption(t("rec.empty"))
    if access.can(actor, "facilities", "edit"):
        version = loaded_version(form_key, row)
        with st.expander(t("fac.edit"), icon=":material/edit:"):
            data = record_form(FACILITY, key=form_key, refs=refs, values=row)
            if data is not None:
                with user_action(LABELS) as outcome:
                    with write() as s:
                        facilities.save_facility(s, actor, data, row["id"], version)
                if outcome["ok"]:
                    forget_form(form_key)
                    st.session_state["_flash"] = t("rec.saved")
                    st.rerun()
