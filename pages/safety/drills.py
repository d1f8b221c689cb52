"""Drills (应急演练): the ledger engine's page — plan a drill; record it as held (times, evacuation,
participants by group, equipment, a timeline, a photo taken on the phone); evaluate it on the drill
indicator set; the problems it found opened as hazards or improvement actions; the obligations
(rules) kept by the admin."""
from datetime import date

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.drill_labels import drill_label
from components.findings import action_panel, hazard_panel
from components.i18n import choice_label, lang, t
from components.ledger_page import ledger_page
from components.photos import photo_input, show_photo
from components.records import data_table, flash
from components.runtime import read
from db.models.drills import DRILL, DRILL_RULE, GROUPS, PLAN, SCORE_CODES
from services import access, actions, clock, drill_schedule, drills, kpis, ledgers

actor = guard("drills")
st.title(t("page.drills"))
st.caption(t("pagedesc.drills"))
flash()


def _detail(row: dict) -> None:
    st.markdown(f"{row['planned_on']} · {row['place']} · {row['organiser']}"
                + (f" · {t('drl.plan')}：{row['plan_title']}" if row.get("plan_title") else ""))
    if row.get("scenario"):
        st.markdown(f"**{t('drl.scenario')}** {row['scenario']}")
    if row["status"] in ("held", "evaluated"):
        people = " · ".join(f"{t('drlgroup.' + g)} {row.get('n_' + g) or 0}" for g in GROUPS)
        st.markdown(f"**{t('drl.held_on')}** {row['held_on']} {row['start_time'] or ''}–{row['end_time'] or ''} · "
                    f"{t('drl.duration')} {row['duration_minutes']} · {t('drl.evacuation')} "
                    f"{row['evacuation_minutes'] if row['evacuation_minutes'] is not None else '—'}\n\n{people}")
        if row.get("equipment"):
            st.markdown(f"**{t('drl.equipment')}** {row['equipment']}")
        if row.get("timeline"):
            st.markdown(f"**{t('drl.timeline')}**\n\n" + "\n".join(f"- {line}" for line in row["timeline"].splitlines()
                                                                 if line.strip()))
        with read() as s:
            shots = drills.photos(s, actor, row["id"])
        if shots:
            cols = st.columns(min(len(shots), 3))
            for i, pid in enumerate(shots):
                with cols[i % len(cols)]:
                    show_photo(pid, t("drl.photo"), width=200)
    if row["status"] == "evaluated":
        with read() as s:
            marks = drills.scores(s, actor, row["id"])
            flagged = drills.flagged_plan(s, actor, row["id"])
            hazards = drills.hazards_of(s, actor, row["id"])
            acts = actions.of_source(s, actor, "drill", row["id"])
        st.markdown(f"**{t('drl.total')}** {row['total']} · **{t('drl.rating')}** "
                    f"{choice_label('drlrating', row['rating'])}")
        st.markdown(" · ".join(f"{m['name_zh'] if lang() == 'zh' else m['name_en']} {m['score']:g}" for m in marks))
        if row.get("problems"):
            st.markdown(f"**{t('drl.problems')}** {row['problems']}")
        if flagged and "plans" in PAGES:
            st.page_link(PAGES["plans"], icon=":material/flag:", query_params={"plans.id": str(flagged["id"])},
                         label=t("drl.plan_flagged", title=flagged["title"], revision=flagged["revision"]))
        st.markdown(f"**{t('drl.hazards')}**")
        for h in hazards:
            st.page_link(PAGES.get("hazards", "pages/safety/hazards.py"), icon=":material/warning:",
                         query_params={"hazards.id": str(h["id"])},
                         label=f"{h['description'][:40]} · {choice_label('hstate', h['status'])} · {h['deadline']}")
        if not hazards:
            st.caption(t("drl.no_hazards"))
        hazard_panel(actor, f"drl_hazard_{row['id']}", row["community_id"],
                     lambda s, **kw: drills.open_hazard(s, actor, row["id"], **kw),
                     label=t("drl.open_hazard"), done=t("drl.hazard_opened"))
        action_panel(actor, f"drl_{row['id']}", row["community_id"], acts,
                     lambda s, **kw: drills.open_action(s, actor, row["id"], **kw), days=30)


def _photo(row: dict) -> dict:
    """A photo of the drill, taken on the phone beside its record."""
    photo = photo_input(t("drl.photo"), f"drills_photo_{row['id']}", row["community_id"])
    return {"photo_ids": [photo] if photo else []}


PAGES = {p.key: p.script for p in access.visible_pages(actor.role)}
ledger_page(DRILL, actor, key="drills", new_label=t("drl.new"), detail=_detail,
            title=lambda row: f"{row['title']} · {choice_label('drlstate', row['status'])}",
            new_values={"planned_on": clock.today(), "organiser": actor.display_name, "mode": "实战",
                        "invited": ["staff", "residents", "volunteers"]},
            step_values={"held": lambda row: {"held_on": min(row["planned_on"], clock.today())},
                         "evaluate": lambda row: {f"score_{c}": 4 for c in SCORE_CODES}},
            step_inputs={"held": _photo})



def _analysis() -> None:
    """Drill completion by obligation and year, mean evacuation time by quarter, people by group,
    the mean score of each indicator, and the plans due for revision — all over the actor's drills."""
    today = clock.today()
    years = [today.year - 2, today.year - 1, today.year]
    first = date(years[0], 1, 1)
    with read() as s:
        done = drill_schedule.completion_by_year(s, actor, years, today)
        people = drills.participants_by_year(s, actor, first, today)
        dims = drills.score_by_dimension(s, actor, first, today)
        evac = kpis.trend(s, kpis.Scope(actor, None), "evacuation_time", "quarter", today, n=8)
        due = ledgers.list_rows(s, actor, PLAN, view="due", limit=20, today=today) \
            if ledgers.may(actor, PLAN, "view") else None
    st.markdown(f"**{t('drl.chart_completion')}**")
    cells = [r for r in done if r["rate"] is not None]
    if cells:
        df = pd.DataFrame([{"rule": drill_label(r["kind"], r["value"]), "year": r["year"], "rate": r["rate"],
                            "n": f"{r['done']}/{r['due']}"} for r in cells])
        st.altair_chart(charts.heatmap(df, "year", "rule", "rate", x_title=t("drl.year"),
                                       y_title=t("drlsched.obligation"), value_title=t("chart.rate")),
                        width="stretch")
        data_table(df.pivot(index="rule", columns="year", values="n").reset_index()
                   .rename(columns={"rule": t("drlsched.obligation")}), hide_index=True, width="stretch")
    else:
        st.caption(t("drl.chart_empty"))
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{t('kpi.evacuation_time')}**")
        if any(p["value"] is not None for p in evac):
            label = t("kpi.evacuation_time")
            df = pd.DataFrame([{"period": p["period"], "value": p["value"], "series": label} for p in evac])
            st.altair_chart(charts.rate_with_target(df, "period", "value", "series", None, x_title=t("dash.period"),
                                                    y_title=f"{label}（{t('dash.unit.min')}）",
                                                    series_title=label, target_title=t("chart.target"),
                                                    x_order=[p["period"] for p in evac], percent=False, legend=False),
                            width="stretch")
        else:
            st.caption(t("drl.chart_empty"))
    with c2:
        st.markdown(f"**{t('drl.chart_people')}**")
        if people:
            df = pd.DataFrame([{"year": r["year"], "group": t(f"drlgroup.{r['group']}"), "people": r["people"]}
                               for r in people])
            st.altair_chart(charts.stacked_bars(df, "year", "people", "group", x_title=t("drl.year"),
                                                y_title=t("drl.participants"), color_title=t("drl.group"),
                                                x_order=sorted({r["year"] for r in people})), width="stretch")
        else:
            st.caption(t("drl.chart_empty"))
    st.markdown(f"**{t('drl.chart_scores')}**")
    if dims:
        df = pd.DataFrame([{"dimension": d["name_zh"] if lang() == "zh" else d["name_en"], "percent": d["percent"],
                            "band": t("drl.band_weak") if (d["percent"] or 0) < 70 else t("drl.band_ok")}
                           for d in dims])
        st.altair_chart(charts.rate_bars(df, "dimension", "percent", "band", 70, y_title=t("drl.dimension"),
                                         x_title=t("drl.score_percent"), color_title=t("drl.band"),
                                         target_title=t("chart.target")), width="stretch")
    else:
        st.caption(t("drl.chart_empty"))
    if due is not None:
        st.markdown(f"**{t('drl.plans_due', n=due.total)}**")
        for p in due.rows[:8]:
            st.page_link(PAGES["plans"], icon=":material/edit_document:", query_params={"plans.id": str(p["id"])},
                         label=f"{p['title']} v{p['revision']} · {choice_label('planrev', p['revision_state'])} · "
                               f"{p['revision_due']}")
        if not due.rows:
            st.caption(t("drl.no_plans_due"))


st.divider()
with st.expander(t("drl.analysis"), icon=":material/monitoring:", expanded=False):
    _analysis()

if ledgers.may(actor, DRILL_RULE, "edit"):
    st.divider()
    st.subheader(t("drlrule.title"))
    st.caption(t("drlrule.help"))
    ledger_page(DRILL_RULE, actor, key="drill_rules", new_label=t("drlrule.new"))
