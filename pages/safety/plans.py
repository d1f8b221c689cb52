"""Emergency plans (应急预案): the ledger engine's page — current versions, those due for revision
(their date, or a drill that found them wanting) and earlier versions — plus, on a plan, which
drill flagged it and why, its document (PDF or Word) to download or attach, its versions, and a
revision saved as the next version (keeping the document until another is attached)."""
from datetime import date

import streamlit as st

from components.auth import guard
from components.i18n import choice_label, t
from components.inputs import upload_field
from components.ledger_page import ledger_page
from components.records import field_labels, flash, record_form, submit
from components.runtime import read
from db.models.drills import PLAN
from services import access, attachments, clock, ledgers, plans

actor = guard("plans")
st.title(t("page.plans"))
st.caption(t("pagedesc.plans"))
flash()


def _detail(row: dict) -> None:
    if row.get("needs_revision"):
        with read() as s:
            plan = ledgers.get(s, actor, PLAN, row["id"])
        st.warning(t("plan.flagged", on=plan.flagged_on, reason=plan.flag_reason or ""), icon=":material/flag:")
        if plan.flagged_by_drill_id:
            st.page_link(access.PAGES["drills"].script, label=t("plan.open_drill", id=plan.flagged_by_drill_id),
                         icon=":material/emergency:", query_params={"drills.id": str(plan.flagged_by_drill_id)})
    _document(row)
    with read() as s:
        chain = plans.versions(s, actor, row["id"])
    if len(chain) > 1:
        st.markdown(f"**{t('plan.versions')}**")
        for v in chain:
            st.markdown(f"- v{v['revision']} · {v['effective_on']} · {choice_label('planstate', v['status'])}"
                        + (f" · {v['revision_note']}" if v["revision_note"] else ""))
    if row["status"] == "current" and ledgers.may(actor, PLAN, "create"):
        with st.expander(t("plan.revise"), icon=":material/edit_document:"):
            st.caption(t("plan.revise_help"))
            form = f"plans_revise_{row['id']}"
            start = {**row, "effective_on": clock.today(), "revise_by": date(clock.today().year + 1,
                                                                           clock.today().month, 1),
                     "revision_note": ""}
            data = record_form(PLAN, key=form, values=start, skip=("community_id", "plan_type"))
            if data is not None:
                submit(lambda s: plans.revise(s, actor, row["id"], data, row["version"]), labels=field_labels(PLAN),
                       forget=form, done=t("plan.revised"), close="plans")


def _document(row: dict) -> None:
    """The plan's file (PDF or Word) to download, and for its editors one to attach or replace."""
    with read() as s:
        file = attachments.of_plan(s, actor, row["id"])
    if file is not None:
        data, mime, name = file
        st.download_button(t("plan.download", name=name), data, file_name=name, mime=mime,
                           key=f"plans_doc_{row['id']}", icon=":material/download:")
    else:
        st.caption(t("plan.no_document"))
    if row["status"] == "current" and ledgers.may(actor, PLAN, "edit"):
        key = f"plans_upload_{row['id']}"
        upload = upload_field(t("plan.document"), ["pdf", "doc", "docx"], key=key)
        if upload is not None and st.button(t("plan.attach"), key=f"{key}_go", icon=":material/attach_file:"):
            submit(lambda s: attachments.attach_to_plan(s, actor, row["id"], upload.getvalue(), upload.name,
                                                        row["version"]),
                   labels={"file": t("plan.document")}, done=t("plan.attached"), forget=key)


ledger_page(PLAN, actor, key="plans", new_label=t("plan.new"), default_view="current", detail=_detail,
            title=lambda row: f"{row['title']} v{row['revision']} · {choice_label('planstate', row['status'])}",
            new_values={"effective_on": clock.today(),
                        "revise_by": date(clock.today().year + 1, clock.today().month, 1)},
            formats={"revision_due": lambda d, row: d or ""})
