"""Times as people read them: stored in UTC, shown in the community's time zone (the setting
``ui.timezone``, default Asia/Shanghai), never labelled UTC."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from components.runtime import read
from services import settings

DEFAULT_ZONE = "Asia/Shanghai"


@st.cache_data(ttl=60, show_spinner=False)
def _zone_name() -> str:
    try:
        with read() as s:
            return str(settings.get(s, "ui.timezone"))
    except Exception:  # no database yet: the default
        return DEFAULT_ZONE


def zone() -> ZoneInfo:
    try:
        return ZoneInfo(_zone_name())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local(value: datetime) -> datetime:
    """A stored (naive UTC) time in the community's zone, without tzinfo for display."""
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone()).replace(tzinfo=None)


def when(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return local(value).strftime(fmt)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
