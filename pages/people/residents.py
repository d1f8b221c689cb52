"""Resident files: the ledger engine's page, plus what is special to a file — its household,
visits and rentals, revealing the full number, a status change, the purge — and the import."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import date_field
from components.ledger_page import ledger_page
from components.records import confirm_delete, data_table, field_labels, flash, loaded_version, submit
from components.runtime import read, show_error, write
from db.models.residents import RESIDENT, STATUSES
from services import access, clock, exports, places, residents
from services.errors import DomainError, Duplicate

actor = guard("residents")
st.title(t("page.residents"))
st.caption(t("pagedesc.residents"))
flash()
LABELS = field_labels(RESIDENT)
KEY = "residents"

with read() as s:
    totals = residents.counts(s, actor)
st.caption(t("res.total", **totals))


def _groups(value, row: dict) -> str:  # the groups in the user's language
    return t("sep.list").join(choice_label("group", g) for g in row.get("group_list") or [])


def exporter(**kw) -> pd.DataFrame:
    with write() as s:  # a full-number export is itself audited
        rows, _ = residents.export_rows(s, actor, **kw)
    for r in rows:
        r["groups"] = _groups(None, r)
        r["gender"] = choice_label("gender", r["gender"])
        r["residence_type"] = choice_label("residence", r["residence_type"])
        r["status"] = choice_label("status", r["status"])
    headers = {"id_number": "res.id_number", "address": "res.address"}
    columns = [(c, t(headers.get(c) or RESIDENT.field(c).label)) for c in residents.export_columns(actor)]
    return exports.frame(rows, columns)


def _offer_existing(error) -> None:
    """The same ID number twice: a link to the file that has it."""
    if not isinstance(error, Duplicate) or "resident_id" not in error.params:
        return
    if st.button(t("res.open_existing"), icon=":material/open_in_new:", key="open_dup"):
        st.query_params[f"{KEY}.id"] = str(error.params["resident_id"])
        st.session_state.pop(f"{KEY}_table", None)
        st.rerun()


def _file(r: dict) -> None:
    """What a file shows beside its fields: the household, the visits, the rentals; reveal, status, purge."""
    try:
        with read() as s:
            info = residents.detail(s, actor, r["id"])
    except DomainError as e:
        show_error(e)
        st.stop()
    r = info.resident
    c = st.columns(3)
    c[0].markdown(f"**{t('res.gender')}** {choice_label('gender', r['gender'])} · **{t('res.age')}** {r['age']}")
    if r["birth_date"] is not None:
        c[0].markdown(f"**{t('res.birth_date')}** {r['birth_date']}")
    c[1].markdown(f"**{choice_label('idtype', r['id_type'])}** `{r['id_masked']}`")
    c[1].markdown(f"**{t('res.phone')}** {r['phone'] or '—'}")
    c[2].markdown(f"**{t('res.address')}** {r['address']} · {choice_label('relation', r['relation'])}")
    c[2].markdown(f"**{t('res.groups')}** {_groups(None, r) or '—'}")
    if r["needs"]:
        st.markdown(f"**{t('res.needs')}** {r['needs']}")
    if access.can(actor, "residents", "reveal"):
        if st.button(t("res.reveal"), icon=":material/visibility:", key=f"reveal_{r['id']}"):
            outcome = submit(lambda s: residents.reveal_id(s, actor, r["id"]))  # audited in the same write
            if outcome["ok"]:
                st.info(t("res.revealed", number=outcome["result"]), icon=":material/visibility:")
    members, visited = st.tabs([t("res.members"), t("res.visits")])
    with members:
        if info.members:
            data_table(pd.DataFrame([{t("res.name"): m["name"], t("res.relation"): choice_label("relation", m["relation"]),
                                      t("res.age"): m["age"], t("res.status"): choice_label("status", m["status"])}
                                     for m in info.members]))
        else:
            st.caption(t("res.no_members"))
        if info.rentals:
            st.markdown(f"**{t('res.rentals')}**: " + t("sep.items").join(
                f"{x['landlord_name']} · {x['registered_date']}" for x in info.rentals))
    with visited:
        if info.visits:
            data_table(pd.DataFrame([{t("visit.date"): v["visit_date"],
                                      t("visit.type"): choice_label("visittype", v["visit_type"]),
                                      t("visit.staff"): v["staff_name"], t("visit.minutes"): v["minutes"],
                                      t("visit.outcome"): v["outcome"],
                                      t("visit.satisfaction"): choice_label("satisfaction", v["satisfaction"])}
                                     for v in info.visits]))
        else:
            st.caption(t("res.no_visits"))
        if access.can(actor, "visits", "create") and r["status"] == "active":
            # the visits page opens on its logging tab with this resident picked
            if st.button(t("res.log_visit"), icon=":material/add:", key=f"log_visit_{r['id']}"):
                st.switch_page(access.PAGES["visits"].script, query_params={"visits.resident": str(r["id"])})
    form_key = f"{KEY}_edit_{r['id']}"
    if access.can(actor, "residents", "edit"):
        version = loaded_version(form_key, r)
        with st.expander(t("res.status_change"), icon=":material/swap_horiz:"):
            with st.form(f"status_{r['id']}"):
                new_status = st.selectbox(t("res.status"), STATUSES, index=STATUSES.index(r["status"]),
                                          format_func=lambda v: choice_label("status", v))
                when = date_field(t("res.status_date"), value=clock.today())
                if st.form_submit_button(t("rec.save"), type="primary"):
                    submit(lambda s: residents.set_status(s, actor, r["id"], new_status, when, version),
                           labels=LABELS, forget=form_key, done=t("res.status_saved"))
    if access.can(actor, "residents", "purge"):
        st.caption(t("res.purge_confirm", name=r["name"]))
        confirm_delete(r["name"], lambda s: residents.purge(s, actor, r["id"]), key=f"purge_{r['id']}", close=KEY)


def _import_tab() -> None:
    from components.catalog import CATALOG
    from components.importer import import_panel
    from services import residents_import

    st.subheader(t("imp.title"))
    st.caption(t("imp.help"))
    with read() as s:
        communities = places.community_names(s, actor.community_ids)
    if not communities:
        st.warning(t("home.no_scope"))
        return
    cols = st.columns(3)
    community_id = cols[0].selectbox(t("imp.community"), list(communities), format_func=communities.get,
                                     key="imp_community")
    create_buildings = cols[1].checkbox(t("imp.create_buildings"), key="imp_create")
    grids = {}
    if create_buildings:
        with read() as s:
            grids = places.grid_names(s, [community_id])
    grid_id = cols[2].selectbox(t("imp.building_grid"), list(grids), format_func=grids.get,
                                key="imp_grid") if create_buildings else None

    def _preview(filename, data, *, columns, values):
        with read() as s:
            return residents_import.preview(s, actor, filename, data, community_id, texts=CATALOG, columns=columns,
                                            values=values, create_buildings=create_buildings,
                                            new_building_grid=grid_id)

    def _commit(plan, valid_only):
        with write() as s:
            return residents_import.commit(s, actor, plan, valid_only=valid_only)

    import_panel(key="res_import", fields=residents_import.fields(), preview=_preview, commit=_commit,
                 template=lambda: residents_import.template_xlsx(actor, t), template_name="residents-template.xlsx",
                 done="imp.done", options_signature=(community_id, create_buildings, grid_id))


tab_names = [t("res.list")] + ([t("res.import")] if access.can(actor, "residents", "import") else [])
tabs = st.tabs(tab_names)
with tabs[0]:
    ledger_page(RESIDENT, actor, key=KEY, may_import=False,
                title=lambda r: f"{r['name']} · {choice_label('status', r['status'])}",
                detail=_file, formats={"groups": _groups}, exporter=exporter, export_name="residents",
                filter_defaults={"status": "active"}, search_hint=t("res.search_hint"), new_label=t("res.new"),
                new_icon=":material/person_add:", on_error=_offer_existing,
                edit_placeholders=lambda r: {"id_number": t("res.id_keep", masked=r["id_masked"])})

if len(tabs) > 1:
    with tabs[1]:
        _import_tab()
