"""Times as people read them: stored in UTC, shown in the community's time zone (the setting
``ui.timezone``, default Asia/Shanghai), never labelled UTC."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from components.runtime import read
from services import clock, settings

DEFAULT_ZONE = clock.DEFAULT_ZONE


@st.cache_data(ttl=60, show_spinner=False)
def _zone_name() -> str:
    try:
        with read() as s:
            return str(settings.get(s, "ui.timezone"))
    except Exception:  # no database yet: the default
        return DEFAULT_ZONE


def configure() -> None:
    """Hand the stored setting to the services' clock (once per run, from app.py), so that
    "today" everywhere is the community's day."""
    clock.use_zone(_zone_name())


def zone() -> ZoneInfo:
    configure()
    return clock.zone()


def local(value: datetime) -> datetime:
    """A stored (naive UTC) time in the community's zone, without tzinfo for display."""
    configure()
    return clock.local(value)


def when(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return local(value).strftime(fmt)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
