"""Volunteers and activities on SQLite and PostgreSQL: logging rules, ownership, verification
and locking, statement totals, activities' workflow and notice warning."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.models import Activity, Volunteer, VolunteerLog
from services import activities, clock, volunteers
from services.errors import NotFound, PermissionDenied, StaleEdit, ValidationError
from tests.conftest import actor_of

TODAY = clock.today()


def _log(db, actor, **data):
    with db(write=True) as s:
        return volunteers.log_hours(s, actor, {"log_date": TODAY, "hours": 2, **data},
                                    confirm_duplicate=data.pop("confirm", False) if "confirm" in data else False).id


def _day_clear(db, actor, day):
    """Remove the demo's entries of that day so the 24-hour rule is tested from zero."""
    with db(write=True) as s:
        me = volunteers.me(s, actor)
        for e in s.execute(select(VolunteerLog).where(VolunteerLog.volunteer_id == me.id,
                                                      VolunteerLog.log_date == day)).scalars():
            s.delete(e)


def test_logging_rules(db, demo_db):
    vol = actor_of(db, "volunteer")
    day = TODAY - timedelta(days=1)
    _day_clear(db, vol, day)
    cases = [({"log_date": TODAY + timedelta(days=1), "hours": 1}, {"log_date": "err.future_date"}),
             ({"log_date": day, "hours": 0}, {"hours": "err.vol_hours_positive"}),
             ({"log_date": day, "hours": -3}, {"hours": "err.vol_hours_positive"}),
             ({"log_date": day, "hours": 25}, {"hours": "err.vol_day_limit"})]
    for data, errors in cases:
        with db(write=True) as s, pytest.raises(ValidationError) as e:
            volunteers.log_hours(s, vol, data)
        assert e.value.errors == errors, data
    with db(write=True) as s:
        volunteers.log_hours(s, vol, {"log_date": day, "hours": 20})
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # 20 + 5 across entries
        volunteers.log_hours(s, vol, {"log_date": day, "hours": 5})
    assert e.value.errors == {"hours": "err.vol_day_limit"}
    with db(write=True) as s:
        volunteers.log_hours(s, vol, {"log_date": day, "hours": 4})


def _activity(db, manager, day, status="planned"):
    with db(write=True) as s:
        a = activities.save_activity(s, manager, {"theme": "测试活动", "activity_type": "敬老", "activity_date": day,
                                                  "place": "活动室", "organiser": "周敏", "target_turnout": 20},
                                     next(iter(manager.community_ids)))
        a.status = status
        return a.id


def test_an_activity_that_has_not_happened_and_the_duplicate_warning(db, demo_db):
    vol, manager = actor_of(db, "volunteer"), actor_of(db, "manager")
    future = _activity(db, manager, TODAY + timedelta(days=3), "announced")
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        volunteers.log_hours(s, vol, {"log_date": TODAY, "hours": 2, "activity_id": future})
    assert e.value.errors == {"activity_id": "err.act_not_yet"}
    past = _activity(db, manager, TODAY - timedelta(days=2), "held")
    day = TODAY - timedelta(days=2)
    _day_clear(db, vol, day)
    with db(write=True) as s:
        volunteers.log_hours(s, vol, {"log_date": day, "hours": 2, "activity_id": past})
    with db() as s:
        assert volunteers.check_log(s, vol, {"log_date": day, "hours": 1, "activity_id": past}).duplicate_of
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        volunteers.log_hours(s, vol, {"log_date": day, "hours": 1, "activity_id": past})
    assert e.value.key == "warn.vol_duplicate"
    with db(write=True) as s:
        volunteers.log_hours(s, vol, {"log_date": day, "hours": 1, "activity_id": past}, confirm_duplicate=True)


def test_ownership_verification_and_locking(db, demo_db):
    vol, staff, manager = actor_of(db, "volunteer"), actor_of(db, "staff"), actor_of(db, "manager")
    day = TODAY - timedelta(days=3)
    _day_clear(db, vol, day)
    with db(write=True) as s:
        mine = volunteers.log_hours(s, vol, {"log_date": day, "hours": 3}).id
        other = s.execute(select(VolunteerLog).join(Volunteer, Volunteer.id == VolunteerLog.volunteer_id)
                          .where(Volunteer.user_id.is_(None), VolunteerLog.status == "logged")).scalars().first()
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        volunteers.delete_own(s, vol, other.id, None)
    assert e.value.key == "err.vol_not_yours"
    with db(write=True) as s:
        volunteers.edit_own(s, vol, mine, {"log_date": day, "hours": 3.5}, None)
    with db(write=True) as s, pytest.raises(PermissionDenied):  # only staff verify
        volunteers.verify(s, vol, [{"id": mine, "approve": True}])
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a rejection needs a reason; all or nothing
        volunteers.verify(s, staff, [{"id": mine, "approve": True}, {"id": other.id, "approve": False, "reason": ""}])
    assert e.value.errors == {str(other.id): "err.vol_reason"}
    with db() as s:
        assert s.get(VolunteerLog, mine).status == "logged"
    with db(write=True) as s:
        assert volunteers.verify(s, staff, [{"id": mine, "approve": True},
                                            {"id": other.id, "approve": False, "reason": "重复登记"}]) == \
            {"verified": 1, "rejected": 1}
    for call in (lambda s: volunteers.edit_own(s, vol, mine, {"log_date": day, "hours": 1}, None),
                 lambda s: volunteers.delete_own(s, vol, mine, None),
                 lambda s: volunteers.verify(s, manager, [{"id": mine, "approve": False, "reason": "x"}])):
        with db(write=True) as s, pytest.raises((PermissionDenied, ValidationError)):
            call(s)
    with db() as s:
        entry = s.get(VolunteerLog, mine)
        assert (entry.status, entry.hours, entry.verified_by) == ("verified", 3.5, "staff")


def test_a_stale_verification_is_refused(db, demo_db):
    vol, staff = actor_of(db, "volunteer"), actor_of(db, "staff")
    day = TODAY - timedelta(days=4)
    _day_clear(db, vol, day)
    with db(write=True) as s:
        entry = volunteers.log_hours(s, vol, {"log_date": day, "hours": 2})
        loaded = entry.version
    with db(write=True) as s:
        volunteers.edit_own(s, vol, entry.id, {"log_date": day, "hours": 5}, loaded)
    with db(write=True) as s, pytest.raises(StaleEdit):
        volunteers.verify(s, staff, [{"id": entry.id, "version": loaded, "approve": True}])


def test_statement_totals_only_verified_hours(db, demo_db):
    vol, staff = actor_of(db, "volunteer"), actor_of(db, "staff")
    first, last = TODAY - timedelta(days=30), TODAY
    with db() as s:
        before = volunteers.statement(s, vol, first, last).total
    day = TODAY - timedelta(days=5)
    _day_clear(db, vol, day)
    with db(write=True) as s:
        a = volunteers.log_hours(s, vol, {"log_date": day, "hours": 2.5}).id
        b = volunteers.log_hours(s, vol, {"log_date": day, "hours": 1.5}).id
        volunteers.log_hours(s, vol, {"log_date": day, "hours": 4})  # stays unverified
    with db() as s:
        after_day_clear = volunteers.statement(s, vol, first, last).total
    with db(write=True) as s:
        volunteers.verify(s, staff, [{"id": a, "approve": True}, {"id": b, "approve": False, "reason": "不符"}])
    with db() as s:
        stmt = volunteers.statement(s, vol, first, last)
        me = volunteers.me(s, vol)
        month = volunteers.totals_by_month(s, me.id)[day.strftime("%Y-%m")]
    assert stmt.total == pytest.approx(after_day_clear + 2.5)
    assert after_day_clear <= before
    assert month >= 2.5 and stmt.name == "郑芳"


def test_accounts_without_a_register_entry_and_other_roles(db, demo_db):
    staff = actor_of(db, "staff")
    with db(write=True) as s, pytest.raises(PermissionDenied):
        volunteers.log_hours(s, staff, {"log_date": TODAY, "hours": 1})
    from db.models.users import USER_LEDGER
    from services import ledgers, users

    admin = actor_of(db, "admin")
    with db(write=True) as s:
        u = ledgers.save(s, admin, USER_LEDGER, {"username": "vol2", "display_name": "志愿者二", "role": "volunteer",
                                                 "community_ids": [1], "password": "long-enough-1"})
        uid = u.id
    with db() as s, pytest.raises(NotFound):
        volunteers.me(s, users.actor_for(s, "vol2"))
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # the account is linked once only
        volunteers.save_volunteer(s, staff, {"name": "重复", "joined_on": TODAY, "status": "active",
                                             "user_id": actor_of(db, "volunteer").user_id}, 1)
    assert e.value.errors == {"user_id": "err.vol_account_taken"}
    with db(write=True) as s:
        volunteers.save_volunteer(s, staff, {"name": "志愿者二", "joined_on": TODAY - timedelta(days=10),
                                             "status": "active", "user_id": uid}, 1)
    with db(write=True) as s:
        volunteers.log_hours(s, actor_of(db, "vol2"), {"log_date": TODAY, "hours": 1})


def test_activity_workflow_and_short_notice_warning(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    aid = _activity(db, manager, TODAY + timedelta(days=2))
    with db() as s:  # planned activities are not public
        assert aid not in [r["id"] for r in activities.list_activities(s, vol, limit=1000).rows]
    with db(write=True) as s:
        _, warning = activities.announce(s, manager, aid, TODAY, None)
    assert warning == 2
    with db() as s:
        assert aid in [r["id"] for r in activities.list_activities(s, vol, limit=1000).rows]
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # not happened yet
        activities.record_held(s, manager, aid, 25, None)
    assert e.value.errors == {"activity_date": "err.act_not_yet"}
    past = _activity(db, manager, TODAY - timedelta(days=1))
    with db(write=True) as s, pytest.raises(PermissionDenied):
        activities.evaluate(s, manager, past, 4, 90, None, None)  # not held yet
    with db(write=True) as s:
        activities.record_held(s, manager, past, 16, None)
    with db(write=True) as s, pytest.raises(ValidationError):
        activities.evaluate(s, manager, past, 7, 90, None, None)
    with db(write=True) as s:
        activities.evaluate(s, manager, past, 4, 92.5, "组织有序", None)
    with db() as s:
        a = s.get(Activity, past)
        row = next(r for r in activities.list_activities(s, manager, limit=1000, filters={"when": "past"}).rows
                   if r["id"] == past)
    assert (a.status, a.org_score, a.satisfaction, row["turnout_rate"]) == ("evaluated", 4, 92.5, 80.0)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        activities.save_activity(s, vol, {"theme": "x", "activity_type": "敬老", "activity_date": TODAY,
                                          "place": "x", "organiser": "x", "target_turnout": 1}, 1)


def test_leaderboard_is_opt_in(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    with db() as s:
        names = {r["name"] for r in volunteers.leaderboard(s, manager, limit=100)}
        opted = set(s.execute(select(Volunteer.name).where(Volunteer.leaderboard.is_(True))).scalars())
    assert names <= opted and "郑芳" in names
    with db(write=True) as s:
        volunteers.set_leaderboard(s, vol, False)
    with db() as s:
        assert "郑芳" not in {r["name"] for r in volunteers.leaderboard(s, manager, limit=100)}
        rows = volunteers.hours_by_month_and_team(s, manager, TODAY - timedelta(days=365), TODAY)
    assert rows and all(r["hours"] > 0 for r in rows)


def test_the_printed_statement_names_its_issuer_date_and_verifier_and_has_room_for_stamp_and_signature(db, demo_db):
    """Issue 17: the statement is handed to a school or employer: who issues it (the community's
    committee), when, a place for the stamp and signature, headers that say what the columns hold,
    and the verifier by name, not by login."""
    import re

    from components.catalog import CATALOG
    from db.models import User
    from services import documents

    vol, staff = actor_of(db, "volunteer"), actor_of(db, "staff")
    day = TODAY - timedelta(days=3)
    _day_clear(db, vol, day)
    with db(write=True) as s:
        entry = volunteers.log_hours(s, vol, {"log_date": day, "hours": 1.5, "role": "组织"}).id
        volunteers.verify(s, staff, [{"id": entry, "approve": True}])
    with db() as s:
        stmt = volunteers.statement(s, vol, day, day)
        staff_name = s.execute(select(User.display_name).where(User.username == "staff")).scalar_one()
    zh = lambda key, **kw: CATALOG[key][0].format(**kw) if kw else CATALOG[key][0]  # noqa: E731
    page = documents.volunteer_statement(stmt, zh, lambda r: zh(f"volrole.{r}"), issued=date(2026, 12, 1))
    assert stmt.community and f"{stmt.community}居民委员会" in page
    assert "2026-12-01" in page and "盖章" in page and "签字" in page and "年" in page
    headers = re.findall(r"<th>(.*?)</th>", page)
    assert headers == ["日期", "活动", "担任", "小时", "核验人"]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert staff_name in cells and "staff" not in cells and "组织" in cells
    # the words come from the catalog: the English statement has no Chinese labels
    en = lambda key, **kw: CATALOG[key][1].format(**kw) if kw else CATALOG[key][1]  # noqa: E731
    english = documents.volunteer_statement(stmt, en, lambda r: en(f"volrole.{r}"), issued=date(2026, 12, 1))
    assert "Verified by" in english and "盖章" not in english and "residents&#39; committee" in english
    # nothing verified in the period: the table says so instead of being empty
    with db() as s:
        empty = volunteers.statement(s, vol, date(2001, 1, 1), date(2001, 1, 2))
    assert zh("my.statement_none") in documents.volunteer_statement(empty, zh, str)
