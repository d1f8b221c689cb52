"""The navigation: every built page is registered (so its URL resolves and its guard can refuse
clearly), but only the pages the role may see are visible in the menu, grouped by section."""
from __future__ import annotations

import streamlit as st

from components.i18n import t
from services import access


def build_pages(role: str | None) -> dict[str, list[st.Page]]:
    """``role`` None (not signed in): every page registered, none visible."""
    sections: dict[str, list[st.Page]] = {}
    for spec in access.built_pages():
        visible = role is not None and access.can(role, spec.key)
        home = spec.key == "home"  # the default page, served at "/"; its reserved pathname nobody types
        page = st.Page(spec.script, title=t(f"page.{spec.key}"), icon=spec.icon,
                       url_path="index" if home else spec.key, default=home,
                       visibility="visible" if visible else "hidden")
        sections.setdefault(spec.section, []).append(page)
        if home:  # a bookmarked or typed /home runs the same page instead of "Page not found"
            sections[spec.section].append(st.Page(spec.script, title=t("page.home"), url_path=spec.key,
                                                  visibility="hidden"))
    ordered = sorted(sections.items(), key=lambda kv: access.SECTIONS.index(kv[0]))
    return {t(f"section.{key}"): pages for key, pages in ordered}

