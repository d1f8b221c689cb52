"""audit chain over payload digests

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:00:00.000000

Adds ``before_digest``, ``after_digest`` (sha256 of the payload's JSON text, NULL for no
payload) and ``redacted_at`` to ``audit_log`` and re-chains every entry under the new formula:

    hash = sha256(json.dumps([prev_hash, at, actor, action, table_name, row_id, community_id,
                              before_digest, after_digest], ensure_ascii=False))

so that a payload can later be redacted (a purge) while the chain still verifies.

Both formulas are written out here, not imported from ``services.audit``: this migration must
keep doing what it did on the day it was written whatever the code becomes.

Before re-chaining, the old chain is checked under the old formula (the same walk as the old
``services.audit.verify``: link, hash over the raw payloads, and the head row). The upgrade
re-chains in any case — refusing would leave the database unable to upgrade at all, and
re-chaining from a verified prefix only would leave a chain that never verifies again — but
it does not do so silently: when there were entries, it appends one entry, action
``rechain`` (table ``audit_log``, actor ``system``), whose payload says how many entries were
re-chained, whether the old chain verified and, if not, the first bad entry and the problem
(an ``audit.*`` catalog key). That entry is itself part of the new chain, so the finding cannot
be removed later without breaking it. An empty log (a new database) gets no entry.

``at`` is read through a ``DateTime`` column so that it comes back as the same ``datetime``
the ORM gives ``verify`` on each backend (SQLite stores text, PostgreSQL a timestamp) and
is hashed as ``at.isoformat(timespec="microseconds")`` like before. Entries are read in id
order in batches and written back with one executemany per batch.

Downgrade re-chains under the old formula over the payloads as they are then (redacted
payloads included) and drops the columns.
"""
import hashlib
import json
import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 5000
log = logging.getLogger("alembic.runtime.migration")

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer), sa.column("at", sa.DateTime), sa.column("actor", sa.String),
    sa.column("action", sa.String), sa.column("table_name", sa.String), sa.column("row_id", sa.Integer),
    sa.column("community_id", sa.Integer), sa.column("before", sa.Text), sa.column("after", sa.Text),
    sa.column("before_digest", sa.String), sa.column("after_digest", sa.String),
    sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
)
audit_head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_id", sa.Integer),
                      sa.column("last_hash", sa.String), sa.column("count", sa.Integer))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _payload_digest(text):
    return None if text is None else _sha(text)


def _old_hash(prev_hash, r, before, after):
    return _sha(json.dumps([prev_hash, r.at.isoformat(timespec="microseconds"), r.actor, r.action, r.table_name,
                            r.row_id, r.community_id, before, after], ensure_ascii=False))


def _new_hash(prev_hash, at, actor, action, table_name, row_id, community_id, before_digest, after_digest):
    return _sha(json.dumps([prev_hash, at.isoformat(timespec="microseconds"), actor, action, table_name,
                            row_id, community_id, before_digest, after_digest], ensure_ascii=False))


def _batches(conn, columns):
    last_id = 0
    while True:
        rows = conn.execute(sa.select(*columns).where(audit_log.c.id > last_id)
                            .order_by(audit_log.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def _head(conn):
    return conn.execute(sa.select(audit_head).where(audit_head.c.id == 1)).first()


def _set_head(conn, last_id, last_hash, count) -> None:
    if _head(conn) is None:
        conn.execute(sa.insert(audit_head).values(id=1, last_id=last_id, last_hash=last_hash, count=count))
    else:
        conn.execute(sa.update(audit_head).where(audit_head.c.id == 1)
                     .values(last_id=last_id, last_hash=last_hash, count=count))


_UPDATE = (sa.update(audit_log).where(audit_log.c.id == sa.bindparam("b_id"))
           .values(before_digest=sa.bindparam("b_bd"), after_digest=sa.bindparam("b_ad"),
                   prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash")))


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('before_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('after_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('redacted_at', sa.DateTime(), nullable=True))

    conn = op.get_bind()
    c = audit_log.c
    cols = (c.id, c.at, c.actor, c.action, c.table_name, c.row_id, c.community_id, c.before, c.after,
            c.prev_hash, c.hash)
    old_prev, new_prev = GENESIS, GENESIS
    count, last_id = 0, 0
    problem, first_bad = None, None
    for rows in _batches(conn, cols):
        params = []
        for r in rows:
            if problem is None:  # the old verify, up to the first problem
                if r.prev_hash != old_prev:
                    problem, first_bad = "audit.bad_link", r.id
                elif _old_hash(r.prev_hash, r, r.before, r.after) != r.hash:
                    problem, first_bad = "audit.bad_hash", r.id
            old_prev = r.hash
            bd, ad = _payload_digest(r.before), _payload_digest(r.after)
            h = _new_hash(new_prev, r.at, r.actor, r.action, r.table_name, r.row_id, r.community_id, bd, ad)
            params.append({"b_id": r.id, "b_bd": bd, "b_ad": ad, "b_prev": new_prev, "b_hash": h})
            new_prev, count, last_id = h, count + 1, r.id
        conn.execute(_UPDATE, params)
    if not count:
        return  # a new database: nothing to re-chain, nothing to report

    head = _head(conn)
    if problem is None and (head is None or head.last_hash != old_prev or head.count != count):
        problem, first_bad = "audit.bad_head", (head.last_id if head is not None else None)
    if problem is not None:
        log.warning("audit chain did not verify before re-chaining (%s at entry %s); recorded in the "
                    "rechain entry", problem, first_bad)

    at = datetime.now(timezone.utc).replace(tzinfo=None)
    after = json.dumps({"rechained": count, "old_chain_ok": problem is None, "old_problem": problem,
                        "old_first_bad_id": first_bad, "formula": "digests"}, ensure_ascii=False, sort_keys=True)
    ad = _payload_digest(after)
    h = _new_hash(new_prev, at, "system", "rechain", "audit_log", None, None, None, ad)
    entry_id = conn.execute(sa.insert(audit_log).values(
        at=at, actor="system", action="rechain", table_name="audit_log", row_id=None, community_id=None,
        before=None, after=after, before_digest=None, after_digest=ad, prev_hash=new_prev, hash=h)
        .returning(audit_log.c.id)).scalar_one()
    _set_head(conn, entry_id, h, count + 1)


def downgrade() -> None:
    conn = op.get_bind()
    c = audit_log.c
    cols = (c.id, c.at, c.actor, c.action, c.table_name, c.row_id, c.community_id, c.before, c.after)
    prev, count, last_id = GENESIS, 0, 0
    for rows in _batches(conn, cols):
        params = []
        for r in rows:
            h = _old_hash(prev, r, r.before, r.after)
            params.append({"b_id": r.id, "b_bd": None, "b_ad": None, "b_prev": prev, "b_hash": h})
            prev, count, last_id = h, count + 1, r.id
        conn.execute(_UPDATE, params)
    if count:
        _set_head(conn, last_id, prev, count)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('redacted_at')
        batch_op.drop_column('after_digest')
        batch_op.drop_column('before_digest')
