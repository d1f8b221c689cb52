"""Drill obligations through the schedule engine, on SQLite and PostgreSQL, against a fixture worked
by hand: two communities (A a fire-safety key unit), the shipped rules (a fire drill a year, every
six months in a key unit, each plan type a year), a handful of drills held, planned, cancelled and
deleted — which periods are done, due soon and overdue across a year end, the drill-completion KPI
and the mean evacuation time, and the rule an admin switches off."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update

from db.models import Community
from db.models.drills import DRILL_RULE, Drill, DrillRule, EmergencyPlan
from services import drill_schedule, kpis, ledgers
from services.access import SYSTEM
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of

SINCE = datetime(2024, 6, 1, 8, 0)


def _fixture(db) -> tuple[int, int]:
    with db(write=True) as s:
        drill_schedule.seed_rules(s)  # the shipped rules, as ``make run`` seeds them
        assert drill_schedule.seed_rules(s) == 0  # once
        a = Community(code="TA", name="甲社区", fire_key_unit=True, created_at=SINCE)
        b = Community(code="TB", name="乙社区", created_at=SINCE)
        s.add_all([a, b])
        s.flush()
        pa = EmergencyPlan(community_id=a.id, plan_type="安全事故", title="甲火灾预案", effective_on=date(2024, 6, 1),
                           revise_by=date(2027, 6, 1))
        pb = EmergencyPlan(community_id=b.id, plan_type="自然灾害", title="乙防汛预案", effective_on=date(2024, 6, 1),
                           revise_by=date(2027, 6, 1))
        s.add_all([pa, pb])
        s.flush()

        def drill(c, kind, on, status="evaluated", plan=None, evacuation=None, deleted=False):
            s.add(Drill(community_id=c.id, title=f"{kind}演练", drill_type=kind, mode="实战", plan_id=plan,
                        planned_on=on, place="广场", organiser="主任", status=status,
                        held_on=on if status in ("held", "evaluated") else None, evacuation_minutes=evacuation,
                        deleted_at=datetime(2025, 12, 1) if deleted else None))

        drill(a, "消防", date(2025, 3, 10), plan=pa.id, evacuation=6.0)
        drill(a, "消防", date(2025, 11, 5), status="held", evacuation=5.0)
        drill(a, "地震", date(2025, 5, 12), evacuation=8.5)
        drill(a, "公共卫生", date(2025, 8, 1), evacuation=1.0, deleted=True)  # deleted: counts for nothing
        drill(b, "防汛", date(2025, 6, 10), plan=pb.id)
        drill(b, "消防", date(2025, 9, 1), status="planned")
        drill(b, "消防", date(2025, 10, 1), status="cancelled")
        drill(b, "消防", date(2024, 12, 20), evacuation=10.0)
        return a.id, b.id


def _by(rows, community, kind, value):
    return {(r.period_start, r.period_end): r for r in rows
            if (r.community_id, r.kind, r.value) == (community, kind, value)}


def test_a_key_unit_rule_replaces_the_rule_for_all():
    rows = [DrillRule(kind="drill_type", value="消防", applies="all", rule_unit="year", rule_every=1),
            DrillRule(kind="drill_type", value="消防", applies="key_unit", rule_unit="month", rule_every=6),
            DrillRule(kind="plan_type", value="公共卫生", applies="all", rule_unit="year", rule_every=1)]
    assert drill_schedule.rules_for(rows, key_unit=True) == [
        drill_schedule.Rule("drill_type", "消防", "month", 6), drill_schedule.Rule("plan_type", "公共卫生", "year", 1)]
    assert drill_schedule.rules_for(rows, key_unit=False)[0] == drill_schedule.Rule("drill_type", "消防", "year", 1)


def test_overdue_drills_across_a_year_end(db):
    a, b = _fixture(db)
    with db() as s:
        before = drill_schedule.obligations(s, SYSTEM, today=date(2025, 12, 30), community_ids={a, b})
        after = drill_schedule.obligations(s, SYSTEM, today=date(2026, 1, 5), community_ids={a, b}, lookback=6)
    y25, y26 = (date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31))
    # 乙: the fire drill of 2025 was planned and cancelled, never held — due soon on 30 December,
    # overdue on 5 January, and 2026's is due; 2024's was held on 20 December
    assert _by(before, b, "drill_type", "消防")[y25].status == "soon"
    fire_b = _by(after, b, "drill_type", "消防")
    assert fire_b[y25].status == "overdue" and fire_b[y26].status == "due"
    assert fire_b[(date(2024, 1, 1), date(2024, 12, 31))].done_on == date(2024, 12, 20)
    assert fire_b[y26].last_done == date(2024, 12, 20)
    # 甲 is a key unit: half-years, both of 2025 done; 2024's second half missed (the first, ending
    # after the community began on 1 June 2024, too); nothing before it, however far back one looks
    fire_a = _by(after, a, "drill_type", "消防")
    assert {k: v.status for k, v in fire_a.items()} == {
        (date(2024, 1, 1), date(2024, 6, 30)): "overdue", (date(2024, 7, 1), date(2024, 12, 31)): "overdue",
        (date(2025, 1, 1), date(2025, 6, 30)): "done", (date(2025, 7, 1), date(2025, 12, 31)): "done",
        (date(2026, 1, 1), date(2026, 6, 30)): "due"}
    # a plan type is met by a drill testing a plan of that type: 甲's fire drill tested its accident plan
    assert _by(after, a, "plan_type", "安全事故")[y25].done_on == date(2025, 3, 10)
    assert _by(after, b, "plan_type", "自然灾害")[y25].status == "done"
    assert _by(after, a, "plan_type", "公共卫生")[y25].status == "overdue"  # the deleted drill does not count
    assert [r.status for r in after][:1] == ["overdue"]  # the overdue first


def test_drill_kpis_against_the_hand_count(db):
    a, b = _fixture(db)
    scope = kpis.Scope(SYSTEM, frozenset({a, b}))
    today = date(2026, 1, 10)
    with db() as s:
        year = kpis.evaluate(s, scope, "drill_completion", date(2025, 1, 1), date(2025, 12, 31), today)
        q4 = kpis.evaluate(s, scope, "drill_completion", date(2025, 10, 1), date(2025, 12, 31), today)
        november = kpis.evaluate(s, scope, "drill_completion", date(2025, 11, 1), date(2025, 11, 30), today)
        only_a = kpis.evaluate(s, kpis.Scope(SYSTEM, frozenset({a})), "drill_completion", date(2025, 1, 1),
                               date(2025, 12, 31), today)
        evac = kpis.evaluate(s, scope, "evacuation_time", date(2025, 1, 1), date(2025, 12, 31), today)
        evac_q2 = kpis.evaluate(s, scope, "evacuation_time", date(2025, 4, 1), date(2025, 6, 30), today)
        by_year = drill_schedule.completion_by_year(s, SYSTEM, [2025], today, community_ids={a, b})
    # 甲: fire H1 ✓ H2 ✓, accident plan ✓, natural / health / social ✗ → 3 of 6;
    # 乙: fire ✗, natural ✓, accident / health / social ✗ → 1 of 5
    assert (year.numerator, year.denominator, year.value) == (4, 11, 36.4)
    assert (only_a.numerator, only_a.denominator) == (3, 6)
    # periods ending in Q4: every yearly one (5 + 5 - 甲's yearly fire rule replaced) and 甲's second half
    assert (q4.numerator, q4.denominator) == (3, 10)
    assert november.value is None  # no period ends in November: no data, not 0 %
    # held drills with a time: 6.0, 5.0, 8.5 (the deleted one and 2024's left out)
    assert evac.value == 6.5 and (evac.numerator, evac.denominator) == (19.5, 3)
    assert evac_q2.value == 8.5
    fire = next(r for r in by_year if (r["kind"], r["value"]) == ("drill_type", "消防"))
    assert (fire["done"], fire["due"], fire["rate"]) == (2, 3, 66.7)
    with db(write=True) as s:  # the admin switches the public-health rule off: two obligations fewer
        s.execute(update(DrillRule).where(DrillRule.value == "公共卫生").values(active=False))
    with db() as s:
        year = kpis.evaluate(s, scope, "drill_completion", date(2025, 1, 1), date(2025, 12, 31), today)
    assert (year.numerator, year.denominator) == (4, 9)


def test_the_rules_are_the_admins_and_name_a_real_type(db, demo_db):
    admin, manager = actor_of(db, "admin"), actor_of(db, "manager")
    with db() as s:
        shipped = ledgers.list_rows(s, admin, DRILL_RULE, limit=20).rows
    assert {(r["kind"], r["value"], r["applies"]) for r in shipped} >= {
        ("drill_type", "消防", "all"), ("drill_type", "消防", "key_unit"), ("plan_type", "社会安全", "all")}
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, admin, DRILL_RULE, {"kind": "plan_type", "value": "消防", "applies": "all",
                                            "rule_unit": "year", "rule_every": 1, "active": True})
    assert e.value.errors == {"value": "drlrule.err_value"}
    with db(write=True) as s:
        rule = ledgers.save(s, admin, DRILL_RULE, {"kind": "drill_type", "value": "电梯困人", "applies": "all",
                                                   "rule_unit": "year", "rule_every": 1, "active": True})
    with db() as s:  # the new obligation shows for the manager's community at once
        rows = drill_schedule.obligations(s, manager, lookback=0)
    assert any((r.kind, r.value) == ("drill_type", "电梯困人") for r in rows)
    assert {r.community_id for r in rows} <= set(manager.community_ids)
    with db(write=True) as s, pytest.raises(PermissionDenied):  # a manager reads the rules, never edits
        ledgers.save(s, manager, DRILL_RULE, {"rule_every": 2}, rule.id, rule.version)

def test_demo_drills_show_what_the_schedule_should(db, demo_db):
    from services import clock

    manager = actor_of(db, "manager")
    today = clock.today()
    with db() as s:
        rows = drill_schedule.obligations(s, manager, today=today, lookback=4)
    fire = [r for r in rows if (r.kind, r.value) == ("drill_type", "消防")]
    assert {(r.unit, r.every) for r in fire} == {("month", 6)}  # the first demo community is a key unit
    spring = [r for r in fire if r.period_start == date(today.year, 1, 1)]
    if today > date(today.year, 6, 30):  # this spring's fire drill was left out
        assert spring and spring[0].status == "overdue"
    assert any(r.status == "done" for r in fire)
    assert timedelta(days=0) <= today - max(r.last_done for r in fire if r.last_done) <= timedelta(days=400)
