"""Improvement actions (整改措施): the ledger engine's page — overdue first, open → done → verified
by someone else, a failed check back to open — plus where each action came from, with a link to
the record of the finding (a hazard, a complaint, an evaluation …) where there is one."""
from datetime import timedelta

import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.ledger_page import ledger_page
from components.records import flash
from components.runtime import read
from db.models.quality import ACTION
from services import access, actions, clock, ledgers
from services.users import display_names

actor = guard("actions")
st.title(t("page.actions"))
st.caption(t("pagedesc.actions"))
flash()
PAGES = {p.key: p.script for p in access.visible_pages(actor.role)}


def _detail(row: dict) -> None:
    """Where it came from (a link to that record), who owns it and what became of it."""
    with read() as s:
        action = ledgers.get(s, actor, ACTION, row["id"])
        names = display_names(s, [action.owner, action.done_by, action.verified_by])
    c = st.columns(3)
    source = choice_label("actnsource", action.source)
    link = actions.source_link(action.source, action.source_id)
    if link and link[0] in PAGES:
        c[0].page_link(PAGES[link[0]], label=t("actn.open_source", source=source, id=action.source_id),
                       icon=":material/link:", query_params=link[1])
    else:
        c[0].markdown(f"**{t('actn.source')}** {source}" + (f" #{action.source_id}" if action.source_id else ""))
    c[1].markdown(f"**{t('actn.owner')}** {names.get(action.owner, action.owner)}")
    due = f"**{t('actn.due')}** {action.due}"
    if row.get("overdue_days"):
        due += f" · :red[{t('actn.days_overdue', n=row['overdue_days'])}]"
    c[2].markdown(due)
    if action.detail:
        st.markdown(action.detail)
    if action.done_on:
        st.markdown(f"**{t('actn.done_on')}** {action.done_on} · {names.get(action.done_by, action.done_by)}"
                    f"\n\n**{t('actn.result')}** {action.result or '—'}")
    if action.verified_on:
        st.markdown(f"**{t('actn.verified_by')}** {names.get(action.verified_by, action.verified_by)} · "
                    f"{action.verified_on}\n\n**{t('actn.effect')}** {action.effect or '—'}")
    elif action.effect and action.status == "open":  # the last check found it not effective
        st.warning(f"{t('actn.reopened')} {action.effect}", icon=":material/replay:")


ledger_page(ACTION, actor, key="actions", new_label=t("actn.new"), detail=_detail,
            title=lambda row: f"{choice_label('actnstate', row['status'])} · {row['title'][:60]}",
            new_values={"source": "meeting", "due": clock.today() + timedelta(days=14)},
            formats={"overdue_days": lambda n, row: t("actn.days_overdue", n=n) if n else ""})
