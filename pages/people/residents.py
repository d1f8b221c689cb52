"""Resident files: the scoped list, a file's details, create/edit, status, reveal, purge, import."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import date_field
from components.history import history_view
from components.records import (confirm_delete, field_labels, flash, loaded_version, record_form,
                                record_header, record_list, submit)
from components.records import data_table
from components.runtime import read, show_error, write
from db.models.residents import RESIDENT, STATUSES
from services import access, clock, exports, places, privacy, residents
from services.errors import DomainError, Duplicate

actor = guard("residents")
st.title(t("page.residents"))
st.caption(t("pagedesc.residents"))
flash()
LABELS = field_labels(RESIDENT)
KEY = "residents"

with read() as s:
    totals = residents.counts(s, actor)
    refs = {"grid_id": places.grid_names(s, actor.community_ids),
            "building_id": places.options(s, actor, "building"),
            "household_id": residents.household_options(s, actor)}
if actor.grid_ids is not None:
    refs["grid_id"] = {k: v for k, v in refs["grid_id"].items() if k in actor.grid_ids}
group_labels = {g: choice_label("group", g) for g in residents.visible_groups(actor)}
st.caption(t("res.total", **totals))


def _groups(rows: list[dict]) -> None:
    for r in rows:  # the groups in the user's language
        r["groups"] = t("sep.list").join(choice_label("group", g) for g in r["group_list"])


def fetch(**kw):
    with read() as s:
        page = residents.list_residents(s, actor, **kw)
    _groups(page.rows)
    return page


def exporter(**kw) -> pd.DataFrame:
    with write() as s:  # a full-number export is itself audited
        rows, _ = residents.export_rows(s, actor, **kw)
    _groups(rows)
    for r in rows:
        r["gender"] = choice_label("gender", r["gender"])
        r["residence_type"] = choice_label("residence", r["residence_type"])
        r["status"] = choice_label("status", r["status"])
    headers = {"age": "res.age", "id_number": "res.id_number", "address": "res.address", "groups": "res.groups"}
    columns = [(c, t(headers.get(c) or RESIDENT.field(c).label)) for c in residents.export_columns(actor)]
    return exports.frame(rows, columns)


def _resident_form(key: str, values: dict | None = None, keep_masked: str | None = None):
    # an edit leaves out what the user sees only masked (the service keeps the stored value)
    skip = tuple(privacy.hidden_fields(RESIDENT, actor)) if values else ()
    return record_form(RESIDENT, key=key, values=values, refs=refs, options={"tags": group_labels}, skip=skip,
                       placeholders={"id_number": t("res.id_keep", masked=keep_masked)} if keep_masked else None)


def _save_new(data: dict) -> None:
    outcome = submit(lambda s: residents.create_resident(s, actor, data).name, labels=LABELS, forget="res_new",
                     done=lambda name: t("res.created", name=name))
    _offer_existing(outcome["error"])


def _offer_existing(error) -> None:
    """The same ID number twice: a link to the file that has it."""
    if not isinstance(error, Duplicate) or "resident_id" not in error.params:
        return
    e = error
    if st.button(t("res.open_existing"), icon=":material/open_in_new:", key="open_dup"):
        st.query_params[f"{KEY}.id"] = str(e.params["resident_id"])
        st.session_state.pop(f"{KEY}_table", None)
        st.rerun()


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
    view = record_list(RESIDENT, fetch, key=KEY, refs=refs, extra_columns=(
        ("age", "res.age"), ("id_masked", "res.id_masked"), ("address", "res.address"), ("groups", "res.groups")),
        can_export=access.can(actor, "residents", "export"), export_name="residents", exporter=exporter,
        filter_defaults={"status": "active"}, search_hint=t("res.search_hint"))
    if access.can(actor, "residents", "create"):
        with st.expander(t("res.new"), icon=":material/person_add:"):
            data = _resident_form("res_new")
            if data is not None:
                _save_new(data)

    row = view.selected
    if row is not None:
        with view.detail:  # the opened record above the list
            try:
                with read() as s:
                    info = residents.detail(s, actor, row["id"])
            except DomainError as e:
                show_error(e)
                st.stop()
            r = info.resident
            record_header(f"{r['name']} · {choice_label('status', r['status'])}", KEY, f"res_edit_{r['id']}")
            c = st.columns(3)
            c[0].markdown(f"**{t('res.gender')}** {choice_label('gender', r['gender'])} · **{t('res.age')}** {r['age']}")
            if r["birth_date"] is not None:
                c[0].markdown(f"**{t('res.birth_date')}** {r['birth_date']}")
            c[1].markdown(f"**{choice_label('idtype', r['id_type'])}** `{r['id_masked']}`")
            c[1].markdown(f"**{t('res.phone')}** {r['phone'] or '—'}")
            c[2].markdown(f"**{t('res.address')}** {r['address']} · {choice_label('relation', r['relation'])}")
            c[2].markdown(f"**{t('res.groups')}** {t('sep.list').join(choice_label('group', g) for g in r['group_list']) or '—'}")
            if r["needs"]:
                st.markdown(f"**{t('res.needs')}** {r['needs']}")
            if access.can(actor, "residents", "reveal"):
                if st.button(t("res.reveal"), icon=":material/visibility:", key=f"reveal_{r['id']}"):
                    outcome = submit(lambda s: residents.reveal_id(s, actor, r["id"]))  # audited in the same write
                    if outcome["ok"]:
                        st.info(t("res.revealed", number=outcome["result"]), icon=":material/visibility:")
            d1, d2, d3 = st.tabs([t("res.members"), t("res.visits"), t("res.history")])
            with d1:
                if info.members:
                    data_table(pd.DataFrame([{t("res.name"): m["name"], t("res.relation"): choice_label("relation", m["relation"]),
                                                t("res.age"): m["age"], t("res.status"): choice_label("status", m["status"])}
                                               for m in info.members]), hide_index=True)
                else:
                    st.caption(t("res.no_members"))
                if info.rentals:
                    st.markdown(f"**{t('res.rentals')}**: " + t("sep.items").join(
                        f"{x['landlord_name']} · {x['registered_date']}" for x in info.rentals))
            with d2:
                if info.visits:
                    data_table(pd.DataFrame([{t("visit.date"): v["visit_date"],
                                                t("visit.type"): choice_label("visittype", v["visit_type"]),
                                                t("visit.staff"): v["staff_name"], t("visit.minutes"): v["minutes"],
                                                t("visit.outcome"): v["outcome"],
                                                t("visit.satisfaction"): choice_label("satisfaction", v["satisfaction"])}
                                               for v in info.visits]), hide_index=True)
                else:
                    st.caption(t("res.no_visits"))
                if access.can(actor, "visits", "create") and r["status"] == "active":
                    # the visits page opens on its logging tab with this resident picked
                    if st.button(t("res.log_visit"), icon=":material/add:", key=f"log_visit_{r['id']}"):
                        st.switch_page(access.PAGES["visits"].script, query_params={"visits.resident": str(r["id"])})
            with d3:
                history_view(RESIDENT, info.history, refs)

            if access.can(actor, "residents", "edit"):
                form_key = f"res_edit_{r['id']}"
                version = loaded_version(form_key, r)
                with st.expander(t("res.edit"), icon=":material/edit:"):
                    data = _resident_form(form_key, values=r, keep_masked=r["id_masked"])
                    if data is not None:
                        outcome = submit(lambda s: residents.update_resident(s, actor, r["id"], data, version),
                                         labels=LABELS, forget=form_key, done=t("rec.saved"))
                        _offer_existing(outcome["error"])
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

if len(tabs) > 1:
    with tabs[1]:
        _import_tab()
