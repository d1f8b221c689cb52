"""Residents' requests and complaints (居民诉求): the ledger engine's page (views of what is past
its response or resolution limit, the workflow's steps with the time of the response typed as it
happened), plus what the list does not say — the limits and how they stand, a warning when a
working-day limit runs into a year the holiday calendar lacks, improvement actions opened from a
request — and, for the admin, the response limits themselves (时限标准)."""

import streamlit as st

from components.auth import guard
from components.findings import action_panel
from components.i18n import choice_label, t
from components.ledger_page import ledger_page
from components.records import flash
from components.runtime import read
from components.timefmt import when
from db.models.quality import COMPLAINT, RESPONSE_LIMIT
from services import actions, clock, complaints, ledgers, residents, workdays

actor = guard("complaints")
st.title(t("page.complaints"))
st.caption(t("pagedesc.complaints"))
flash()


def _now() -> dict:
    """A step's time starts at now (the committee's clock), to the minute."""
    now = clock.now().replace(second=0, microsecond=0)
    return {"on": now.date(), "at": now.time()}


def _state(value, row) -> str:
    return choice_label("cmpdue", value) if value else ""


def _detail(row: dict) -> None:
    """The times against their limits, the answers given, and the actions opened from it."""
    with read() as s:
        c = ledgers.get(s, actor, COMPLAINT, row["id"])
        years = complaints.complaint_calendar(s, c)
        opened = actions.of_source(s, actor, "complaint", c.id)
    for year in years:
        st.warning(t("cmp.calendar_missing", year=year), icon=":material/event_busy:")
    st.markdown(c.content)
    cols = st.columns(3)
    cols[0].markdown(f"**{t('cmp.received_at')}** {when(c.received_at)}  \n"
                     f"{choice_label('cmpkind', c.kind)} · {choice_label('channel', c.channel)} · "
                     f"{choice_label('urgency', c.urgency)}" +
                     (f"  \n**{t('cmp.subject_org')}** {c.subject_org}" if c.subject_org else ""))
    cols[1].markdown(f"**{t('cmp.response_due')}** {when(c.response_due)} · {_state(row.get('response_state'), row)}"
                     + (f"  \n**{t('cmp.first_response')}** {when(c.first_response_at)}  \n{c.response_note or ''}"
                        if c.first_response_at else ""))
    closed = ""
    if c.resolved_at:
        closed = f"  \n**{t('cmp.resolved_at')}** {when(c.resolved_at)}  \n{c.resolution or c.explanation or ''}"
    cols[2].markdown(f"**{t('cmp.resolution_due')}** {when(c.resolution_due)} · "
                     f"{_state(row.get('resolution_state'), row)}" + closed +
                     (f"  \n**{t('cmp.followed_up')}** {when(c.followed_up_at)} · "
                      f"{choice_label('satisfaction', c.followup_satisfaction)}" if c.followed_up_at else ""))
    action_panel(actor, f"cmp_{c.id}", c.community_id, opened,
                 lambda s, **kw: complaints.open_action(s, actor, c.id, **kw))


def _requests() -> None:
    with read() as s:
        st.markdown(t("cmp.counts", **complaints.counts(s, actor)))
        # a searchable picker of the residents in the actor's sight (staff: their grids')
        people = residents.resident_picker(s, actor)
    ledger_page(COMPLAINT, actor, key="complaints", new_label=t("cmp.new"), detail=_detail,
                refs={"resident_id": people},
                title=lambda row: f"{choice_label('cmpcat', row['category'])} · {row['content'][:60]}",
                new_values={**{"received_on": _now()["on"], "received_time": _now()["at"]},
                            "kind": "request", "channel": "电话", "urgency": "一般"},
                step_values={"respond": lambda row: _now(), "resolve": lambda row: _now()},
                formats={"received_at": lambda value, row: when(value)},
                open_steps=True, hide_refused=("err.permission",))


def _limits() -> None:
    st.caption(t("cmp.limits_help"))
    st.caption(t("cmp.calendar_range", first=workdays.FIRST_YEAR, last=workdays.LAST_YEAR))
    ledger_page(RESPONSE_LIMIT, actor, key="limits",
                title=lambda row: f"{choice_label('cmpcat', row['category'])} × {choice_label('urgency', row['urgency'])}")


if ledgers.may(actor, RESPONSE_LIMIT, "view"):
    requests_tab, limits_tab = st.tabs([t("cmp.tab_ledger"), t("cmp.tab_limits")])
    with requests_tab:
        _requests()
    with limits_tab:
        _limits()
else:
    _requests()
