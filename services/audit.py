"""Append-only audit log with a hash chain.

Every write through ``services`` calls :func:`record` inside the same transaction as the
write. Each entry's hash covers its own content and the previous entry's hash, so editing
or deleting any entry (other than the very last, see ``verify``) breaks the chain.
The newest entry id doubles as the data-version stamp that live views poll.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import AuditHead, AuditLog
from services.access import Actor

GENESIS = "0" * 64


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def to_json(data) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_default)


def snapshot(obj, exclude: tuple[str, ...] = ("password_hash",)) -> dict:
    """Column values of an ORM object, for ``before``/``after``."""
    mapper = inspect(obj).mapper
    return {c.key: getattr(obj, c.key) for c in mapper.column_attrs if c.key not in exclude}


def _digest(prev_hash: str, at: datetime, actor: str, action: str, table_name: str,
            row_id, community_id, before: str | None, after: str | None) -> str:
    payload = json.dumps([prev_hash, at.isoformat(timespec="microseconds"), actor, action, table_name,
                          row_id, community_id, before, after], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(session: Session, actor: Actor, action: str, table_name: str, row_id: int | None,
           before: dict | None = None, after: dict | None = None,
           community_id: int | None = None) -> AuditLog:
    """Append one entry in the caller's transaction."""
    session.flush()  # the write being audited gets its id first
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS, count=0)
        session.add(head)
    prev = head.last_hash
    at = utcnow()
    b, a = to_json(before), to_json(after)
    entry = AuditLog(at=at, actor=actor.username, action=action, table_name=table_name, row_id=row_id,
                     community_id=community_id, before=b, after=a, prev_hash=prev,
                     hash=_digest(prev, at, actor.username, action, table_name, row_id, community_id, b, a))
    session.add(entry)
    session.flush()
    head.last_id, head.last_hash, head.count = entry.id, entry.hash, head.count + 1
    return entry


def record_many(session: Session, actor: Actor, action: str, table_name: str,
                entries: list[tuple[int | None, dict | None, dict | None, int | None]]) -> None:
    """Append many entries (row_id, before, after, community_id) under one lock of the head:
    for imports, where one entry per row must not cost one round trip per row."""
    if not entries:
        return
    session.flush()
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    prev = head.last_hash
    rows = []
    for row_id, before, after, community_id in entries:
        at = utcnow()
        b, a = to_json(before), to_json(after)
        digest = _digest(prev, at, actor.username, action, table_name, row_id, community_id, b, a)
        rows.append({"at": at, "actor": actor.username, "action": action, "table_name": table_name,
                     "row_id": row_id, "community_id": community_id, "before": b, "after": a,
                     "prev_hash": prev, "hash": digest})
        prev = digest
    ids = session.execute(insert(AuditLog).returning(AuditLog.id, sort_by_parameter_order=True), rows).scalars().all()
    head.last_id, head.last_hash, head.count = ids[-1], prev, head.count + len(rows)
    session.flush()


def data_version(session: Session) -> int:
    """A stamp that every audited write moves: the newest audit entry id (one indexed lookup)."""
    return session.execute(select(func.max(AuditLog.id))).scalar() or 0


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str | None = None  # catalog key: audit.bad_hash / audit.bad_link / audit.bad_head


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order. Finds an edited entry (its hash no longer matches), a deleted
    one (the next entry's ``prev_hash`` no longer links) and deleted newest entries (the chain
    ends before the head row says it does). Ids may have gaps: a rolled-back write uses one."""
    head = session.get(AuditHead, 1)
    prev_hash, checked, last_id = GENESIS, 0, 0
    while True:
        rows = session.execute(select(AuditLog).where(AuditLog.id > last_id).order_by(AuditLog.id)
                               .limit(batch)).scalars().all()
        if not rows:
            if head is not None and (head.last_hash != prev_hash or head.count != checked):
                return VerifyResult(False, checked, head.last_id, "audit.bad_head")
            if head is None and checked:
                return VerifyResult(False, checked, None, "audit.bad_head")
            return VerifyResult(True, checked)
        for e in rows:
            if e.prev_hash != prev_hash:
                return VerifyResult(False, checked, e.id, "audit.bad_link")
            expected = _digest(e.prev_hash, e.at, e.actor, e.action, e.table_name, e.row_id,
                               e.community_id, e.before, e.after)
            if expected != e.hash:
                return VerifyResult(False, checked, e.id, "audit.bad_hash")
            prev_hash, checked, last_id = e.hash, checked + 1, e.id
        for e in rows:
            session.expunge(e)


@dataclass
class AuditPage:
    rows: list[dict]
    total: int


def search(session: Session, *, actor: str | None = None, table_name: str | None = None,
           action: str | None = None, row_id: int | None = None, since: date | None = None,
           until: date | None = None, limit: int = 50, offset: int = 0) -> AuditPage:
    """Filtered, paged audit entries, newest first (for the admin page and record history)."""
    conds = []
    if actor:
        conds.append(AuditLog.actor == actor)
    if table_name:
        conds.append(AuditLog.table_name == table_name)
    if action:
        conds.append(AuditLog.action == action)
    if row_id is not None:
        conds.append(AuditLog.row_id == row_id)
    if since:
        conds.append(AuditLog.at >= datetime.combine(since, datetime.min.time()))
    if until:
        conds.append(AuditLog.at < datetime.combine(until, datetime.min.time()) + _ONE_DAY)
    total = session.execute(select(func.count()).select_from(AuditLog).where(*conds)).scalar_one()
    rows = session.execute(select(AuditLog).where(*conds).order_by(AuditLog.id.desc())
                           .limit(limit).offset(offset)).scalars().all()
    return AuditPage([{
        "id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "table": e.table_name,
        "row_id": e.row_id, "before": e.before, "after": e.after, "hash": e.hash[:12],
        "changes": changes(e.before, e.after),
    } for e in rows], total)


BOOKKEEPING = {"updated_at", "updated_by", "version", "created_at", "created_by", "id"}


def changes(before: str | None, after: str | None) -> list[tuple[str, object, object]]:
    """What an entry changed: (field, old, new) for the fields that differ, bookkeeping left out."""
    b = json.loads(before) if before else {}
    a = json.loads(after) if after else {}
    if not isinstance(a, dict) or not isinstance(b, dict):
        return []
    keys = [k for k in dict.fromkeys([*b, *a]) if k not in BOOKKEEPING]
    return [(k, b.get(k), a.get(k)) for k in keys if b.get(k) != a.get(k) and (b or a.get(k) not in (None, "", []))]


def distinct_values(session: Session) -> dict[str, list[str]]:
    return {
        "actor": list(session.execute(select(AuditLog.actor).distinct().order_by(AuditLog.actor)).scalars()),
        "table": list(session.execute(select(AuditLog.table_name).distinct().order_by(AuditLog.table_name)).scalars()),
        "action": list(session.execute(select(AuditLog.action).distinct().order_by(AuditLog.action)).scalars()),
    }


from datetime import timedelta as _td  # noqa: E402

_ONE_DAY = _td(days=1)
