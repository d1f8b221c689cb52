"""Inspections: run a checklist on a phone (one column, big controls, a draft saved as you go),
enter a paper round in one screen, print blank checklists, and read past inspections."""

import pandas as pd
import streamlit as st

from components.auth import guard, session_alive
from components.i18n import choice_label, lang, t
from components.inputs import date_field
from components.photos import photo_input, show_photo
from components.ledger_page import ledger_page
from components.records import data_table, flash, submit
from components.runtime import read, show_error, write
from db.models.safety import HAZARD, INSPECTION, RESULTS
from services import access, checklists, clock, facilities, inspections, ledgers, places
from services.errors import DomainError

actor = guard("inspections")
st.title(t("page.inspections"))
st.caption(t("pagedesc.inspections"))
flash()
may_run = access.can(actor, "inspections", "create")

with read() as s:
    templates = checklists.all_current(s)
    grids = places.grid_names(s, actor.community_ids)
if actor.grid_ids is not None:
    grids = {k: v for k, v in grids.items() if k in actor.grid_ids}
categories = list(templates)
REPORT_LABELS = {k: t(v) for k, v in {
    "title": "insp.title", "community": "place.community", "grid": "place.grid", "facility": "insp.facility",
    "date": "insp.date", "inspector": "insp.inspector", "overall": "insp.overall", "code": "insp.code",
    "item": "insp.item", "severity": "insp.severity", "result": "insp.result", "note": "insp.item_note",
    "signature": "insp.signature"}.items()}


def _target_picker(prefix: str):
    """Category, then the facility (or the grid for area checklists); defaults from the URL."""
    qp_cat = st.query_params.get("insp.category")
    category = st.selectbox(t("insp.category"), categories, key=f"{prefix}_cat",
                            index=categories.index(qp_cat) if qp_cat in categories else 0,
                            format_func=lambda c: choice_label("cat", c))
    template = templates[category]
    facility_id = grid_id = None
    if template.target == "facility":
        with read() as s:
            options = facilities.options(s, actor, category)
        if not options:
            st.info(t("insp.no_facility"))
            return category, None, None, False
        qp_fac = st.query_params.get("insp.facility")
        keys = list(options)
        facility_id = st.selectbox(t("insp.facility"), keys, format_func=options.get, key=f"{prefix}_fac",
                                   index=keys.index(int(qp_fac)) if qp_fac and qp_fac.isdigit() and int(qp_fac) in keys
                                   else 0)
    else:
        if not grids:
            st.info(t("home.no_scope"))
            return category, None, None, False
        qp_grid = st.query_params.get("insp.grid")
        keys = list(grids)
        grid_id = st.selectbox(t("insp.area"), keys, format_func=grids.get, key=f"{prefix}_grid",
                               index=keys.index(int(qp_grid)) if qp_grid and qp_grid.isdigit() and int(qp_grid) in keys
                               else 0)
    return category, facility_id, grid_id, True


def _save(inspection_id: int, code: str, **kw) -> None:
    """on_change: every answer is written to the draft at once, so a reload loses nothing.
    Callbacks run before app.py's session check: an ended session writes nothing."""
    if not session_alive():
        return
    try:
        with write() as s:
            inspections.save_item(s, actor, inspection_id, code, **kw)
    except DomainError as e:
        st.session_state["_insp_error"] = e


OPENED = "_insp_opened"  # (tab, hazard ids) the last submitted checklist opened


def _opened(tab: str, hazard_ids: list[int]) -> None:
    """Remember what a submit opened, so the next run links to it (until the next checklist)."""
    st.session_state[OPENED] = (tab, list(hazard_ids))


def _opened_links(tab: str) -> None:
    """A link to each hazard the last submitted checklist opened (the hazards page, that one open)."""
    where, ids = st.session_state.get(OPENED) or (None, [])
    if where != tab or not ids or not access.can(actor, "hazards", "view"):
        return
    with read() as s:
        found = []
        for hid in ids:
            try:
                found.append(ledgers.get(s, actor, HAZARD, hid))
            except DomainError:  # deleted or out of scope since
                pass
    if not found:
        return
    with st.container(border=True):
        st.markdown(f"**{t('insp.hazards_opened', n=len(found))}**")
        for h in found:
            st.page_link(access.PAGES["hazards"].script, icon=":material/warning:",
                         label=f"{t('insp.open_hazard')} #{h.id} · {choice_label('severity', h.severity)} · "
                               f"{h.description[:40]}", query_params={"hazards.id": str(h.id)})


def _run_tab() -> None:
    if not may_run:
        st.info(t("err.permission"))
        return
    _opened_links("run")
    st.caption(t("insp.draft_kept"))
    with read() as s:
        drafts = inspections.my_drafts(s, actor)
    open_id = st.query_params.get("insp.id")
    if drafts and not open_id:
        st.markdown(f"**{t('insp.drafts')}**")
        for d in drafts:
            label = f"{choice_label('cat', d['category'])} · {d['facility'] or grids.get(d['grid_id'], '')} · " \
                    f"{d['inspected_on']}"
            if st.button(f"{t('insp.continue')}：{label}", key=f"draft_{d['id']}", icon=":material/edit_note:"):
                st.query_params["insp.id"] = str(d["id"])
                st.rerun()
    if not open_id:
        category, facility_id, grid_id, ok = _target_picker("run")
        if ok and st.button(t("insp.run"), type="primary", icon=":material/play_arrow:", width="stretch"):
            def _open(new_id):
                st.query_params["insp.id"] = str(new_id)
                st.session_state.pop(OPENED, None)

            submit(lambda s: inspections.open_draft(s, actor, category, facility_id, grid_id).id,
                   labels={"facility_id": t("insp.facility"), "grid_id": t("insp.area")}, then=_open, rerun=True)
        return
    try:
        with read() as s:
            data = inspections.detail(s, actor, int(open_id))
    except (DomainError, ValueError) as e:
        if isinstance(e, DomainError):
            show_error(e)
        del st.query_params["insp.id"]
        return
    if data["status"] != "draft":
        del st.query_params["insp.id"]
        st.rerun()
    iid = data["id"]
    st.subheader(f"{choice_label('cat', data['category'])} · {data['facility'] or data['grid']}")
    when = date_field(t("insp.date"), value=data["inspected_on"], key=f"insp_date_{iid}")
    if when != data["inspected_on"]:
        submit(lambda s: inspections.set_date(s, actor, iid, when))
    done = sum(1 for i in data["items"] if i["result"])
    st.progress(done / max(1, len(data["items"])), text=t("insp.progress", done=done, total=len(data["items"])))
    for item in data["items"]:
        code = item["code"]
        with st.container(border=True):
            text = item["text_en"] if lang() == "en" else item["text_zh"]
            badge = " :red-badge[" + t("severity.重大") + "]" if item["severity"] == "重大" else ""
            st.markdown(f"**{code}** {text}{badge}")
            st.radio(t("insp.result"), RESULTS, index=RESULTS.index(item["result"]) if item["result"] else None,
                     horizontal=True, key=f"r_{iid}_{code}", label_visibility="collapsed",
                     format_func=lambda v: choice_label("result", v),
                     on_change=lambda c=code: _save(iid, c, result=st.session_state[f"r_{iid}_{c}"]))
            if item["result"] == "不合格" or st.session_state.get(f"r_{iid}_{code}") == "不合格":
                st.text_input(t("insp.item_note"), value=item["note"] or "", key=f"n_{iid}_{code}",
                              on_change=lambda c=code: _save(iid, c, note=st.session_state[f"n_{iid}_{c}"]))
                photo_id = photo_input(t("insp.photo"), f"p_{iid}_{code}", None)
                if photo_id and photo_id != item["photo_id"]:
                    _save(iid, code, photo_id=photo_id)
                    item["photo_id"] = photo_id
                show_photo(item["photo_id"], t("insp.photo_saved"), width=160)
    if "_insp_error" in st.session_state:
        show_error(st.session_state.pop("_insp_error"))
    c1, c2 = st.columns([3, 1])
    if c1.button(t("insp.submit"), type="primary", width="stretch", key=f"submit_{iid}", icon=":material/send:"):
        def _submitted(result):
            del st.query_params["insp.id"]
            _opened("run", result.hazard_ids)

        submit(lambda s: inspections.submit(s, actor, iid), labels={i["code"]: i["code"] for i in data["items"]},
               then=_submitted, done=_submitted_message)
    if c2.button(t("insp.discard"), key=f"discard_{iid}", icon=":material/delete:"):
        submit(lambda s: inspections.discard_draft(s, actor, iid), then=lambda _: st.query_params.pop("insp.id", None),
               rerun=True)


def _submitted_message(result) -> str:
    opened = len(result.hazard_ids)
    return t("insp.submitted") + (" " + t("insp.hazards_opened", n=opened) if opened else "")


def _paper_tab() -> None:
    if not may_run:
        st.info(t("err.permission"))
        return
    _opened_links("paper")
    st.caption(t("insp.paper_help"))
    category, facility_id, grid_id, ok = _target_picker("paper")
    if not ok:
        return
    template = templates[category]
    when = date_field(t("insp.date"), value=clock.today(), key="paper_date")
    rows = pd.DataFrame([{"code": i["code"], "item": i["text_en"] if lang() == "en" else i["text_zh"],
                          "result": choice_label("result", "合格"), "note": ""} for i in template.items])
    labels = {choice_label("result", r): r for r in RESULTS}
    edited = st.data_editor(rows, key=f"paper_{category}_{facility_id}_{grid_id}", hide_index=True, width="stretch",
                            placeholder="",
                            disabled=["code", "item"], column_config={
                                "code": st.column_config.TextColumn(t("insp.code")),
                                "item": st.column_config.TextColumn(t("insp.item"), width="large"),
                                "result": st.column_config.SelectboxColumn(t("insp.result"), options=list(labels),
                                                                          required=True),
                                "note": st.column_config.TextColumn(t("insp.item_note"))})
    if st.button(t("insp.submit"), type="primary", key="paper_submit", icon=":material/send:"):
        results = {r["code"]: labels.get(r["result"]) for r in edited.to_dict("records")}
        notes = {r["code"]: r["note"] for r in edited.to_dict("records") if r["note"]}
        submit(lambda s: inspections.enter_paper_round(s, actor, category, when, results, notes, facility_id, grid_id),
               then=lambda result: _opened("paper", result.hazard_ids), done=_submitted_message)


def _inspection(row: dict) -> None:
    """An opened past inspection: its items as answered, their photos, the printable report."""
    with read() as s:
        data = inspections.detail(s, actor, row["id"])
    data_table(pd.DataFrame([{t("insp.code"): i["code"],
                              t("insp.item"): i["text_en"] if lang() == "en" else i["text_zh"],
                              t("insp.severity"): choice_label("severity", i["severity"]),
                              t("insp.result"): choice_label("result", i["result"]),
                              t("insp.item_note"): i["note"]} for i in data["items"]]), hide_index=True)
    for i in data["items"]:
        show_photo(i["photo_id"], f"{i['code']}", width=160)
    st.download_button(t("insp.report"), icon=":material/print:", file_name=f"inspection-{data['id']}.html",
                       mime="text/html", data=inspections.report_html(
                           data, REPORT_LABELS, lambda v: choice_label("result", v), lang()))


def _past_tab() -> None:
    """Past inspections: the engine's list of the INSPECTION register (read-only)."""
    ledger_page(INSPECTION, actor, key="inspections", may_create=False, may_edit=False, detail=_inspection,
                title=lambda row: f"{t('insp.view')} #{row['id']} · {choice_label('cat', row['category'])} · "
                                  f"{row['facility'] or grids.get(row['grid_id'], '')} · {row['inspected_on']}")


def _blank_tab() -> None:
    category = st.selectbox(t("insp.category"), categories, key="blank_cat", format_func=lambda c: choice_label("cat", c))
    template = templates[category]
    data_table(pd.DataFrame([{t("insp.code"): i["code"], t("insp.item"): i["text_en"] if lang() == "en" else i["text_zh"],
                                t("insp.severity"): choice_label("severity", i["severity"])} for i in template.items]),
                 hide_index=True)
    st.download_button(t("insp.blank"), icon=":material/print:", file_name=f"checklist-{category}-v{template.version}.html",
                       mime="text/html", data=inspections.blank_html(
                           template, REPORT_LABELS, [choice_label("result", r) for r in RESULTS], lang()))


run, paper, past, blank = st.tabs([t("insp.run"), t("insp.paper"), t("insp.past"), t("insp.blank")])
with run:
    _run_tab()
with paper:
    _paper_tab()
with past:
    _past_tab()
with blank:
    _blank_tab()
