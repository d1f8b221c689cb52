"""Residents, visits and rentals on the ledger engine, on SQLite and PostgreSQL: one scope rule
for every call (a grid worker reaches no file or visit of another grid, whatever the call), a
visit of a resident in a restricted group out of sight of the roles that may not see the group,
the visit date's bounds, a visit that stays with its resident, and the rentals' inspection clock
computed in SQL exactly as services.schedule computes it in Python."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.models import Household, Rental, Resident, Visit
from db.models.residents import RENTAL, RESIDENT, VISIT
from services import access, clock, ledgers, rentals, residents, schedule, settings
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of
from tests.test_residents import _create, _household


def _visit(db, actor, rid, **over):
    data = {"resident_id": rid, "visit_date": clock.today(), "visit_type": "走访", "staff_name": "吴磊", **over}
    with db(write=True) as s:
        return ledgers.save(s, actor, VISIT, data).id


def _other_grid(db, staff, manager):
    with db() as s:
        grids = {g for (g,) in s.execute(select(Resident.grid_id).where(
            Resident.community_id.in_(sorted(manager.community_ids))).distinct())}
    return sorted(grids - staff.grid_ids)[0]


def test_a_grid_worker_reaches_no_file_or_visit_of_another_grid(db, demo_db, monkeypatch):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    mine = _create(db, manager, household_id=_household(db, staff, staff.grid_ids)[0], name="本网格居民", tags=[])
    theirs = _create(db, manager, household_id=_household(db, manager, {_other_grid(db, staff, manager)})[0],
                     name="外网格居民", id_number="E12345678", id_type="护照", gender="女",
                     birth_date=date(1980, 1, 1))
    their_visit = _visit(db, manager, theirs)
    # staff may not delete or export residents at all; grant both, so that only the scope can refuse
    monkeypatch.setitem(access.MATRIX["residents"], "delete", access.EDITORS)
    monkeypatch.setitem(access.MATRIX["residents"], "export", access.EDITORS)
    monkeypatch.setitem(access.MATRIX["visits"], "delete", access.EDITORS)
    monkeypatch.setitem(access.MATRIX["visits"], "export", access.EDITORS)
    with db() as s:
        other = s.get(Resident, theirs)
        data = {"name": "改名", "id_type": other.id_type, "household_id": other.household_id,
                "residence_type": "自住", "birth_date": other.birth_date}
        version = other.version
        for call in (lambda: ledgers.get(s, staff, RESIDENT, theirs),
                     lambda: ledgers.history(s, staff, RESIDENT, theirs),
                     lambda: residents.detail(s, staff, theirs),
                     lambda: ledgers.get(s, staff, VISIT, their_visit),
                     lambda: ledgers.history(s, staff, VISIT, their_visit)):
            with pytest.raises(PermissionDenied):
                call()
        assert ledgers.row(s, staff, RESIDENT, theirs) is None and ledgers.row(s, staff, VISIT, their_visit) is None
        assert ledgers.row(s, manager, RESIDENT, theirs) is not None  # the file exists: scope hides it
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, staff, RESIDENT, data, theirs, version)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.delete(s, staff, RESIDENT, theirs, version)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, staff, VISIT, {"resident_id": theirs, "visit_date": clock.today(), "visit_type": "走访",
                                       "staff_name": "吴磊"})  # a new visit to someone of another grid
    with db(write=True) as s:
        visit_version = s.get(Visit, their_visit).version
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, staff, VISIT, {"visit_date": clock.today(), "visit_type": "助餐", "staff_name": "吴磊"},
                     their_visit, visit_version)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.delete(s, staff, VISIT, their_visit, visit_version)
    with db(write=True) as s:
        exported = {r["id"] for r in ledgers.export(s, staff, RESIDENT, filters={"status": "all"})}
        assert mine in exported and theirs not in exported
        rows, _ = residents.export_rows(s, staff, search="网格居民")
        assert [r["id"] for r in rows] == [mine]
        visits_out = {r["id"] for r in ledgers.export(s, staff, VISIT)}
        assert visits_out and their_visit not in visits_out
    with db(write=True) as s:  # granted, the same calls on the worker's own grid succeed
        own = s.get(Resident, mine)
        ledgers.delete(s, staff, RESIDENT, mine, own.version)
    with db() as s:
        assert s.get(Resident, mine).deleted_at is not None and s.get(Resident, theirs).name == "外网格居民"
        assert s.get(Visit, their_visit).deleted_at is None


def test_a_visit_of_a_resident_in_a_restricted_group_is_out_of_sight_of_who_may_not_see_the_group(db, demo_db):
    manager, staff, supervisor = actor_of(db, "manager"), actor_of(db, "staff"), actor_of(db, "supervisor")
    hid = _household(db, staff, staff.grid_ids)[0]
    rid = _create(db, manager, household_id=hid, tags=["独居老人", "社区矫正"])
    plain = _create(db, manager, household_id=hid, tags=["独居老人"], id_type="护照", gender="女",
                    id_number="E87654321", birth_date=date(1950, 3, 3))
    theirs = _visit(db, manager, rid, outcome="按时报到")
    own = _visit(db, staff, rid, outcome="送米面油")  # staff logged it: they see their own
    other = _visit(db, manager, plain)
    with db() as s:
        def seen(who):
            return {r["id"] for r in ledgers.list_rows(s, who, VISIT, filters={"resident_id": [rid, plain]}).rows}
        assert seen(manager) == {theirs, own, other}
        assert seen(staff) == {own, other}
        assert seen(supervisor) == {other}
        with pytest.raises(PermissionDenied):
            ledgers.get(s, staff, VISIT, theirs)
        assert [v["id"] for v in residents.detail(s, staff, rid).visits] == [own]  # the file's visits too
        assert "按时报到" not in repr(residents.detail(s, staff, rid))
        assert {v["id"] for v in residents.detail(s, manager, rid).visits} == {theirs, own}
        # the file itself stays in sight (test_privacy: only the group is hidden)
        assert residents.detail(s, staff, rid).resident["tags"] == ["独居老人"]


def test_a_visit_date_is_neither_in_the_future_nor_before_the_birth(db, demo_db):
    manager = actor_of(db, "manager")
    rid = _create(db, manager, id_type="护照", gender="女", id_number="E11112222", birth_date=date(2000, 5, 10))
    other = _create(db, manager, id_type="护照", gender="女", id_number="E33334444", birth_date=date(1960, 1, 1))
    today = date(2026, 11, 23)
    for when, error in ((today + timedelta(days=1), "err.future_date"), (date(2000, 5, 9), "err.out_of_range")):
        with db(write=True) as s, pytest.raises(ValidationError) as refused:
            ledgers.save(s, manager, VISIT, {"resident_id": rid, "visit_date": when, "visit_type": "走访",
                                             "staff_name": "吴磊"}, today=today)
        assert refused.value.errors == {"visit_date": error}
    with db(write=True) as s:  # the day of the birth and today are allowed
        first = ledgers.save(s, manager, VISIT, {"resident_id": rid, "visit_date": date(2000, 5, 10),
                                                 "visit_type": "走访", "staff_name": "吴磊"}, today=today)
        ledgers.save(s, manager, VISIT, {"resident_id": rid, "visit_date": today, "visit_type": "走访",
                                         "staff_name": "吴磊"}, today=today)
        assert (first.community_id, first.grid_id) == (s.get(Resident, rid).community_id, s.get(Resident, rid).grid_id)
        version = first.version
    with db(write=True) as s:  # an edit keeps the visit with its resident, whatever the data says
        edited = ledgers.save(s, manager, VISIT, {"resident_id": other, "visit_date": date(2001, 1, 1),
                                                  "visit_type": "助餐", "staff_name": "周敏"}, first.id, version,
                              today=today)
        assert (edited.resident_id, edited.visit_type) == (rid, "助餐")
    with db(write=True) as s, pytest.raises(ValidationError) as refused:  # and the birth bound holds on an edit
        ledgers.save(s, manager, VISIT, {"visit_date": date(1999, 1, 1), "visit_type": "走访", "staff_name": "x"},
                     first.id, edited.version, today=today)
    assert refused.value.errors == {"visit_date": "err.out_of_range"}


def _python_clock(s, row, today):
    """services.schedule's rule for one listed rental: (next due, state, days overdue)."""
    unit, every = rentals.check_rule(s, bool(row["group_rental"]), s.get(Rental, row["id"]).community_id)
    d = schedule.due(row["last_check"], row["registered_date"], unit, every, today)
    return d.next_due, d.status, d.days_overdue or None


def test_the_rentals_check_clock_in_sql_is_the_python_rule(db, demo_db):
    """Month ends (31 January + 1 month), leap days, group rentals monthly, a community whose rule
    differs from the default, rentals never checked: for many days, the list's SQL columns equal
    what services.schedule.due says for the same rows; the filter and the sort use them."""
    manager, admin = actor_of(db, "manager"), actor_of(db, "admin")
    hid = _household(db, manager)[0]
    with db(write=True) as s:  # this community checks its ordinary rentals every two months
        settings.set_value(s, admin, "rental.check", {"unit": "month", "every": 2}, s.get(Household, hid).community_id)
    made = []
    cases = [(date(2027, 11, 30), False, [date(2027, 12, 31)]),  # (registered, 群租, checks)
             (date(2027, 10, 31), True, [date(2028, 1, 31)]),  # monthly: due 29 February 2028
             (date(2027, 8, 31), False, []), (date(2027, 11, 29), True, []),
             (date(2027, 5, 31), False, [date(2027, 8, 31), date(2027, 11, 30)])]
    with db(write=True) as s:
        for i, (registered, group, checks) in enumerate(cases):
            r = ledgers.save(s, manager, RENTAL, {"household_id": hid, "landlord_name": f"钟表房东{i}",
                                                  "registered_date": registered, "group_rental": group,
                                                  "occupants": 9 if group else 2}, today=date(2028, 6, 1))
            for when in checks:
                rentals.record_check(s, manager, r.id, when, "合格", None, today=date(2028, 6, 1))
            made.append(r.id)
    compared, states = 0, set()
    with db() as s:
        for today in [date(2028, 1, 1) + timedelta(days=n) for n in range(0, 120, 3)] + [date(2028, 2, 29)]:
            rows = ledgers.list_rows(s, manager, RENTAL, search="钟表房东", limit=100, today=today).rows
            assert {r["id"] for r in rows} == set(made)
            for r in rows:
                assert (r["next_due"], r["check_status"], r["days_overdue"]) == _python_clock(s, r, today), (r, today)
                states.add(r["check_status"])
                compared += 1
        today = date(2028, 2, 27)
        every = ledgers.list_rows(s, manager, RENTAL, filters={"status": "all"}, limit=100_000, today=today).rows
        expected = {r["id"]: _python_clock(s, r, today) for r in every}  # the demo's rentals too
        assert all((r["next_due"], r["check_status"], r["days_overdue"]) == expected[r["id"]] for r in every)
        for state in ("overdue", "soon", "ok"):
            picked = ledgers.list_rows(s, manager, RENTAL, filters={"check_status": state}, limit=100_000,
                                       today=today).rows
            assert {r["id"] for r in picked} == {i for i, e in expected.items() if e[1] == state}
        ordered = ledgers.list_rows(s, manager, RENTAL, sort="next_due", descending=False, limit=100_000,
                                    today=today).rows
        dues = [r["next_due"] for r in ordered]
        assert dues == sorted(dues) and len(dues) == len(every)
    assert compared >= 150 and states == {"overdue", "soon", "ok"}


def test_a_change_of_tags_alone_is_one_audited_save_that_moves_the_version(db, demo_db):
    """Tags are no column: the engine writes them through the ledger's hook, in the same audit
    entry as the file (one entry a save), and a form loaded before the change is refused."""
    from db.models import AuditLog
    from services.errors import StaleEdit

    manager = actor_of(db, "manager")
    rid = _create(db, manager, tags=["独居老人"])
    with db() as s:
        r = s.get(Resident, rid)
        data = {"name": r.name, "id_type": r.id_type, "household_id": r.household_id, "residence_type": "自住",
                "phone": r.phone, "tags": ["独居老人", "残疾人"]}
        version = r.version
    with db(write=True) as s:
        ledgers.save(s, manager, RESIDENT, data, rid, version)
    with db() as s:
        entries = s.execute(select(AuditLog).where(AuditLog.table_name == "resident", AuditLog.row_id == rid)
                            .order_by(AuditLog.id)).scalars().all()
        assert [e.action for e in entries] == ["create", "update"]
        assert '"tags": ["独居老人"]' in entries[1].before
        assert '"tags": ["残疾人", "独居老人"]' in entries[1].after
        assert "id_enc" not in entries[1].after and "id_hash" not in entries[1].after
        assert s.get(Resident, rid).version > version
        update = next(e for e in ledgers.history(s, manager, RESIDENT, rid) if e["action"] == "update")
        changes = {f.name: (old, new) for f, old, new in update["changes"]}
        assert changes["tags"] == (["独居老人"], ["残疾人", "独居老人"])
    with db(write=True) as s, pytest.raises(StaleEdit):
        ledgers.save(s, manager, RESIDENT, {**data, "tags": []}, rid, version)
    with db(write=True) as s:  # saving the same again writes nothing
        before = s.execute(select(AuditLog.id).order_by(AuditLog.id.desc())).first()[0]
        ledgers.save(s, manager, RESIDENT, data, rid, s.get(Resident, rid).version)
        assert s.execute(select(AuditLog.id).order_by(AuditLog.id.desc())).first()[0] == before


# --- the pages, as a grid worker and a manager use them -----------------------------------------

from tests.test_pages import ZH, app, as_role  # noqa: E402,F401,F811  (app is a fixture)


def test_the_pages_open_a_visit_a_file_and_filter_rentals_by_their_check(app):
    """An opened visit is headed by its resident and edits without a resident picker; a grid
    worker's edit form of a file leaves out what they see only masked; the rentals list filters
    by the check state computed in SQL, every row shown in that state."""
    from db.engine import session_scope

    def db(write=False):
        return session_scope(write=write)

    staff = actor_of(db, "staff")
    with db() as s:
        vid, name = s.execute(select(Visit.id, Resident.name).join(Resident, Resident.id == Visit.resident_id)
                              .where(Resident.grid_id.in_(sorted(staff.grid_ids)), Visit.deleted_at.is_(None))
                              .order_by(Visit.id)).first()
        rid = s.execute(select(Resident.id).where(Resident.grid_id.in_(sorted(staff.grid_ids)))
                        .order_by(Resident.id)).scalars().first()
    at = as_role(app, "staff")
    at.query_params["visits.id"] = str(vid)
    at.switch_page("pages/people/visits.py").run()
    assert not at.exception
    assert any(h.value.startswith(name) for h in at.subheader)
    keys = {w.key for w in at.selectbox} | {w.key for w in at.text_input}
    assert f"visits_edit_{vid}_visit_type" in keys and f"visits_edit_{vid}_resident_id" not in keys
    at = as_role(app, "staff")
    at.query_params["residents.id"] = str(rid)
    at.switch_page("pages/people/residents.py").run()
    assert not at.exception
    edit = {w.key for w in (*at.text_input, *at.text_area, *at.date_input)}
    assert f"residents_edit_{rid}_name" in edit and f"residents_edit_{rid}_needs" in edit
    assert f"residents_edit_{rid}_notes" not in edit and f"residents_edit_{rid}_birth_date" not in edit
    at = as_role(app, "manager")  # who sees them gets them
    at.query_params["residents.id"] = str(rid)
    at.switch_page("pages/people/residents.py").run()
    edit = {w.key for w in (*at.text_input, *at.text_area, *at.date_input)}
    assert f"residents_edit_{rid}_notes" in edit and f"residents_edit_{rid}_birth_date" in edit
    at = as_role(app, "manager")
    at.query_params["rentals.check_status"] = "overdue"
    at.query_params["rentals.status"] = "all"
    at.switch_page("pages/people/rentals.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table[ZH["rental.check_status"]]) == {ZH["check.overdue"]}
    assert (table[ZH["visit.overdue_days"]] > 0).all()
