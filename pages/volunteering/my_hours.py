"""My hours (the volunteer's own page, built for a phone): log in a few taps, see totals and
history with verification status, download a statement of verified hours."""
import html
from datetime import date

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.records import confirm_action, flash, form_key, submit
from components.runtime import read, user_action, write
from db.models.volunteers import vocab
from services import activities, volunteers
from services.errors import DomainError, ValidationError
from services.exports import plain_number

actor = guard("my-hours")
st.title(t("page.my-hours"))
flash()
try:
    with read() as s:
        me = volunteers.me(s, actor)
        options = activities.options(s, actor, date.today())
        history = volunteers.my_history(s, actor)
        verified = volunteers.totals_by_month(s, me.id, "verified")
except DomainError:
    st.info(t("my.not_registered"), icon=":material/badge:")
    st.stop()

year = str(date.today().year)
done_year = round(sum(h for m, h in verified.items() if m.startswith(year)), 1)
waiting = round(sum(float(h["hours"]) for h in history if h["status"] == "logged"), 1)
c1, c2 = st.columns(2)
c1.metric(t("my.year_label"), done_year)
c2.metric(t("my.pending_label"), waiting)

roles = list(vocab()["roles"])
# No widget limits on the date and the hours: a limit there shows an English error and submits
# the last valid value as if typed (STACK-NOTES §10). The service checks both and the refusal
# is a catalog message. After a save the form is drawn anew, so a second tap saves nothing.
fk = form_key("log_hours")
with st.form(fk, clear_on_submit=False):
    st.subheader(t("my.log"))
    when = st.date_input(t("my.date"), value=date.today(), min_value=date(2000, 1, 1),
                         max_value=date(2100, 12, 31), key=f"{fk}_date", format="YYYY-MM-DD")
    activity_id = st.selectbox(t("my.activity"), [None] + list(options), key=f"{fk}_activity",
                               format_func=lambda v: t("my.none") if v is None else options[v])
    # empty until typed: an extra tap after a save must not log hours nobody entered
    hours = st.number_input(t("my.hours"), value=None, step=0.5, key=f"{fk}_hours", placeholder=t("my.hours_hint"))
    role = st.segmented_control(t("my.role"), roles, default=roles[1], key=f"{fk}_role",
                                format_func=lambda r: choice_label("volrole", r))
    note = st.text_input(t("my.note"), max_chars=200, key=f"{fk}_note")
    submitted = st.form_submit_button(t("my.save"), type="primary", width="stretch", icon=":material/add_task:")

data = {"log_date": when, "activity_id": activity_id, "hours": hours, "role": role, "note": note}
labels = {"log_date": t("my.date"), "activity_id": t("my.activity"), "hours": t("my.hours"), "role": t("my.role")}


def _save(confirm: bool) -> None:
    def _done(hours) -> str:
        st.session_state.pop("my_confirm", None)
        return t("my.logged", hours=hours)

    submit(lambda s: volunteers.log_hours(s, actor, data, confirm_duplicate=confirm).hours, labels=labels,
           forget="log_hours", done=_done)


if submitted:
    try:
        with read() as s:
            check = volunteers.check_log(s, actor, data)
    except ValidationError:
        _save(False)  # shows the same messages
    else:
        if check.duplicate_of:
            st.session_state["my_confirm"] = True
        else:
            _save(False)
if st.session_state.get("my_confirm"):
    st.warning(t("my.duplicate"), icon=":material/content_copy:")
    if st.button(t("my.confirm"), key="my_confirm_btn"):
        _save(True)

st.subheader(t("my.history"))
if history:
    for h in history[:30]:
        with st.container(border=True):
            status = t(f"logstatus.{h['status']}")
            st.markdown(f"**{h['log_date']}** · {plain_number(h['hours'])} {t('unit.hours')} · {status}  \n{h['activity'] or t('my.none')}"
                        + (f" · {choice_label('volrole', h['role'])}" if h["role"] else "")
                        + (f"  \n⚠ {h['reject_reason']}" if h["reject_reason"] else ""))
            if h["status"] == "logged":
                confirm_action(t("my.delete"), t("my.delete_confirm", day=h["log_date"], hours=plain_number(h["hours"]),
                                                 what=h["activity"] or t("my.none")),
                               lambda s, h=h: volunteers.delete_own(s, actor, h["id"], h["version"]),
                               key=f"del_{h['id']}", done=t("my.deleted"))
else:
    st.caption(t("rec.empty"))

if verified:
    st.subheader(t("my.totals"))
    st.bar_chart(pd.DataFrame({"month": list(verified), "hours": list(verified.values())}), x="month", y="hours",
                 x_label=t("chart.month"), y_label=t("my.hours"))

st.subheader(t("my.statement"))
c = st.columns(2)
first = c[0].date_input(t("my.from"), value=date(date.today().year, 1, 1), key="st_from")
last = c[1].date_input(t("my.to"), value=date.today(), key="st_to")
with read() as s:
    stmt = volunteers.statement(s, actor, first, last)
e = html.escape
rows = "".join(f"<tr><td>{r['log_date']}</td><td>{e(r['activity'] or '')}</td>"
               f"<td>{e(choice_label('volrole', r['role']) if r['role'] else '')}</td><td>{r['hours']}</td>"
               f"<td>{e(r['verified_by'] or '')}</td></tr>" for r in stmt.rows)
body = t("my.statement_body", name=stmt.name, community=stmt.community,
         team=f" · {stmt.team}" if stmt.team else "", first=stmt.first, last=stmt.last, total=stmt.total)
doc = (f"<!doctype html><html><head><meta charset='utf-8'><title>{e(t('my.statement_title'))}</title><style>"
       "body{font-family:'Noto Sans CJK SC',sans-serif;margin:32px}table{border-collapse:collapse;width:100%}"
       "td,th{border:1px solid #999;padding:4px 8px}</style></head><body>"
       f"<h2>{e(t('my.statement_title'))}</h2><p>{e(body)}</p><table><tr><th>{e(t('my.date'))}</th>"
       f"<th>{e(t('act.activity'))}</th><th>{e(t('my.role'))}</th><th>{e(t('my.hours'))}</th>"
       f"<th>{e(t('vol.verify'))}</th></tr>{rows}</table></body></html>")
st.caption(body)
st.download_button(t("my.download"), data=doc.encode("utf-8"), file_name=f"volunteer-hours-{first}-{last}.html",
                   mime="text/html", icon=":material/workspace_premium:", width="stretch")
opt = st.toggle(t("my.leaderboard"), value=me.leaderboard, key="my_board")
if opt != me.leaderboard:
    with user_action() as outcome:
        with write() as s:
            volunteers.set_leaderboard(s, actor, opt)
