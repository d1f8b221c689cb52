"""The shared import panel: the template, the upload, a preview with counts and a per-row problem
list (which can be downloaded), the columns and values the file's words did not match — each
mapped by hand, the preview checking again after every choice — and a confirmation that writes
everything or, if the user chooses, only the valid rows. Nothing is written before confirm.

``ledger_import`` is the whole panel for a declared ledger (``services.imports``); a ledger
with more to it (residents: the community, new buildings) passes its own ``preview`` and
``commit`` to ``import_panel``."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from components.catalog import CATALOG
from components.i18n import choice_label, lang, language, t
from components.inputs import upload_field
from components.records import data_table
from components.runtime import read, show_error, user_action, write
from db.declarations import Field, Ledger
from services import exports, imports
from services.errors import DomainError
from services.imports import ReadError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_IGNORE = "\0ignore"  # a column left out (None would read as "not chosen yet")


def _read_error(e: Exception, labels: Mapping[str, str]) -> str:
    key = getattr(e, "key", "err.generic")
    if key.startswith("imp.missing_columns:"):
        names = getattr(e, "fields", ()) or key.split(":", 1)[1].split(",")
        return t("imp.missing_columns", columns=t("sep.list").join(labels.get(n, n) for n in names))
    return t(key)


def _mappings(maps: dict) -> tuple[dict, dict]:
    """The user's choices as the preview takes them: column -> field (None: left out) and
    field -> text in the file -> value."""
    columns = {j: (None if f == _IGNORE else f) for j, f in maps["columns"].items() if f is not None}
    values = {name: {raw: v for raw, v in m.items() if v is not None} for name, m in maps["values"].items()}
    return columns, {name: m for name, m in values.items() if m}


def _snapshot(maps: dict) -> tuple:
    columns, values = _mappings(maps)
    return (maps["signature"], repr(sorted(columns.items())),
            repr(sorted((k, sorted(v.items(), key=repr)) for k, v in values.items())))


def _option_label(f: Field, value, refs: Mapping[str, Mapping]) -> str:
    if value is None:
        return t("imp.not_mapped")
    if value == "":
        return t("imp.clear_value")
    if f.type == "bool":
        return t("rec.yes") if value else t("rec.no")
    if f.type == "ref":
        return str(refs.get(f.name, {}).get(value, value))
    return choice_label(f.choices_key, value)


def import_panel(*, key: str, fields: Sequence[Field], preview: Callable, commit: Callable,
                 template: Callable[[], bytes], template_name: str, refs: Mapping[str, Mapping] | None = None,
                 done: str = "imp.rows_done", options_signature=()) -> None:
    """``preview(filename, data, columns=..., values=...)`` returns an ``ImportPlan``;
    ``commit(plan, valid_only)`` writes it and returns the number of rows written."""
    refs = refs or {}
    by_name = {f.name: f for f in fields}
    labels = {f.name: t(f.label) for f in fields}
    code = lang()

    def _template() -> bytes:  # built when the button is tapped, after this run
        with language(code):
            return template()

    st.download_button(t("imp.template"), data=_template, file_name=template_name, key=f"{key}_template",
                       mime=XLSX, icon=":material/download:")
    upload = upload_field(t("imp.file"), ["xlsx", "xls", "csv"], key=f"{key}_file")
    plan_key, map_key = f"{key}_plan", f"{key}_maps"
    if upload is None:
        st.session_state.pop(plan_key, None)
        st.session_state.pop(map_key, None)
        return
    signature = (upload.file_id if hasattr(upload, "file_id") else upload.name, upload.size, options_signature)
    maps = st.session_state.get(map_key)
    if maps is None or maps["signature"] != signature:  # another file: its own mappings
        maps = {"signature": signature, "columns": {}, "values": {}}
        st.session_state[map_key] = maps

    def _run() -> bool:
        columns, values = _mappings(maps)
        try:
            plan = preview(upload.name, upload.getvalue(), columns=columns, values=values)
        except DomainError as e:
            st.session_state.pop(plan_key, None)
            show_error(e, labels)
            return False
        except ReadError as e:
            st.session_state.pop(plan_key, None)
            st.error(_read_error(e, labels), icon=":material/error:")
            return False
        st.session_state[plan_key] = (_snapshot(maps), plan)
        return True

    if st.button(t("imp.preview"), type="primary", key=f"{key}_preview", icon=":material/fact_check:"):
        if not _run():
            return
    stored = st.session_state.get(plan_key)
    if not stored or stored[0][0] != signature:  # another file or other options: preview again
        return
    if stored[0] != _snapshot(maps):  # a mapping changed since this plan: check again with it
        if not _run():
            return
        stored = st.session_state[plan_key]
    plan = stored[1]

    _columns_step(key, plan, by_name, labels, maps)
    _values_step(key, plan, by_name, labels, maps, refs)
    if plan.missing:
        st.warning(t("imp.missing_note", columns=t("sep.list").join(labels.get(n, n) for n in plan.missing)),
                   icon=":material/warning:")
    st.info(t("imp.summary", total=plan.total, valid=plan.valid, bad=plan.bad_rows), icon=":material/info:")
    for note, params in plan.notes():
        params = {k: t("sep.list").join(v) if isinstance(v, list) else v for k, v in params.items()}
        st.caption(t(note, **params))
    if plan.errors:
        report = pd.DataFrame(imports.error_report(plan, labels, t), columns=["row", "column", "reason"])
        report.columns = [t("imp.row"), t("imp.column"), t("imp.reason")]
        st.markdown(f"**{t('imp.errors')}**")
        data_table(report, hide_index=True, width="stretch", key=f"{key}_errors")
        c1, c2 = st.columns(2)
        c1.download_button(t("imp.download_errors") + " (CSV)", data=exports.to_csv(report),
                           file_name="import-problems.csv", mime="text/csv", key=f"{key}_err_csv")
        c2.download_button(t("imp.download_errors") + " (Excel)", data=exports.to_xlsx(report, t("imp.errors")),
                           file_name="import-problems.xlsx", key=f"{key}_err_xlsx", mime=XLSX)
        st.warning(t("imp.fix_first"), icon=":material/warning:")
    blocked = bool(plan.missing)
    cols = st.columns(2)
    go_all = cols[0].button(t("imp.confirm_all"), type="primary", disabled=blocked or bool(plan.errors) or not plan.valid,
                            key=f"{key}_all")
    go_valid = bool(plan.errors) and plan.valid > 0 and not blocked and cols[1].button(
        t("imp.confirm_valid", n=plan.valid), key=f"{key}_valid")
    if go_all or go_valid:
        with user_action(labels) as outcome:
            written = commit(plan, bool(go_valid))
        if outcome["ok"]:
            st.session_state.pop(plan_key, None)
            st.session_state.pop(map_key, None)
            st.session_state["_flash"] = t(done, n=written)
            st.rerun()


def _columns_step(key: str, plan, by_name: dict[str, Field], labels: dict[str, str], maps: dict) -> None:
    """A selectbox for every column no header matched (and those mapped by hand, to change them)."""
    shown = [c for c in plan.sheet_columns if (not c.field and c.samples) or c.manual]
    matched = [c for c in plan.sheet_columns if c.field and not c.manual]
    if matched:
        st.caption(t("imp.mapped_columns", columns=t("sep.list").join(
            f"{c.header or c.letter} → {labels.get(c.field, c.field)}" for c in matched)))
    if not shown:
        return
    st.markdown(f"**{t('imp.unknown_columns')}**")
    st.caption(t("imp.unknown_columns_help"))
    taken = {c.field for c in plan.sheet_columns if c.field}
    for c in shown:
        options = [_IGNORE] + [n for n in by_name if n not in taken or n == c.field]
        current = c.field if c.manual and c.field else _IGNORE
        widget = f"{key}_col_{c.index}"

        def _chosen(widget=widget, index=c.index):
            maps["columns"][index] = st.session_state[widget]

        title = t("imp.column_of", letter=c.letter, header=c.header) if c.header else \
            t("imp.column_blank", letter=c.letter)
        st.selectbox(title, options, index=options.index(current) if current in options else 0, key=widget,
                     format_func=lambda n: t("imp.ignore") if n == _IGNORE else labels.get(n, n), on_change=_chosen,
                     help=t("imp.samples", values=t("sep.list").join(c.samples)) if c.samples else None)


def _values_step(key: str, plan, by_name: dict[str, Field], labels: dict[str, str], maps: dict,
                 refs: Mapping[str, Mapping]) -> None:
    """A selectbox for every value no rule matched, one for all the rows that hold it."""
    entries: list[tuple[str, str, int | None, Any]] = []
    for name, found in plan.unknown_values.items():
        entries += [(name, raw, n, None) for raw, n in found.items()]
    for name, found in getattr(plan, "mapped_values", {}).items():
        entries += [(name, raw, n, maps["values"].get(name, {}).get(raw)) for raw, n in found.items()]
    if not entries:
        return
    st.markdown(f"**{t('imp.unknown_values')}**")
    st.caption(t("imp.unknown_values_help"))
    for i, (name, raw, n, current) in enumerate(sorted(entries, key=lambda e: (list(by_name).index(e[0]), e[1]))):
        f = by_name[name]
        allowed = list(plan.options.get(name, []))
        options = [None] + allowed + ([""] if not f.required else [])
        widget = f"{key}_val_{name}_{raw}"

        def _chosen(widget=widget, name=name, raw=raw):
            maps["values"].setdefault(name, {})[raw] = st.session_state[widget]

        st.selectbox(t("imp.value_of", field=labels.get(name, name), value=raw, n=n), options,
                     index=options.index(current) if current in options else 0, key=widget,
                     format_func=lambda v, f=f: _option_label(f, v, refs), on_change=_chosen)


def ledger_import(ledger: Ledger, actor, *, refs: Mapping[str, Mapping[int, str]] | None = None,
                  defaults: Mapping[str, Any] | None = None, key: str | None = None) -> None:
    """The import panel of a declared ledger: its template, its columns, its rows written through
    the ledger engine (rows whose ``import_key`` matches update that record). ``refs`` are the
    rows a reference field may name (the form's options); ``defaults`` what a new row takes
    where the file says nothing (the form's defaults)."""
    key = key or f"{ledger.key}_import"
    fields = imports.fields_of(ledger)
    st.caption(t("imp.help"))
    if ledger.import_key:
        st.caption(t("imp.ledger_help", fields=t("sep.list").join(t(ledger.field(k).label) for k in ledger.import_key)))

    def _preview(filename, data, *, columns, values):
        with read() as s:
            return imports.preview_ledger(s, actor, ledger, filename, data, texts=CATALOG, columns=columns,
                                          values=values, refs=refs, defaults=defaults)

    def _commit(plan, valid_only):
        with write() as s:
            return imports.commit_ledger(s, actor, plan, valid_only=valid_only)

    import_panel(key=key, fields=fields, preview=_preview, commit=_commit, refs=refs,
                 template=lambda: imports.ledger_template(ledger, t, refs=refs),
                 template_name=f"{ledger.key}-template.xlsx")
