"""Rental housing: register, tenants, 群租, security pledge, and the inspection clock."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import date_field
from components.records import (confirm_action, field_labels, flash, loaded_version, record_header,
                                record_list, save_form, service_export, submit)
from components.records import data_table
from components.runtime import read
from db.models.residents import RENTAL
from services import access, clock, places, rentals, residents

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
                  values={"registered_date": clock.today(), "occupants": 1}, message=t("rec.created"),
                  save=lambda s, data: rentals.save_rental(s, actor, data))

row = view.selected
if row is not None:
    with view.detail:  # the opened record above the list
        form_key = f"rental_edit_{row['id']}"
        record_header(f"{refs['household_id'].get(row['household_id'], '')} · {row['landlord_name']}", KEY, form_key)
        version = loaded_version(form_key, row)
        with read() as s:
            checks = rentals.checks_of(s, actor, row["id"])
            tenants = rentals.tenants_of(s, actor, row["id"])
        # what the record says, without opening the edit form (the phone as the role may see it)
        yes_no = {True: t("rec.yes"), False: t("rec.no")}
        d = st.columns(3)
        d[0].markdown(f"**{t('rental.landlord')}** {row['landlord_name'] or '—'}")
        d[0].markdown(f"**{t('rental.landlord_phone')}** {row['landlord_phone'] or '—'}")
        d[1].markdown(f"**{t('rental.group')}** {yes_no[bool(row['group_rental'])]}")
        d[1].markdown(f"**{t('rental.pledge')}** {yes_no[bool(row['pledge_signed'])]}")
        d[2].markdown(f"**{t('rental.occupants')}** {row['occupants']} · **{t('rental.status')}** "
                      f"{choice_label('rentalstatus', row['status'])}")
        names = t("sep.list").join(x["name"] + ("" if x["status"] == "active" else
                                                 f"（{choice_label('status', x['status'])}）") for x in tenants)
        d[2].markdown(f"**{t('rental.tenants')}** {t('rental.tenants_n', n=len(tenants))}"
                      + (t("sep.field") + names if tenants else ""))
        if row.get("note"):
            st.markdown(f"**{t('field.note')}** {row['note']}")
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
                    when = date_field(t("rental.check_date"), value=clock.today())
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
