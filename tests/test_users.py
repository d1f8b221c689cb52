"""Accounts: lock-out after five failures, credentials for the authenticator, admin actions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.base import utcnow
from db.models import AuditLog, User
from services import users
from services.errors import Duplicate, PermissionDenied, StaleEdit, ValidationError
from tests.conftest import actor_of


def test_five_failures_lock_for_fifteen_minutes_then_release(db, demo_db):
    with db(write=True) as s:
        gates = [users.record_failure(s, "staff").status for _ in range(5)]
    assert gates == ["ok", "ok", "ok", "ok", "locked"]
    with db() as s:
        gate = users.login_gate(s, "staff")
        assert gate.status == "locked" and 14 <= gate.minutes_left <= 16
        assert "staff" not in users.credentials(s)["usernames"]  # neither password nor cookie gets in
        assert [a for a in s.execute(select(AuditLog.action).where(AuditLog.actor == "staff")).scalars()] \
            == ["login_failed"] * 5 + ["locked"]
    later = utcnow() + timedelta(minutes=16)
    with db(write=True) as s:
        assert users.login_gate(s, "staff", now=later).status == "ok"
    with db() as s:
        assert s.execute(select(User.failed_logins).where(User.username == "staff")).scalar_one() == 0


def test_success_resets_the_counter(db, demo_db):
    with db(write=True) as s:
        for _ in range(3):
            users.record_failure(s, "manager")
        users.record_success(s, "manager")
        assert users.record_failure(s, "manager").status == "ok"
    with db() as s:
        assert s.execute(select(User.failed_logins).where(User.username == "manager")).scalar_one() == 1


def test_unknown_and_hostile_usernames(db, demo_db):
    assert users.normalize_username("x" * 500) is None
    assert users.normalize_username("admin' OR '1'='1") is None
    assert users.normalize_username("  ＡＤＭＩＮ ") == "admin"  # full-width and case are normalised
    with db(write=True) as s:
        assert users.login_gate(s, "nobody").status == "unknown"
        assert users.record_failure(s, "nobody").status == "unknown"


def test_disabled_user_is_out_everywhere(db, demo_db):
    admin = actor_of(db, "admin")
    with db(write=True) as s:
        row = users.list_users(s, admin, search="volunteer").rows[0]
        data = users.UserData(username="volunteer", display_name=row["display_name"], role="volunteer",
                              community_ids=tuple(row["community_ids"]), disabled=True)
        users.update_user(s, admin, row["id"], data, row["version"])
    with db() as s:
        assert "volunteer" not in users.credentials(s)["usernames"]
        assert users.login_gate(s, "volunteer").status == "disabled"
        assert users.actor_for(s, "volunteer") is None


def test_admin_creates_user_with_scope_and_validation(db, demo_db):
    admin = actor_of(db, "admin")
    manager = actor_of(db, "manager")
    with db(write=True) as s:
        grid_ids = tuple(sorted(admin_grid for admin_grid in users.actor_for(s, "staff").grid_ids))
        u = users.create_user(s, admin, users.UserData("Grid2", "网格员 钱", "staff", grid_ids=grid_ids[:1]),
                              "s3cret-pass")
        assert u.username == "grid2" and u.must_change_password
    with db() as s:
        actor = users.actor_for(s, "grid2")
        assert actor.grid_ids == frozenset(grid_ids[:1]) and len(actor.community_ids) == 1
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        users.create_user(s, admin, users.UserData("m2", "", "manager"), "short")
    assert e.value.errors == {"display_name": "err.required", "community_ids": "err.scope_one_community"}
    with db(write=True) as s, pytest.raises(Duplicate):
        users.create_user(s, admin, users.UserData("grid2", "重名", "staff", grid_ids=grid_ids[:1]), "s3cret-pass")
    with db(write=True) as s, pytest.raises(PermissionDenied):
        users.create_user(s, manager, users.UserData("m3", "某人", "admin"), "s3cret-pass")


def test_stale_user_edit_names_who_changed_it(db, demo_db):
    admin = actor_of(db, "admin")
    with db() as s:
        row = users.list_users(s, admin, search="supervisor").rows[0]
    data = users.UserData("supervisor", "街道主任 赵明（新）", "supervisor", community_ids=tuple(row["community_ids"]))
    with db(write=True) as s:
        users.update_user(s, admin, row["id"], data, row["version"])
    with db(write=True) as s, pytest.raises(StaleEdit) as e:
        users.update_user(s, admin, row["id"], data, row["version"])
    assert e.value.params["by"] == "admin"


def test_passwords_change_and_reset(db, demo_db):
    staff, admin = actor_of(db, "staff"), actor_of(db, "admin")
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        users.change_own_password(s, staff, "wrong", "newpassword1", "newpassword1")
    assert e.value.errors == {"old": "err.password_wrong"}
    with db(write=True) as s:
        users.change_own_password(s, staff, "community", "newpassword1", "newpassword1")
    with db() as s:
        assert users.check_password("newpassword1", users.credentials(s)["usernames"]["staff"]["password"])
    with db(write=True) as s:
        users.reset_password(s, admin, staff.user_id, "temporary-1")
    with db() as s:
        assert users.actor_for(s, "staff").extra["must_change_password"]
    with db(write=True) as s, pytest.raises(PermissionDenied):
        users.reset_password(s, staff, admin.user_id, "takeover-1")


def test_admin_cannot_lock_themselves_out(db, demo_db):
    admin = actor_of(db, "admin")
    with db(write=True) as s, pytest.raises(PermissionDenied):
        users.update_user(s, admin, admin.user_id, users.UserData("admin", "管理员", "admin", disabled=True), None)


def test_first_admin_only_once(db):
    with db(write=True) as s:
        users.create_first_admin(s, "chief", "主任", "long-enough-1")
    with db(write=True) as s, pytest.raises(Duplicate):
        users.create_first_admin(s, "second", "又一个", "long-enough-2")
