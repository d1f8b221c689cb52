"""Accounts: login bookkeeping (failed attempts, lock-out), the credentials handed to
streamlit-authenticator, the admin's user management and each user's own password."""
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
from db.models import Community, Grid, User
from db.models.users import USER_LEDGER
from services import audit, records, sessions, settings
from services.access import ROLES, SYSTEM, Actor, require
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
    require(actor, "users", "edit")
    user = records.get_live(session, User, user_id)
    new = _check_new_password(session, new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    user.updated_by = actor.username
    session.flush()
    audit.record(session, actor, "reset_password", "app_user", user.id)
    sessions.revoke_all(session, user.id, "reset", actor=actor)


# --- admin: users --------------------------------------------------------------------------

@dataclass
class UserData:
    username: str
    display_name: str
    role: str
    email: str | None = None
    community_ids: tuple[int, ...] = ()
    grid_ids: tuple[int, ...] = ()
    disabled: bool = False


def _validate(session: Session, data: UserData, creating: bool) -> tuple[str, list[Community], list[Grid]]:
    errors = {}
    username = normalize_username(data.username)
    if creating and username is None:
        errors["username"] = "err.username_format"
    display = records.clean_text(data.display_name)
    if not display:
        errors["display_name"] = "err.required"
    elif len(display) > 100:
        errors["display_name"] = "err.too_long"
    if data.role not in ROLES:
        errors["role"] = "err.bad_choice"
    email = records.clean_text(data.email)
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors["email"] = "err.email_format"
    communities = session.execute(select(Community).where(Community.id.in_(data.community_ids or [-1]),
                                                          Community.deleted_at.is_(None))).scalars().all()
    grids = session.execute(select(Grid).where(Grid.id.in_(data.grid_ids or [-1]),
                                               Grid.deleted_at.is_(None))).scalars().all()
    if data.role in ("manager", "volunteer") and len(communities) != 1:
        errors["community_ids"] = "err.scope_one_community"
    if data.role == "supervisor" and not communities:
        errors["community_ids"] = "err.scope_communities"
    if data.role == "staff" and not grids:
        errors["grid_ids"] = "err.scope_grids"
    if errors:
        raise ValidationError(errors)
    if data.role == "admin":
        communities, grids = [], []
    elif data.role != "staff":
        grids = []
    else:
        communities = []
    return username, communities, grids


def create_user(session: Session, actor: Actor, data: UserData, password: str) -> User:
    require(actor, "users", "edit")
    username, communities, grids = _validate(session, data, creating=True)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise Duplicate("err.username_taken")
    password = _check_new_password(session, password, username)
    user = User(username=username, display_name=records.clean_text(data.display_name), role=data.role,
                email=records.clean_text(data.email), password_hash=hash_password(password),
                disabled=data.disabled, must_change_password=actor is not SYSTEM,
                created_by=actor.username, updated_by=actor.username)
    user.communities, user.grids = communities, grids
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "app_user", user.id, None, _user_snapshot(user))
    return user


def update_user(session: Session, actor: Actor, user_id: int, data: UserData, expected_version: int | None) -> User:
    require(actor, "users", "edit")
    user = records.get_live(session, User, user_id)
    records.check_version(user, expected_version)
    _, communities, grids = _validate(session, data, creating=False)
    if user.id == actor.user_id and (data.disabled or data.role != "admin"):
        raise PermissionDenied("err.self_lockout")
    before = _user_snapshot(user)
    user.display_name, user.role = records.clean_text(data.display_name), data.role
    user.email, user.disabled = records.clean_text(data.email), data.disabled
    user.communities, user.grids = communities, grids
    if _user_snapshot(user) != before:
        user.updated_by = actor.username
        user.updated_at = utcnow()  # scope lists alone do not touch the row; this bumps its version
        session.flush()
        audit.record(session, actor, "update", "app_user", user.id, before, _user_snapshot(user))
    if user.disabled:  # disabled now or before: no session of it may go on
        sessions.revoke_all(session, user.id, "disabled", actor=actor)
    return user


def _user_snapshot(user: User) -> dict:
    snap = audit.snapshot(user)
    snap["community_ids"] = sorted(c.id for c in user.communities)
    snap["grid_ids"] = sorted(g.id for g in user.grids)
    return snap


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    require(actor, "users", "view")
    return records.get_live(session, User, user_id)


def list_users(session: Session, actor: Actor, *, search: str | None = None, filters: dict | None = None,
               sort: str | None = None, descending: bool = False, limit: int = 50, offset: int = 0) -> records.Page:
    require(actor, "users", "view")
    conds = [User.deleted_at.is_(None)]
    role = (filters or {}).get("role")
    if role:
        conds.append(User.role == role)
    if (filters or {}).get("id"):
        conds.append(User.id == filters["id"])
    term = records.clean_text(search)
    if term:
        like = f"%{term}%"
        conds.append(or_(User.username.ilike(like), User.display_name.ilike(like)))
    total = session.execute(select(func.count()).select_from(User).where(*conds)).scalar_one()
    users = session.execute(select(User).where(*conds).order_by(*records.sort_order(USER_LEDGER, sort, descending))
                            .limit(limit).offset(offset)).scalars().all()
    now = utcnow()
    rows = [{"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
             "communities": ", ".join(c.name for c in u.communities),
             "grids": ", ".join(g.name for g in u.grids), "disabled": u.disabled,
             "locked": bool(u.locked_until and u.locked_until > now), "last_login_at": u.last_login_at,
             "email": u.email, "community_ids": [c.id for c in u.communities], "grid_ids": [g.id for g in u.grids],
             "version": u.version, "updated_at": u.updated_at, "updated_by": u.updated_by} for u in users]
    return records.Page(rows, total)


def unlock(session: Session, actor: Actor, user_id: int) -> None:
    require(actor, "users", "edit")
    user = records.get_live(session, User, user_id)
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
    return create_user(session, SYSTEM, UserData(username=username, display_name=display_name, role="admin"),
                       password)
