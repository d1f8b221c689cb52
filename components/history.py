"""A record's history as sentences about named fields and values (what services.privacy.history
lets the viewer see), newest first."""
from __future__ import annotations

import re
from datetime import datetime

import streamlit as st

from components.i18n import choice_label, t
from components.timefmt import when
from db.declarations import Field, Ledger


def _show(f: Field, value, refs: dict[str, dict[int, str]]) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, datetime):
        return when(value)
    if f.type == "bool":
        return t("rec.yes") if value else t("rec.no")
    if f.type == "ref" or f.choices_from is not None:
        return str(refs.get(f.name, {}).get(value, value))
    if f.type == "choice":
        return choice_label(f.choices_key, value)
    if f.type == "multichoice" and f.ref is not None:  # rows of another ledger, by name
        return t("sep.list").join(str(refs.get(f.name, {}).get(v, v)) for v in value)
    if f.type == "multichoice" or isinstance(value, (list, tuple)):
        return t("sep.list").join(choice_label(f.choices_key, v) for v in value)
    if f.type == "float" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _change(f: Field, old, new, refs: dict[str, dict[int, str]], created: bool) -> str:
    if created:
        return t("audit.is", field=t(f.label), value=_show(f, new, refs))
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)) and set(old) != set(new):
        added, removed = [v for v in new if v not in old], [v for v in old if v not in new]
        said = ([t("audit.added", values=_show(f, added, refs))] if added else []) + \
            ([t("audit.removed", values=_show(f, removed, refs))] if removed else [])
        return t("audit.list_change", field=t(f.label), changes=t("sep.list").join(said))
    return t("audit.from_to", field=t(f.label), old=_show(f, old, refs), new=_show(f, new, refs))


def sentence(entry: dict, refs: dict[str, dict[int, str]] | None = None) -> str:
    """One entry of a record's history: "张三 修改了 电话 从 138…… 改为 139……"."""
    refs = refs or {}
    who = entry.get("actor_name") or entry["actor"]
    if who == "system":
        who = t("audit.system")
    created = entry["action"] == "create"
    parts = [_change(f, old, new, refs, created) for f, old, new in entry["changes"]]
    if created:
        text = t("hist.created", actor=who)
        return f"{text}{t('sep.field')}{t('sep.items').join(parts)}" if parts else text
    if entry["action"] == "update" and parts:
        return t("hist.changed", actor=who, changes=t("sep.items").join(parts))
    if entry["action"] == "step" and entry.get("step_label"):
        text = t("hist.step", actor=who, step=t(entry["step_label"]))
        return f"{text}{t('sep.field')}{t('sep.items').join(parts)}" if parts else text
    text = t("hist.action", actor=who, action=t(f"auditaction.{entry['action']}"))
    return f"{text}{t('sep.field')}{t('sep.items').join(parts)}" if parts else text


def audit_sentence(entry: dict) -> str:
    """One audit-log entry (``services.audit_read.entries``) as a sentence about named fields:
    "张三 修改了 居民「李四」：电话 从 138…… 改为 139……"."""
    who = entry.get("actor_name") or entry["actor"]
    if who == "system":  # the app itself (the demo, migrations, seeds)
        who = t("audit.system")
    what = t(f"table.{entry['table']}")
    if entry["record"] not in (None, ""):
        name = _show(entry["record_field"], entry["record"], {}) if entry.get("record_field") else entry["record"]
        record = t("audit.record_name", name=name)
    elif entry["row_id"]:
        record = t("audit.record_no", id=entry["row_id"])
    else:
        record = ""
    action = entry["action"]
    if action in ("create", "update", "delete"):
        text = t(f"audit.s_{action}", actor=who, what=what, record=record)
    else:
        text = t("audit.s_other", actor=who, action=t(f"auditaction.{action}"), what=what, record=record)
    if entry["redacted"]:
        return f"{text}{t('sep.field')}{t('audit.redacted')}"
    parts = [_change(f, old, new, {}, action == "create" or (old in (None, "", []) and action != "update"))
             for f, old, new in entry["changes"]]
    if entry.get("filters"):
        parts.append(t("audit.filters", filters=t("sep.list").join(
            t("audit.is", field=t(f.label), value=_show(f, v, {})) for f, v in entry["filters"])))
    return f"{text}{t('sep.field')}{t('sep.items').join(parts)}" if parts else text


_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$])")


def escape(text: str) -> str:
    """Typed text shown as text: no link, image or HTML from what a user wrote."""
    return _MD.sub(r"\\\1", text)


def history_view(ledger: Ledger, entries: list[dict], refs: dict[str, dict[int, str]] | None = None) -> None:
    if not entries:
        st.caption(t("hist.empty"))
        return
    steps = {s.name: s.label for s in ledger.workflow.steps} if ledger.workflow else {}
    for e in entries:
        if e.get("step") in steps:
            e = {**e, "step_label": steps[e["step"]]}
        st.markdown(f"`{when(e['at'])}` {escape(sentence(e, refs))}")
