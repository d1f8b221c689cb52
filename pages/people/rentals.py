"""Rental housing: the ledger engine's page (the inspection clock computed, filtered and sorted
in SQL), plus what is special to a rental — its tenants, its checks, closing the registration."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import date_field
from components.ledger_page import ledger_page
from components.records import confirm_action, data_table, field_labels, flash, loaded_version, submit
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

with read() as s:  # the tenants are picked from the residents in scope (as many as a community has)
    tenant_options = residents.resident_options(s, actor, limit=100_000)
    flats = places.household_options(s, actor)


def _name(row: dict) -> str:
    return f"{flats.get(row['household_id'], '')} · {row['landlord_name']}"


def _rental(row: dict) -> None:
    """What the record says without opening the edit form, its tenants and checks, and closing it."""
    with read() as s:
        checks = rentals.checks_of(s, actor, row["id"])
        tenants = rentals.tenants_of(s, actor, row["id"])
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
    st.markdown(f"**{t('rental.checks')}**")
    if checks:
        data_table(pd.DataFrame([{t("rental.check_date"): c["check_date"], t("visit.staff"): c["inspector"],
                                  t("rental.check_result"): choice_label("checkresult", c["result"]),
                                  t("field.note"): c["note"]} for c in checks]))
    else:
        st.caption(t("rec.empty"))
    if not (access.can(actor, "rentals", "edit") and row["status"] == "registered"):
        return
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
    form_key = f"{KEY}_edit_{row['id']}"
    version = loaded_version(form_key, row)
    confirm_action(t("rental.close"), t("rental.close_confirm", name=_name(row)),
                   lambda s: rentals.close_rental(s, actor, row["id"], version),
                   key=f"rental_close_{row['id']}", done=t("rental.closed"), icon=":material/block:",
                   labels=LABELS, forget=form_key)


ledger_page(RENTAL, actor, key=KEY, refs={"household_id": flats}, options={"tenants": tenant_options}, detail=_rental,
            title=_name, new_label=t("rental.new"), new_icon=":material/add_home:",
            new_values={"registered_date": clock.today(), "occupants": 1}, filter_defaults={"status": "registered"})
