"""Server-side sign-in sessions.

A password login starts a session: a random id (32 bytes, URL-safe) goes into the signed
re-login cookie and the Streamlit session; only its SHA-256 is stored. Every run, fragment
rerun and download callback checks it (:func:`check`): a session is valid while it is not
revoked, its account is live and enabled, its absolute lifetime (``session.max_hours``) has
not run out and it was used within ``session.idle_minutes``. Sign-out, a password change, an
administrator's reset and disabling an account revoke sessions at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import REVOKE_REASONS, User, UserSession
from services import audit, settings
from services.access import SYSTEM, Actor, require
from services.errors import NotFound, PermissionDenied

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at moves at most this often: no write per run
UA_MAX, IP_MAX = 200, 45

# verdicts of status(); those that need a write when check() acts on them
OK, TOUCH, IDLE, EXPIRED, INVALID = "ok", "touch", "idle", "expired", "invalid"
NEEDS_WRITE = frozenset({TOUCH, IDLE, EXPIRED})


def digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def _limits(session: Session) -> tuple[timedelta, timedelta]:
    idle = timedelta(minutes=float(settings.get(session, "session.idle_minutes")))
    lifetime = timedelta(hours=float(settings.get(session, "session.max_hours")))
    return idle, lifetime


def lifetime_hours(session: Session) -> float:
    """The absolute lifetime of a session, in hours (the re-login cookie never outlives it)."""
    return float(settings.get(session, "session.max_hours"))


def _user_actor(user: User) -> Actor:
    return Actor(user.id, user.username, user.role, user.display_name)


def _clip(value: str | None, size: int) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip()[:size] or None


def start(session: Session, user_id: int, user_agent: str | None = None, ip: str | None = None,
          now: datetime | None = None) -> str:
    """A new session for ``user_id``; returns the plain session id (never stored)."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None or user.disabled:
        raise NotFound()
    _, lifetime = _limits(session)
    sid = secrets.token_urlsafe(32)
    row = UserSession(sid_hash=digest(sid), user_id=user.id, created_at=now, last_seen_at=now,
                      expires_at=now + lifetime, user_agent=_clip(user_agent, UA_MAX), ip=_clip(ip, IP_MAX))
    session.add(row)
    session.flush()
    audit.record(session, _user_actor(user), "session_start", "user_session", row.id, None, _snapshot(row))
    return sid


def _snapshot(row: UserSession) -> dict:
    return audit.snapshot(row, exclude=("sid_hash",))


def _find(session: Session, sid: str | None) -> tuple[UserSession, User] | None:
    if not sid or not isinstance(sid, str) or len(sid) > 200:
        return None
    found = session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                            .where(UserSession.sid_hash == digest(sid))).first()
    return (found[0], found[1]) if found else None


def status(session: Session, sid: str | None, now: datetime | None = None) -> tuple[str, Actor | None]:
    """What :func:`check` would decide, without writing: (verdict, Actor or None). The Actor is
    given for ``ok`` and ``touch`` (valid, but last_seen_at is due to move)."""
    from services.users import to_actor  # services.users imports this module

    now = now or utcnow()
    found = _find(session, sid)
    if found is None:
        return INVALID, None
    row, user = found
    if row.revoked_at is not None or user.deleted_at is not None or user.disabled:
        return INVALID, None
    idle, _ = _limits(session)
    if now >= row.expires_at:
        return EXPIRED, None
    if now - row.last_seen_at >= idle:
        return IDLE, None
    return (TOUCH if now - row.last_seen_at >= TOUCH_EVERY else OK), to_actor(user)


def check(session: Session, sid: str | None, now: datetime | None = None) -> Actor | None:
    """The Actor of a valid session, or None. Moves last_seen_at (at most once a minute) and
    revokes a session it finds idle or past its lifetime."""
    now = now or utcnow()
    verdict, actor = status(session, sid, now)
    if verdict == TOUCH:
        session.execute(update(UserSession).where(UserSession.sid_hash == digest(sid))
                        .values(last_seen_at=now))
    elif verdict in (IDLE, EXPIRED):
        row, _ = _find(session, sid)
        _revoke_row(session, row, verdict, SYSTEM, now)
    return actor


def _revoke_row(session: Session, row: UserSession, reason: str, actor: Actor | None, now: datetime) -> None:
    if reason not in REVOKE_REASONS:
        raise ValueError(reason)
    if row.revoked_at is not None:
        return
    if actor is None:
        user = session.get(User, row.user_id)
        actor = _user_actor(user) if user else SYSTEM
    row.revoked_at, row.revoked_reason = now, reason
    session.flush()
    audit.record(session, actor, "session_revoke", "user_session", row.id, None,
                 {"user_id": row.user_id, "reason": reason})


def revoke(session: Session, sid: str | None, reason: str, actor: Actor | None = None,
           now: datetime | None = None) -> bool:
    """End one session (sign-out). True if a live session was ended."""
    found = _find(session, sid)
    if found is None or found[0].revoked_at is not None:
        return False
    _revoke_row(session, found[0], reason, actor, now or utcnow())
    return True


def revoke_all(session: Session, user_id: int, reason: str, except_sid: str | None = None,
               actor: Actor | None = None, now: datetime | None = None) -> int:
    """End every open session of ``user_id`` but ``except_sid``; returns how many."""
    now = now or utcnow()
    conds = [UserSession.user_id == user_id, UserSession.revoked_at.is_(None)]
    if except_sid:
        conds.append(UserSession.sid_hash != digest(except_sid))
    rows = session.execute(select(UserSession).where(*conds).order_by(UserSession.id)).scalars().all()
    for row in rows:
        _revoke_row(session, row, reason, actor, now)
    return len(rows)


def list_active(session: Session, actor: Actor, current_sid: str | None = None,
                now: datetime | None = None) -> list[dict]:
    """The actor's own open sessions, newest first, the current one marked."""
    require(actor, "account", "view")
    now = now or utcnow()
    idle, _ = _limits(session)
    rows = session.execute(select(UserSession).where(
        UserSession.user_id == actor.user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > now,
        UserSession.last_seen_at > now - idle).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).scalars().all()
    mine = digest(current_sid) if current_sid else None
    return [{"id": r.id, "created_at": r.created_at, "last_seen_at": r.last_seen_at, "expires_at": r.expires_at,
             "user_agent": r.user_agent, "ip": r.ip, "current": r.sid_hash == mine} for r in rows]


def end_other(session: Session, actor: Actor, session_id: int, now: datetime | None = None) -> None:
    """A user ends one of their own sessions (e.g. a phone left signed in); never anyone else's."""
    require(actor, "account", "edit")
    row = session.get(UserSession, session_id)
    if row is None:
        raise NotFound()
    if row.user_id != actor.user_id:
        raise PermissionDenied("err.session_not_yours")
    _revoke_row(session, row, "ended_by_user", actor, now or utcnow())


def end_all_others(session: Session, actor: Actor, current_sid: str | None, now: datetime | None = None) -> int:
    """Every session of the actor but the current one; returns how many were ended."""
    require(actor, "account", "edit")
    return revoke_all(session, actor.user_id, "ended_by_user", except_sid=current_sid, actor=actor, now=now)
