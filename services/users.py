"""Accounts: login bookkeeping (failed attempts, lock-out), the credentials handed to
streamlit-authenticator, each user's own password, and what is special to the users ledger
(db.models.users.USER_LEDGER, listed, got and saved by services.ledgers): its save hooks — the
scope a role needs, the last administrator kept, the initial password hashed — and the
administrator's password reset and unlock."""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.declarations import Context
from db.models import Community, Grid, User
from db.models.users import USER_LEDGER
from services import audit, ledgers, records, sessions, settings
from services.access import SYSTEM, Actor, require
from services.errors import Duplicate, PermissionDenied, ValidationError

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
LANGUAGES = ("zh", "en")
BCRYPT_MAX_BYTES = 72


def normalize_username(raw: str | None) -> str | None:
    """Lower-case, NFKC, trimmed; None when it cannot be a username (too long, odd characters)."""
    if raw is None:
        return None
    name = unicodedata.normalize("NFKC", str(raw)).strip().lower()
    return name if USERNAME_RE.match(name) else None


def hash_password(password: str) -> str:
    # COMMUNITY_BCRYPT_ROUNDS lowers the cost for the test suite only; never below 4
    rounds = max(4, int(os.environ.get("COMMUNITY_BCRYPT_ROUNDS", "12")))
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:  # never a valid password here
        return False
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


def _live_users():
    return select(User).where(User.deleted_at.is_(None))


# --- login -----------------------------------------------------------------------------

def credentials(session: Session, now: datetime | None = None) -> dict:
    """The dict streamlit-authenticator takes: active users only. A disabled or locked user is
    left out, so neither a password nor a re-login cookie lets them in."""
    now = now or utcnow()
    users = session.execute(_live_users().where(User.disabled.is_(False),
                                                or_(User.locked_until.is_(None), User.locked_until <= now))
                            ).scalars().all()
    return {"usernames": {u.username: {"name": u.display_name, "email": u.email or f"{u.username}@localhost",
                                       "password": u.password_hash, "roles": [u.role]} for u in users}}


@dataclass
class Gate:
    """What the login form may do for this username now."""

    status: str  # "ok" | "locked" | "disabled" | "unknown"
    minutes_left: int = 0


def login_gate(session: Session, username: str, now: datetime | None = None) -> Gate:
    now = now or utcnow()
    user = session.execute(_live_users().where(User.username == username)).scalar_one_or_none()
    if user is None:
        return Gate("unknown")
    if user.disabled:
        return Gate("disabled")
    if user.locked_until is not None:
        if user.locked_until > now:
            return Gate("locked", max(1, int((user.locked_until - now).total_seconds() // 60) + 1))
        session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None))
    return Gate("ok")


def record_failure(session: Session, username: str, now: datetime | None = None) -> Gate:
    """Count a failed login. The attempt that reaches the limit locks the account."""
    now = now or utcnow()
    user = session.execute(_live_users().where(User.username == username)).scalar_one_or_none()
    if user is None:
        return Gate("unknown")
    limit = int(settings.get(session, "login.max_attempts"))
    minutes = int(settings.get(session, "login.lock_minutes"))
    session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    session.refresh(user)
    actor = Actor(user.id, username, user.role)
    audit.record(session, actor, "login_failed", "app_user", user.id, None, {"failed_logins": user.failed_logins})
    if user.failed_logins >= limit:
        until = now + timedelta(minutes=minutes)
        session.execute(update(User).where(User.id == user.id).values(locked_until=until))
        audit.record(session, actor, "locked", "app_user", user.id, None, {"locked_until": until})
        return Gate("locked", minutes)
    return Gate("ok")


def record_success(session: Session, username: str) -> None:
    user = session.execute(_live_users().where(User.username == username)).scalar_one()
    session.execute(update(User).where(User.id == user.id)
                    .values(failed_logins=0, locked_until=None, last_login_at=utcnow()))
    audit.record(session, Actor(user.id, username, user.role), "login", "app_user", user.id)


def actor_for(session: Session, username: str | None) -> Actor | None:
    """The Actor of an active account, with its scope; None if it is unknown or disabled."""
    if not username:
        return None
    user = session.execute(_live_users().where(User.username == username, User.disabled.is_(False))
                           ).scalar_one_or_none()
    return to_actor(user) if user else None


def to_actor(user: User) -> Actor:
    grid_ids = frozenset(g.id for g in user.grids if g.deleted_at is None)
    communities = frozenset(c.id for c in user.communities if c.deleted_at is None)
    if user.role == "admin":
        return Actor(user.id, user.username, user.role, user.display_name, None, None, user.language,
                     {"must_change_password": user.must_change_password})
    if user.role == "staff":
        communities = communities | frozenset(g.community_id for g in user.grids if g.deleted_at is None)
        return Actor(user.id, user.username, user.role, user.display_name, communities, grid_ids, user.language,
                     {"must_change_password": user.must_change_password})
    return Actor(user.id, user.username, user.role, user.display_name, communities, None, user.language,
                 {"must_change_password": user.must_change_password})


def set_language(session: Session, actor: Actor, language: str) -> None:
    if language not in LANGUAGES or actor.user_id is None:
        return
    user = session.get(User, actor.user_id)
    if user and user.language != language:
        before = {"language": user.language}
        session.execute(update(User).where(User.id == user.id).values(language=language))
        audit.record(session, actor, "set_language", "app_user", user.id, before, {"language": language})


# --- passwords ---------------------------------------------------------------------------

def _check_new_password(session: Session, password: str | None, username: str) -> str:
    password = (password or "").strip()
    shortest = int(settings.get(session, "password.min_length"))
    longest = min(int(settings.get(session, "password.max_length")), BCRYPT_MAX_BYTES)
    if len(password) < shortest:
        raise ValidationError({"password": "err.password_short"}, min=shortest)
    # bcrypt reads 72 bytes at most (a Chinese character is 3): refuse rather than truncate or fail
    if len(password) > longest or len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        raise ValidationError({"password": "err.password_long"}, max=longest)
    if password.lower() == username.lower():
        raise ValidationError({"password": "err.password_is_username"})
    return password


def change_own_password(session: Session, actor: Actor, old: str, new: str, repeat: str,
                        current_sid: str | None = None) -> None:
    """Every other session of the user ends; ``current_sid`` (the one changing it) keeps working."""
    require(actor, "account", "edit")
    user = records.get_live(session, User, actor.user_id)
    if not check_password((old or "").strip(), user.password_hash):
        raise ValidationError({"old": "err.password_wrong"})
    if (new or "").strip() != (repeat or "").strip():
        raise ValidationError({"repeat": "err.password_mismatch"})
    new = _check_new_password(session, new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.updated_by = actor.username
    session.flush()
    audit.record(session, actor, "change_password", "app_user", user.id)
    sessions.revoke_all(session, user.id, "password_change", except_sid=current_sid, actor=actor)


def reset_password(session: Session, actor: Actor, user_id: int, new: str) -> None:
    """An administrator's new password for an account: to be changed at its next sign-in; the
    lock-out lifted; every session of it ends."""
    require(actor, "users", "edit")
    user = ledgers.get(session, actor, USER_LEDGER, user_id)
    new = _check_new_password(session, new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    user.updated_by = actor.username
    session.flush()
    audit.record(session, actor, "reset_password", "app_user", user.id)
    sessions.revoke_all(session, user.id, "reset", actor=actor)


# --- admin: the users ledger (db.models.users.USER_LEDGER) -----------------------------------
# The engine (services.ledgers) lists, gets and saves accounts; these hooks are what is special.

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _live_ids(session: Session, model, ids) -> list[int]:
    wanted = [i for i in ids or [] if isinstance(i, int)]
    if not wanted:
        return []
    return sorted(session.execute(select(model.id).where(model.id.in_(wanted), model.deleted_at.is_(None)))
                  .scalars())


def _admins_left(session: Session, user_id: int) -> int:
    """Enabled administrators other than ``user_id``."""
    return session.execute(select(func.count()).select_from(User).where(
        User.role == "admin", User.disabled.is_(False), User.deleted_at.is_(None), User.id != user_id)).scalar_one()


def clean(ctx: Context, values: dict) -> None:
    """The save hook of USER_LEDGER: the username normalised (a new account), the e-mail's form,
    the scope the role needs (supervisor: communities; manager, volunteer: one community; staff:
    grids; admin: everything), nobody disabling or demoting themselves or the last enabled
    administrator; a new account's password checked and hashed, to be changed at first sign-in
    (unless the app itself makes it)."""
    session, obj = ctx.session, ctx.obj
    errors = {}
    if obj is None and "username" in values:
        values["username"] = normalize_username(values["username"])
        if values["username"] is None:
            errors["username"] = "err.username_format"
    if values.get("email") and not EMAIL_RE.match(values["email"]):
        errors["email"] = "err.email_format"
    role = values.get("role")
    communities = _live_ids(session, Community, values.get("community_ids"))
    grids = _live_ids(session, Grid, values.get("grid_ids"))
    if role in ("manager", "volunteer") and len(communities) != 1:
        errors["community_ids"] = "err.scope_one_community"
    if role == "supervisor" and not communities:
        errors["community_ids"] = "err.scope_communities"
    if role == "staff" and not grids:
        errors["grid_ids"] = "err.scope_grids"
    if errors:
        raise ValidationError(errors)
    values["community_ids"] = [] if role in ("admin", "staff") else communities
    values["grid_ids"] = grids if role == "staff" else []
    if obj is not None:
        leaves = values["disabled"] or role != "admin"
        if obj.id == ctx.actor.user_id and leaves:
            raise PermissionDenied("err.self_lockout")
        if obj.role == "admin" and not obj.disabled and leaves and not _admins_left(session, obj.id):
            raise PermissionDenied("err.last_admin")
        return
    values["password_hash"] = hash_password(_check_new_password(session, values.pop("password", None),
                                                                values["username"]))
    values["must_change_password"] = ctx.actor is not SYSTEM


def after_save(ctx: Context, user: User, created: bool) -> None:
    """The account's communities and grids written (one audit entry "scope" when they changed;
    the row's version moves, so a form loaded before is stale); a disabled account — disabled now
    or before — has no session that goes on."""
    session, actor = ctx.session, ctx.actor
    before = {"community_ids": sorted(c.id for c in user.communities), "grid_ids": sorted(g.id for g in user.grids)}
    values = ctx.values or {}
    after = {"community_ids": sorted(values.get("community_ids") or []), "grid_ids": sorted(values.get("grid_ids") or [])}
    if after != before:
        user.communities = list(session.execute(select(Community).where(Community.id.in_(after["community_ids"])))
                                .scalars())
        user.grids = list(session.execute(select(Grid).where(Grid.id.in_(after["grid_ids"]))).scalars())
        user.updated_by, user.updated_at = actor.username, utcnow()  # links alone do not touch the row
        session.flush()
        audit.record(session, actor, "scope", "app_user", user.id, before, after)
    if user.disabled and not created:
        sessions.revoke_all(session, user.id, "disabled", actor=actor)


def expand(session: Session, actor: Actor, rows: list[dict]) -> None:
    """The listed accounts' community and grid ids (two queries for the page)."""
    from db.models.users import user_community, user_grid

    ids = [r["id"] for r in rows]
    scope = {i: ([], []) for i in ids}
    for user_id, community_id in session.execute(select(user_community.c.user_id, user_community.c.community_id)
                                                 .where(user_community.c.user_id.in_(ids))):
        scope[user_id][0].append(community_id)
    for user_id, grid_id in session.execute(select(user_grid.c.user_id, user_grid.c.grid_id)
                                            .where(user_grid.c.user_id.in_(ids))):
        scope[user_id][1].append(grid_id)
    for r in rows:
        r["community_ids"], r["grid_ids"] = sorted(scope[r["id"]][0]), sorted(scope[r["id"]][1])


def unlock(session: Session, actor: Actor, user_id: int) -> None:
    """Lift a lock-out by failed sign-ins before it runs out."""
    require(actor, "users", "edit")
    user = ledgers.get(session, actor, USER_LEDGER, user_id)
    session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None))
    audit.record(session, actor, "unlock", "app_user", user.id)


def display_names(session: Session, usernames) -> dict[str, str]:
    """Login name -> the person's name, for everything a person reads (timelines, reports,
    statements). A name not found (``system``, a free-text name) stays as it is."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    found = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())
    return {u: found.get(u, u) for u in wanted}


def inspectors(session: Session, actor: Actor) -> dict[str, str]:
    """The people facilities in the actor's scope name as their inspector: login name -> the
    person's name, sorted by name (the calendar's filter of people)."""
    from db.models.safety import Facility
    from services.access import community_clause, grid_clause

    require(actor, "schedule", "view")
    usernames = session.execute(select(Facility.inspector).distinct().where(
        Facility.deleted_at.is_(None), Facility.status != "停用", Facility.inspector.is_not(None),
        Facility.inspector != "", community_clause(actor, Facility.community_id),
        grid_clause(actor, Facility.grid_id))).scalars().all()
    names = display_names(session, usernames)
    return dict(sorted(names.items(), key=lambda kv: (kv[1], kv[0])))


def count_users(session: Session) -> int:
    return session.execute(select(func.count()).select_from(User).where(User.deleted_at.is_(None))).scalar_one()


def create_first_admin(session: Session, username: str, display_name: str, password: str) -> User:
    """For ``make admin``: the first administrator of a database that has none."""
    if session.execute(select(User.id).where(User.role == "admin", User.deleted_at.is_(None))).first():
        raise Duplicate("err.admin_exists")
    return ledgers.save(session, SYSTEM, USER_LEDGER, {"username": username, "display_name": display_name,
                                                       "role": "admin", "password": password})
