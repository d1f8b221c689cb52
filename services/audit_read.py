"""The audit log as people read it: each entry with the actor's name, the record's name and
what changed as declared fields — their labels from the ledger declarations (db.declarations), their
values masked for the viewer by services.privacy, references resolved to names — never JSON or
column names. ``components.history.audit_sentence`` turns an entry into a sentence.

Tables without a ledger declaration (settings, checklist templates, inspections, volunteer
hours, sign-in sessions, the demo) and the payloads of actions that are not edits (an export's
row count and filters, a failed sign-in's count …) are declared here the same way. A key
declared nowhere is left out: an internal column (a keyed hash, a ciphertext) never shows."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.declarations import LEADS, Field, Ledger
from db.models import (ACTIVITY, FACILITY, HAZARD, PLACE_LEDGERS, RENTAL, RESIDENT, TEAM, VISIT, VOLUNTEER, Activity,
                       Building, ChecklistTemplate, Community, Facility, Grid, Household, Resident, Team, User,
                       Volunteer)
from db.models.quality import ACTION, COMPLAINT, EVALUATION, RESPONSE_LIMIT, SURVEY
from db.models.residents import VISIT_RULE
from db.models.users import USER_LEDGER
from services import privacy
from services.access import Actor

LEDGERS: dict[str, Ledger] = {lg.table_name: lg for lg in (
    RESIDENT, VISIT, RENTAL, TEAM, VOLUNTEER, ACTIVITY, FACILITY, HAZARD, USER_LEDGER, VISIT_RULE, ACTION,
    COMPLAINT, SURVEY, EVALUATION, RESPONSE_LIMIT,
    *PLACE_LEDGERS.values())}

_COUNT = "int"
# tables audited without a ledger declaration: the keys their entries hold
TABLE_FIELDS: dict[str, tuple[Field, ...]] = {
    # a setting named by its catalog label ("setting.<key>"); its value as stored (JSON) read as
    # a number or text, an interval as "every n units" (see _normalised)
    "setting": (Field("key", "audit.setting", type="choice", choices_key="setting"), Field("value", "audit.value"),
                Field("rule_every", "ref.rule_every", type="int"),
                Field("rule_unit", "ref.rule_unit", type="choice", choices_key="unit"),
                Field("community_id", "place.community", type="ref", ref="community")),
    "checklist_template": (Field("category", "ref.category", type="choice", choices_key="cat"),
                           Field("version", "field.version", type="int"),
                           Field("revision", "field.version", type="int"),
                           Field("items", "audit.items"), Field("rule", "audit.rule"),
                           Field("rule_every", "ref.rule_every", type="int"),
                           Field("rule_unit", "ref.rule_unit", type="choice", choices_key="unit")),
    "inspection": (Field("category", "insp.category", type="choice", choices_key="cat"),
                   Field("facility_id", "fac.facility", type="ref", ref="facility"),
                   Field("grid_id", "place.grid", type="ref", ref="grid"),
                   Field("inspected_on", "insp.date", type="date"),
                   Field("overall", "insp.overall"), Field("failed", "insp.failed"),
                   Field("source", "insp.source", type="choice", choices_key="inspsource")),
    "volunteer_log": (Field("volunteer_id", "vol.volunteer", type="ref", ref="volunteer"),
                      Field("activity_id", "act.activity", type="ref", ref="activity"),
                      Field("log_date", "my.date", type="date"), Field("hours", "my.hours", type="float"),
                      Field("role", "my.role", type="choice", choices_key="volrole"),
                      Field("status", "vol.status", type="choice", choices_key="logstatus"),
                      Field("reject_reason", "vol.reason"), Field("note", "my.note")),
    "user_session": (Field("user_id", "audit.user", type="ref", ref="user"),
                     Field("reason", "audit.reason", type="choice", choices_key="revoke"),
                     Field("revoked_reason", "audit.reason", type="choice", choices_key="revoke"),
                     Field("expires_at", "audit.expires_at"), Field("ip", "audit.ip")),
    "demo": tuple(Field(k, f"table.{table}", type="int") for k, table in (
        ("communities", "community"), ("grids", "grid"), ("buildings", "building"), ("households", "household"),
        ("residents", "resident"), ("visits", "visit"), ("rentals", "rental"), ("facilities", "facility"),
        ("inspections", "inspection"), ("hazards", "hazard"), ("volunteers", "volunteer"),
        ("activities", "activity"), ("volunteer_logs", "volunteer_log"))),
}
# what actions that are not edits record, on any table
PAYLOAD_FIELDS: tuple[Field, ...] = (
    Field("rows", "audit.rows", type="int"),
    Field("page", "audit.page", type="choice", choices_key="page"),
    Field("search", "audit.search", personal=True, sees=LEADS),  # what was typed may be a name or a phone
    Field("failed_logins", "audit.failed_logins", type="int"),
    Field("locked_until", "audit.locked_until"),
    Field("language", "audit.language", type="choice", choices_key="lang"),
    Field("count", "audit.count", type="int"),
)
FILTERS = "filters"  # an export's filters: fields of the exported ledger
_TIMES = {"locked_until", "expires_at"}
_TITLES = ("name", "display_name", "theme", "description", "key", "category", "tag")  # names a record, first found
_TITLE_REFS = ("household_id", "resident_id", "volunteer_id", "user_id")  # else the record it belongs to
_TITLE_MAX = 24

# a record named by its own row when its entry holds no name (a sign-in failure, a reveal)
_ROW_REFS = {"app_user": "user", "resident": "resident", "community": "community", "grid": "grid",
             "building": "building", "household": "household", "facility": "facility", "team": "team",
             "activity": "activity", "volunteer": "volunteer", "checklist_template": "checklist"}
# a reference's name: ref key -> (model, name column)
_REF_NAMES = {
    "community": (Community, Community.name), "grid": (Grid, Grid.name), "building": (Building, Building.name),
    "resident": (Resident, Resident.name), "facility": (Facility, Facility.name), "team": (Team, Team.name),
    "user": (User, User.display_name), "activity": (Activity, Activity.theme), "volunteer": (Volunteer, Volunteer.name),
}


def fields_of(table: str) -> tuple[Field, ...]:
    """Every key an entry of ``table`` may show, declared: the ledger's fields (or the table's
    own declaration) and the payload keys of actions that are not edits."""
    own = LEDGERS[table].fields if table in LEDGERS else TABLE_FIELDS.get(table, ())
    names = {f.name for f in own}
    return tuple(own) + tuple(f for f in PAYLOAD_FIELDS if f.name not in names)


def _decode(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _title(fields: dict[str, Field], who: Actor, before: dict, after: dict):
    """What names the record: ``(field, value)`` of a naming field (masked for ``who``), or
    ``(ref, id)`` of the record it belongs to (a visit's resident, a rental's flat), or None."""
    named = [n for n in _TITLES if n in fields and (after.get(n) or before.get(n)) not in (None, "")]
    if not named:
        for name in _TITLE_REFS:
            f = fields.get(name)
            raw = after.get(name) or before.get(name)
            if f is not None and f.type == "ref" and isinstance(raw, int):
                return (f.ref, raw, name)
        return None
    f = fields[named[0]]
    value = privacy.view_value(who, f, after.get(f.name) or before.get(f.name))
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) > _TITLE_MAX and f.type != "choice":  # a code stays whole for its label
        value = value[:_TITLE_MAX - 1] + "…"
    return (f, value)


def _normalised(table: str, text: str | None) -> str | None:
    """A payload in the declared shape: a checklist's rule "1 month" as its interval and unit; a
    setting's value (stored as JSON text) as the value it holds, an interval as its two parts."""
    data = _decode(text)
    if table == "checklist_template" and isinstance(data.get("rule"), str) and " " in data["rule"]:
        every, unit = data.pop("rule").split(" ", 1)
        data.update(rule_every=int(every) if every.isdigit() else every, rule_unit=unit)
        return json.dumps(data, ensure_ascii=False, default=str)
    if table == "setting" and isinstance(data.get("value"), str):
        try:
            value = json.loads(data["value"])
        except ValueError:
            return text
        if isinstance(value, dict) and {"unit", "every"} <= set(value):
            del data["value"]
            data.update(rule_every=value["every"], rule_unit=value["unit"])
        else:
            data["value"] = value
        return json.dumps(data, ensure_ascii=False, default=str)
    return text


def _time(value):
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def entries(session: Session, who: Actor, rows: list[dict]) -> list[dict]:
    """``services.audit.search`` rows as ``who`` may read them. Each: id, at, actor (login),
    actor_name, action, table, row_id, record (its name, or None) and record_field (the field
    that names it, when the name is a value to show through it), changes [(Field, old, new)]
    with references as names, filters [(Field, value)] of an export, redacted, hash."""
    out, wanted = [], {}
    for r in rows:
        declared = fields_of(r["table"])
        by_name = {f.name: f for f in declared}
        raw_before, raw_after = _normalised(r["table"], r["before"]), _normalised(r["table"], r["after"])
        before, after = _decode(raw_before), _decode(raw_after)
        redacted = r["redacted_at"] is not None
        pseudo = Ledger(key=r["table"], model=object, label="", fields=declared)
        changes = [] if redacted else privacy.entry_changes(pseudo, who, raw_before, raw_after)
        filters = []
        if not redacted and isinstance(after.get(FILTERS), dict) and r["table"] in LEDGERS:
            ledger = LEDGERS[r["table"]]
            for name, value in after[FILTERS].items():
                if ledger.has(name):
                    f = ledger.field(name)
                    shown = privacy.view_value(who, f, value)
                    if shown not in (None, ""):
                        filters.append((f, shown))
        entry = {"id": r["id"], "at": r["at"], "actor": r["actor"], "action": r["action"], "table": r["table"],
                 "row_id": r["row_id"], "record": None if redacted else _title(by_name, who, before, after),
                 "changes": changes, "filters": filters, "redacted": redacted, "hash": r["hash"]}
        if entry["record"] is None and not redacted and r["row_id"] and r["table"] in _ROW_REFS:
            entry["record"] = (_ROW_REFS[r["table"]], r["row_id"])
        if entry["record"] is not None and isinstance(entry["record"][0], str):
            wanted.setdefault(entry["record"][0], set()).add(entry["record"][1])
            if len(entry["record"]) == 3:  # named by the record it belongs to: said once, not again below
                changes = entry["changes"] = [c for c in changes if c[0].name != entry["record"][2]]
        for f, *values in changes + filters:
            if f.type == "ref":
                wanted.setdefault(f.ref, set()).update(v for v in values if isinstance(v, int))
            elif f.type == "multichoice" and f.ref is not None:  # a list of ids of another ledger
                wanted.setdefault(f.ref, set()).update(
                    v for vs in values if isinstance(vs, list) for v in vs if isinstance(v, int))
        if r["table"] == "rental" and any(f.name == "tenants" for f, *_ in changes):
            wanted.setdefault("resident", set()).update(
                v for f, *values in changes if f.name == "tenants" for vs in values for v in (vs or []))
        out.append(entry)
    names = {ref: _names(session, who, ref, ids) for ref, ids in wanted.items() if ids}
    from services.users import display_names

    people = display_names(session, {e["actor"] for e in out})
    for e in out:
        e["actor_name"] = people.get(e["actor"], e["actor"])
        e["record_field"] = None
        if e["record"] is not None:
            key, value = e["record"][:2]
            if isinstance(key, Field):  # a naming field: shown as its value (a choice by its label)
                e["record_field"], e["record"] = key, value
            else:  # the record it belongs to, by name
                e["record"] = names.get(key, {}).get(value)
                if key == "checklist":
                    e["record_field"] = TABLE_FIELDS["checklist_template"][0]
        e["changes"] = [_resolved(f, names, old, new) for f, old, new in e["changes"]]
        e["filters"] = [(_as_text(f, names), names.get(f.ref, {}).get(v, v) if f.type == "ref" else v)
                        for f, v in e["filters"]]
    return out


def _names(session: Session, who: Actor, ref: str, ids: set[int]) -> dict[int, str]:
    """Names of referenced records, masked as the referenced ledger's naming field is for ``who``."""
    if ref == "checklist":  # a template by its category (shown through the catalog)
        return dict(session.execute(select(ChecklistTemplate.id, ChecklistTemplate.category)
                                    .where(ChecklistTemplate.id.in_(ids))).all())
    if ref == "household":  # a flat by its building, unit and room
        return {i: f"{b} {u}-{r}" for i, b, u, r in session.execute(
            select(Household.id, Building.name, Household.unit, Household.room)
            .join(Building, Building.id == Household.building_id).where(Household.id.in_(ids)))}
    if ref not in _REF_NAMES:
        return {}
    model, column = _REF_NAMES[ref]
    found = dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())
    ledger = next((lg for lg in LEDGERS.values() if lg.key == ref), None)
    name = next((n for n in ("name", "display_name", "theme") if ledger is not None and ledger.has(n)), None)
    if name is None:
        return found
    f = ledger.field(name)
    return {i: privacy.view_value(who, f, v) for i, v in found.items()}


def _as_text(f: Field, names: dict) -> Field:
    return replace(f, type="text") if f.type == "ref" and f.ref in names else f


def _resolved(f: Field, names: dict, old, new) -> tuple[Field, object, object]:
    if f.name in _TIMES:
        return f, _time(old), _time(new)
    if f.name == "tenants":
        people = names.get("resident", {})
        return f, [people.get(v, v) for v in old or []], [people.get(v, v) for v in new or []]
    if f.type == "ref" and f.ref in names:
        ids = names[f.ref]
        return _as_text(f, names), ids.get(old, old), ids.get(new, new)
    if f.type == "multichoice" and f.ref in names:
        ids = names[f.ref]
        return f, [ids.get(v, v) for v in old or []], [ids.get(v, v) for v in new or []]
    return f, old, new
