"""Accounts: lock-out after five failures, credentials for the authenticator, admin actions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.base import utcnow
from db.models import AuditLog, User
from db.models.users import USER_LEDGER
from services import ledgers, users
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
        row = ledgers.list_rows(s, admin, USER_LEDGER, search="volunteer").rows[0]
        data = {"username": "volunteer", "display_name": row["display_name"], "role": "volunteer",
                "community_ids": row["community_ids"], "disabled": True}
        ledgers.save(s, admin, USER_LEDGER, data, row["id"], row["version"])
    with db() as s:
        assert "volunteer" not in users.credentials(s)["usernames"]
        assert users.login_gate(s, "volunteer").status == "disabled"
        assert users.actor_for(s, "volunteer") is None


def test_admin_creates_user_with_scope_and_validation(db, demo_db):
    admin = actor_of(db, "admin")
    manager = actor_of(db, "manager")
    with db(write=True) as s:
        grid_ids = tuple(sorted(admin_grid for admin_grid in users.actor_for(s, "staff").grid_ids))
        u = ledgers.save(s, admin, USER_LEDGER, {"username": "Grid2", "display_name": "网格员 钱", "role": "staff",
                                                 "grid_ids": grid_ids[:1], "password": "s3cret-pass"})
        assert u.username == "grid2" and u.must_change_password
    with db() as s:
        actor = users.actor_for(s, "grid2")
        assert actor.grid_ids == frozenset(grid_ids[:1]) and len(actor.community_ids) == 1
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, admin, USER_LEDGER, {"username": "m2", "display_name": "", "role": "manager",
                                             "password": "short"})
    assert e.value.errors == {"display_name": "err.required", "community_ids": "err.scope_one_community"}
    with db(write=True) as s, pytest.raises(Duplicate):
        ledgers.save(s, admin, USER_LEDGER, {"username": "grid2", "display_name": "重名", "role": "staff",
                                             "grid_ids": grid_ids[:1], "password": "s3cret-pass"})
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, manager, USER_LEDGER, {"username": "m3", "display_name": "某人", "role": "admin",
                                               "password": "s3cret-pass"})


def test_stale_user_edit_names_who_changed_it(db, demo_db):
    admin = actor_of(db, "admin")
    with db() as s:
        row = ledgers.list_rows(s, admin, USER_LEDGER, search="supervisor").rows[0]
    data = {"username": "supervisor", "display_name": "街道主任 赵明（新）", "role": "supervisor",
            "community_ids": row["community_ids"]}
    with db(write=True) as s:
        ledgers.save(s, admin, USER_LEDGER, data, row["id"], row["version"])
    with db(write=True) as s, pytest.raises(StaleEdit) as e:
        ledgers.save(s, admin, USER_LEDGER, data, row["id"], row["version"])
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
        ledgers.save(s, admin, USER_LEDGER, {"username": "admin", "display_name": "管理员", "role": "admin",
                                             "disabled": True}, admin.user_id, None)


def test_first_admin_only_once(db):
    with db(write=True) as s:
        users.create_first_admin(s, "chief", "主任", "long-enough-1")
    with db(write=True) as s, pytest.raises(Duplicate):
        users.create_first_admin(s, "second", "又一个", "long-enough-2")


# --- the users ledger through the engine (services.ledgers + services.users hooks) ------------

def _form(row: dict, **changes) -> dict:
    """What the edit form sends for an account row, with ``changes``."""
    return {**{k: row[k] for k in ("username", "display_name", "role", "email", "community_ids", "grid_ids",
                                   "disabled")}, **changes}


def test_a_manager_may_neither_list_nor_open_nor_save_accounts(db, demo_db):
    manager, admin = actor_of(db, "manager"), actor_of(db, "admin")
    assert not ledgers.may(manager, USER_LEDGER, "view") and not ledgers.may(manager, USER_LEDGER, "create")
    assert ledgers.may(admin, USER_LEDGER, "create") and not ledgers.may(admin, USER_LEDGER, "delete")
    with db() as s:
        with pytest.raises(PermissionDenied):
            ledgers.list_rows(s, manager, USER_LEDGER)
        with pytest.raises(PermissionDenied):
            ledgers.get(s, manager, USER_LEDGER, manager.user_id)  # not even their own account
        row = ledgers.row(s, admin, USER_LEDGER, manager.user_id)
    with db(write=True) as s, pytest.raises(PermissionDenied):  # promoting themselves
        ledgers.save(s, manager, USER_LEDGER, _form(row, role="admin"), row["id"], row["version"])
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, manager, USER_LEDGER, {"username": "mine", "display_name": "某人", "role": "admin",
                                               "password": "s3cret-pass"})
    with db(write=True) as s, pytest.raises(PermissionDenied):
        users.unlock(s, manager, admin.user_id)
    with db() as s:
        assert users.actor_for(s, "manager").role == "manager" and users.actor_for(s, "mine") is None


def test_the_last_enabled_admin_is_neither_disabled_nor_demoted(db, demo_db):
    from services.access import SYSTEM

    admin, supervisor = actor_of(db, "admin"), actor_of(db, "supervisor")
    communities = sorted(supervisor.community_ids)
    with db() as s:
        row = ledgers.row(s, admin, USER_LEDGER, admin.user_id)
    for change in ({"disabled": True}, {"role": "supervisor", "community_ids": communities}):
        with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # a script, not the admin themselves
            ledgers.save(s, SYSTEM, USER_LEDGER, _form(row, **change), row["id"], row["version"])
        assert e.value.key == "err.last_admin"
    with db(write=True) as s:  # a second administrator, disabled, does not count
        chief = ledgers.save(s, admin, USER_LEDGER, {"username": "chief", "display_name": "主任", "role": "admin",
                                                     "password": "long-enough-1", "disabled": True}).id
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.save(s, SYSTEM, USER_LEDGER, _form(row, disabled=True), row["id"], row["version"])
    assert e.value.key == "err.last_admin"
    with db() as s:
        chief_row = ledgers.row(s, admin, USER_LEDGER, chief)
    with db(write=True) as s:  # enabled, it does: the first may step down, and the second is then the last
        ledgers.save(s, admin, USER_LEDGER, _form(chief_row, disabled=False), chief, chief_row["version"])
    with db(write=True) as s:
        ledgers.save(s, actor_of(db, "chief"), USER_LEDGER, _form(row, role="supervisor", community_ids=communities),
                     row["id"], row["version"])
    with db() as s:
        chief_row = ledgers.row(s, actor_of(db, "chief"), USER_LEDGER, chief)
        assert users.actor_for(s, "admin").role == "supervisor"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.save(s, SYSTEM, USER_LEDGER, _form(chief_row, disabled=True), chief, chief_row["version"])
    assert e.value.key == "err.last_admin"


def test_grids_changed_alone_are_one_audited_save_that_makes_older_forms_stale(db, demo_db):
    from db.models import Grid
    from services import audit, audit_read

    admin, staff = actor_of(db, "admin"), actor_of(db, "staff")
    with db() as s:
        row = ledgers.row(s, admin, USER_LEDGER, staff.user_id)
        kept, dropped = row["grid_ids"][0], row["grid_ids"][1]
        dropped_name = s.get(Grid, dropped).name
    with db(write=True) as s:
        ledgers.save(s, admin, USER_LEDGER, _form(row, grid_ids=[kept]), row["id"], row["version"])
    with db() as s:
        assert users.actor_for(s, "staff").grid_ids == frozenset({kept})
        assert ledgers.row(s, admin, USER_LEDGER, staff.user_id)["grid_ids"] == [kept]
        entry = audit.search(s, actor="admin", table_name="app_user", action="scope", row_id=row["id"]).rows
        said = audit_read.entries(s, admin, entry)
    assert len(said) == 1 and said[0]["record"] == row["display_name"]
    [(field, old, new)] = said[0]["changes"]  # the grids by name, not the community list that stayed empty
    assert field.name == "grid_ids" and dropped_name in old and dropped_name not in new
    with db(write=True) as s, pytest.raises(StaleEdit):  # a form loaded before the change
        ledgers.save(s, admin, USER_LEDGER, _form(row, display_name="网格员 吴磊（改）"), row["id"], row["version"])


def test_the_username_and_password_are_given_once_and_the_password_as_typed(db, demo_db):
    from services.bootstrap import demo_password

    admin, staff = actor_of(db, "admin"), actor_of(db, "staff")
    with db() as s:
        row = ledgers.row(s, admin, USER_LEDGER, staff.user_id)
    with db(write=True) as s:
        ledgers.save(s, admin, USER_LEDGER, _form(row, username="takeover", password="another-pass-1"),
                     row["id"], row["version"])
    with db() as s:
        assert users.actor_for(s, "takeover") is None
        assert users.check_password(demo_password(), users.credentials(s)["usernames"]["staff"]["password"])
    typed = "Ｐａｓｓ－ｗｏｒｄ１"  # full-width, as a Chinese input method may type it
    with db(write=True) as s:
        uid = ledgers.save(s, admin, USER_LEDGER, {"username": "quanjiao", "display_name": "全角", "role": "admin",
                                                   "password": typed}).id
    with db() as s:
        hashed = users.credentials(s)["usernames"]["quanjiao"]["password"]
        assert users.check_password(typed, hashed) and not users.check_password("Pass-word1", hashed)
        after = s.execute(select(AuditLog.after).where(AuditLog.table_name == "app_user", AuditLog.row_id == uid,
                                                       AuditLog.action == "create")).scalar_one()
    assert typed not in after and "password_hash" not in after and hashed not in after
