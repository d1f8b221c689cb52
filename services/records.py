"""The shared shape of every ledger write and list: validate from the declaration, check the
version the form was loaded with, write, audit — and paged, searchable lists in SQL.

Ledger services (places now; residents, hazards … later) call these instead of writing
their own copies.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable

from sqlalchemy import String, and_, asc, cast, desc, func, or_, select
from sqlalchemy.orm import Session

from db.base import Base, utcnow
from db.declarations import Field, Ledger
from services import audit, privacy
from services.access import Actor
from services.errors import InUse, NotFound, StaleEdit, ValidationError


_HALF = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)} | {c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)} | \
    {c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)} | {0x3000: 0x20}


def clean_text(value: Any) -> str | None:
    """Full-width digits, letters and spaces made half-width, trimmed; empty becomes None.
    Chinese punctuation (，。（）) is left as typed."""
    if value is None:
        return None
    text = str(value).translate(_HALF).strip()
    return text or None


def validate(ledger: Ledger, data: dict, *, partial: bool = False, skip: Iterable[str] = ()) -> dict:
    """Clean and check ``data`` against the ledger's fields. Raises ``ValidationError`` with a
    catalog key per bad field; returns the cleaned values of the declared fields only."""
    out, errors = check(ledger, data, partial=partial, skip=skip)
    if errors:
        raise ValidationError(errors)
    return out


def check(ledger: Ledger, data: dict, *, partial: bool = False, skip: Iterable[str] = ()) -> tuple[dict, dict]:
    """``validate`` without the raise: the cleaned values of the fields that passed and
    {field: catalog key} of those that did not. ``skip`` names fields not asked for (an update's
    ``once`` fields that are no columns)."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    skip = set(skip)
    for f in ledger.fields:
        if not f.editable or (partial and f.name not in data) or f.name in skip:
            continue
        raw = data.get(f.name)
        try:
            value = _coerce(f, raw)
        except (TypeError, ValueError):
            errors[f.name] = f"err.type_{f.type}"
            continue
        if value is None or value == []:
            if f.required:
                errors[f.name] = "err.required"
            out[f.name] = value
            continue
        if f.max_length and isinstance(value, str) and len(value) > f.max_length:
            errors[f.name] = "err.too_long"
            continue
        if f.min_value is not None and value < f.min_value or f.max_value is not None and value > f.max_value:
            errors[f.name] = "err.out_of_range"
            continue
        if f.type == "choice" and value not in f.choices:
            errors[f.name] = "err.bad_choice"
            continue
        if f.type == "multichoice" and f.choices and not set(value) <= set(f.choices):
            errors[f.name] = "err.bad_choice"
            continue
        if f.validator:
            problem = f.validator(value)
            if problem:
                errors[f.name] = problem
                continue
        out[f.name] = value
    return out, errors


TRUE_WORDS = {"1", "true", "yes", "y", "是", "√", "✓", "有", "已签"}


def _coerce(f: Field, raw: Any):
    if f.secret:  # a password as typed: full-width characters are characters of it
        return raw if isinstance(raw, str) and raw.strip() else None
    if f.type == "bool":  # missing means no
        if isinstance(raw, str):
            return clean_text(raw) is not None and clean_text(raw).lower() in TRUE_WORDS
        return bool(raw) if raw is not None and raw == raw else False
    if f.type == "multichoice":
        if raw is None or raw == "":
            return []
        items = raw if isinstance(raw, (list, tuple, set)) else str(raw).replace("，", ",").replace("、", ",").split(",")
        return list(dict.fromkeys(v for v in (clean_text(i) if isinstance(i, str) else i for i in items) if v))
    if raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, float) and raw != raw):
        return None
    if f.type in ("text", "longtext", "choice"):
        return clean_text(raw)
    if f.type in ("int", "ref", "photo"):
        if isinstance(raw, bool):
            raise TypeError
        if isinstance(raw, float) and not raw.is_integer():
            raise ValueError
        return int(clean_text(raw) if isinstance(raw, str) else raw)
    if f.type == "float":
        return float(clean_text(raw) if isinstance(raw, str) else raw)
    if f.type == "time":
        from datetime import time as _time

        if isinstance(raw, _time):
            return raw
        return _time.fromisoformat(clean_text(raw))
    if f.type == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        return date.fromisoformat(clean_text(raw))
    return raw


def check_version(obj, expected_version: int | None) -> None:
    """Refuse a save whose form was loaded at another version than the row has now."""
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit(by=obj.updated_by or "?", at=obj.updated_at)


def get_live(session: Session, model, row_id: int):
    obj = session.get(model, row_id)
    if obj is None or getattr(obj, "deleted_at", None) is not None:
        raise NotFound(id=row_id)
    return obj


def _snapshot(obj, exclude: tuple[str, ...]) -> dict:
    return audit.snapshot(obj, exclude=("password_hash", *exclude))


def create(session: Session, actor: Actor, model, values: dict, *, exclude: tuple[str, ...] = (),
           extra: dict | None = None) -> Base:
    """Insert and audit. ``exclude``: columns kept out of the audit entry; ``extra``: values of
    non-column fields (tags) written into it beside the columns."""
    obj = model(**values, created_by=actor.username, updated_by=actor.username)
    session.add(obj)
    session.flush()
    audit.record(session, actor, "create", model.__tablename__, obj.id, None,
                 {**_snapshot(obj, exclude), **(extra or {})}, community_id=_community_of(obj))
    return obj


def update(session: Session, actor: Actor, obj, values: dict, expected_version: int | None, *,
           exclude: tuple[str, ...] = (), extra: dict | None = None, extra_before: dict | None = None) -> Base:
    """Write the changed values and audit them; ``extra`` / ``extra_before`` are non-column
    values after and before (a change of tags alone is a change too)."""
    check_version(obj, expected_version)
    before = {**_snapshot(obj, exclude), **(extra_before or {})}
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if not changed and (extra or {}) == (extra_before or {}):
        return obj
    for k, v in changed.items():
        setattr(obj, k, v)
    obj.updated_by = actor.username
    if not changed:
        obj.updated_at = utcnow()  # the row's version moves with its tags
    session.flush()  # the version_id_col check happens here: a concurrent save fails
    audit.record(session, actor, "update", model_table(obj), obj.id, before,
                 {**_snapshot(obj, exclude), **(extra or {})}, community_id=_community_of(obj))
    return obj


def soft_delete(session: Session, actor: Actor, obj, expected_version: int | None) -> None:
    check_version(obj, expected_version)
    blockers = references(session, obj)
    if blockers:
        raise InUse(tables=", ".join(f"{t} ({n})" for t, n in blockers.items()), **{"counts": blockers})
    before = audit.snapshot(obj)
    obj.deleted_at = utcnow()
    obj.updated_by = actor.username
    session.flush()
    audit.record(session, actor, "delete", model_table(obj), obj.id, before, None,
                 community_id=_community_of(obj))


NON_BLOCKING = {"setting", "user_session"}  # per-community options do not keep a place alive


def references(session: Session, obj) -> dict[str, int]:
    """Live rows in any table with a foreign key to ``obj``'s table: {table: count}.

    Found from the metadata, so ledgers added later are covered without a change here."""
    table = obj.__table__
    found: dict[str, int] = {}
    for other in Base.metadata.sorted_tables:
        if other.name in NON_BLOCKING:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is not table:
                continue
            conds = [fk.parent == obj.id]
            if "deleted_at" in other.c:
                conds.append(other.c.deleted_at.is_(None))
            n = session.execute(select(func.count()).select_from(other).where(*conds)).scalar_one()
            if n:
                found[other.name] = found.get(other.name, 0) + n
    return found


def model_table(obj) -> str:
    return obj.__table__.name


def _community_of(obj) -> int | None:
    if obj.__table__.name == "community":
        return obj.id
    return getattr(obj, "community_id", None)


def sortable(ledger: Ledger, viewer: Actor | None = None) -> set[str]:
    """The names a list of ``ledger`` can be sorted by in SQL: its table columns, id and
    updated_at — without the personal fields ``viewer`` does not see (an order is information)."""
    return {f.name for f in ledger.fields if f.column and (viewer is None or privacy.sees(viewer, f))} | \
        {"id", "updated_at"}


def sort_order(ledger: Ledger, sort: str | None, descending: bool = False, viewer: Actor | None = None) -> list:
    """ORDER BY clauses for a whole list (every page, not the rows on screen): ``sort`` if the
    ledger can sort by it, else its default; a name by its pinyin key (``<column>_pinyin``,
    db.sortkey: 李 before 王 before 张), ties by the value itself, then by id."""
    model = ledger.model
    name = sort if sort in sortable(ledger, viewer) else ledger.default_sort
    column = getattr(model, name)
    key = getattr(model, f"{name}_pinyin", None)
    way = desc if descending else asc
    return ([way(key)] if key is not None else []) + [way(column), model.id]


@dataclass
class Page:
    rows: list[dict]
    total: int


def list_page(session: Session, ledger: Ledger, *, where: Iterable = (), search: str | None = None,
              filters: dict | None = None, sort: str | None = None, descending: bool = False,
              limit: int = 50, offset: int = 0, extra_columns: dict | None = None,
              viewer: Actor | None = None, order: list | None = None, search_columns: Iterable = (),
              redact: bool = True) -> Page:
    """One page of live rows, filtered, searched and sorted in SQL, with the total count. With a
    ``viewer``, personal fields are masked by services.privacy and searched only where the
    viewer sees them (a masked value must not be found out by searching for pieces of it).
    ``order`` (ORDER BY clauses) replaces the sort when no ``sort`` is asked for;
    ``search_columns`` are further SQL expressions the search looks in (a name from another
    table). With ``redact=False`` the caller masks the rows itself (after adding to them)."""
    model = ledger.model
    conds = [model.deleted_at.is_(None), *where]
    for name, value in (filters or {}).items():
        if value is None or value == "" or value == [] or value == "all":
            continue
        column = getattr(model, name)
        conds.append(column.in_(value) if isinstance(value, (list, tuple, set)) else column == value)
    term = clean_text(search)
    search_fields = [f for f in ledger.search_fields if viewer is None or privacy.sees(viewer, f)]
    search_columns = list(search_columns)
    if term and (search_fields or search_columns):
        like = f"%{term.replace('%', '').replace('_', '')}%"
        conds.append(or_(*[cast(getattr(model, f.name), String).ilike(like) for f in search_fields],
                         *[cast(c, String).ilike(like) for c in search_columns]))
    cond = and_(*conds)
    total = session.execute(select(func.count()).select_from(model).where(cond)).scalar_one()
    table_fields = [f for f in ledger.fields if f.column]
    columns = [model.id, model.version, model.updated_at, model.updated_by] + \
        [getattr(model, f.name) for f in table_fields] + list((extra_columns or {}).values())
    stmt = select(*columns).where(cond).order_by(*((order + [model.id]) if order and not sort else sort_order(ledger, sort, descending, viewer))).limit(limit).offset(offset)
    names = ["id", "version", "updated_at", "updated_by"] + [f.name for f in table_fields] + list(extra_columns or {})
    rows = [dict(zip(names, r)) for r in session.execute(stmt).all()]
    if viewer is not None and redact:
        rows = privacy.redact_rows(ledger, viewer, rows)
    return Page(rows, total)


EXPORT_MAX_ROWS = 100_000


def export_summary(page_key: str, rows: list, query: dict) -> dict:
    """What an export's audit entry says: how many rows of which page, with which search and
    filters — never the values."""
    return {"rows": len(rows), "page": page_key, "search": query.get("search") or None,
            "filters": {k: v for k, v in (query.get("filters") or {}).items() if v not in (None, "", "all")}}
