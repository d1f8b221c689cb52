""""Today" is the community's day: a server on UTC is still on yesterday until 08:00 in Beijing,
yet a volunteer who served this morning logs it for today and is not told it is in the future."""
from datetime import datetime, timedelta, timezone

import pytest

from db.models import MY_HOURS
from services import clock, ledgers
from services.errors import ValidationError
from tests.conftest import actor_of

# Ten days ago, so that a service asking the real machine for its date would see the entries
# below as past days and accept what the community's clock refuses.
UTC_DAY = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=10)
EARLY_MORNING_IN_BEIJING = UTC_DAY.replace(hour=20)  # 04:00 the next day in Beijing


@pytest.fixture
def at_4am_in_beijing(monkeypatch):
    monkeypatch.setattr(clock, "_utc_now", lambda: EARLY_MORNING_IN_BEIJING)
    monkeypatch.setattr(clock, "_zone", None)
    monkeypatch.delenv("COMMUNITY_TIMEZONE", raising=False)
    yield
    clock.use_zone(None)


def test_today_is_the_day_in_the_communitys_zone(at_4am_in_beijing):
    assert clock.today() == UTC_DAY.date() + timedelta(days=1)
    assert clock.now().hour == 4
    clock.use_zone("UTC")
    assert clock.today() == UTC_DAY.date()
    clock.use_zone("Not/AZone")  # a mistyped setting falls back to the default, not to a crash
    assert clock.today() == UTC_DAY.date() + timedelta(days=1)


def test_stored_utc_times_are_shown_in_the_communitys_zone(at_4am_in_beijing):
    assert clock.local(datetime(2026, 12, 1, 20, 30)) == datetime(2026, 12, 2, 4, 30)


def test_a_volunteer_logs_this_mornings_hours_before_8_in_beijing(db, demo_db, at_4am_in_beijing):
    vol = actor_of(db, "volunteer")
    beijing_today = UTC_DAY.date() + timedelta(days=1)
    with db(write=True) as s:
        entry = ledgers.save(s, vol, MY_HOURS, {"log_date": beijing_today, "hours": 1.5})
        assert entry.log_date == beijing_today
    with db(write=True) as s, pytest.raises(ValidationError) as refused:
        ledgers.save(s, vol, MY_HOURS, {"log_date": beijing_today + timedelta(days=1), "hours": 1})
    assert refused.value.errors == {"log_date": "err.future_date"}
