"""Volunteers and activities on SQLite and PostgreSQL: logging rules, ownership, verification
and locking, statement totals, activities' workflow and notice warning."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from db.models import ACTIVITY, MY_HOURS, VOLUNTEER, Activity, Volunteer, VolunteerLog
from services import clock, ledgers, volunteers
from services.errors import NotFound, PermissionDenied, StaleEdit, ValidationError
from tests.conftest import actor_of

TODAY = clock.today()


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
            ledgers.save(s, vol, MY_HOURS, data)
        assert e.value.errors == errors, data
    with db(write=True) as s:
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 20})
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # 20 + 5 across entries
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 5})
    assert e.value.errors == {"hours": "err.vol_day_limit"}
    with db(write=True) as s:
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 4})


def _activity(db, manager, day, status="planned"):
    with db(write=True) as s:
        a = ledgers.save(s, manager, ACTIVITY, {"theme": "测试活动", "activity_type": "敬老", "activity_date": day,
                                                "place": "活动室", "organiser": "周敏", "target_turnout": 20,
                                                "community_id": next(iter(manager.community_ids))})
        a.status = status
        return a.id


def test_an_activity_that_has_not_happened_and_the_duplicate_warning(db, demo_db):
    vol, manager = actor_of(db, "volunteer"), actor_of(db, "manager")
    future = _activity(db, manager, TODAY + timedelta(days=3), "announced")
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, vol, MY_HOURS, {"log_date": TODAY, "hours": 2, "activity_id": future})
    assert e.value.errors == {"activity_id": "err.act_not_yet"}
    past = _activity(db, manager, TODAY - timedelta(days=2), "held")
    day = TODAY - timedelta(days=2)
    _day_clear(db, vol, day)
    with db(write=True) as s:
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 2, "activity_id": past})
    with db() as s, pytest.raises(ValidationError) as e:  # asked about before anything is written
        ledgers.prepare(s, vol, MY_HOURS, {"log_date": day, "hours": 1, "activity_id": past})
    assert e.value.key == "warn.vol_duplicate"
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 1, "activity_id": past})
    assert e.value.key == "warn.vol_duplicate"
    with db(write=True) as s:
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 1, "activity_id": past, "confirm_duplicate": True})


def test_ownership_verification_and_locking(db, demo_db):
    vol, staff, manager = actor_of(db, "volunteer"), actor_of(db, "staff"), actor_of(db, "manager")
    day = TODAY - timedelta(days=3)
    _day_clear(db, vol, day)
    with db(write=True) as s:
        mine = ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 3}).id
        other = s.execute(select(VolunteerLog).join(Volunteer, Volunteer.id == VolunteerLog.volunteer_id)
                          .where(Volunteer.user_id.is_(None), VolunteerLog.status == "logged")).scalars().first()
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:
        ledgers.delete(s, vol, MY_HOURS, other.id, None)
    assert e.value.key == "err.out_of_scope"
    with db(write=True) as s:
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 3.5}, mine, None)
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
    for call in (lambda s: ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 1}, mine, None),
                 lambda s: ledgers.delete(s, vol, MY_HOURS, mine, None),
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
        entry = ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 2})
        loaded = entry.version
    with db(write=True) as s:
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 5}, entry.id, loaded)
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
        a = ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 2.5}).id
        b = ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 1.5}).id
        ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 4})  # stays unverified
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
        ledgers.save(s, staff, MY_HOURS, {"log_date": TODAY, "hours": 1})
    from db.models.users import USER_LEDGER
    from services import users

    admin = actor_of(db, "admin")
    with db(write=True) as s:
        u = ledgers.save(s, admin, USER_LEDGER, {"username": "vol2", "display_name": "志愿者二", "role": "volunteer",
                                                 "community_ids": [1], "password": "long-enough-1"})
        uid = u.id
    with db() as s, pytest.raises(NotFound):
        volunteers.me(s, users.actor_for(s, "vol2"))
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # the account is linked once only
        ledgers.save(s, staff, VOLUNTEER, {"name": "重复", "joined_on": TODAY, "status": "active", "community_id": 1,
                                           "user_id": actor_of(db, "volunteer").user_id})
    assert e.value.errors == {"user_id": "err.vol_account_taken"}
    with db(write=True) as s:
        ledgers.save(s, staff, VOLUNTEER, {"name": "志愿者二", "joined_on": TODAY - timedelta(days=10),
                                           "status": "active", "user_id": uid, "community_id": 1})
    with db(write=True) as s:
        ledgers.save(s, actor_of(db, "vol2"), MY_HOURS, {"log_date": TODAY, "hours": 1})


def test_activity_workflow_and_short_notice_warning(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    aid = _activity(db, manager, TODAY + timedelta(days=2))
    with db() as s:  # planned activities are not public
        assert aid not in [r["id"] for r in ledgers.list_rows(s, vol, ACTIVITY, limit=1000).rows]
    with db(write=True) as s:
        _, warnings = ledgers.move_with_warnings(s, manager, ACTIVITY, aid, "announce", {"notice_date": TODAY})
    assert warnings == [("act.short_notice", {"days": 2})]
    with db() as s:
        assert aid in [r["id"] for r in ledgers.list_rows(s, vol, ACTIVITY, limit=1000).rows]
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # not happened yet
        ledgers.move(s, manager, ACTIVITY, aid, "held", {"actual_turnout": 25})
    assert e.value.key == "err.act_not_yet"
    past = _activity(db, manager, TODAY - timedelta(days=1))
    with db(write=True) as s, pytest.raises(PermissionDenied):  # not held yet
        ledgers.move(s, manager, ACTIVITY, past, "evaluate", {"org_score": 4, "satisfaction": 90})
    with db(write=True) as s:
        ledgers.move(s, manager, ACTIVITY, past, "held", {"actual_turnout": 16})
    with db(write=True) as s, pytest.raises(ValidationError):
        ledgers.move(s, manager, ACTIVITY, past, "evaluate", {"org_score": 7, "satisfaction": 90})
    with db(write=True) as s:
        ledgers.move(s, manager, ACTIVITY, past, "evaluate",
                     {"org_score": 4, "satisfaction": 92.5, "evaluation_note": "组织有序"})
    with db() as s:
        a = s.get(Activity, past)
        row = next(r for r in ledgers.list_rows(s, manager, ACTIVITY, limit=1000, view="past").rows
                   if r["id"] == past)
    assert (a.status, a.org_score, a.satisfaction, row["turnout_rate"]) == ("evaluated", 4, 92.5, 80.0)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, vol, ACTIVITY, {"theme": "x", "activity_type": "敬老", "activity_date": TODAY, "place": "x",
                                        "organiser": "x", "target_turnout": 1, "community_id": 1})


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
        entry = ledgers.save(s, vol, MY_HOURS, {"log_date": day, "hours": 1.5, "role": "组织"}).id
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


# --- on the ledger engine: the activity workflow, a volunteer's own hours -------------------------

def test_an_activity_step_is_refused_from_the_wrong_state_and_for_a_volunteer(db, demo_db):
    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    aid = _activity(db, manager, TODAY - timedelta(days=1), "announced")
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # announced already
        ledgers.move(s, manager, ACTIVITY, aid, "announce", {"notice_date": TODAY - timedelta(days=5)})
    assert (e.value.key, e.value.params["state"]) == ("err.wf_state", "announced")
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # not held yet
        ledgers.move(s, manager, ACTIVITY, aid, "evaluate", {"org_score": 5})
    assert e.value.key == "err.wf_state"
    with db(write=True) as s, pytest.raises(PermissionDenied):  # a volunteer sees it, but takes no step
        ledgers.move(s, vol, ACTIVITY, aid, "held", {"actual_turnout": 12})
    with db() as s:
        obj = ledgers.get(s, vol, ACTIVITY, aid)
        assert ledgers.may_move(s, vol, ACTIVITY, obj, "held") == "err.permission"
        assert [(spec.name, reason) for spec, reason in ledgers.steps_open(s, manager, ACTIVITY, obj)] == \
            [("held", None)]
        assert (obj.status, obj.actual_turnout) == ("announced", None)


def test_a_short_notice_is_saved_with_its_warning_and_the_step_is_on_the_history(db, demo_db):
    from db.models import AuditLog

    manager = actor_of(db, "manager")
    day = TODAY + timedelta(days=1)
    aid = _activity(db, manager, day)
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a notice is not given in the future
        ledgers.move(s, manager, ACTIVITY, aid, "announce", {"notice_date": TODAY + timedelta(days=1)})
    assert e.value.errors == {"notice_date": "err.future_date"}
    with db(write=True) as s:
        a, warnings = ledgers.move_with_warnings(s, manager, ACTIVITY, aid, "announce", {"notice_date": TODAY})
        assert (a.status, a.notice_date) == ("announced", TODAY)
    assert warnings == [("act.short_notice", {"days": 1})]
    with db() as s:
        entries = ledgers.history(s, manager, ACTIVITY, aid)
        steps = s.execute(select(AuditLog.action).where(AuditLog.table_name == "activity",
                                                        AuditLog.row_id == aid)).scalars().all()
    newest = entries[0]
    assert (newest["action"], newest["step"]) == ("step", "announce")
    changed = {f.name: (old, new) for f, old, new in newest["changes"]}
    assert changed["status"] == ("planned", "announced") and changed["notice_date"][1] == TODAY
    assert steps.count("step") == 1
    with db(write=True) as s:  # three days ahead is enough notice: no warning
        other = ledgers.save(s, manager, ACTIVITY, {"theme": "提前通知", "activity_type": "敬老",
                                                    "activity_date": TODAY + timedelta(days=3), "place": "活动室",
                                                    "organiser": "周敏", "target_turnout": 10,
                                                    "community_id": a.community_id}).id
        assert ledgers.move_with_warnings(s, manager, ACTIVITY, other, "announce", {"notice_date": TODAY})[1] == []


def test_a_planned_activity_is_invisible_to_a_volunteer_on_every_path(db, demo_db):
    from services import activities

    manager, vol = actor_of(db, "manager"), actor_of(db, "volunteer")
    aid = _activity(db, manager, TODAY - timedelta(days=1))
    with db() as s:
        assert aid in [r["id"] for r in ledgers.list_rows(s, manager, ACTIVITY, limit=1000).rows]
        assert aid not in [r["id"] for r in ledgers.list_rows(s, vol, ACTIVITY, limit=1000).rows]
        assert ledgers.row(s, vol, ACTIVITY, aid) is None
        assert aid not in activities.options(s, vol)  # nor in the picker of a volunteer's log
        assert aid in activities.options(s, manager)
    for path in (lambda s: ledgers.get(s, vol, ACTIVITY, aid), lambda s: ledgers.history(s, vol, ACTIVITY, aid)):
        with db() as s, pytest.raises(PermissionDenied) as e:
            path(s)
        assert e.value.key == "err.out_of_scope"
    with db(write=True) as s, pytest.raises(PermissionDenied):  # volunteers export nothing
        ledgers.export(s, vol, ACTIVITY)
    with db(write=True) as s:
        assert aid in [r["id"] for r in ledgers.export(s, manager, ACTIVITY)]
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # nor can their hours name it
        ledgers.save(s, vol, MY_HOURS, {"log_date": TODAY, "hours": 1, "activity_id": aid})
    assert e.value.errors == {"activity_id": "err.bad_choice"}
    with db(write=True) as s:
        ledgers.move(s, manager, ACTIVITY, aid, "announce", {"notice_date": TODAY - timedelta(days=9)})
    with db() as s:  # announced: public now
        assert ledgers.get(s, vol, ACTIVITY, aid).status == "announced"


def test_a_held_activity_keeps_its_date_and_its_photos(db, demo_db):
    from db.models import activity_photo
    from services import photos

    manager = actor_of(db, "manager")
    aid = _activity(db, manager, TODAY - timedelta(days=2), "announced")
    with db(write=True) as s:
        photo = photos.save_photo(s, manager, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "合影.png", 1).id
        ledgers.move(s, manager, ACTIVITY, aid, "held", {"actual_turnout": 18, "photo_ids": [photo]})
    with db() as s:
        kept = s.execute(select(activity_photo.c.photo_id).where(activity_photo.c.activity_id == aid)).scalars().all()
        a = s.get(Activity, aid)
        data = {f.name: getattr(a, f.name) for f in ACTIVITY.fields if f.editable}
    assert kept == [photo] and (a.status, a.actual_turnout) == ("held", 18)
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, manager, ACTIVITY, {**data, "activity_date": TODAY}, aid, a.version)
    assert e.value.errors == {"activity_date": "err.act_already_held"}
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, manager, ACTIVITY, {**data, "start_time": time(10), "end_time": time(9, 30)}, aid, a.version)
    assert e.value.errors == {"end_time": "err.out_of_range"}
    with db(write=True) as s:  # the place can still be corrected
        ledgers.save(s, manager, ACTIVITY, {**data, "place": "社区礼堂"}, aid, a.version)
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a photo that is not stored
        other = _activity(db, manager, TODAY - timedelta(days=2), "announced")
        ledgers.move(s, manager, ACTIVITY, other, "held", {"actual_turnout": 3, "photo_ids": [10 ** 9]})
    assert e.value.errors == {"photo": "err.bad_choice"}


def _second_volunteer(db):
    """Another volunteer with a sign-in account and a register entry, and one entry logged."""
    from db.models.users import USER_LEDGER

    admin = actor_of(db, "admin")
    with db(write=True) as s:
        uid = ledgers.save(s, admin, USER_LEDGER, {"username": "vol3", "display_name": "志愿者三", "role": "volunteer",
                                                   "community_ids": [1], "password": "long-enough-1"}).id
        ledgers.save(s, admin, VOLUNTEER, {"name": "志愿者三", "joined_on": TODAY - timedelta(days=30),
                                           "status": "active", "user_id": uid, "community_id": 1})
    other = actor_of(db, "vol3")
    with db(write=True) as s:
        entry = ledgers.save(s, other, MY_HOURS, {"log_date": TODAY, "hours": 2, "note": "别人的记录"})
        return other, entry.id, entry.version


def test_a_volunteer_cannot_see_or_change_another_volunteers_hours(db, demo_db):
    vol = actor_of(db, "volunteer")
    other, theirs, version = _second_volunteer(db)
    with db() as s:
        mine = ledgers.list_rows(s, vol, MY_HOURS, limit=1000).rows
        me = volunteers.me(s, vol)
        assert mine and theirs not in [r["id"] for r in mine]
        assert {s.get(VolunteerLog, r["id"]).volunteer_id for r in mine} == {me.id}
        assert [r["id"] for r in ledgers.list_rows(s, other, MY_HOURS).rows] == [theirs]
    refusals = (lambda s: ledgers.get(s, vol, MY_HOURS, theirs),
                lambda s: ledgers.history(s, vol, MY_HOURS, theirs),
                lambda s: ledgers.save(s, vol, MY_HOURS, {"log_date": TODAY, "hours": 9}, theirs, version),
                lambda s: ledgers.delete(s, vol, MY_HOURS, theirs, version),
                lambda s: ledgers.list_rows(s, vol, ledgers.get_ledger("volunteer_log")),  # staff's view: none
                lambda s: volunteers.verify(s, vol, [{"id": theirs, "approve": True}]))
    for refused in refusals:
        with db(write=True) as s, pytest.raises(PermissionDenied):
            refused(s)
    with db() as s:
        entry = s.get(VolunteerLog, theirs)
        assert (entry.hours, entry.note, entry.status, entry.deleted_at) == (2, "别人的记录", "logged", None)


def test_verifying_hours_is_a_workflow_step_and_locks_the_entry(db, demo_db):
    from db.models import VOLUNTEER_LOG

    staff = actor_of(db, "staff")
    other, theirs, version = _second_volunteer(db)
    with db() as s:
        waiting = ledgers.list_rows(s, staff, VOLUNTEER_LOG, filters={"status": "logged"}, limit=1000).rows
    row = next(r for r in waiting if r["id"] == theirs)
    assert row["volunteer"] == "志愿者三" and row["activity"] is None
    with db(write=True) as s, pytest.raises(ValidationError) as e:  # a rejection says why
        ledgers.move(s, staff, VOLUNTEER_LOG, theirs, "reject", {"reject_reason": " "}, version)
    assert e.value.errors == {"reject_reason": "err.required"}
    with db(write=True) as s:
        entry = ledgers.move(s, staff, VOLUNTEER_LOG, theirs, "reject", {"reject_reason": "日期有误"}, version)
        assert (entry.status, entry.verified_by, entry.reject_reason) == ("rejected", "staff", "日期有误")
    with db() as s:
        newest = ledgers.history(s, staff, VOLUNTEER_LOG, theirs)[0]
        assert (newest["action"], newest["step"]) == ("step", "reject")
        mine = ledgers.history(s, other, MY_HOURS, theirs)  # the volunteer reads the same entry
        assert [e["action"] for e in mine] == ["step", "create"]
    for write in (lambda s: ledgers.save(s, other, MY_HOURS, {"log_date": TODAY, "hours": 1}, theirs, None),
                  lambda s: ledgers.delete(s, other, MY_HOURS, theirs, None)):
        with db(write=True) as s, pytest.raises(PermissionDenied) as e:
            write(s)
        assert e.value.key == "err.vol_locked"
    with db(write=True) as s, pytest.raises(PermissionDenied) as e:  # decided once
        ledgers.move(s, staff, VOLUNTEER_LOG, theirs, "verify")
    assert e.value.key == "err.wf_state"
