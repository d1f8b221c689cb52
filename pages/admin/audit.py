"""Audit log (admin): filter the entries and check that the hash chain is intact."""
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.timefmt import when
from components.runtime import read
from components.records import data_table
from services import audit

actor = guard("audit")
st.title(t("page.audit"))
st.caption(t("pagedesc.audit"))

with read() as s:
    result = audit.verify(s)
if result.ok:
    st.success(t("audit.chain_ok", n=result.checked), icon=":material/verified:")
else:
    st.error(t("audit.chain_bad", id=result.first_bad_id, problem=t(result.problem)), icon=":material/gpp_bad:")

with read() as s:
    values = audit.distinct_values(s)
c = st.columns(5)
who = c[0].selectbox(t("audit.actor"), [None] + values["actor"], format_func=lambda v: t("rec.all") if v is None else v)
table = c[1].selectbox(t("audit.table"), [None] + values["table"],
                       format_func=lambda v: t("rec.all") if v is None else t(f"table.{v}"))
action = c[2].selectbox(t("audit.action"), [None] + values["action"],
                        format_func=lambda v: t("rec.all") if v is None else t(f"auditaction.{v}"))
since = c[3].date_input(t("audit.since"), value=date.today() - timedelta(days=30))
until = c[4].date_input(t("audit.until"), value=date.today())
PAGE = 50
signature = (who, table, action, since, until)
if st.session_state.get("audit_sig") != signature:  # new filters start at page 1
    st.session_state["audit_sig"] = signature
    st.session_state["audit_page"] = 1
page_no = st.session_state.get("audit_page", 1)
with read() as s:
    found = audit.search(s, actor=who, table_name=table, action=action, since=since, until=until,
                         limit=PAGE, offset=(page_no - 1) * PAGE)
if not found.rows:
    st.info(t("rec.empty"), icon=":material/search_off:")
else:
    def _changes(row) -> str:
        if row["redacted_at"] is not None:  # what is left is ids and scope: say so instead
            return t("audit.redacted")

        def show(v):
            return "—" if v in (None, "", []) else str(v)
        parts = [f"{k}{t('sep.field')}{show(old)} → {show(new)}" if row["before"] else f"{k}{t('sep.field')}{show(new)}"
                 for k, old, new in row["changes"]]
        return t("sep.items").join(parts)

    df = pd.DataFrame([{
        t("field.id"): r["id"], t("audit.at"): when(r["at"], "%Y-%m-%d %H:%M:%S"), t("audit.actor"): r["actor"],
        t("audit.action"): t(f"auditaction.{r['action']}"), t("audit.table"): t(f"table.{r['table']}"),
        t("audit.row_id"): r["row_id"], t("audit.changes"): _changes(r), t("audit.hash"): r["hash"]} for r in found.rows])
    data_table(df, hide_index=True, width="stretch")
    pages = max(1, -(-found.total // PAGE))
    cols = st.columns([3, 1])
    start = (page_no - 1) * PAGE + 1
    cols[0].caption(t("rec.count", total=found.total, start=start, end=start + len(found.rows) - 1))
    if pages > 1:
        cols[1].number_input(t("rec.page"), 1, pages, key="audit_page", label_visibility="collapsed")
