"""Visits and services: the due-visit list (one click to log), logging a visit, the records."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.records import field_labels, flash, form_key, record_form, record_list, service_export, submit
from components.records import data_table
from components.runtime import read
from db.models.residents import VISIT
from services import access, clock, places, residents, visits

actor = guard("visits")
st.title(t("page.visits"))
st.caption(t("pagedesc.visits"))
flash()
LABELS = field_labels(VISIT)
may_log = access.can(actor, "visits", "create")


def _log(resident_id: int, data: dict, name: str) -> None:
    def _done(_) -> str:
        st.session_state.pop("due_table", None)  # the row that moved up must not stay selected
        return t("visit.logged", name=name)

    submit(lambda s: visits.log_visit(s, actor, resident_id, data), labels=LABELS, done=_done)


TAB, PRESET = "visits_tab", "visits_preset"
PICKER = f"{form_key('visit_new')}_resident"  # the picker belongs to the form: after a logged visit both start empty
arrived = st.query_params.get("visits.resident")  # "登记走访" on a resident's file: read once
if arrived is not None:
    del st.query_params["visits.resident"]
    if arrived.isdigit():
        st.session_state[PRESET] = int(arrived)
        st.session_state[TAB] = t("visit.log")
        st.session_state.pop(PICKER, None)  # that resident, not one picked before
# a tab the page can open (and that stays open across reruns)
due_tab, log_tab, list_tab = st.tabs([t("visit.due_title"), t("visit.log"), t("visit.history")], key=TAB,
                                     on_change="rerun")

with due_tab:
    st.caption(t("visit.due_caption"))
    include_soon = st.toggle(t("visit.include_soon"), key="due_soon")
    with read() as s:
        due = visits.due_visits(s, actor, include_soon=include_soon)
        rules = visits.rules(s)
    overdue_n = sum(1 for d in due if d.status == "overdue")
    st.markdown(t("visit.due_count", overdue=overdue_n, soon=len(due) - overdue_n))
    if not due:
        st.success(t("visit.due_empty"), icon=":material/task_alt:")
    else:
        table = pd.DataFrame([{
            t("res.name"): d.name, t("res.groups"): t("sep.list").join(choice_label("group", g) for g in d.tags),
            t("res.address"): d.address, t("visit.last"): d.last_visit or t("visit.never"),
            t("visit.next_due"): d.next_due, t("visit.overdue_days"): d.days_overdue,
            t("res.status"): t(f"visit.{'overdue' if d.status == 'overdue' else 'due_soon'}")} for d in due])
        event = data_table(table, hide_index=True, on_select="rerun", selection_mode="single-row",
                             key="due_table", width="stretch")
        picked = event.selection.rows if event and event.selection else []
        if picked and may_log:
            d = due[picked[0]]
            st.markdown(f"**{t('visit.log')} · {d.name}**")
            quick = st.columns([1, 3])
            if quick[0].button(f"{t('visit.do')}{t('sep.field')}{choice_label('visittype', '走访')} · {clock.today()}",
                               type="primary", key=f"quick_{d.resident_id}", icon=":material/bolt:"):
                _log(d.resident_id, {"visit_date": clock.today(), "visit_type": "走访",
                                     "staff_name": actor.display_name}, d.name)
            with quick[1].expander(t("visit.log")):
                data = record_form(VISIT, key=f"due_form_{d.resident_id}", skip=("resident_id",),
                                   values={"visit_date": clock.today(), "visit_type": "走访",
                                           "staff_name": actor.display_name})
                if data is not None:
                    _log(d.resident_id, data, d.name)
    with st.expander(t("visit.rules"), icon=":material/rule:"):
        shown_rules = {tag: r for tag, r in rules.items() if tag in residents.visible_groups(actor)}
        data_table(pd.DataFrame([{t("res.group"): choice_label("group", tag),
                                  t("visit.next_due"): t("visit.every", every=every, unit=t(f"unit.{unit}"))}
                                 for tag, (unit, every) in shown_rules.items()]), hide_index=True)
        if access.can(actor, "reference", "edit"):  # the rules are a register of the reference page
            st.page_link(access.PAGES["reference"].script, label=t("visit.rules_edit"), icon=":material/edit:")

with log_tab:
    if not may_log:
        st.info(t("err.permission"))
    else:
        preset = st.session_state.get(PRESET)
        # one picker: the residents in scope (at most PICKER_LIMIT), searched as one types
        with read() as s:
            options = residents.resident_picker(s, actor)
            if preset is not None and preset not in options:  # opened from a resident's file
                options = {**residents.resident_picker(s, actor, ids=[preset]), **options}
        if not options:
            st.info(t("rec.empty"))
        else:
            keys = list(options)
            index = keys.index(preset) if preset in options and PICKER not in st.session_state else None
            resident_id = st.selectbox(t("visit.pick_resident"), keys, index=index, format_func=options.get,
                                       key=PICKER, placeholder=t("err.type_ref"), filter_mode="contains")
            if len(options) >= residents.PICKER_LIMIT:
                st.caption(t("visit.picker_limited", n=residents.PICKER_LIMIT))
            data = record_form(VISIT, key="visit_new", skip=("resident_id",),
                               values={"visit_date": clock.today(), "visit_type": "走访",
                                       "staff_name": actor.display_name})
            if data is not None and resident_id is None:
                st.error(t("visit.pick_resident") + t("sep.field") + t("err.required"))
            elif data is not None:
                def _logged(_) -> str:
                    st.session_state.pop(PRESET, None)  # opened from a resident's file: that resident is done
                    return t("visit.logged", name=options[resident_id].split(" · ")[0])

                submit(lambda s: visits.log_visit(s, actor, resident_id, data), labels=LABELS, forget="visit_new",
                       done=_logged)

with list_tab:
    with read() as s:
        refs = {"grid_id": places.grid_names(s, actor.community_ids)}
    if actor.grid_ids is not None:
        refs["grid_id"] = {k: v for k, v in refs["grid_id"].items() if k in actor.grid_ids}

    def listed(s, who, **kw):
        page = visits.list_visits(s, who, **kw)
        refs.setdefault("resident_id", {}).update({r["resident_id"]: r.get("resident_name") for r in page.rows})
        return page

    def fetch(**kw):
        refs["resident_id"] = {}
        with read() as s:
            return listed(s, actor, **kw)

    record_list(VISIT, fetch, key="visits", refs=refs, can_export=access.can(actor, "visits", "export"),
                export_name="visits", export_rows=service_export(actor, "visits", VISIT, listed))
