"""Facility register: the ledger engine's page, plus each facility's inspections and hazards and
a link to inspect it."""
import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.ledger_page import ledger_page
from components.records import data_table, flash
from components.runtime import read
from db.models.safety import FACILITY
from services import access, facilities

actor = guard("facilities")
st.title(t("page.facilities"))
st.caption(t("pagedesc.facilities"))
flash()


def _history(row: dict) -> None:
    st.page_link(access.PAGES["inspections"].script, label=t("fac.inspect"), icon=":material/checklist:",
                 query_params={"insp.category": row["category"], "insp.facility": str(row["id"])})
    with read() as s:
        hist = facilities.history(s, actor, row["id"])
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{t('page.inspections')}**")
        if hist["inspections"]:
            data_table(pd.DataFrame([{t("insp.date"): i["inspected_on"], t("insp.inspector"): i["inspector_name"],
                                      t("insp.overall"): choice_label("result", i["overall"]),
                                      t("insp.failed"): i["items_failed"]} for i in hist["inspections"]]), height=250)
        else:
            st.caption(t("rec.empty"))
    with c2:
        st.markdown(f"**{t('page.hazards')}**")
        if hist["hazards"]:
            data_table(pd.DataFrame([{t("haz.found_on"): h["found_on"],
                                      t("haz.severity"): choice_label("severity", h["severity"]),
                                      t("haz.description"): h["description"],
                                      t("haz.status"): choice_label("hstate", h["status"])} for h in hist["hazards"]]),
                       height=250)
        else:
            st.caption(t("rec.empty"))


ledger_page(FACILITY, actor, key="facilities", new_values={"status": "正常"}, detail=_history,
            title=lambda row: f"{row['code']} {row['name']} · {choice_label('cat', row['category'])}",
            formats={"renewal_due": lambda due, row: "⚠ " + t("fac.renewal") if due else ""})
