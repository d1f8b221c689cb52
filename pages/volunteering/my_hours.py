"""My hours (the volunteer's own page, built for a phone): log in a few taps, see totals and
history with verification status, download a statement of verified hours. The entries are the
ledger engine's (db.models.volunteers.MY_HOURS: the volunteer's own rows only); the phone-first
form and cards are what is special here."""
from datetime import date

import pandas as pd
import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import date_field
from components.records import confirm_action, field_labels, flash, form_key, submit
from components.runtime import read
from db.models.volunteers import MY_HOURS, vocab
from services import activities, clock, documents, ledgers, volunteers
from services.errors import DomainError, ValidationError
from services.exports import plain_number

actor = guard("my-hours")
st.title(t("page.my-hours"))
flash()
try:
    with read() as s:
        me = volunteers.me(s, actor)
        options = activities.options(s, actor, clock.today())
        history = ledgers.list_rows(s, actor, MY_HOURS, limit=200).rows
        verified = volunteers.totals_by_month(s, me.id, "verified")
except DomainError:
    st.info(t("my.not_registered"), icon=":material/badge:")
    st.stop()

year = str(clock.today().year)
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
    when = date_field(t("my.date"), value=clock.today(), key=f"{fk}_date", format="YYYY-MM-DD")
    activity_id = st.selectbox(t("my.activity"), [None] + list(options), key=f"{fk}_activity",
                               format_func=lambda v: t("my.none") if v is None else options[v])
    # empty until typed: an extra tap after a save must not log hours nobody entered
    hours = st.number_input(t("my.hours"), value=None, step=0.5, key=f"{fk}_hours", placeholder=t("my.hours_hint"))
    role = st.segmented_control(t("my.role"), roles, default=roles[1], key=f"{fk}_role",
                                format_func=lambda r: choice_label("volrole", r))
    note = st.text_input(t("my.note"), max_chars=200, key=f"{fk}_note")
    submitted = st.form_submit_button(t("my.save"), type="primary", width="stretch", icon=":material/add_task:")

data = {"log_date": when, "activity_id": activity_id, "hours": hours, "role": role, "note": note}


def _save(confirm: bool) -> None:
    def _done(entry) -> str:
        st.session_state.pop("my_confirm", None)
        return t("my.logged", hours=entry)

    submit(lambda s: plain_number(ledgers.save(s, actor, MY_HOURS, {**data, "confirm_duplicate": confirm}).hours),
           labels=field_labels(MY_HOURS), forget="log_hours", done=_done)


if submitted:
    try:  # what the save would say, without writing: a second entry of the same activity is asked about
        with read() as s:
            ledgers.prepare(s, actor, MY_HOURS, data)
    except ValidationError as e:
        if e.key == "warn.vol_duplicate":
            st.session_state["my_confirm"] = True
        else:
            _save(False)  # shows the same messages
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
                               lambda s, h=h: ledgers.delete(s, actor, MY_HOURS, h["id"], h["version"]),
                               key=f"del_{h['id']}", done=t("my.deleted"))
else:
    st.caption(t("rec.empty"))

if verified:
    st.subheader(t("my.totals"))
    st.bar_chart(pd.DataFrame({"month": list(verified), "hours": list(verified.values())}), x="month", y="hours",
                 x_label=t("chart.month"), y_label=t("my.hours"))

st.subheader(t("my.statement"))
c = st.columns(2)
first = date_field(t("my.from"), value=date(clock.today().year, 1, 1), key="st_from", where=c[0])
last = date_field(t("my.to"), value=clock.today(), key="st_to", where=c[1])
with read() as s:
    stmt = volunteers.statement(s, actor, first, last)
body = t("my.statement_body", name=stmt.name, community=stmt.community,
         team=f" · {stmt.team}" if stmt.team else "", first=stmt.first, last=stmt.last, total=stmt.total)
doc = documents.volunteer_statement(stmt, t, lambda r: choice_label("volrole", r))
st.caption(body)
st.download_button(t("my.download"), data=doc.encode("utf-8"),
                   file_name=f"{t('my.statement_title')}-{stmt.name}-{first:%Y%m%d}-{last:%Y%m%d}.html",
                   mime="text/html", icon=":material/workspace_premium:", width="stretch")
opt = st.toggle(t("my.leaderboard"), value=me.leaderboard, key="my_board")
if opt != me.leaderboard:
    submit(lambda s: volunteers.set_leaderboard(s, actor, opt))
