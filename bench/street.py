"""The dashboard at a street office's scale (issue 13): 20 communities, 70,000 residents,
1,000,000 volunteer log entries, 200,000 inspections with 2,000,000 item results, 50,000 hazards
(and 200,000 visits). The KPIs are timed three ways in one run: through the registry as the page
does, as a naive baseline that loads the tables into pandas, and as the bare SQL of the same
aggregates (the floor); plus what a refresh costs when nothing changed.

``BENCH_SCALE`` (default 1.0) shrinks or grows every count for a quicker look.
"""
from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import event, insert, text

SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))


def n(x: int) -> int:
    return max(1, int(x * SCALE))


def _bulk(conn, table, rows, chunk=50_000):
    for i in range(0, len(rows), chunk):
        conn.execute(insert(table), rows[i:i + chunk])


def generate(engine, today: date) -> dict:
    """Plain rows straight into the tables (no services: this is load, not behaviour)."""
    from db.models import Building, Community, Grid, Household, Resident, ResidentTag, Visit
    from db.models.safety import Facility, Hazard, Inspection, InspectionItem
    from db.models.volunteers import Activity, Team, Volunteer, VolunteerLog

    rng = random.Random(1)
    now = datetime.now()
    stamp = {"created_at": now, "updated_at": now, "created_by": "bench", "updated_by": "bench", "version": 1}
    communities = 20
    counts = {}
    with engine.begin() as c:
        c.execute(insert(Community), [{"id": 1000 + i, "code": f"B{i:02d}", "name": f"基准社区{i}", **stamp}
                                      for i in range(communities)])
        grids = [{"id": 5000 + i, "community_id": 1000 + i // 3, "code": f"B{i // 3:02d}-G{i % 3}", "name": f"网格{i}",
                  **stamp} for i in range(communities * 3)]
        _bulk(c, Grid.__table__, grids)
        buildings = [{"id": 20000 + i, "community_id": 1000 + i // 20, "grid_id": 5000 + (i // 20) * 3 + i % 3,
                      "code": f"BB{i}", "name": f"{i % 20 + 1}号楼", **stamp} for i in range(communities * 20)]
        _bulk(c, Building.__table__, buildings)
        households = [{"id": 100000 + i, "community_id": 1000 + i // 1200, "building_id": 20000 + i // 60,
                       "unit": "1单元", "room": str(i % 60 + 101), "hardship": "无", **stamp}
                      for i in range(communities * 1200)]
        _bulk(c, Household.__table__, households)
        residents, tags = [], []
        for i in range(n(70_000)):
            h = households[i % len(households)]
            b = buildings[h["building_id"] - 20000]
            born = date(1930, 1, 1) + timedelta(days=rng.randint(0, 32000))
            residents.append({"id": 1_000_000 + i, "community_id": h["community_id"], "household_id": h["id"],
                              "building_id": b["id"], "grid_id": b["grid_id"], "name": f"居民{i}", "gender": "男",
                              "birth_date": born, "id_type": "居民身份证", "id_enc": "x", "id_hash": f"h{i}",
                              "id_masked": "110000********0000", "id_last4": f"{i % 10000:04d}",
                              "residence_type": "自住", "status": "active", "consent": True, **stamp})
            if rng.random() < 0.12:
                tags.append({"resident_id": 1_000_000 + i, "community_id": h["community_id"],
                             "tag": rng.choice(["独居老人", "空巢老人", "残疾人", "低保/困难户"]),
                             "since": today - timedelta(days=400)})
        _bulk(c, Resident.__table__, residents)
        _bulk(c, ResidentTag.__table__, tags)
        visits = []
        for i in range(n(200_000)):
            r = residents[rng.randrange(len(residents))]
            visits.append({"resident_id": r["id"], "community_id": r["community_id"], "grid_id": r["grid_id"],
                           "visit_date": today - timedelta(days=rng.randint(0, 364)), "visit_type": "走访",
                           "staff_name": "吴磊", **stamp})
        _bulk(c, Visit.__table__, visits)
        counts.update(residents=len(residents), visits=len(visits), tags=len(tags))
        categories = ["fire", "electrical", "gas", "elevator", "roads", "street_lights", "greenery", "water_drainage",
                      "cctv_access", "waste_points", "elderly_care", "culture_fitness"]
        facilities = [{"id": 300000 + i, "community_id": 1000 + i // 120, "grid_id": 5000 + (i // 120) * 3 + i % 3,
                       "code": f"F{i}", "name": f"设施{i}", "category": categories[i % len(categories)],
                       "status": "正常", **{**stamp, "created_at": datetime(today.year - 2, 1, 1)}}
                      for i in range(communities * 120)]
        _bulk(c, Facility.__table__, facilities)
        from services import checklists
        from sqlalchemy.orm import Session

        with Session(bind=c) as s:
            rules = checklists.rules(s)
            template_ids = dict(s.execute(text("SELECT category, id FROM checklist_template WHERE current")).all()) \
                if engine.dialect.name == "postgresql" else \
                dict(s.execute(text("SELECT category, id FROM checklist_template WHERE current = 1")).all())
        from db.periods import period_of

        inspections, items = [], []
        for i in range(n(200_000)):
            f = facilities[rng.randrange(len(facilities))]
            day = today - timedelta(days=rng.randint(0, 364))
            unit, every, _ = rules[f["category"]]
            failed = 1 if rng.random() < 0.1 else 0
            inspections.append({"id": 2_000_000 + i, "community_id": f["community_id"],
                                "template_id": template_ids[f["category"]], "category": f["category"],
                                "facility_id": f["id"], "grid_id": f["grid_id"], "inspector": "staff",
                                "inspected_on": day, "status": "submitted", "source": "app",
                                "overall": "不合格" if failed else "合格", "items_total": 10, "items_failed": failed,
                                "period_start": period_of(day, unit, every)[0], **stamp})
        _bulk(c, Inspection.__table__, inspections)
        for ins in inspections[: n(200_000)]:
            for k in range(10):
                items.append({"inspection_id": ins["id"], "position": k, "code": f"X-{k}", "text_zh": "检查项",
                              "text_en": "item", "severity": "一般", "result": "合格"})
            if len(items) >= 200_000:
                _bulk(c, InspectionItem.__table__, items)
                items = []
        _bulk(c, InspectionItem.__table__, items) if items else None
        hazards = []
        for i in range(n(50_000)):
            f = facilities[rng.randrange(len(facilities))]
            found = today - timedelta(days=rng.randint(0, 364))
            sev = "重大" if rng.random() < 0.1 else "一般"
            deadline = found + timedelta(days=30 if sev == "重大" else 7)
            closed = rng.random() < 0.8
            hazards.append({"community_id": f["community_id"], "source": "inspection", "facility_id": f["id"],
                            "grid_id": f["grid_id"], "category": f["category"], "severity": sev, "risk_level": "中",
                            "description": "隐患", "found_on": found, "deadline": deadline,
                            "status": "closed" if closed else "rectifying",
                            "closed_on": deadline - timedelta(days=rng.randint(-3, 5)) if closed else None,
                            "on_the_spot": False, **stamp})
        _bulk(c, Hazard.__table__, hazards)
        teams = [{"id": 7000 + i, "community_id": 1000 + i // 5, "name": f"队{i}", "team_type": "党员", **stamp}
                 for i in range(communities * 5)]
        _bulk(c, Team.__table__, teams)
        vols = [{"id": 8000 + i, "community_id": 1000 + i // 60, "team_id": 7000 + i // 12, "name": f"志愿者{i}",
                 "joined_on": today - timedelta(days=800), "status": "active", "leaderboard": False, **stamp}
                for i in range(communities * 60)]
        _bulk(c, Volunteer.__table__, vols)
        acts = [{"id": 9000 + i, "community_id": 1000 + i // 50, "theme": "活动", "activity_type": "敬老",
                 "activity_date": today - timedelta(days=rng.randint(0, 364)), "place": "活动室", "organiser": "x",
                 "target_turnout": 40, "actual_turnout": rng.randint(20, 50), "status": "held", **stamp}
                for i in range(communities * 50)]
        _bulk(c, Activity.__table__, acts)
        logs = []
        for i in range(n(1_000_000)):
            v = vols[rng.randrange(len(vols))]
            logs.append({"community_id": v["community_id"], "volunteer_id": v["id"], "team_id": v["team_id"],
                         "log_date": today - timedelta(days=rng.randint(0, 364)), "hours": 2.0,
                         "status": "verified" if rng.random() < 0.9 else "logged", **stamp})
            if len(logs) >= 200_000:
                _bulk(c, VolunteerLog.__table__, logs)
                logs = []
        if logs:
            _bulk(c, VolunteerLog.__table__, logs)
        counts.update(inspections=len(inspections), items=len(inspections) * 10, hazards=len(hazards),
                      volunteer_logs=n(1_000_000), facilities=len(facilities))
    with engine.begin() as c:
        c.exec_driver_sql("ANALYZE")
    return counts


def naive(engine, start: date, end: date, today: date) -> dict:
    """Load the tables into pandas and compute the same indicators in memory."""
    with engine.connect() as c:
        res = pd.read_sql("SELECT id, community_id, status FROM resident WHERE deleted_at IS NULL", c)
        vis = pd.read_sql("SELECT resident_id, visit_date FROM visit WHERE deleted_at IS NULL", c,
                          parse_dates=["visit_date"])
        tags = pd.read_sql("SELECT resident_id, tag, since FROM resident_tag", c, parse_dates=["since"])
        haz = pd.read_sql("SELECT severity, deadline, status, closed_on, community_id FROM hazard", c,
                          parse_dates=["deadline", "closed_on"])
        ins = pd.read_sql("SELECT facility_id, category, period_start, status FROM inspection", c,
                          parse_dates=["period_start"])
        logs = pd.read_sql("SELECT volunteer_id, log_date, hours, status FROM volunteer_log", c,
                           parse_dates=["log_date"])
        vols = pd.read_sql("SELECT id, status FROM volunteer", c)
        acts = pd.read_sql("SELECT activity_date, target_turnout, actual_turnout, status FROM activity", c,
                           parse_dates=["activity_date"])
    s, e, t = pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(today)
    active = res[res.status == "active"]
    served = vis[(vis.visit_date >= s) & (vis.visit_date <= e)].resident_id.nunique()
    last = vis.groupby("resident_id").visit_date.max()
    tagged = tags.merge(last.rename("last"), left_on="resident_id", right_index=True, how="left")
    overdue = tagged[tagged["last"].fillna(tagged.since) < t - pd.Timedelta(days=30)].resident_id.nunique()
    due = haz[(haz.deadline >= s) & (haz.deadline <= min(e, t))]
    on_time = due[(due.status == "closed") & (due.closed_on <= due.deadline)]
    done = ins[(ins.status == "submitted") & (ins.period_start >= s - pd.Timedelta(days=92))][
        ["facility_id", "period_start"]].drop_duplicates()
    hours = logs[(logs.status == "verified") & (logs.log_date >= s) & (logs.log_date <= e)].hours.sum()
    held = acts[(acts.status.isin(["held", "evaluated"])) & (acts.activity_date >= s) & (acts.activity_date <= e)]
    return {"coverage": (served, len(active)), "special": (tagged.resident_id.nunique() - overdue,),
            "rect": (len(on_time), len(due)), "completion": (len(done),), "hours": (hours, (vols.status == "active").sum()),
            "turnout": (held.actual_turnout.sum(), held.target_turnout.sum())}


FLOOR_SQL = [
    "SELECT count(*) FROM resident WHERE deleted_at IS NULL AND status = 'active'",
    "SELECT count(DISTINCT resident_id) FROM visit WHERE visit_date BETWEEN :s AND :e AND deleted_at IS NULL "
    "AND resident_id IN (SELECT id FROM resident WHERE status = 'active' AND deleted_at IS NULL)",
    "SELECT count(DISTINCT t.resident_id) FROM resident_tag t JOIN resident r ON r.id = t.resident_id "
    "WHERE r.status = 'active' AND coalesce((SELECT max(visit_date) FROM visit v WHERE v.resident_id = r.id "
    "AND v.deleted_at IS NULL AND v.visit_date <= :e), t.since) < :cut",
    "SELECT count(DISTINCT t.resident_id) FROM resident_tag t JOIN resident r ON r.id = t.resident_id "
    "WHERE r.status = 'active'",
    "SELECT count(*), sum(CASE WHEN status = 'closed' AND closed_on <= deadline THEN 1 ELSE 0 END) FROM hazard "
    "WHERE severity = '一般' AND deadline BETWEEN :s AND :e",
    "SELECT count(*), sum(CASE WHEN status = 'closed' AND closed_on <= deadline THEN 1 ELSE 0 END) FROM hazard "
    "WHERE severity = '重大' AND deadline BETWEEN :s AND :e",
    "SELECT count(*) FROM (SELECT DISTINCT facility_id, period_start FROM inspection WHERE status = 'submitted' "
    "AND period_start BETWEEN :ps AND :e) x",
    "SELECT coalesce(sum(hours), 0) FROM volunteer_log WHERE status = 'verified' AND log_date BETWEEN :s AND :e "
    "AND deleted_at IS NULL",
    "SELECT count(*) FROM volunteer WHERE status = 'active'",
    "SELECT sum(actual_turnout), sum(target_turnout) FROM activity WHERE status IN ('held', 'evaluated') "
    "AND activity_date BETWEEN :s AND :e",
]


def floor(engine, start: date, end: date) -> None:
    params = {"s": start, "e": end, "cut": end - timedelta(days=30), "ps": start - timedelta(days=92)}
    with engine.connect() as c:
        for sql in FLOOR_SQL:
            c.execute(text(sql), params).all()


def median_ms(fn, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def run(url: str) -> dict:
    from db.engine import get_engine, session_scope
    from services import audit, kpis
    from services.access import SYSTEM
    from services.bootstrap import prepare

    prepare(url, load_demo=False)
    engine = get_engine(url)
    today = date.today()
    t0 = time.perf_counter()
    counts = generate(engine, today)
    gen_s = round(time.perf_counter() - t0, 1)
    start, end = kpis.period("month", today)
    scope_all = kpis.Scope(SYSTEM, None)
    scope_one = kpis.Scope(SYSTEM, frozenset({1000}))

    def registry(scope):
        with session_scope(engine) as s:
            return kpis.evaluate_all(s, scope, start, end, today)

    registry(scope_all)  # warm the connection pool and caches
    out = {"counts": counts, "generate_s": gen_s}
    out["registry_ms"] = median_ms(lambda: registry(scope_all))
    out["registry_one_community_ms"] = median_ms(lambda: registry(scope_one))
    out["floor_ms"] = median_ms(lambda: floor(engine, start, end))
    out["naive_ms"] = median_ms(lambda: naive(engine, start, end, today), repeat=3)
    out["naive_over_registry"] = round(out["naive_ms"] / out["registry_ms"], 1)
    out["registry_over_floor"] = round(out["registry_ms"] / out["floor_ms"], 2)
    # a refresh when nothing changed: the page asks for the stamp, the cache answers the rest
    cache: dict[int, object] = {}
    statements = []
    event.listen(engine, "before_cursor_execute",  # queries, not the BEGIN/COMMIT around them
                 lambda conn, cur, sql, *a: statements.append(1) if not sql.lstrip().upper().startswith(
                     ("BEGIN", "COMMIT", "ROLLBACK")) else None)

    def refresh():
        with session_scope(engine) as s:
            version = audit.data_version(s)
        if version not in cache:
            cache[version] = registry(scope_all)
        return cache[version]

    refresh()
    statements.clear()
    out["refresh_unchanged_ms"] = median_ms(refresh)
    out["refresh_unchanged_queries"] = len(statements) // 5
    return out
