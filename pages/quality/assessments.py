"""Assessments: the evaluations on the ledger engine's page (filters, the workflow's steps, the
edit form) with what is special to them — the scores with the evidence pre-filled from the
ledgers and the records behind it, correcting an approved evaluation, findings that open an
improvement action or a hazard — a new evaluation scored with a current indicator set, the
indicator sets for supervisors and admins, and the community checks' totals over the quarters."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.findings import action_panel, hazard_panel
from components.i18n import choice_label, lang, t
from components.inputs import date_field
from components.ledger_page import ledger_page
from components.records import data_table, flash, submit
from components.runtime import read
from db.models.quality import EVALUATION, EVALUATION_KINDS, IndicatorSet
from services import access, actions, assessments, clock, kpis, ledgers, places, users

actor = guard("assessments")
st.title(t("page.assessments"))
st.caption(t("pagedesc.assessments"))
flash()

PAGES = {p.key: p.script for p in access.visible_pages(actor.role)}
may_create = ledgers.may(actor, EVALUATION, "create")
may_sets = access.can(actor, "assessments", assessments.SETS_ACTION)
english = lang() == "en"


def _name(row) -> str:
    return (row.name_en if english else row.name_zh) or row.name_zh


def _links(page: str, params: dict, label: str, key: str) -> None:
    if page in PAGES:
        st.page_link(PAGES[page], label=label, icon=":material/open_in_new:", query_params=params or None)


def _evidence(ind, ev, key: str) -> None:
    """The figure, what it counts, and the records behind it."""
    st.caption(f":material/database: {t(ev.text, **ev.params)}")
    if ev.link:
        page, params = assessments.split_link(ev.link)
        _links(page, params, t("evl.open_list"), f"{key}_list")
    if ev.records:
        with st.popover(t("evl.records", n=len(ev.records)), icon=":material/list:"):
            for n, (label, page, params) in enumerate(ev.records[:20]):
                _links(page, params, label, f"{key}_{n}")


def _scores(row: dict, ev, inds, stored, evidence, editable: bool) -> None:
    table = []
    for ind in inds:
        r = stored.get(ind.id)
        score = r.score if r else None
        table.append({t("ind.name"): _name(ind), t("ind.weight"): ind.weight,
                      t("ind.scale"): f"{ind.scale_min:g}–{ind.scale_max:g}", t("ind.score"): score,
                      t("ind.points"): None if score is None else round(assessments.points(
                          ind.weight, score, ind.scale_min, ind.scale_max), 2),
                      t("ind.comment"): r.comment if r else None})
    data_table(pd.DataFrame(table))
    if not editable:
        for ind in inds:
            if ind.id in evidence:
                st.markdown(f"**{_name(ind)}**")
                _evidence(ind, evidence[ind.id], f"evl_ev_{row['id']}_{ind.id}")
        return
    form = f"evl_score_{row['id']}"
    with st.form(form, border=True):
        st.markdown(f"**{t('evl.scoring')}**")
        values = {}
        for ind in inds:
            r = stored.get(ind.id)
            st.markdown(f"**{_name(ind)}** · {t('ind.weight')} {ind.weight:g} · "
                        f"{t('ind.scale')} {ind.scale_min:g}–{ind.scale_max:g}")
            if ind.id in evidence:
                _evidence(ind, evidence[ind.id], f"{form}_{ind.id}")
            c1, c2 = st.columns([1, 3])
            small = ind.scale_max - ind.scale_min <= 5
            score = c1.number_input(t("ind.score"), min_value=float(ind.scale_min), max_value=float(ind.scale_max),
                                    value=None if not r or r.score is None else float(r.score),
                                    step=1.0 if small else 0.5, key=f"{form}_{ind.id}_score")
            comment = c2.text_input(t("ind.comment"), value=(r.comment if r else None) or "",
                                    key=f"{form}_{ind.id}_comment", max_chars=500)
            entry = {"score": score, "comment": comment}
            fresh = evidence.get(ind.id)
            if fresh is not None:
                entry.update(evidence_value=fresh.value, evidence_link=fresh.link,
                             evidence=(r.evidence if r else None) or t(fresh.text, **fresh.params))
            values[ind.id] = entry
        findings = st.text_area(t("evl.findings"), value=ev.findings or "", key=f"{form}_findings", max_chars=4000)
        if st.form_submit_button(t("evl.save_scores"), type="primary", icon=":material/save:"):
            submit(lambda s: assessments.save_scores(s, actor, row["id"], values, ev.version, findings),
                   done=t("evl.scores_saved"), forget=f"evaluations_edit_{row['id']}")


def _findings(row: dict, ev, acts) -> None:
    action_panel(actor, f"evl_{row['id']}", ev.community_id, acts,
                 lambda s, **kw: assessments.open_action(s, actor, row["id"], **kw), days=30)
    hazard_panel(actor, f"evl_hazard_{row['id']}", ev.community_id,
                 lambda s, **kw: assessments.open_hazard(s, actor, row["id"], **kw),
                 label=t("evl.open_hazard"), done=t("evl.hazard_opened"))


def _detail(row: dict) -> None:
    with read() as s:
        ev = ledgers.get(s, actor, EVALUATION, row["id"])
        the_set = s.get(IndicatorSet, ev.set_id)
        inds = assessments.indicators(s, ev.set_id)
        stored = assessments.scores_of(s, ev.id)
        evidence = assessments.evidence_of(s, actor, ev)
        lock = ledgers.locked(s, actor, EVALUATION, ev)
        acts = actions.of_source(s, actor, "evaluation", ev.id)
    c = st.columns(4)
    c[0].metric(t("evl.total"), "—" if ev.total is None else f"{ev.total:g}")
    c[1].metric(t("evl.grade"), ev.grade or "—")
    c[2].markdown(f"**{t('evl.set')}** {_name(the_set)} v{the_set.revision}")
    c[2].caption(" · ".join(f"{band[1] if not english else band[2]} ≥ {band[0]:g}"
                            for band in assessments.grades_of(the_set)))
    with read() as s:
        names = users.display_names(s, [ev.evaluator, ev.approved_by])
    c[3].markdown(f"**{t('evl.evaluator')}** {names.get(ev.evaluator, ev.evaluator)}")
    if ev.approved_by:
        c[3].markdown(f"**{t('evl.approved_by')}** {names.get(ev.approved_by, ev.approved_by)}")
    if ev.returned_reason and ev.status in ("returned", "draft"):
        st.warning(f"{t('evl.returned_reason')}：{ev.returned_reason}", icon=":material/undo:")
    if ev.superseded:
        st.info(t("evl.superseded_note"), icon=":material/history:")
    if ev.supersedes_id:
        _links("assessments", {"evaluations.id": str(ev.supersedes_id)}, t("evl.supersedes_link"), "evl_sup")
    if ev.findings:
        st.markdown(f"**{t('evl.findings')}** {ev.findings}")
    _scores(row, ev, inds, stored, evidence, editable=not lock and may_create)
    if ev.status in assessments.LOCKED_STATES and not ev.superseded and may_create:
        if st.button(t("evl.correct"), key=f"evl_correct_{ev.id}", icon=":material/edit_note:",
                     help=t("evl.correct_help")):
            def _open(new_id):
                st.query_params["evaluations.id"] = str(new_id)

            submit(lambda s: assessments.correct(s, actor, ev.id).id, done=t("evl.corrected"), then=_open)
    _findings(row, ev, acts)


def _new() -> None:
    with read() as s:
        sets = {x.id: x for x in assessments.current_sets(s)}
        communities = places.community_options(s, actor)
    if not communities:
        st.caption(t("evl.no_community"))
        return
    set_id = st.selectbox(t("evl.set"), list(sets), format_func=lambda i: f"{_name(sets[i])} v{sets[i].revision}",
                          key="evl_new_set")
    the_set = sets[set_id]
    c1, c2 = st.columns(2)
    community = c1.selectbox(t("place.community"), list(communities), format_func=communities.get,
                             key="evl_new_community")
    default = assessments.DEFAULT_KIND.get(the_set.key, "special")
    kind = c2.selectbox(t("evl.kind"), EVALUATION_KINDS, index=EVALUATION_KINDS.index(default),
                        format_func=lambda k: choice_label("evlkind", k), key="evl_new_kind")
    subject_id, subject_name = None, None
    with read() as s:
        if the_set.subject_kind == "staff":
            staff = assessments.staff_options(s, actor, community)
            subject_id = st.selectbox(t("evl.subject"), list(staff), format_func=staff.get, key="evl_new_staff")
        elif the_set.subject_kind == "org":
            orgs = assessments.org_options(s, actor, community)
            subject_name = st.selectbox(t("evl.subject"), orgs, key="evl_new_org", accept_new_options=True)
        elif the_set.subject_kind == "activity":
            acts = assessments.activity_options(s, actor, community)
            subject_id = st.selectbox(t("evl.subject"), list(acts), format_func=acts.get, key="evl_new_activity")
        elif the_set.subject_kind == "drill":
            subject_name = st.text_input(t("evl.subject"), max_chars=100, key="evl_new_drill",
                                         help=t("evl.drill_help"))
        inds = assessments.indicators(s, set_id)
    start, end = kpis.reporting_period("quarter", clock.today())
    d1, d2 = st.columns(2)
    period_start = date_field(t("evl.period_start"), value=start, key="evl_new_start", where=d1)
    period_end = date_field(t("evl.period_end"), value=end, key="evl_new_end", where=d2)
    data_table(pd.DataFrame([{t("ind.name"): _name(i), t("ind.weight"): i.weight,
                              t("ind.scale"): f"{i.scale_min:g}–{i.scale_max:g}",
                              t("ind.evidence"): t("evl.prefilled") if i.evidence else ""} for i in inds]))
    if st.button(t("evl.create"), type="primary", key="evl_new_create", icon=":material/add:"):
        def _open(new_id):
            st.query_params["evaluations.id"] = str(new_id)

        submit(lambda s: assessments.create(s, actor, set_id=set_id, community_id=community, kind=kind,
                                            period_start=period_start, period_end=period_end,
                                            subject_id=subject_id, subject_name=subject_name).id,
               done=t("evl.created"), then=_open)


def _records(frame: pd.DataFrame) -> list[dict]:
    """An edited table's rows, an emptied cell as None (pandas gives NaN)."""
    return [{k: None if pd.isna(v) else v for k, v in r.items()} for r in frame.to_dict("records")]


def _sets() -> None:
    with read() as s:
        sets = assessments.current_sets(s)
        history = {x.key: assessments.revisions(s, x.key) for x in sets}
        inds = {x.id: assessments.indicators(s, x.id) for x in sets}
    st.caption(t("asm.sets_help"))
    for x in sets:
        with st.expander(f"{_name(x)} v{x.revision} · {choice_label('evlsubj', x.subject_kind)}"):
            form = f"asm_set_{x.id}"
            with st.form(form):
                n1, n2 = st.columns(2)
                name_zh = n1.text_input(t("asm.name_zh"), value=x.name_zh, key=f"{form}_zh")
                name_en = n2.text_input(t("asm.name_en"), value=x.name_en, key=f"{form}_en")
                frame = pd.DataFrame([{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en,
                                       "weight": i.weight, "scale_min": i.scale_min, "scale_max": i.scale_max,
                                       "evidence": i.evidence} for i in inds[x.id]])
                edited = st.data_editor(frame, num_rows="dynamic", key=f"{form}_ind", width="stretch",
                                        column_config={
                                            "code": st.column_config.TextColumn(t("ind.code"), required=True),
                                            "name_zh": st.column_config.TextColumn(t("asm.name_zh"), required=True),
                                            "name_en": st.column_config.TextColumn(t("asm.name_en")),
                                            "weight": st.column_config.NumberColumn(t("ind.weight"), min_value=0),
                                            "scale_min": st.column_config.NumberColumn(t("ind.scale_min")),
                                            "scale_max": st.column_config.NumberColumn(t("ind.scale_max")),
                                            "evidence": st.column_config.SelectboxColumn(
                                                t("ind.evidence"), options=list(assessments.EVIDENCE))})
                bands = pd.DataFrame([{"lowest": b[0], "zh": b[1], "en": b[2]} for b in assessments.grades_of(x)])
                grades = st.data_editor(bands, num_rows="dynamic", key=f"{form}_grades", width="stretch",
                                        column_config={
                                            "lowest": st.column_config.NumberColumn(t("asm.grade_lowest")),
                                            "zh": st.column_config.TextColumn(t("asm.grade_zh")),
                                            "en": st.column_config.TextColumn(t("asm.grade_en"))})
                note = st.text_input(t("asm.note"), key=f"{form}_note", max_chars=500)
                if st.form_submit_button(t("asm.save_revision"), type="primary", icon=":material/save:"):
                    rows = [r for r in _records(edited) if any(v not in (None, "") for v in r.values())]
                    bands_out = [[b["lowest"], b["zh"], b["en"]] for b in _records(grades)
                                 if b.get("zh") not in (None, "")]
                    submit(lambda s: assessments.revise_set(s, actor, x.id, name_zh=name_zh, name_en=name_en,
                                                            rows=rows, grades=bands_out, note=note,
                                                            expected_version=x.version),
                           done=t("asm.revised"))
            older = [f"v{r.revision} ({r.created_at:%Y-%m-%d} {r.created_by})" for r in history[x.key]
                     if r.id != x.id]
            if older:
                st.caption(t("asm.older", revisions=", ".join(older)))


def _chart() -> None:
    with read() as s:
        rows = assessments.totals_over_periods(s, actor)
    if not rows:
        st.caption(t("asm.no_chart"))
        return
    df = pd.DataFrame(rows).rename(columns={"community": t("place.community"), "period": t("evl.period_end"),
                                            "total": t("evl.total")})
    st.line_chart(df, x=t("evl.period_end"), y=t("evl.total"), color=t("place.community"))


names = [t("asm.tab_list")] + ([t("asm.tab_new")] if may_create else []) + \
    ([t("asm.tab_sets")] if may_sets else []) + [t("asm.tab_chart")]
tabs = dict(zip(names, st.tabs(names)))
with tabs[t("asm.tab_list")]:
    ledger_page(EVALUATION, actor, key="evaluations", may_create=False, detail=_detail,
                title=lambda row: f"{row['subject_name']} · {row['period_start']}~{row['period_end']} · "
                                  f"{choice_label('evlkind', row['kind'])}")
if may_create:
    with tabs[t("asm.tab_new")]:
        _new()
if may_sets:
    with tabs[t("asm.tab_sets")]:
        _sets()
with tabs[t("asm.tab_chart")]:
    _chart()
