"""Append-only audit log with a hash chain over payload digests.

Every write through ``services`` calls :func:`record` inside the same transaction as the
write. An entry stores its payloads (``before``/``after`` JSON) and their sha256 digests;
its hash covers the previous entry's hash, its header (time, actor, action, table, row,
community) and the two digests, never the payloads themselves. So editing or deleting any
entry (other than the very last, see ``verify``) breaks the chain, an edited payload no
longer matches its digest, and yet :func:`redact` can later replace a person's data in a
payload (a purge) while the chain still verifies: the digest stays, the entry is marked
``redacted_at`` and a new ``redact`` entry names it.
The newest entry id doubles as the data-version stamp that live views poll.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import bindparam, func, insert, inspect, or_, select, update
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


def decode(text: str | None) -> dict:
    """A payload's JSON text as a dict ({} for none or for what is not a JSON object)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def snapshot(obj, exclude: tuple[str, ...] = ("password_hash",)) -> dict:
    """Column values of an ORM object, for ``before``/``after``."""
    mapper = inspect(obj).mapper
    return {c.key: getattr(obj, c.key) for c in mapper.column_attrs if c.key not in exclude}


def payload_digest(text: str | None) -> str | None:
    """sha256 of a payload's JSON text; None for no payload."""
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest(prev_hash: str, at: datetime, actor: str, action: str, table_name: str,
            row_id, community_id, before_digest: str | None, after_digest: str | None) -> str:
    """An entry's hash: over the previous hash, the header and the payload digests.
    (Migration 0006 carries its own copy of this formula; change neither alone.)"""
    payload = json.dumps([prev_hash, at.isoformat(timespec="microseconds"), actor, action, table_name,
                          row_id, community_id, before_digest, after_digest], ensure_ascii=False)
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
    bd, ad = payload_digest(b), payload_digest(a)
    entry = AuditLog(at=at, actor=actor.username, action=action, table_name=table_name, row_id=row_id,
                     community_id=community_id, before=b, after=a, before_digest=bd, after_digest=ad,
                     prev_hash=prev,
                     hash=_digest(prev, at, actor.username, action, table_name, row_id, community_id, bd, ad))
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
        bd, ad = payload_digest(b), payload_digest(a)
        digest = _digest(prev, at, actor.username, action, table_name, row_id, community_id, bd, ad)
        rows.append({"at": at, "actor": actor.username, "action": action, "table_name": table_name,
                     "row_id": row_id, "community_id": community_id, "before": b, "after": a,
                     "before_digest": bd, "after_digest": ad, "prev_hash": prev, "hash": digest})
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
    # catalog key: audit.bad_hash / audit.bad_payload / audit.bad_redaction / audit.bad_link / audit.bad_head
    problem: str | None = None


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order. Finds an edited entry (its hash no longer matches its header
    and digests: ``bad_hash``; a payload no longer matches its digest: ``bad_payload``), a
    deleted one (the next entry's ``prev_hash`` no longer links) and deleted newest entries (the
    chain ends before the head row says it does). A redacted entry's payload is not compared
    with its digest, but a later ``redact`` entry must name it (``bad_redaction``): marking an
    entry redacted by hand does not hide an edit. Ids may have gaps: a rolled-back write uses one."""
    head = session.get(AuditHead, 1)
    prev_hash, checked, last_id = GENESIS, 0, 0
    unexplained: set[int] = set()  # redacted entries no redact entry has named yet
    while True:
        rows = session.execute(select(AuditLog).where(AuditLog.id > last_id).order_by(AuditLog.id)
                               .limit(batch)).scalars().all()
        if not rows:
            if unexplained:
                return VerifyResult(False, checked, min(unexplained), "audit.bad_redaction")
            if head is not None and (head.last_hash != prev_hash or head.count != checked):
                return VerifyResult(False, checked, head.last_id, "audit.bad_head")
            if head is None and checked:
                return VerifyResult(False, checked, None, "audit.bad_head")
            return VerifyResult(True, checked)
        for e in rows:
            if e.prev_hash != prev_hash:
                return VerifyResult(False, checked, e.id, "audit.bad_link")
            expected = _digest(e.prev_hash, e.at, e.actor, e.action, e.table_name, e.row_id,
                               e.community_id, e.before_digest, e.after_digest)
            if expected != e.hash:
                return VerifyResult(False, checked, e.id, "audit.bad_hash")
            if e.redacted_at is None:
                if payload_digest(e.before) != e.before_digest or payload_digest(e.after) != e.after_digest:
                    return VerifyResult(False, checked, e.id, "audit.bad_payload")
            else:
                unexplained.add(e.id)
            if e.action == REDACT and e.redacted_at is None:
                unexplained.difference_update(_redacted_ids(e.after))
            prev_hash, checked, last_id = e.hash, checked + 1, e.id
        for e in rows:
            session.expunge(e)


def _redacted_ids(after: str | None) -> list[int]:
    try:
        ids = json.loads(after or "{}").get("entries", [])
    except (ValueError, AttributeError):
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


# --- redaction ---------------------------------------------------------------------------

REDACT = "redact"
REDACTED_MARK = "redacted"  # the key a redacted payload carries (True)
# what every redacted payload may keep: ids, scope and bookkeeping, never a person's data
ALWAYS_KEEP = ("id", "community_id", "version", "created_at", "created_by", "updated_at", "updated_by")


def redact(session: Session, actor: Actor, *, table_name: str, row_ids=(), match: dict | None = None,
           keep=(), community_id: int | None = None) -> int:
    """Replace the payloads of matching entries by what is not personal, keep their digests,
    set ``redacted_at`` and log the redaction as one ``redact`` entry (how many entries, which
    ids and which keys were kept — never a value). Returns the number of entries redacted.

    Matching entries are those of ``table_name`` whose ``row_id`` is in ``row_ids`` or whose
    ``before`` or ``after`` has every top-level ``key: value`` of ``match`` (e.g. the visits of
    a resident: ``match={"resident_id": 7}``). A redacted payload keeps only the keys in
    ``keep`` and :data:`ALWAYS_KEEP`, plus ``"redacted": true``. Callers check permissions;
    this runs in the caller's transaction."""
    row_ids = sorted({int(r) for r in row_ids})
    match = dict(match or {})
    if not row_ids and not match:
        raise ValueError("redact needs row_ids or match")
    kept_keys = set(keep) | set(ALWAYS_KEEP)
    session.flush()
    found: dict[int, tuple[str | None, str | None]] = {}
    cols = (AuditLog.id, AuditLog.before, AuditLog.after)
    for start in range(0, len(row_ids), 1000):
        chunk = row_ids[start:start + 1000]
        for i, b, a in session.execute(select(*cols).where(AuditLog.table_name == table_name,
                                                           AuditLog.row_id.in_(chunk))):
            found[i] = (b, a)
    if match:
        # the JSON text is written with sort_keys and ", "/": " separators: a cheap prefilter in
        # SQL, then the exact check on the decoded payload
        conds = []
        for k, v in match.items():
            needle = json.dumps(k, ensure_ascii=False) + ": " + json.dumps(v, ensure_ascii=False, default=_default)
            conds.append(or_(AuditLog.before.contains(needle, autoescape=True),
                             AuditLog.after.contains(needle, autoescape=True)))
        for i, b, a in session.execute(select(*cols).where(AuditLog.table_name == table_name, *conds)):
            if i not in found and (_matches(b, match) or _matches(a, match)):
                found[i] = (b, a)
    now = utcnow()
    changes = []
    for i in sorted(found):
        b, a = found[i]
        if b is None and a is None:
            continue  # nothing to redact (a sign-in, a reveal)
        changes.append({"b_id": i, "b_before": _redact_text(b, kept_keys), "b_after": _redact_text(a, kept_keys),
                        "b_at": now})
    if not changes:
        return 0
    stmt = (update(AuditLog).where(AuditLog.id == bindparam("b_id"))
            .values(before=bindparam("b_before"), after=bindparam("b_after"), redacted_at=bindparam("b_at")))
    for start in range(0, len(changes), 2000):
        session.connection().execute(stmt, changes[start:start + 2000])
    # the ORM may hold stale copies of these rows
    for obj in list(session.identity_map.values()):
        if isinstance(obj, AuditLog) and obj.id in found:
            session.expire(obj)
    record(session, actor, REDACT, table_name, row_ids[0] if len(row_ids) == 1 and not match else None, None,
           {"count": len(changes), "entries": [c["b_id"] for c in changes], "kept": sorted(kept_keys)},
           community_id=community_id)
    return len(changes)


def _matches(text: str | None, match: dict) -> bool:
    if not text:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and all(k in data and data[k] == json.loads(to_json(v)) for k, v in match.items())


def _redact_text(text: str | None, kept_keys: set[str]) -> str | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    kept = {k: v for k, v in data.items() if k in kept_keys and k != REDACTED_MARK} if isinstance(data, dict) else {}
    return to_json({**kept, REDACTED_MARK: True})


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
        "redacted_at": e.redacted_at, "changes": changes(e.before, e.after),
    } for e in rows], total)


BOOKKEEPING = {"updated_at", "updated_by", "version", "created_at", "created_by", "id", REDACTED_MARK}


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
