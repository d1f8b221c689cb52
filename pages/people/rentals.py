"""Rental housing: register, tenants, 群租, security pledge, and the inspection clock."""
from datetime import date

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.records import (confirm_action, field_labels, flash, loaded_version, record_header,
                                record_list, save_form, service_export, submit)
from components.records import data_table
from components.runtime import read
from db.models.residents import RENTAL
from services import access, places, rentals, residents

actor = guard("rentals")
st.title(t("page.rentals"))
st.caption(t("pagedesc.rentals"))
st.caption(t("rental.rule"))
flash()
LABELS = field_labels(RENTAL)
KEY = "rentals"

with read() as s:
    refs = {"household_id": residents.household_options(s, actor),
            "grid_id": places.grid_names(s, actor.community_ids)}
    tenant_options = residents.resident_options(s, actor, limit=100_000)
if actor.grid_ids is not None:
    refs["grid_id"] = {k: v for k, v in refs["grid_id"].items() if k in actor.grid_ids}


def listed(s, who, **kw):
    page = rentals.list_rentals(s, who, **kw)
    for r in page.rows:
        r["check_label"] = t(f"check.{r['check_status']}") + (f" ({r['days_overdue']})" if r["days_overdue"] else "")
    return page


def fetch(**kw):
    with read() as s:
        return listed(s, actor, **kw)


view = record_list(RENTAL, fetch, key=KEY, refs=refs, extra_columns=(
    ("last_check", "rental.last_check"), ("next_due", "rental.next_check"), ("check_label", "rental.check_status")),
    can_export=access.can(actor, "rentals", "export"), export_name="rentals", filter_defaults={"status": "registered"},
    export_rows=service_export(actor, "rentals", RENTAL, listed))

if access.can(actor, "rentals", "create"):
    with st.expander(t("rental.new"), icon=":material/add_home:"):
        save_form(RENTAL, key="rental_new", refs=refs, options={"tenants": tenant_options},
                  values={"registered_date": date.today(), "occupants": 1}, message=t("rec.created"),
                  save=lambda s, data: rentals.save_rental(s, actor, data))

row = view.selected
if row is not None:
    with view.detail:  # the opened record above the list
        form_key = f"rental_edit_{row['id']}"
        record_header(f"{refs['household_id'].get(row['household_id'], '')} · {row['landlord_name']}", KEY, form_key)
        version = loaded_version(form_key, row)
        with read() as s:
            checks = rentals.checks_of(s, actor, row["id"])
        c1, c2 = st.columns(2)
        with c1:
            st.markdown(f"**{t('rental.checks')}**")
            if checks:
                data_table(pd.DataFrame([{t("rental.check_date"): c["check_date"], t("visit.staff"): c["inspector"],
                                            t("rental.check_result"): choice_label("checkresult", c["result"]),
                                            t("field.note"): c["note"]} for c in checks]), hide_index=True)
            else:
                st.caption(t("rec.empty"))
            if access.can(actor, "rentals", "edit") and row["status"] == "registered":
                with st.form(f"rental_check_{row['id']}", clear_on_submit=True):
                    st.markdown(f"**{t('rental.check')}**")
                    when = st.date_input(t("rental.check_date"), value=date.today(), max_value=date.today())
                    result = st.radio(t("rental.check_result"), rentals.CHECK_RESULTS, horizontal=True,
                                      format_func=lambda v: choice_label("checkresult", v))
                    note = st.text_area(t("field.note"), max_chars=1000)
                    if st.form_submit_button(t("rec.save"), type="primary"):
                        submit(lambda s: rentals.record_check(s, actor, row["id"], when, result, note),
                               labels={"check_date": t("rental.check_date"), "result": t("rental.check_result")},
                               done=t("rental.checked"))
        with c2:
            if access.can(actor, "rentals", "edit"):
                with st.expander(t("rental.edit"), icon=":material/edit:", expanded=False):
                    save_form(RENTAL, key=form_key, refs=refs, options={"tenants": tenant_options}, values=row,
                              message=t("rec.saved"), save=lambda s, data: rentals.save_rental(s, actor, data, row["id"],
                                                                                                  version))
                if row["status"] == "registered":
                    whole = f"{refs['household_id'].get(row['household_id'], '')} · {row['landlord_name']}"
                    confirm_action(t("rental.close"), t("rental.close_confirm", name=whole),
                                   lambda s: rentals.close_rental(s, actor, row["id"], version),
                                   key=f"rental_close_{row['id']}", done=t("rental.closed"), icon=":material/block:",
                                   labels=LABELS, forget=form_key)
