"""Activities: the ledger engine's page (plan; announce — a warning under 3 days' notice —,
record as held with turnout and photos, evaluate: the declared workflow), upcoming and past
views; the charts and the opt-in leaderboard."""
from datetime import date

import pandas as pd
import streamlit as st

from components import charts
from components.auth import guard
from components.i18n import choice_label, t
from components.ledger_page import ledger_page
from components.photos import photo_input
from components.records import data_table, flash
from components.runtime import read
from db.models.volunteers import ACTIVITY
from services import access, activities, clock, settings, surveys, volunteers

actor = guard("activities")
st.title(t("page.activities"))
st.caption(t("pagedesc.activities"))
flash()


def _detail(row: dict) -> None:
    turnout = f" · {t('act.turnout')} {row['actual_turnout']}" if row["actual_turnout"] is not None else ""
    st.markdown(f"{row['activity_date']} · {row['place']} · {row['organiser']} · {t('act.target')} "
                f"{row['target_turnout']}{turnout}")
    if row["org_score"]:
        st.markdown(f"{t('act.org_score')} {row['org_score']} · {t('act.satisfaction')} {row['satisfaction'] or '—'}"
                    f" · {row['evaluation_note'] or ''}")
    with read() as s:  # the surveys held after it (services.surveys), with their result
        followed = surveys.activity_results(s, actor, row["id"])
    for f in followed:
        rate = f"{f['rate']:.1f}%" if f["rate"] is not None else t("dash.no_data")
        st.page_link(access.PAGES["surveys"].script, icon=":material/poll:", query_params={"surveys.id": str(f["id"])},
                     label=f"{f['title']} · {choice_label('svystate', f['status'])} · "
                           f"{t('svy.forms_of', n=f['forms'])} · {t('svy.rate')} {rate}")


def _photos(row: dict) -> dict:
    """The photos of a held activity, taken beside its turnout."""
    photo = photo_input(t("act.photos"), f"activities_photo_{row['id']}", row["community_id"])
    return {"photo_ids": [photo] if photo else []}


ledger_page(ACTIVITY, actor, key="activities", new_label=t("act.new"), default_view="upcoming", detail=_detail,
            title=lambda row: f"{row['theme']} · {choice_label('actstate', row['status'])}",
            new_values={"activity_date": clock.today(), "organiser": actor.display_name, "target_turnout": 30},
            formats={"turnout_rate": lambda rate, row: f"{rate:.0f}%" if rate is not None else ""},
            step_values={"announce": lambda row: {"notice_date": clock.today()},
                         "held": lambda row: {"actual_turnout": row["target_turnout"]},
                         "evaluate": lambda row: {"org_score": 4, "satisfaction": 90.0}},
            step_inputs={"held": _photos})

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
