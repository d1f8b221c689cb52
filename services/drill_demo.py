"""Demo plans and drills: in each community a plan of every type; two years of drills of several
types through the engine (planned, held on their day, evaluated a few days later), with believable
times, head-counts and scores, evacuation times that shorten as the committee practises; a few
problems opened as hazards and an action; the first community's accident plan flagged by a fire
drill and revised after it (the old version kept); gaps the schedule shows as overdue, a drill
past its date not yet held, and two planned ahead. The first community is a fire-safety key unit
(a fire drill every six months)."""
from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select, update

from db.models.drills import DRILL, PLAN, Drill, EmergencyPlan
from db.models.places import Grid
from services import clock, drills, ledgers, plans
from services.access import SYSTEM

PLANS = {  # plan type: (title, scope, duties, levels, contacts)
    "自然灾害": ("社区防汛防震自然灾害应急预案", "辖区内暴雨内涝、地震等自然灾害的先期处置与群众转移安置",
             "应急领导小组（居委会主任任组长）；信息报送组、转移安置组、后勤保障组", "Ⅳ级（一般）至Ⅰ级（特别重大），按街道指令启动",
             "街道应急办 010-6421-0110；社区值班 010-6421-3300"),
    "安全事故": ("社区火灾及安全生产事故应急预案", "住宅楼、地下空间、沿街商铺的火灾、燃气泄漏、电梯困人等事故",
             "现场指挥组、灭火疏散组、通讯联络组、安全防护救护组", "社区级先期处置；较大以上事故报街道、消防救援站",
             "消防 119；燃气抢修 96777；物业值班 010-6421-3311"),
    "公共卫生": ("社区突发公共卫生事件应急预案", "传染病疫情、群体性不明原因疾病、食物中毒等",
             "防控工作组、排查登记组、物资保障组，社区卫生服务站配合", "按卫生健康部门发布的响应级别执行",
             "社区卫生服务站 010-6421-4400；疾控中心 12320"),
    "社会安全": ("社区群体性事件及社会安全事件应急预案", "群体性上访、聚集、重大治安事件的先期处置",
             "维稳工作组、矛盾调解组、信息报送组，社区民警配合", "社区级、街道级两级响应",
             "社区民警 010-6421-1100；街道综治中心 010-6421-0120"),
}

# month, day, drill type, mode, plan type it tests, title, place
DRILLS = [
    (3, 15, "消防", "实战", "安全事故", "高层住宅消防疏散演练", "3号楼及南侧集结点"),
    (4, 18, "燃气泄漏", "实战", "安全事故", "燃气泄漏处置演练", "社区老旧小区6号楼"),
    (5, 12, "地震", "实战", "自然灾害", "防震减灾应急疏散演练", "社区广场"),
    (6, 10, "防汛", "桌面推演", "自然灾害", "汛期防汛应急桌面推演", "居委会会议室"),
    (7, 8, "综合", "实战", "社会安全", "社区综合应急演练", "社区党群服务中心"),
    (8, 22, "电梯困人", "实战", "安全事故", "电梯困人救援演练", "9号楼电梯厅"),
    (9, 20, "消防", "实战", "安全事故", "微型消防站灭火实操演练", "社区微型消防站"),
    (10, 16, "公共卫生", "桌面推演", "公共卫生", "突发公共卫生事件应急推演", "居委会会议室"),
]
# what each community left out (its schedule shows the gap): (community index, year offset from this
# year, month, day) — the key unit missed this spring's fire drill, the other community last year's
# public-health exercise
SKIPPED = {(0, 0, 3, 15), (1, -1, 10, 16), (1, 0, 7, 8)}
LIVE_EVACUATION = {"消防", "地震", "应急疏散", "综合", "燃气泄漏"}
EQUIPMENT = {"消防": "灭火器 8 具、消防水带 2 盘、应急广播、警戒带", "燃气泄漏": "可燃气体检测仪、警戒带、防爆对讲机",
             "地震": "应急广播、急救箱、集结点指示牌", "电梯困人": "电梯三角钥匙、对讲机、急救箱",
             "综合": "应急广播、警戒带、急救箱、扩音器", "防汛": "沙袋清单、抽水泵台账、雨情图", "公共卫生": "防护服、测温枪、登记表"}
PROBLEMS = {  # (community index, year offset, month, day): (problems, opens "hazard" | "action" | "flag")
    (0, -1, 3, 15): ("疏散路线未标明备用出口，南侧集结点容纳不下全部疏散人员", "flag"),
    (0, 0, 9, 20): ("3号楼楼道堆放纸箱杂物，影响疏散；应急广播在5号楼覆盖不到", "hazard+action"),
    (1, 0, 5, 12): ("枫林苑2号楼安全出口指示灯不亮", "hazard"),
}


def _steps(rng: random.Random, start: time, minutes: int, drill_type: str) -> str:
    lines = ["发出警报，各组就位", "现场处置，组织人员疏散" if drill_type in LIVE_EVACUATION else "按情景逐项推演处置",
             "集结点清点人数，报告情况", "总结讲评"]
    at = start.hour * 60 + start.minute
    marks = sorted({at, at + minutes // 5, at + minutes // 2, at + minutes - 5})
    return "\n".join(f"{m // 60:02d}:{m % 60:02d} {text}" for m, text in zip(marks, lines))


def load_demo(session, places) -> dict:
    today = clock.today()
    rng = random.Random(20)
    first = places.communities[0]
    first.fire_key_unit = True
    session.flush()
    counts = {"plans": 0, "drills": 0}
    for c_idx, community in enumerate(places.communities):
        grid = session.execute(select(Grid.id).where(Grid.community_id == community.id).order_by(Grid.id)).scalar()
        effective = today - timedelta(days=800)
        plan_ids = {}
        for plan_type, (title, scope, duties, levels, contacts) in PLANS.items():
            # the other community's social-safety plan comes up for revision within the month
            revise_by = today + timedelta(days=20) if (c_idx, plan_type) == (1, "社会安全") else \
                effective + timedelta(days=3 * 365)
            plan = ledgers.save(session, SYSTEM, PLAN, {
                "community_id": community.id, "plan_type": plan_type, "title": title, "effective_on": effective,
                "applies_to": scope, "duties": duties, "response_levels": levels, "contacts": contacts,
                "revise_by": revise_by}, today=effective)
            plan_ids[plan_type] = plan.id
            counts["plans"] += 1
        for y_off in (-2, -1, 0):
            year = today.year + y_off
            for month, day, drill_type, mode, plan_type, title, place in DRILLS:
                on = date(year, month, day)
                if on < today - timedelta(days=730) or (c_idx, y_off, month, day) in SKIPPED:
                    continue
                if on > today:
                    continue
                problem = PROBLEMS.get((c_idx, y_off, month, day))
                counts["drills"] += _one_drill(session, rng, community, grid, plan_ids, on, drill_type, mode,
                                               plan_type, title, place, problem, today, y_off)
                if problem and problem[1] == "flag":  # revised a month after the drill that found it wanting
                    old_id = plan_ids[plan_type]
                    old = session.get(EmergencyPlan, old_id)
                    new = plans.revise(session, SYSTEM, old_id, {
                        "title": old.title, "effective_on": on + timedelta(days=25), "applies_to": old.applies_to,
                        "duties": old.duties, "response_levels": old.response_levels, "contacts": old.contacts,
                        "revise_by": on + timedelta(days=25 + 3 * 365),
                        "revision_note": f"根据{on:%Y年%m月}消防疏散演练评估修订：增设备用疏散出口标识，北侧增设第二集结点"},
                        old.version, today=on + timedelta(days=25))
                    plan_ids[plan_type] = new.id
                    counts["plans"] += 1
        # a drill past its day, not yet held; and the next ones planned
        ahead = [(-6, "防汛", "实战", "自然灾害", "地下车库防汛排涝演练", "2号地下车库")] if c_idx == 1 else \
            [(10, "消防", "实战", "安全事故", "冬季消防安全疏散演练", "12号楼及东侧集结点")]
        ahead.append((24 + c_idx, "应急疏散", "实战", "安全事故", "老年人日间照料中心疏散演练", "日间照料中心"))
        for days, drill_type, mode, plan_type, title, place in ahead:
            ledgers.save(session, SYSTEM, DRILL, {
                "community_id": community.id, "title": title, "drill_type": drill_type, "mode": mode,
                "plan_id": plan_ids[plan_type], "planned_on": today + timedelta(days=days), "place": place,
                "organiser": "居委会主任 周敏" if c_idx == 0 else "居委会主任 何静", "invited": ["staff", "residents", "volunteers"],
                "scenario": f"{title}：模拟突发情况，检验预案与各组协同", "objectives": "熟悉疏散路线，检验响应时间"},
                today=today)
            counts["drills"] += 1
    return counts


def _one_drill(session, rng, community, grid, plan_ids, on, drill_type, mode, plan_type, title, place, problem,
               today, y_off) -> int:
    organiser = "居委会主任 周敏" if community.code == "HPL" else "居委会主任 何静"
    row = ledgers.save(session, SYSTEM, DRILL, {
        "community_id": community.id, "title": title, "drill_type": drill_type, "mode": mode,
        "plan_id": plan_ids[plan_type], "planned_on": on, "place": place, "organiser": organiser,
        "invited": ["staff", "residents", "volunteers", "property"] + (["police"] if drill_type == "消防" else []),
        "scenario": f"{place}模拟发生{drill_type}险情", "objectives": "检验预案可操作性，提高居民自救互救能力"},
        today=on - timedelta(days=20))
    live = mode == "实战"
    start = time(rng.choice((9, 9, 10, 14, 15)), rng.choice((0, 30)))
    minutes = rng.randint(45, 90) if live else rng.randint(60, 110)
    end_min = start.hour * 60 + start.minute + minutes
    practised = 2 + y_off  # 0, 1, 2: the later, the quicker
    evacuation = round(max(3.5, 9.5 - 1.3 * practised + rng.uniform(-0.8, 0.8) + (0.8 if community.code != "HPL"
                                                                                    else 0)), 1) \
        if live and drill_type in LIVE_EVACUATION else None
    held = {"held_on": on, "start_time": start, "end_time": time(end_min // 60, end_min % 60),
            "evacuation_minutes": evacuation, "n_staff": rng.randint(5, 12),
            "n_residents": rng.randint(35, 140) if live else rng.randint(0, 8), "n_volunteers": rng.randint(6, 25),
            "n_property": rng.randint(2, 6), "n_police": rng.randint(2, 6) if drill_type == "消防" else 0,
            "equipment": EQUIPMENT.get(drill_type), "timeline": _steps(rng, start, minutes, drill_type)}
    obj = ledgers.move(session, SYSTEM, DRILL, row.id, "held", held, row.version, today=on)
    if (today - on).days < 12 or (community.code == "HPL" and y_off == 0 and on.month == 10):  # to evaluate
        return 1
    scores = {c: rng.choice((3, 4, 4, 5)) for c in drills.SCORE_CODES}
    if community.code != "HPL":
        scores["evacuation"] = rng.choice((2, 3, 3, 4))
    data = {f"score_{c}": v for c, v in scores.items()}
    if problem:
        data["problems"] = problem[0]
        if problem[1] == "flag":
            data.update(plan_needs_revision=True, revision_reason=problem[0])
            data.update(score_plan=2, score_evacuation=3)
    obj = ledgers.move(session, SYSTEM, DRILL, row.id, "evaluate", data, obj.version, today=on + timedelta(days=3))
    if problem and "hazard" in problem[1]:
        drills.open_hazard(session, SYSTEM, row.id, grid_id=grid, description=problem[0].split("；")[0],
                           category="fire", severity="一般")
    if problem and "action" in problem[1]:
        drills.open_action(session, SYSTEM, row.id, title="应急广播覆盖5号楼：加装室外扬声器", owner="staff",
                           due=today + timedelta(days=20))
    session.execute(update(Drill).where(Drill.id == row.id).values(evaluated_by="manager" if community.code == "HPL"
                                                                   else "supervisor"))
    return 1
