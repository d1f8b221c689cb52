"""A record's history as sentences about named fields and values (what services.privacy.history
lets the viewer see), newest first."""
from __future__ import annotations

import re

import streamlit as st

from components.i18n import choice_label, t
from components.timefmt import when
from db.fields import Field, Ledger


def _show(f: Field, value, refs: dict[str, dict[int, str]]) -> str:
    if value in (None, "", []):
        return "—"
    if f.type == "bool":
        return t("rec.yes") if value else t("rec.no")
    if f.type == "ref":
        return str(refs.get(f.name, {}).get(value, value))
    if f.type == "choice":
        return choice_label(f.choices_key, value)
    if f.type == "multichoice":
        return t("sep.list").join(choice_label(f.choices_key, v) for v in value)
    return str(value)


def sentence(entry: dict, refs: dict[str, dict[int, str]] | None = None) -> str:
    refs = refs or {}
    who = entry.get("actor_name") or entry["actor"]
    parts = []
    for f, old, new in entry["changes"]:
        if entry["action"] == "create":
            parts.append(f"{t(f.label)}{t('sep.field')}{_show(f, new, refs)}")
        else:
            parts.append(f"{t(f.label)}{t('sep.field')}{_show(f, old, refs)} → {_show(f, new, refs)}")
    if entry["action"] == "create":
        text = t("hist.created", actor=who)
        return f"{text}{t('sep.field')}{t('sep.items').join(parts)}" if parts else text
    if entry["action"] == "update" and parts:
        return t("hist.changed", actor=who, changes=t("sep.items").join(parts))
    text = t("hist.action", actor=who, action=t(f"auditaction.{entry['action']}"))
    return f"{text}{t('sep.field')}{t('sep.items').join(parts)}" if parts else text


_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$])")


def escape(text: str) -> str:
    """Typed text shown as text: no link, image or HTML from what a user wrote."""
    return _MD.sub(r"\\\1", text)


def history_view(ledger: Ledger, entries: list[dict], refs: dict[str, dict[int, str]] | None = None) -> None:
    if not entries:
        st.caption(t("hist.empty"))
        return
    for e in entries:
        st.markdown(f"`{when(e['at'])}` {escape(sentence(e, refs))}")
