"""``make bench``: what the foundation's guarantees cost, as ratios against baselines measured
in the same run (absolute times vary ±30 % between runs on these machines).

- an audited place write through ``services`` (validation, version check, hash-chained audit
  entry, one transaction each) against a bare ORM insert of the same row in its own transaction;
- the audit-chain verification per entry against plainly reading the same rows;
- a paged, searched list of households through ``services.places`` against the bare SQL;
- resident import rows per second against a bare bulk insert, and the residents list at about
  100,000 residents against its bare SQL (bench/residents.py).

Runs on a temporary SQLite file, or on ``BENCH_DATABASE_URL``. Writes bench/results/*.json.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_WRITES = int(os.environ.get("BENCH_WRITES", "300"))
REPEAT = 5


def timed(fn, repeat=REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    os.environ.setdefault("COMMUNITY_DATA_DIR", tempfile.mkdtemp(prefix="bench-data-"))
    from sqlalchemy import func, or_, select

    from db.engine import get_engine, safe_url, session_scope
    from db.models import AuditLog, Building, Grid, Household
    from services import audit, places
    from services.access import SYSTEM
    from services.bootstrap import prepare

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"
    prepare(url, load_demo=True)
    engine = get_engine(url)
    with session_scope(engine) as s:
        grid = s.execute(select(Grid).order_by(Grid.id)).scalars().first()
        grid_id, community_id = grid.id, grid.community_id
    counter = iter(range(10**9))

    def audited_writes():
        for _ in range(N_WRITES // REPEAT):
            n = next(counter)
            with session_scope(engine, write=True) as s:
                ledgers.save(s, SYSTEM, places.ledger("building"), {"grid_id": grid_id, "code": f"B-A{n}", "name": f"{n}号楼"})

    def bare_writes():
        for _ in range(N_WRITES // REPEAT):
            n = next(counter)
            with session_scope(engine, write=True) as s:
                s.add(Building(community_id=community_id, grid_id=grid_id, code=f"B-R{n}", name=f"{n}号楼"))

    t_bare = timed(bare_writes)
    t_audited = timed(audited_writes)

    with session_scope(engine) as s:
        entries = s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
        t_verify = timed(lambda: audit.verify(s), 3)
        t_read = timed(lambda: s.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all(), 3)
        s.expunge_all()

    with session_scope(engine) as s:
        t_list = timed(lambda: ledgers.list_rows(s, SYSTEM, places.ledger("household"), search="单元", limit=50, offset=500))
        like = "%单元%"
        cond = (Household.deleted_at.is_(None)) & or_(Household.unit.ilike(like), Household.room.ilike(like))
        t_floor = timed(lambda: (s.execute(select(func.count()).select_from(Household).where(cond)).scalar_one(),
                                 s.execute(select(Household.__table__).where(cond).order_by(Household.id)
                                           .limit(50).offset(500)).all()))

    from bench import residents as resident_bench

    resident_figures = resident_bench.run(engine, int(os.environ.get("BENCH_IMPORT_ROWS", "50000")))
    per = N_WRITES // REPEAT
    result = {
        "when": datetime.now().isoformat(timespec="seconds"), "database": safe_url(url),
        "audited_write_ms": round(t_audited / per * 1000, 3), "bare_write_ms": round(t_bare / per * 1000, 3),
        "audited_over_bare": round(t_audited / t_bare, 2),
        "audit_entries": entries, "verify_ms": round(t_verify * 1000, 1), "plain_read_ms": round(t_read * 1000, 1),
        "verify_over_read": round(t_verify / t_read, 2),
        "list_ms": round(t_list * 1000, 2), "list_sql_floor_ms": round(t_floor * 1000, 2),
        "list_over_floor": round(t_list / t_floor, 2),
        "residents": resident_figures,
    }
    print(f"database            {result['database']}")
    print(f"audited write       {result['audited_write_ms']:8.3f} ms  vs bare ORM write "
          f"{result['bare_write_ms']:.3f} ms  -> x{result['audited_over_bare']}")
    print(f"audit verify        {result['verify_ms']:8.1f} ms for {entries} entries  vs plain read "
          f"{result['plain_read_ms']} ms  -> x{result['verify_over_read']}")
    print(f"household list page {result['list_ms']:8.2f} ms  vs bare SQL {result['list_sql_floor_ms']} ms"
          f"  -> x{result['list_over_floor']}")
    rf = resident_figures
    print(f"resident import      {rf['import_rows']} rows in {rf['import_s']} s = {rf['import_rows_per_s']} rows/s "
          f"(validated, encrypted, audited)  vs bare INSERT {rf['bare_insert_s']} s -> x{rf['import_over_bare_insert']}")
    print(f"residents list       {rf['list_filtered_ms']} ms (search + group filter, {rf['residents_total']} residents)"
          f"  vs bare SQL {rf['list_sql_floor_ms']} ms -> x{rf['list_over_floor']}; page 101: {rf['list_page_101_ms']} ms")
    if os.environ.get("BENCH_SKIP_STREET") != "1":
        from bench import street

        street_url = os.environ.get("BENCH_STREET_URL") or f"sqlite:///{tempfile.mkdtemp(prefix='street-')}/street.db"
        sf = street.run(street_url)
        result["street"] = sf
        c = sf["counts"]
        print(f"street office data   {c['residents']} residents, {c['visits']} visits, {c['volunteer_logs']} volunteer "
              f"logs, {c['inspections']} inspections / {c['items']} items, {c['hazards']} hazards "
              f"(generated in {sf['generate_s']} s)")
        print(f"dashboard KPIs       registry {sf['registry_ms']} ms (all 20 communities; one community "
              f"{sf['registry_one_community_ms']} ms) | naive pandas {sf['naive_ms']} ms | bare SQL {sf['floor_ms']} ms")
        print(f"                     naive / registry = x{sf['naive_over_registry']}   registry / floor = "
              f"x{sf['registry_over_floor']}   refresh with nothing changed: {sf['refresh_unchanged_ms']} ms, "
              f"{sf['refresh_unchanged_queries']} query")
    out = ROOT / "bench" / "results" / f"foundation-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
