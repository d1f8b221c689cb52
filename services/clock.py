"""The community's day.

Times are stored in UTC, but "today" — what makes a visit due or a hazard overdue, what counts as
a date in the future, which month is the current one — is the calendar day where the community
is (the setting ``ui.timezone``, default Asia/Shanghai), not the server's day: a server on UTC is
still on yesterday until 08:00 in Beijing. Every service and page asks here, never
``date.today()``.

The zone is one per deployment: ``app.py`` hands the stored setting to :func:`use_zone` on each
run; scripts (``manage.py``) and tests use the default or the ``COMMUNITY_TIMEZONE`` variable.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"

_zone: ZoneInfo | None = None


def _load(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def use_zone(name: str | None) -> None:
    """Take the community's zone (an IANA name); an unknown name falls back to the default."""
    global _zone
    _zone = _load(name)


def zone() -> ZoneInfo:
    return _zone or _load(os.environ.get("COMMUNITY_TIMEZONE"))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def now() -> datetime:
    """The community's wall-clock time, without tzinfo."""
    return _utc_now().astimezone(zone()).replace(tzinfo=None)


def today() -> date:
    return now().date()


def local(value: datetime) -> datetime:
    """A stored (naive UTC) time in the community's zone, without tzinfo, for display."""
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone()).replace(tzinfo=None)
