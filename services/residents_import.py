"""The residents' import: what is special to resident files on top of the shared reading and
mapping of ``services.imports`` — the flat a row lives in (building, unit and room: found, or
created with the import), the document number (validated, never one Excel has turned into a
number, hashed to find files that exist already or rows that repeat it, stored encrypted) and
the special groups. Thousands of rows are written in bulk, in one transaction, audited; all of
them, or — only when the user chooses — exactly the valid ones. Nothing is written by
``preview``."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Mapping

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.declarations import Field
from db.models import Building, Grid, Household, Resident, ResidentTag
from db.models.residents import RESIDENT
from services import audit, clock, idcard, imports, records, residents
from services.access import Actor, require, require_row
from services.errors import ValidationError
from services.imports import ImportPlan, ReadError, RowError, Texts  # noqa: F401  (ReadError: callers catch it)

# the flat, which a resident's form picks as a household and a spreadsheet spells out
FLAT = (
    Field("building", "imp.building", required=True, max_length=100, aliases=("楼号", "楼栋号", "楼座", "楼宇")),
    Field("unit", "imp.unit", required=True, max_length=20, aliases=("单元号",)),
    Field("room", "imp.room", required=True, max_length=20, aliases=("房间号", "门牌号", "户号", "室")),
)
DEFAULTS = {"id_type": "居民身份证", "residence_type": "自住"}  # where the file says nothing
PRESETS = {"tags": {"老年人": ""}}  # derived from the birth date, never typed: dropped, not "unknown"


def fields() -> list[Field]:
    """The columns of a residents' file: the declaration's editable fields, the flat after the phone."""
    own = [replace(f, required=False) if f.name in DEFAULTS else f
           for f in RESIDENT.fields if f.editable and f.importable and f.name != "household_id"]
    at = [f.name for f in own].index("phone") + 1
    return own[:at] + list(FLAT) + own[at:]


_GLUE = re.compile(r"[\s_\-/()*:]")


def _key(text) -> str:
    """A building, unit or room as it is matched: "1 单元" is "1单元", "（东）" is "(东)"."""
    return _GLUE.sub("", unicodedata.normalize("NFKC", str(text or "")).lower())


def id_cell(value) -> str | None:
    """An ID number typed into Excel as a number has lost its last digits: refuse it."""
    if isinstance(value, float) or (isinstance(value, int) and len(str(value)) >= 15):
        if abs(value) >= 1e14:
            raise ValueError("err.id_excel_number")
    text = imports.cell_text(value)
    if text and re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        raise ValueError("err.id_excel_number")
    return text


@dataclass
class ResidentPlan(ImportPlan):
    new_buildings: list[str] = field(default_factory=list)
    new_households: int = 0

    def notes(self) -> list[tuple[str, dict]]:
        out = super().notes()
        if self.new_buildings:
            out.append(("imp.new_buildings", {"names": self.new_buildings}))
        if self.new_households:
            out.append(("imp.new_households", {"n": self.new_households}))
        return out


def preview(session: Session, actor: Actor, filename: str, data: bytes, community_id: int, *, texts: Texts,
            columns: Mapping[int, str | None] | None = None, values: Mapping[str, Mapping[str, Any]] | None = None,
            create_buildings: bool = False, new_building_grid: int | None = None,
            today: date | None = None) -> ResidentPlan:
    """Read and check every row against the file itself and the database. Writes nothing.
    ``columns`` and ``values`` are the user's mappings from the preview (``services.imports``)."""
    require(actor, "residents", "import")
    require_row(actor, community_id)
    today = today or clock.today()
    cols = fields()
    sheet = imports.read_sheet(filename, data, cols, texts, columns=columns, limit=imports.max_rows(session),
                               provided=DEFAULTS)
    reader = imports.RowReader(cols, texts, options={"tags": residents.visible_groups(actor)}, values=values,
                               presets=PRESETS, convert={"id_number": id_cell})
    plan = ResidentPlan(ledger=RESIDENT.key, total=len(sheet.body), header_row=sheet.header_row,
                        sheet_columns=sheet.columns, missing=imports.missing_fields(sheet, cols, DEFAULTS))
    buildings = {}
    for b in session.execute(select(Building).where(Building.community_id == community_id,
                                                    Building.deleted_at.is_(None))).scalars():
        buildings[_key(b.name)] = b
        buildings[_key(b.code)] = b
    households = {(h.building_id, _key(h.unit), _key(h.room)): h.id for h in session.execute(
        select(Household).where(Household.community_id == community_id, Household.deleted_at.is_(None))).scalars()}
    known_hashes = set(session.execute(select(Resident.id_hash)).scalars())
    seen: dict[str, int] = {}
    if create_buildings:
        grid = session.get(Grid, new_building_grid) if new_building_grid else None
        if grid is None or grid.community_id != community_id or grid.deleted_at is not None:
            raise ValidationError({"grid_id": "err.required"})
    new_buildings: dict[str, str] = {}
    for line, cells in sheet.body:
        data_row, bad = reader.row(line, cells, sheet.mapped)
        errs = [RowError(line, f, k, p) for f, (k, p) in bad.items()]
        for k, v in DEFAULTS.items():
            data_row[k] = data_row.get(k) or (None if k in bad else v)
        building_text = data_row.pop("building", None)
        bkey = _key(building_text or "")
        unit, room = data_row.pop("unit", None), data_row.pop("room", None)
        if unit and re.fullmatch(r"\d+", unit):  # "1" is how people type "1单元"
            unit = f"{unit}单元"
        building = buildings.get(bkey)
        if not bkey:
            errs.append(RowError(line, "building", "err.required"))
        elif building is None and not create_buildings:
            errs.append(RowError(line, "building", "imp.unknown_building", {"value": building_text}))
        elif building is None:
            new_buildings.setdefault(bkey, building_text)
        if not unit:
            errs.append(RowError(line, "unit", "err.required"))
        if not room:
            errs.append(RowError(line, "room", "err.required"))
        data_row["household_id"] = 0  # resolved when writing
        try:
            values_out, tag_list, info = residents.check_fields(actor, data_row, today=today)
        except ValidationError as e:
            already = {x.column for x in errs}
            errs.extend(RowError(line, f, k) for f, k in e.errors.items() if f != "household_id" and f not in already)
            values_out, info = None, None
        if info is not None and values_out is not None:
            digest = residents.id_digest(values_out["id_type"], info.number)
            if digest in known_hashes:
                errs.append(RowError(line, "id_number", "imp.id_exists"))
            elif digest in seen:
                errs.append(RowError(line, "id_number", "imp.id_repeated", {"first": seen[digest]}))
            else:
                seen[digest] = line
        if errs:
            plan.errors.extend(errs)
            continue
        values_out.pop("household_id", None)
        plan.rows.append({"line": line, "values": values_out, "tags": tag_list, "id": info.number,
                          "building": bkey, "unit": unit, "room": room})
    reader.fill(plan)
    plan.new_buildings = list(new_buildings.values())
    plan.new_households = len({(r["building"], _key(r["unit"]), _key(r["room"])) for r in plan.rows
                               if r["building"] not in {k for k in buildings if k} or
                               (buildings[r["building"]].id, _key(r["unit"]), _key(r["room"])) not in households})
    plan.context = {"community_id": community_id, "grid_id": new_building_grid,
                    "buildings": {k: b.id for k, b in buildings.items()}, "households": households,
                    "new_buildings": new_buildings}
    return plan


def commit(session: Session, actor: Actor, plan: ResidentPlan, *, valid_only: bool = False,
           today: date | None = None) -> int:
    """Write the plan in the caller's transaction: every row, or — only if asked — the valid ones.
    Refuses when rows have errors and ``valid_only`` is False. Returns how many were written."""
    require(actor, "residents", "import")
    plan.refuse_unless_ready(valid_only)
    if not plan.rows:
        return 0
    today = today or clock.today()
    ctx = plan.context
    community_id = ctx["community_id"]
    require_row(actor, community_id)
    building_ids = dict(ctx["buildings"])
    grid_of = dict(session.execute(select(Building.id, Building.grid_id)
                                   .where(Building.community_id == community_id)).all())
    for bkey, label in ctx["new_buildings"].items():
        if any(r["building"] == bkey for r in plan.rows):
            b = records.create(session, actor, Building, {
                "community_id": community_id, "grid_id": ctx["grid_id"], "name": label[:100],
                "code": "IMP-" + hashlib.sha1(bkey.encode("utf-8")).hexdigest()[:10]})
            building_ids[bkey] = b.id
            grid_of[b.id] = b.grid_id
    households = dict(ctx["households"])
    missing: dict[tuple, dict] = {}
    for r in plan.rows:
        bid = building_ids[r["building"]]
        hkey = (bid, _key(r["unit"]), _key(r["room"]))
        r["hkey"], r["building_id"] = hkey, bid
        if hkey not in households and hkey not in missing:
            missing[hkey] = {"community_id": community_id, "building_id": bid, "unit": r["unit"], "room": r["room"],
                             "hardship": "无", "created_by": actor.username, "updated_by": actor.username}
    if missing:  # new flats, in bulk and audited like any other write
        new_rows = list(missing.values())
        new_ids = session.execute(insert(Household).returning(Household.id, sort_by_parameter_order=True),
                                  new_rows).scalars().all()
        households.update(zip(missing.keys(), new_ids))
        audit.record_many(session, actor, "create", "household",
                          [(hid, None, row, community_id) for hid, row in zip(new_ids, new_rows)])
    for r in plan.rows:
        r["household_id"] = households[r["hkey"]]
    now = utcnow()
    payload = []
    for r in plan.rows:
        v = dict(r["values"])
        v.update(residents.id_columns(v["id_type"], idcard.IdInfo(r["id"], None, None)))
        v.update(community_id=community_id, household_id=r["household_id"], building_id=r["building_id"],
                 grid_id=grid_of[r["building_id"]], status="active", created_by=actor.username,
                 updated_by=actor.username, created_at=now, updated_at=now, version=1)
        payload.append(v)
    hashes = [p["id_hash"] for p in payload]
    for start in range(0, len(hashes), 5000):  # someone may have added them since the preview
        if session.execute(select(Resident.id).where(Resident.id_hash.in_(hashes[start:start + 5000])).limit(1)).first():
            raise ValidationError({}, key="imp.stale_plan")
    ids: list[int] = []
    for start in range(0, len(payload), 2000):
        chunk = payload[start:start + 2000]
        ids.extend(session.execute(insert(Resident).returning(Resident.id, sort_by_parameter_order=True), chunk)
                   .scalars().all())
    tag_rows = [{"resident_id": rid, "community_id": community_id, "tag": t, "since": today}
                for rid, r in zip(ids, plan.rows) for t in r["tags"]]
    for start in range(0, len(tag_rows), 5000):
        session.execute(insert(ResidentTag), tag_rows[start:start + 5000])
    audit.record_many(session, actor, "import", "resident", [
        (rid, None, {**{k: v for k, v in p.items() if k not in residents.PERSONAL_EXCLUDE}, "tags": r["tags"]},
         community_id) for rid, p, r in zip(ids, payload, plan.rows)])
    return len(ids)


def template_xlsx(actor: Actor, tr: Callable[..., str]) -> bytes:
    """The residents' template: the columns of ``fields()``, one example row, the groups the
    actor may record listed beside the choices."""
    example = {"name": tr("imp.example_name"), "gender": tr("gender.男"), "birth_date": "1950-03-02",
               "id_type": tr("idtype.居民身份证"), "id_number": tr("imp.example_id"), "phone": "13800138000",
               "building": tr("imp.example_building"), "unit": tr("imp.example_unit"), "room": "101",
               "relation": tr("relation.户主"), "residence_type": tr("residence.自住"), "tags": tr("group.独居老人")}
    cols = fields()
    groups = [g for g in residents.visible_groups(actor) if g not in PRESETS["tags"]]
    return imports.template_xlsx(cols, tr, title=tr("imp.res_template_title"), sheet=tr("res.resident"),
                                 allowed={"tags": groups}, example=[example.get(f.name, "") for f in cols])
