"""Places: communities, grids, buildings, households — create, edit, delete when nothing hangs on it."""
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.records import (close_record, confirm_delete, field_labels, flash, loaded_version, record_form,
                                record_list, service_export, submit)
from components.runtime import read
from services import access, places

actor = guard("places")
st.title(t("page.places"))
st.caption(t("places.intro"))
flash()

PARENT = {"grid": "community", "building": "grid", "household": "building"}


def _refs(kind: str) -> dict[str, dict[int, str]]:
    ledger = places.ledger(kind)
    with read() as s:
        return {f.name: places.options(s, actor, f.ref) for f in ledger.fields if f.type == "ref"}


def _with_warnings(message: str, warnings) -> str:
    """The saved message followed by the warnings the save returned (as catalog keys)."""
    return " ".join([message, *(t(key, **params) for key, params in warnings)])


def _section(kind: str) -> None:
    ledger = places.ledger(kind)
    refs = _refs(kind)
    labels = field_labels(ledger)
    edit_action = "communities" if kind == "community" else "edit"
    may_edit = access.can(actor, "places", edit_action)

    def list_kind(s, who, **kw):
        return places.list_places(s, who, kind, **kw)

    def fetch(**kw):
        with read() as s:
            return list_kind(s, actor, **kw)

    extra = (("households", "field.households"),) if kind == "grid" else ()
    view = record_list(ledger, fetch, key=f"places_{kind}", refs=refs, extra_columns=extra,
                       can_export=access.can(actor, "places", "export"), export_name=f"places-{kind}",
                       export_rows=service_export(actor, "places", ledger, list_kind))
    if not may_edit:
        return
    parent = PARENT.get(kind)
    if parent and not refs.get(f"{parent}_id"):
        st.info(t("places.no_parent", parent=t(f"place.{parent}")))
        return
    new_col, edit_col = st.columns(2)
    with new_col.expander(t("rec.new", kind=t(ledger.label)), icon=":material/add:"):
        data = record_form(ledger, key=f"new_{kind}", refs=refs)
        if data is not None:
            submit(lambda s: places.save_place(s, actor, kind, data), labels=labels, forget=f"new_{kind}",
                   done=lambda result: _with_warnings(t("rec.created"), result[1]))
    with view.detail if view.selected is not None else edit_col:  # the opened record above the list
        row = view.selected
        if row is None:
            st.caption(t("rec.select_hint"))
            return
        title = row.get("name") or f"{refs.get('building_id', {}).get(row.get('building_id'), '')} {row.get('unit')} {row.get('room')}"
        with st.expander(t("rec.edit", kind=t(ledger.label)) + f" · {title}",
                         expanded=True, icon=":material/edit:"):
            form_key = f"edit_{kind}_{row['id']}"
            version = loaded_version(form_key, row)
            data = record_form(ledger, key=form_key, values=row, refs=refs)
            if data is not None:
                submit(lambda s: places.save_place(s, actor, kind, data, row_id=row["id"], expected_version=version),
                       labels=labels, forget=form_key, done=lambda result: _with_warnings(t("rec.saved"), result[1]))

            buttons = st.columns(2)
            with buttons[0]:
                if access.can(actor, "places", "communities" if kind == "community" else "delete"):
                    confirm_delete(str(row.get("name") or f"{row.get('unit')} {row.get('room')}"),
                                   lambda s: places.delete_place(s, actor, kind, row["id"], version),
                                   key=f"del_{kind}_{row['id']}", labels=labels, forget=form_key,
                                   close=f"places_{kind}")
            if buttons[1].button(t("rec.close"), key=f"close_{kind}", icon=":material/close:"):
                close_record(f"places_{kind}", form_key)
                st.rerun()


tabs = st.tabs([t(f"place.{k}") for k in places.KINDS])
for tab, kind in zip(tabs, places.KINDS):
    with tab:
        _section(kind)
