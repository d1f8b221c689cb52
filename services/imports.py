"""Spreadsheet imports: read CSV (UTF-8, UTF-8 with BOM, GBK as Chinese Excel saves it) or
.xlsx, find the header row wherever it is, match headers by their Chinese or English names,
validate every row, and write all of it in one transaction — or, only when the user chooses,
exactly the valid rows. Nothing is written by ``preview``."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import Building, Grid, Household, Resident, ResidentTag
from db.models.residents import RELATIONS
from services import audit, clock, idcard, records, residents
from services.access import Actor, require, require_row
from services.errors import ValidationError

# field -> header names (compared after removing spaces, case-insensitive)
RESIDENT_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name", "fullname"),
    "gender": ("性别", "gender", "sex"),
    "birth_date": ("出生日期", "出生年月日", "生日", "birthdate", "dateofbirth", "birth"),
    "id_type": ("证件类型", "idtype", "documenttype"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "idnumber", "id", "idno", "documentnumber"),
    "phone": ("手机号", "手机号码", "联系电话", "电话", "phone", "mobile", "telephone"),
    "building": ("楼栋", "楼号", "楼栋号", "building"),
    "unit": ("单元", "单元号", "unit"),
    "room": ("房号", "房间号", "门牌号", "room"),
    "relation": ("与户主关系", "关系", "relation"),
    "residence_type": ("居住类型", "居住情况", "residencetype", "residence"),
    "tags": ("人员类别", "特殊人群", "人群类别", "标签", "groups", "category", "specialgroups"),
    "needs": ("需求", "服务需求", "needs"),
    "notes": ("备注", "notes", "note", "remarks"),
}
REQUIRED = ("name", "id_number", "building", "unit", "room")
TEMPLATE_HEADERS = ["姓名", "性别", "出生日期", "证件类型", "身份证号", "手机号", "楼栋", "单元", "房号",
                    "与户主关系", "居住类型", "人员类别", "需求", "备注"]


def _key(text) -> str:
    return re.sub(r"[\s_\-/（）()*：:]", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


_ALIASES = {_key(a): f for f, names in RESIDENT_HEADERS.items() for a in names}


# --- reading ---------------------------------------------------------------------------

class ReadError(ValueError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(key)


def read_table(filename: str, data: bytes) -> list[list]:
    """Rows of cells from a .csv or .xlsx file."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return _read_xlsx(data)
    if name.endswith((".csv", ".txt")) or not name:
        return _read_csv(data)
    raise ReadError("imp.bad_type")


def _read_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 is a superset of GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReadError("imp.bad_encoding")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ReadError("imp.bad_xlsx") from None
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def find_header(rows: list[list], scan: int = 15) -> tuple[int, dict[int, str]]:
    """The header row (a title row above it is common) and column index -> field."""
    best = (-1, {})
    for i, row in enumerate(rows[:scan]):
        mapping = {}
        for j, cell in enumerate(row):
            f = _ALIASES.get(_key(cell))
            if f and f not in mapping.values():
                mapping[j] = f
        if len(mapping) > len(best[1]):
            best = (i, mapping)
    if len(best[1]) < 3:
        raise ReadError("imp.no_header")
    missing = [f for f in REQUIRED if f not in best[1].values()]
    if missing:
        raise ReadError("imp.missing_columns:" + ",".join(missing))
    return best


# --- cell conversion -----------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)


def to_date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 1 < value < 80000:  # an Excel serial day number
        return EXCEL_EPOCH + timedelta(days=int(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s.*)?", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def to_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def id_cell(value) -> str | None:
    """An ID number typed into Excel as a number has lost its last digits: refuse it."""
    if isinstance(value, float) or (isinstance(value, int) and len(str(value)) >= 15):
        if abs(value) >= 1e14:
            raise ValueError("err.id_excel_number")
    text = to_text(value)
    if text and re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        raise ValueError("err.id_excel_number")
    return text


# --- preview and commit ----------------------------------------------------------------------

@dataclass
class RowError:
    row: int  # the row number as the spreadsheet shows it (1-based)
    column: str  # field name
    reason: str  # catalog key
    params: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    total: int = 0
    rows: list[dict] = field(default_factory=list)  # valid rows, ready to write
    errors: list[RowError] = field(default_factory=list)
    new_buildings: list[str] = field(default_factory=list)
    new_households: int = 0
    header_row: int = 0
    columns: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict, repr=False)  # what commit needs to resolve places

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def valid(self) -> int:
        return len(self.rows)


def _building_key(text: str) -> str:
    return _key(text)


def preview(session: Session, actor: Actor, filename: str, data: bytes, community_id: int, *,
            create_buildings: bool = False, new_building_grid: int | None = None,
            today: date | None = None) -> ImportPlan:
    """Read and check every row against the file itself and the database. Writes nothing."""
    require(actor, "residents", "import")
    require_row(actor, community_id)
    today = today or clock.today()
    table = read_table(filename, data)
    header_at, columns = find_header(table)
    from services import settings

    limit = int(settings.get(session, "import.max_rows"))
    body = [(header_at + 2 + i, r) for i, r in enumerate(table[header_at + 1:])
            if any(c not in (None, "") and str(c).strip() for c in r)]
    if len(body) > limit:
        raise ReadError("imp.too_many")
    plan = ImportPlan(total=len(body), header_row=header_at + 1, columns=columns)
    buildings = {}
    for b in session.execute(select(Building).where(Building.community_id == community_id,
                                                    Building.deleted_at.is_(None))).scalars():
        buildings[_building_key(b.name)] = b
        buildings[_building_key(b.code)] = b
    households = {(h.building_id, _key(h.unit), _key(h.room)): h.id for h in session.execute(
        select(Household).where(Household.community_id == community_id, Household.deleted_at.is_(None))).scalars()}
    known_hashes = set(session.execute(select(Resident.id_hash)).scalars())
    seen: dict[str, int] = {}
    groups = set(residents.visible_groups(actor))
    if create_buildings:
        grid = session.get(Grid, new_building_grid) if new_building_grid else None
        if grid is None or grid.community_id != community_id or grid.deleted_at is not None:
            raise ValidationError({"grid_id": "err.required"})
    new_buildings: dict[str, str] = {}
    for line, cells in body:
        raw = {f: (cells[j] if j < len(cells) else None) for j, f in columns.items()}
        errs: list[RowError] = []
        data_row: dict = {}
        for f, v in raw.items():
            try:
                if f == "birth_date":
                    data_row[f] = to_date(v)
                elif f == "id_number":
                    data_row[f] = id_cell(v)
                else:
                    data_row[f] = to_text(v)
            except ValueError as e:
                errs.append(RowError(line, f, str(e) if str(e).startswith("err.") else "err.type_date"))
        data_row.setdefault("id_type", None)
        data_row["id_type"] = data_row["id_type"] or "居民身份证"
        data_row["residence_type"] = data_row.get("residence_type") or "自住"
        if data_row.get("relation") and data_row["relation"] not in RELATIONS:
            data_row["relation"] = "其他"
        tags = [t for t in re.split(r"[,，、;；\s]+", data_row.pop("tags", None) or "") if t]
        tags = [t for t in tags if t != "老年人"]  # derived from the birth date, never typed
        unknown = [t for t in tags if t not in groups]
        if unknown:
            errs.append(RowError(line, "tags", "imp.unknown_group", {"value": "、".join(unknown)}))
        data_row["tags"] = [t for t in tags if t in groups]
        bkey = _building_key(data_row.pop("building", None) or "")
        unit, room = data_row.pop("unit", None), data_row.pop("room", None)
        if unit and re.fullmatch(r"\d+", unit):  # "1" is how people type "1单元"
            unit = f"{unit}单元"
        building = buildings.get(bkey)
        if not bkey:
            errs.append(RowError(line, "building", "err.required"))
        elif building is None and not create_buildings:
            errs.append(RowError(line, "building", "imp.unknown_building", {"value": raw.get("building")}))
        elif building is None:
            new_buildings.setdefault(bkey, to_text(raw.get("building")))
        if not unit:
            errs.append(RowError(line, "unit", "err.required"))
        if not room:
            errs.append(RowError(line, "room", "err.required"))
        data_row["household_id"] = 0  # resolved when writing
        try:
            values, tag_list, info = residents.check_fields(actor, data_row, today=today)
        except ValidationError as e:
            already = {x.column for x in errs}
            errs.extend(RowError(line, f, k) for f, k in e.errors.items() if f != "household_id" and f not in already)
            values, info = None, None
        if info is not None and values is not None:
            digest = residents.id_digest(values["id_type"], info.number)
            if digest in known_hashes:
                errs.append(RowError(line, "id_number", "imp.id_exists"))
            elif digest in seen:
                errs.append(RowError(line, "id_number", "imp.id_repeated", {"first": seen[digest]}))
            else:
                seen[digest] = line
        if errs:
            plan.errors.extend(errs)
            continue
        values.pop("household_id", None)
        plan.rows.append({"line": line, "values": values, "tags": tag_list, "id": info.number,
                          "building": bkey, "unit": unit, "room": room})
    plan.new_buildings = list(new_buildings.values())
    plan.new_households = len({(r["building"], _key(r["unit"]), _key(r["room"])) for r in plan.rows
                               if r["building"] not in {k for k in buildings if k} or
                               (buildings[r["building"]].id, _key(r["unit"]), _key(r["room"])) not in households})
    plan.context = {"community_id": community_id, "grid_id": new_building_grid,
                    "buildings": {k: b.id for k, b in buildings.items()}, "households": households,
                     "new_buildings": new_buildings}
    return plan


def commit(session: Session, actor: Actor, plan: ImportPlan, *, valid_only: bool = False,
           today: date | None = None) -> int:
    """Write the plan in the caller's transaction: every row, or — only if asked — the valid ones.
    Refuses when rows have errors and ``valid_only`` is False. Returns how many were written."""
    require(actor, "residents", "import")
    if plan.errors and not valid_only:
        raise ValidationError({}, key="imp.has_errors", n=plan.bad_rows)
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


def error_report(plan: ImportPlan, labels: dict[str, str], translate) -> list[dict]:
    """Rows for the downloadable error list (row, column, reason) in the user's language."""
    out = []
    for e in plan.errors:
        params = {k: v for k, v in e.params.items()}
        out.append({"row": e.row, "column": labels.get(e.column, e.column), "reason": translate(e.reason, **params)})
    return out


def template_xlsx() -> bytes:
    """A template with the expected headers and one example row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "居民导入"
    ws.append(["居民信息导入模板（第一行标题可删除；表头可用中文或英文）"])
    ws.append(TEMPLATE_HEADERS)
    ws.append(["张三", "男", "1950-03-02", "居民身份证", "请填写18位身份证号", "13800138000", "1号楼", "1单元", "101",
               "户主", "自住", "独居老人", "", ""])
    for col in ("E", "F"):
        for cell in ws[col]:
            cell.number_format = "@"  # text: Excel must not turn ID numbers into numbers
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
