"""Getting a database ready: migrate to head, seed default settings, load the demo into an
empty database unless ``COMMUNITY_DEMO=0``."""
from __future__ import annotations

import os

from sqlalchemy import Engine

from db import demo
from db.engine import get_engine, session_scope
from db.migrate import upgrade
from db.models.users import USER_LEDGER
from services import (actions, assessments, audit, checklists, clock, complaints, drill_demo, drill_schedule, ledgers,
                      settings, surveys, users, visits)
from services.access import SYSTEM

DEMO_SETTING = "demo.loaded"


def demo_enabled() -> bool:
    return os.environ.get("COMMUNITY_DEMO", "1").strip() not in ("0", "false", "no", "off")


def demo_password() -> str:
    return os.environ.get("COMMUNITY_DEMO_PASSWORD") or "community"


def prepare(url: str | None = None, *, load_demo: bool | None = None) -> str:
    """Upgrade, seed settings and (on an empty database) the demo. Returns what it did."""
    upgrade(url)
    engine = get_engine(url)
    with session_scope(engine, write=True) as s:
        settings.seed_defaults(s)
        visits.seed_rules(s)
        checklists.seed_templates(s)
        assessments.seed_sets(s)
        surveys.seed_questions(s)
        complaints.seed_limits(s)
        drill_schedule.seed_rules(s)
    load = demo_enabled() if load_demo is None else load_demo
    with session_scope(engine) as s:
        empty = users.count_users(s) == 0
    if not empty:
        return "ready"
    if not load:
        return "empty"
    load_demo_data(engine)
    return "demo"


def load_demo_data(engine: Engine) -> None:
    from db.models import Setting
    import json

    with session_scope(engine, write=True) as s:
        places = demo.build_places(s, today=clock.today())
        grids_by_community = {}
        for g in places.grids:
            grids_by_community.setdefault(g.community_id, []).append(g)
        for username, role, name, c_idx, g_idx in demo.DEMO_ACCOUNTS:
            ledgers.save(s, SYSTEM, USER_LEDGER, {
                "username": username, "display_name": name, "role": role, "email": f"{username}@example.org",
                "community_ids": [places.communities[i].id for i in c_idx],
                "grid_ids": [grids_by_community[places.communities[ci].id][gi].id for ci, gi in g_idx],
                "password": demo_password()})  # made by the app itself: no password change asked
        counts = _demo_ledgers(s, places)
        counts.update(_demo_safety(s, places))
        counts.update(_demo_volunteering(s, places))
        counts.update(complaints.demo(s, places))
        counts.update(surveys.load_demo(s, places.communities))
        counts.update(actions.load_demo(s, places))
        counts.update(drill_demo.load_demo(s, places))
        counts.update(assessments.load_demo(s, places))  # last: its evidence reads the other ledgers
        row = Setting(key=DEMO_SETTING, community_id=None, value=json.dumps(True), kind="bool",
                      created_by="system", updated_by="system")
        s.add(row)
        s.flush()
        audit.record(s, SYSTEM, "seed_demo", "demo", None, None, {
            "communities": len(places.communities), "grids": len(places.grids),
            "buildings": len(places.buildings), "households": len(places.households), **counts})


def _demo_ledgers(s, places) -> dict:
    """Residents (ID numbers encrypted like any other), tags, a year of visits, rentals."""
    from sqlalchemy import insert

    from db.models import Rental, RentalCheck, Resident, ResidentTag, Visit, rental_tenant
    from services import idcard, residents

    today = clock.today()
    people = demo.build_residents(places, today)
    payload = []
    for r in people:
        row = {k: v for k, v in r.items() if k not in ("id_number", "tags", "since")}
        row.update(residents.id_columns(r["id_type"], idcard.IdInfo(r["id_number"], None, None)),
                   created_by="demo", updated_by="demo")
        payload.append(row)
    ids = s.execute(insert(Resident).returning(Resident.id, sort_by_parameter_order=True), payload).scalars().all()
    tags = [{"resident_id": rid, "community_id": r["community_id"], "tag": t, "since": r["since"]}
            for rid, r in zip(ids, people) for t in r["tags"]]
    if tags:
        s.execute(insert(ResidentTag), tags)
    visit_rows = demo.build_visits(people, ids, visits.rules(s), today)
    for v in visit_rows:
        v.update(created_by="demo", updated_by="demo")
    for start in range(0, len(visit_rows), 5000):
        s.execute(insert(Visit), visit_rows[start:start + 5000])
    rentals, tenants, checks = demo.build_rentals(places, people, ids, today)
    for r in rentals:
        r.update(created_by="demo", updated_by="demo")
    rental_ids = s.execute(insert(Rental).returning(Rental.id, sort_by_parameter_order=True), rentals).scalars().all() \
        if rentals else []
    links = [{"rental_id": rid, "resident_id": t} for rid, ts in zip(rental_ids, tenants) for t in ts]
    if links:
        s.execute(insert(rental_tenant), links)
    check_rows = [{**c, "rental_id": rid, "community_id": r["community_id"], "created_by": "demo", "updated_by": "demo"}
                  for rid, r, cs in zip(rental_ids, rentals, checks) for c in cs]
    if check_rows:
        s.execute(insert(RentalCheck), check_rows)
    return {"residents": len(ids), "visits": len(visit_rows), "rentals": len(rental_ids)}


def is_demo(session) -> bool:
    from sqlalchemy import select
    from db.models import Setting

    if not demo_enabled():
        return False
    return session.execute(select(Setting.id).where(Setting.key == DEMO_SETTING)).first() is not None


def _demo_safety(s, places) -> dict:
    """About 120 facilities, a year of inspections with lapses and failures, hazards in every state."""
    import random
    from datetime import timedelta

    from sqlalchemy import insert

    from db.models.safety import Facility, Hazard, HazardEvent, Inspection, InspectionItem, checklist_reference
    from services import hazards as hazard_service

    today = clock.today()
    rng = random.Random(23)
    facilities = demo.build_facilities(places, checklist_reference(), today)
    ids = s.execute(insert(Facility).returning(Facility.id, sort_by_parameter_order=True), facilities).scalars().all()
    current = checklists.all_current(s)
    templates = {c: (t.id, t.rule_unit, t.rule_every, t.items) for c, t in current.items()}
    since = today - timedelta(days=400)
    targets = [{"category": f["category"], "facility_id": fid, "grid_id": f["grid_id"],
                "community_id": f["community_id"], "since": since}
               for fid, f in zip(ids, facilities) if f["status"] != "停用"]
    area_days = {"hygiene": 365, "grid_patrol": 45, "rental_housing": 365, "construction_site": 90}
    for g in places.grids:
        for category, days in area_days.items():
            if category in templates:
                targets.append({"category": category, "facility_id": None, "grid_id": g.id,
                                "community_id": g.community_id, "since": since, "days": days})
    rounds = demo.build_inspections(targets, templates, today)
    inspection_ids = s.execute(insert(Inspection).returning(Inspection.id, sort_by_parameter_order=True),
                               [r for r, _ in rounds]).scalars().all()
    item_rows = [{"inspection_id": iid, "position": i["position"], "code": i["code"], "text_zh": i["text_zh"],
                  "text_en": i["text_en"], "severity": i["severity"], "result": i["result"], "note": i["note"]}
                 for iid, (_, items) in zip(inspection_ids, rounds) for i in items]
    item_ids = []
    for start in range(0, len(item_rows), 5000):
        item_ids.extend(s.execute(insert(InspectionItem).returning(InspectionItem.id, sort_by_parameter_order=True),
                                  item_rows[start:start + 5000]).scalars().all())
    fac_by_id = dict(zip(ids, facilities))
    insp_by_id = dict(zip(inspection_ids, (r for r, _ in rounds)))
    hazard_rows, stories = [], []
    for item_id, item in zip(item_ids, item_rows):
        if item["result"] != "不合格":
            continue
        insp = insp_by_id[item["inspection_id"]]
        fac = fac_by_id.get(insp["facility_id"])
        deadline = hazard_service.default_deadline(s, item["severity"], insp["inspected_on"], insp["community_id"])
        status, owner, steps, extra = demo.hazard_story(rng, insp["inspected_on"], deadline, item["severity"], today)
        escalated = "街道" if item["severity"] == "重大" and status != "closed" and rng.random() < 0.5 else None
        hazard_rows.append({
            "community_id": insp["community_id"], "source": "inspection", "inspection_item_id": item_id,
            "facility_id": insp["facility_id"], "grid_id": insp["grid_id"], "category": insp["category"],
            "severity": item["severity"], "risk_level": "高" if item["severity"] == "重大" else rng.choice("低中"),
            "description": f"{checklist_reference()[insp['category']]['zh']}：{item['text_zh']}"
                           + (f"（{item['note']}）" if item["note"] else ""),
            "responsible": fac["responsible_org"] if fac else None, "owner": owner,
            "found_on": insp["inspected_on"], "deadline": deadline, "status": status, "escalated_to": escalated,
            "measures": "更换损坏部件并复查" if extra.get("rectified_on") else None,
            "created_by": "demo", "updated_by": "demo", **extra})
        stories.append((steps, escalated))
    # hazards found by hand: patrols, complaints, tip-offs
    manual = [("patrol", "楼道堆放纸箱杂物，影响疏散"), ("complaint", "居民反映地下车库照明不足"),
              ("tipoff", "有人在楼道内为电动车充电"), ("campaign", "专项行动发现私拉电线"),
              ("selfcheck", "活动室灭火器压力不足")]
    for n in range(18):
        source, text = manual[n % len(manual)]
        g = rng.choice(places.grids)
        found = today - timedelta(days=rng.randint(0, 120))
        severity = "重大" if n % 6 == 0 else "一般"
        deadline = hazard_service.default_deadline(s, severity, found, g.community_id)
        status, owner, steps, extra = demo.hazard_story(rng, found, deadline, severity, today)
        hazard_rows.append({"community_id": g.community_id, "source": source, "grid_id": g.id,
                            "category": "fire" if "电" in text or "灭火" in text else "common_parts",
                            "severity": severity, "risk_level": "高" if severity == "重大" else "中",
                            "description": text, "responsible": "和平物业服务中心", "owner": owner, "found_on": found,
                            "deadline": deadline, "status": status,
                            "escalated_to": "居委会" if severity == "重大" and status != "closed" else None,
                            "created_by": "demo", "updated_by": "demo", **extra})
        stories.append((steps, None))
    hazard_ids = s.execute(insert(Hazard).returning(Hazard.id, sort_by_parameter_order=True),
                           hazard_rows).scalars().all() if hazard_rows else []
    events = []
    for hid, (steps, escalated), row in zip(hazard_ids, stories, hazard_rows):
        for step, before, after, on in steps:
            events.append({"hazard_id": hid, "on": on, "actor": {"rectified": "staff", "reinspect_pass": "manager",
                                                                  "reinspect_fail": "manager"}.get(step, "staff"),
                           "step": step, "from_status": before, "to_status": after,
                           "note": row["owner"] if step == "assign" else None})
        if escalated:
            events.append({"hazard_id": hid, "on": row["found_on"] + timedelta(days=1), "actor": "manager",
                           "step": "escalate", "from_status": row["status"], "to_status": row["status"],
                           "note": escalated})
    if events:
        s.execute(insert(HazardEvent), events)
    return {"facilities": len(ids), "inspections": len(inspection_ids), "hazards": len(hazard_ids)}


def _demo_volunteering(s, places) -> dict:
    from sqlalchemy import insert, select

    from db.models import User
    from db.models.volunteers import Activity, Team, Volunteer, VolunteerLog

    today = clock.today()
    teams, people, acts = demo.build_volunteering(places, today)
    team_ids = s.execute(insert(Team).returning(Team.id, sort_by_parameter_order=True), teams).scalars().all()
    for p in people:
        p["team_id"] = team_ids[p.pop("team_index")]
    # the demo volunteer account is the first volunteer of the register
    account = s.execute(select(User.id).where(User.username == "volunteer")).scalar()
    people[0].update(user_id=account, name="郑芳", status="active", leaderboard=True)
    vol_ids = s.execute(insert(Volunteer).returning(Volunteer.id, sort_by_parameter_order=True), people).scalars().all()
    act_ids = s.execute(insert(Activity).returning(Activity.id, sort_by_parameter_order=True), acts).scalars().all()
    logs = demo.build_logs([(vid, p, p["team_id"]) for vid, p in zip(vol_ids, people)], list(zip(act_ids, acts)), today)
    for start in range(0, len(logs), 5000):
        s.execute(insert(VolunteerLog), logs[start:start + 5000])
    return {"volunteers": len(vol_ids), "activities": len(act_ids), "volunteer_logs": len(logs)}
