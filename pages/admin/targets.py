"""Targets and thresholds: supervisors set the KPI targets and the composite score's weights,
the admin every other threshold row (lock-out, sessions, deadlines, grid size, page size,
intervals …), each with a widget of its kind and its range checked by the service; every
change is audited, and the dashboard shows it at once (its cache is keyed on the audit's data
version, which the change moves)."""
import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.records import data_table, flash, submit
from components.runtime import read
from components.timefmt import when
from services import access, schedule, settings
from services.errors import ValidationError
from services.users import display_names

actor = guard("targets")
st.title(t("page.targets"))
st.caption(t("pagedesc.targets"))
flash()

KEYS = settings.editable(actor)
DEFAULTS = settings.defaults()
LABELS = {key: t(f"setting.{key}") for key in DEFAULTS}
with read() as s:
    CURRENT = {key: settings.get(s, key) for key in KEYS}


def shown(key: str, value) -> str:
    """A value as people read it: an interval as "every 1 month", 90.0 as 90."""
    if isinstance(value, dict):
        return t("target.every", every=value.get("every"), unit=t(f"unit.{value.get('unit')}"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def widget(key: str, form: str):
    """The input of a row, fitting its kind; its value as the service takes it."""
    kind, value, label = DEFAULTS[key].get("kind", "int"), CURRENT[key], LABELS[key]
    helptext = f"{t('target.default')}：{shown(key, DEFAULTS[key]['value'])}"
    wkey = f"{form}_{key}"
    if kind == "rule":
        c1, c2 = st.columns(2)
        unit = c1.selectbox(label, schedule.UNITS, index=schedule.UNITS.index(value["unit"]), key=f"{wkey}_unit",
                            format_func=lambda u: t(f"unit.{u}"), help=helptext)
        every = c2.number_input(t("ref.rule_every"), value=int(value["every"]), step=1, key=f"{wkey}_every")
        return {"unit": unit, "every": every}
    if kind == "text":
        return st.text_input(label, value=str(value), key=wkey, help=helptext, max_chars=100)
    # no widget limits: Streamlit would refuse in English and keep the old number; the service
    # refuses in Chinese with the range
    if kind == "int":
        return st.number_input(label, value=int(value), step=1, key=wkey, help=helptext)
    return st.number_input(label, value=float(value), key=wkey, help=helptext, format="%g")


def _changed(key: str, value) -> bool:
    return value != CURRENT[key]


def _save(keys: list[str], values: dict):
    """Every changed row in one unit of work: all saved, or none (the first refusal named by its row)."""
    def write(s):
        done = []
        for key in keys:
            if not _changed(key, values[key]):
                continue
            try:
                settings.set_value(s, actor, key, values[key])
            except ValidationError as e:
                raise ValidationError({key: e.errors.get("value", "err.bad_choice")}, **e.params) from None
            done.append(key)
        return done

    return write


def group(name: str, keys: list[str], helptext: str, share: bool = False) -> None:
    """A table of the rows (label, default, current) and one form to change them."""
    if not keys:
        return
    st.caption(helptext)
    total = sum(float(CURRENT[k]) for k in keys) if share else 0
    rows = []
    for key in keys:
        row = {t("target.row"): LABELS[key], t("target.default"): shown(key, DEFAULTS[key]["value"]),
               t("target.current"): shown(key, CURRENT[key])}
        if share:
            row[t("target.share")] = f"{100 * float(CURRENT[key]) / total:.1f}%" if total else "—"
        rows.append(row)
    data_table(pd.DataFrame(rows), hide_index=True)
    form = f"targets_{name}"
    with st.form(form, clear_on_submit=False, enter_to_submit=False):
        values = {key: widget(key, form) for key in keys}
        pressed = st.form_submit_button(t("target.save"), type="primary", icon=":material/save:")
    if pressed:
        if not any(_changed(k, values[k]) for k in keys):
            st.info(t("target.unchanged"))
            return
        submit(_save(keys, values), labels=LABELS,
               done=lambda done: t("sep.items").join(
                   t("target.saved", label=LABELS[k], value=shown(k, values[k])) for k in done))


targets = [k for k in KEYS if settings.is_target(k)]
weights = [k for k in KEYS if settings.is_weight(k)]
others = [k for k in KEYS if settings.right(k) == "thresholds"]
names = [("targets", "target.kind_targets"), ("weights", "target.kind_weights")]
if access.can(actor, "targets", "thresholds"):
    names.append(("thresholds", "target.kind_thresholds"))
tabs = st.tabs([t(label) for _, label in names])
with tabs[0]:
    group("targets", targets, t("target.targets_help"))
with tabs[1]:
    group("weights", weights, t("target.weights_help"), share=True)
if len(tabs) > 2:
    with tabs[2]:
        group("thresholds", others, t("target.thresholds_help"))

st.subheader(t("target.history"))
with read() as s:
    changes = settings.history(s, actor)
    people = display_names(s, [c["actor"] for c in changes]) | {"system": t("audit.system")}
if changes:
    data_table(pd.DataFrame([{t("target.when"): when(c["at"]), t("target.who"): people.get(c["actor"], c["actor"]),
                              t("target.row"): LABELS.get(c["key"], c["key"]),
                              t("target.before"): shown(c["key"], c["before"]),
                              t("target.after"): shown(c["key"], c["after"])} for c in changes]), hide_index=True)
else:
    st.caption(t("target.history_empty"))
