"""The shared import panel: upload, preview with counts and a per-row problem list (which can
be downloaded), and a confirmation that writes everything — or, if the user chooses, only the
valid rows. The ledger supplies ``preview`` and ``commit``; nothing is written before confirm."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from components.i18n import t
from components.inputs import upload_field
from components.runtime import show_error, user_action
from components.records import data_table
from services import exports
from services.errors import DomainError


def _read_error(e: Exception) -> str:
    key = getattr(e, "key", "err.generic")
    if key.startswith("imp.missing_columns:"):
        return t("imp.missing_columns", columns=key.split(":", 1)[1])
    return t(key)


def import_panel(*, key: str, preview: Callable, commit: Callable, labels: dict[str, str],
                 template: Callable[[], bytes], template_name: str, options_signature=()) -> None:
    st.download_button(t("imp.template"), data=template, file_name=template_name, key=f"{key}_template",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")
    upload = upload_field(t("imp.file"), ["xlsx", "csv"], key=f"{key}_file")
    plan_key = f"{key}_plan"
    if upload is None:
        st.session_state.pop(plan_key, None)
        return
    signature = (upload.file_id if hasattr(upload, "file_id") else upload.name, upload.size, options_signature)
    if st.button(t("imp.preview"), type="primary", key=f"{key}_preview", icon=":material/fact_check:"):
        from services.imports import ReadError

        try:
            st.session_state[plan_key] = (signature, preview(upload.name, upload.getvalue()))
        except ReadError as e:
            st.session_state.pop(plan_key, None)
            st.error(_read_error(e), icon=":material/error:")
            return
        except DomainError as e:
            st.session_state.pop(plan_key, None)
            show_error(e, labels)
            return
    stored = st.session_state.get(plan_key)
    if not stored or stored[0] != signature:  # another file or other options: preview again
        return
    plan = stored[1]
    st.info(t("imp.summary", total=plan.total, valid=plan.valid, bad=plan.bad_rows), icon=":material/info:")
    if plan.new_buildings:
        st.caption(t("imp.new_buildings", names=t("sep.list").join(plan.new_buildings)))
    if plan.new_households:
        st.caption(t("imp.new_households", n=plan.new_households))
    if plan.errors:
        from services.imports import error_report

        report = pd.DataFrame(error_report(plan, labels, t))
        report.columns = [t("imp.row"), t("imp.column"), t("imp.reason")]
        st.markdown(f"**{t('imp.errors')}**")
        data_table(report, hide_index=True, width="stretch", key=f"{key}_errors")
        c1, c2 = st.columns(2)
        c1.download_button(t("imp.download_errors") + " (CSV)", data=exports.to_csv(report),
                           file_name="import-problems.csv", mime="text/csv", key=f"{key}_err_csv")
        c2.download_button(t("imp.download_errors") + " (Excel)", data=exports.to_xlsx(report, t("imp.errors")),
                           file_name="import-problems.xlsx", key=f"{key}_err_xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        st.warning(t("imp.fix_first"), icon=":material/warning:")
    cols = st.columns(2)
    go_all = cols[0].button(t("imp.confirm_all"), type="primary", disabled=bool(plan.errors) or not plan.valid,
                            key=f"{key}_all")
    go_valid = bool(plan.errors) and plan.valid > 0 and cols[1].button(
        t("imp.confirm_valid", n=plan.valid), key=f"{key}_valid")
    if go_all or go_valid:
        with user_action(labels) as outcome:
            written = commit(plan, bool(go_valid))
        if outcome["ok"]:
            st.session_state.pop(plan_key, None)
            st.session_state["_flash"] = t("imp.done", n=written)
            st.rerun()
