"""Facility register: filters, due for renewal, create/edit, each facility's history."""
import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.records import service_export, flash, loaded_version, record_header, record_list, save_form
from components.records import data_table
from components.runtime import read
from db.models.safety import FACILITY
from services import access, facilities, places

actor = guard("facilities")
st.title(t("page.facilities"))
st.caption(t("pagedesc.facilities"))
flash()
KEY = "facilities"

with read() as s:
    grids = places.grid_names(s, actor.community_ids)
if actor.grid_ids is not None:
    grids = {k: v for k, v in grids.items() if k in actor.grid_ids}
refs = {"grid_id": grids}
renewal_only = st.toggle(t("fac.renewal_only"), key="fac_renewal")


def listed(s, who, **kw):
    if renewal_only:
        kw["filters"] = {**kw.get("filters", {}), "renewal": True}
    page = facilities.list_facilities(s, who, **kw)
    for r in page.rows:
        r["renewal"] = "⚠ " + t("fac.renewal") if r["renewal_due"] else ""
    return page


def fetch(**kw):
    with read() as s:
        return listed(s, actor, **kw)


view = record_list(FACILITY, fetch, key=KEY, refs=refs, extra_columns=(("renewal", "fac.renewal"),),
                   can_export=access.can(actor, "facilities", "export"), export_name="facilities",
                   export_rows=service_export(actor, "facilities", FACILITY, listed))

if access.can(actor, "facilities", "create") and grids:
    with st.expander(t("fac.new"), icon=":material/add:"):
        save_form(FACILITY, key="fac_new", refs=refs, values={"status": "正常"}, message=t("rec.created"),
                  save=lambda s, data: facilities.save_facility(s, actor, data))

row = view.selected
if row is not None:
    with view.detail:  # the opened record above the list
        form_key = f"fac_edit_{row['id']}"
        record_header(f"{row['code']} {row['name']} · {choice_label('cat', row['category'])}", KEY, form_key)
        st.page_link(access.PAGES["inspections"].script, label=t("fac.inspect"), icon=":material/checklist:",
                     query_params={"insp.category": row["category"], "insp.facility": str(row["id"])})
        with read() as s:
            hist = facilities.history(s, actor, row["id"])
        c1, c2 = st.columns(2)
        with c1:
            st.markdown(f"**{t('page.inspections')}**")
            if hist["inspections"]:
                data_table(pd.DataFrame([{t("insp.date"): i["inspected_on"], t("insp.inspector"): i["inspector"],
                                            t("insp.overall"): choice_label("result", i["overall"]),
                                            t("insp.failed"): i["items_failed"]} for i in hist["inspections"]]),
                             hide_index=True, height=250)
            else:
                st.caption(t("rec.empty"))
        with c2:
            st.markdown(f"**{t('page.hazards')}**")
            if hist["hazards"]:
                data_table(pd.DataFrame([{t("haz.found_on"): h["found_on"],
                                            t("haz.severity"): choice_label("severity", h["severity"]),
                                            t("haz.description"): h["description"],
                                            t("haz.status"): choice_label("hstate", h["status"])} for h in hist["hazards"]]),
                             hide_index=True, height=250)
            else:
                st.caption(t("rec.empty"))
        if access.can(actor, "facilities", "edit"):
            version = loaded_version(form_key, row)
            with st.expander(t("fac.edit"), icon=":material/edit:"):
                save_form(FACILITY, key=form_key, refs=refs, values=row, message=t("rec.saved"),
                          save=lambda s, data: facilities.save_facility(s, actor, data, row["id"], version))
