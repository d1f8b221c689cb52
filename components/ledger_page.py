"""One page component for every declared ledger (db.declarations), on the engine's services
(services.ledgers): the list with search, filters, views, sort and paging in SQL and its
export; a new-record form; the opened record above the list with what is special to it, the
workflow steps the user may take now, the edit form, delete with confirmation and the record's
history; the import panel (``components.importer``) where the matrix grants the ledger's import.
Every write goes through ``components.records.submit`` (one save per tap, messages beside the
field, stale edits and duplicates refused).

A ledger page is ``ledger_page(LEDGER, actor)`` plus what is truly special to it, passed in as
small functions (``detail``, ``title``, ``formats``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st

from components.history import history_view
from components.i18n import choice_label, t
from components.records import (PRESSED, ListView, confirm_delete, field_labels, loaded_version, record_form,
                                record_header, record_list, submit)
from components.runtime import read, write
from db.declarations import Ledger, Step
from services import ledgers, privacy


@dataclass
class LedgerPage:
    ledger: Ledger
    key: str
    refs: dict[str, dict[int, str]]
    view: ListView
    row: dict | None
    view_name: str | None


def with_warnings(message: str, warnings) -> str:
    """The saved message followed by the warnings the save returned (catalog keys)."""
    return " ".join([message, *(t(key, **params) for key, params in warnings)])


def pick_view(ledger: Ledger, key: str, default: str | None = None) -> str | None:
    """The ledger's named views above its list: one view is a switch, several a row of choices;
    ``default`` is the view the page opens on (None: every row). The view is in the address
    (``?<key>.view=``) like the filters, so a link (a chart's drill-down) opens the list in it."""
    if not ledger.views:
        return None
    names = [v.name for v in ledger.views]
    param = f"{key}.view"
    linked = st.query_params.get(param)
    linked = linked if linked in names else (default if f"{key}_view" not in st.session_state else None)
    if len(ledger.views) == 1:
        only = ledger.views[0]
        picked = only.name if st.toggle(t(only.label), value=linked == only.name, key=f"{key}_view") else None
    else:
        picked = st.segmented_control(t("rec.view"), names, key=f"{key}_view", label_visibility="collapsed",
                                      default=linked, format_func=lambda n: t(ledger.view(n).label))
    if picked and st.query_params.get(param) != picked:
        st.query_params[param] = picked
    elif not picked and param in st.query_params:
        del st.query_params[param]
    return picked


def ledger_page(ledger: Ledger, actor, *, key: str | None = None, refs: dict[str, dict[int, str]] | None = None,
                title: Callable[[dict], str] | None = None, detail: Callable[[dict], None] | None = None,
                formats: dict[str, Callable] | None = None, new_values: dict | None = None,
                fixed: dict | None = None, may_create: bool = True, export_name: str | None = None,
                page_size: int = 50, search_hint: str | None = None, filter_defaults: dict | None = None,
                new_label: str | None = None, list_key: str | None = None, may_edit: bool = True,
                widgets: dict[str, Callable] | None = None, open_steps: bool = False,
                hide_refused: tuple[str, ...] = (), created: Callable[[object], str] | None = None,
                default_view: str | None = None, step_values: dict[str, Callable[[dict], dict]] | None = None,
                step_inputs: dict[str, Callable[[dict], dict]] | None = None,
                options: dict[str, dict] | None = None, exporter: Callable | None = None,
                on_error: Callable | None = None, edit_placeholders: Callable[[dict], dict] | None = None,
                new_icon: str = ":material/add:", may_import: bool = True) -> LedgerPage:
    """Draw the ledger's page body. ``refs`` replaces the providers' options for fields whose
    choices the page narrows; ``title(row)`` heads the opened record; ``detail(row)`` draws what
    is special to it under the title; ``formats`` turn computed columns into cells; ``fixed``
    values are set by the page (not shown in the forms). ``may_edit`` False: no edit form (a
    record changed by its workflow steps only, or a read-only register); ``widgets`` draw the
    fields the page supplies a widget for (a photo), in every form; ``open_steps`` and
    ``hide_refused``: see ``workflow_steps``; ``created(row)`` is the message after a new record is
    saved (what the user must know next), "created" when not given; ``default_view`` is the view
    the list opens on; ``step_values`` / ``step_inputs`` by step name: see ``workflow_steps``.
    ``options`` are the choices of a multichoice field the page fills (a rental's tenants);
    ``exporter(search=, filters=, sort=, descending=)`` builds the export frame itself where it is
    special (a service checks, masks and audits); ``on_error(error)`` follows a refused save (a
    link to the duplicate); ``edit_placeholders(row)`` hints in the edit form (a number left blank
    is kept). The edit form leaves out what the user sees only masked and the fields set once at
    creation. ``may_import`` False: the page draws its own import (residents: households, ID
    numbers) instead of the engine's panel.

    While the user has not picked another sort, the list is in the declaration's ``order``
    (overdue and 重大 first) — the sort shown is then ``default_sort``, its tie-breaker."""
    key = key or ledger.key
    list_key = list_key or key
    multi_options = options
    with read() as s:
        options = {**ledgers.refs(s, actor, ledger, skip=(refs or {}).keys()), **(refs or {})}
    formats = formats or {}
    view_name = pick_view(ledger, key, default_view)

    def _shown(rows: list[dict]) -> list[dict]:
        for r in rows:
            for name, fmt in formats.items():
                r[name] = fmt(r.get(name), r)
        return rows

    def _ordered(kw: dict) -> dict:
        if ledger.order is not None and kw.get("sort") == ledger.default_sort and \
                bool(kw.get("descending")) == ledger.descending:
            return {**kw, "sort": None}
        return kw

    def fetch(**kw):
        # a record opened by its id (a link, a bookmark) is found whatever view the list is on
        opened = "id" in (kw.get("filters") or {})
        with read() as s:
            page = ledgers.list_rows(s, actor, ledger, view=None if opened else view_name, **_ordered(kw))
        _shown(page.rows)
        return page

    def export_rows(**kw):
        with write() as s:
            return _shown(ledgers.export(s, actor, ledger, view=view_name, **_ordered(kw)))

    columns = tuple((c.name, c.label) for c in ledger.columns if c.name in formats or c.choices_key is None)
    view = record_list(ledger, fetch, key=list_key, refs=options, extra_columns=columns, page_size=page_size,
                       can_export=ledgers.may(actor, ledger, "export"), export_name=export_name or ledger.key,
                       export_rows=None if exporter else export_rows, exporter=exporter, search_hint=search_hint,
                       filter_defaults=filter_defaults)
    labels = field_labels(ledger)
    choices = multi_options
    if may_create and ledgers.may(actor, ledger, "create"):
        with st.expander(new_label or t("rec.new", kind=t(ledger.label)), icon=new_icon):
            form = f"{key}_new"
            data = record_form(ledger, key=form, refs=options, values=new_values, fixed=fixed, widgets=widgets,
                               options=choices)
            if data is not None:
                outcome = submit(lambda s: ledgers.save_with_warnings(s, actor, ledger, data), labels=labels,
                                 forget=form, done=lambda result: with_warnings(
                                     created(result[0]) if created else t("rec.created"), result[1]))
                if on_error is not None and outcome["error"] is not None:
                    on_error(outcome["error"])
    if may_import and ledger.import_fields and ledgers.may(actor, ledger, "import"):
        from components.importer import ledger_import

        with st.expander(t("imp.ledger_title", ledger=t(ledger.label)), icon=":material/upload_file:"):
            ledger_import(ledger, actor, refs=options, defaults=new_values, key=f"{key}_import")
    row = view.selected
    if row is not None:
        with view.detail:  # the opened record above the list (on a phone the list is long)
            _record(ledger, actor, row, key=key, list_key=list_key, refs=options, title=title, detail=detail,
                    fixed=fixed, may_edit=may_edit, widgets=widgets, open_steps=open_steps,
                    hide_refused=hide_refused, step_values=step_values, step_inputs=step_inputs,
                    options=choices, on_error=on_error, placeholders=edit_placeholders)
    return LedgerPage(ledger, key, options, view, row, view_name)


def _record(ledger: Ledger, actor, row: dict, *, key: str, list_key: str, refs, title, detail, fixed,
            may_edit: bool = True, widgets=None, open_steps: bool = False, hide_refused: tuple[str, ...] = (),
            step_values=None, step_inputs=None, options=None, on_error=None, placeholders=None) -> None:
    form = f"{key}_edit_{row['id']}"
    version = loaded_version(form, row)
    record_header(title(row) if title else _title(ledger, row, refs), list_key, form)
    if detail is not None:
        detail(row)
    if ledger.workflow is not None:
        workflow_steps(ledger, actor, row, key=key, version=version, forget=form, widgets=widgets,
                       open_steps=open_steps, hide_refused=hide_refused, values=step_values, inputs=step_inputs)
    labels = field_labels(ledger)
    lock = _locked(ledger, actor, row)
    if lock:  # no edit form, no delete button: the service would refuse them
        st.caption(t(lock))
    if not lock and may_edit and ledgers.may(actor, ledger, "edit"):
        with st.expander(t("rec.edit", kind=t(ledger.label)), icon=":material/edit:"):
            # what the user sees only masked, and what is set once at creation, is not in the form
            # (the engine keeps the stored values)
            skip = tuple(privacy.hidden_fields(ledger, actor)) + tuple(f.name for f in ledger.fields if f.create_only)
            data = record_form(ledger, key=form, values=row, refs=refs, fixed=fixed, options=options, skip=skip,
                               placeholders=placeholders(row) if placeholders else None, widgets=widgets)
            if data is not None:
                outcome = submit(lambda s: ledgers.save_with_warnings(s, actor, ledger, data, row["id"], version),
                                 labels=labels, forget=form,
                                 done=lambda result: with_warnings(t("rec.saved"), result[1]))
                if on_error is not None and outcome["error"] is not None:
                    on_error(outcome["error"])
    if not lock and ledgers.may(actor, ledger, "delete"):
        confirm_delete(_title(ledger, row, refs), lambda s: ledgers.delete(s, actor, ledger, row["id"], version),
                       key=f"{key}_del_{row['id']}", labels=labels, forget=form, close=list_key)
    if ledger.history:
        with st.expander(t("rec.history"), icon=":material/history:"):
            with read() as s:
                entries = ledgers.history(s, actor, ledger, row["id"])
            history_view(ledger, entries, refs)


def _locked(ledger: Ledger, actor, row: dict) -> str | None:
    """Why the opened record may no longer be edited or deleted (the ledger's ``locked`` hook)."""
    if ledger.locked is None:
        return None
    with read() as s:
        return ledgers.locked(s, actor, ledger, ledgers.get(s, actor, ledger, row["id"]))


def _title(ledger: Ledger, row: dict, refs) -> str:
    """A record named as people name it: its code and name, or its first listed fields."""
    parts = [row.get(n) for n in ("code", "name") if row.get(n)]
    if not parts:
        from components.records import display_value

        parts = [display_value(f, row.get(f.name), refs) for f in ledger.list_fields[:2] if row.get(f.name)]
    return " ".join(str(p) for p in parts) or f"{t(ledger.label)} {row['id']}"


def workflow_steps(ledger: Ledger, actor, row: dict, *, key: str, version: int, forget: str | None = None,
                   widgets: dict[str, Callable] | None = None, open_steps: bool = False,
                   hide_refused: tuple[str, ...] = (), values: dict[str, Callable[[dict], dict]] | None = None,
                   inputs: dict[str, Callable[[dict], dict]] | None = None) -> None:
    """The steps that start from the record's state: a button for a step that asks nothing, a
    small form for one that asks for fields (steps sharing a ``form`` share one, a button each);
    a step the user may not take now is shown disabled with the reason. A step's field that is
    a column of the row starts at the row's value (a deadline to move on).

    ``open_steps``: the forms are drawn open, each in a box, instead of folded away (a workflow
    that is the page's main work); ``hide_refused``: steps refused for these reasons (catalog
    keys) are left out instead of shown disabled; a step the role may never take is always left
    out (as the edit form is). ``values[step](row)`` gives a step form's first values (today's
    date, the target as the turnout); ``inputs[step](row)`` draws what a form cannot hold above
    the step's form (a photo taken with the camera) and returns it as further data of the step,
    which the step's hooks read from ``ctx.data``."""
    values, inputs = values or {}, inputs or {}
    wf = ledger.workflow
    state = row.get(wf.field)
    st.caption(t("wf.state", state=choice_label(wf.choices_key, state)))
    with read() as s:
        obj = ledgers.get(s, actor, ledger, row["id"])
        steps = [(spec, reason) for spec, reason in ledgers.steps_open(s, actor, ledger, obj)
                 if reason not in hide_refused and ledgers.may(actor, ledger, spec.action)]
    if not steps:
        return

    def _why(reason: str) -> str:
        return t(reason, state=choice_label(wf.choices_key, state))

    buttons = [(spec, reason) for spec, reason in steps if not spec.fields and spec.form is None]
    if buttons:
        cols = st.columns(len(buttons))
        for col, (spec, reason) in zip(cols, buttons):
            with col:
                if st.button(t(spec.label), key=f"{key}_step_{spec.name}_{row['id']}", disabled=reason is not None,
                             help=_why(reason) if reason else None,
                             icon=spec.icon, type="primary" if spec.primary else "secondary"):
                    _move(ledger, actor, row, spec, {}, version, forget)
    forms: dict[str, list] = {}
    for spec, reason in steps:
        if spec.fields or spec.form is not None:
            forms.setdefault(spec.form or spec.name, []).append((spec, reason))
    for name, group in forms.items():
        first = group[0][0]
        title = t(first.form or first.label)
        box = st.container(border=True) if open_steps else \
            st.expander(title, icon=first.icon or ":material/arrow_forward:")
        with box:
            if open_steps:
                st.markdown(f"**{title}**")
            for reason in dict.fromkeys(r for _, r in group if r):
                st.caption(f":material/block: {_why(reason)}")
            fields: dict = {}
            for spec, _ in group:
                for f in spec.fields:
                    fields.setdefault(f.name, f)
            shown = Ledger(key=f"{ledger.key}.{name}", model=ledger.model, label=first.label,
                           fields=tuple(fields.values()))
            start = {n: row[n] for n in fields if n in row and not (ledger.has(n) and ledger.field(n).personal)}
            extra: dict = {}
            for spec, _ in group:
                if spec.name in values:
                    start.update(values[spec.name](row))
                if spec.name in inputs:
                    extra.update(inputs[spec.name](row))
            step_form = f"{key}_stepform_{name.replace('.', '_')}_{row['id']}"
            picked = [f for f in shown.fields if f.choices_from is not None or f.type == "ref"]
            if picked:  # a step's picker (an assignee from the community's staff) gets its options
                with read() as s:
                    step_refs = ledgers.refs(s, actor, shown)
            data = record_form(shown, key=step_form, values=start, widgets=widgets,
                               refs=step_refs if picked else None,
                               buttons=tuple((spec.name, t(spec.label), reason is not None, spec.primary)
                                             for spec, reason in group))
            if data is not None:
                pressed = data.pop(PRESSED)
                spec = next(spec for spec, _ in group if spec.name == pressed)
                _move(ledger, actor, row, spec, {**data, **extra}, version, step_form, also=forget)


def _move(ledger: Ledger, actor, row: dict, spec: Step, data: dict, version: int, forget: str | None,
          also: str | None = None) -> None:
    labels = field_labels(ledgers.step_ledger(ledger, spec.name))

    def _then(_):
        if also:
            from components.records import forget_form

            forget_form(also)  # the edit form's version is the one before the step

    submit(lambda s: ledgers.move_with_warnings(s, actor, ledger, row["id"], spec.name, data, version),
           labels=labels, forget=forget, then=_then,
           done=lambda result: with_warnings(t(spec.done) if spec.done else t("wf.done", step=t(spec.label)),
                                             result[1]))
