"""Audit log (admin): filter the entries and check that the hash chain is intact. Each entry
reads as a sentence about named fields and values (services.audit_read, masked for the viewer)."""
from datetime import timedelta

import streamlit as st

from components.auth import guard
from components.history import audit_sentence, escape
from components.i18n import t
from components.inputs import date_field
from components.records import page_picker
from components.runtime import read
from components.timefmt import when
from services import audit, audit_read, clock
from services.users import display_names

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
    people = display_names(s, values["actor"])
c = st.columns(5)
who = c[0].selectbox(t("audit.actor"), [None] + values["actor"],
                     format_func=lambda v: t("rec.all") if v is None else people.get(v, v))
table = c[1].selectbox(t("audit.table"), [None] + values["table"],
                       format_func=lambda v: t("rec.all") if v is None else t(f"table.{v}"))
action = c[2].selectbox(t("audit.action"), [None] + values["action"],
                        format_func=lambda v: t("rec.all") if v is None else t(f"auditaction.{v}"))
since = date_field(t("audit.since"), value=clock.today() - timedelta(days=30), where=c[3])
until = date_field(t("audit.until"), value=clock.today(), where=c[4])
PAGE = 50
signature = (who, table, action, since, until)
if st.session_state.get("audit_sig") != signature:  # new filters start at page 1
    st.session_state["audit_sig"] = signature
    st.session_state["audit_page"] = 1
page_no = st.session_state.get("audit_page", 1)
with read() as s:
    found = audit.search(s, actor=who, table_name=table, action=action, since=since, until=until,
                         limit=PAGE, offset=(page_no - 1) * PAGE)
    shown = audit_read.entries(s, actor, found.rows)
if not found.rows:
    st.info(t("rec.empty"), icon=":material/search_off:")
else:
    for e in shown:
        st.markdown(f"`{when(e['at'], '%Y-%m-%d %H:%M:%S')}` {escape(audit_sentence(e))}  \n"
                    f":gray[{t('field.id')} {e['id']} · {t('audit.hash')} {e['hash']}]")
    pages = max(1, -(-found.total // PAGE))
    cols = st.columns([3, 1])
    start = (page_no - 1) * PAGE + 1
    cols[0].caption(t("rec.count", total=found.total, start=start, end=start + len(found.rows) - 1))
    if pages > 1:
        page_picker("audit_page", pages, where=cols[1])
