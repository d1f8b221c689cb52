"""Login, logout and the guard every page starts with.

streamlit-authenticator checks the password (bcrypt) against the users handed to it from the
database and keeps the signed re-login cookie. Failed attempts, lock-out and disabled
accounts live in the database (services.users): a locked or disabled user is simply not in
the credentials it gets.

Sessions live on the server (services.sessions): a password login starts one, its id goes into
``st.session_state["_sid"]`` and into the signed cookie ({username, exp_date, sid}). Every run
checks that id against the database, and so do the dashboard's fragment reruns
(:func:`fragment_guard`); files are built in the script run, after that check
(``components.records.prepared_download``). A cookie without a live session id does not log in.
"""
from __future__ import annotations

import time

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from components.i18n import t
from components.runtime import read, write
from services import access, sessions, settings, users
from services.access import Actor
from services.bootstrap import demo_password, is_demo

COOKIE_NAME = "community_ledger_session"
ACTOR_KEY = "_actor"
SID_KEY = "_sid"
ENDED_KEY = "_session_ended"  # set when a session is found ended: the login page says so
AUTH_KEYS = ("authentication_status", "username", "name", "roles", "email")
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
        # the re-login cookie never outlives the session it carries
        expiry = min(float(settings.get(s, "login.cookie_expiry_days")), sessions.lifetime_hours(s) / 24)
    authenticator = stauth.Authenticate(creds, COOKIE_NAME, cookie_key(_configured_cookie_key()), expiry,
                                        auto_hash=False, login_sleep_time=0)
    _bind_session_to_cookie(authenticator)
    return authenticator


def _bind_session_to_cookie(authenticator: stauth.Authenticate) -> None:
    """The cookie carries the session id, and the library's own cookie reading accepts only a
    cookie whose session is live (it is not called by this app; this closes it all the same)."""
    model = authenticator.cookie_controller.cookie_model

    def _token_encode() -> str:
        return jwt.encode({"username": st.session_state["username"], "exp_date": model.exp_date,
                           "sid": st.session_state.get(SID_KEY)}, model.cookie_key, algorithm="HS256")

    def _get_cookie():
        token = _read_cookie(model.cookie_key)
        return token if token and sid_alive(token["sid"]) else None

    model._token_encode = _token_encode
    model.get_cookie = _get_cookie


def _read_cookie(key: str) -> dict | None:
    """The re-login cookie's content if its signature and expiry hold and it names a session."""
    try:
        raw = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser context (AppTest)
        return None
    if not raw or not isinstance(raw, str):
        return None
    try:
        data = jwt.decode(raw, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    exp = data.get("exp_date") if isinstance(data, dict) else None
    if not isinstance(exp, (int, float)) or exp <= time.time():
        return None
    if not isinstance(data.get("sid"), str) or not data["sid"] or not isinstance(data.get("username"), str):
        return None  # an old cookie without a session id: sign in again
    return data


def check_sid(sid: str | None) -> Actor | None:
    """The Actor of a live session, or None. Reads first; writes only when the session's
    last-seen time is due to move or it has just run out (so most runs take no write lock)."""
    if not sid:
        return None
    with read() as s:
        verdict, actor = sessions.status(s, sid)
    if verdict in sessions.NEEDS_WRITE:
        with write() as s:
            actor = sessions.check(s, sid)
    return actor


def sid_alive(sid: str | None) -> bool:
    return check_sid(sid) is not None


def session_alive() -> bool:
    """Whether this browser session's server-side session still holds (for fragment reruns,
    which do not pass through app.py)."""
    return sid_alive(st.session_state.get(SID_KEY))


def _end_locally() -> None:
    """Forget the sign-in in this Streamlit session; the login page will say why."""
    for k in AUTH_KEYS:
        st.session_state[k] = None
    st.session_state.pop(SID_KEY, None)
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state[ENDED_KEY] = True


def fragment_guard() -> bool:
    """First line of a fragment: True while the session holds; otherwise shows that it ended,
    signs the Streamlit session out and returns False (the fragment returns without data)."""
    if session_alive():
        return True
    _end_locally()
    st.warning(t("session.ended"), icon=":material/timer_off:")
    return False


def _cookie_login(authenticator: stauth.Authenticate) -> Actor | None:
    """Re-login from the signed cookie, only if the session id it carries is live."""
    if st.session_state.get("logout"):  # just signed out here: the browser may still send the cookie
        return None
    token = _read_cookie(authenticator.cookie_controller.cookie_model.cookie_key)
    if token is None:
        return None
    actor = check_sid(token["sid"])
    if actor is None or actor.username != token["username"]:
        return None
    try:  # sets the keys the authenticator keeps; refuses a user left out of the credentials (locked)
        authenticator.authentication_controller.login(token={"username": actor.username})
    except Exception:
        for k in AUTH_KEYS:
            st.session_state[k] = None
        return None
    if not st.session_state.get("authentication_status"):
        return None
    st.session_state[SID_KEY] = token["sid"]
    return actor


def current_actor(authenticator: stauth.Authenticate) -> Actor | None:
    """The logged-in user, re-read from the database on every run through the session id (a
    revoked session, a disabled account are out at the next click), or None."""
    if st.session_state.get("authentication_status"):
        actor = check_sid(st.session_state.get(SID_KEY))
        if actor is None or actor.username != st.session_state.get("username"):
            _end_locally()
            return None
    else:
        actor = _cookie_login(authenticator)
        if actor is None:
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
    if st.session_state.pop(ENDED_KEY, None):
        st.warning(t("session.ended"), icon=":material/timer_off:")
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
            actor = users.actor_for(s, username)
            sid = sessions.start(s, actor.user_id, user_agent=_header("User-Agent"), ip=_ip())
        st.session_state[SID_KEY] = sid  # the cookie set next carries it (see _bind_session_to_cookie)
        st.session_state.pop(ENDED_KEY, None)
        st.session_state["logout"] = None
        return None
    st.session_state["authentication_status"] = None
    with write() as s:
        gate = users.record_failure(s, username)
    if gate.status == "locked":
        return t("login.locked", minutes=gate.minutes_left)
    return t("login.failed")


def _header(name: str) -> str | None:
    try:
        value = st.context.headers.get(name)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _ip() -> str | None:
    try:
        value = st.context.ip_address
    except Exception:
        return None
    return value if isinstance(value, str) else None  # AppTest hands out a mock


def _revoke_on_logout(_info: dict | None = None) -> None:
    """The authenticator's logout callback: the session ends on the server, not only the cookie."""
    sid = st.session_state.pop(SID_KEY, None)
    st.session_state.pop(ACTOR_KEY, None)
    if sid:
        with write() as s:
            sessions.revoke(s, sid, "logout")


def logout_button(authenticator: stauth.Authenticate) -> None:
    # No st.rerun() after it: that would stop the cookie deletion reaching the browser.
    authenticator.logout(t("login.logout"), location="sidebar", key="logout_button", callback=_revoke_on_logout)


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
