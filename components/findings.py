"""A finding's improvement actions, one component for every ledger that raises them (a request, an
evaluation, a survey's low question …): the actions already opened, each linking to its record,
and a form that opens another — its owner picked from the community's staff (a username stored,
the person's name shown), its due day never before today."""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

import streamlit as st

from components.i18n import choice_label, t
from components.inputs import date_field
from components.records import submit
from components.runtime import read
from db.models.quality import ACTION
from services import actions, clock, ledgers


def action_panel(actor, key: str, community_id: int, opened: list, open_fn: Callable, *, title: str = "",
                 days: int = 14) -> None:
    """``opened``: the finding's actions (rows or dicts with id, title, owner, due, status);
    ``open_fn(session, title=, owner=, due=)`` opens one through the finding's service."""
    st.markdown(f"**{t('actn.opened')}**")
    if not opened:
        st.caption(t("actn.none_opened"))
    with read() as s:
        owners = actions.staff_accounts(s, {community_id})
    for a in opened:
        get = a.get if isinstance(a, dict) else lambda k: getattr(a, k)
        label = (f"{get('title')} · {owners.get(get('owner'), get('owner'))} · {get('due')} · "
                 f"{choice_label('actnstate', get('status'))}")
        st.page_link("pages/quality/actions.py", label=label, query_params={"actions.id": str(get("id"))},
                     icon=":material/task_alt:")
    if not ledgers.may(actor, ACTION, "create"):
        return
    with st.expander(t("actn.open_from"), icon=":material/add_task:"):
        if not owners:
            st.info(t("actn.no_owners"))
            return
        with st.form(f"{key}_action", enter_to_submit=False, clear_on_submit=True):
            what = st.text_input(t("actn.title") + " *", value=title, max_chars=200, key=f"{key}_action_title")
            owner = st.selectbox(t("actn.owner") + " *", list(owners), format_func=owners.get, index=None,
                                 placeholder=t("actn.pick_owner"), key=f"{key}_action_owner")
            due = date_field(t("actn.due") + " *", value=clock.today() + timedelta(days=days), key=f"{key}_action_due")
            if st.form_submit_button(t("actn.open_from"), type="primary"):
                submit(lambda s: open_fn(s, title=what, owner=owner or "", due=due),
                       labels={"title": t("actn.title"), "owner": t("actn.owner"), "due": t("actn.due")},
                       done=t("actn.opened_one"))


def hazard_panel(actor, key: str, community_id: int, open_fn: Callable, *, label: str, done: str) -> None:
    """A form that registers a finding as a hazard in one of the community's grids the actor may
    open one in: ``open_fn(session, grid_id=, description=, category=, severity=)``."""
    from db.models.safety import HAZARD, SEVERITIES, categories
    from services import assessments

    if not ledgers.may(actor, HAZARD, "create"):
        return
    with read() as s:
        grids = assessments.grid_options(s, actor, community_id)
    if not grids:
        return
    with st.expander(label, icon=":material/warning:"):
        with st.form(key):
            grid = st.selectbox(t("place.grid"), list(grids), format_func=grids.get, key=f"{key}_grid")
            category = st.selectbox(t("fac.category"), list(categories()), format_func=lambda c: choice_label("cat", c),
                                    key=f"{key}_cat")
            severity = st.selectbox(t("haz.severity"), list(SEVERITIES), format_func=lambda v: choice_label("severity", v),
                                    key=f"{key}_sev")
            text = st.text_area(t("haz.description"), max_chars=2000, key=f"{key}_text")
            if st.form_submit_button(label, type="primary"):
                submit(lambda s: open_fn(s, grid_id=grid, description=text, category=category, severity=severity),
                       done=done)
