"""What a page offers (issue 17, "smaller things" and "phone use"): a link that lands where the
user meant to go, one picker instead of two, a record's facts without opening its form, a picker
of people instead of a login name to type, a link to what a checklist opened, a button the user
may not use shown disabled with the reason, and no promise of a page that does not exist."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from db.engine import session_scope
from tests.conftest import actor_of
from tests.test_pages import ZH, app, as_role, errors, start_fire_checklist  # noqa: F401  (app is a fixture)


def _actor(username: str):
    return actor_of(lambda write=False: session_scope(write=write), username)


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
                     + [w.value for w in at.warning] + [s.value for s in at.success] + [x.value for x in at.title])


def test_log_visit_on_a_residents_file_opens_the_logging_tab_with_that_resident(app):
    from db.models import Resident

    staff = _actor("staff")
    with session_scope() as s:
        resident = s.execute(select(Resident).where(Resident.grid_id.in_(sorted(staff.grid_ids)),
                                                    Resident.status == "active")
                             .order_by(Resident.name.desc())).scalars().first()  # late in the picker's order
        rid, name = resident.id, resident.name
    at = as_role(app, "staff")
    at.query_params["residents.id"] = str(rid)
    at.switch_page("pages/people/residents.py").run()
    next(b for b in at.button if b.label == ZH["res.log_visit"]).click()
    at.run()
    assert not at.exception and not errors(at)
    assert at.session_state["visits_tab"] == ZH["visit.log"]  # the logging tab is the open one
    picker = at.selectbox(key="visit_new_resident")
    assert picker.value == rid and picker.format_func(rid).startswith(name)
    # read once: the next run on the page (AppTest's run() would go back to the residents page)
    # keeps the tab and the resident, and the URL no longer carries it
    at.switch_page("pages/people/visits.py").run()
    assert at.session_state["visits_tab"] == ZH["visit.log"] and at.selectbox(key="visit_new_resident").value == rid
    assert "visits.resident" not in at.query_params


def test_the_visit_form_has_one_resident_picker_over_the_whole_scope_with_masked_phones(app):
    from db.models import Resident

    staff = _actor("staff")
    with session_scope() as s:
        active = dict(s.execute(select(Resident.id, Resident.phone).where(
            Resident.grid_id.in_(sorted(staff.grid_ids)), Resident.status == "active", Resident.deleted_at.is_(None)))
            .all())
    assert len(active) > 50  # more than the old search's first page
    at = as_role(app, "staff")
    at.switch_page("pages/people/visits.py").run()
    assert not at.exception
    assert not [w for w in at.text_input if w.label in (ZH["visit.pick_resident"], "查找居民")]  # no search box beside it
    pickers = [w for w in at.selectbox if w.label == ZH["visit.pick_resident"]]
    assert len(pickers) == 1
    picker = pickers[0]
    assert set(picker.options) == {picker.format_func(rid) for rid in active}  # every resident in scope
    labels = "\n".join(picker.options)
    phones = [p for p in active.values() if p]
    assert phones and not [p for p in phones if p in labels]  # never a whole phone number
    assert all(p[-4:] in labels for p in phones)  # the last four, which the picker's search finds


def test_rental_detail_shows_tenants_landlord_phone_group_rental_and_pledge(app):
    from db.models import Rental
    from db.models.residents import rental_tenant

    with session_scope() as s:
        n_tenants = func.count(rental_tenant.c.resident_id)
        rid, n = s.execute(select(Rental.id, n_tenants).join(rental_tenant, rental_tenant.c.rental_id == Rental.id)
                           .where(Rental.community_id == 1, Rental.status == "registered", Rental.group_rental.is_(True))
                           .group_by(Rental.id).order_by(n_tenants.desc()).limit(1)).one()
        rental = s.get(Rental, rid)
        phone, pledge = rental.landlord_phone, rental.pledge_signed
    for role, shown_phone in (("manager", phone), ("supervisor", phone[:3] + "****" + phone[-4:])):
        at = as_role(app, role)
        at.query_params["rentals.id"] = str(rid)
        at.switch_page("pages/people/rentals.py").run()
        assert not at.exception
        text = _texts(at)
        assert f"**{ZH['rental.group']}** {ZH['rec.yes']}" in text
        assert f"**{ZH['rental.pledge']}** {ZH['rec.yes' if pledge else 'rec.no']}" in text
        assert f"**{ZH['rental.tenants']}** {ZH['rental.tenants_n'].format(n=n)}" in text
        assert f"**{ZH['rental.landlord_phone']}** {shown_phone}" in text
        if role == "supervisor":
            assert phone not in text


def test_the_calendars_inspector_filter_is_a_picker_of_peoples_names(app):
    from db.models import User

    with session_scope() as s:
        staff_name = s.execute(select(User.display_name).where(User.username == "staff")).scalar_one()
    at = as_role(app, "manager")
    at.switch_page("pages/safety/schedule.py").run()
    assert not at.exception
    assert not [w for w in at.text_input if w.label == ZH["sched.person"]]
    picker = at.selectbox(key="sched_person")
    assert picker.label == ZH["sched.person"] and picker.options == [ZH["rec.all"], staff_name]
    picker.set_value("staff").run()
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table[ZH["sched.person"]]) == {staff_name}  # names, not login names


def test_a_submitted_checklist_links_to_the_hazard_it_opened(app):
    from db.models import Hazard

    with session_scope() as s:
        last = s.execute(select(func.max(Hazard.id))).scalar_one() or 0
    at, _ = start_fire_checklist(app)
    for i, radio in enumerate(r for r in at.radio if r.key and r.key.startswith("r_")):
        radio.set_value("不合格" if i == 0 else "合格")
    at.run()
    next(b for b in at.button if b.label == ZH["insp.submit"]).click()
    at.run()
    assert not at.exception and not errors(at)
    with session_scope() as s:
        opened = s.execute(select(Hazard.id).where(Hazard.id > last)).scalars().all()
    assert len(opened) == 1
    links = [p.proto for p in at.get("page_link") if p.proto.page == "hazards"]
    assert [p.query_string for p in links] == [f"hazards.id={opened[0]}"]
    assert links[0].label.startswith(f"{ZH['insp.open_hazard']} #{opened[0]}")
    at = as_role(app, "staff")  # the link opens that hazard
    at.query_params["hazards.id"] = str(opened[0])
    at.switch_page("pages/safety/hazards.py").run()
    assert not at.exception and any(b.label == ZH["haz.assign"] for b in at.button)


def _awaiting_hazard_fixed_by_staff() -> int:
    from db.models import HAZARD, Grid
    from services import clock, ledgers

    staff, manager = _actor("staff"), _actor("manager")
    with session_scope(write=True) as s:
        grid = s.execute(select(Grid.id).where(Grid.id.in_(sorted(staff.grid_ids)))).scalars().first()
        hid = ledgers.save(s, staff, HAZARD, {"description": "楼道堆放杂物", "category": "fire", "severity": "一般",
                                              "risk_level": "中", "source": "patrol", "grid_id": grid,
                                              "found_on": clock.today()}).id
    with session_scope(write=True) as s:
        ledgers.move(s, manager, HAZARD, hid, "assign", {"owner": "物业 张经理",
                                                          "deadline": clock.today() + timedelta(days=5)})
    with session_scope(write=True) as s:
        ledgers.move(s, staff, HAZARD, hid, "rectified", {"measures": "清理杂物"})
    return hid


def test_the_fixer_sees_reinspection_disabled_with_the_reason_and_someone_else_may_pass_it(app):
    from db.models import HAZARD, Hazard
    from services import ledgers

    hid = _awaiting_hazard_fixed_by_staff()
    with session_scope() as s:  # page and service ask the same rule
        h = s.get(Hazard, hid)
        assert ledgers.may_move(s, _actor("staff"), HAZARD, h, "reinspect_pass") == "err.own_fix"
        assert ledgers.may_move(s, _actor("manager"), HAZARD, h, "reinspect_pass") is None
        assert ledgers.may_move(s, _actor("manager"), HAZARD, h, "start") == "err.wf_state"
    at = as_role(app, "staff")
    at.query_params["hazards.id"] = str(hid)
    at.switch_page("pages/safety/hazards.py").run()
    assert not at.exception
    passed = next(b for b in at.button if b.label == ZH["haz.pass"])
    failed = next(b for b in at.button if b.label == ZH["haz.fail"])
    assert passed.disabled and failed.disabled
    assert any(ZH["err.own_fix"] in c.value for c in at.caption)
    at = as_role(app, "manager")
    at.query_params["hazards.id"] = str(hid)
    at.switch_page("pages/safety/hazards.py").run()
    passed = next(b for b in at.button if b.label == ZH["haz.pass"])
    assert not passed.disabled and not any(ZH["err.own_fix"] in c.value for c in at.caption)
    passed.click()
    at.run()
    assert not errors(at)
    with session_scope() as s:
        assert s.get(Hazard, hid).status == "closed"


def test_the_volunteer_home_promises_paper_survey_entry_only_with_the_page_that_does_it(app):
    """The home once promised survey entry that did not exist; now the promise comes with the
    surveys page, which opens on the entry screen for a volunteer."""
    at = as_role(app, "volunteer")
    assert not at.exception
    text = _texts(at) + "\n".join(p.proto.label for p in at.get("page_link"))
    assert ZH["roledesc.volunteer"] in text
    assert ZH["pagedesc.surveys"] in text and ZH["page.surveys"] in text
    at.switch_page("pages/quality/surveys.py").run()
    assert not at.exception and not at.error
    assert any(b.label == ZH["svy.save_next"] for b in at.button)


def test_an_activity_goes_through_its_steps_on_the_page_one_write_each(app):
    """Announce, record as held, evaluate: each step is one write through the page's one write
    path, its message shown after the rerun, and a second tap of the same step writes nothing."""
    from db.models import Activity, AuditLog

    manager = _actor("manager")
    with session_scope(write=True) as s:
        from db.models import ACTIVITY
        from services import clock, ledgers

        aid = ledgers.save(s, manager, ACTIVITY, {"theme": "测试 步骤", "activity_type": "敬老",
                                                  "activity_date": clock.today(), "place": "活动室",
                                                  "organiser": "周敏", "target_turnout": 20,
                                                  "community_id": next(iter(manager.community_ids))}).id

    def state():
        with session_scope() as s:
            a = s.get(Activity, aid)
            steps = s.execute(select(func.count()).select_from(AuditLog).where(
                AuditLog.table_name == "activity", AuditLog.row_id == aid)).scalar_one()
            return a.status, steps

    at = as_role(app, "manager")
    at.query_params["activities.id"] = str(aid)
    at.switch_page("pages/volunteering/activities.py").run()
    _, before = state()
    next(b for b in at.button if b.label == ZH["act.announce"]).click()
    at.run()
    assert not at.exception and not errors(at)
    assert state() == ("announced", before + 1)
    assert any(ZH["act.announced"] in t.value for t in at.toast)
    next(b for b in at.button if b.label == ZH["act.held"]).click()
    at.run()
    assert state()[0] == "held" and not errors(at)
    assert not [b for b in at.button if b.label == ZH["act.announce"]]  # the step done is no longer offered
    next(b for b in at.button if b.label == ZH["act.evaluate"]).click()
    at.run()
    assert state()[0] == "evaluated" and not errors(at)
