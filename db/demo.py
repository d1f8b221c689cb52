"""Demo data: believable places for two communities (more ledgers extend this generator).

Pure data building: returns ORM objects for the caller to add; accounts and the audit entry
are made by ``services.bootstrap`` through the services, so they are hashed and audited.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
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


def build_places(session, seed: int = 20261123, by: str = "demo", today: date | None = None) -> DemoPlaces:
    """Two communities, six grids, forty buildings, about 1,500 households, flushed so ids exist;
    with ``today``, the communities and grids kept since 400 days before it (as the facilities
    are), so the year of area rounds the demo holds is owed and counted."""
    rng = random.Random(seed)
    since = {"created_at": _dt(today - timedelta(days=400))} if today else {}
    out = DemoPlaces()
    building_no = 0
    for c_index, (code, name, address, phone, road, grid_names) in enumerate(COMMUNITIES):
        community = Community(code=code, name=name, street=STREET, address=address, phone=phone,
                              created_by=by, updated_by=by, **since)
        session.add(community)
        session.flush()
        out.communities.append(community)
        for g_index, grid_name in enumerate(grid_names):
            grid = Grid(community_id=community.id, code=f"{code}-G{g_index + 1}", name=grid_name,
                        leader_name=LEADERS[c_index * 3 + g_index],
                        note=f"{grid_name}，格长负责每日巡查与民情收集。", created_by=by, updated_by=by, **since)
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


# --- residents, visits, rentals ----------------------------------------------------------------

# province-level region codes (xx0000): valid for the checksum and format, but never the county
# code of a real person's number, so no demo ID number belongs to anyone
DEMO_REGIONS = ("110000", "120000", "130000", "140000", "210000", "320000", "340000", "370000", "410000", "510000")
GROUP_SHARES = {  # share of residents (elderly-only groups are drawn among the 60+)
    "独居老人": 0.10, "空巢老人": 0.14, "残疾人": 0.025, "低保/困难户": 0.02, "低保边缘": 0.01, "五保户": 0.003,
    "留守儿童": 0.03, "行动不便": 0.05, "4050人员": 0.03, "重点关注": 0.01,
    "社区矫正": 0.002, "刑满释放": 0.003, "精神障碍": 0.005, "慢性病": 0.12,
}
ELDERLY_ONLY = {"独居老人", "空巢老人", "五保户", "行动不便", "慢性病"}
STAFF_NAMES = ("吴磊", "周敏", "何静", "钱伟", "冯丽", "陈洁")
OUTCOMES = ("身体状况良好，生活能自理。", "反映楼道灯损坏，已报物业维修。", "需要助餐服务，已登记。",
            "老人情绪稳定，子女每周来电。", "提醒按时服药，留下联系卡。", "协助申请临时救助，材料已收。",
            "家中燃气灶老化，建议更换，已告知家属。", "陪同就医预约，已完成。")


def demo_id_number(rng: random.Random, born) -> tuple[str, str]:
    first17 = f"{rng.choice(DEMO_REGIONS)}{born:%Y%m%d}{rng.randint(1, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]
    return first17 + check, "男" if int(first17[16]) % 2 else "女"


def _birth(rng: random.Random, today, relation: str, head_born=None):
    from datetime import timedelta

    if relation == "户主":
        age = int(min(95, max(22, rng.gauss(52, 16))))
    elif relation == "配偶":
        age = max(20, (today.year - head_born.year) + rng.randint(-5, 5))
    elif relation == "子女":
        age = max(0, (today.year - head_born.year) - rng.randint(22, 36))
    elif relation == "父母":
        age = min(100, (today.year - head_born.year) + rng.randint(22, 32))
    else:
        age = rng.randint(1, 20)
    return today - timedelta(days=age * 365 + rng.randint(0, 364))


def build_residents(places: DemoPlaces, today, target: int = 3500, seed: int = 7) -> list[dict]:
    """Resident rows with a plain ``id_number`` (the caller encrypts) and ``tags``."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    grid_of = {b.id: b.grid_id for b in places.buildings}
    rows: list[dict] = []
    seen_ids: set[str] = set()
    households = list(places.households)
    rng.shuffle(households)
    for h in households:
        if len(rows) >= target:
            break
        size = h.size or 1
        surname = fake.last_name()
        head_born = None
        for i in range(size):
            relation = "户主" if i == 0 else ("配偶" if i == 1 else rng.choice(["子女", "子女", "父母", "孙辈"]))
            born = _birth(rng, today, relation, head_born)
            if i == 0:
                head_born = born
            while True:
                number, gender = demo_id_number(rng, born)
                if number not in seen_ids:
                    seen_ids.add(number)
                    break
            given = fake.first_name_male() if gender == "男" else fake.first_name_female()
            name = (surname if relation in ("户主", "子女", "孙辈") else fake.last_name()) + given
            age = today.year - born.year
            tags = []
            for tag, share in GROUP_SHARES.items():
                if tag in ELDERLY_ONLY and age < 60:
                    continue
                if tag == "留守儿童" and age >= 16:
                    continue
                if tag == "4050人员" and not 40 <= age <= 55:
                    continue
                if tag == "独居老人" and size > 1:
                    continue
                if rng.random() < share * (2.5 if tag in ELDERLY_ONLY else 1):
                    tags.append(tag)
            if size == 1 and age >= 60 and "独居老人" not in tags and rng.random() < 0.5:
                tags.append("独居老人")
            residence = "自住" if h.housing_condition in ("自有住房", "公租房") else (
                "群租" if size >= 5 and h.housing_condition == "租赁住房" else "租住")
            rows.append({
                "community_id": h.community_id, "household_id": h.id, "building_id": h.building_id,
                "grid_id": grid_of[h.building_id], "name": name, "gender": gender, "birth_date": born,
                "id_type": "居民身份证", "id_number": number,
                "phone": "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
                if age >= 14 else None,
                "relation": relation, "residence_type": residence, "status": "active",
                "needs": rng.choice([None, None, None, "助餐", "助浴", "上门理发", "代购药品", "心理疏导"]) if tags else None,
                "consent": rng.random() < 0.92, "notes": None, "tags": tags,
                "since": today.replace(year=today.year - 2),
            })
    # a few moved out or deceased: their files stay
    for r in rng.sample(rows, max(1, len(rows) // 60)):
        r["status"] = rng.choice(["moved_out", "moved_out", "deceased"])
        r["status_date"] = today.replace(day=1)
    return rows


def build_visits(residents: list[dict], ids: list[int], rules: dict[str, tuple[str, int]], today,
                 seed: int = 11) -> list[dict]:
    """A year of visits: special groups roughly at their frequency with believable lapses (some end
    up overdue), and occasional services for everyone else."""
    from datetime import timedelta

    rng = random.Random(seed)
    interval = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
    rows = []
    start = today - timedelta(days=365)
    for rid, r in zip(ids, residents):
        if r["status"] != "active":
            continue
        tag_days = [interval[rules[t][0]] * rules[t][1] for t in r["tags"] if t in rules]
        staff = rng.choice(STAFF_NAMES)
        if tag_days:
            gap = min(tag_days)
            diligent = rng.random()
            d = start + timedelta(days=rng.randint(0, gap))
            stop_at = today - timedelta(days=rng.randint(gap + 3, gap * 3)) if diligent < 0.12 else today
            while d <= stop_at:
                rows.append(_visit(rng, rid, r, d, staff))
                d += timedelta(days=max(1, int(gap * rng.uniform(0.7, 1.15 if diligent > 0.3 else 1.5))))
        elif rng.random() < 0.45:
            for _ in range(rng.randint(1, 3)):
                rows.append(_visit(rng, rid, r, today - timedelta(days=rng.randint(0, 364)), staff))
    return rows


def _visit(rng, rid, r, d, staff) -> dict:
    kind = rng.choices(["走访", "电话问候", "助餐", "助洁", "精神慰藉", "上门服务", "康复", "助浴", "助行"],
                       weights=[50, 12, 10, 6, 8, 6, 3, 3, 2])[0]
    return {"resident_id": rid, "community_id": r["community_id"], "grid_id": r["grid_id"], "visit_date": d,
            "visit_type": kind, "staff_name": staff, "minutes": rng.choice([10, 15, 20, 30, 30, 45, 60]),
            "outcome": rng.choice(OUTCOMES),
            "satisfaction": rng.choices(["非常满意", "满意", "一般", "不满意", None], weights=[45, 38, 9, 2, 6])[0]}


def build_rentals(places: DemoPlaces, residents: list[dict], ids: list[int], today, seed: int = 13):
    """Rentals for rented flats: landlord, tenants (the residents living there), 群租, checks."""
    from datetime import timedelta

    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    by_household: dict[int, list[int]] = {}
    for rid, r in zip(ids, residents):
        if r["residence_type"] in ("租住", "群租") and r["status"] == "active":
            by_household.setdefault(r["household_id"], []).append(rid)
    grid_of = {b.id: b.grid_id for b in places.buildings}
    rentals, tenants, checks = [], [], []
    for h in places.households:
        if h.id not in by_household:
            continue
        group = len(by_household[h.id]) >= 5 or rng.random() < 0.04
        registered = today - timedelta(days=rng.randint(60, 900))
        rentals.append({"household_id": h.id, "community_id": h.community_id, "grid_id": grid_of[h.building_id],
                        "landlord_name": fake.name(), "registered_date": registered,
                        "landlord_phone": "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9)),
                        "group_rental": group, "pledge_signed": rng.random() < 0.85,
                        "occupants": max(len(by_household[h.id]), rng.randint(1, 6) if group else 1),
                        "status": "registered", "note": None})
        tenants.append(by_household[h.id])
        gap = 30 if group else 91
        d = max(registered, today - timedelta(days=365)) + timedelta(days=rng.randint(5, gap))
        stop = today - timedelta(days=rng.randint(gap + 5, gap * 2)) if rng.random() < 0.15 else today
        checks.append([])
        while d <= stop:
            checks[-1].append({"check_date": d, "inspector": rng.choice(STAFF_NAMES),
                               "result": "合格" if rng.random() < 0.88 else "需整改",
                               "note": None})
            d += timedelta(days=int(gap * rng.uniform(0.8, 1.1)))
    return rentals, tenants, checks


# --- facilities, inspections, hazards -----------------------------------------------------------

FACILITY_NAMES = {
    "fire": ["{b}消防栓", "{b}灭火器箱", "{b}微型消防站"], "electrical": ["{b}配电箱", "{b}配电房"],
    "gas": ["{b}燃气调压箱", "{b}燃气管道"], "elevator": ["{b}1号电梯", "{b}2号电梯"],
    "roads": ["小区主干道", "{b}入户道路"], "street_lights": ["{b}路灯", "广场路灯"], "greenery": ["中心绿地", "{b}绿化带"],
    "water_drainage": ["{b}雨水井", "{b}化粪池"], "cctv_access": ["{b}单元门禁", "东门监控"],
    "waste_points": ["{b}垃圾分类投放点"], "elderly_care": ["老年日间照料中心", "长者食堂"],
    "culture_fitness": ["文化活动室", "社区图书室", "健身广场"], "service_centre": ["社区党群服务中心"],
    "health_station": ["社区卫生服务站"], "emergency_supplies": ["应急物资储备点"], "lightning": ["{b}屋顶避雷带"],
    "water_tank": ["二次供水泵房"], "common_parts": ["{b}公共部位"], "estate_plant": ["水泵房", "{b}消防水泵"],
}
ORGS = ("和平物业服务中心", "城东燃气公司", "市电梯维保公司", "社区居委会", "区供电所", "城东市政养护所")
HAZARD_NOTES = ("已通知物业", "已联系维保单位", "需街道协调资金", "已设置警示标识", "居民反映多次")


def build_facilities(places: DemoPlaces, categories: dict, today, per_category: int = 6, seed: int = 17) -> list[dict]:
    from datetime import timedelta

    rng = random.Random(seed)
    rows, codes = [], set()
    facility_cats = [c for c, spec in categories.items() if spec.get("target", "facility") == "facility"]
    buildings_by_c = {}
    for b in places.buildings:
        buildings_by_c.setdefault(b.community_id, []).append(b)
    n = 0
    while len(rows) < 120:
        cat = facility_cats[n % len(facility_cats)]
        n += 1
        community = places.communities[n % 2]
        b = rng.choice(buildings_by_c[community.id])
        name = rng.choice(FACILITY_NAMES.get(cat, ["{b}" + categories[cat]["zh"]])).format(b=b.name)
        code = f"{community.code}-{cat[:3].upper()}-{n:03d}"
        if code in codes:
            continue
        codes.add(code)
        install = today - timedelta(days=rng.randint(200, 365 * 22))
        rows.append({"community_id": community.id, "grid_id": b.grid_id, "code": code, "name": name, "category": cat,
                     "location": b.address, "responsible_org": rng.choice(ORGS), "inspector": "staff"
                     if b.grid_id in {g.id for g in places.grids[:2]} else None,
                     "install_date": install, "expected_life_years": rng.choice([8, 10, 15, 20, 25]),
                     "status": rng.choices(["正常", "待修", "停用"], weights=[88, 9, 3])[0],
                     "created_at": _dt(today - timedelta(days=400)), "created_by": "demo", "updated_by": "demo"})
    return rows


def _dt(d):
    from datetime import datetime

    return datetime(d.year, d.month, d.day, 9, 0)


def build_inspections(targets: list[dict], templates: dict, today, seed: int = 19) -> list[tuple[dict, list[dict]]]:
    """A year of checks following the rules, with believable lapses and failure rates.

    ``targets``: dicts with category, facility_id (or None), grid_id, community_id, since.
    ``templates``: category -> (template_id, unit, every, items)."""
    from datetime import timedelta

    from db.periods import periods_between

    rng = random.Random(seed)
    out = []
    inspectors = ("staff", "manager", "staff", "staff")
    for t in targets:
        template_id, unit, every, items = templates[t["category"]]
        first = max(t["since"], today - timedelta(days=t.get("days", 365)))
        diligence = rng.choice([0.97, 0.93, 0.9, 0.85, 0.7])
        for p_start, p_end in periods_between(first, today, unit, every):
            last_day = min(p_end, today)
            if p_end >= today and rng.random() < 0.5:
                continue  # the current period is often still open
            if rng.random() > diligence:
                continue  # a lapse
            day = p_start + timedelta(days=rng.randint(0, max(0, (last_day - p_start).days)))
            results = []
            for item in items:
                r = "不适用" if rng.random() < 0.03 else ("不合格" if rng.random() < (0.008 if item["severity"] == "重大"
                                                                                     else 0.016) else "合格")
                results.append({**item, "result": r, "note": rng.choice(HAZARD_NOTES) if r == "不合格" else None})
            failed = sum(1 for r in results if r["result"] == "不合格")
            out.append(({"community_id": t["community_id"], "template_id": template_id, "category": t["category"],
                         "facility_id": t["facility_id"], "grid_id": t["grid_id"],
                         "inspector": rng.choice(inspectors), "inspected_on": day, "status": "submitted",
                         "period_start": p_start,
                         "source": "paper" if rng.random() < 0.15 else "app",
                         "overall": "不合格" if failed else "合格",
                         "items_total": sum(1 for r in results if r["result"] != "不适用"), "items_failed": failed,
                         "submitted_at": _dt(day), "created_by": "demo", "updated_by": "demo"}, results))
    return out


def hazard_story(rng: random.Random, found_on, deadline, severity: str, today):
    """Where a demo hazard stands today, and the steps that brought it there: recent ones in
    every state, older ones mostly closed (some late, a few still open and overdue)."""
    from datetime import timedelta

    age = (today - found_on).days
    if age < 45:
        target = rng.choice(["found", "assigned", "rectifying", "awaiting", "closed", "closed"])
    else:
        target = rng.choices(["closed", "rectifying", "assigned"], weights=[88, 9, 3])[0]
    owner = rng.choice(["物业 张经理", "维保 李工", "网格员 吴磊", "燃气公司 王师傅"])
    steps = [("found", None, "found", found_on)]
    if target == "found":
        return "found", None, steps, {}

    def day(offset):
        return min(found_on + timedelta(days=offset), today)

    steps.append(("assign", "found", "assigned", day(rng.randint(0, 2))))
    if target == "assigned":
        return "assigned", owner, steps, {}
    steps.append(("start", "assigned", "rectifying", day(rng.randint(2, 4))))
    if target == "rectifying":
        return "rectifying", owner, steps, {}
    span = max(1, (deadline - found_on).days)
    late = rng.random() < 0.12
    fixed = day(int(span * (rng.uniform(1.05, 1.5) if late else rng.uniform(0.3, 0.95))))
    if target == "awaiting":
        steps.append(("rectified", "rectifying", "awaiting", fixed))
        return "awaiting", owner, steps, {"rectified_by": "staff", "rectified_on": fixed}
    steps.append(("rectified", "rectifying", "awaiting", fixed))
    if rng.random() < 0.1:  # a failed re-inspection, fixed again
        steps.append(("reinspect_fail", "awaiting", "rectifying", min(fixed + timedelta(days=1), today)))
        fixed = min(fixed + timedelta(days=rng.randint(2, 5)), today)
        steps.append(("rectified", "rectifying", "awaiting", fixed))
    closed = min(fixed + timedelta(days=rng.randint(0, 2)), today)
    steps.append(("reinspect_pass", "awaiting", "closed", closed))
    return "closed", owner, steps, {"rectified_by": "staff", "rectified_on": fixed, "reinspected_by": "manager",
                                    "closed_on": closed}


# --- volunteers, activities, hours ----------------------------------------------------------------

TEAMS = [("和平里党员先锋队", "党员"), ("巾帼志愿服务队", "巾帼"), ("银发老干部服务队", "老干部"),
         ("青年学生志愿队", "学生"), ("平安巡逻队", "治安巡逻队")]
ACTIVITY_THEMES = {
    "文艺": ["重阳节文艺汇演", "广场舞展演", "社区合唱排练"], "体育": ["邻里趣味运动会", "太极拳晨练"],
    "讲座": ["防范电信诈骗讲座", "老年人智能手机课堂"], "健康教育": ["高血压防治讲座", "义诊进社区"],
    "垃圾分类宣传": ["垃圾分类入户宣传", "垃圾分类积分兑换"], "消防宣传": ["消防安全进楼栋", "灭火器使用演示"],
    "环境整治": ["楼道杂物清理", "小区绿地捡拾垃圾"], "邻里互助": ["爱心理发", "家电义务维修"],
    "敬老": ["独居老人上门陪伴", "长者生日会"]}


def build_volunteering(places: DemoPlaces, today, seed: int = 29):
    """Teams, ~60 volunteers, a year of activities, and thousands of hour entries."""
    from datetime import time, timedelta

    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    community = places.communities[0]
    teams = [{"community_id": community.id, "name": n, "team_type": tp, "grid_id": places.grids[i % 3].id,
              "leader_name": fake.name(), "created_by": "demo", "updated_by": "demo"} for i, (n, tp) in enumerate(TEAMS)]
    volunteers = []
    for i in range(60):
        gender_female = rng.random() < 0.6
        volunteers.append({"community_id": community.id, "name": fake.name_female() if gender_female else fake.name_male(),
                           "phone": "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9)),
                           "team_index": i % 5, "position": rng.choices(
                               ["普通志愿者", "楼栋长", "和谐大使", "义务信息员", "义务监督员"], weights=[60, 15, 10, 10, 5])[0],
                           "skills": rng.choice([None, "理发", "家电维修", "医护", "书法", "摄影", "心理咨询", "驾驶"]),
                           "joined_on": today - timedelta(days=rng.randint(400, 2500)),
                           "status": "active" if rng.random() < 0.95 else "inactive",
                           "leaderboard": rng.random() < 0.6, "created_by": "demo", "updated_by": "demo"})
    acts = []
    d = today - timedelta(days=364)
    while d <= today + timedelta(days=30):
        for _ in range(rng.choice([0, 1, 1, 2])):
            kind = rng.choice(list(ACTIVITY_THEMES))
            day = d + timedelta(days=rng.randint(0, 6))
            target = rng.choice([20, 30, 40, 50, 80, 100])
            held = day < today
            status = ("evaluated" if rng.random() < 0.6 else "held") if held else rng.choice(["planned", "announced"])
            notice = day - timedelta(days=rng.choice([1, 2, 3, 5, 7, 10])) if status != "planned" else None
            turnout = int(target * rng.uniform(0.55, 1.2)) if held else None
            acts.append({"community_id": community.id, "theme": rng.choice(ACTIVITY_THEMES[kind]), "activity_type": kind,
                         "activity_date": day, "start_time": time(rng.choice([9, 14, 15, 19]), 0),
                         "end_time": time(rng.choice([11, 16, 17, 21]), 0),
                         "place": rng.choice(["社区活动室", "中心广场", "党群服务中心", "和平里小区东门", "老年日间照料中心"]),
                         "organiser": rng.choice(["居委会 周敏", "网格员 吴磊", "社工 何静"]),
                         "target_turnout": target, "actual_turnout": turnout,
                         "budget": rng.choice([None, 200.0, 500.0, 1000.0, 3000.0]), "notice_date": notice,
                         "status": status, "org_score": rng.randint(3, 5) if status == "evaluated" else None,
                         "satisfaction": round(rng.uniform(78, 99), 1) if status == "evaluated" else None,
                         "evaluation_note": rng.choice(["组织有序，居民反响好", "场地偏小，下次改到广场", "宣传提前不够"])
                         if status == "evaluated" else None, "evaluated_by": "manager" if status == "evaluated" else None,
                         "created_by": "demo", "updated_by": "demo"})
        d += timedelta(days=7)
    return teams, volunteers, acts


def build_logs(volunteers: list[tuple[int, dict, int | None]], acts: list[tuple[int, dict]], today, seed: int = 31):
    """(volunteer id, row, team id) and (activity id, row) -> hour entries: mostly verified, a few rejected,
    the recent ones still waiting."""
    from datetime import timedelta

    rng = random.Random(seed)
    held = [(aid, a) for aid, a in acts if a["activity_date"] <= today and a["status"] in ("held", "evaluated")]
    roles = ["服务", "服务", "组织", "宣传", "后勤", "巡逻", "陪护"]
    logs = []
    for vid, v, team_id in volunteers:
        if v["status"] != "active":
            continue
        activeness = rng.uniform(0.2, 1.0)
        for aid, a in held:
            if rng.random() > activeness * 0.6:
                continue
            logs.append(_log(rng, vid, v, team_id, aid, a["activity_date"], rng.choice([1.5, 2, 2, 3, 3.5, 4]),
                             rng.choice(roles), today))
        for _ in range(int(activeness * 50)):  # patrols, visits, help outside activities
            day = today - timedelta(days=rng.randint(0, 364))
            logs.append(_log(rng, vid, v, team_id, None, day, rng.choice([1, 1.5, 2, 2.5]), rng.choice(roles), today))
    return logs


def _log(rng, vid, v, team_id, aid, day, hours, role, today) -> dict:
    from datetime import datetime, timedelta

    recent = (today - day).days < 10
    status = "logged" if recent and rng.random() < 0.7 else ("rejected" if rng.random() < 0.04 else "verified")
    return {"community_id": v["community_id"], "volunteer_id": vid, "team_id": team_id, "activity_id": aid,
            "log_date": day, "hours": float(hours), "role": role, "status": status,
            "verified_by": None if status == "logged" else rng.choice(["staff", "manager"]),
            "verified_at": None if status == "logged" else datetime.combine(day + timedelta(days=2), datetime.min.time()),
            "reject_reason": "时长与活动记录不符" if status == "rejected" else None,
            "created_by": "demo", "updated_by": "demo"}
