"""What a role may see of a record: one rule, read from the field declarations (db.declarations),
applied by the services to every path out — lists, details, history, exports, pickers and
error messages. Pages never decide this themselves.

A field marked ``personal`` is seen as stored by the roles in its ``sees`` (admin and manager
when it names none); every other role gets its ``mask``. Choice values a field marks as
``restricted`` (社区矫正, 精神障碍 …) exist only for the roles in ``restricted_sees``.

ID numbers: a role that may not reveal sees the region (the first six digits) and nothing of
the birth date, the sequence or the check digit, and an age instead of the birth date. From
one file it can then narrow a mainland number to no fewer than 366 days × 500 sequence
numbers (the gender fixes the parity) = 183,000 candidates.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from db.declarations import Field, Ledger
from services.access import Actor

LEADS = frozenset({"admin", "manager"})


# --- the rule ------------------------------------------------------------------------------

def _role(who: Actor | str) -> str:
    return who.role if isinstance(who, Actor) else who


def sees(who: Actor | str, f: Field) -> bool:
    """Whether the role sees the field's stored value (not a mask of it)."""
    if not f.personal:
        return True
    return _role(who) in (f.sees if f.sees is not None else LEADS)


def sees_restricted(who: Actor | str, f: Field) -> bool:
    return f.restricted is None or _role(who) in f.restricted_sees


def allowed_choices(who: Actor | str, f: Field) -> tuple:
    """The choice values the role may see and pick."""
    if sees_restricted(who, f):
        return tuple(f.choices)
    hidden = f.restricted()
    return tuple(c for c in f.choices if c not in hidden)


def hidden_fields(ledger: Ledger, who: Actor | str) -> frozenset[str]:
    """Stored personal fields the role gets only masked: edit forms leave them out, updates keep
    them. (A write-only input such as a new ID number is not stored as typed, so not hidden.)"""
    return frozenset(f.name for f in ledger.fields if f.column and not sees(who, f))


# --- masks -----------------------------------------------------------------------------------

def mask_phone(value: str) -> str:
    digits = str(value)
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]


def mask_name(value: str) -> str:
    text = str(value)
    return text[:1] + "*" * max(1, len(text) - 1)


_ID_LIKE = re.compile(r"^[0-9]{6}[0-9*]{8,}[0-9Xx*]$")


def mask_id(value: str) -> str:
    """A stored mask (``110105********1234``) as a role that may not reveal sees it: the region
    only (``110105************``). Passports and permits keep their short mask (first character
    and last three: five or more hidden characters)."""
    text = str(value)
    if len(text) >= 15 and _ID_LIKE.match(text):
        return text[:6] + "*" * (len(text) - 6)
    return text


MASKS = {"phone": mask_phone, "name": mask_name, "id": mask_id}


def masked(f: Field, value):
    if value is None or value == "":
        return value
    if f.mask == "hide":
        return None
    return MASKS[f.mask](value)


def view_value(who: Actor | str, f: Field, value):
    """The value as the role may see it."""
    if not sees(who, f):
        return masked(f, value)
    if f.restricted is not None and not sees_restricted(who, f) and value is not None:
        hidden = f.restricted()
        if isinstance(value, (list, tuple)):
            return [v for v in value if v not in hidden]
        if value in hidden:
            return None
    return value


def redact(ledger: Ledger, who: Actor | str, row: dict, *, extra: dict[str, Field] | None = None) -> dict:
    """A copy of ``row`` with every declared field the role may not see masked.
    ``extra`` declares row keys that are not fields of the ledger (a joined column)."""
    fields = {f.name: f for f in ledger.fields}
    if extra:
        fields.update(extra)
    out = dict(row)
    for name, value in row.items():
        f = fields.get(name)
        if f is not None:
            out[name] = view_value(who, f, value)
    return out


def redact_rows(ledger: Ledger, who: Actor | str, rows: list[dict], **kw) -> list[dict]:
    if not any(f.personal or f.restricted for f in ledger.fields) and not kw.get("extra"):
        return rows
    return [redact(ledger, who, r, **kw) for r in rows]


# --- history -----------------------------------------------------------------------------------

def _decode(text: str | None) -> dict:
    from services.audit import decode

    return decode(text)


def _as_value(f: Field, raw):
    if raw is None or f.type != "date" or isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return raw


def entry_changes(ledger: Ledger, who: Actor | str, before: str | None, after: str | None) -> list[tuple[Field, object, object]]:
    """What one audit entry changed, as the role may see it: (field, old, new) for declared
    fields only (never internal columns such as keyed hashes), masked or left out by the rule.
    A change the role sees only as two equal masks is left out."""
    b, a = _decode(before), _decode(after)
    out = []
    for f in ledger.fields:
        if f.name not in a and f.name not in b:
            continue
        old, new = _as_value(f, b.get(f.name)), _as_value(f, a.get(f.name))
        if old == new or (not b and new in (None, "", [], False)):
            continue
        old_v, new_v = view_value(who, f, old), view_value(who, f, new)
        if old_v == new_v:
            continue  # hidden on both sides, or only restricted values changed
        out.append((f, old_v, new_v))
    return out


def history(session: Session, who: Actor, ledger: Ledger, row_id: int, limit: int = 100) -> list[dict]:
    """A record's audit entries, newest first, each with the changes the viewer may see; entries
    that change nothing the viewer may see are left out, except the record's creation."""
    from services import audit

    rows = audit.search(session, table_name=ledger.table_name, row_id=row_id, limit=limit).rows
    out = []
    for e in rows:
        changes = entry_changes(ledger, who, e["before"], e["after"])
        if not changes and e["action"] not in ("create", "status", "step", "delete", "purge"):
            continue
        out.append({"id": e["id"], "at": e["at"], "actor": e["actor"], "action": e["action"],
                    "changes": changes})
    if out:  # people read names, not login names
        from sqlalchemy import select

        from db.models import User

        names = dict(session.execute(select(User.username, User.display_name)
                                     .where(User.username.in_({e["actor"] for e in out}))).all())
        for e in out:
            e["actor_name"] = names.get(e["actor"], e["actor"])
    return out
