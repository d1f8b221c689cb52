"""My account: profile, scope, language, own password."""
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.records import flash
from components.runtime import read, user_action, write
from services import places, users

actor = guard("account")
st.title(t("page.account"))
flash()

with read() as s:
    communities = places.community_names(s, actor.community_ids)
    grids = places.grid_names(s, actor.community_ids) if actor.grid_ids else {}

with st.container(border=True):
    st.subheader(t("account.profile"))
    st.write(f"**{actor.display_name}** · `{actor.username}` · {t('role.' + actor.role)}")
    scope = t("account.all_communities") if actor.community_ids is None else t("sep.list").join(communities.values())
    if actor.grid_ids:
        scope += " · " + t("sep.list").join(v for k, v in grids.items() if k in actor.grid_ids)
    st.write(f"{t('account.scope')}{t('sep.field')}{scope or '—'}")

if actor.extra.get("must_change_password"):
    st.warning(t("login.must_change"), icon=":material/key:")

labels = {"old": t("account.old"), "new": t("account.new"), "repeat": t("account.repeat"),
          "password": t("account.new")}
with st.form("change_password", clear_on_submit=True):
    st.subheader(t("account.change_password"))
    old = st.text_input(t("account.old"), type="password", autocomplete="current-password")
    new = st.text_input(t("account.new"), type="password", autocomplete="new-password")
    repeat = st.text_input(t("account.repeat"), type="password", autocomplete="new-password")
    if st.form_submit_button(t("rec.save"), type="primary"):
        with user_action(labels) as outcome:
            with write() as s:
                users.change_own_password(s, actor, old, new, repeat)
        if outcome["ok"]:
            st.session_state["_flash"] = t("account.changed")
            st.rerun()
