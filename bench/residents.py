"""Resident-file figures for ``make bench``:

- import of N rows (default 50,000) from a CSV, with full validation, encryption and audit:
  rows per second, against a bare bulk INSERT of the same rows (the floor);
- the residents list at ~100,000 residents: one filtered, searched page through
  the ledger engine (``services.ledgers``) as the page asks for it, against the bare SQL of the same page.
"""
from __future__ import annotations

import random
import time
from datetime import date

from sqlalchemy import func, insert, select

from bench.run import timed


def make_csv(n: int, buildings: list[str], seed: int = 5) -> bytes:
    from db.demo import demo_id_number

    rng = random.Random(seed)
    seen = set()
    lines = ["姓名,性别,身份证号,手机号,楼栋,单元,房号,人员类别"]
    groups = ["", "", "", "", "独居老人", "空巢老人", "残疾人", "低保/困难户"]
    while len(lines) <= n:
        born = date(1930 + rng.randint(0, 90), rng.randint(1, 12), rng.randint(1, 28))
        number, gender = demo_id_number(rng, born)
        if number in seen:
            continue
        seen.add(number)
        lines.append(f"居民{len(lines)},{gender},{number},13{rng.randint(0, 9)}{rng.randint(10**7, 10**8 - 1)},"
                     f"{rng.choice(buildings)},{rng.randint(1, 4)}单元,{rng.randint(1, 30)}{rng.randint(1, 8):02d},"
                     f"{rng.choice(groups)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def run(engine, n_rows: int) -> dict:
    from db.engine import session_scope
    from db.models import Building, Resident
    from components.catalog import CATALOG
    from db.models.residents import RESIDENT
    from services import ledgers, residents_import
    from services.access import SYSTEM

    with session_scope(engine) as s:
        cid = s.execute(select(Building.community_id).order_by(Building.id)).scalars().first()
        buildings = list(s.execute(select(Building.name).where(Building.community_id == cid)).scalars())
    out = {}
    for round_no in (1, 2):  # two imports: ~100,000 residents for the list figure
        data = make_csv(n_rows, buildings, seed=round_no)
        start = time.perf_counter()
        with session_scope(engine) as s:
            plan = residents_import.preview(s, SYSTEM, f"bench{round_no}.csv", data, cid, texts=CATALOG)
        t_preview = time.perf_counter() - start
        with session_scope(engine, write=True) as s:
            # a generated number can collide with the demo's: those few rows are reported, not written
            written = residents_import.commit(s, SYSTEM, plan, valid_only=True)
        t_total = time.perf_counter() - start
        assert written >= n_rows * 0.99, plan.errors[:3]
        if round_no == 1:
            out.update(import_rows=written, import_s=round(t_total, 2), import_preview_s=round(t_preview, 2),
                       import_rows_per_s=round(written / t_total), import_refused=len(plan.errors))
            # the floor: the same number of already-prepared rows, bulk inserted with no checks
            with session_scope(engine) as s:
                template = s.execute(select(Resident).order_by(Resident.id.desc()).limit(1)).scalar_one()
                # the pinyin sort key is left to its insert default, as for every inserted name
                base = {c.key: getattr(template, c.key) for c in Resident.__table__.columns
                        if c.key not in ("id", "name_pinyin")}
            rows = [{**base, "id_hash": f"bench-floor-{i}", "name": f"底线{i}"} for i in range(n_rows)]
            start = time.perf_counter()
            with session_scope(engine, write=True) as s:
                for i in range(0, n_rows, 2000):
                    s.execute(insert(Resident), rows[i:i + 2000])
            t_floor = time.perf_counter() - start
            out.update(bare_insert_s=round(t_floor, 2), import_over_bare_insert=round(t_total / t_floor, 1))
    with session_scope(engine) as s:
        total = s.execute(select(func.count()).select_from(Resident)).scalar_one()
        actor = SYSTEM
        kw = dict(search="居民12", filters={"tag": "独居老人", "status": "active"}, limit=50, offset=0)
        t_list = timed(lambda: ledgers.list_rows(s, actor, RESIDENT, **kw))
        from db.models import ResidentTag

        cond = [Resident.deleted_at.is_(None), Resident.status == "active", Resident.name.ilike("%居民12%"),
                Resident.id.in_(select(ResidentTag.resident_id).where(ResidentTag.tag == "独居老人"))]
        t_floor = timed(lambda: (s.execute(select(func.count()).select_from(Resident).where(*cond)).scalar_one(),
                                 s.execute(select(Resident.__table__).where(*cond)
                                           .order_by(Resident.name_pinyin, Resident.name, Resident.id)
                                           .limit(50)).all()))
        t_plain = timed(lambda: ledgers.list_rows(s, actor, RESIDENT, limit=50, offset=5000))
    out.update(residents_total=total, list_filtered_ms=round(t_list * 1000, 2),
               list_sql_floor_ms=round(t_floor * 1000, 2), list_over_floor=round(t_list / t_floor, 2),
               list_page_101_ms=round(t_plain * 1000, 2))
    return out
