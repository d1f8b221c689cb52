"""The ledger engine: every declared ledger (db.declarations) listed, got, saved, deleted, moved
through its workflow, exported and its history read here — each call checking the access
matrix row and the row scope the declaration names, so a ledger's own service keeps only what
is truly special to it.

    list_rows  one page of the rows in scope: search, filters, a named view, sort, paging in SQL
    get        one row in scope (NotFound / PermissionDenied otherwise)
    prepare    what a save would write, validated (fields, parent, hooks, uniqueness); no write
    save       create or update, the version the form was loaded with checked, audited
    delete     soft delete when nothing live refers to the row
    locked     why a row may no longer be edited or deleted (the ledger's ``locked`` hook)
    move       one workflow step: permission, state, guard, the step's fields, one audit entry
    export     every filtered row for a spreadsheet, masked, the export audited
    history    the row's audit entries as the viewer may see them
    refs       the options of every ref field, from one registry of option providers

A declaration's hooks take part where a ledger is more than its fields: ``validate`` (fields that
depend on each other), ``clean`` and ``after_save`` around the write (non-column values such as
tags reach it in ``ctx.values`` and are audited with the row), ``search`` and ``Field.where``
(clauses that are no plain column), ``fill`` (what one query adds to a page of rows, before they
are masked) and computed ``Column``s, which a list may also filter and sort by.
"""
from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from functools import lru_cache
from typing import Callable, Iterable

from sqlalchemy import and_, false, select
from sqlalchemy.orm import Session

from db.declarations import Context, Field, Ledger, Step
from services import audit, clock, privacy, records
from services.access import Actor, can, community_clause, grid_clause, require, require_row
from services.errors import DomainError, Duplicate, NotFound, PermissionDenied, ValidationError

Page = records.Page


# --- the registry ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _registry() -> dict[str, Ledger]:
    import db.models

    found: dict[str, Ledger] = {}
    for info in pkgutil.iter_modules(db.models.__path__):
        module = importlib.import_module(f"db.models.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Ledger):
                found[value.key] = value
    return found


def all_ledgers() -> dict[str, Ledger]:
    """Every declared ledger by key."""
    return dict(_registry())


def get_ledger(key: str) -> Ledger:
    return _registry()[key]


# ref key -> "module:function" giving {id: label} of the rows the actor may pick, resolved when
# first asked (the providers' modules use this one, so they cannot be imported here at load)
PROVIDERS: dict[str, str] = {
    "community": "services.places:community_options",
    "grid": "services.places:grid_options",
    "building": "services.places:building_options",
    "household": "services.places:household_options",
    "facility": "services.facilities:options",
    "resident": "services.residents:resident_options",
    "team": "services.volunteers:team_options",
    "volunteer": "services.volunteers:volunteer_options",
    "activity": "services.activities:options",
    "emergency_plan": "services.plans:options",
    # the only ref to an account is a volunteer's sign-in account: the volunteer-role accounts
    "user": "services.volunteers:volunteer_accounts",
}


def resolve(hook):
    """A hook or provider named "module:function" (db/ declares; services implement) or given
    as the function itself."""
    if hook is None or callable(hook):
        return hook
    module, name = hook.split(":")
    return getattr(importlib.import_module(module), name)


def provider(ref: str) -> Callable[[Session, Actor], dict[int, str]]:
    return resolve(PROVIDERS[ref])


def refs(session: Session, actor: Actor, ledger: Ledger, skip: Iterable[str] = ()) -> dict[str, dict[int, str]]:
    """{field: {id: label}} for the ledger's ref fields (and multichoices of a ref), each from its
    provider, and {value: label} of the fields whose values are picked (``Field.choices_from``)."""
    out = {f.name: provider(f.ref)(session, actor) for f in ledger.fields
           if f.ref is not None and f.type in ("ref", "multichoice") and f.name not in set(skip)}
    out.update({f.name: resolve(f.choices_from)(session, actor) for f in ledger.fields
                if f.choices_from is not None and f.name not in set(skip)})
    return out


def _unpicked(session: Session, actor: Actor, ledger: Ledger, values: dict, obj) -> dict[str, str]:
    """{field: "err.bad_choice"} for a picked field (``Field.choices_from``) holding a value its
    options do not offer the actor — unless it is the row's stored value, kept as it was."""
    errors = {}
    for f in ledger.fields:
        value = values.get(f.name)
        if f.choices_from is None or not f.editable or value is None:
            continue
        if obj is not None and getattr(obj, f.name, None) == value:
            continue
        if value not in resolve(f.choices_from)(session, actor):
            errors[f.name] = "err.bad_choice"
    return errors


# --- scope -----------------------------------------------------------------------------------

def scope(ledger: Ledger, actor: Actor) -> list:
    """The WHERE clauses that keep ``actor`` to its rows of ``ledger`` — the one rule list, get,
    save, delete, move, export and history apply."""
    model, rule = ledger.model, ledger.scope
    out = []
    if rule.community:
        out.append(community_clause(actor, getattr(model, rule.community)))
    if rule.grid:
        out.append(grid_clause(actor, getattr(model, rule.grid)))
    if rule.owner and actor.role in rule.owner_roles:
        out.append(getattr(model, rule.owner) == actor.username)
    if rule.through:
        target = get_ledger(ledger.field(rule.through).ref)
        out.append(getattr(model, rule.through).in_(select(target.model.id).where(*scope(target, actor))))
    if rule.rule is not None:
        out.extend(resolve(rule.rule)(actor))
    return out


def in_scope(session: Session, actor: Actor, ledger: Ledger, obj) -> bool:
    model = ledger.model
    return session.execute(select(model.id).where(model.id == obj.id, *scope(ledger, actor))).first() is not None


def _load(session: Session, actor: Actor, ledger: Ledger, row_id: int):
    obj = records.get_live(session, ledger.model, row_id)
    if not in_scope(session, actor, ledger, obj):
        raise PermissionDenied("err.out_of_scope")
    return obj


def _require(actor: Actor, ledger: Ledger, action: str) -> None:
    require(actor, ledger.page, ledger.action(action))


def may(actor: Actor, ledger: Ledger, action: str) -> bool:
    """Whether the actor's role may take ``action`` on the ledger at all (a page asks this to
    draw or leave out a button; the service asks again)."""
    return can(actor, ledger.page, ledger.action(action))


# --- reading ---------------------------------------------------------------------------------

def list_rows(session: Session, actor: Actor, ledger: Ledger, *, search: str | None = None,
              filters: dict | None = None, view: str | None = None, sort: str | None = None,
              descending: bool | None = None, limit: int = 50, offset: int = 0, today: date | None = None,
              where: Iterable = ()) -> Page:
    """One page of the live rows in scope. ``view`` names one of the ledger's views (its clause
    in SQL); with no ``sort`` the ledger's ``order`` (or its default sort) decides. A filter on a
    field declaring ``where`` is that clause, one on a computed column compares its expression,
    and one on a restricted value the actor may not see finds nothing; the ledger's ``search``
    hook replaces the search over its fields; its ``fill`` hook adds to the page's rows before
    they are masked."""
    _require(actor, ledger, "view")
    today = today or clock.today()
    ctx = Context(session, actor, today)
    conds = [*scope(ledger, actor), *where]
    if view:
        conds.append(ledger.view(view).clause(today))
    columns = {c.name: column_expr(c, ctx) for c in ledger.columns}
    filters = dict(filters or {})
    for name in list(filters):
        value = filters[name]
        if value is None or value == "" or value == [] or value == "all":
            filters.pop(name)
            continue
        f = field_of(ledger, name)
        if f is not None and f.restricted is not None and value not in privacy.allowed_choices(actor, f):
            conds.append(false())  # a group the role may not see: nobody is in it, as far as it knows
        if f is not None and f.where is not None:
            conds.append(f.where(filters.pop(name), today))
        elif name in columns:
            conds.append(columns[name] == filters.pop(name))
    if ledger.search is not None:
        term = records.clean_text(search)
        if term:
            conds.append(resolve(ledger.search)(actor, term))
        search = None
    order = ledger.order(today) if ledger.order is not None and not sort else None
    way = ledger.descending if descending is None else descending
    sortable = {c.name for c in ledger.columns if c.sortable}
    if sort in sortable:
        order, sort = [columns[sort].desc() if way else columns[sort].asc()], None
    page = records.list_page(session, ledger, viewer=actor, where=conds, search=search, filters=filters,
                             sort=sort, descending=way, limit=limit, offset=offset, extra_columns=columns,
                             order=order, redact=ledger.fill is None,
                             search_columns=[columns[c.name] for c in ledger.columns if c.search])
    if ledger.fill is not None:
        resolve(ledger.fill)(ctx, page.rows)
        page.rows = privacy.redact_rows(ledger, actor, page.rows)
    if ledger.expand is not None and page.rows:
        resolve(ledger.expand)(session, actor, page.rows)
    return page


def column_expr(column, ctx: Context):
    """A computed column's SQL expression: of today, or from its hook given the context."""
    if isinstance(column.expr, str):
        return resolve(column.expr)(ctx)
    return column.expr(ctx.today)


def get(session: Session, actor: Actor, ledger: Ledger, row_id: int):
    """The live row ``row_id`` if the actor may view the ledger and the row is in its scope."""
    _require(actor, ledger, "view")
    return _load(session, actor, ledger, row_id)


def row(session: Session, actor: Actor, ledger: Ledger, row_id: int) -> dict | None:
    """One row as the list shows it (masked, computed columns), or None when out of sight."""
    page = list_rows(session, actor, ledger, filters={"id": row_id}, limit=1)
    return page.rows[0] if page.rows else None


def history(session: Session, actor: Actor, ledger: Ledger, row_id: int, limit: int = 100) -> list[dict]:
    """The row's audit entries, newest first, as the viewer may see them; a workflow step's
    entry names its step (``entry["step"]``)."""
    get(session, actor, ledger, row_id)
    entries = privacy.history(session, actor, ledger, row_id, limit)
    steps = _step_names(session, ledger, [e["id"] for e in entries if e["action"] == "step"])
    for e in entries:
        if e["action"] == "step":
            e["step"] = steps.get(e["id"])
    return entries


def _step_names(session: Session, ledger: Ledger, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    from db.models import AuditLog

    out = {}
    for entry_id, after in session.execute(select(AuditLog.id, AuditLog.after).where(AuditLog.id.in_(ids))):
        out[entry_id] = audit.decode(after).get(STEP_KEY)
    return out


# --- writing ---------------------------------------------------------------------------------

STEP_KEY = "_step"  # the step's name in its audit entry's payload


def _columns(ledger: Ledger) -> set[str]:
    return set(ledger.model.__table__.columns.keys())


# the place columns a row takes from its parent (and the parent's parents) when it does not pick them
PLACE_COLUMNS = ("community_id", "grid_id", "building_id", "household_id")


def _parent(session: Session, actor: Actor, ledger: Ledger, values: dict) -> None:
    """The parent row (scope-checked as a row of its own ledger) gives the row its community and,
    where the ledger is bound to a grid, its grid — and every other place column the row has but
    does not pick in its form (a resident's building). What the parent lacks its own parent gives
    (a household's grid is its building's)."""
    if ledger.parent is None or values.get(ledger.parent) is None:
        return
    target = get_ledger(ledger.field(ledger.parent).ref)
    try:
        parent = records.get_live(session, target.model, values[ledger.parent])
    except NotFound:
        raise ValidationError({ledger.parent: "err.bad_choice"}) from None
    if not in_scope(session, actor, target, parent):
        raise PermissionDenied("err.out_of_scope")
    columns = _columns(ledger)
    rule = ledger.scope
    picked = {f.name for f in ledger.fields if f.editable}
    wanted = {c for c in (rule.community, rule.grid) if c and c != "id"} | \
        {c for c in PLACE_COLUMNS if c not in picked}
    wanted = {c for c in wanted if c in columns and c != ledger.parent}
    found: dict[str, int] = {}
    level, row = target, parent
    while row is not None and wanted - set(found):
        found.setdefault(f"{level.key}_id", row.id)
        for name in wanted:
            if name not in found and name in _columns(level):
                found[name] = getattr(row, name)
        if level.parent is None:
            break
        up = get_ledger(level.field(level.parent).ref)
        row, level = session.get(up.model, getattr(row, level.parent)), up
    for name in wanted & set(found):
        values[name] = found[name]


def _check_scope(actor: Actor, ledger: Ledger, values: dict) -> None:
    """A row written with these values stays in the actor's scope (no row made for another
    community or grid)."""
    rule = ledger.scope
    if rule.community and rule.community != "id" and rule.community in values:
        grid = values.get(rule.grid) if rule.grid else None
        require_row(actor, values[rule.community], grid)


def _unique(session: Session, ledger: Ledger, values: dict, obj) -> None:
    model = ledger.model
    community = ledger.scope.community
    for group in ledger.unique:
        conds = [getattr(model, name) == values.get(name) for name in group]
        if community and community != "id" and community not in group and community in values:
            conds.append(getattr(model, community) == values[community])
        if obj is not None:
            conds.append(model.id != obj.id)
        # a soft-deleted row still holds its key (it may be restored), so it is counted
        if session.execute(select(model.id).where(and_(*conds)).limit(1)).first():
            raise Duplicate("err.duplicate_field", field=group[-1])


def _past_only(ledger: Ledger, values: dict, today: date, errors: dict | None = None) -> None:
    """A future date of a ``past_only`` field refused — with ``errors`` found already, so the
    form says every refusal at once."""
    errors = {**{f.name: "err.future_date" for f in ledger.fields
                 if f.past_only and isinstance(values.get(f.name), date) and values[f.name] > today}, **(errors or {})}
    if errors:
        raise ValidationError(errors)


def prepare(session: Session, actor: Actor, ledger: Ledger, data: dict, obj=None, today: date | None = None,
            ctx: Context | None = None) -> dict:
    """The values a save of ``data`` would write — validated against the declaration (or by the
    ledger's ``validate`` hook), the parent resolved and scope-checked, the ledger's ``clean``
    hook run (also when a field failed, for every problem at once), uniqueness checked. On an
    edit, what the actor sees only masked, the ``create_only`` fields and the ``once`` fields keep
    their stored values. Raises ValidationError / Duplicate / PermissionDenied; writes nothing
    (an import previews every row with this)."""
    today = today or clock.today()
    ctx = ctx or Context(session, actor, today, obj, data=data)
    skip: set[str] = set()
    if obj is not None:
        kept = privacy.hidden_fields(ledger, actor) | {f.name for f in ledger.fields if f.create_only}
        data = {**data, **{name: getattr(obj, name) for name in kept if ledger.field(name).editable}}
        once = [f for f in ledger.fields if f.once]  # what was given once stays as it was
        data = {**data, **{f.name: getattr(obj, f.name) for f in once if f.column}}
        skip = {f.name for f in once if not f.column}
    if ledger.validate is not None:
        values = resolve(ledger.validate)(ctx, data)
        unpicked = _unpicked(session, actor, ledger, values, obj)
        if unpicked:
            raise ValidationError(unpicked)
    else:
        values, errors = records.check(ledger, data, skip=skip)
        errors = {**_unpicked(session, actor, ledger, values, obj), **errors}
        if errors:
            try:  # a future date among the fields that passed is said with the others
                _past_only(ledger, values, today, errors)
            except ValidationError as e:
                errors = e.errors
            raise _refused(ledger, ctx, values, errors)
    _past_only(ledger, values, today)
    _parent(session, actor, ledger, values)
    if ledger.clean is not None:
        resolve(ledger.clean)(ctx, values)
    _check_scope(actor, ledger, values)
    _unique(session, ledger, values, obj)
    if ledger.workflow is not None:
        values.pop(ledger.workflow.field, None)  # the state moves by steps only
    return values


def _refused(ledger: Ledger, ctx: Context, values: dict, errors: dict) -> ValidationError:
    """The field errors together with those of the ledger's ``clean`` run on the values that
    passed (as Django's Form.clean runs after a field failed): the user sees every problem of
    the form at once. A hook that cannot judge without the failed fields (it raises anything
    but a ValidationError) adds nothing."""
    if ledger.clean is not None:
        try:
            resolve(ledger.clean)(ctx, dict(values))
        except ValidationError as e:
            return ValidationError({**e.errors, **errors}, e.key, **e.params)
        except (DomainError, LookupError, TypeError, ValueError, AttributeError):
            pass
    return ValidationError(errors)


def _split(ledger: Ledger, values: dict) -> tuple[dict, dict]:
    """(column values to write, the audited values of non-column fields — for a ledger whose
    ``fill`` gives their stored values, so that a change of them alone is seen). A personal
    non-column field (a typed ID number) is in neither: its hooks store what may be kept of it."""
    columns = _columns(ledger)
    row = {k: v for k, v in values.items() if k in columns}
    extra = {f.name: values[f.name] for f in ledger.fields
             if not f.column and f.editable and not f.personal and f.name in values} if ledger.fill else {}
    return row, extra


def stored_extra(ctx: Context, ledger: Ledger, obj) -> dict:
    """The stored values of the non-column fields of ``obj`` (as ``fill`` gives them to the
    list), for the audit entry's "before"."""
    names = [f.name for f in ledger.fields if not f.column and f.editable and not f.personal]
    if ledger.fill is None or not names:
        return {}
    row = {c: getattr(obj, c) for c in _columns(ledger)}
    resolve(ledger.fill)(ctx, [row])
    return {n: row.get(n) for n in names}


def save_with_warnings(session: Session, actor: Actor, ledger: Ledger, data: dict, row_id: int | None = None,
                       expected_version: int | None = None, today: date | None = None):
    """Create (``row_id`` None) or update a row. Returns (row, warnings as (catalog key, params)).
    Non-column values (tags) are left to the ``after_save`` hook (in ``ctx.values``) and written
    into the same audit entry as the columns."""
    _require(actor, ledger, "create" if row_id is None else "edit")
    today = today or clock.today()
    obj = None if row_id is None else _load(session, actor, ledger, row_id)
    if obj is not None:
        records.check_version(obj, expected_version)
        _refuse_locked(session, actor, ledger, obj, today)
    ctx = Context(session, actor, today, obj, data=data)
    values = prepare(session, actor, ledger, data, obj, today, ctx)
    ctx.values = values  # with the non-column fields, for after_save to write (a many-to-many list)
    row_values, extra = _split(ledger, values)
    if obj is None:
        if ledger.workflow is not None:
            row_values[ledger.workflow.field] = ledger.workflow.initial
        obj = records.create(session, actor, ledger.model, row_values, exclude=ledger.audit_exclude, extra=extra)
        created = True
    else:
        community = ledger.scope.community
        if community and community != "id" and community in values and \
                values[community] != getattr(obj, community) and records.references(session, obj):
            raise PermissionDenied("err.move_in_use")
        before = stored_extra(ctx, ledger, obj) if extra else {}
        obj = records.update(session, actor, obj, row_values, expected_version, exclude=ledger.audit_exclude,
                             extra=extra, extra_before=before)
        created = False
    if ledger.after_save is not None:
        resolve(ledger.after_save)(ctx, obj, created)
    return obj, ctx.warnings


def save(session: Session, actor: Actor, ledger: Ledger, data: dict, row_id: int | None = None,
         expected_version: int | None = None, today: date | None = None):
    return save_with_warnings(session, actor, ledger, data, row_id, expected_version, today)[0]


def find_by_key(session: Session, actor: Actor, ledger: Ledger, values: dict):
    """The live row in scope whose ``import_key`` fields equal ``values``' (None when there is
    none or the ledger declares no key): an import updates it instead of adding another."""
    if not ledger.import_key or any(values.get(k) is None for k in ledger.import_key):
        return None
    model = ledger.model
    conds = [getattr(model, k) == values[k] for k in ledger.import_key]
    return session.execute(select(model).where(model.deleted_at.is_(None), *conds, *scope(ledger, actor))
                           .limit(1)).scalar_one_or_none()


def delete(session: Session, actor: Actor, ledger: Ledger, row_id: int, expected_version: int | None) -> None:
    _require(actor, ledger, "delete")
    obj = _load(session, actor, ledger, row_id)
    _refuse_locked(session, actor, ledger, obj)
    records.soft_delete(session, actor, obj, expected_version)


def locked(session: Session, actor: Actor, ledger: Ledger, obj, today: date | None = None) -> str | None:
    """Why ``obj`` may no longer be edited or deleted — the catalog key of the ledger's ``locked``
    hook (a verified entry) — or None. ``save`` and ``delete`` refuse with it; a page leaves the
    edit form and the delete button out and says it."""
    if ledger.locked is None:
        return None
    return resolve(ledger.locked)(Context(session, actor, today or clock.today(), obj), obj)


def _refuse_locked(session: Session, actor: Actor, ledger: Ledger, obj, today: date | None = None) -> None:
    reason = locked(session, actor, ledger, obj, today)
    if reason:
        raise PermissionDenied(reason)


# --- workflow --------------------------------------------------------------------------------

def may_move(session: Session, actor: Actor, ledger: Ledger, obj, step: str, today: date | None = None) -> str | None:
    """Why ``actor`` may not take ``step`` on ``obj`` now — a catalog key — or None when it may.
    The one rule: ``move`` refuses with it, a page disables the step's button with it."""
    wf = ledger.workflow
    spec = wf.step(step)
    if not may(actor, ledger, spec.action) or not in_scope(session, actor, ledger, obj):
        return "err.permission"
    if getattr(obj, wf.field) not in spec.source:
        return "err.wf_state"
    if spec.guard is not None:
        return resolve(spec.guard)(Context(session, actor, today or clock.today(), obj, step=spec), obj)
    return None


def steps_open(session: Session, actor: Actor, ledger: Ledger, obj, today: date | None = None) -> list[tuple[Step, str | None]]:
    """The steps that start from the row's state, each with why the actor may not take it (None: may)."""
    wf = ledger.workflow
    if wf is None:
        return []
    state = getattr(obj, wf.field)
    return [(s, may_move(session, actor, ledger, obj, s.name, today)) for s in wf.steps if state in s.source]


def move(session: Session, actor: Actor, ledger: Ledger, row_id: int, step: str, data: dict | None = None,
         expected_version: int | None = None, today: date | None = None):
    return move_with_warnings(session, actor, ledger, row_id, step, data, expected_version, today)[0]


def move_with_warnings(session: Session, actor: Actor, ledger: Ledger, row_id: int, step: str,
                       data: dict | None = None, expected_version: int | None = None, today: date | None = None):
    """Take one workflow step: permission and scope, the state it starts from, the step's guard,
    its fields validated, its ``apply`` hook (which may add warnings to ``ctx.warnings``); the row
    written with the version the user saw and one audit entry ("step") naming the step. Returns
    (row, warnings)."""
    wf = ledger.workflow
    if wf is None:
        raise KeyError(ledger.key)
    spec = wf.step(step)
    _require(actor, ledger, spec.action)
    today = today or clock.today()
    obj = _load(session, actor, ledger, row_id)
    records.check_version(obj, expected_version)
    reason = may_move(session, actor, ledger, obj, step, today)
    if reason:
        raise PermissionDenied(reason, state=getattr(obj, wf.field))
    values = records.validate(_step_ledger(ledger, spec), data or {}) if spec.fields else {}
    unpicked = _unpicked(session, actor, _step_ledger(ledger, spec), values, None)
    if unpicked:  # a picked field of the step (an assignee from the staff) holding what it does not offer
        raise ValidationError(unpicked)
    _past_only(_step_ledger(ledger, spec), values, today)
    ctx = Context(session, actor, today, obj, data=data or {}, step=spec)
    if spec.apply is not None:
        values.update(resolve(spec.apply)(ctx, obj, values) or {})
    columns = _columns(ledger)
    before = audit.snapshot(obj)
    for name, value in values.items():
        if name in columns:
            setattr(obj, name, value)
    if spec.target is not None:  # None: a step that records something and leaves the state
        setattr(obj, wf.field, spec.target)
    obj.updated_by = actor.username
    session.flush()  # the version_id_col check: a concurrent step fails here
    after = {**audit.snapshot(obj), STEP_KEY: spec.name}
    audit.record(session, actor, "step", ledger.table_name, obj.id, before, after,
                 community_id=getattr(obj, "community_id", None))
    return obj, ctx.warnings


def _step_ledger(ledger: Ledger, spec: Step) -> Ledger:
    """The step's fields as a ledger of their own, so they validate like any form. (Not cached:
    a declaration is not hashable — a Field's ``synonyms`` is a dict — and this is cheap.)"""
    return Ledger(key=f"{ledger.key}.{spec.name}", model=ledger.model, label=spec.label, fields=spec.fields)


def step_ledger(ledger: Ledger, step: str) -> Ledger:
    return _step_ledger(ledger, ledger.workflow.step(step))


# --- export ----------------------------------------------------------------------------------

def export(session: Session, actor: Actor, ledger: Ledger, **query) -> list[dict]:
    """Every row of a filtered list for a spreadsheet: the export right checked, rows masked as on
    screen, the export audited (rows, page, search and filters — never the values)."""
    _require(actor, ledger, "export")
    rows = list_rows(session, actor, ledger, limit=records.EXPORT_MAX_ROWS, offset=0, **query).rows
    audit.record(session, actor, "export", ledger.table_name, None, None,
                 records.export_summary(ledger.page, rows, query))
    return rows


def export_columns(ledger: Ledger) -> list[tuple[str, str]]:
    """(name, catalog key) of a spreadsheet's columns: the fields declared for export, then the
    computed columns that are."""
    return [("id", "field.id")] + [(f.name, f.label) for f in ledger.export_fields] + \
        [(c.name, c.label) for c in ledger.columns if c.export]


def field_of(ledger: Ledger, name: str) -> Field | None:
    return ledger.field(name) if ledger.has(name) else None
