"""Reference data (admin): checklist templates as data — add, reorder and retire items; each
save makes a new version and past inspections keep the wording they were done with."""
import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.records import flash
from components.records import data_table
from components.runtime import read, user_action, write
from db.models.safety import SEVERITIES
from services import checklists, schedule

actor = guard("reference")
st.title(t("page.reference"))
st.caption(t("pagedesc.reference"))
flash()

with read() as s:
    templates = checklists.all_current(s)
category = st.selectbox(t("ref.category"), list(templates), format_func=lambda c: choice_label("cat", c), key="ref_cat")
template = templates[category]
st.markdown(t("ref.version", version=template.version, n=len(template.items),
              rule=t("sched.every", every=template.rule_every, unit=t(f"unit.{template.rule_unit}"))))
st.caption(t("ref.items_help"))
frame = pd.DataFrame([{"order": n, "code": i["code"], "text_zh": i["text_zh"], "text_en": i["text_en"],
                       "severity": i["severity"]} for n, i in enumerate(template.items, start=1)])
edited = st.data_editor(frame, key=f"ref_items_{category}_{template.version}", num_rows="dynamic", hide_index=True,
                        placeholder="",
                        width="stretch", column_config={
                            "order": st.column_config.NumberColumn(t("ref.order"), min_value=1, step=1),
                            "code": st.column_config.TextColumn(t("insp.code"), max_chars=20),
                            "text_zh": st.column_config.TextColumn("中文", width="large", max_chars=200),
                            "text_en": st.column_config.TextColumn("English", width="large", max_chars=300),
                            "severity": st.column_config.SelectboxColumn(t("insp.severity"), options=list(SEVERITIES))})
c = st.columns(3)
unit = c[0].selectbox(t("ref.rule_unit"), schedule.UNITS, index=schedule.UNITS.index(template.rule_unit),
                      format_func=lambda u: t(f"unit.{u}"), key=f"ref_unit_{category}")
every = c[1].number_input(t("ref.rule_every"), 1, 366, value=template.rule_every, key=f"ref_every_{category}")
if c[2].button(t("ref.save"), type="primary", icon=":material/save:"):
    rows = edited.dropna(how="all").to_dict("records")
    rows.sort(key=lambda r: (r.get("order") if r.get("order") == r.get("order") and r.get("order") is not None
                             else 10_000))
    with user_action({str(n): t("ref.row", n=n) for n in range(1, len(rows) + 1)} | {"items": t("insp.item"),
                                                                                   "rule": t("ref.rule_unit")}) as outcome:
        with write() as s:
            saved = checklists.new_version(s, actor, category, rows, template.version, unit, int(every))
            version = saved.version
    if outcome["ok"]:
        st.session_state["_flash"] = t("ref.saved", version=version)
        st.rerun()
with st.expander(t("ref.versions"), icon=":material/history:"):
    with read() as s:
        versions = checklists.versions(s, category)
    data_table(pd.DataFrame([{t("ref.version_no"): v["version"], t("field.updated_by"): v["created_by"],
                                t("field.updated_at"): v["created_at"], t("insp.item"): v["items"],
                                t("ref.in_use"): "✓" if v["current"] else ""} for v in versions]), hide_index=True)
