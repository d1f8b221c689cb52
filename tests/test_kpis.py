"""The KPI registry on SQLite and PostgreSQL: each indicator's numerator and denominator on data
the test controls, "no data" for a zero denominator, traffic lights, scope; and the reports."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from db.models import MY_HOURS, Resident, Visit, VolunteerLog
from db.models.safety import HAZARD, Hazard
from services import audit, clock, kpis, ledgers, reports, volunteers
from tests.conftest import actor_of

TODAY = clock.today()


def _value(db, actor, key, start, end, community_ids=None):
    with db() as s:
        return kpis.evaluate(s, kpis.Scope(kpis.narrowed(actor, community_ids), None), key, start, end, TODAY)


def test_traffic_lights_and_no_data():
    kpi = kpis.REGISTRY["service_coverage"]
    assert kpis.Value(kpi, 0, 0, 90).value is None and kpis.Value(kpi, 0, 0, 90).light is None
    assert kpis.Value(kpi, 90, 100, 90).light == "green"
    assert kpis.Value(kpi, 85, 100, 90).light == "amber"
    assert kpis.Value(kpi, 84.9, 100, 90).light == "red"
    assert kpis.Value(kpis.REGISTRY["volunteer_hours"], 10, 4, None).value == 2.5


def test_on_the_first_of_the_month_the_default_is_the_last_complete_period():
    """Seen on 1 December: every tile 无数据 or a red 0.9 %. The default is November; this
    month so far only when asked for."""
    first = date(2026, 12, 1)
    assert kpis.reporting_period("month", first) == (date(2026, 11, 1), date(2026, 11, 30))
    assert kpis.reporting_period("month", first, partial=True) == (date(2026, 12, 1), date(2026, 12, 31))
    assert kpis.reporting_period("quarter", first) == (date(2026, 7, 1), date(2026, 9, 30))
    assert kpis.reporting_period("year", date(2026, 1, 1)) == (date(2025, 1, 1), date(2025, 12, 31))


def test_a_rate_over_too_few_cases_says_so_instead_of_turning_red():
    kpi = kpis.REGISTRY["rectification_major"]
    few = kpis.Value(kpi, 1, 2, 100, min_n=5)
    assert few.value == 50.0 and few.too_few and few.light is None
    enough = kpis.Value(kpi, 5, 10, 100, min_n=5)
    assert not enough.too_few and enough.light == "red"
    assert kpis.as_dict(few)["too_few"] is True


def test_every_kpi_has_a_label_a_page_and_a_target_row():
    from components.catalog import CATALOG
    from services import access, settings

    for kpi in kpis.REGISTRY.values():
        assert kpi.label in CATALOG and kpi.drill_page in access.PAGES
        if kpi.target_key:
            assert kpi.target_key in settings.defaults()


def test_service_coverage_counts_residents_served_in_the_period(db, demo_db):
    manager = actor_of(db, "manager")
    start, end = date(2030, 1, 1), date(2030, 1, 31)  # a month nobody was served yet
    v = _value(db, manager, "service_coverage", start, end)
    assert v.numerator == 0 and v.denominator > 0 and v.value == 0.0
    with db(write=True) as s:
        rid = s.execute(select(Resident.id).where(Resident.community_id.in_(manager.community_ids),
                                                  Resident.status == "active")).scalars().first()
        s.execute(update(Visit).where(Visit.id == s.execute(select(Visit.id).where(Visit.resident_id == rid)).scalars()
                                      .first()).values(visit_date=date(2030, 1, 15)))
    assert _value(db, manager, "service_coverage", start, end).numerator == 1


def test_rectification_is_closed_by_the_deadline_over_hazards_due(db, demo_db):
    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    start, end = TODAY - timedelta(days=400), TODAY
    before = _value(db, manager, "rectification_major", start, end)
    with db() as s:
        due = s.execute(select(func.count()).select_from(Hazard).where(
            Hazard.severity == "重大", Hazard.deadline.between(start, end),
            Hazard.community_id.in_(manager.community_ids))).scalar_one()
    assert before.denominator == due
    with db(write=True) as s:  # a major hazard due yesterday, closed on time
        h = ledgers.save(s, staff, HAZARD, {"description": "燃气管道锈蚀", "category": "gas", "severity": "重大",
                                            "risk_level": "高", "source": "patrol", "grid_id": sorted(staff.grid_ids)[0],
                                            "found_on": TODAY - timedelta(days=5), "deadline": TODAY - timedelta(days=1),
                                            "on_the_spot": True})
        h.closed_on = TODAY - timedelta(days=2)
    after = _value(db, manager, "rectification_major", start, end)
    assert (after.numerator, after.denominator) == (before.numerator + 1, before.denominator + 1)


def test_volunteer_hours_moves_with_a_verification_and_the_stamp_moves_with_every_write(db, demo_db):
    manager, vol, staff = actor_of(db, "manager"), actor_of(db, "volunteer"), actor_of(db, "staff")
    start, end = kpis.period("month", TODAY)
    with db() as s:
        stamp = audit.data_version(s)
    before = _value(db, manager, "volunteer_hours", start, end)
    with db(write=True) as s:
        s.execute(update(VolunteerLog).where(VolunteerLog.log_date == TODAY).values(log_date=TODAY - timedelta(days=40)))
        entry = ledgers.save(s, vol, MY_HOURS, {"log_date": TODAY, "hours": 6})
    with db() as s:
        assert audit.data_version(s) > stamp
    assert _value(db, manager, "volunteer_hours", start, end).numerator == before.numerator  # not verified yet
    with db(write=True) as s:
        volunteers.verify(s, staff, [{"id": entry.id, "approve": True}])
    assert _value(db, manager, "volunteer_hours", start, end).numerator == pytest.approx(before.numerator + 6)


def test_scope_narrows_to_a_community_and_staff_grids(db, demo_db):
    supervisor, staff = actor_of(db, "supervisor"), actor_of(db, "staff")
    start, end = TODAY - timedelta(days=365), TODAY
    both = _value(db, supervisor, "service_coverage", start, end)
    one = _value(db, supervisor, "service_coverage", start, end, [1])
    other = _value(db, supervisor, "service_coverage", start, end, [2])
    assert one.denominator + other.denominator == both.denominator
    mine = _value(db, staff, "service_coverage", start, end)
    assert 0 < mine.denominator < one.denominator


def test_trend_has_twelve_periods_and_every_kpi_computes(db, demo_db):
    manager = actor_of(db, "manager")
    with db() as s:
        scope = kpis.Scope(manager, None)
        series = kpis.trend(s, scope, "inspection_completion", "month", TODAY)
        values = kpis.evaluate_all(s, scope, *kpis.period("quarter", TODAY), TODAY)
    assert len(series) == 12 and series[-1]["start"] == kpis.period("month", TODAY)[0]
    with db() as s:  # the dashboard's default: up to the last complete month
        last = kpis.reporting_period("month", TODAY)[0]
        through = kpis.trend(s, scope, "inspection_completion", "month", TODAY, through=last)
    assert len(through) == 12 and through[-1]["start"] == last
    assert all(v.value is None or v.value >= 0 for v in values.values())
    assert values["inspection_completion"].denominator > 0


def test_notice_board_report_has_aggregates_only_and_suppresses_small_counts(db, demo_db):
    from components.catalog import CATALOG

    manager = actor_of(db, "manager")
    start, end = kpis.period("month", TODAY)
    with db() as s:
        rep = reports.build(s, manager, 1, "month", start, end)
        names = list(s.execute(select(Resident.name).where(Resident.community_id == 1).limit(200)).scalars())
    tr = lambda key, **kw: CATALOG[key][0].format(**kw) if kw else CATALOG[key][0]  # noqa: E731
    page = reports.to_html(rep, tr, lambda c: c, "2026-11")
    assert rep.community in page and all(n not in page for n in names)
    rep.hazards_by_category = [{"category": "fire", "state": "open", "count": 3},
                               {"category": "fire", "state": "closed", "count": 12}]
    rep.highlights["activities"] = 2
    page = reports.to_html(rep, tr, lambda c: c, "2026-11")
    assert "<td>少于 5</td>" in page and "<td>12</td>" in page and "<td>3</td>" not in page
    xlsx = reports.to_xlsx(rep, tr, lambda c: c)
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(xlsx))
    assert len(book.sheetnames) == 4
    # every label a person reads comes from the catalog: no code words, no n/N
    texts = {str(c.value) for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert not texts & {"activities", "attendance", "hours", "hazards_closed", "n", "N", "visits", "inspections"}
    kpi_sheet = book[tr("rep.kpis")]
    assert kpi_sheet.freeze_panes == "A2" and kpi_sheet.auto_filter.ref
    assert tr("rep.overdue_major") in texts and tr("kpi.rectification_major") not in {
        str(c.value) for c in book[tr("rep.overdue")]["A"]}
    # the notice page: who issued it and when; nothing happened is not a highlight
    rep.highlights.update(hours=0, visits=0)
    page = reports.to_html(rep, tr, lambda c: c, "2026-11", issued=date(2026, 12, 1))
    assert tr("rep.issued_by", community=rep.community) in page and "2026-12-01" in page
    assert tr("rep.hours_total", hours=0) not in page and "少于 5</td><td>" not in page.split(tr("rep.highlights"))[0]
    with db() as s, pytest.raises(Exception):
        reports.build(s, actor_of(db, "staff"), 1, "month", start, end)


def test_the_notice_publishes_no_rate_over_too_few_cases_and_no_empty_sections():
    """Issue 17: a percentage column showed "少于 5"; a rate the dashboard calls too few to judge
    (kpi.min_denominator) was printed as a number; an empty highlights heading was published."""
    import re

    from components.catalog import CATALOG

    tr = lambda key, **kw: CATALOG[key][0].format(**kw) if kw else CATALOG[key][0]  # noqa: E731

    def kpi(key, value, den, too_few=False, min_n=5):
        return {"key": key, "label": kpis.REGISTRY[key].label, "unit": "%", "value": value, "target": 90.0,
                "light": None if too_few else "red", "numerator": 0, "denominator": den, "too_few": too_few,
                "min_n": min_n}

    rep = reports.Report("幸福社区", "month", date(2026, 11, 1), date(2026, 11, 30), [
        kpi("service_coverage", 71.4, 7, too_few=True, min_n=10),  # enough to publish, too few to judge
        kpi("special_coverage", 33.3, 3),  # under the public threshold
        dict(kpi("inspection_completion", 95.0, 40), light="green"),
        dict(kpi("rectification_major", None, 0), light=None),
    ], {"hazards": 0, "hazards_major": 0},
        {"activities": 0, "attendance": 0, "hours": 0, "inspections": 0, "hazards_closed": 0, "visits": 0}, [], 5)
    page = reports.to_html(rep, tr, lambda c: c, "2026-11", issued=date(2026, 12, 1))
    table = page.split(f"<h2>{tr('rep.kpis')}</h2>")[1].split("</table>")[0]
    rows = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    values = {r[0]: re.sub(r"\s*<span.*", "", r[1]) for r in rows}
    assert values == {tr("kpi.service_coverage"): "—", tr("kpi.special_coverage"): "—",
                      tr("kpi.inspection_completion"): "95.0%", tr("kpi.rectification_major"): tr("dash.no_data")}
    assert not any("少于" in cell for r in rows for cell in r)
    assert [r[3] for r in rows] == ["", "", tr("dash.light.green"), ""]  # no red light under a dash
    assert tr("rep.dash_note", n=10) in page  # the dash explained, with the stricter threshold
    assert tr("rep.highlights") not in page  # nothing happened: no heading over an empty list
    assert tr("rep.no_hazards") in page and page.count("<table>") == 1
    assert tr("rep.issued_by", community="幸福社区") in page and tr("rep.issued_on", on="2026-12-01") in page


def test_a_period_without_records_has_no_data_not_zero(db, demo_db):
    manager = actor_of(db, "manager")
    start, end = date(2031, 3, 1), date(2031, 3, 31)  # after every deadline and activity of the demo
    for key in ("turnout", "rectification", "rectification_major"):
        v = _value(db, manager, key, start, end)
        assert v.denominator == 0 and v.value is None and v.light is None, key


def test_turnout_and_special_coverage_by_hand(db, demo_db):
    from db.models import Activity, ResidentTag

    manager = actor_of(db, "manager")
    start, end = date(2031, 5, 1), date(2031, 5, 31)
    with db(write=True) as s:
        for target, actual in ((40, 30), (20, 25)):
            s.add(Activity(community_id=1, theme="手算", activity_type="敬老", activity_date=date(2031, 5, 10),
                           place="x", organiser="x", target_turnout=target, actual_turnout=actual, status="held"))
    v = _value(db, manager, "turnout", start, end)
    assert (v.numerator, v.denominator, v.value) == (55, 60, 91.7)
    with db() as s:  # special-group coverage: tagged residents not overdue ÷ tagged residents (with a rule)
        tagged = s.execute(select(func.count(func.distinct(ResidentTag.resident_id))).join(
            Resident, Resident.id == ResidentTag.resident_id).where(Resident.community_id == 1,
                                                                    Resident.status == "active")).scalar_one()
    sc = _value(db, manager, "special_coverage", TODAY - timedelta(days=30), TODAY)
    assert sc.denominator == tagged and 0 < sc.numerator <= tagged
    with db() as s:
        from services import visits as visit_service

        overdue = {d.resident_id for d in visit_service.due_visits(s, manager, today=TODAY)}
    assert sc.denominator - sc.numerator == len(overdue)


def test_the_stamp_moves_on_every_kind_of_write(db, demo_db):
    from db.models.residents import VISIT
    from services import checklists, inspections, places, residents, settings as settings_service

    admin, manager, staff, vol = (actor_of(db, n) for n in ("admin", "manager", "staff", "volunteer"))

    def stamp():
        with db() as s:
            return audit.data_version(s)

    writes = [
        lambda s: ledgers.save(s, admin, places.ledger("community"), {"code": "STAMP", "name": "戳社区"}),
        lambda s: settings_service.set_value(s, admin, "grid.households_warn", 480),
        lambda s: ledgers.save(s, manager, VISIT, {"resident_id": s.execute(select(Resident.id).where(
            Resident.community_id == 1)).scalars().first(), "visit_date": TODAY, "visit_type": "走访",
                                                    "staff_name": "周敏"}),
        lambda s: inspections.enter_paper_round(s, staff, "hygiene", TODAY, {i["code"]: "合格" for i in
                                                                           checklists.current(s, "hygiene").items},
                                                None, None, sorted(staff.grid_ids)[0]),
        lambda s: ledgers.save(s, staff, HAZARD, {"description": "井盖松动", "category": "roads", "severity": "一般",
                                                  "risk_level": "中", "source": "patrol",
                                                  "grid_id": sorted(staff.grid_ids)[0], "found_on": TODAY}),
        lambda s: ledgers.save(s, vol, MY_HOURS, {"log_date": TODAY - timedelta(days=6), "hours": 0.5}),
        lambda s: residents.set_status(s, manager, s.execute(select(Resident.id).where(
            Resident.community_id == 1, Resident.status == "active")).scalars().first(), "moved_out", TODAY, None),
    ]
    for write in writes:
        before = stamp()
        with db(write=True) as s:
            write(s)
        assert stamp() > before


def test_volunteer_share_and_grids_with_a_team_against_a_recount(db, demo_db):
    from db.models.places import Grid
    from db.models.volunteers import Team, Volunteer

    manager, staff = actor_of(db, "manager"), actor_of(db, "staff")
    community = sorted(manager.community_ids)[0]
    start, end = kpis.reporting_period("month", TODAY)
    with db() as s:  # the recount: every row read in Python, no aggregate
        people = [v for v in s.execute(select(Volunteer).where(Volunteer.community_id == community)).scalars()
                  if v.deleted_at is None and v.status == "active" and v.joined_on <= end]
        residents = [r for r in s.execute(select(Resident).where(Resident.community_id == community)).scalars()
                     if r.deleted_at is None and r.status == "active"]
        grids = [g for g in s.execute(select(Grid).where(Grid.community_id == community)).scalars()
                 if g.deleted_at is None]
        teamed = {t.grid_id for t in s.execute(select(Team)).scalars() if t.deleted_at is None and t.grid_id}
    share = _value(db, manager, "volunteer_share", start, end)
    assert (share.numerator, share.denominator) == (len(people), len(residents)) and share.target == 20
    cover = _value(db, manager, "team_grids", start, end)
    assert (cover.numerator, cover.denominator) == (sum(g.id in teamed for g in grids), len(grids))
    bare = [g for g in grids if g.id not in teamed]
    if bare:  # a team set up in a grid without one: one grid more covered
        with db(write=True) as s:
            s.add(Team(community_id=community, name="新志愿服务队", team_type="社团", grid_id=bare[0].id))
        assert _value(db, manager, "team_grids", start, end).numerator == cover.numerator + 1
    # a grid worker counts its own grids only
    mine = _value(db, staff, "team_grids", start, end)
    assert mine.denominator == len(staff.grid_ids)


def test_inspection_completion_counts_the_area_rounds_of_each_grid(db, demo_db):
    """The weekly hygiene round and the grid patrol are owed once per grid and period, like a
    facility's check: the staff member's grids, last month, recounted from the inspection days."""
    from db.models.places import Grid
    from db.models.safety import Facility, Inspection
    from db.periods import periods_between
    from services import checklists

    staff = actor_of(db, "staff")
    start, end = kpis.reporting_period("month", TODAY)
    with db() as s:
        rules = checklists.rules(s)
        grids = [g for g in s.execute(select(Grid)).scalars() if g.id in staff.grid_ids and g.deleted_at is None]
        facilities = [f for f in s.execute(select(Facility)).scalars()
                      if f.grid_id in staff.grid_ids and f.deleted_at is None and f.status != "停用"]
        checks = [i for i in s.execute(select(Inspection)).scalars()
                  if i.status == "submitted" and i.deleted_at is None and i.grid_id in staff.grid_ids]
    due = done = area_due = 0
    patrol = [0, 0]  # the grid patrol alone: a day per grid
    for category, (unit, every, target) in rules.items():
        owners = [(None, g.id, g.created_at.date()) for g in grids] if target == "area" else \
            [(f.id, f.grid_id, f.created_at.date()) for f in facilities if f.category == category]
        for fid, gid, since in owners:
            for p0, p1 in periods_between(start, end, unit, every):
                if not (start <= p1 <= end) or p1 < since:
                    continue
                hit = any(i.category == category and p0 <= i.inspected_on <= p1 and
                          (i.facility_id == fid if fid else (i.grid_id == gid and i.facility_id is None))
                          for i in checks)
                due, done, area_due = due + 1, done + hit, area_due + (target == "area")
                if category == "grid_patrol":
                    patrol = [patrol[0] + hit, patrol[1] + 1]
    assert area_due > 0  # the demo's grids owe their rounds (kept since before the month)
    v = _value(db, staff, "inspection_completion", start, end)
    assert (v.numerator, v.denominator) == (done, due)
    p = _value(db, staff, "patrol_completion", start, end)
    assert [p.numerator, p.denominator] == patrol and patrol[1] == len(grids) * (end - start).days + len(grids)


def test_the_heatmaps_month_adds_up_to_the_completion_kpi(db, demo_db):
    """Two ways to one figure: the calendar's heatmap (checks found by their day) summed over the
    categories of last month is the KPI (checks found by their period), area rounds included."""
    from services import checklists, inspections

    staff = actor_of(db, "staff")
    start, end = kpis.reporting_period("month", TODAY)
    with db() as s:
        cells = [c for c in inspections.completion_by_category_month(s, staff, start, end)
                 if c["month"] == start.strftime("%Y-%m")]
        area = {c for c, (_, _, target) in checklists.rules(s).items() if target == "area"}
    v = _value(db, staff, "inspection_completion", start, end)
    assert (sum(c["done"] for c in cells), sum(c["due"] for c in cells)) == (v.numerator, v.denominator)
    assert area & {c["category"] for c in cells}  # the hygiene round and the grid patrol have their rows


def test_the_patrol_week_summary_counts_days_per_grid(db, demo_db):
    from db.models.safety import Inspection
    from services import inspections

    staff = actor_of(db, "staff")
    with db() as s:
        weeks = inspections.patrol_weeks(s, staff, today=TODAY, weeks=3)
        rounds = [i for i in s.execute(select(Inspection).where(Inspection.category == "grid_patrol")).scalars()
                  if i.status == "submitted" and i.deleted_at is None and i.grid_id in staff.grid_ids]
    assert {w["grid_id"] for w in weeks} == set(staff.grid_ids)  # the staff member's grids only
    last = [w for w in weeks if w["week_end"] < TODAY][0]  # the newest whole week
    days = {i.inspected_on for i in rounds if i.grid_id == last["grid_id"]
            and last["week_start"] <= i.inspected_on <= last["week_end"]}
    assert (last["days_done"], last["days_due"]) == (len(days), 7)
    assert last["failed"] == sum(i.items_failed for i in rounds if i.grid_id == last["grid_id"]
                                 and last["week_start"] <= i.inspected_on <= last["week_end"])
