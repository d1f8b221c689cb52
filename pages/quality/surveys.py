"""Satisfaction surveys: the entry of paper forms on a phone (one screen per form, five big
buttons a question, "save, next" — the next empty form at once with the running count) and,
for the office, the ledger engine's page of surveys with each survey's results (rate against
the target, a bar per question, the distribution, one tap to act on a low question, export)."""
import uuid

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, lang, t
from components.kpi_tiles import BADGES
from components.ledger_page import ledger_page
from components.records import data_table, flash, form_key, prepared_download, submit
from components.runtime import read, write
from db.models.quality import SURVEY, question_codes
from services import access, clock, exports, surveys

actor = guard("surveys")
st.title(t("page.surveys"))
st.caption(t("pagedesc.surveys"))
flash()

OPTIONS = (*surveys.SCORES, surveys.UNKNOWN)
ANSWER_COLORS = {5: "#1e8449", 4: "#82e0aa", 3: "#f7dc6f", 2: "#f0b27a", 1: "#c0392b", None: "#bfc9ca"}
# big targets for a thumb on a 390 px phone: each answer a full-height button, two or three to a row
st.html("<style>.st-key-svy_entry [data-testid='stButtonGroup'] button {min-height: 3rem; min-width: 5.5rem;"
        " font-size: 1rem;} .st-key-svy_entry [data-testid='stMarkdownContainer'] p {font-size: 1.05rem;}</style>")


def _text(question: tuple[str, str]) -> str:
    return question[1] if lang() == "en" else question[0]


def _go_enter(survey_id: int) -> None:
    st.session_state["svy_mode"] = "enter"
    st.session_state["svy_pick"] = survey_id


# --- entry -----------------------------------------------------------------------------------------

def entry() -> None:
    """One paper form per screen. The form's token is drawn with it: a second tap on a saved form
    (or the same request twice) finds the form saved and adds nothing."""
    with read() as s:
        options = surveys.open_surveys(s, actor)
    if not options:
        st.info(t("svy.none_open"), icon=":material/info:")
        return
    if st.session_state.get("svy_pick") not in options:
        st.session_state.pop("svy_pick", None)
    picked = st.selectbox(t("svy.pick"), list(options), format_func=options.get, key="svy_pick")
    with read() as s:
        survey = surveys.survey_for_entry(s, actor, picked)
        codes = surveys.codes_of(survey)
        texts = surveys.question_texts(s, codes)
        count = surveys.count_forms(s, actor, picked)
        target = survey.target_responses
    st.markdown(f"### {t('svy.entered', n=count)}" + (f" / {target}" if target else ""))
    base = f"svy_form_{picked}"
    fk = form_key(base)
    token = st.session_state.setdefault(f"{fk}__token", uuid.uuid4().hex)
    answers = {}
    with st.container(key="svy_entry"):
        with st.form(fk, clear_on_submit=False, enter_to_submit=False, border=False):
            form_no = st.text_input(t("svy.form_no"), key=f"{fk}_no", max_chars=20, placeholder=t("svy.form_no_hint"))
            for i, code in enumerate(codes, start=1):
                st.markdown(f"**{i}. {_text(texts[code])}**")
                answers[code] = st.segmented_control(choice_label("sq", code), OPTIONS, key=f"{fk}_{code}",
                                                     format_func=lambda v: choice_label("score", v),
                                                     label_visibility="collapsed")
            pressed = st.form_submit_button(t("svy.save_next"), type="primary", icon=":material/done_all:",
                                            width="stretch")
    if pressed:
        data = {c: v for c, v in answers.items() if v is not None}
        labels = {c: choice_label("sq", c) for c in codes} | {"form_no": t("svy.form_no")}

        def _done(result) -> str:
            response, created = result
            return t("svy.saved" if created else "svy.saved_already", n=count + (1 if created else 0))

        submit(lambda s: surveys.save_form(s, actor, picked, data, form_no=form_no, token=token), labels=labels,
               forget=base, done=_done)


# --- results ----------------------------------------------------------------------------------------

def _answer_label(score) -> str:
    return choice_label("score", surveys.UNKNOWN if score is None else score)


def results(row: dict) -> None:
    """What a survey found: the rate against the target with its light, a bar per question, the
    distribution of answers, a low question's improvement action, export."""
    with read() as s:
        res = surveys.results(s, actor, row["id"])
        opened = surveys.survey_actions(s, actor, row["id"])
    forms = t("svy.forms_of", n=res["forms"]) + (f" / {res['target_responses']}" if res["target_responses"] else "")
    st.markdown(f"{row['period_start']} – {row['period_end']} · {forms} · "
                f"{t('svy.anonymous') if row.get('anonymous') else t('svy.named')}")
    if row["status"] == "open" and access.can(actor, "surveys", "enter"):
        st.button(t("svy.enter_forms"), icon=":material/edit_note:", key=f"svy_go_{row['id']}",
                  on_click=_go_enter, args=(row["id"],))
    if not res["valid"]:
        st.caption(t("svy.no_answers"))
        return
    badge = f" :{BADGES[res['light']]}-badge[{t('dash.light.' + res['light'])}]" if res["light"] else ""
    goal = t("dash.target", target=f"{res['target']:g}%")
    st.markdown(f"**{t('svy.rate')} {res['rate']:.1f}%**{badge} · {goal} · {t('svy.valid', n=res['valid'])}")
    names = {q["code"]: choice_label("sq", q["code"]) for q in res["questions"]}
    below, above = t("svy.below"), t("svy.at_target")
    rates = pd.DataFrame([{"question": names[q["code"]], "rate": q["rate"] or 0.0,
                           "band": below if q["below"] else above} for q in res["questions"] if q["valid"]])
    st.altair_chart(charts.rate_bars(rates, "question", "rate", "band", res["target"], y_title=t("svy.question"),
                                     x_title=t("svy.rate_pct"), color_title="", target_title=t("chart.target"),
                                     colors={above: "#27ae60", below: "#c0392b"}), width="stretch")
    dist = pd.DataFrame([{"question": names[q["code"]], "answer": _answer_label(score), "count": n}
                         for q in res["questions"] for score, n in q["distribution"].items() if n])
    st.altair_chart(charts.horizontal_bars(dist, "question", "count", "answer", y_title=t("svy.question"),
                                           x_title=t("chart.count"), color_title=t("svy.answer"),
                                           colors={_answer_label(k): c for k, c in ANSWER_COLORS.items()}),
                    width="stretch")
    table = results_frame(res)
    data_table(table)
    may_act = access.can(actor, "actions", "create")
    titles = {a["title"] for a in opened if a.get("status") != "verified"}
    for q in res["questions"]:
        if not q["below"]:
            continue
        title = t("svy.action_title", survey=res["title"], question=names[q["code"]])
        line = st.columns([3, 2])
        line[0].markdown(f":red-badge[{names[q['code']]} {q['rate']:.1f}%] {t('svy.below_target')}")
        if title in titles:
            line[1].caption(t("svy.action_open"))
        elif may_act and row["status"] != "published":
            if line[1].button(t("svy.open_action"), key=f"svy_act_{row['id']}_{q['code']}",
                              icon=":material/task_alt:"):
                submit(lambda s, code=q["code"], title=title: surveys.open_action(s, actor, row["id"], code,
                                                                                  title=title),
                       done=t("svy.action_opened"))
    if opened:
        st.markdown(f"**{t('page.actions')}**")
        for a in opened:
            st.caption(f"{a['title']} · {choice_label('actnstate', a['status'])} · {t('actn.due')} {a['due']}")
    if access.can(actor, "surveys", "export"):
        name = f"survey-{row['id']}-{clock.today():%Y%m%d}"

        def _export() -> pd.DataFrame:
            with write() as s:
                return results_frame(surveys.export_rows(s, actor, row["id"]))

        c1, c2 = st.columns(2)
        with c1:
            prepared_download(t("svy.export_csv"), lambda: exports.to_csv(_export()), file_name=f"{name}.csv",
                              mime="text/csv", key=f"svy_csv_{row['id']}", icon=":material/download:")
        with c2:
            prepared_download(t("svy.export_xlsx"), lambda: exports.to_xlsx(_export(), t("svy.survey")),
                              file_name=f"{name}.xlsx", key=f"svy_xlsx_{row['id']}", icon=":material/table_view:",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def results_frame(res: dict) -> pd.DataFrame:
    """A row per question and one for all of them: the answers counted, the rate."""
    rows = []
    for q in res["questions"]:
        rows.append({t("svy.question"): choice_label("sq", q["code"]),
                     **{_answer_label(s): q["distribution"][s] for s in (*surveys.SCORES, None)},
                     t("svy.valid_col"): q["valid"], t("svy.rate_pct"): q["rate"]})
    rows.append({t("svy.question"): t("svy.overall"),
                 **{_answer_label(s): sum(q["distribution"][s] for q in res["questions"])
                    for s in (*surveys.SCORES, None)},
                 t("svy.valid_col"): res["valid"], t("svy.rate_pct"): res["rate"]})
    return pd.DataFrame(rows)


# --- the page -------------------------------------------------------------------------------------

office = actor.role in access.OFFICE
mode = "enter"
if office:
    st.session_state.setdefault("svy_mode", "manage")  # a state, not a default: "录入问卷" on a survey sets it
    mode = st.segmented_control(t("svy.mode"), ("manage", "enter"), key="svy_mode",
                                format_func=lambda m: t("svy.mode_manage") if m == "manage" else t("svy.mode_enter"), label_visibility="collapsed") or "manage"
if mode == "enter":
    entry()
else:
    ledger_page(SURVEY, actor, key="surveys", detail=results, new_label=t("svy.new"),
                title=lambda row: f"{row['title']} · {choice_label('svystate', row['status'])}",
                new_values={"anonymous": True, "questions": list(question_codes()), "period_start": clock.today(),
                            "period_end": clock.today(), "target_responses": 100})
