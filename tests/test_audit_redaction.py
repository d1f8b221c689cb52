"""The audit chain runs over payload digests: a purge redacts a person's data from every entry
about them and the chain still verifies; tampering is still found; migration 0006 re-chains an
old-format log. Both backends."""
from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url

from db.engine import dispose_engines, get_engine, session_scope
from db.migrate import alembic_config, current_revision, head_revision
from db.models import AuditHead, AuditLog, Resident, Visit
from db.models.residents import RESIDENT, VISIT
from services import audit, clock, ledgers, residents
from tests.conftest import _pg_admin, actor_of
from tests.test_idcard import make_id

NUMBER = make_id(region="450000", born="19470312", seq="127")
NAME = "欧阳紫薇"
PHONES = ("13855501234", "13955507788")
TAGS = ["独居老人", "残疾人"]


def _household(db):
    with db() as s:
        from db.models import Household

        return s.execute(select(Household.id).where(Household.community_id == 1).order_by(Household.id)).first()[0]


def _resident_with_history(db):
    """A resident created, edited twice, with two visits whose outcome names them."""
    manager = actor_of(db, "manager")
    data = {"name": NAME, "id_type": "居民身份证", "id_number": NUMBER, "household_id": _household(db),
            "residence_type": "自住", "phone": PHONES[0], "tags": TAGS[:1], "notes": f"{NAME}的备注"}
    with db(write=True) as s:
        rid = ledgers.save(s, manager, RESIDENT, data).id
    with db(write=True) as s:
        r = s.get(Resident, rid)
        ledgers.save(s, manager, RESIDENT, {**data, "id_number": "", "phone": PHONES[1], "tags": TAGS}, rid,
                     r.version)
    with db(write=True) as s:
        residents.set_status(s, manager, rid, "moved_out", clock.today(), s.get(Resident, rid).version)
    with db(write=True) as s:
        for days in (3, 10):
            ledgers.save(s, manager, VISIT, {"resident_id": rid, "visit_date": clock.today() - timedelta(days=days),
                                             "visit_type": "走访", "staff_name": "吴磊",
                                             "outcome": f"{NAME}身体好，电话{PHONES[1]}"})
    with db() as s:
        visit_ids = list(s.execute(select(Visit.id).where(Visit.resident_id == rid)).scalars())
        masked = s.get(Resident, rid).id_masked
    return rid, visit_ids, masked


def _personal_values(masked):
    return [NAME, *PHONES, "1947-03-12", masked, NUMBER]


def _audit_texts(s):
    return [(e.id, (e.before or "") + "\n" + (e.after or "")) for e in s.execute(select(AuditLog)).scalars()]


def test_purge_redacts_the_person_everywhere_and_the_chain_still_verifies(db, demo_db):
    rid, visit_ids, masked = _resident_with_history(db)
    with db() as s:
        texts = _audit_texts(s)
        assert any(NAME in t for _, t in texts) and any(PHONES[1] in t for _, t in texts)  # before the purge
        n_before = s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    with db(write=True) as s:
        residents.purge(s, actor_of(db, "admin"), rid)
    with db() as s:
        for value in _personal_values(masked):
            hits = [i for i, t in _audit_texts(s) if value in t]
            assert hits == [], (value, hits)
        # tags are vocabulary (visit rules name them too): none left in any entry about the resident
        about = [e for e in s.execute(select(AuditLog)).scalars()
                 if (e.table_name == "resident" and e.row_id == rid) or (e.table_name == "visit" and e.row_id in visit_ids)]
        assert len(about) == 7 and not any(tag in (e.before or "") + (e.after or "") for e in about for tag in TAGS)
        result = audit.verify(s)
        assert result.ok, result
        assert result.checked == n_before + 3  # two redactions (resident, visits) and the purge
        own = s.execute(select(AuditLog).where(AuditLog.table_name == "resident", AuditLog.row_id == rid)
                        .order_by(AuditLog.id)).scalars().all()
        assert [e.action for e in own] == ["create", "update", "status", "redact", "purge"]
        for e in own[:3]:
            assert e.redacted_at is not None and e.after_digest is not None
            after = json.loads(e.after)
            assert after["redacted"] is True and after["community_id"] == 1 and "name" not in after
        redactions = s.execute(select(AuditLog).where(AuditLog.action == "redact").order_by(AuditLog.id)).scalars().all()
        assert [r.table_name for r in redactions] == ["resident", "visit"]
        assert json.loads(redactions[0].after)["entries"] == [e.id for e in own[:3]]
        visit_entries = s.execute(select(AuditLog).where(AuditLog.table_name == "visit",
                                                         AuditLog.row_id.in_(visit_ids))).scalars().all()
        assert len(visit_entries) == 2 and all(e.redacted_at is not None for e in visit_entries)
        assert sorted(json.loads(redactions[1].after)["entries"]) == sorted(e.id for e in visit_entries)
        kept = json.loads(visit_entries[0].after)
        assert kept["resident_id"] == rid and "outcome" not in kept and kept["visit_type"] == "走访"
        purge = own[-1]
        assert purge.redacted_at is None and purge.after is None
        assert set(json.loads(purge.before)) <= {"community_id", "grid_id", "building_id", "household_id", "status"}
        # the admin's list says what happened instead of showing what is left
        row = next(r for r in audit.search(s, table_name="resident", row_id=rid).rows if r["action"] == "update")
        assert row["redacted_at"] is not None


def test_after_a_purge_tampering_is_still_found(db, demo_db):
    rid, _, _ = _resident_with_history(db)
    with db(write=True) as s:
        residents.purge(s, actor_of(db, "admin"), rid)
    with db() as s:
        redacted_id = s.execute(select(func.min(AuditLog.id)).where(AuditLog.redacted_at.is_not(None))).scalar_one()
        plain_id = s.execute(select(func.min(AuditLog.id)).where(AuditLog.redacted_at.is_(None),
                                                                 AuditLog.after.is_not(None))).scalar_one()

    def tamper(**values):
        entry_id = values.pop("entry_id")
        with db(write=True) as s:
            s.execute(update(AuditLog).where(AuditLog.id == entry_id).values(**values))
        with db() as s:
            return audit.verify(s)

    with db() as s:
        originals = {i: s.get(AuditLog, i) for i in (redacted_id, plain_id)}
        originals = {i: (e.after, e.after_digest, e.hash, e.redacted_at) for i, e in originals.items()}

    def restore(entry_id):
        after, digest, hash_, redacted_at = originals[entry_id]
        assert tamper(entry_id=entry_id, after=after, after_digest=digest, hash=hash_, redacted_at=redacted_at).ok

    # a payload nobody redacted must still match its digest
    r = tamper(entry_id=plain_id, after='{"name": "篡改"}')
    assert (r.ok, r.first_bad_id, r.problem) == (False, plain_id, "audit.bad_payload")
    restore(plain_id)
    # marking it redacted by hand does not hide the edit: no redact entry names it
    r = tamper(entry_id=plain_id, after='{"name": "篡改"}', redacted_at=datetime(2026, 1, 1))
    assert (r.ok, r.first_bad_id, r.problem) == (False, plain_id, "audit.bad_redaction")
    restore(plain_id)
    # a redacted payload is no longer compared with its digest (that is the point) …
    assert tamper(entry_id=redacted_id, after='{"redacted": true, "note": "anything"}').ok
    restore(redacted_id)
    # … but its digest and its hash are covered by the chain
    r = tamper(entry_id=redacted_id, after_digest="f" * 64)
    assert (r.ok, r.first_bad_id, r.problem) == (False, redacted_id, "audit.bad_hash")
    restore(redacted_id)
    r = tamper(entry_id=redacted_id, hash="e" * 64)
    assert not r.ok and r.problem in ("audit.bad_hash", "audit.bad_link")


def test_redact_by_match_and_nothing_to_redact(db, demo_db):
    admin = actor_of(db, "admin")
    rid, visit_ids, _ = _resident_with_history(db)
    with db(write=True) as s:
        # by payload only: the visits of the resident, found through their resident_id
        assert audit.redact(s, admin, table_name="visit", match={"resident_id": rid}, keep=("resident_id",)) == 2
        assert audit.redact(s, admin, table_name="visit", match={"resident_id": rid + 100_000}) == 0
        with pytest.raises(ValueError):
            audit.redact(s, admin, table_name="visit")
    with db() as s:
        assert audit.verify(s).ok
        assert s.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == "redact")).scalar_one() == 1
        for e in s.execute(select(AuditLog).where(AuditLog.table_name == "visit")).scalars():
            if e.row_id in visit_ids:
                assert set(json.loads(e.after)) == {"id", "resident_id", "community_id", "redacted", "version",
                                                    "created_at", "created_by", "updated_at", "updated_by"}


def test_admin_audit_page_shows_a_redacted_entry_as_redacted(sqlite_demo_template, tmp_path, monkeypatch):
    from components.catalog import CATALOG
    from tests.test_pages import as_role

    path = tmp_path / "app.db"
    shutil.copyfile(sqlite_demo_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COMMUNITY_DEMO", "1")
    engine = get_engine(url)

    def db(write=False):
        return session_scope(engine, write=write)

    rid, _, _ = _resident_with_history(db)
    with db(write=True) as s:
        residents.purge(s, actor_of(db, "admin"), rid)
    try:
        from streamlit.testing.v1 import AppTest

        from tests.conftest import ROOT

        at = as_role(lambda: AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "admin")
        at.switch_page("pages/admin/audit.py").run()
        assert not at.exception
        assert any(CATALOG["audit.chain_ok"][0].split("：")[0] in m.value for m in at.success)
        lines = "\n".join(m.value for m in at.markdown)
        assert CATALOG["audit.redacted"][0] in lines
        assert NAME not in lines and PHONES[1] not in lines
    finally:
        dispose_engines()


# --- migration 0006 -------------------------------------------------------------------------

OLD_TABLE = sa.table(
    "audit_log", sa.column("id", sa.Integer), sa.column("at", sa.DateTime), sa.column("actor", sa.String),
    sa.column("action", sa.String), sa.column("table_name", sa.String), sa.column("row_id", sa.Integer),
    sa.column("community_id", sa.Integer), sa.column("before", sa.Text), sa.column("after", sa.Text),
    sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
HEAD = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_id", sa.Integer),
                sa.column("last_hash", sa.String), sa.column("count", sa.Integer))


def _old_hash(prev, at, actor, action, table_name, row_id, community_id, before, after):
    payload = json.dumps([prev, at.isoformat(timespec="microseconds"), actor, action, table_name, row_id,
                          community_id, before, after], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """An empty database (no schema) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        dispose_engines()
        return
    server = request.getfixturevalue("pg_server")
    name = f"community_m_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin(server)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    dispose_engines()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _write_old_chain(url, n=5, tamper_id=None):
    """``n`` entries written the way services.audit did before 0006 (hash over the raw payloads)."""
    engine = get_engine(url)
    prev = "0" * 64
    base = datetime(2026, 11, 20, 8, 30, 15, 123456)
    with engine.begin() as conn:
        for i in range(1, n + 1):
            at = base + timedelta(minutes=i, microseconds=i * 7) if i != 2 else base.replace(microsecond=0)
            row = {"id": i, "at": at, "actor": "manager", "action": "update" if i % 2 else "create",
                   "table_name": "resident", "row_id": 100 + i, "community_id": 1 if i != 3 else None,
                   "before": None if i == 1 else json.dumps({"name": f"居民{i}", "n": i}, ensure_ascii=False,
                                                            sort_keys=True),
                   "after": json.dumps({"name": f"居民{i}号", "tags": ["独居老人"]}, ensure_ascii=False, sort_keys=True)}
            row["prev_hash"] = prev
            row["hash"] = prev = _old_hash(prev, at, row["actor"], row["action"], row["table_name"], row["row_id"],
                                           row["community_id"], row["before"], row["after"])
            conn.execute(sa.insert(OLD_TABLE).values(**row))
        conn.execute(sa.update(HEAD).where(HEAD.c.id == 1).values(last_id=n, last_hash=prev, count=n))
        if tamper_id is not None:
            conn.execute(sa.update(OLD_TABLE).where(OLD_TABLE.c.id == tamper_id).values(after='{"name": "改过"}'))
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequence on
            conn.execute(text("SELECT setval('audit_log_id_seq', (SELECT max(id) FROM audit_log))"))


@pytest.mark.parametrize("tampered", [False, True], ids=["intact", "tampered"])
def test_migration_rechains_an_old_format_chain(empty_url, tampered):
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0005")
    assert current_revision(empty_url) == "0005"
    _write_old_chain(empty_url, 5, tamper_id=3 if tampered else None)
    dispose_engines()
    command.upgrade(cfg, "head")
    assert current_revision(empty_url) == head_revision()
    with session_scope(get_engine(empty_url)) as s:
        result = audit.verify(s)
        assert result.ok and result.checked == 6, result
        rows = s.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
        assert all(r.before_digest == audit.payload_digest(r.before) and r.after_digest == audit.payload_digest(r.after)
                   for r in rows)
        assert rows[0].before_digest is None and rows[1].before_digest is not None
        note = rows[-1]
        assert (note.action, note.actor, note.table_name) == ("rechain", "system", "audit_log")
        found = json.loads(note.after)
        assert found["rechained"] == 5 and found["old_chain_ok"] is (not tampered)
        if tampered:
            assert (found["old_problem"], found["old_first_bad_id"]) == ("audit.bad_hash", 3)
        head = s.get(AuditHead, 1)
        assert (head.last_id, head.count, head.last_hash) == (note.id, 6, note.hash)
    # the service appends to the re-chained log as to any other
    from services.access import SYSTEM

    with session_scope(get_engine(empty_url), write=True) as s:
        audit.record(s, SYSTEM, "update", "resident", 101, {"a": 1}, {"a": 2}, community_id=1)
    with session_scope(get_engine(empty_url)) as s:
        assert audit.verify(s).ok and audit.verify(s).checked == 7


def test_migration_on_an_empty_log_adds_no_entry_and_downgrade_restores_the_old_formula(empty_url):
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    with session_scope(get_engine(empty_url)) as s:
        assert s.execute(select(func.count()).select_from(AuditLog)).scalar_one() == 0
    dispose_engines()
    command.downgrade(cfg, "0005")
    _write_old_chain(empty_url, 3)
    dispose_engines()
    command.upgrade(cfg, "head")
    dispose_engines()
    command.downgrade(cfg, "0005")
    engine = get_engine(empty_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(OLD_TABLE).order_by(OLD_TABLE.c.id)).all()
        head = conn.execute(sa.select(HEAD)).one()
    prev = "0" * 64
    for r in rows:  # the old verify again, over the four entries (three and the rechain note)
        assert r.prev_hash == prev
        assert r.hash == _old_hash(prev, r.at, r.actor, r.action, r.table_name, r.row_id, r.community_id,
                                   r.before, r.after)
        prev = r.hash
    assert len(rows) == 4 and (head.last_hash, head.count) == (prev, 4)


def test_purging_a_resident_who_volunteers_keeps_the_volunteer(db, demo_db):
    from db.models import Volunteer

    with db(write=True) as s:  # a volunteer who is also a resident of the community
        vol = s.execute(select(Volunteer).order_by(Volunteer.id).limit(1)).scalar_one()
        rid = s.execute(select(Resident.id).where(Resident.community_id == vol.community_id)
                        .order_by(Resident.id).limit(1)).scalar_one()
        vol.resident_id, vid = rid, vol.id
    with db(write=True) as s:
        residents.purge(s, actor_of(db, "admin"), rid)
    with db() as s:
        assert s.get(Volunteer, vid).resident_id is None and s.get(Resident, rid) is None
        assert audit.verify(s).ok
