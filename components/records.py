"""The shared shape of every ledger page, rendered from its field declaration (db.declarations):
a searchable, filtered, sorted list paged in SQL with CSV/Excel export of what is filtered,
a create/edit form, and a delete that asks first. Pages compose these; none writes its own."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import pandas as pd
import streamlit as st

from components.i18n import choice_label, t
from components.inputs import date_field
from components.timefmt import when
from db.declarations import Field, Ledger
from services import clock, exports
from services.records import Page

Fetch = Callable[..., Page]  # fetch(search=, filters=, sort=, descending=, limit=, offset=)


@dataclass
class ListView:
    page: Page
    selected: dict | None
    search: str | None = None
    filters: dict = field(default_factory=dict)
    # where the page draws the opened record: above the list (on a phone the list is long)
    detail: object = None


def _qp(key: str, name: str) -> str:
    return f"{key}.{name}"


def _from_query(key: str, name: str, default=None):
    return st.query_params.get(_qp(key, name), default)


def _to_query(key: str, name: str, value) -> None:
    qp = _qp(key, name)
    if value in (None, "", 0, False):
        if qp in st.query_params:
            del st.query_params[qp]
    elif st.query_params.get(qp) != str(value):
        st.query_params[qp] = str(value)


def display_value(f: Field, value, refs: dict[str, dict[int, str]]):
    if value is None:
        return None
    if f.type == "ref" or f.choices_from is not None:
        return refs.get(f.name, {}).get(value, value)
    if f.type == "multichoice" and f.ref is not None:  # ids of another ledger's rows, by name
        return t("sep.list").join(str(refs.get(f.name, {}).get(v, v)) for v in value)
    if f.type == "choice":
        return choice_label(f.choices_key, value)
    if f.type == "bool":
        return t("rec.yes") if value else t("rec.no")
    return value


def data_table(data, **kw):
    """A read-only table as people read it: a missing value is an empty cell (Streamlit writes
    "None"), no index column, the full width. Every table a page draws goes through here."""
    kw.setdefault("hide_index", True)
    kw.setdefault("width", "stretch")
    kw.setdefault("placeholder", "")
    return st.dataframe(data, **kw)


def _cell(ledger: Ledger, name: str, value, refs: dict[str, dict[int, str]]):
    """A list or export cell: declared fields through their choices and refs, times in the
    community's zone."""
    if ledger.has(name):
        return display_value(ledger.field(name), value, refs)
    if isinstance(value, datetime):
        return when(value)
    return value


def _viewer():
    """The signed-in Actor (None before login): what a list or form may show is decided for them."""
    from components.auth import ACTOR_KEY

    return st.session_state.get(ACTOR_KEY)


def _choices(f: Field) -> tuple:
    """The choice values the signed-in user may see (restricted groups only for those allowed)."""
    from services import privacy

    who = _viewer()
    return privacy.allowed_choices(who, f) if who is not None else tuple(f.choices)


def table_key(key: str) -> str:
    """The list's grid is drawn under a new key after a header click (no column stays picked)."""
    gen = st.session_state.get(f"_tablegen:{key}", 0)
    return f"{key}_table" if not gen else f"{key}_table~{gen}"


def _picked(key: str, what: str) -> list:
    state = st.session_state.get(table_key(key))
    try:
        return list(state["selection"][what]) if state else []
    except (KeyError, TypeError):
        return []


def header_sort(key: str, labels: dict[str, str], sort_names: list[str], default_desc: bool) -> None:
    """A tap on a column header picks that column (the grid's own sort, which would sort only
    the rows on screen, is off): the whole list is sorted by it in SQL — ascending first, the
    same header again flips the direction. Runs before the sort widgets are drawn."""
    columns = _picked(key, "columns")
    if not columns:
        return
    st.session_state[f"_tablegen:{key}"] = st.session_state.get(f"_tablegen:{key}", 0) + 1
    name = labels.get(columns[0])
    if name not in sort_names:
        st.toast(t("rec.cannot_sort", column=columns[0]), icon=":material/info:")
        return
    if st.session_state.get(f"{key}_sort") == name:
        st.session_state[f"{key}_desc"] = not st.session_state.get(f"{key}_desc", default_desc)
    else:
        st.session_state[f"{key}_sort"] = name
        st.session_state[f"{key}_desc"] = False


def record_list(ledger: Ledger, fetch: Fetch, *, key: str, refs: dict[str, dict[int, str]] | None = None,
                extra_columns: tuple[tuple[str, str], ...] = (), page_size: int = 50,
                can_export: bool = False, export_name: str | None = None,
                exporter: Callable[..., "pd.DataFrame"] | None = None, filter_defaults: dict | None = None,
                search_hint: str | None = None, export_rows: Callable[..., list[dict]] | None = None) -> ListView:
    """An export needs ``export_rows(search=, filters=, sort=, descending=)`` — a service call that
    checks the export right, masks and audits (``services.ledgers.export``) — or ``exporter`` with
    the same arguments returning the finished frame. Returns what is shown and the picked row,
    and ``detail``: a container above the list where the page draws the opened record (the
    list itself folds away while a record is open)."""
    if can_export and exporter is None and export_rows is None:
        raise ValueError("an export goes through a service: pass export_rows= or exporter=")
    refs = refs or {}
    filter_defaults = filter_defaults or {}
    detail = st.container()
    opened = bool(_picked(key, "rows")) or str(_from_query(key, "id", "")).isdigit()
    if opened:
        st.divider()
    box = st.expander(t("rec.list_folded"), icon=":material/list:") if opened else st.container()
    with box:
        view = _draw_list(ledger, fetch, key=key, refs=refs, extra_columns=extra_columns, page_size=page_size,
                          can_export=can_export, export_name=export_name, exporter=exporter,
                          filter_defaults=filter_defaults, search_hint=search_hint, export_rows=export_rows)
    view.detail = detail
    return view


# Streamlit 1.67's column menu: a header row, then (for a sortable grid) two sort items and a
# separator. A style-only st.html takes no space on the page.
_MENU = '[data-testid="stDataFrameColumnMenu"] [role="menu"]'
_NO_MENU_SORT = (f"<style>{_MENU} > [role='menuitem']:nth-child(2), {_MENU} > [role='menuitem']:nth-child(3),"
                 f" {_MENU} > [role='menuitem']:nth-child(3) + * {{display: none;}}</style>")


def _sort_fields(ledger: Ledger) -> list[str]:
    """What a list can be sorted by in SQL: its shown fields the user sees, then 编号 and 更新时间."""
    from services import privacy

    who = _viewer()
    names = [f.name for f in ledger.list_fields if f.type != "longtext" and f.column
             and (who is None or privacy.sees(who, f))]
    names += [c.name for c in ledger.columns if c.sortable and c.name not in names]  # computed in SQL
    return names + [n for n in ("id", "updated_at") if n not in names]


def _sort_label(ledger: Ledger, name: str) -> str:
    if ledger.has(name):
        return t(ledger.field(name).label)
    column = next((c for c in ledger.columns if c.name == name), None)
    return t(column.label) if column is not None else t(f"field.{name}")


def _draw_list(ledger: Ledger, fetch: Fetch, *, key: str, refs: dict[str, dict[int, str]],
               extra_columns: tuple[tuple[str, str], ...], page_size: int, can_export: bool,
               export_name: str | None, exporter, filter_defaults: dict, search_hint: str | None,
               export_rows) -> ListView:
    filters_fields = ledger.filter_fields
    columns = [("id", t("field.id"))] + [(f.name, t(f.label)) for f in ledger.list_fields] + \
        [(k, t(label)) for k, label in extra_columns] + [("updated_at", t("field.updated_at")),
                                                          ("updated_by", t("field.updated_by"))]
    sort_names = _sort_fields(ledger)
    first = ledger.default_sort if ledger.default_sort in sort_names else sort_names[0]
    sort_key, desc_key = f"{key}_sort", f"{key}_desc"
    if sort_key not in st.session_state:  # first view: the order from a bookmarked URL
        wanted = _from_query(key, "sort", first)
        st.session_state[sort_key] = wanted if wanted in sort_names else first
    if desc_key not in st.session_state:
        wanted = _from_query(key, "desc")
        st.session_state[desc_key] = ledger.descending if wanted not in ("0", "1") else wanted == "1"
    header_sort(key, {label: k for k, label in columns}, sort_names, ledger.descending)

    top = st.columns([4, 2, 1.3])
    search = top[0].text_input(t("rec.search"), value=_from_query(key, "q", ""), key=f"{key}_q",
                               placeholder=search_hint or t("rec.search_help"))
    _to_query(key, "q", search.strip())
    filters: dict = {}
    per_row = 4
    for start in range(0, len(filters_fields), per_row):
        cols = st.columns(per_row)
        for i, f in enumerate(filters_fields[start:start + per_row]):
            options = list(refs.get(f.name, {}).keys()) if f.type == "ref" or f.choices_from else list(_choices(f))
            current = _from_query(key, f.name, filter_defaults.get(f.name))
            if f.type == "ref" and current is not None:
                current = int(current) if str(current).isdigit() else None
            if current == "all":
                current = None
            index = options.index(current) + 1 if current in options else 0
            picked = cols[i].selectbox(
                t(f.label), [None] + options, index=index, key=f"{key}_f_{f.name}", placeholder=t("rec.all"),
                format_func=lambda v, f=f: t("rec.all") if v is None else display_value(f, v, refs))
            if picked != filter_defaults.get(f.name):
                _to_query(key, f.name, "all" if picked is None else picked)
            else:
                _to_query(key, f.name, None)
            if picked is not None:
                filters[f.name] = picked
            elif f.name in filter_defaults:
                filters[f.name] = "all"
    # the order of the whole list, in SQL (a header tap sets the same two widgets)
    sort = top[1].selectbox(t("rec.sort"), sort_names, key=sort_key, format_func=lambda n: _sort_label(ledger, n),
                            help=t("rec.sort_help"))
    _to_query(key, "sort", sort if sort != first else None)
    top[2].write("")
    top[2].write("")
    descending = top[2].toggle(t("rec.descending"), key=desc_key)
    _to_query(key, "desc", None if descending == ledger.descending else ("1" if descending else "0"))

    signature = (search, tuple(sorted(filters.items())), sort, descending)
    sig_key, page_key = f"{key}_sig", f"{key}_page"
    if sig_key not in st.session_state:  # first view: the page from a bookmarked URL
        raw = str(_from_query(key, "page", "1"))
        st.session_state[page_key] = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    elif st.session_state[sig_key] != signature:  # a new query starts at page 1
        st.session_state[page_key] = 1
    st.session_state[sig_key] = signature
    page_no = max(1, int(st.session_state.get(f"{key}_page", 1)))
    result = fetch(search=search, filters=filters, sort=sort, descending=descending,
                   limit=page_size, offset=(page_no - 1) * page_size)
    pages = max(1, math.ceil(result.total / page_size))
    if page_no > pages:
        page_no = st.session_state[f"{key}_page"] = pages
        result = fetch(search=search, filters=filters, sort=sort, descending=descending,
                       limit=page_size, offset=(page_no - 1) * page_size)
    _to_query(key, "page", page_no if page_no > 1 else None)

    if not result.rows:
        st.info(f"{t('rec.empty')} {t('rec.empty_hint')}", icon=":material/search_off:")
        return ListView(result, _linked_row(key, fetch, sort), search, filters)

    shown = [{k: _cell(ledger, k, r.get(k), refs) for k, _ in columns} for r in result.rows]
    df = pd.DataFrame(shown, columns=[k for k, _ in columns])
    df.columns = [label for _, label in columns]
    event = list_grid(df, key)
    start = (page_no - 1) * page_size + 1
    footer = st.columns([3, 1, 2, 2])
    footer[0].caption(t("rec.count", total=result.total, start=start, end=start + len(result.rows) - 1))
    if pages > 1:
        page_picker(f"{key}_page", pages, where=footer[1])
    if can_export:
        def _all_rows() -> pd.DataFrame:
            if exporter is not None:
                return exporter(search=search, filters=filters, sort=sort, descending=descending)
            full = export_rows(search=search, filters=filters, sort=sort, descending=descending)
            rows = [{k: _cell(ledger, k, r.get(k), refs) for k, _ in columns} for r in full]
            return exports.frame(rows, columns)

        name = export_name or ledger.key
        with footer[2]:
            prepared_download(t("rec.export_csv"), lambda: exports.to_csv(_all_rows()),
                              file_name=f"{name}-{clock.today():%Y%m%d}.csv", mime="text/csv", key=f"{key}_csv",
                              icon=":material/download:")
        with footer[3]:
            prepared_download(t("rec.export_xlsx"), lambda: exports.to_xlsx(_all_rows(), t(ledger.label)),
                              file_name=f"{name}-{clock.today():%Y%m%d}.xlsx", key=f"{key}_xlsx",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              icon=":material/table_view:")
    picked = event.selection.rows if event and event.selection else []
    selected = result.rows[picked[0]] if picked and picked[0] < len(result.rows) else None
    if selected is not None:
        _to_query(key, "id", selected["id"])
    else:  # a record opened by link or bookmark (``?<key>.id=``)
        selected = _linked_row(key, fetch, sort)
    return ListView(result, selected, search, filters)


def page_picker(key: str, pages: int, where=None) -> None:
    """The page number under a list. No widget limits (a typed 0 or 99 would get Streamlit's
    English refusal): a number outside 1..pages is taken as the nearest page."""
    def _clamp():
        value = st.session_state.get(key)
        st.session_state[key] = min(pages, max(1, int(value))) if value is not None else 1

    st.session_state[key] = min(pages, max(1, int(st.session_state.get(key) or 1)))
    where = where or st
    where.number_input(t("rec.page"), step=1, format="%d", key=key, on_change=_clamp,
                       help=t("rec.of_pages", n=pages), label_visibility="collapsed")
    where.caption(t("rec.of_pages", n=pages))


def prepared_download(label: str, build: Callable[[], bytes | str], *, file_name: str, mime: str, key: str,
                      icon: str | None = None, busy: str | None = None) -> None:
    """A file that may take a while to build (an export, a report). The first tap builds it in
    this script run under a spinner with a catalog message — after the page's guard has checked
    the session, and with the service's refusal shown as a message; the second tap saves it.
    Nothing is built (or audited) until asked for. Not a deferred ``data=`` callable: that runs
    outside the script, where no spinner or message can be shown and a failure reaches the user
    as Streamlit's English error text."""
    from components.runtime import user_action

    if not st.button(label, key=f"{key}_make", icon=icon):
        return
    with user_action() as outcome:
        with st.spinner(busy or t("rec.preparing")):
            data = build()
    if outcome["ok"]:
        st.download_button(t("rec.file_ready"), data=data, file_name=file_name, mime=mime, key=f"{key}_file",
                           on_click="ignore", type="primary", icon=":material/download_done:", help=file_name)


def list_grid(df: pd.DataFrame, key: str, **kw):
    """The grid of a paged list (a page of rows): one row can be picked; a header tap picks the
    column, which turns the grid's own sort of the rows on screen off and lets ``header_sort``
    sort the whole list in SQL; the column menu's "Sort ascending/descending", which would sort
    only these rows, is hidden."""
    st.html(_NO_MENU_SORT)
    return data_table(df, on_select="rerun", selection_mode=["single-row", "single-column"], key=table_key(key), **kw)


def _linked_row(key: str, fetch: Fetch, sort: str) -> dict | None:
    raw = str(_from_query(key, "id", ""))
    if not raw.isdigit():
        return None
    found = fetch(search=None, filters={"id": int(raw)}, sort=sort, descending=False, limit=1, offset=0)
    return found.rows[0] if found.rows else None


def close_record(key: str, form_key: str | None = None) -> None:
    """Forget the opened record (its query parameter, the table selection, the edit form)."""
    _to_query(key, "id", None)
    st.session_state.pop(table_key(key), None)
    if form_key:
        forget_form(form_key)


def loaded_version(form_key: str, row: dict) -> int:
    """The version the edit form was first drawn with. Kept across reruns, so a save after
    someone else's change is refused (services compare it) instead of overwriting theirs."""
    slot = f"{form_key}__version"
    if slot not in st.session_state:
        st.session_state[slot] = row["version"]
    return st.session_state[slot]


def form_key(key: str) -> str:
    """The key a form and its widgets are drawn under now: ``key`` until the first successful
    save, then ``key~1``, ``key~2`` … Deleting a widget's session_state is not enough to empty it
    (the browser sends its value back with the next run), so a saved form is drawn as a new one."""
    gen = st.session_state.get(f"_formgen:{key}", 0)
    return key if not gen else f"{key}~{gen}"


def forget_form(form_key: str) -> None:
    """After a save or close: drop the form's remembered version and widget values and draw it
    next as a new, empty form, so a second tap cannot save the same record again."""
    base = form_key
    for k in [k for k in st.session_state if k == base or str(k).startswith((f"{base}_", f"{base}~"))]:
        del st.session_state[k]
    st.session_state[f"_formgen:{base}"] = st.session_state.get(f"_formgen:{base}", 0) + 1


PRESSED = "_pressed"  # which of a form's ``buttons`` was pressed, in the values it returns


def record_form(ledger: Ledger, *, key: str, values: dict | None = None, refs: dict[str, dict[int, str]] | None = None,
                fixed: dict | None = None, submit_label: str | None = None, options: dict[str, dict] | None = None,
                placeholders: dict[str, str] | None = None, skip: tuple[str, ...] = (),
                widgets: dict[str, Callable] | None = None,
                buttons: tuple[tuple[str, str, bool, bool], ...] = ()) -> dict | None:
    """A form for the ledger's editable fields; returns the raw values when submitted.

    ``fixed`` holds fields the caller sets itself (not shown); ``options`` replaces a
    multichoice field's choices (value -> label); ``skip`` leaves fields out. A form of a stored
    row (``values`` with its ``id``) shows its ``once`` fields read-only, or not at all when they
    are no columns (an initial password). ``widgets`` (by field name or type) draw what the page
    supplies: ``widget(field, label, value, key) -> value`` (a "photo" field is left out without
    one). ``buttons`` — (name, label, disabled, primary) — replace the one submit button with
    several; the values then name the one pressed under ``PRESSED``."""
    refs, values, fixed, options = refs or {}, values or {}, fixed or {}, options or {}
    editing = values.get("id") is not None
    placeholders, widgets = placeholders or {}, widgets or {}
    out = dict(fixed)
    # never cleared on submit: a refused save keeps what the user typed (callers forget_form on
    # success, which draws the next one as a new form)
    key = form_key(key)
    # no "Press Enter to submit form" (English, and Enter in one field must not save a half-filled form)
    with st.form(key, clear_on_submit=False, enter_to_submit=False):
        for f in ledger.fields:
            if not f.editable or f.name in fixed or f.name in skip or (editing and f.once and not f.column):
                continue
            label = t(f.label) + (" *" if f.required and f.name not in placeholders else "")
            current = values.get(f.name)
            wkey = f"{key}_{f.name}"
            helptext = t(f.help) if f.help else None
            widget = widgets.get(f.name) or widgets.get(f.type)
            if editing and f.once:  # given when the row was made: shown, not changed
                st.text_input(t(f.label), value=str(display_value(f, current, refs) or ""), key=wkey, disabled=True)
            elif f.secret:
                out[f.name] = st.text_input(label, key=wkey, type="password", autocomplete="new-password",
                                            help=helptext)
            elif widget is not None:
                out[f.name] = widget(f, label, current, wkey)
            elif f.type == "photo":
                continue
            elif f.type == "ref" or f.choices_from is not None:
                opts = list(refs.get(f.name, {}).keys())
                if current is not None and current not in opts:  # a stored value no longer offered stays
                    opts.append(current)
                index = opts.index(current) if current in opts else (0 if len(opts) == 1 else None)
                out[f.name] = st.selectbox(label, opts, index=index, key=wkey,
                                           format_func=lambda v, f=f: refs.get(f.name, {}).get(v, v),
                                           placeholder=t("err.type_ref"))
            elif f.type == "choice":
                opts = list(_choices(f))
                index = opts.index(current) if current in opts else (0 if f.required else None)
                out[f.name] = st.selectbox(label, opts, index=index, key=wkey, help=helptext,
                                           format_func=lambda v, f=f: choice_label(f.choices_key, v),
                                           placeholder=t("rec.choose"))
            elif f.type == "multichoice":
                labels = options.get(f.name) or (refs.get(f.name, {}) if f.ref is not None else None) or \
                    {c: choice_label(f.choices_key, c) for c in _choices(f)}
                out[f.name] = st.multiselect(label, list(labels), default=[c for c in (current or []) if c in labels],
                                             key=wkey, format_func=lambda v, labels=labels: labels.get(v, v),
                                             help=helptext, placeholder=t("rec.choose_many"), select_all=False)
            elif f.type in ("int", "float"):
                # no widget limits: Streamlit refuses those in English and keeps the old number;
                # the service refuses in Chinese, and the range is said in the help
                if helptext is None and f.min_value is not None and f.max_value is not None:
                    lo, hi = (int(v) if float(v).is_integer() else v for v in (f.min_value, f.max_value))
                    helptext = t("rec.range", lo=lo, hi=hi)
                out[f.name] = st.number_input(label, value=current, key=wkey, help=helptext,
                                              **({"step": 1} if f.type == "int" else {}))
            elif f.type == "date":
                out[f.name] = date_field(label, value=current, key=wkey, help=helptext)
            elif f.type == "time":
                out[f.name] = st.time_input(label, value=current, key=wkey, step=900)
            elif f.type == "bool":
                out[f.name] = st.checkbox(label, value=bool(current), key=wkey)
            elif f.type == "longtext":
                out[f.name] = st.text_area(label, value=current or "", key=wkey, max_chars=f.max_length)
            else:
                out[f.name] = st.text_input(label, value=current or "", key=wkey, max_chars=f.max_length,
                                            help=helptext, placeholder=placeholders.get(f.name))
        if buttons:
            pressed = [name for name, text, disabled, primary in buttons
                       if st.form_submit_button(text, disabled=disabled, key=f"{key}__{name}",
                                                type="primary" if primary else "secondary")]
            if pressed:
                out[PRESSED] = pressed[0]
            submitted = bool(pressed)
        else:
            submitted = st.form_submit_button(submit_label or t("rec.save"), type="primary")
    return out if submitted else None


def field_labels(ledger: Ledger) -> dict[str, str]:
    return {f.name: t(f.label) for f in ledger.fields}


def submit(write_fn: Callable, *, labels: dict[str, str] | None = None, done=None, forget: str | None = None,
           close: str | None = None, then: Callable | None = None, rerun: bool = False) -> dict:
    """A page's one write path: ``write_fn(session)`` runs as one unit of work; a user's mistake
    becomes a message (never a traceback). On success the form ``forget`` is drawn anew, the
    record ``close``d, ``then(result)`` moves the page on (opens what was made, say), and with
    ``done`` (a message, or a function of the result) or ``rerun`` the page reruns, showing the
    message. Returns the outcome: ``ok``, ``error``, ``result``."""
    from components.runtime import user_action, write

    with user_action(labels) as outcome:
        with write() as s:
            outcome["result"] = write_fn(s)
    if outcome["ok"]:
        if forget:
            forget_form(forget)
        if close:
            close_record(close, forget)
        if then is not None:
            then(outcome["result"])
        if done is not None:
            st.session_state["_flash"] = done(outcome["result"]) if callable(done) else done
        if done is not None or rerun:
            st.rerun()
    return outcome


def confirm_action(label: str, question: str, write_fn: Callable, key: str, done: str,
                   icon: str = ":material/delete:", **submit_kw) -> None:
    """A button for a one-tap irreversible action that asks first, naming the record fully;
    confirmed, ``write_fn(session)`` runs through ``submit`` and the page reruns with ``done``."""
    @st.dialog(label)
    def _dialog():
        st.write(question)
        c1, c2 = st.columns(2)
        if c1.button(t("rec.confirm"), type="primary", key=f"{key}_yes"):
            submit(write_fn, done=done, **submit_kw)
        if c2.button(t("rec.cancel"), key=f"{key}_no"):
            st.rerun()

    if st.button(label, key=f"{key}_delete", icon=icon):
        _dialog()


def confirm_delete(name: str, write_fn: Callable, key: str, **submit_kw) -> None:
    """A delete button that asks in a dialog first."""
    confirm_action(t("rec.delete"), t("rec.delete_confirm", name=name), write_fn, key, t("rec.deleted"),
                   **submit_kw)


def flash() -> None:
    """Show a message left by the previous run (after a rerun that follows a save)."""
    message = st.session_state.pop("_flash", None)
    if message:  # a toast, not an element: an element here would shift the page and reset its tabs
        st.toast(message, icon=":material/check_circle:")


def record_header(title: str, list_key: str, form_key: str) -> None:
    """The opened record's title with a button back to the list."""
    head = st.columns([4, 1])
    head[0].subheader(title)
    if head[1].button(t("res.back"), icon=":material/close:", key=f"{list_key}_back"):
        close_record(list_key, form_key)
        st.rerun()
