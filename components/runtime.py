"""Database access for pages and how a page shows a user's mistake."""
from __future__ import annotations

from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from components.i18n import t
from db.engine import get_engine, session_scope
from services.errors import DomainError, ValidationError


def read():
    """A read-only unit of work on the process's engine."""
    return session_scope(get_engine())


def write():
    """A unit of work that writes: all of it commits, or none of it."""
    return session_scope(get_engine(), write=True)


def error_text(e: DomainError, labels: dict[str, str] | None = None) -> str:
    params = {k: v for k, v in e.params.items() if not isinstance(v, dict)}
    if isinstance(e.params.get("counts"), dict):  # tables that still hang on a record, by their names
        params["tables"] = t("sep.list").join(f"{t('table.' + name)} {n}" for name, n in e.params["counts"].items())
    if "field" in params and labels:
        params["field"] = labels.get(params["field"], params["field"])
    if "at" in params and hasattr(params["at"], "strftime"):
        params["at"] = params["at"].strftime("%Y-%m-%d %H:%M")
    text = t(e.key, **params)
    if isinstance(e, ValidationError) and e.errors:
        parts = [f"{(labels or {}).get(f, f)}{t('sep.field')}{t(k, **params)}" for f, k in e.errors.items()]
        text = f"{text} " + t("sep.items").join(parts)
    return text


def show_error(e: DomainError, labels: dict[str, str] | None = None) -> None:
    st.error(error_text(e, labels), icon=":material/error:")


@contextmanager
def user_action(labels: dict[str, str] | None = None):
    """Run a write; a user's mistake becomes a message, never a traceback. Sets ``ok``, and
    ``error`` to the DomainError when there was one."""
    state = {"ok": False, "error": None}
    try:
        yield state
        state["ok"] = True
    except DomainError as e:
        state["error"] = e
        show_error(e, labels)
    except (StaleDataError, IntegrityError) as e:
        # two sessions saving at the same instant: SQLAlchemy's version check or a unique key
        # in the database caught what the service's own checks could not see yet
        st.error(t("err.stale_now") if isinstance(e, StaleDataError) else t("err.duplicate"),
                 icon=":material/error:")

