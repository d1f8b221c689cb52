"""Login, logout and the guard every page starts with.

streamlit-authenticator checks the password (bcrypt) against the users handed to it from the
database and keeps the signed re-login cookie. Failed attempts, lock-out and disabled
accounts live in the database (services.users): a locked or disabled user is simply not in
the credentials it gets.
"""
from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from components.i18n import t
from components.runtime import read, write
from services import access, settings, users
from services.access import Actor
from services.bootstrap import demo_password, is_demo

COOKIE_NAME = "community_ledger_session"
ACTOR_KEY = "_actor"
_DUMMY_HASH = users.hash_password("timing-equaliser")


def _configured_cookie_key() -> str | None:
    try:
        return st.secrets.get("cookie_key")
    except Exception:  # no secrets.toml: that is the normal case
        return None


def build_authenticator() -> stauth.Authenticate:
    """Once per run, in app.py, before the navigation (it draws the cookie component)."""
    from services.keys import cookie_key

    with read() as s:
        creds = users.credentials(s)
        expiry = float(settings.get(s, "login.cookie_expiry_days"))
    return stauth.Authenticate(creds, COOKIE_NAME, cookie_key(_configured_cookie_key()), expiry,
                               auto_hash=False, login_sleep_time=0)


def current_actor(authenticator: stauth.Authenticate) -> Actor | None:
    """The logged-in user, re-read from the database on every run (a disabled account is out
    at its next click), or None."""
    if not st.session_state.get("authentication_status"):
        try:
            authenticator.login(location="unrendered")  # re-login from a valid cookie
        except Exception:  # a cookie for a user no longer allowed in: ignore it
            st.session_state["authentication_status"] = None
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(ACTOR_KEY, None)
        return None
    with read() as s:
        actor = users.actor_for(s, st.session_state.get("username"))
    if actor is None:
        for k in ("authentication_status", "username", "name", "roles"):
            st.session_state[k] = None
        st.session_state.pop(ACTOR_KEY, None)
        return None
    st.session_state[ACTOR_KEY] = actor
    if not st.session_state.get("lang_explicit") and actor.language:
        st.session_state["lang"] = actor.language
    return actor


def login_form(authenticator: stauth.Authenticate) -> bool:
    """Draw the login page; True when the user has just signed in (the caller clears it and goes
    on in the same run: a rerun now would keep the re-login cookie from reaching the browser)."""
    st.title(t("app.title"))
    st.caption(t("app.tagline"))
    with read() as s:
        no_users = users.count_users(s) == 0
        demo = is_demo(s)
    if no_users:
        st.warning(t("login.empty_db"), icon=":material/person_add:")
    with st.form("login_form", clear_on_submit=False, enter_to_submit=True):
        st.subheader(t("login.title"))
        raw_user = st.text_input(t("login.username"), autocomplete="username")
        raw_pw = st.text_input(t("login.password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("login.submit"), type="primary", use_container_width=True)
    if submitted:
        message = attempt_login(authenticator, raw_user, raw_pw)
        if message is None:
            return True
        st.error(message, icon=":material/lock:")
    if demo:
        with st.container(border=True):
            st.markdown(f"**{t('login.demo_title')}** · {t('login.demo_hint', password=demo_password())}")
            st.markdown("  \n".join(f"`{name}` — {t('role.' + name)}" for name in access.ROLES))
    return False


def login_page(authenticator: stauth.Authenticate) -> Actor | None:
    """The login page in a slot that is cleared when the user gets in; the signed-in Actor or None."""
    slot = st.empty()
    with slot.container():
        signed_in = login_form(authenticator)
    if not signed_in:
        return None
    slot.empty()
    # outside the slot: the cookie component must stay on the page to reach the browser
    authenticator.cookie_controller.set_cookie()
    return current_actor(authenticator)


def attempt_login(authenticator: stauth.Authenticate, raw_user: str | None, raw_pw: str | None) -> str | None:
    """Check one attempt; returns the message to show, or None when the user is in."""
    if not (raw_user or "").strip() or not (raw_pw or "").strip():
        return t("login.missing")
    username = users.normalize_username(raw_user)
    if username is None:  # 500 characters, SQL, spaces …: just a failed login
        users.check_password(raw_pw, _DUMMY_HASH)
        return t("login.failed")
    with write() as s:
        gate = users.login_gate(s, username)
    if gate.status == "locked":
        return t("login.locked", minutes=gate.minutes_left)
    if gate.status == "disabled":
        return t("login.disabled")
    if gate.status == "unknown":
        users.check_password(raw_pw, _DUMMY_HASH)  # same time as a wrong password
        return t("login.failed")
    try:
        ok = authenticator.authentication_controller.login(username, raw_pw)
    except Exception:
        ok = False
    if ok:
        with write() as s:
            users.record_success(s, username)
        st.session_state["logout"] = None
        return None
    st.session_state["authentication_status"] = None
    with write() as s:
        gate = users.record_failure(s, username)
    if gate.status == "locked":
        return t("login.locked", minutes=gate.minutes_left)
    return t("login.failed")


def logout_button(authenticator: stauth.Authenticate) -> None:
    # No st.rerun() after it: that would stop the cookie deletion reaching the browser.
    authenticator.logout(t("login.logout"), location="sidebar", key="logout_button")


def guard(page_key: str) -> Actor:
    """First line of every page: the logged-in user allowed to view ``page_key``, or a stop."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None or not st.session_state.get("authentication_status"):
        st.title(t("app.title"))
        st.info(t("login.title"))
        st.stop()
    if not access.can(actor, page_key, "view"):
        st.title(t(f"page.{page_key}"))
        st.error(t("guard.refused", role=t(f"role.{actor.role}"), page=t(f"page.{page_key}")),
                 icon=":material/block:")
        st.page_link(access.PAGES["home"].script, label=t("guard.back_home"), icon=":material/home:")
        st.stop()
    return actor
