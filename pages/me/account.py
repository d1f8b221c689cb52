"""My account: profile, scope, language, own password."""
import streamlit as st

from components.auth import SID_KEY, guard
from components.i18n import t
from components.timefmt import when
from components.records import flash, submit
from components.runtime import read
from services import devices, places, sessions, users

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
        submit(lambda s: users.change_own_password(s, actor, old, new, repeat,  # other sessions end
                                                   current_sid=st.session_state.get(SID_KEY)),
               labels=labels, done=t("account.changed"))


def _when(at) -> str:
    return when(at) or "—"


def _device(user_agent: str | None) -> str:
    """"Chrome · Android", not the raw user-agent string."""
    browser, system = devices.describe(user_agent)
    if browser == devices.WECHAT:
        browser = t("account.wechat")
    return " · ".join(p for p in (browser, system) if p) or t("account.session_device")


with st.container(border=True):
    st.subheader(t("account.sessions"))
    st.caption(t("account.sessions_hint"))
    current_sid = st.session_state.get(SID_KEY)
    with read() as s:
        active = sessions.list_active(s, actor, current_sid)
    for row in active:
        c1, c2 = st.columns([4, 1])
        device = _device(row["user_agent"])
        c1.markdown(f"**{t('account.session_this')}** · {device}" if row["current"] else device)
        c1.caption(f"{t('account.session_started', at=_when(row['created_at']))} · "
                   f"{t('account.session_last_seen', at=_when(row['last_seen_at']))}"
                   + (f" · {row['ip']}" if row["ip"] else ""))
        if not row["current"] and c2.button(t("account.session_end"), key=f"end_session_{row['id']}",
                                            icon=":material/logout:"):
            submit(lambda s: sessions.end_other(s, actor, row["id"]), done=t("account.session_ended", n=1))
    if any(not r["current"] for r in active):
        if st.button(t("account.session_end_all"), key="end_other_sessions", icon=":material/devices_off:"):
            submit(lambda s: sessions.end_all_others(s, actor, current_sid),
                   done=lambda n: t("account.session_ended", n=n))
    else:
        st.caption(t("account.session_none_other"))
