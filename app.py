"""Community Ledger — entry point: page config, database check, login, navigation by role."""
from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="社区台账 Community Ledger", page_icon=":material/apartment:", layout="wide")

from components import auth, style  # noqa: E402
from components.i18n import apply_query_lang, language_switch, t  # noqa: E402
from components.nav import build_pages  # noqa: E402
from components.runtime import write  # noqa: E402
from components.health import database_problem  # noqa: E402
from components.timefmt import configure as use_community_zone  # noqa: E402
from services import users  # noqa: E402

style.apply()  # one stylesheet for every page: titles near the top, 44 px tap targets on phones
apply_query_lang()

problem = database_problem()
if problem:
    st.title(t("app.title"))
    st.error(f"**{t('dberr.title')}**\n\n{problem}", icon=":material/database:")
    st.stop()

use_community_zone()  # "today" everywhere is the community's day, not the server's
authenticator = auth.build_authenticator()
actor = auth.current_actor(authenticator)


def _remember_language(lang: str) -> None:
    current = st.session_state.get(auth.ACTOR_KEY)
    if current is not None:
        with write() as s:
            users.set_language(s, current, lang)


language_switch(_remember_language)

if actor is None:
    actor = auth.login_page(authenticator)
    if actor is None:
        # register every page (hidden, none runs) so a deep link keeps its address through login
        st.navigation(build_pages(None), position="hidden")
        st.stop()

with st.sidebar:
    st.caption(t("login.signed_in_as", name=actor.display_name, role=t(f"role.{actor.role}")))
auth.logout_button(authenticator)
if not st.session_state.get("authentication_status"):  # just signed out: the same login page as above
    auth.login_page(authenticator)
    st.navigation(build_pages(None), position="hidden")
    st.stop()

page = st.navigation(build_pages(actor.role), expanded=True)  # every page of the role, no "View more"
page.run()
