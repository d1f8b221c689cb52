"""Checklist templates as data: seeded from db/reference/checklists.yaml; an admin adds,
reorders and retires items, which makes a new version. Inspections copy the items they were
done with, so history keeps its wording."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models.safety import SEVERITIES, ChecklistItem, ChecklistTemplate, checklist_reference  # noqa: F401
from services import audit, records, schedule
from services.access import SYSTEM, Actor, require
from services.errors import NotFound, ValidationError


def seed_templates(session: Session, actor: Actor = SYSTEM) -> int:
    have = set(session.execute(select(ChecklistTemplate.category)).scalars())
    added = 0
    for code, spec in checklist_reference().items():
        if code in have:
            continue
        template = ChecklistTemplate(category=code, revision=1, name_zh=spec["zh"], name_en=spec["en"],
                                     target=spec.get("target", "facility"), rule_unit=spec["rule"]["unit"],
                                     rule_every=spec["rule"].get("every", 1), current=True,
                                     created_by=actor.username, updated_by=actor.username)
        session.add(template)
        session.flush()
        session.add_all([ChecklistItem(template_id=template.id, position=i, code=item["code"], text_zh=item["zh"],
                                       text_en=item["en"], severity=item["severity"])
                         for i, item in enumerate(spec["items"], start=1)])
        audit.record(session, actor, "create", "checklist_template", template.id, None,
                     {"category": code, "version": 1, "items": len(spec["items"])})
        added += 1
    session.flush()
    return added


@dataclass
class Template:
    id: int
    category: str
    version: int
    name_zh: str
    name_en: str
    target: str
    rule_unit: str
    rule_every: int
    items: list[dict]
    row_version: int = 1


def _load(session: Session, t: ChecklistTemplate) -> Template:
    items = [{"code": i.code, "text_zh": i.text_zh, "text_en": i.text_en, "severity": i.severity,
              "position": i.position}
             for i in session.execute(select(ChecklistItem).where(ChecklistItem.template_id == t.id)
                                      .order_by(ChecklistItem.position)).scalars()]
    return Template(t.id, t.category, t.revision, t.name_zh, t.name_en, t.target, t.rule_unit, t.rule_every, items,
                    t.version)


def current(session: Session, category: str) -> Template:
    t = session.execute(select(ChecklistTemplate).where(ChecklistTemplate.category == category,
                                                        ChecklistTemplate.current.is_(True))).scalar_one_or_none()
    if t is None:
        raise NotFound(category=category)
    return _load(session, t)


def all_current(session: Session) -> dict[str, Template]:
    rows = session.execute(select(ChecklistTemplate).where(ChecklistTemplate.current.is_(True))).scalars().all()
    order = {c: i for i, c in enumerate(checklist_reference())}  # the reference order, whatever was edited last
    return {t.category: _load(session, t) for t in sorted(rows, key=lambda t: (order.get(t.category, 999), t.id))}


def rules(session: Session) -> dict[str, tuple[str, int, str]]:
    """category -> (unit, every, target) of the current templates."""
    return {c: (u, e, tg) for c, u, e, tg in session.execute(
        select(ChecklistTemplate.category, ChecklistTemplate.rule_unit, ChecklistTemplate.rule_every,
               ChecklistTemplate.target).where(ChecklistTemplate.current.is_(True)))}


def versions(session: Session, category: str) -> list[dict]:
    return [{"id": t.id, "version": t.revision, "current": t.current, "created_at": t.created_at,
             "created_by": t.created_by, "items": n}
            for t, n in session.execute(
                select(ChecklistTemplate, func.count(ChecklistItem.id))
                .join(ChecklistItem, ChecklistItem.template_id == ChecklistTemplate.id, isouter=True)
                .where(ChecklistTemplate.category == category).group_by(ChecklistTemplate.id)
                .order_by(ChecklistTemplate.revision.desc())).all()]


def new_version(session: Session, actor: Actor, category: str, items: list[dict], expected_version: int,
                rule_unit: str | None = None, rule_every: int | None = None) -> Template:
    """Save the edited item list as the next version (the old one stays for history).

    ``items``: dicts with code, text_zh, text_en, severity, in the new order; retired items are
    simply left out. ``expected_version`` refuses an edit of a version that is no longer current."""
    require(actor, "reference", "edit")
    old = session.execute(select(ChecklistTemplate).where(ChecklistTemplate.category == category,
                                                          ChecklistTemplate.current.is_(True))
                          .with_for_update()).scalar_one()
    if old.revision != expected_version:
        from services.errors import StaleEdit

        raise StaleEdit(by=old.created_by or "?", at=old.created_at)
    errors = {}
    cleaned, codes = [], set()
    def cell(value):  # an empty spreadsheet cell arrives as None or NaN
        return None if value is None or (isinstance(value, float) and value != value) else records.clean_text(value)

    for n, item in enumerate(items, start=1):
        code = (cell(item.get("code")) or "").upper()
        zh, en = cell(item.get("text_zh")), cell(item.get("text_en"))
        severity = cell(item.get("severity")) or "一般"
        if not code or not zh or not en:
            errors[str(n)] = "err.required"
        elif code in codes:
            errors[str(n)] = "err.duplicate"
        elif severity not in SEVERITIES:
            errors[str(n)] = "err.bad_choice"
        elif len(zh) > 200 or len(en) > 300 or len(code) > 20:
            errors[str(n)] = "err.too_long"
        codes.add(code)
        cleaned.append((code, zh, en, severity))
    if not cleaned:
        errors["items"] = "err.required"
    unit, every = rule_unit or old.rule_unit, int(old.rule_every if rule_every is None else rule_every)
    if unit not in schedule.UNITS or not 1 <= every <= 366:
        errors["rule"] = "err.out_of_range"
    if errors:
        raise ValidationError(errors)
    old.current = False
    old.updated_by = actor.username
    session.flush()
    new = ChecklistTemplate(category=category, revision=old.revision + 1, name_zh=old.name_zh, name_en=old.name_en,
                            target=old.target, rule_unit=unit, rule_every=every, current=True,
                            created_by=actor.username, updated_by=actor.username)
    session.add(new)
    session.flush()
    session.add_all([ChecklistItem(template_id=new.id, position=i, code=c, text_zh=zh, text_en=en, severity=sev)
                     for i, (c, zh, en, sev) in enumerate(cleaned, start=1)])
    session.flush()
    before = _load(session, old)
    audit.record(session, actor, "new_version", "checklist_template", new.id,
                 {"version": old.revision, "items": [i["code"] for i in before.items]},
                 {"version": new.revision, "items": [c for c, *_ in cleaned], "rule": f"{every} {unit}"})
    return _load(session, new)


@dataclass
class VersionDiff:
    """What one version of a checklist changed against the version before it (items by code)."""
    version: int
    previous: int | None  # None: the first version
    added: list[dict]
    removed: list[dict]
    changed: list[dict]  # {"code", "changes": [(field, old, new)]} for wording or severity
    moved: list[dict]  # {"code", "text_zh", "text_en", "old", "new"} positions, for items kept
    rule: tuple[tuple[str, int], tuple[str, int]] | None  # ((unit, every) before, after) when it changed


def diff(session: Session, category: str, version: int) -> VersionDiff:
    """Items added, retired, reworded or re-graded, and moved between ``version`` of the
    category's checklist and the one before it; the schedule rule when it changed."""
    by_revision = {t.revision: t for t in session.execute(
        select(ChecklistTemplate).where(ChecklistTemplate.category == category,
                                        ChecklistTemplate.revision.in_((version, version - 1)))).scalars()}
    if version not in by_revision:
        raise NotFound(category=category, version=version)
    new = _load(session, by_revision[version])
    if version - 1 not in by_revision:
        return VersionDiff(version, None, new.items, [], [], [], None)
    old = _load(session, by_revision[version - 1])
    before, after = {i["code"]: i for i in old.items}, {i["code"]: i for i in new.items}
    changed = []
    for code, item in after.items():
        if code in before:
            fields = [(f, before[code][f], item[f]) for f in ("text_zh", "text_en", "severity")
                      if before[code][f] != item[f]]
            if fields:
                changed.append({"code": code, "changes": fields})
    kept_old = [c for c in before if c in after]
    kept_new = [c for c in after if c in before]
    moved = [{"code": c, "text_zh": after[c]["text_zh"], "text_en": after[c]["text_en"],
              "old": kept_old.index(c) + 1, "new": kept_new.index(c) + 1}
             for c in kept_new if kept_old.index(c) != kept_new.index(c)]
    rule = ((old.rule_unit, old.rule_every), (new.rule_unit, new.rule_every))
    return VersionDiff(version, old.version, [i for c, i in after.items() if c not in before],
                       [i for c, i in before.items() if c not in after], changed, moved,
                       rule if rule[0] != rule[1] else None)
