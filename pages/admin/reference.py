"""Reference data (admin), in two tabs. Checklist templates as data — add, reorder and retire
items; each save makes a new version and past inspections keep the wording they were done
with (a versioned item editor with its diff: special). The visit rules — how often each special
group is visited — are a register: the ledger engine's page (edit only)."""
import pandas as pd
import streamlit as st

from components.auth import guard
from components.history import escape
from components.i18n import choice_label, lang, t
from components.ledger_page import ledger_page
from components.records import data_table, flash, submit
from components.timefmt import when
from components.runtime import read
from db.models.residents import VISIT_RULE
from db.models.safety import SEVERITIES
from services import checklists, schedule
from services.users import display_names

actor = guard("reference")
st.title(t("page.reference"))
st.caption(t("pagedesc.reference"))
flash()


def version_diff(change: checklists.VersionDiff, language: str) -> None:
    """What the picked version changed against the one before it, item by item."""
    if change.previous is None:
        st.caption(t("ref.diff_first", version=change.version))
        return
    st.markdown(f"**{t('ref.diff_title', version=change.version, previous=change.previous)}**")
    text = "text_en" if language == "en" else "text_zh"
    def grade(value: str) -> str:
        return choice_label("severity", value)

    lines = [f":green[{t('ref.diff_added')}] {escape(i['code'])} {escape(i[text])} · {grade(i['severity'])}"
             for i in change.added]
    lines += [f":red[{t('ref.diff_removed')}] {escape(i['code'])} {escape(i[text])}" for i in change.removed]
    labels = {"text_zh": "中文", "text_en": "English", "severity": t("insp.severity")}
    for c in change.changed:
        parts = t("sep.items").join(
            t("audit.from_to", field=labels[f], old=grade(old) if f == "severity" else escape(old),
              new=grade(new) if f == "severity" else escape(new)) for f, old, new in c["changes"])
        lines.append(f":orange[{t('ref.diff_changed')}] {escape(c['code'])}{t('sep.field')}{parts}")
    lines += [f":blue[{t('ref.diff_moved')}] {escape(m['code'])} {escape(m[text])}{t('sep.field')}"
              f"{t('ref.diff_position', old=m['old'], new=m['new'])}" for m in change.moved]
    if change.rule:
        (u0, e0), (u1, e1) = change.rule
        rule = t("audit.from_to", field=t("audit.rule"), old=t("sched.every", every=e0, unit=t(f"unit.{u0}")),
                 new=t("sched.every", every=e1, unit=t(f"unit.{u1}")))
        lines.append(f":orange[{t('ref.diff_changed')}] {rule}")
    st.markdown("\n".join(f"- {line}" for line in lines) if lines else t("ref.diff_none"))


def rule_title(row: dict) -> str:
    """A visit rule named as people say it: "独居老人 · 每 1 月"."""
    every = t("sched.every", every=row["every"], unit=t(f"unit.{row['unit']}"))
    return f"{choice_label('group', row['tag'])} · {every}"


checklists_tab, rules_tab = st.tabs([t("ref.checklists"), t("visit.rules")])
with checklists_tab:
    with read() as s:
        templates = checklists.all_current(s)
    category = st.selectbox(t("ref.category"), list(templates), format_func=lambda c: choice_label("cat", c), key="ref_cat")
    template = templates[category]
    st.markdown(t("ref.version", version=template.version, n=len(template.items),
                  rule=t("sched.every", every=template.rule_every, unit=t(f"unit.{template.rule_unit}"))))
    st.caption(t("ref.items_help"))
    frame = pd.DataFrame([{"order": n, "code": i["code"], "text_zh": i["text_zh"], "text_en": i["text_en"],
                           "severity": i["severity"]} for n, i in enumerate(template.items, start=1)])
    edited = st.data_editor(frame, key=f"ref_items_{category}_{template.version}", num_rows="dynamic", hide_index=True,
                            placeholder="",
                            width="stretch", column_config={
                                "order": st.column_config.NumberColumn(t("ref.order"), min_value=1, step=1),
                                "code": st.column_config.TextColumn(t("insp.code"), max_chars=20),
                                "text_zh": st.column_config.TextColumn("中文", width="large", max_chars=200),
                                "text_en": st.column_config.TextColumn("English", width="large", max_chars=300),
                                "severity": st.column_config.SelectboxColumn(t("insp.severity"), options=list(SEVERITIES))})
    c = st.columns(3)
    unit = c[0].selectbox(t("ref.rule_unit"), schedule.UNITS, index=schedule.UNITS.index(template.rule_unit),
                          format_func=lambda u: t(f"unit.{u}"), key=f"ref_unit_{category}")
    every = c[1].number_input(t("ref.rule_every"), value=template.rule_every, step=1, key=f"ref_every_{category}",
                              help=t("rec.range", lo=1, hi=366))  # the service refuses the rest in Chinese
    if c[2].button(t("ref.save"), type="primary", icon=":material/save:"):
        rows = edited.dropna(how="all").to_dict("records")
        rows.sort(key=lambda r: (r.get("order") if r.get("order") == r.get("order") and r.get("order") is not None
                                 else 10_000))
        submit(lambda s: checklists.new_version(s, actor, category, rows, template.version, unit,
                                                None if every is None else int(every)).version,
               labels={str(n): t("ref.row", n=n) for n in range(1, len(rows) + 1)} | {"items": t("insp.item"),
                                                                                    "rule": t("ref.rule_unit")},
               done=lambda version: t("ref.saved", version=version))
    with st.expander(t("ref.versions"), icon=":material/history:", expanded=template.version > 1):
        with read() as s:
            versions = checklists.versions(s, category)
            people = display_names(s, [v["created_by"] for v in versions]) | {"system": t("audit.system")}
        data_table(pd.DataFrame([{t("ref.version_no"): f"v{v['version']}",
                                  t("field.updated_by"): people.get(v["created_by"], v["created_by"]),
                                  t("field.updated_at"): when(v["created_at"]), t("ref.item_count"): v["items"],
                                  t("ref.current"): t("rec.yes") if v["current"] else ""} for v in versions]),
                   hide_index=True)
        picked = st.selectbox(t("ref.diff_of"), [v["version"] for v in versions], key=f"ref_diff_{category}",
                              format_func=lambda v: f"v{v}")
        with read() as s:
            change = checklists.diff(s, category, picked)
        version_diff(change, lang())
with rules_tab:
    st.caption(t("ref.rules_help"))
    ledger_page(VISIT_RULE, actor, key="visit_rules", title=rule_title)
