"""Improvement actions (整改/改进措施) beyond what the ledger engine does from their declaration
(db.models.quality.ACTION: open → done → verified, a failed check back to open): an action is
opened from a finding — an evaluation, a low survey score, a drill, a complaint, a hazard's root
cause — by ``open_from``; the one who did it never verifies it; overdue is derived.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sqlalchemy import or_, select

from db.declarations import Context
from db.models.places import Grid
from db.models.users import User, user_community, user_grid
from db.models.quality import ACTION, ACTION_SOURCES, ImprovementAction
from services import ledgers, records
from services.access import Actor
from services.errors import ValidationError


def open_from(session: Session, actor: Actor, source: str, source_id: int | None, *, community_id: int,
              title: str, owner: str, due: date, grid_id: int | None = None,
              detail: str | None = None) -> ImprovementAction:
    """An action opened from a finding (``source`` one of ACTION_SOURCES, ``source_id`` its row),
    saved through the engine: the actor's permission and scope, the checks, one audit entry."""
    if source not in ACTION_SOURCES:
        raise ValidationError({"source": "err.bad_choice"})
    data = {"source": source, "title": title, "owner": owner, "due": due, "grid_id": grid_id, "detail": detail,
            "community_id": community_id}
    action = ledgers.save(session, actor, ACTION, data)
    action.source_id = source_id
    session.flush()
    return action


# the roles an action is given to: the committee's staff (居委会 staff, 网格员/安全员)
OWNER_ROLES = ("manager", "staff")


def staff_of(community_ids) -> list:
    """WHERE clauses of the live, enabled staff and manager accounts working in one of
    ``community_ids`` (None: every community) — by the account's communities or its grids'."""
    conds = [User.role.in_(OWNER_ROLES), User.deleted_at.is_(None), User.disabled.is_(False)]
    if community_ids is not None:
        ids = sorted(community_ids)
        conds.append(or_(
            User.id.in_(select(user_community.c.user_id).where(user_community.c.community_id.in_(ids))),
            User.id.in_(select(user_grid.c.user_id).join(Grid, Grid.id == user_grid.c.grid_id)
                        .where(Grid.community_id.in_(ids)))))
    return conds


def staff_accounts(session: Session, community_ids) -> dict[str, str]:
    """Login name -> the person's name of the live, enabled staff accounts working in one of
    ``community_ids`` (None: every community) — by the account's communities or its grids'."""
    rows = session.execute(select(User.username, User.display_name).where(*staff_of(community_ids))
                           .order_by(User.display_name_pinyin, User.username)).all()
    return {u: n for u, n in rows}


def owner_options(session: Session, actor: Actor) -> dict[str, str]:
    """The owners an actor may give an action to: the staff of its communities (option provider
    of the ``owner`` field)."""
    return staff_accounts(session, actor.community_ids)


def clean(ctx: Context, values: dict) -> None:
    """An action's grid is one of its community's, its owner one of that community's staff; a
    new one is never due before today."""
    errors = {}
    if values.get("grid_id"):
        grid = ctx.session.get(Grid, values["grid_id"])
        if grid is None or grid.community_id != values.get("community_id"):
            errors["grid_id"] = "err.bad_choice"
    owner = values.get("owner")
    kept = ctx.obj is not None and ctx.obj.owner == owner and ctx.obj.community_id == values.get("community_id")
    if owner and values.get("community_id") and not kept and \
            owner not in staff_accounts(ctx.session, [values["community_id"]]):
        errors["owner"] = "actn.err_owner"
    if ctx.obj is None and values.get("due") and values["due"] < ctx.today:
        errors["due"] = "actn.err_due_past"
    if errors:
        raise ValidationError(errors)


def not_own(ctx: Context, action: ImprovementAction) -> str | None:
    """The effect is checked by someone other than the one who did it."""
    return "err.own_action" if action.done_by == ctx.actor.username else None


def done(ctx: Context, action: ImprovementAction, values: dict) -> dict:
    return {"done_on": ctx.today, "done_by": ctx.actor.username, "result": records.clean_text(values["result"])}


def verified(ctx: Context, action: ImprovementAction, values: dict) -> dict:
    return {"verified_on": ctx.today, "verified_by": ctx.actor.username,
            "effect": records.clean_text(values.get("effect"))}


def reopened(ctx: Context, action: ImprovementAction, values: dict) -> dict:
    return {"done_on": None, "done_by": None, "effect": records.clean_text(values.get("effect"))}


def locked(ctx: Context, action: ImprovementAction) -> str | None:
    """Once done, an action changes by its check only (verified, or back to open)."""
    return None if action.status == "open" else "actn.locked"


# where an action's finding is kept: source -> the page that lists it; the record opens there by
# its id in the address (``?<page>.id=<source_id>``, components.records)
SOURCE_PAGES = {"hazard": "hazards", "complaint": "complaints", "evaluation": "assessments", "survey": "surveys",
                "drill": "drills"}


def source_link(source: str, source_id: int | None) -> tuple[str, dict[str, str]] | None:
    """(page key, query parameters) that open the record an action came from, or None when it
    came from no record (a meeting decision) or its kind has no page."""
    page = SOURCE_PAGES.get(source)
    if page is None or source_id is None:
        return None
    return page, {f"{page}.id": str(source_id)}


# --- the KPI (services.kpis REGISTRY "actions_on_time") ---------------------------------------

def on_time(session: Session, scope, start: date, end: date, today: date) -> tuple[int, int]:
    """(done by their due day, judged) of the actions due in ``start``–``end`` in the scope (a
    ``services.kpis.Scope``): one done (or done and verified) on or before its due day is on
    time; one done later, or still open after its due day, is late; one still open and not yet
    past due is not judged yet. Reopened after a failed check, it counts as open again."""
    from sqlalchemy import and_, case, func

    done = ImprovementAction.status.in_(("done", "verified"))
    judged = or_(done, ImprovementAction.due < today)
    in_time = func.sum(case((and_(done, ImprovementAction.done_on <= ImprovementAction.due), 1), else_=0))
    n, k = session.execute(select(func.count(), in_time).where(
        ImprovementAction.deleted_at.is_(None), ImprovementAction.due.between(start, end), judged,
        *scope.communities(ImprovementAction.community_id))).one()
    return int(k or 0), int(n)


# --- demo ---------------------------------------------------------------------------------------

# (source, title, owner, opened, due, what became of it) — days from today; the story's steps are
# (step, by, day, text): done by the owner, checked by someone else
DEMO = (
    ("hazard", "楼道电动车充电屡查屡犯：东门增设集中充电桩，并逐楼张贴告知", "staff", -100, -70,
     (("done", "staff", -75, "东门充电桩 12 个已投用，各楼道张贴告知并入户宣传"),
      ("verify", "manager", -72, "连续两周夜查，楼道内未再发现充电"))),
    ("hazard", "消防通道被占用：与物业划定禁停标线，每周巡查一次", "staff", -80, -50,
     (("done", "staff", -45, "禁停标线已施划，物业保安每周巡查并登记"),
      ("verify", "manager", -40, "抽查三次通道畅通"))),
    ("hazard", "灭火器过期未换：建立设施到期台账，提前一个月提醒物业", "manager", -60, -30,
     (("done", "manager", -33, "到期台账已建，物业已更换 36 具灭火器"),)),
    ("hazard", "私拉电线：联合物业开展一次专项排查并入户宣传", "staff", -40, -10, ()),
    ("hazard", "楼道堆放杂物反复出现：每月最后一周组织楼长清理", "staff", -25, -3,
     (("done", "staff", -4, "楼长队伍已建立，本月清理完毕"),
      ("verify", "manager", -2, "检查 8 个楼道，均已清空"))),
    ("meeting", "居民议事会决定：为 3 号楼加装楼道感应灯", "staff", -50, -20,
     (("done", "staff", -22, "物业已报价，等待维修基金审批"),
      ("reopen", "manager", -18, "灯尚未安装，只完成了报价，不能算完成"))),
    ("meeting", "两委会决定：每月第一周给独居老人打一次问候电话", "manager", -20, 10, ()),
    ("meeting", "安全例会决定：完善应急物资清单并每季度盘点", "staff", -35, -5,
     (("done", "staff", -8, "清单已更新，首次盘点完成并拍照存档"),)),
    ("other", "街道督查反馈：公示栏更新不及时，改为每月初更新", "manager", -130, -100,
     (("done", "manager", -101, "公示栏已更新，排入每月初工作清单"),
      ("verify", "supervisor", -95, "督查回访，公示内容为当月"))),
    ("other", "垃圾分类点位异味投诉较多：调整清运时间并每日冲洗", "staff", -15, 15, ()),
)


def load_demo(session: Session, places) -> dict:
    """Improvement actions in every state — open, overdue, done and waiting for its check,
    verified, one sent back by a failed check — from hazards' root causes, meetings and other
    findings, in the first demo community, owned by its staff and checked by someone else. Rows
    as the workflow leaves them, written at once like the other demo ledgers (no audit entries
    in the demo accounts' names)."""
    from datetime import timedelta

    from sqlalchemy import insert

    from db.models.safety import Hazard
    from services import clock

    today = clock.today()
    community = places.communities[0].id
    hazards = iter(session.execute(select(Hazard.id).where(
        Hazard.community_id == community, Hazard.deleted_at.is_(None), Hazard.severity == "一般")
        .order_by(Hazard.found_on, Hazard.id)).scalars().all())
    rows = []
    for source, title, owner, opened, due, story in DEMO:
        source_id = next(hazards, None) if source == "hazard" else None
        row = {"community_id": community, "source": source if source != "hazard" or source_id else "other",
               "source_id": source_id, "title": title, "owner": owner, "due": today + timedelta(days=due),
               "status": "open", "done_on": None, "done_by": None, "result": None, "verified_on": None,
               "verified_by": None, "effect": None, "created_by": "manager", "updated_by": "manager"}
        for step, by, day, text in story:
            on = today + timedelta(days=day)
            if step == "done":
                row.update(status="done", done_on=on, done_by=by, result=text)
            elif step == "verify":
                row.update(status="verified", verified_on=on, verified_by=by, effect=text)
            else:  # reopen: back to open, the check's finding kept
                row.update(status="open", done_on=None, done_by=None, effect=text)
            row["updated_by"] = by
        rows.append(row)
    session.execute(insert(ImprovementAction), rows)
    return {"improvement_actions": len(rows)}


def of_source(session: Session, actor: Actor, source: str, source_id: int) -> list[dict]:
    """The improvement actions opened from one finding (a request, an evaluation, a survey), as the
    actor may see them — none for a role that sees no actions."""
    if not ledgers.may(actor, ACTION, "view"):
        return []
    return ledgers.list_rows(session, actor, ACTION, filters={"source": source}, limit=200,
                             where=[ImprovementAction.source_id == source_id]).rows
