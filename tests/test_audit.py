"""The audit log: every service write appends in its transaction; the chain finds tampering."""
from sqlalchemy import delete, func, select, update

from db.models import AuditLog, Community
from services import audit, ledgers, places
from services.access import SYSTEM


def _make_entries(db, n=4):
    with db(write=True) as s:
        for i in range(n):
            ledgers.save(s, SYSTEM, places.ledger("community"), {"code": f"C{i}", "name": f"社区{i}"})


def test_each_write_appends_one_linked_entry(db):
    _make_entries(db, 3)
    with db() as s:
        rows = s.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
        assert [r.action for r in rows] == ["create"] * 3
        assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
        assert '"name": "社区1"' in rows[1].after
        assert audit.verify(s).ok and audit.verify(s).checked == 3
        assert audit.data_version(s) == rows[-1].id


def test_a_failed_write_leaves_no_entry(db):
    _make_entries(db, 1)
    try:
        with db(write=True) as s:
            ledgers.save(s, SYSTEM, places.ledger("community"), {"code": "X1", "name": "新社区"})
            raise RuntimeError("crash after the write, before commit")
    except RuntimeError:
        pass
    with db() as s:
        assert s.execute(select(func.count()).select_from(AuditLog)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Community)).scalar_one() == 1
        assert audit.verify(s).ok


def test_verify_finds_an_edited_entry(db):
    _make_entries(db)
    with db(write=True) as s:
        second = s.execute(select(AuditLog.id).order_by(AuditLog.id).offset(1).limit(1)).scalar_one()
        s.execute(update(AuditLog).where(AuditLog.id == second).values(after='{"name": "篡改"}'))
    with db() as s:
        result = audit.verify(s)
    # the payload no longer matches the digest the hash covers
    assert not result.ok and result.first_bad_id == second and result.problem == "audit.bad_payload"


def test_verify_finds_an_edited_header_or_digest(db):
    _make_entries(db)
    with db(write=True) as s:
        ids = s.execute(select(AuditLog.id).order_by(AuditLog.id)).scalars().all()
        s.execute(update(AuditLog).where(AuditLog.id == ids[1]).values(actor="someone"))
        s.execute(update(AuditLog).where(AuditLog.id == ids[2]).values(after_digest="0" * 64))
    with db() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad_id == ids[1] and result.problem == "audit.bad_hash"
    with db(write=True) as s:
        s.execute(update(AuditLog).where(AuditLog.id == ids[1]).values(actor="system"))
    with db() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad_id == ids[2] and result.problem == "audit.bad_hash"


def test_verify_finds_a_deleted_entry(db):
    _make_entries(db)
    with db(write=True) as s:
        ids = s.execute(select(AuditLog.id).order_by(AuditLog.id)).scalars().all()
        s.execute(delete(AuditLog).where(AuditLog.id == ids[1]))
    with db() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad_id == ids[2] and result.problem == "audit.bad_link"


def test_verify_finds_the_newest_entry_deleted(db):
    _make_entries(db)
    with db(write=True) as s:
        last = s.execute(select(func.max(AuditLog.id))).scalar_one()
        s.execute(delete(AuditLog).where(AuditLog.id == last))
    with db() as s:
        result = audit.verify(s)
    assert not result.ok and result.problem == "audit.bad_head"


def test_search_filters_and_pages(db):
    _make_entries(db, 5)
    with db() as s:
        page = audit.search(s, table_name="community", limit=2, offset=0)
        assert page.total == 5 and len(page.rows) == 2 and page.rows[0]["id"] > page.rows[1]["id"]
        assert audit.search(s, actor="nobody").total == 0


def test_entries_say_what_changed(db):
    from services.access import SYSTEM as actor

    _make_entries(db, 1)
    with db(write=True) as s:
        c = s.execute(select(Community)).scalar_one()
        ledgers.save(s, actor, places.ledger("community"), {"code": c.code, "name": "新名字", "phone": "010-1"}, c.id, c.version)
    with db() as s:
        newest = audit.search(s, limit=1).rows[0]
    assert newest["changes"] == [("name", "社区0", "新名字"), ("phone", None, "010-1")]
