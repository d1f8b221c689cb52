"""Residents' requests and complaints (居民诉求): working days from China's calendar, the response
limits as data (the most specific row wins), the workflow with its times checked against each
other, overdue views in SQL, the two KPIs against a hand count — on SQLite and PostgreSQL — and
the page for a manager, a staff member (their grids only) and the admin (the limits)."""
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import chinese_calendar
import pytest
from sqlalchemy import func, select, update

from db.models import Grid
from db.models.quality import COMPLAINT, RESPONSE_LIMIT, Complaint, ImprovementAction, ResponseLimit
from services import actions, clock, complaints, kpis, ledgers, workdays
from services.errors import PermissionDenied, ValidationError
from tests.conftest import actor_of
from tests.test_pages import ZH, app, as_role, errors  # noqa: F401  (app is a fixture)

# --- working days --------------------------------------------------------------------------------


def _independent(day: date, n: int) -> date:
    """chinese_calendar's own answer: find_workday(k, d) is the k-th working day after the first
    working day from d on (d itself when it is one)."""
    return chinese_calendar.find_workday(n if chinese_calendar.is_workday(day) else n - 1, day)


@pytest.mark.parametrize("received,n,expected", [
    (date(2026, 3, 13), 2, date(2026, 3, 17)),   # Friday → over the weekend → Tuesday
    (date(2026, 2, 13), 1, date(2026, 2, 14)),   # Friday before Spring Festival → Saturday 14th is a make-up workday
    (date(2026, 2, 14), 1, date(2026, 2, 24)),   # then 15–23 February are the holiday
    (date(2026, 9, 30), 1, date(2026, 10, 8)),   # National Day (and Mid-Autumn) 1–7 October off
    (date(2026, 9, 30), 3, date(2026, 10, 10)),  # Saturday 10 October is a make-up workday
    (date(2026, 1, 1), 1, date(2026, 1, 4)),     # New Year 1–3 off; Sunday 4 January is a workday
])
def test_working_days_over_weekends_holidays_and_make_up_days(received, n, expected):
    assert workdays.add_workdays(received, n) == expected
    assert expected == _independent(received, n)
    # exactly n working days after the day of receipt, the last one among them
    assert len(chinese_calendar.get_workdays(received + timedelta(days=1), expected)) == n
    due = workdays.due(datetime.combine(received, time(15, 30)), n, "workdays")
    assert due == datetime.combine(expected, time(23, 59, 59))
    assert workdays.uncovered_years(datetime.combine(received, time(15, 30)), n, "workdays") == []


def test_every_day_of_the_covered_years_agrees_with_the_calendar():
    assert workdays.is_workday(date(2026, 1, 4)) and not workdays.is_workday(date(2026, 2, 17))
    day = date(2025, 1, 1)
    while day <= date(2026, 12, 31):
        assert workdays.is_workday(day) == chinese_calendar.is_workday(day), day
        if day < date(2026, 12, 20):  # the calendar answers nothing for 2027
            for n in (1, 2, 5):
                assert workdays.add_workdays(day, n) == _independent(day, n), (day, n)
        day += timedelta(days=1)


def test_hours_are_clock_hours_and_days_calendar_days_to_the_end_of_the_last():
    received = datetime(2026, 2, 16, 22, 0)  # in the Spring Festival: hours and days do not stop
    assert workdays.due(received, 2, "hours") == datetime(2026, 2, 17, 0, 0)
    assert workdays.due(received, 2, "days") == datetime(2026, 2, 18, 23, 59, 59)
    with pytest.raises(ValueError):
        workdays.due(received, 2, "weeks")


def test_a_year_the_calendar_lacks_is_counted_monday_to_friday_and_said():
    assert (workdays.FIRST_YEAR, workdays.LAST_YEAR) == (2004, 2026)
    assert workdays.covered(date(2026, 12, 31)) and not workdays.covered(date(2027, 1, 1))
    with pytest.raises(NotImplementedError):  # the library itself has no answer there
        chinese_calendar.is_workday(date(2027, 1, 1))
    assert workdays.is_workday(date(2027, 1, 1))  # a Friday (New Year's day, unknown to the calendar)
    assert not workdays.is_workday(date(2027, 1, 2))
    received = datetime(2026, 12, 31, 10, 0)  # Thursday
    assert workdays.due(received, 2, "workdays") == datetime(2027, 1, 4, 23, 59, 59)
    assert workdays.uncovered_years(received, 2, "workdays") == [2027]
    assert workdays.uncovered_years(received, 48, "hours") == []
    limit = SimpleNamespace(response_value=24, response_unit="hours", resolution_value=5, resolution_unit="workdays")
    assert complaints.uncovered_years(limit, received) == [2027]
    assert complaints.calendar_warnings([2027]) == [("cmp.calendar_missing", {"year": 2027})]
    assert ZH["cmp.calendar_missing"].format(year=2027) == "2027 年节假日安排尚未收录，按周一至周五计算"


# --- the limits ------------------------------------------------------------------------------------

def _row(category, urgency, hours):
    return SimpleNamespace(category=category, urgency=urgency, response_value=hours, response_unit="hours")


def test_the_most_specific_limit_row_wins():
    rows = [_row("*", "*", 24), _row("*", "紧急", 2), _row("上门服务", "*", 3), _row("上门服务", "紧急", 1)]
    pick = complaints.pick_limit
    assert pick(rows, "上门服务", "紧急").response_value == 1  # both named
    assert pick(rows, "上门服务", "一般").response_value == 3  # the category
    assert pick(rows, "环境卫生", "紧急").response_value == 2  # the urgency
    assert pick(rows, "环境卫生", "一般").response_value == 24  # the default
    assert pick(rows[2:3], "环境卫生", "一般") is None
    assert pick([_row("*", "紧急", 2), _row("上门服务", "*", 3)], "上门服务", "紧急").response_value == 3


def test_the_seeded_limits_are_data_that_an_admin_keeps(db, demo_db):
    admin, manager = actor_of(db, "admin"), actor_of(db, "manager")
    with db() as s:
        home = complaints.limit_for(s, "上门服务", "一般")
        assert (home.response_value, home.response_unit) == (2, "hours")  # DOMAIN: home visits 2 h
        other = complaints.limit_for(s, "其他", "一般")
        assert (other.response_value, other.response_unit, other.resolution_value, other.resolution_unit) == \
            (24, "hours", 5, "workdays")
        estate = complaints.limit_for(s, "物业管理", "一般")
        assert (estate.resolution_value, estate.resolution_unit) == (2, "days")
        assert complaints.seed_limits(s) == 0  # already there
        rid = other.id
    with db(write=True) as s, pytest.raises(PermissionDenied):  # only the admin edits them
        ledgers.save(s, manager, RESPONSE_LIMIT, {"category": "其他", "urgency": "一般", "response_value": 4,
                                                  "response_unit": "hours", "resolution_value": 1,
                                                  "resolution_unit": "days"})
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, admin, RESPONSE_LIMIT, {"category": "其他", "urgency": "一般", "response_value": 0,
                                                "response_unit": "weeks", "resolution_value": 1,
                                                "resolution_unit": "days"})
    assert e.value.errors == {"response_value": "err.out_of_range", "response_unit": "err.bad_choice"}
    with db(write=True) as s:
        row = s.get(ResponseLimit, rid)
        ledgers.save(s, admin, RESPONSE_LIMIT, {"category": "*", "urgency": "*", "response_value": 12,
                                                "response_unit": "hours", "resolution_value": 3,
                                                "resolution_unit": "workdays"}, rid, row.version)
    with db(write=True) as s:
        assert complaints.limit_for(s, "其他", "一般").response_value == 12
        s.delete(s.get(ResponseLimit, complaints.limit_for(s, "上门服务", "一般").id))  # a row gone missing
    with db(write=True) as s:
        assert complaints.seed_limits(s) == 1  # put back at start-up; the admin's change is kept
        assert complaints.limit_for(s, "上门服务", "一般").response_value == 2
        assert complaints.limit_for(s, "其他", "一般").response_value == 12


# --- the workflow --------------------------------------------------------------------------------

def _local_now() -> datetime:
    return clock.now().replace(second=0, microsecond=0)


def _new(db, actor, received: datetime, category="其他", urgency="一般", grid_id=None, **more) -> int:
    with db(write=True) as s:
        return ledgers.save(s, actor, COMPLAINT, {
            "kind": "complaint", "channel": "电话", "category": category, "urgency": urgency,
            "content": "楼道灯坏了", "grid_id": grid_id or sorted(actor.grid_ids or [1])[0],
            "received_on": received.date(), "received_time": received.time(), **more}).id


def _get(db, cid) -> Complaint:
    with db() as s:
        c = s.get(Complaint, cid)
        s.expunge(c)
        return c


def _count(db) -> int:
    with db() as s:
        return s.execute(select(func.count()).select_from(Complaint)).scalar_one()


def test_due_times_are_worked_out_on_receipt_in_the_committees_zone(db, demo_db):
    staff = actor_of(db, "staff")
    received = datetime(2026, 2, 13, 17, 30)  # Friday in Beijing, before the Spring Festival
    cid = _new(db, staff, received)
    c = _get(db, cid)
    assert c.status == "received" and c.community_id is not None
    assert c.received_at == datetime(2026, 2, 13, 9, 30)  # stored UTC
    assert c.response_due == datetime(2026, 2, 14, 9, 30)  # 24 clock hours
    # 5 working days: 14 Feb (make-up Saturday), then 24, 25, 26, 27 Feb — to the end of that day in Beijing
    assert c.resolution_due == datetime(2026, 2, 27, 15, 59, 59)
    urgent = _get(db, _new(db, staff, received, category="上门服务", urgency="紧急"))
    assert urgent.response_due == datetime(2026, 2, 13, 11, 30)  # 2 hours
    with db() as s:
        row = ledgers.row(s, staff, COMPLAINT, cid)
    assert (row["received_on"], row["received_time"]) == (received.date(), received.time())  # the form's values
    with db(write=True) as s:  # the same again: the limits it was received with stay
        s.execute(update(ResponseLimit).where(ResponseLimit.category == "*", ResponseLimit.urgency == "*")
                  .values(response_value=12))
        ledgers.save(s, staff, COMPLAINT, {**{k: row[k] for k in ("kind", "channel", "category", "urgency",
                                                                  "grid_id", "received_on", "received_time")},
                                           "content": "楼道灯坏了，已两天"}, cid, row["version"])
    assert _get(db, cid).response_due == datetime(2026, 2, 14, 9, 30)
    with db(write=True) as s:  # another category: worked out again from its limit row
        ledgers.save(s, staff, COMPLAINT, {**{k: row[k] for k in ("kind", "channel", "urgency", "grid_id",
                                                                  "received_on", "received_time", "content")},
                                           "category": "上门服务"}, cid, row["version"] + 1)
    assert _get(db, cid).response_due == datetime(2026, 2, 13, 11, 30)


def test_bad_times_are_refused_with_their_message_and_nothing_is_saved(db, demo_db, monkeypatch):
    staff = actor_of(db, "staff")
    before = _count(db)
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # tomorrow: a date in the future
        ledgers.save(s, staff, COMPLAINT, {"kind": "request", "channel": "来访", "category": "其他", "urgency": "一般",
                                           "content": "x", "grid_id": sorted(staff.grid_ids)[0],
                                           "received_on": clock.today() + timedelta(days=1),
                                           "received_time": time(9, 0)})
    assert e.value.errors == {"received_on": "err.future_date"}
    # later today than now (the clock set back three days, so that "later" never crosses midnight)
    real_now = complaints.now_utc()
    monkeypatch.setattr(complaints, "now_utc", lambda: real_now - timedelta(days=3))
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, staff, COMPLAINT, {"kind": "request", "channel": "来访", "category": "其他", "urgency": "一般",
                                           "content": "x", "grid_id": sorted(staff.grid_ids)[0],
                                           "received_on": clock.today(), "received_time": time(0, 1)})
    assert e.value.errors == {"received_time": "cmp.err_future_receipt"}
    monkeypatch.undo()
    assert _count(db) == before


def _walk(db, cid, actor, step, data=None):
    with db(write=True) as s:
        c = s.get(Complaint, cid)
        return ledgers.move(s, actor, COMPLAINT, cid, step, data or {}, c.version)


def test_the_workflow_refuses_the_wrong_role_state_and_times(db, demo_db):
    staff, manager, supervisor = actor_of(db, "staff"), actor_of(db, "manager"), actor_of(db, "supervisor")
    received = _local_now() - timedelta(hours=5)
    cid = _new(db, staff, received)
    for who, step in ((staff, "assign"), (supervisor, "assign")):  # the leads dispatch
        with pytest.raises(PermissionDenied) as e:
            _walk(db, cid, who, step, {"assignee": "staff"})
        assert e.value.key == "err.permission"
    with pytest.raises(PermissionDenied) as e:  # nothing to answer before it is assigned
        _walk(db, cid, staff, "respond", {"on": received.date(), "at": received.time(), "response_note": "已联系"})
    assert e.value.key == "err.wf_state" and _get(db, cid).status == "received"
    for nobody in ("网格员 吴磊", "supervisor", "volunteer"):  # a name typed, or no staff of the community
        with pytest.raises(ValidationError) as e:
            _walk(db, cid, manager, "assign", {"assignee": nobody})
        assert e.value.errors == {"assignee": "err.bad_choice"} and _get(db, cid).status == "received"
    _walk(db, cid, manager, "assign", {"assignee": "staff"})
    early = received - timedelta(hours=1)
    with pytest.raises(ValidationError) as e:  # a response before the request
        _walk(db, cid, staff, "respond", {"on": early.date(), "at": early.time(), "response_note": "已联系"})
    assert e.value.errors == {"at": "cmp.err_response_before"}
    c = _get(db, cid)
    assert (c.status, c.first_response_at, c.response_note) == ("assigned", None, None)  # nothing half-saved
    answered = received + timedelta(hours=1)
    _walk(db, cid, staff, "respond", {"on": answered.date(), "at": answered.time(), "response_note": "已电话联系"})
    with pytest.raises(ValidationError) as e:  # solved before it was answered
        _walk(db, cid, staff, "resolve", {"on": received.date(), "at": received.time(), "resolution": "已修好"})
    assert e.value.errors == {"at": "cmp.err_resolution_before"} and _get(db, cid).status == "in_progress"
    with pytest.raises(ValidationError) as e:
        _walk(db, cid, staff, "resolve", {"on": answered.date(), "at": answered.time()})
    assert e.value.errors == {"resolution": "err.required"}
    solved = received + timedelta(hours=3)
    _walk(db, cid, staff, "resolve", {"on": solved.date(), "at": solved.time(), "resolution": "物业已更换灯泡"})
    with pytest.raises(ValidationError) as e:
        _walk(db, cid, staff, "follow_up", {"followup_satisfaction": "还行"})
    assert e.value.errors == {"followup_satisfaction": "err.bad_choice"}
    _walk(db, cid, staff, "follow_up", {"followup_satisfaction": "满意"})
    c = _get(db, cid)
    assert c.status == "followed_up" and c.followup_satisfaction == "满意" and c.resolution == "物业已更换灯泡"
    with db() as s:
        steps = [e.get("step") for e in ledgers.history(s, manager, COMPLAINT, cid) if e["action"] == "step"]
        assert steps == ["follow_up", "resolve", "respond", "assign"]
        assert ledgers.locked(s, staff, COMPLAINT, s.get(Complaint, cid)) == "cmp.locked_closed"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # closed: kept as it was closed
        ledgers.save(s, staff, COMPLAINT, {"kind": "complaint", "channel": "电话", "category": "其他",
                                           "urgency": "一般", "content": "改一下", "grid_id": c.grid_id,
                                           "received_on": received.date(), "received_time": received.time()},
                     cid, c.version)
    assert e.value.key == "cmp.locked_closed"


def test_an_explanation_closes_it_by_the_leads_only(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    cid = _new(db, staff, _local_now() - timedelta(hours=2))
    with pytest.raises(PermissionDenied) as e:
        _walk(db, cid, manager, "explain", {"explanation": "需街道协调"})  # not from received
    assert e.value.key == "err.wf_state"
    _walk(db, cid, manager, "assign", {"assignee": "manager"})
    with pytest.raises(PermissionDenied) as e:
        _walk(db, cid, staff, "explain", {"explanation": "需街道协调"})
    assert e.value.key == "err.permission"
    _walk(db, cid, manager, "explain", {"explanation": "涉及产权单位，已上报街道协调并向居民说明"})
    c = _get(db, cid)
    assert c.status == "explained" and c.resolved_at is not None
    assert c.first_response_at == c.resolved_at and c.response_note == c.explanation  # the explanation answered it
    with db() as s:
        assert ledgers.list_rows(s, manager, COMPLAINT, view="explained", filters={"id": cid}).total == 1


def test_a_staff_member_keeps_to_their_grids_and_their_residents(db, demo_db):
    staff = actor_of(db, "staff")
    from db.models import Resident

    with db() as s:
        home = s.get(Grid, sorted(staff.grid_ids)[0])
        other_grid = s.execute(select(Grid.id).where(Grid.community_id == home.community_id,
                                                     Grid.id.not_in(sorted(staff.grid_ids)))).scalars().first()
        stranger = s.execute(select(Resident.id).where(Resident.grid_id == other_grid)).scalars().first()
        mine = s.execute(select(Resident.id).where(Resident.grid_id.in_(sorted(staff.grid_ids)))).scalars().first()
    before = _count(db)
    with pytest.raises(PermissionDenied) as e:
        _new(db, staff, _local_now() - timedelta(hours=1), grid_id=other_grid)
    assert e.value.key == "err.out_of_scope"
    with pytest.raises(ValidationError) as e:
        _new(db, staff, _local_now() - timedelta(hours=1), resident_id=stranger)
    assert e.value.errors == {"resident_id": "err.bad_choice"}
    assert _count(db) == before
    cid = _new(db, staff, _local_now() - timedelta(hours=1), resident_id=mine, subject_org="和平物业服务中心")
    with db() as s:
        row = ledgers.row(s, staff, COMPLAINT, cid)
        assert row["resident_name"] and row["subject_org"] == "和平物业服务中心"
        manager = actor_of(db, "manager")
        outside = ledgers.list_rows(s, manager, COMPLAINT, filters={"grid_id": other_grid}, limit=1).rows
    assert outside  # the demo has requests in the community's other grids
    with db() as s, pytest.raises(PermissionDenied):
        ledgers.get(s, staff, COMPLAINT, outside[0]["id"])


def test_overdue_is_derived_in_sql(db, demo_db):
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    long_ago = _local_now() - timedelta(days=3)
    late = _new(db, staff, long_ago, category="上门服务")  # 2 h to answer, 2 days to solve: both past
    fresh = _new(db, staff, _local_now() - timedelta(minutes=30))  # 24 h / 5 working days: neither

    def views(cid):
        with db() as s:
            return {v.name for v in COMPLAINT.views
                    if ledgers.list_rows(s, staff, COMPLAINT, view=v.name, filters={"id": cid}).total}

    def states(cid):
        with db() as s:
            row = ledgers.row(s, staff, COMPLAINT, cid)
            return row["response_state"], row["resolution_state"]

    assert views(late) == {"open", "response_overdue", "resolution_overdue"}
    assert views(fresh) == {"open"} and states(fresh) == ("pending", "pending")
    assert states(late) == ("overdue", "overdue")
    _walk(db, late, manager, "assign", {"assignee": "staff"})
    answered = long_ago + timedelta(hours=5)
    _walk(db, late, staff, "respond", {"on": answered.date(), "at": answered.time(), "response_note": "已上门"})
    assert views(late) == {"open", "resolution_overdue"} and states(late) == ("late", "overdue")
    with db() as s:  # the filter on the derived state is the same SQL
        assert ledgers.list_rows(s, staff, COMPLAINT, filters={"id": late, "response_state": "late"}).total == 1
        assert ledgers.list_rows(s, staff, COMPLAINT, filters={"id": late, "response_state": "in_time"}).total == 0
        counted = complaints.counts(s, staff)
        assert counted["resolution_overdue"] == ledgers.list_rows(s, staff, COMPLAINT,
                                                                  view="resolution_overdue").total


def test_an_improvement_action_opened_from_a_request(db, demo_db):
    staff = actor_of(db, "staff")
    cid = _new(db, staff, _local_now() - timedelta(hours=1), subject_org="和平物业服务中心")
    with db(write=True) as s:
        action = complaints.open_action(s, staff, cid, title="督促物业每日清运楼道垃圾", owner="staff",
                                        due=clock.today() + timedelta(days=7))
        assert (action.source, action.source_id, action.grid_id) == ("complaint", cid, s.get(Complaint, cid).grid_id)
    with db() as s:
        assert [a["title"] for a in actions.of_source(s, staff, "complaint", cid)] == ["督促物业每日清运楼道垃圾"]
        home = s.get(Grid, sorted(staff.grid_ids)[0])
        elsewhere = s.execute(select(Complaint.id).where(Complaint.community_id == home.community_id,
                                                         Complaint.grid_id.not_in(sorted(staff.grid_ids)))).scalar()
        before = len(actions.of_source(s, actor_of(db, "manager"), "complaint", elsewhere))
    with db(write=True) as s, pytest.raises(PermissionDenied):  # a request out of sight opens nothing
        complaints.open_action(s, staff, elsewhere, title="x", owner="y", due=clock.today())
    with db() as s:
        assert len(actions.of_source(s, actor_of(db, "manager"), "complaint", elsewhere)) == before


# --- the KPIs ----------------------------------------------------------------------------------------

def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm))


def test_the_two_kpis_against_a_hand_count(db, demo_db):
    """Q1 2025 (the demo holds nothing so long ago): A in time for both; B answered and solved
    late; C never answered (late for both); D answered in time, explained in time; F a home visit
    answered and solved in time; E received on 31 March falls due in April (not counted); G in
    another grid, never answered (the manager's count only)."""
    staff, manager = actor_of(db, "staff"), actor_of(db, "manager")
    d = date
    a = _new(db, staff, _at(d(2025, 3, 3), 9), category="环境卫生")
    b = _new(db, staff, _at(d(2025, 3, 10), 9), category="环境卫生")
    c = _new(db, staff, _at(d(2025, 3, 17), 9))
    dd = _new(db, staff, _at(d(2025, 3, 20), 9))
    e = _new(db, staff, _at(d(2025, 3, 31), 20))
    f = _new(db, staff, _at(d(2025, 2, 28), 10), category="上门服务")
    with db() as s:
        other_grid = s.execute(select(Grid.id).where(Grid.community_id.in_(sorted(manager.community_ids)),
                                                     Grid.id.not_in(sorted(staff.grid_ids)))).scalars().first()
    g = _new(db, manager, _at(d(2025, 3, 5), 9), grid_id=other_grid)
    for cid in (a, b, dd, e, f):
        _walk(db, cid, manager, "assign", {"assignee": "staff"})

    def answer(cid, when):
        _walk(db, cid, staff, "respond", {"on": when.date(), "at": when.time(), "response_note": "已联系"})

    def solve(cid, when):
        _walk(db, cid, staff, "resolve", {"on": when.date(), "at": when.time(), "resolution": "已处理"})

    answer(a, _at(d(2025, 3, 3), 15)), solve(a, _at(d(2025, 3, 5), 10))      # due 4th 09:00 / 5th 23:59
    answer(b, _at(d(2025, 3, 11), 10)), solve(b, _at(d(2025, 3, 14), 10))    # due 11th 09:00 / 12th 23:59
    answer(dd, _at(d(2025, 3, 20), 10))                                      # due 21st 09:00
    _walk(db, dd, manager, "explain", {"explanation": "需业主大会表决，已向居民说明"})
    with db(write=True) as s:  # explained back then (the step stamps now): 5 working days → 27 March
        s.execute(update(Complaint).where(Complaint.id == dd).values(resolved_at=datetime(2025, 3, 25, 2, 0)))
    answer(f, _at(d(2025, 2, 28), 11)), solve(f, _at(d(2025, 3, 1), 9))      # due 12:00 / 2 March 23:59
    answer(e, _at(d(2025, 4, 1), 10))
    q1 = (d(2025, 1, 1), d(2025, 3, 31))
    with db() as s:
        for who, den in ((staff, 5), (manager, 6)):
            scope = kpis.Scope(who, None)
            response = kpis.evaluate(s, scope, "response_in_time", *q1)
            resolution = kpis.evaluate(s, scope, "resolution_in_time", *q1)
            assert (response.numerator, response.denominator) == (3, den)  # A, D, F
            assert (resolution.numerator, resolution.denominator) == (3, den)  # A, D, F
            assert response.target == 95 and response.light == "red"
        march = kpis.evaluate(s, kpis.Scope(staff, None), "response_in_time", d(2025, 3, 1), d(2025, 3, 31))
        assert (march.numerator, march.denominator) == (2, 4)  # F fell due in February
        april = kpis.evaluate(s, kpis.Scope(staff, None), "response_in_time", d(2025, 4, 1), d(2025, 4, 30))
        assert (april.numerator, april.denominator) == (1, 1)  # E
    kpi = kpis.REGISTRY["response_in_time"]
    assert (kpi.drill_page, kpi.drill_params) == ("complaints", {"complaints.view": "response_overdue"})
    assert kpis.REGISTRY["resolution_in_time"].target_key == "kpi.resolution_in_time.target"
    assert _get(db, c).first_response_at is None and _get(db, g).first_response_at is None


def test_the_demo_has_believable_requests_and_actions_from_them(db, demo_db):
    with db() as s:
        rows = s.execute(select(Complaint.status, func.count()).group_by(Complaint.status)).all()
        by_state = dict(rows)
        assert 150 <= sum(by_state.values()) <= 300
        assert by_state.get("explained") and by_state.get("followed_up") and by_state.get("done")
        assert sum(by_state.get(k, 0) for k in ("received", "assigned", "in_progress"))  # a few still open
        against = s.execute(select(func.count()).where(Complaint.subject_org == complaints.PROPERTY_COMPANY)
                            ).scalar_one()
        assert against >= 20
        bad = s.execute(select(func.count()).where(Complaint.first_response_at < Complaint.received_at)).scalar_one()
        assert bad == 0
        actions = s.execute(select(ImprovementAction).where(ImprovementAction.source == "complaint")).scalars().all()
        assert actions and all(s.get(Complaint, a.source_id).subject_org == complaints.PROPERTY_COMPANY
                               for a in actions)
        admin = actor_of(db, "admin")
        scope = kpis.Scope(admin, None)
        start, end = kpis.reporting_period("quarter", clock.today())
        value = kpis.evaluate(s, scope, "response_in_time", start, end)
        assert value.denominator and 70 <= value.value < 100  # most in time, some late


# --- the page -------------------------------------------------------------------------------------

def _labels(at) -> set[str]:
    return {m.value for m in at.markdown} | {c.value for c in at.caption}


def test_the_page_for_a_manager_staff_and_the_admin(app):
    from db.engine import session_scope
    from services.users import actor_for

    with session_scope(write=True) as s:
        staff, manager = actor_for(s, "staff"), actor_for(s, "manager")
        mine = ledgers.list_rows(s, staff, COMPLAINT, limit=1).total
        outside = s.execute(select(Complaint.id).where(Complaint.community_id.in_(sorted(manager.community_ids)),
                                                       Complaint.grid_id.not_in(sorted(staff.grid_ids)))).scalar()
        # a request received just before the year end, its five working days in 2027
        grid = s.get(Grid, sorted(staff.grid_ids)[0])
        c = Complaint(community_id=grid.community_id, grid_id=grid.id, kind="request",
                      channel="电话", category="其他", urgency="一般", content="年底受理的诉求",
                      received_at=datetime(2026, 12, 30, 2, 0), response_due=datetime(2026, 12, 31, 2, 0),
                      resolution_due=datetime(2027, 1, 6, 15, 59, 59), status="received", created_by="t",
                      updated_by="t")
        s.add(c)
        s.flush()
        year_end = c.id
    at = as_role(app, "manager")
    at.switch_page("pages/quality/complaints.py").run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == ZH["page.complaints"]
    assert not at.tabs  # the limits are the admin's
    first = at.dataframe[0].value.iloc[0]  # past a limit and open first, in SQL
    assert ZH["cmpdue.overdue"] in (first[ZH["cmp.response_state"]], first[ZH["cmp.resolution_state"]])
    assert ZH["cmp.new"] in {e.label for e in at.expander}
    at = as_role(app, "staff")
    at.query_params["complaints.id"] = str(outside)  # another grid's request, opened by its link
    at.switch_page("pages/quality/complaints.py").run()
    assert not at.exception
    shown = next(c.value for c in at.caption if "共" in c.value)
    assert f"共 {mine + 1} 条" in shown  # its grids' requests only (and the year-end one)
    assert ZH["cmp.counts"].split("{")[0] in " ".join(m.value for m in at.markdown)
    assert not [w for w in at.warning]
    at = as_role(app, "staff")
    at.query_params["complaints.id"] = str(year_end)
    at.switch_page("pages/quality/complaints.py").run()
    assert not at.exception
    assert [w.value for w in at.warning] == [ZH["cmp.calendar_missing"].format(year=2027)]
    at = as_role(app, "admin")
    at.switch_page("pages/quality/complaints.py").run()
    assert not at.exception and [t.label for t in at.tabs] == [ZH["cmp.tab_ledger"], ZH["cmp.tab_limits"]]
    assert ZH["cmp.calendar_range"].format(first=2004, last=2026) in _labels(at)


def test_the_dashboard_shows_both_kpis_with_their_targets(app):
    at = as_role(app, "manager")
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert {ZH["cmp.kpi_response"], ZH["cmp.kpi_resolution"]} <= labels


def test_a_request_logged_assigned_and_answered_on_the_page(app):
    from db.engine import session_scope

    with session_scope() as s:
        grid_id = sorted(actor_of(lambda write=False: session_scope(write=write), "staff").grid_ids)[0]
        before = s.execute(select(func.max(Complaint.id))).scalar_one()
    at = as_role(app, "manager")
    at.switch_page("pages/quality/complaints.py").run()
    at.selectbox(key="complaints_new_category").set_value("上门服务")
    at.selectbox(key="complaints_new_grid_id").set_value(grid_id)  # never pre-selected
    at.text_area(key="complaints_new_content").input("独居老人家中停电，请求上门查看")
    next(b for b in at.button if b.label == ZH["rec.save"] and "complaints_new" in (b.form_id or "")).click()
    at.run()
    assert not at.exception and not errors(at)
    with session_scope() as s:
        c = s.execute(select(Complaint).where(Complaint.id > before)).scalar_one()
        assert (c.status, c.category, c.created_by) == ("received", "上门服务", "manager")
        assert c.response_due - c.received_at == timedelta(hours=2)  # a home visit: 2 hours
        cid = c.id
    at = as_role(app, "manager")
    at.query_params["complaints.id"] = str(cid)
    at.switch_page("pages/quality/complaints.py").run()
    at.selectbox(key=f"complaints_stepform_assign_{cid}_assignee").select("staff")
    next(b for b in at.button if b.label == ZH["cmp.assign"]).click()
    at.run()
    assert not at.exception and not errors(at)
    at = as_role(app, "staff")
    at.query_params["complaints.id"] = str(cid)
    at.switch_page("pages/quality/complaints.py").run()
    labels = {b.label for b in at.button}
    assert ZH["cmp.respond"] in labels and ZH["cmp.explain"] not in labels  # explaining is the leads'
    at.text_area(key=f"complaints_stepform_respond_{cid}_response_note").input("已电话联系，马上上门")
    next(b for b in at.button if b.label == ZH["cmp.respond"]).click()
    at.run()
    assert not at.exception and not errors(at)
    with session_scope() as s:
        c = s.get(Complaint, cid)
        assert (c.status, c.assignee, c.response_note) == ("in_progress", "staff", "已电话联系，马上上门")
        assert c.received_at <= c.first_response_at
