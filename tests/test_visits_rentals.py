"""Visits and the due-visit list, rentals and their check clock — on both backends."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from db.models import ResidentTag, VisitRule
from db.models.residents import VISIT_RULE
from services import clock, ledgers, rentals, residents, visits
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of
from tests.test_residents import _create, _household


def _fresh(db, actor, tag, since, **over):
    rid = _create(db, actor, tags=[tag], **over)
    with db(write=True) as s:
        s.execute(update(ResidentTag).where(ResidentTag.resident_id == rid).values(since=since))
    return rid


def _due_ids(db, actor, today, **kw):
    with db() as s:
        return {d.resident_id: d for d in visits.due_visits(s, actor, today=today, **kw)}


def _log(db, actor, rid, when):
    with db(write=True) as s:
        visits.log_visit(s, actor, rid, {"visit_date": when, "visit_type": "走访", "staff_name": "吴磊"},
                         today=max(when, date(2026, 3, 31)))


def test_monthly_rule_across_month_end_and_leap_day(db, demo_db):
    manager = actor_of(db, "manager")
    rid = _fresh(db, manager, "空巢老人", date(2027, 12, 1))
    _log(db, manager, rid, date(2028, 1, 31))
    assert rid not in _due_ids(db, manager, date(2028, 2, 29))  # due on the 29th (leap year)
    due = _due_ids(db, manager, date(2028, 3, 1))[rid]
    assert (due.next_due, due.days_overdue, due.last_visit) == (date(2028, 2, 29), 1, date(2028, 1, 31))


def test_weekly_rule_for_elderly_living_alone_and_never_visited(db, demo_db):
    manager = actor_of(db, "manager")
    rid = _fresh(db, manager, "独居老人", date(2026, 11, 1))
    due = _due_ids(db, manager, date(2026, 11, 9))[rid]
    assert due.last_visit is None and due.next_due == date(2026, 11, 8) and due.days_overdue == 1
    _log(db, manager, rid, date(2026, 11, 9))
    assert rid not in _due_ids(db, manager, date(2026, 11, 16))
    assert _due_ids(db, manager, date(2026, 11, 15), include_soon=True)[rid].status == "soon"


def test_most_overdue_first_and_rules_are_rows(db, demo_db):
    manager = actor_of(db, "manager")
    today = clock.today()
    old = _fresh(db, manager, "残疾人", today - timedelta(days=200))
    with db() as s:
        listed = visits.due_visits(s, manager, today=today)
    assert [d.days_overdue for d in listed] == sorted((d.days_overdue for d in listed), reverse=True)
    assert old in {d.resident_id for d in listed}
    admin = actor_of(db, "admin")
    with db(write=True) as s:
        rule = s.execute(select(VisitRule).where(VisitRule.tag == "残疾人")).scalar_one()
        ledgers.save(s, admin, VISIT_RULE, {"unit": "year", "every": 1}, rule.id, rule.version)
    assert old not in _due_ids(db, manager, today)


def test_restricted_groups_stay_out_of_the_due_list_for_staff(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    hid = _household(db, staff, staff.grid_ids)[0]
    rid = _fresh(db, manager, "社区矫正", date(2025, 1, 1), household_id=hid)
    assert rid in _due_ids(db, manager, date(2026, 11, 23))
    assert rid not in _due_ids(db, staff, date(2026, 11, 23))


def test_visit_rules_refuse_bad_input(db, demo_db):
    manager, volunteer = actor_of(db, "manager"), actor_of(db, "volunteer")
    rid = _create(db, manager)
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        visits.log_visit(s, manager, rid, {"visit_date": clock.today() + timedelta(days=1), "visit_type": "走访",
                                           "staff_name": "x"})
    assert e.value.errors == {"visit_date": "err.future_date"}
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        visits.log_visit(s, manager, rid, {"visit_date": clock.today(), "visit_type": "打麻将", "staff_name": "",
                                           "minutes": -5})
    assert e.value.errors == {"visit_type": "err.bad_choice", "staff_name": "err.required",
                              "minutes": "err.out_of_range"}
    with db(write=True) as s, pytest.raises(PermissionDenied):
        visits.log_visit(s, volunteer, rid, {"visit_date": clock.today(), "visit_type": "走访", "staff_name": "x"})


def test_rental_with_tenants_and_its_check_clock(db, demo_db):
    manager = actor_of(db, "manager")
    tenant = _create(db, manager)
    hid = _household(db, manager)[0]
    data = {"household_id": hid, "landlord_name": "房东甲", "landlord_phone": "13900001111",
            "registered_date": date(2026, 1, 10), "occupants": 2, "tenants": [tenant], "pledge_signed": True}
    with db(write=True) as s:
        normal = rentals.save_rental(s, manager, data).id
        group = rentals.save_rental(s, manager, {**data, "group_rental": True, "occupants": 9}).id
        rentals.record_check(s, manager, normal, date(2026, 8, 1), "合格", None, today=date(2026, 11, 23))
        rentals.record_check(s, manager, group, date(2026, 10, 1), "需整改", "隔断过多", today=date(2026, 11, 23))
    with db() as s:
        rows = {r["id"]: r for r in rentals.list_rentals(s, manager, limit=1000, today=date(2026, 11, 23)).rows}
        assert rows[normal]["next_due"] == date(2026, 11, 1) and rows[normal]["check_status"] == "overdue"
        assert rows[group]["next_due"] == date(2026, 11, 1) and rows[group]["days_overdue"] == 22
        assert rows[normal]["tenants"] == [tenant]
        assert [r["id"] for r in residents.detail(s, manager, tenant).rentals] == [normal, group]
    with db(write=True) as s, pytest.raises(ValidationError):
        rentals.record_check(s, manager, normal, date(2027, 1, 1), "合格", None, today=date(2026, 11, 23))
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        rentals.save_rental(s, manager, {**data, "landlord_phone": "123"})
    assert e.value.errors == {"landlord_phone": "err.phone"}
