"""Residents' requests and complaints (居民诉求) beyond what the ledger engine does from their
declaration (db.models.quality.COMPLAINT: received → assigned → in progress → done → followed
up, or explained (说明) when it cannot be solved in time):

- the response limits are data (RESPONSE_LIMIT, seeded from db/reference/complaints.yaml): the
  most specific row of category × urgency ("*" = any) gives the limits, and the response and
  resolution due times are worked out when a request is received — in the committee's time zone
  (the setting ``ui.timezone``) and China's working days (services.workdays) — and stored in UTC;
- the times typed (received, first response, resolved) are checked against each other: nothing
  received in the future, no response before the request, no resolution before the response;
- overdue is derived in SQL (the declaration's views and columns);
- the two KPIs (response and resolution within their limits), the demo's requests, and an
  improvement action opened from a request (services.actions.open_from).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.declarations import Context
from db.models.quality import (ANY, CLOSED_STATES, COMPLAINT, OPEN_COMPLAINT_STATES, Complaint, ResponseLimit,
                               complaint_vocab, resolution_overdue_clause, response_overdue_clause)
from services import audit, clock, ledgers, records, settings, workdays
from services.access import SYSTEM, Actor
from services.errors import ValidationError

# --- time: stored UTC, limits in the committee's zone -------------------------------------------


def zone(session: Session) -> ZoneInfo:
    """The committee's zone (the setting ``ui.timezone``; one per deployment)."""
    try:
        return ZoneInfo(str(settings.get(session, "ui.timezone")))
    except (ZoneInfoNotFoundError, ValueError):
        return clock.zone()


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time of the zone as the naive UTC the database stores."""
    return local.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


def to_local(stored: datetime, tz: ZoneInfo) -> datetime:
    return stored.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)


def now_utc() -> datetime:
    return utcnow()


# --- the limits -------------------------------------------------------------------------------

def seed_limits(session: Session, actor: Actor = SYSTEM) -> int:
    """Add the seeded limit rows that are missing (by category × urgency); rows already there —
    also ones an admin deleted — stay as they are. Returns how many were added."""
    have = set(session.execute(select(ResponseLimit.category, ResponseLimit.urgency)).all())
    added = 0
    for spec in complaint_vocab()["limits"]:
        key = (spec["category"], spec["urgency"])
        if key in have:
            continue
        row = ResponseLimit(category=spec["category"], urgency=spec["urgency"],
                            response_value=spec["response"][0], response_unit=spec["response"][1],
                            resolution_value=spec["resolution"][0], resolution_unit=spec["resolution"][1],
                            note=spec.get("note"), created_by=actor.username, updated_by=actor.username)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "response_limit", row.id, None, audit.snapshot(row))
        have.add(key)
        added += 1
    return added


def pick_limit(rows, category: str, urgency: str):
    """The most specific of ``rows`` for category × urgency: both named, then the category, then
    the urgency, then the default ("*" × "*"); None when none matches."""
    best, rank = None, -1
    for row in rows:
        if row.category not in (category, ANY) or row.urgency not in (urgency, ANY):
            continue
        r = (2 if row.category == category else 0) + (1 if row.urgency == urgency else 0)
        if r > rank:
            best, rank = row, r
    return best


def limit_for(session: Session, category: str, urgency: str) -> ResponseLimit | None:
    rows = session.execute(select(ResponseLimit).where(
        ResponseLimit.deleted_at.is_(None), ResponseLimit.category.in_((category, ANY)),
        ResponseLimit.urgency.in_((urgency, ANY)))).scalars().all()
    return pick_limit(rows, category, urgency)


def due_times(limit, received_local: datetime) -> tuple[datetime, datetime]:
    """(response due, resolution due) in local wall-clock time for a limit row."""
    return (workdays.due(received_local, limit.response_value, limit.response_unit),
            workdays.due(received_local, limit.resolution_value, limit.resolution_unit))


def uncovered_years(limit, received_local: datetime) -> list[int]:
    """The years the limit's working days run into that the holiday calendar does not cover."""
    years = set(workdays.uncovered_years(received_local, limit.response_value, limit.response_unit)) | \
        set(workdays.uncovered_years(received_local, limit.resolution_value, limit.resolution_unit))
    return sorted(years)


def calendar_warnings(years: list[int]) -> list[tuple[str, dict]]:
    return [("cmp.calendar_missing", {"year": y}) for y in years]


def complaint_calendar(session: Session, complaint: Complaint) -> list[int]:
    """The uncovered years the limits of a stored request run into (the page warns of them)."""
    limit = limit_for(session, complaint.category, complaint.urgency)
    if limit is None or complaint.received_at is None:
        return []
    return uncovered_years(limit, to_local(complaint.received_at, zone(session)))


# --- the declaration's hooks ------------------------------------------------------------------

def fill(ctx: Context, rows: list[dict]) -> None:
    """COMPLAINT.fill: the receipt's local day and time, the form's fields, from received_at."""
    tz = zone(ctx.session)
    for r in rows:
        stored = r.get("received_at")
        local = to_local(stored, tz) if stored else None
        r["received_on"] = local.date() if local else None
        r["received_time"] = local.time() if local else None


def clean(ctx: Context, values: dict) -> None:
    """The receipt typed in local time becomes received_at (UTC), never in the future nor after a
    response already given; the resident, if named, is one in the actor's sight in the request's
    community; the due times come from the most specific limit row when the request is new or
    its time, category or urgency changed (a warning when the working days run into a year the
    holiday calendar lacks, or no limit row matches)."""
    session, obj = ctx.session, ctx.obj
    errors: dict[str, str] = {}
    on, at = values.get("received_on"), values.get("received_time")
    received = None
    tz = zone(session)
    if on is not None and at is not None:
        local = datetime.combine(on, at)
        received = to_utc(local, tz)
        if received > now_utc():
            errors["received_time"] = "cmp.err_future_receipt"
        elif obj is not None and obj.first_response_at is not None and received > obj.first_response_at:
            errors["received_time"] = "cmp.err_response_before"
    if values.get("resident_id"):
        from db.models.residents import Resident

        resident = session.get(Resident, values["resident_id"])
        if resident is None or resident.deleted_at is not None or \
                resident.community_id != values.get("community_id") or \
                not ledgers.in_scope(session, ctx.actor, ledgers.get_ledger("resident"), resident):
            errors["resident_id"] = "err.bad_choice"
    if errors:
        raise ValidationError(errors)
    if received is None:
        return
    values["received_at"] = received
    changed = obj is None or obj.received_at != received or obj.category != values.get("category") or \
        obj.urgency != values.get("urgency")
    if not changed or values.get("category") is None or values.get("urgency") is None:
        return
    limit = limit_for(session, values["category"], values["urgency"])
    if limit is None:
        values["response_due"] = values["resolution_due"] = None
        ctx.warnings.append(("cmp.no_limit", {}))
        return
    local = to_local(received, tz)
    response, resolution = due_times(limit, local)
    values["response_due"], values["resolution_due"] = to_utc(response, tz), to_utc(resolution, tz)
    ctx.warnings.extend(calendar_warnings(uncovered_years(limit, local)))


def locked(ctx: Context, complaint: Complaint) -> str | None:
    """A request solved, followed up or explained is kept as it was closed."""
    return "cmp.locked_closed" if complaint.status in CLOSED_STATES else None


def _when(ctx: Context, values: dict) -> datetime:
    """A step's day and time (local) as stored UTC, never in the future."""
    moment = to_utc(datetime.combine(values["on"], values["at"]), zone(ctx.session))
    if moment > now_utc():
        raise ValidationError({"at": "cmp.err_future_time"})
    return moment


def assigned(ctx: Context, complaint: Complaint, values: dict) -> dict:
    return {"assignee": records.clean_text(values["assignee"])}


def responded(ctx: Context, complaint: Complaint, values: dict) -> dict:
    """The first answer to the resident: not before the request was received."""
    moment = _when(ctx, values)
    if moment < complaint.received_at:
        raise ValidationError({"at": "cmp.err_response_before"})
    return {"first_response_at": moment, "response_note": records.clean_text(values["response_note"])}


def resolved(ctx: Context, complaint: Complaint, values: dict) -> dict:
    """Solved: not before the first response."""
    moment = _when(ctx, values)
    if complaint.first_response_at is not None and moment < complaint.first_response_at:
        raise ValidationError({"at": "cmp.err_resolution_before"})
    return {"resolved_at": moment, "resolution": records.clean_text(values["resolution"])}


def followed_up(ctx: Context, complaint: Complaint, values: dict) -> dict:
    return {"followed_up_at": now_utc(), "followup_satisfaction": values["followup_satisfaction"]}


def explained(ctx: Context, complaint: Complaint, values: dict) -> dict:
    """Explained (说明) to the resident now: it closes the request; an explanation given before any
    other answer is the first response too."""
    moment = max(now_utc(), complaint.received_at)
    text = records.clean_text(values["explanation"])
    out = {"explanation": text, "resolved_at": moment}
    if complaint.first_response_at is None:
        out.update(first_response_at=moment, response_note=text)
    return out


# --- what the page shows ----------------------------------------------------------------------

def counts(session: Session, actor: Actor) -> dict[str, int]:
    """Open requests, and those past their response or resolution limit, in the actor's sight."""
    base = [Complaint.deleted_at.is_(None), *ledgers.scope(COMPLAINT, actor)]
    today = clock.today()
    row = session.execute(select(
        func.count(), func.sum(case((Complaint.status.in_(OPEN_COMPLAINT_STATES), 1), else_=0)),
        func.sum(case((response_overdue_clause(today), 1), else_=0)),
        func.sum(case((resolution_overdue_clause(today), 1), else_=0))).where(*base)).one()
    return {"total": row[0], "open": int(row[1] or 0), "response_overdue": int(row[2] or 0),
            "resolution_overdue": int(row[3] or 0)}


def open_action(session: Session, actor: Actor, complaint_id: int, *, title: str, owner: str, due: date):
    """An improvement action from a request (a root cause behind repeated complaints), the request
    in the actor's sight."""
    from services import actions

    complaint = ledgers.get(session, actor, COMPLAINT, complaint_id)
    return actions.open_from(session, actor, "complaint", complaint.id, community_id=complaint.community_id,
                             title=title, owner=owner, due=due, grid_id=complaint.grid_id,
                             detail=complaint.content)


# --- the KPIs (services.kpis.REGISTRY) ----------------------------------------------------------

def utc_bounds(session: Session, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants bounding the committee's local days ``start`` … ``end`` (stored times are UTC)."""
    tz = zone(session)
    return (to_utc(datetime.combine(start, time.min), tz),
            to_utc(datetime.combine(end + timedelta(days=1), time.min), tz))


def _in_scope(scope) -> list:
    return [Complaint.deleted_at.is_(None), *scope.communities(Complaint.community_id),
            *scope.grids(Complaint.grid_id)]


def response_in_time(session: Session, scope, start: date, end: date, today: date):
    """Requests whose response fell due in the period: first answered by then ÷ those due — one
    not answered yet counts once it is past due (late), not before."""
    lo, hi = utc_bounds(session, start, end)
    due = Complaint.response_due
    base = [*_in_scope(scope), due >= lo, due < hi,
            or_(Complaint.first_response_at.isnot(None), due < now_utc())]
    on_time = func.sum(case((Complaint.first_response_at <= due, 1), else_=0))
    n, k = session.execute(select(func.count(), on_time).where(*base)).one()
    return int(k or 0), n


def resolution_in_time(session: Session, scope, start: date, end: date, today: date):
    """Requests whose resolution fell due in the period: solved or explained by then ÷ those due
    (an open one counts once past due)."""
    lo, hi = utc_bounds(session, start, end)
    due = Complaint.resolution_due
    closed = and_(Complaint.status.in_(CLOSED_STATES), Complaint.resolved_at.isnot(None))
    base = [*_in_scope(scope), due >= lo, due < hi, or_(closed, due < now_utc())]
    on_time = func.sum(case((and_(closed, Complaint.resolved_at <= due), 1), else_=0))
    n, k = session.execute(select(func.count(), on_time).where(*base)).one()
    return int(k or 0), n


def first_received(session: Session, scope) -> date | None:
    """The day the first request in the scope was received (a KPI's data begins there)."""
    first = session.execute(select(func.min(Complaint.received_at)).where(*_in_scope(scope))).scalar_one()
    return to_local(first, zone(session)).date() if first else None


# --- the demo -------------------------------------------------------------------------------------

PROPERTY_COMPANY = "和平物业服务中心"  # the demo facilities' responsible_org (db/demo.py ORGS)

# (kind, category, content, organisation complained about or None)
DEMO_TEXTS = (
    ("complaint", "环境卫生", "{b}楼道垃圾两天没有清运，气味很大，希望物业尽快处理。", PROPERTY_COMPANY),
    ("complaint", "环境卫生", "{b}门口垃圾分类桶满溢，保洁员未按时清理。", PROPERTY_COMPANY),
    ("complaint", "物业管理", "物业对{b}电梯故障报修响应慢，老人上下楼困难。", PROPERTY_COMPANY),
    ("complaint", "物业管理", "小区门禁坏了一周，外来人员随意进出，物业一直没修。", PROPERTY_COMPANY),
    ("request", "设施维修", "{b}单元楼道灯不亮，晚上出行不便，请安排维修。", PROPERTY_COMPANY),
    ("request", "设施维修", "{b}楼顶漏水，雨天渗到顶层住户家中。", PROPERTY_COMPANY),
    ("complaint", "设施维修", "{b}地下车库照明不足，多次反映未解决。", PROPERTY_COMPANY),
    ("complaint", "噪音扰民", "{b}有住户晚上十点后装修施工，噪音很大。", None),
    ("complaint", "噪音扰民", "小区广场舞音响声音过大，影响休息。", None),
    ("request", "邻里纠纷", "{b}楼上住户空调冷凝水滴到楼下阳台，协商未果，请社区调解。", None),
    ("request", "邻里纠纷", "楼道内邻居长期堆放杂物，沟通无效。", None),
    ("report", "违章搭建", "{b}一楼住户在公共绿地私自搭建棚子。", None),
    ("report", "治安秩序", "近期夜间有陌生人在{b}附近徘徊，担心安全。", None),
    ("report", "治安秩序", "有人在楼道内为电动车充电，存在火灾隐患。", None),
    ("request", "养老服务", "独居老人希望办理助餐服务，询问报名方式。", None),
    ("request", "养老服务", "家中老人行动不便，希望申请居家养老服务。", None),
    ("request", "上门服务", "{b}独居老人家中水管爆裂，请求上门帮助联系维修。", None),
    ("request", "上门服务", "老人需要上门办理高龄津贴认证。", None),
    ("request", "政策咨询", "咨询城乡居民医保缴费时间和办理地点。", None),
    ("request", "政策咨询", "咨询公租房申请条件和所需材料。", None),
    ("request", "停车管理", "小区内车辆乱停占用消防通道。", PROPERTY_COMPANY),
    ("suggestion", "其他", "建议在小区活动室增加图书角。", None),
    ("suggestion", "环境卫生", "建议在{b}旁增设一组垃圾分类投放点。", None),
    ("suggestion", "其他", "建议社区组织防诈骗宣传讲座。", None),
    ("complaint", "物业管理", "物业费收取后公共区域保洁质量下降。", PROPERTY_COMPANY),
)
CHANNELS = (("电话", 30), ("网格巡查", 25), ("来访", 18), ("线上", 15), ("意见箱", 7), ("议事会", 5))
ASSIGNEES = ("网格员 吴磊", "网格员 何静", "物业 张经理", "社工 钱伟", "网格员 冯丽", "调解员 陈洁")
RESPONSES = ("已电话联系居民，了解具体情况。", "网格员已到现场查看。", "已转物业处理并告知居民。",
             "已登记，约定时间上门。")
RESOLUTIONS = ("已处理完毕，居民确认。", "物业已维修，现场复查正常。", "已调解，双方达成一致。",
               "已答复居民并提供办理指引。", "已清理完毕并加强巡查。")
EXPLANATIONS = ("需业主大会表决动用维修资金，已向居民说明办理进度。", "涉及产权单位，已上报街道协调并向居民解释。",
                "属市政管辖范围，已转交相关部门并向居民说明。")


def _demo_story(rng: random.Random, received: datetime, response_due: datetime, resolution_due: datetime,
                now: datetime) -> dict:
    """What happened to a demo request (local times): mostly answered and solved in time, some
    late, some explained, the recent ones still open."""
    out: dict = {"status": "received"}
    if received > now - timedelta(hours=2) or rng.random() < 0.02:
        return out
    out.update(status="assigned", assignee=rng.choice(ASSIGNEES))
    recent = received > now - timedelta(days=10)  # the last days' requests are partly still open
    if recent and rng.random() < 0.25:
        return out
    roll = rng.random()
    window = max((response_due - received).total_seconds(), 3600)
    respond = received + timedelta(seconds=window * rng.uniform(0.1, 0.8)) if roll > 0.08 else \
        response_due + timedelta(hours=rng.uniform(1, 30))
    if respond > now:
        return out
    out.update(status="in_progress", first_response_at=respond, response_note=rng.choice(RESPONSES))
    if recent and rng.random() < 0.3:
        return out
    fate = rng.random()
    if fate < 0.07:  # cannot be solved in time: explained to the resident
        moment = respond + (resolution_due - respond) * rng.uniform(0.3, 0.9)
        if moment > now:
            return out
        out.update(status="explained", resolved_at=moment, explanation=rng.choice(EXPLANATIONS))
        return out
    if fate < 0.15:
        done = resolution_due + timedelta(hours=rng.uniform(6, 96))
    else:
        span = max((resolution_due - respond).total_seconds(), 1800)
        done = respond + timedelta(seconds=span * rng.uniform(0.15, 0.95))
    if done > now:
        return out
    out.update(status="done", resolved_at=done, resolution=rng.choice(RESOLUTIONS))
    followed = done + timedelta(days=rng.randint(1, 5))
    if followed < now and rng.random() < 0.75:
        out.update(status="followed_up", followed_up_at=followed, followup_satisfaction=rng.choices(
            ("非常满意", "满意", "一般", "不满意", "非常不满意"), weights=(42, 38, 12, 6, 2))[0])
    return out


def demo(session: Session, places, per_community: int = 100, days: int = 182, seed: int = 37) -> dict:
    """About two quarters of requests and complaints per community, with believable response
    times; a few against the property company open an improvement action."""
    from sqlalchemy import insert

    from db.models import Building, Resident

    rng = random.Random(seed)
    tz = zone(session)
    now_local = to_local(now_utc(), tz)
    limits = session.execute(select(ResponseLimit).where(ResponseLimit.deleted_at.is_(None))).scalars().all()
    residents_by_grid: dict[int, list[int]] = {}
    for rid, gid in session.execute(select(Resident.id, Resident.grid_id).where(Resident.deleted_at.is_(None))):
        residents_by_grid.setdefault(gid, []).append(rid)
    buildings_by_grid: dict[int, list[str]] = {}
    for name, gid in session.execute(select(Building.name, Building.grid_id)):
        buildings_by_grid.setdefault(gid, []).append(name)
    channels, weights = zip(*CHANNELS)
    from services.actions import staff_accounts

    staff = {c.id: sorted(staff_accounts(session, {c.id})) for c in places.communities}
    rows = []
    for community in places.communities:
        grids = [g for g in places.grids if g.community_id == community.id]
        for _ in range(per_community):
            grid = rng.choice(grids)
            kind, category, text, org = rng.choice(DEMO_TEXTS)
            channel = rng.choices(channels, weights=weights)[0]
            urgency = "紧急" if rng.random() < 0.1 or category == "上门服务" and rng.random() < 0.4 else "一般"
            day = now_local.date() - timedelta(days=rng.randint(0, days))
            received = datetime.combine(day, time(rng.randint(8, 19), rng.choice((0, 10, 20, 30, 40, 50))))
            if received > now_local - timedelta(minutes=30):
                received = now_local - timedelta(hours=rng.randint(1, 5), minutes=rng.randint(0, 59))
                received = received.replace(second=0, microsecond=0)
            limit = pick_limit(limits, category, urgency)
            response_due, resolution_due = due_times(limit, received)
            story = _demo_story(rng, received, response_due, resolution_due, now_local)
            resident = rng.choice(residents_by_grid[grid.id]) \
                if residents_by_grid.get(grid.id) and channel != "意见箱" and rng.random() < 0.7 else None
            building = rng.choice(buildings_by_grid.get(grid.id) or ["1号楼"])
            row = {"community_id": community.id, "grid_id": grid.id, "kind": kind, "channel": channel,
                   "category": category, "urgency": urgency, "content": text.format(b=building),
                   "resident_id": resident, "subject_org": org, "received_at": to_utc(received, tz),
                   "response_due": to_utc(response_due, tz), "resolution_due": to_utc(resolution_due, tz),
                   "assignee": None, "first_response_at": None, "response_note": None, "resolved_at": None,
                   "resolution": None, "explanation": None, "followed_up_at": None, "followup_satisfaction": None,
                   "created_by": "demo", "updated_by": "demo"}
            for name, value in story.items():
                row[name] = to_utc(value, tz) if isinstance(value, datetime) else value
            if row["assignee"] and staff.get(community.id):  # the community's own staff where it has accounts
                row["assignee"] = rng.choice(staff[community.id])
            rows.append(row)
    rows.sort(key=lambda r: r["received_at"])
    ids = session.execute(insert(Complaint).returning(Complaint.id, sort_by_parameter_order=True),
                          rows).scalars().all() if rows else []
    # repeated complaints against the property company lead to improvement actions
    opened = 0
    from services.actions import staff_accounts

    for community in places.communities:
        owners = sorted(staff_accounts(session, {community.id}))  # an action is owned by the community's staff
        against = [(cid, r) for cid, r in zip(ids, rows) if r["community_id"] == community.id
                   and r["subject_org"] == PROPERTY_COMPANY and r["kind"] == "complaint"]
        for cid, r in against[-2:] if owners else []:
            open_action(session, SYSTEM, cid, title=f"督促{PROPERTY_COMPANY}整改：{r['category']}问题反复投诉",
                        owner=owners[opened % len(owners)], due=clock.today() + timedelta(days=14 + 7 * opened))
            opened += 1
    return {"complaints": len(ids), "complaint_actions": opened}
