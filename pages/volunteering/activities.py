"""Activities: plan, announce (a warning under 3 days' notice), record as held (turnout,
photos), evaluate; upcoming and past lists; the charts and the opt-in leaderboard."""
from datetime import date

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import date_field
from components.photos import photo_input
from components.records import (field_labels, flash, loaded_version, record_header, record_list, save_form,
                                service_export, submit)
from components.runtime import read
from components.records import data_table
from db.models.volunteers import ACTIVITY
from services import access, activities, clock, places, settings, volunteers

actor = guard("activities")
st.title(t("page.activities"))
st.caption(t("pagedesc.activities"))
flash()
LABELS = field_labels(ACTIVITY)
may_edit = access.can(actor, "activities", "edit")
if "_act_warning" in st.session_state:
    st.warning(st.session_state.pop("_act_warning"), icon=":material/schedule:")

with read() as s:
    communities = places.community_names(s, actor.community_ids)
when = st.segmented_control(t("act.when"), ["upcoming", "past", "all"], default="upcoming", key="act_when",
                            format_func=lambda v: t(f"act.{v}")) or "all"


def listed(s, who, **kw):
    kw["filters"] = {**kw.get("filters", {}), "when": when}
    page = activities.list_activities(s, who, **kw)
    for r in page.rows:
        r["rate"] = f"{r['turnout_rate']:.0f}%" if r["turnout_rate"] is not None else ""
    return page


def fetch(**kw):
    with read() as s:
        return listed(s, actor, **kw)


view = record_list(ACTIVITY, fetch, key="activities", extra_columns=(("rate", "act.turnout_rate"),),
                   can_export=access.can(actor, "activities", "export"), export_name="activities",
                   export_rows=service_export(actor, "activities", ACTIVITY, listed))

if may_edit and communities:
    community_id = next(iter(communities))
    if len(communities) > 1:
        community_id = st.selectbox(t("place.community"), list(communities), format_func=communities.get)
    with st.expander(t("act.new"), icon=":material/event:"):
        save_form(ACTIVITY, key="act_new", message=t("rec.created"),
                  values={"activity_date": clock.today(), "organiser": actor.display_name, "target_turnout": 30},
                  save=lambda s, data: activities.save_activity(s, actor, data, community_id))

row = view.selected
if row is not None:
    with view.detail:  # the opened record above the list
        form_key = f"act_{row['id']}"
        record_header(f"{row['theme']} · {choice_label('actstate', row['status'])}", "activities", form_key)
        st.markdown(f"{row['activity_date']} · {row['place']} · {row['organiser']} · {t('act.target')} "
                    f"{row['target_turnout']}" + (f" · {t('act.turnout')} {row['actual_turnout']}" if row['actual_turnout']
                                                  is not None else ""))
        if row["org_score"]:
            st.markdown(f"{t('act.org_score')} {row['org_score']} · {t('act.satisfaction')} {row['satisfaction'] or '—'}"
                        f" · {row['evaluation_note'] or ''}")
        version = loaded_version(form_key, row)

        def step(write_fn, labels: dict, message: str, then=None):
            """One workflow step of the opened activity through the one write path."""
            submit(write_fn, labels=labels, forget=form_key, done=message, then=then)

        def _notice_warning(result):
            if result[1] is not None:
                st.session_state["_act_warning"] = t("act.short_notice", days=result[1])

        if may_edit:
            if row["status"] == "planned":
                with st.form(f"{form_key}_announce"):
                    notice = date_field(t("act.notice_date"), value=clock.today())
                    if st.form_submit_button(t("act.announce"), type="primary", icon=":material/campaign:"):
                        step(lambda s: activities.announce(s, actor, row["id"], notice, version),
                             {"notice_date": t("act.notice_date")}, t("act.announced"), then=_notice_warning)
            if row["status"] in ("planned", "announced"):
                with st.container(border=True):
                    st.markdown(f"**{t('act.held')}**")
                    turnout = st.number_input(t("act.turnout"), value=row["target_turnout"], step=1,
                                              key=f"{form_key}_turnout")
                    photo = photo_input(t("act.photos"), f"{form_key}_photo", None)
                    if st.button(t("act.held"), type="primary", key=f"{form_key}_held"):
                        step(lambda s: activities.record_held(s, actor, row["id"], int(turnout), version,
                                                              [photo] if photo else None),
                             {"activity_date": t("act.date"), "actual_turnout": t("act.turnout")}, t("act.held_saved"))
            if row["status"] == "held":
                with st.form(f"{form_key}_eval"):
                    st.markdown(f"**{t('act.evaluate')}**")
                    score = st.slider(t("act.org_score"), 1, 5, 4)
                    satisfaction = st.number_input(t("act.satisfaction"), value=90.0, step=1.0,
                                                   help=t("rec.range", lo=0, hi=100))
                    note = st.text_area(t("act.eval_note"), max_chars=2000)
                    if st.form_submit_button(t("act.evaluate"), type="primary"):
                        step(lambda s: activities.evaluate(s, actor, row["id"], int(score), float(satisfaction), note,
                                                           version),
                             {"org_score": t("act.org_score"), "satisfaction": t("act.satisfaction")}, t("act.evaluated"))
            if row["status"] in ("planned", "announced"):
                with st.expander(t("act.edit"), icon=":material/edit:"):
                    save_form(ACTIVITY, key=form_key, values=row, message=t("rec.saved"),
                              save=lambda s, data: activities.save_activity(s, actor, data, row["community_id"],
                                                                            row["id"], version))

st.divider()
today = clock.today()
first = date(today.year - 1, today.month, 1)
with read() as s:
    turnout = activities.turnout_against_target(s, actor, first, today)
    types = activities.by_type(s, actor, first, today)
    teams = volunteers.team_options(s, actor)
    b1, b2 = st.columns(2)
    month = b1.selectbox(t("vol.board_month"), [None] + sorted({r["date"].strftime("%Y-%m") for r in turnout},
                                                               reverse=True),
                         format_func=lambda v: t("rec.all") if v is None else v, key="board_month")
    team_id = b2.selectbox(t("vol.team"), [None] + list(teams), key="board_team",
                           format_func=lambda v: t("rec.all") if v is None else teams[v])
    board = volunteers.leaderboard(s, actor, month, team_id)
    target = float(settings.get(s, "kpi.turnout.target"))
c1, c2 = st.columns(2)
with c1:
    st.markdown(f"**{t('vol.turnout_chart')}**")
    if turnout:
        df = pd.DataFrame([{"month": r["date"].strftime("%Y-%m"), "rate": 100 * r["actual"] / r["target"],
                            "series": t("act.turnout_rate")} for r in turnout])
        df = df.groupby(["month", "series"], as_index=False)["rate"].mean()
        st.altair_chart(charts.rate_with_target(df, "month", "rate", "series", target, x_title=t("chart.month"),
                                                y_title=t("chart.rate"), series_title="", target_title=t("chart.target")),
                        width="stretch")
with c2:
    st.markdown(f"**{t('vol.types_chart')}**")
    if types:
        df = pd.DataFrame([{"type": choice_label("acttype", r["type"]), "count": r["count"], "state": t("act.all")}
                           for r in types])
        st.altair_chart(charts.stacked_bars(df, "type", "count", "state", x_title=t("act.type"),
                                            y_title=t("chart.count"), color_title=""), width="stretch")
st.markdown(f"**{t('vol.board')}**")
if board:
    data_table(pd.DataFrame([{t("vol.rank"): b["rank"], t("res.name"): b["name"], t("vol.team"): b["team"],
                                t("my.hours"): b["hours"]} for b in board]), hide_index=True)
else:
    st.caption(t("vol.board_empty"))
