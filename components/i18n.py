"""The language of this session and ``t()``, the only way a user-facing string is drawn."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import streamlit as st

from components.catalog import CATALOG

LANGS = ("zh", "en")
DEFAULT = "zh"


_forced = threading.local()


def lang() -> str:
    forced = getattr(_forced, "lang", None)
    if forced:
        return forced
    return st.session_state.get("lang", DEFAULT)


@contextmanager
def language(code: str):
    """Translate in ``code`` where there is no session (a download built after the run)."""
    previous = getattr(_forced, "lang", None)
    _forced.lang = code
    try:
        yield
    finally:
        _forced.lang = previous


def apply_query_lang() -> None:
    """``?lang=en`` / ``?lang=zh`` on any URL switches the language for this session."""
    wanted = st.query_params.get("lang")
    if wanted in LANGS and st.session_state.get("lang") != wanted:
        st.session_state["lang"] = wanted
        st.session_state["lang_explicit"] = True


def t(key: str, **params) -> str:
    pair = CATALOG.get(key)
    if pair is None:
        return key
    text = pair[1] if lang() == "en" else pair[0]
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def choice_label(choices_key: str | None, value) -> str:
    if value is None:
        return ""
    return t(f"{choices_key}.{value}") if choices_key else str(value)


def language_switch(on_change=None) -> None:
    """Sidebar control; ``on_change(lang)`` lets the caller remember the choice for the user."""
    def _changed():
        new = st.session_state["_lang_switch"]
        st.session_state["lang"] = new
        st.session_state["lang_explicit"] = True
        if "lang" in st.query_params:
            st.query_params["lang"] = new
        if on_change:
            on_change(new)

    st.session_state["_lang_switch"] = lang()
    st.sidebar.segmented_control(t("lang.label"), LANGS, format_func=lambda v: t(f"lang.{v}"),
                                 key="_lang_switch", on_change=_changed)
