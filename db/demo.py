"""Demo data: believable places for two communities (more ledgers extend this generator).

Pure data building: returns ORM objects for the caller to add; accounts and the audit entry
are made by ``services.bootstrap`` through the services, so they are hashed and audited.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from db.models import Building, Community, Grid, Household

STREET = "城东街道"

COMMUNITIES = [
    # code, name, address, phone, road for building addresses, grids
    ("HPL", "和平里社区", "城东街道和平里东街18号", "010-6421-3300", "和平里东街",
     ["和平里第一网格", "和平里第二网格", "和平里第三网格"]),
    ("FLY", "枫林苑社区", "城东街道枫林路66号", "010-6421-5581", "枫林路",
     ["枫林苑第一网格", "枫林苑第二网格", "枫林苑第三网格"]),
]

HOUSING_WEIGHTS = [("自有住房", 70), ("租赁住房", 20), ("公租房", 6), ("借住", 3), ("其他", 1)]
HARDSHIP_WEIGHTS = [("无", 88), ("一般", 7), ("较困难", 4), ("特困", 1)]
SIZE_WEIGHTS = [(1, 14), (2, 30), (3, 28), (4, 16), (5, 8), (6, 4)]

LEADERS = ["王秀兰", "李建国", "张丽华", "刘志强", "陈桂英", "杨海涛"]


@dataclass
class DemoPlaces:
    communities: list[Community] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)


def _pick(rng: random.Random, weights):
    values, w = zip(*weights)
    return rng.choices(values, weights=w, k=1)[0]


def build_places(session, seed: int = 20261123, by: str = "demo") -> DemoPlaces:
    """Two communities, six grids, forty buildings, about 1,500 households, flushed so ids exist."""
    rng = random.Random(seed)
    out = DemoPlaces()
    building_no = 0
    for c_index, (code, name, address, phone, road, grid_names) in enumerate(COMMUNITIES):
        community = Community(code=code, name=name, street=STREET, address=address, phone=phone,
                              created_by=by, updated_by=by)
        session.add(community)
        session.flush()
        out.communities.append(community)
        for g_index, grid_name in enumerate(grid_names):
            grid = Grid(community_id=community.id, code=f"{code}-G{g_index + 1}", name=grid_name,
                        leader_name=LEADERS[c_index * 3 + g_index],
                        note=f"{grid_name}，格长负责每日巡查与民情收集。", created_by=by, updated_by=by)
            session.add(grid)
            session.flush()
            out.grids.append(grid)
            # 40 buildings over 6 grids: 7 or 6 each
            n_buildings = 7 if (c_index * 3 + g_index) < 4 else 6
            for _ in range(n_buildings):
                building_no += 1
                local_no = sum(1 for b in out.buildings if b.community_id == community.id) + 1
                floors = rng.choice([6, 6, 6, 7, 11, 18])
                units = 3 if floors < 11 else 1
                rooms_per_floor = 2 if floors < 11 else 4
                building = Building(community_id=community.id, grid_id=grid.id, code=f"{code}-{local_no:02d}",
                                    name=f"{local_no}号楼", address=f"{road}{10 + local_no * 2}号院{local_no}号楼",
                                    floors=floors, units=units, created_by=by, updated_by=by)
                session.add(building)
                session.flush()
                out.buildings.append(building)
                out.households.extend(_households(rng, building, floors, units, rooms_per_floor, by))
    # keep the demo near 1,500 households: some flats are empty or commercial
    rng.shuffle(out.households)
    out.households = sorted(out.households[:1500], key=lambda h: (h.building_id, h.unit, h.room))
    session.add_all(out.households)
    session.flush()
    return out


def _households(rng, building: Building, floors: int, units: int, per_floor: int, by: str) -> list[Household]:
    rows = []
    for unit in range(1, units + 1):
        for floor in range(1, floors + 1):
            for door in range(1, per_floor + 1):
                size = _pick(rng, SIZE_WEIGHTS)
                hardship = _pick(rng, HARDSHIP_WEIGHTS)
                rows.append(Household(
                    community_id=building.community_id, building_id=building.id, unit=f"{unit}单元",
                    room=f"{floor}{door:02d}", size=size, housing_condition=_pick(rng, HOUSING_WEIGHTS),
                    hardship=hardship, created_by=by, updated_by=by))
    return rows


# name, role, display name, scope: communities by index, grids by (community index, grid index)
DEMO_ACCOUNTS = [
    ("admin", "admin", "系统管理员 孙立", (), ()),
    ("supervisor", "supervisor", "街道主任 赵明", (0, 1), ()),
    ("manager", "manager", "居委会主任 周敏", (0,), ()),
    ("staff", "staff", "网格员 吴磊", (), ((0, 0), (0, 1))),
    ("volunteer", "volunteer", "志愿者 郑芳", (0,), ()),
]
