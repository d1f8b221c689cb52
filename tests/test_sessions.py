"""Server-side sessions: a login starts one; sign-out, a password change, a reset and disabling
end it at once; idle and absolute timeouts; nobody ends another user's session; and the app —
full runs, the dashboard's fragment, download callbacks — refuses a session that has ended."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from db.base import utcnow
from db.models import AuditLog, User, UserSession
from db.models.users import USER_LEDGER
from services import ledgers, sessions, settings, users
from services.access import SYSTEM
from services.bootstrap import demo_password
from services.errors import PermissionDenied
from tests.conftest import actor_of
from tests.test_pages import ZH, app, as_role, login_form, start_session  # noqa: F401  (app: a fixture)


def _start(db, username: str, now=None, **kw) -> str:
    with db(write=True) as s:
        uid = s.execute(select(User.id).where(User.username == username)).scalar_one()
        return sessions.start(s, uid, now=now, **kw)


def _check(db, sid, now=None):
    with db(write=True) as s:
        return sessions.check(s, sid, now=now)


def _row(db, sid) -> UserSession:
    with db() as s:
        return s.execute(select(UserSession).where(UserSession.sid_hash == sessions.digest(sid))).scalar_one()


# --- the service, on both backends ----------------------------------------------------------

def test_a_session_starts_checks_out_and_stores_only_a_digest(db, demo_db):
    t0 = utcnow()
    sid = _start(db, "manager", now=t0, user_agent="Mozilla/5.0 " + "x" * 400, ip="10.0.0.7")
    assert len(sid) >= 43  # 32 random bytes, URL-safe
    actor = _check(db, sid, now=t0 + timedelta(seconds=5))
    assert actor is not None and actor.username == "manager" and actor.role == "manager" and actor.community_ids
    row = _row(db, sid)
    assert row.sid_hash == sessions.digest(sid) != sid and row.expires_at == t0 + timedelta(hours=12)
    assert len(row.user_agent) == 200 and row.ip == "10.0.0.7" and row.revoked_at is None
    with db() as s:
        assert s.execute(select(UserSession).where(UserSession.sid_hash == sid)).first() is None
        entry = s.execute(select(AuditLog).where(AuditLog.table_name == "user_session",
                                                 AuditLog.action == "session_start")).scalar_one()
        assert entry.row_id == row.id and entry.actor == "manager" and sid not in (entry.after or "")
        assert row.sid_hash not in (entry.after or "")


def test_last_seen_moves_at_most_once_a_minute_and_reads_do_not_write(db, demo_db):
    t0 = utcnow()
    sid = _start(db, "staff", now=t0)
    with db() as s:
        assert sessions.status(s, sid, t0 + timedelta(seconds=30))[0] == sessions.OK
        assert sessions.status(s, sid, t0 + timedelta(seconds=90))[0] == sessions.TOUCH
    assert _check(db, sid, now=t0 + timedelta(seconds=30))
    assert _row(db, sid).last_seen_at == t0  # no write within the minute
    assert _check(db, sid, now=t0 + timedelta(seconds=90))
    assert _row(db, sid).last_seen_at == t0 + timedelta(seconds=90)


def test_garbage_and_unknown_ids_are_refused(db, demo_db):
    for sid in (None, "", "x" * 5000, "not-a-session", "' OR 1=1 --"):
        assert _check(db, sid) is None


def test_logout_revokes_the_session(db, demo_db):
    sid = _start(db, "manager")
    other = _start(db, "manager")
    with db(write=True) as s:
        assert sessions.revoke(s, sid, "logout") is True
        assert sessions.revoke(s, sid, "logout") is False  # once
    assert _check(db, sid) is None
    assert _check(db, other) is not None  # another browser of the same user goes on
    row = _row(db, sid)
    assert row.revoked_reason == "logout" and row.revoked_at is not None
    with db() as s:
        entry = s.execute(select(AuditLog).where(AuditLog.action == "session_revoke")).scalar_one()
        assert entry.table_name == "user_session" and entry.row_id == row.id and '"logout"' in entry.after


def test_password_change_ends_the_other_sessions_and_keeps_the_current(db, demo_db):
    current, phone, tablet = (_start(db, "staff") for _ in range(3))
    keep = _start(db, "manager")
    staff = actor_of(db, "staff")
    with db(write=True) as s:
        users.change_own_password(s, staff, demo_password(), "newpassword1", "newpassword1", current_sid=current)
    assert _check(db, current) is not None
    assert _check(db, phone) is None and _check(db, tablet) is None
    assert _row(db, phone).revoked_reason == "password_change"
    assert _check(db, keep) is not None  # other users are not touched
    with db(write=True) as s:  # without a current session (e.g. a script): all of them end
        users.change_own_password(s, staff, "newpassword1", "newpassword2", "newpassword2")
    assert _check(db, current) is None


def test_admin_reset_ends_every_session_of_the_user(db, demo_db):
    a, b = _start(db, "staff"), _start(db, "staff")
    admin_sid = _start(db, "admin")
    admin, staff = actor_of(db, "admin"), actor_of(db, "staff")
    with db(write=True) as s:
        users.reset_password(s, admin, staff.user_id, "temporary-1")
    assert _check(db, a) is None and _check(db, b) is None
    assert _row(db, a).revoked_reason == "reset"
    assert _check(db, admin_sid) is not None
    with db() as s:
        actors = set(s.execute(select(AuditLog.actor).where(AuditLog.action == "session_revoke")).scalars())
    assert actors == {"admin"}


def test_disabling_ends_every_session_and_enabling_does_not_bring_them_back(db, demo_db):
    sid = _start(db, "volunteer")
    admin = actor_of(db, "admin")
    with db(write=True) as s:
        row = ledgers.list_rows(s, admin, USER_LEDGER, search="volunteer").rows[0]
        data = {"username": "volunteer", "display_name": row["display_name"], "role": "volunteer",
                "community_ids": row["community_ids"], "disabled": True}
        ledgers.save(s, admin, USER_LEDGER, data, row["id"], row["version"])
    assert _check(db, sid) is None and _row(db, sid).revoked_reason == "disabled"
    with db(write=True) as s:
        row = ledgers.list_rows(s, admin, USER_LEDGER, search="volunteer").rows[0]
        data["disabled"] = False
        ledgers.save(s, admin, USER_LEDGER, data, row["id"], row["version"])
    assert _check(db, sid) is None
    with db(write=True) as s:  # a disabled account cannot start one either
        uid = row["id"]
        s.execute(User.__table__.update().where(User.id == uid).values(disabled=True))
    with db(write=True) as s, pytest.raises(Exception):
        sessions.start(s, uid)


def test_a_disabled_or_deleted_account_fails_the_check_even_without_a_revocation(db, demo_db):
    sid = _start(db, "staff")
    with db(write=True) as s:  # changed behind the services' back
        s.execute(User.__table__.update().where(User.username == "staff").values(disabled=True))
    assert _check(db, sid) is None
    with db(write=True) as s:
        s.execute(User.__table__.update().where(User.username == "staff").values(disabled=False, deleted_at=utcnow()))
    assert _check(db, sid) is None


def test_idle_timeout_ends_a_session_and_use_keeps_it_alive(db, demo_db):
    t0 = utcnow()
    idle = _start(db, "staff", now=t0)
    used = _start(db, "staff", now=t0)
    for minutes in (60, 120, 180):  # used every hour: alive although 3 h > the 2 h idle limit
        assert _check(db, used, now=t0 + timedelta(minutes=minutes)) is not None
    assert _check(db, idle, now=t0 + timedelta(minutes=121)) is None
    assert _row(db, idle).revoked_reason == "idle"
    assert _check(db, idle, now=t0 + timedelta(minutes=1)) is None  # revoked for good
    with db() as s:
        entry = s.execute(select(AuditLog).where(AuditLog.action == "session_revoke")).scalar_one()
        assert entry.actor == SYSTEM.username and '"idle"' in entry.after


def test_absolute_lifetime_ends_a_session_however_much_it_is_used(db, demo_db):
    t0 = utcnow()
    sid = _start(db, "manager", now=t0)
    for hours in range(1, 12):
        assert _check(db, sid, now=t0 + timedelta(hours=hours)) is not None
    assert _check(db, sid, now=t0 + timedelta(hours=12)) is None
    assert _row(db, sid).revoked_reason == "expired"


def test_the_limits_are_settings(db, demo_db):
    admin = actor_of(db, "admin")
    with db(write=True) as s:
        settings.set_value(s, admin, "session.idle_minutes", 5)
        settings.set_value(s, admin, "session.max_hours", 1)
    t0 = utcnow()
    sid = _start(db, "staff", now=t0)
    assert _row(db, sid).expires_at == t0 + timedelta(hours=1)
    assert _check(db, sid, now=t0 + timedelta(minutes=6)) is None
    assert _row(db, sid).revoked_reason == "idle"


def test_a_user_lists_and_ends_only_their_own_sessions(db, demo_db):
    mine, phone, laptop = _start(db, "staff", user_agent="Firefox"), _start(db, "staff", user_agent="Phone"), \
        _start(db, "staff")
    theirs = _start(db, "manager")
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    with db() as s:
        listed = sessions.list_active(s, staff, mine)
        manager_rows = sessions.list_active(s, manager, theirs)
    assert len(listed) == 3 and [r["current"] for r in listed].count(True) == 1
    assert next(r for r in listed if r["current"])["user_agent"] == "Firefox"
    assert "sid_hash" not in listed[0]
    theirs_id = manager_rows[0]["id"]
    with db(write=True) as s, pytest.raises(PermissionDenied):
        sessions.end_other(s, staff, theirs_id)
    assert _check(db, theirs) is not None
    phone_id = next(r["id"] for r in listed if r["user_agent"] == "Phone")
    with db(write=True) as s:
        sessions.end_other(s, staff, phone_id)
    assert _check(db, phone) is None and _row(db, phone).revoked_reason == "ended_by_user"
    with db(write=True) as s:
        assert sessions.end_all_others(s, staff, mine) == 1
    assert _check(db, laptop) is None and _check(db, mine) is not None
    with db() as s:
        assert [r["current"] for r in sessions.list_active(s, staff, mine)] == [True]
        entry = s.execute(select(AuditLog).where(AuditLog.action == "session_revoke")
                          .order_by(AuditLog.id)).scalars().first()
        assert entry.actor == "staff"


# --- the app (AppTest, SQLite) ------------------------------------------------------------------

def _revoke(sid: str, reason: str = "logout") -> None:
    from db.engine import session_scope

    with session_scope(write=True) as s:
        sessions.revoke(s, sid, reason)


def _login_shown(at) -> bool:
    return any(b.label == ZH["login.submit"] for b in at.button)


def test_password_login_starts_a_session_and_logout_ends_it(app):
    from db.engine import session_scope

    at = login_form(app().run(), "manager", demo_password())
    assert not at.exception and not _login_shown(at)
    sid = at.session_state["_sid"]
    with session_scope() as s:
        row = s.execute(select(UserSession).where(UserSession.sid_hash == sessions.digest(sid))).scalar_one()
        assert row.revoked_at is None and row.user_id == actor_of(lambda write=False: session_scope(write=write),
                                                                      "manager").user_id
    next(b for b in at.button if b.label == ZH["login.logout"]).click()
    at.run()
    assert not at.exception and _login_shown(at)
    with session_scope() as s:
        row = s.get(UserSession, row.id)
        assert row.revoked_reason == "logout"
    assert "_sid" not in at.session_state


def test_a_revoked_session_gets_the_login_form_not_the_page(app):
    sid = start_session("manager")
    at = as_role(app, "manager", sid)
    assert not at.exception and not _login_shown(at)
    _revoke(sid, "reset")
    at.switch_page("pages/people/residents.py").run()
    assert not at.exception and _login_shown(at)
    assert ZH["session.ended"] in [w.value for w in at.warning]
    assert not at.dataframe and at.session_state["authentication_status"] is None
    at.run()  # and it stays out
    assert _login_shown(at) and not at.dataframe


def test_keys_without_a_session_id_do_not_log_in(app):
    at = app()
    for k, v in {"authentication_status": True, "username": "admin", "name": "admin", "roles": ["admin"]}.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception and _login_shown(at)
    at = app()
    for k, v in {"authentication_status": True, "username": "admin", "name": "admin", "roles": ["admin"]}.items():
        at.session_state[k] = v
    at.session_state["_sid"] = start_session("staff")  # someone else's session
    at.run()
    assert _login_shown(at)


def test_the_dashboard_shows_no_kpi_once_the_session_is_revoked(app):
    import streamlit as st

    st.cache_data.clear()
    sid = start_session("supervisor")
    at = as_role(app, "supervisor", sid)
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception and at.metric
    _revoke(sid)
    at.run()
    assert not at.exception and not at.metric and _login_shown(at)


def test_the_dashboard_fragment_itself_stops_on_a_revoked_session(app):
    """The page run on its own (as a fragment rerun is: without app.py's check)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from components.auth import ACTOR_KEY
    from db.engine import session_scope
    from tests.conftest import ROOT

    st.cache_data.clear()
    supervisor = actor_of(lambda write=False: session_scope(write=write), "supervisor")
    sid = start_session("supervisor")

    def page() -> AppTest:
        at = AppTest.from_file(str(ROOT / "pages" / "overview" / "dashboard.py"), default_timeout=60)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = "supervisor"
        at.session_state[ACTOR_KEY] = supervisor
        at.session_state["_sid"] = sid
        return at

    at = page().run()
    assert at.metric  # the live area draws (its drill-down links need app.py's navigation: not here)
    _revoke(sid)
    at = page().run()
    assert not at.exception and not at.metric and not at.dataframe
    assert ZH["session.ended"] in [w.value for w in at.warning]


def test_fragment_guard(app):
    """The guard on its own: a fragment returns without drawing once the session ends."""
    from streamlit.testing.v1 import AppTest

    from components import auth

    def script():
        import streamlit as st

        from components.auth import fragment_guard

        @st.fragment
        def live():
            if not fragment_guard():
                return
            st.metric("kpi", 42)

        live()

    sid = start_session("staff")
    at = AppTest.from_function(script, default_timeout=30)
    at.session_state["_sid"] = sid
    at.run()
    assert not at.exception and [m.value for m in at.metric] == ["42"]
    assert auth.sid_alive(sid)
    _revoke(sid)
    assert not auth.sid_alive(sid) and not auth.sid_alive(None)
    at.run()
    assert not at.metric and ZH["session.ended"] in [w.value for w in at.warning]


def test_exports_are_built_in_a_checked_run_and_refused_once_the_session_ends(app, monkeypatch):
    """The list export (record_list) and the report files are built in the script run of the tap
    that asks for them, after the page's guard: once the session ends, a tap builds nothing."""
    import streamlit

    built = []
    original = streamlit.download_button

    def spy(label, data, *a, **kw):
        if label == ZH["rec.file_ready"]:  # not the import template beside the list
            built.append(data)
        return original(label, data, *a, **kw)

    monkeypatch.setattr(streamlit, "download_button", spy)
    sid = start_session("manager")
    at = as_role(app, "manager", sid)
    for script, buttons in (("pages/people/residents.py", ("residents_csv_make", "residents_xlsx_make")),
                            ("pages/overview/reports.py", ("rep_xlsx_make", "rep_html_make"))):
        at.switch_page(script).run()
        for key in buttons:
            built.clear()
            at.button(key=key).click().run()
            assert not at.exception and len(built) == 1 and len(built[0]) > 0, (script, key)
    _revoke(sid)
    built.clear()
    at.button(key="rep_xlsx_make").click().run()
    assert built == [] and ZH["session.ended"] in [w.value for w in at.warning]


def test_the_cookie_carries_the_session_and_re_logs_in_only_while_it_holds(app, monkeypatch):
    """AppTest has no cookies (STACK-NOTES §3): the cookie the login sets is caught on its way
    to the browser and handed back through ``st.context.cookies`` in a new session."""
    import time

    import extra_streamlit_components as stx
    import jwt
    from streamlit.runtime.context import ContextProxy

    from components.auth import COOKIE_NAME
    from services.keys import cookie_key

    sent = {}
    original_set = stx.CookieManager.set

    def spy(self, cookie, val, *a, **kw):
        sent[cookie] = (val, kw.get("expires_at"))
        return original_set(self, cookie, val, *a, **kw)

    monkeypatch.setattr(stx.CookieManager, "set", spy)
    at = login_form(app().run(), "manager", demo_password())
    sid = at.session_state["_sid"]
    token, expires_at = sent[COOKIE_NAME]
    payload = jwt.decode(token, cookie_key(), algorithms=["HS256"])
    assert payload["sid"] == sid and payload["username"] == "manager"
    assert payload["exp_date"] <= time.time() + 12 * 3600 + 5  # never beyond the session's lifetime

    jar: dict[str, str] = {}
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: jar))

    def fresh_tab():
        return app().run()

    jar[COOKIE_NAME] = token
    tab = fresh_tab()
    assert not tab.exception and not _login_shown(tab)
    assert tab.session_state["username"] == "manager" and tab.session_state["_sid"] == sid
    for bad in (jwt.encode({"username": "manager", "exp_date": time.time() + 3600}, cookie_key(), algorithm="HS256"),
                jwt.encode({**payload, "username": "admin"}, cookie_key(), algorithm="HS256"),
                jwt.encode(payload, "not-the-key-" * 4, algorithm="HS256"),
                jwt.encode({**payload, "exp_date": time.time() - 1}, cookie_key(), algorithm="HS256"),
                "garbage"):
        jar[COOKIE_NAME] = bad  # no sid (an old cookie), someone else's name, forged, expired, junk
        assert _login_shown(fresh_tab())
    jar[COOKIE_NAME] = token
    _revoke(sid)
    tab = fresh_tab()
    assert _login_shown(tab) and tab.session_state["authentication_status"] is not True


def test_account_page_lists_my_sessions_and_ends_the_others(app):
    from db.engine import session_scope

    phone, tablet = start_session("staff"), start_session("staff")
    start_session("manager")
    at = as_role(app, "staff")
    at.switch_page("pages/me/account.py").run()
    assert not at.exception
    assert ZH["account.sessions"] in [h.value for h in at.subheader]
    ends = [b for b in at.button if b.label == ZH["account.session_end"]]
    assert len(ends) == 2  # the two others; none for this session (nor for the manager's)
    assert any(ZH["account.session_this"] in m.value for m in at.markdown)
    ends[0].click()
    at.run()
    assert not at.exception
    alive = [sid for sid in (phone, tablet) if _alive(sid)]
    assert len(alive) == 1
    next(b for b in at.button if b.label == ZH["account.session_end_all"]).click()
    at.run()
    assert not at.exception and not _login_shown(at)
    assert not _alive(phone) and not _alive(tablet) and _alive(at.session_state["_sid"])
    assert ZH["account.session_none_other"] in [c.value for c in at.caption]
    # a password change on the page keeps this session and ends a new other one
    other = start_session("staff")
    at.run()
    form = [w for w in at.text_input if w.label in (ZH["account.old"], ZH["account.new"], ZH["account.repeat"])]
    for w, value in zip(form, (demo_password(), "newpassword1", "newpassword1")):
        w.input(value)
    next(b for b in at.button if b.label == ZH["rec.save"]).click()
    at.run()
    assert not at.exception and not _login_shown(at)
    assert _alive(at.session_state["_sid"]) and not _alive(other)
    with session_scope() as s:
        assert s.execute(select(UserSession.revoked_reason).where(
            UserSession.sid_hash == sessions.digest(other))).scalar_one() == "password_change"


def _alive(sid: str) -> bool:
    from components.auth import sid_alive

    return sid_alive(sid)
