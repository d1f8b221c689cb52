"""Spreadsheet imports for every declared ledger (issue 18, "Import").

Committees' spreadsheets are messy, so the reading is forgiving and the writing is strict:

- reading: ``.xlsx`` (openpyxl), ``.xls`` — Excel 97–2003, still what many office PCs and WPS
  save — (python-calamine), CSV in UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16; the first sheet
  whose rows hold a header row, wherever that row is (a title above it is common);
- headers: annotations taken off (``*``, ``（必填）``, ``(选填)``, units in brackets as in
  ``面积（㎡）``), full-width characters and spaces normalised, then matched against each field's
  catalog label in Chinese and English, its ``aliases`` and its name. A column no header names
  is mapped by hand in the preview (``columns``: column index -> field, or None to ignore);
- values: a choice by its stored value, its catalog label in either language, the field's
  ``synonyms`` or a normalised form; a reference by the name of the row it points at; a yes/no
  by 是/否/√/×…; what is still unknown is mapped by hand, one mapping for every row holding
  that value (``values``: field -> text as in the file -> stored value, "" for none);
- writing: ``preview_ledger`` checks every row through the ledger engine (``services.ledgers``:
  the same validation, parent, hooks and uniqueness as a form) and writes nothing;
  ``commit_ledger`` writes every row — updating those whose ``Ledger.import_key`` finds an
  existing row — in the caller's transaction, or, only when the user chooses, the valid ones.

Services know no catalog (DESIGN.md: ``services -> db`` only), so the caller passes ``texts``:
catalog key -> its texts in every language (``components.catalog.CATALOG``), and ``tr`` where a
file is written in the user's language. Resident files add their households and document
numbers on top of this in ``services.residents_import``.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy.orm import Session

from db.declarations import Field, Ledger
from services import access, clock, ledgers, records
from services.access import Actor
from services.errors import DomainError, ValidationError

Texts = Mapping[str, Sequence[str]]  # catalog key -> (简体中文, English)
HEADER_SCAN = 20  # rows searched for the header


class ReadError(ValueError):
    """A file that cannot be imported as it is; ``key`` is a catalog key. For missing columns
    the key is ``imp.missing_columns:<field>,<field>`` and ``fields`` names them."""

    def __init__(self, key: str, fields: Sequence[str] = ()):
        self.key = key
        self.fields = tuple(fields)
        super().__init__(key)


# --- reading files ---------------------------------------------------------------------------

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-document signature of an .xls


def read_sheets(filename: str, data: bytes) -> list[list[list]]:
    """Every sheet of the file as rows of cells (empty cells None); a CSV is one sheet."""
    name = (filename or "").lower()
    if data[:2] == b"PK" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if data[:8] == OLE2:
        return _read_xls(data)
    if name.endswith(".xls"):
        # what some systems export as "xls" is tab-separated text; anything else is unreadable
        if data.lstrip()[:1] == b"<":
            raise ReadError("imp.bad_xls")
        return [_read_csv(data)]
    if name.endswith((".csv", ".txt", ".tsv")) or not name:
        return [_read_csv(data)]
    raise ReadError("imp.bad_type")


def read_table(filename: str, data: bytes) -> list[list]:
    """The first sheet's rows."""
    return read_sheets(filename, data)[0]


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text"
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 is a superset of GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("imp.bad_encoding")


def _read_csv(data: bytes) -> list[list]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[c if c.strip() else None for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(data: bytes) -> list[list[list]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ReadError("imp.bad_xlsx") from None
    try:
        return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets] or [[]]
    finally:
        wb.close()


def _read_xls(data: bytes) -> list[list[list]]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [wb.get_sheet_by_index(i).to_python(skip_empty_area=False) for i in range(len(wb.sheet_names))]
    except Exception:
        raise ReadError("imp.bad_xls") from None
    return [[[None if c == "" else c for c in row] for row in rows] for rows in sheets] or [[]]


# --- headers ---------------------------------------------------------------------------------

_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>|〔[^〔〕]*〕")
_MARKS = re.compile(r"[*※★☆#＃]")
_NOTES = re.compile(r"(必填|必须填写|必填项|选填|可选|可不填|非必填)$")
_GLUE = re.compile(r"[\s_\-./\\:：'\"“”‘’]")


def _nfkc(text) -> str:
    return unicodedata.normalize("NFKC", str(text if text is not None else "")).lower()


def header_keys(text) -> list[str]:
    """The forms a header is matched by: as written (without marks and spaces), then with its
    annotations and units taken off — ``面积（㎡）*`` and ``年龄(岁)`` match 面积 and 年龄."""
    plain = _MARKS.sub("", _nfkc(text))
    keys = [_GLUE.sub("", plain)]
    stripped = _GLUE.sub("", _BRACKETS.sub("", plain))
    stripped = _NOTES.sub("", stripped)
    keys.append(stripped)
    return [k for k in dict.fromkeys(keys) if k]


def field_names(f: Field, texts: Texts) -> list[str]:
    """What a header may say for ``f``: its label in every language, its aliases, its name."""
    return [*texts.get(f.label, ()), *f.aliases, f.name]


def header_index(fields: Iterable[Field], texts: Texts) -> dict[str, str]:
    """Header key -> field name. Exact forms win over stripped ones, earlier fields over later."""
    index: dict[str, str] = {}
    fields = list(fields)
    for depth in (0, 1):
        for f in fields:
            for name in field_names(f, texts):
                keys = header_keys(name)
                if depth < len(keys):
                    index.setdefault(keys[depth], f.name)
    return index


def match_header(text, index: Mapping[str, str]) -> str | None:
    for k in header_keys(text):
        if k in index:
            return index[k]
    return None


@dataclass
class SheetColumn:
    """A column of the file: where it is, what its header says, the field it fills (matched by
    its header, or chosen by hand) and a few of its values for the preview."""
    index: int
    header: str
    field: str | None = None
    manual: bool = False
    samples: tuple[str, ...] = ()

    @property
    def letter(self) -> str:
        n, out = self.index + 1, ""
        while n:
            n, r = divmod(n - 1, 26)
            out = chr(65 + r) + out
        return out


@dataclass
class Sheet:
    header_row: int  # 1-based, as the spreadsheet shows it
    columns: list[SheetColumn]
    body: list[tuple[int, list]]  # (row number as shown, cells) of the non-empty rows

    @property
    def mapped(self) -> dict[int, str]:
        return {c.index: c.field for c in self.columns if c.field}


def _filled(cell) -> bool:
    return cell is not None and str(cell).strip() != ""


def find_header(rows: list[list], index: Mapping[str, str], need: int, scan: int = HEADER_SCAN) -> tuple[int, dict]:
    """The row (0-based) whose cells name the most fields, with column -> field; (-1, {}) when
    no row names ``need`` of them."""
    best = (-1, {})
    for i, row in enumerate(rows[:scan]):
        mapping: dict[int, str] = {}
        for j, cell in enumerate(row):
            f = match_header(cell, index) if _filled(cell) else None
            if f and f not in mapping.values():
                mapping[j] = f
        if len(mapping) > len(best[1]):
            best = (i, mapping)
    return best if len(best[1]) >= need else (-1, {})


def read_sheet(filename: str, data: bytes, fields: Sequence[Field], texts: Texts, *,
               columns: Mapping[int, str | None] | None = None, limit: int | None = None,
               provided: Iterable[str] = ()) -> Sheet:
    """The sheet to import, its header row and its columns with the fields they fill.

    ``columns`` are the user's choices from the preview (column index -> field name, None to
    ignore); they win over what the headers say. Raises ``ReadError`` for an unreadable file, a
    file with no header row, too many rows, or required columns missing while no unrecognised
    column is left that could be mapped to them (``provided``: fields that need no column)."""
    index = header_index(fields, texts)
    need = max(1, min(3, len(fields)))
    for rows in read_sheets(filename, data):
        at, auto = find_header(rows, index, need)
        if at >= 0:
            break
    else:
        raise ReadError("imp.no_header")
    names = {f.name for f in fields}
    manual = {int(j): f for j, f in (columns or {}).items() if f is None or f in names}
    taken = {f for f in manual.values() if f}
    header = rows[at]
    body = [(at + 2 + i, list(r)) for i, r in enumerate(rows[at + 1:]) if any(_filled(c) for c in r)]
    if limit is not None and len(body) > limit:
        raise ReadError("imp.too_many")
    width = max([len(header)] + [len(r) for _, r in body])
    cols: list[SheetColumn] = []
    for j in range(width):
        text = records.clean_text(header[j]) if j < len(header) and _filled(header[j]) else ""
        values = [r[j] for _, r in body if j < len(r) and _filled(r[j])]
        if j in manual:
            f, by_hand = manual[j], True
        else:
            f, by_hand = auto.get(j), False
            if f in taken:  # the user gave this field another column
                f = None
        if not values and not f:
            continue
        samples = tuple(dict.fromkeys(cell_text(v) for v in values[:50]))[:3]
        cols.append(SheetColumn(j, text, f, by_hand, samples))
    sheet = Sheet(at + 1, cols, body)
    missing = missing_fields(sheet, fields, provided)
    if missing and not unknown_columns(sheet):
        raise ReadError("imp.missing_columns:" + ",".join(missing), missing)
    return sheet


def missing_fields(sheet: Sheet, fields: Sequence[Field], provided: Iterable[str] = ()) -> list[str]:
    have = set(sheet.mapped.values()) | set(provided)
    return [f.name for f in fields if f.required and f.name not in have]


def unknown_columns(sheet: Sheet) -> list[SheetColumn]:
    """Columns with values that no field takes: the user maps them or leaves them out."""
    return [c for c in sheet.columns if not c.field and c.samples]


# --- cells -----------------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)


def cell_text(value) -> str | None:
    """A cell as text: Excel's 101.0 is 101, full-width digits and letters half-width."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == time() else value
    return records.clean_text(value)


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
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s.*)?", text) or \
        re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def to_time(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, (int, float)) and 0 <= value < 1:  # Excel's fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("：", ":")
    m = re.fullmatch(r"(\d{1,2})[:点时](\d{2})?(?::(\d{2}))?分?", text)
    if not m:
        raise ValueError(text)
    return time(int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))


def to_number(value, kind: str):
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        number = float(text)
    if kind == "int":
        if float(number) != int(float(number)):
            raise ValueError(value)
        return int(float(number))
    return float(number)


_SPACE = re.compile(r"\s+")


def value_key(text) -> str:
    """A value as it is matched: full-width folded, lower case, no spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text if isinstance(text, str) else str(text)).lower())


TRUE_WORDS = ("是", "√", "✓", "✔", "有", "已签", "y", "yes", "true", "1", "对")
FALSE_WORDS = ("否", "×", "✗", "✘", "无", "没有", "未签", "n", "no", "false", "0", "不")


_ITEMS = re.compile(r"[,，、;；|\n]+")


def _split(text: str) -> list[str]:
    return [p for p in (s.strip() for s in _ITEMS.split(text)) if p]


class RowReader:
    """Turns the cells of a row into the values a ledger's form would send: text cleaned,
    numbers, dates and times read as Excel stores and people type them, choices, references and
    yes/no matched through their labels and synonyms, and the user's value mappings applied.

    ``options`` narrows or supplies the allowed values of a field (a reference's rows as
    id -> name; a choice's values); ``convert`` replaces the reading of a field's cell
    (``convert[name](cell)`` returns the value or raises ``ValueError`` with a catalog key);
    ``values`` are the user's mappings: field -> text in the file -> stored value, "" or None
    for none; ``presets`` are the ledger's own (a word that means nothing to store). Values no
    rule knows are collected in ``unknown`` and those the user mapped in ``mapped`` (field ->
    text -> rows)."""

    def __init__(self, fields: Sequence[Field], texts: Texts, *, options: Mapping[str, Any] | None = None,
                 values: Mapping[str, Mapping[str, Any]] | None = None,
                 presets: Mapping[str, Mapping[str, Any]] | None = None,
                 convert: Mapping[str, Callable[[Any], Any]] | None = None):
        self.fields = {f.name: f for f in fields}
        self.options = {k: v for k, v in (options or {}).items()}
        self.manual = {name: {value_key(raw): v for raw, v in m.items()} for name, m in (values or {}).items()}
        self.presets = {name: {value_key(raw): v for raw, v in m.items()} for name, m in (presets or {}).items()}
        self.convert = dict(convert or {})
        self.unknown: dict[str, dict[str, list[int]]] = {}
        self.mapped: dict[str, dict[str, list[int]]] = {}
        self._index = {name: self._value_index(f, texts) for name, f in self.fields.items()
                       if f.type in ("choice", "multichoice", "ref", "bool")}

    def allowed(self, f: Field) -> list:
        if f.type == "bool":
            return [True, False]
        if f.type == "ref":
            return list(self.options.get(f.name, {}))
        return list(self.options.get(f.name, f.choices))

    def _value_index(self, f: Field, texts: Texts) -> dict[str, Any]:
        index: dict[str, Any] = {}
        if f.type == "bool":
            index.update({value_key(w): True for w in TRUE_WORDS + tuple(texts.get("rec.yes", ()))})
            index.update({value_key(w): False for w in FALSE_WORDS + tuple(texts.get("rec.no", ()))})
            return index
        if f.type == "ref":
            names = dict(self.options.get(f.name, {}))
            for rid, name in names.items():
                index.setdefault(value_key(name), rid)
            tails: dict[str, set] = {}
            for rid, name in names.items():  # "和平里社区 · 第一网格" is also "第一网格" where that is unique
                for part in str(name).split(" · ")[1:]:
                    tails.setdefault(value_key(part), set()).add(rid)
            for k, ids in tails.items():
                if len(ids) == 1:
                    index.setdefault(k, next(iter(ids)))
            return index
        allowed = self.allowed(f)
        for v in allowed:
            index.setdefault(value_key(v), v)
        for v in allowed:
            for text in texts.get(f"{f.choices_key}.{v}", ()) if f.choices_key else ():
                index.setdefault(value_key(text), v)
        for synonym, v in f.synonyms.items():
            if v in allowed:
                index.setdefault(value_key(synonym), v)
        return index

    def _choose(self, f: Field, text: str, line: int, errors: dict):
        key = value_key(text)
        manual = self.manual.get(f.name, {})
        if key in manual:
            self.mapped.setdefault(f.name, {}).setdefault(text, []).append(line)
            return None if manual[key] == "" else manual[key]
        preset = self.presets.get(f.name, {})
        if key in preset:
            return None if preset[key] == "" else preset[key]
        if key in self._index[f.name]:
            return self._index[f.name][key]
        self.unknown.setdefault(f.name, {}).setdefault(text, []).append(line)
        errors.setdefault(f.name, ("imp.unknown_value", {"value": text}))
        return None

    def cell(self, f: Field, raw, line: int, errors: dict):
        if f.name in self.convert:
            return self.convert[f.name](raw)
        if f.type == "bool":
            text = cell_text(raw)
            if isinstance(raw, bool):
                return raw
            return False if text is None else bool(self._choose(f, text, line, errors))
        if not _filled(raw):
            return [] if f.type == "multichoice" else None
        if f.type in ("choice", "ref"):
            return self._choose(f, cell_text(raw), line, errors)
        if f.type == "multichoice":
            if not self.allowed(f):  # free words
                return list(dict.fromkeys(_split(cell_text(raw))))
            out = []
            for item in _split(cell_text(raw)):
                if value_key(item) not in self._index[f.name] and value_key(item) not in self.manual.get(f.name, {}) \
                        and " " in item and all(value_key(p) in self._index[f.name] for p in item.split()):
                    parts = item.split()  # "独居老人 空巢老人": a space where a comma was meant
                else:
                    parts = [item]
                for part in parts:
                    v = self._choose(f, part, line, errors)
                    if v is not None and v not in out:
                        out.append(v)
            return out
        if f.type == "date":
            return to_date(raw)
        if f.type == "time":
            return to_time(raw)
        if f.type in ("int", "float"):
            return to_number(raw, f.type)
        return cell_text(raw)

    def row(self, line: int, cells: list, mapped: Mapping[int, str]) -> tuple[dict, dict[str, tuple[str, dict]]]:
        """(values of the mapped fields, field -> (catalog key, params) for the cells that cannot be read)."""
        values: dict[str, Any] = {}
        errors: dict[str, tuple[str, dict]] = {}
        for j, name in mapped.items():
            f = self.fields[name]
            raw = cells[j] if j < len(cells) else None
            try:
                values[name] = self.cell(f, raw, line, errors)
            except (TypeError, ValueError) as e:
                key = str(e) if str(e).startswith("err.") else f"err.type_{f.type}"
                errors[name] = (key, {})
                values[name] = None
        return values, errors

    def unknown_values(self) -> dict[str, dict[str, int]]:
        return {name: {text: len(lines) for text, lines in found.items()} for name, found in self.unknown.items()}

    def mapped_values(self) -> dict[str, dict[str, int]]:
        return {name: {text: len(lines) for text, lines in found.items()} for name, found in self.mapped.items()}

    def fill(self, plan: "ImportPlan") -> None:
        """Put what the rows' values showed on the plan: unknown and hand-mapped values, with
        the values each of those fields may be mapped to."""
        plan.unknown_values = self.unknown_values()
        plan.mapped_values = self.mapped_values()
        plan.options = {name: self.allowed(self.fields[name]) for name in {**plan.unknown_values, **plan.mapped_values}}


# --- the plan a preview returns --------------------------------------------------------------------

@dataclass
class RowError:
    row: int  # the row number as the spreadsheet shows it (1-based)
    column: str  # field name ("" for the row as a whole)
    reason: str  # catalog key
    params: dict = field(default_factory=dict)


@dataclass
class ImportPlan:
    """What a preview found. ``rows`` are ready to write; nothing is written by a preview."""
    ledger: str = ""
    total: int = 0
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header_row: int = 0
    sheet_columns: list[SheetColumn] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required fields no column gives
    unknown_values: dict[str, dict[str, int]] = field(default_factory=dict)  # field -> text -> rows
    mapped_values: dict[str, dict[str, int]] = field(default_factory=dict)  # mapped by hand: field -> text -> rows
    options: dict[str, list] = field(default_factory=dict)  # field -> the values it may be mapped to
    updates: int = 0  # rows that update an existing record (``Ledger.import_key``)
    context: dict = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> dict[int, str]:
        return {c.index: c.field for c in self.sheet_columns if c.field}

    @property
    def unknown_columns(self) -> list[SheetColumn]:
        return [c for c in self.sheet_columns if not c.field and c.samples]

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def valid(self) -> int:
        return len(self.rows)

    @property
    def creates(self) -> int:
        return len(self.rows) - self.updates

    def notes(self) -> list[tuple[str, dict]]:
        """Further lines for the summary, as (catalog key, params)."""
        return [("imp.updates", {"n": self.updates, "new": self.creates})] if self.updates else []

    def refuse_unless_ready(self, valid_only: bool) -> None:
        if self.missing:
            raise ValidationError({f: "imp.column_missing" for f in self.missing}, key="imp.map_first")
        if self.errors and not valid_only:
            raise ValidationError({}, key="imp.has_errors", n=self.bad_rows)


class RowRefused(ValidationError):
    """A row the commit could not write (it changed since the preview): nothing was written."""

    key = "imp.row_refused"


def row_errors(line: int, e: DomainError) -> list[RowError]:
    """A service's refusal of one row as report lines naming the field."""
    params = {k: v for k, v in e.params.items() if not isinstance(v, dict)}
    if isinstance(e, ValidationError) and e.errors:
        return [RowError(line, f, k, params) for f, k in e.errors.items()]
    return [RowError(line, str(e.params.get("field", "")), e.key, params)]


def error_report(plan: ImportPlan, labels: Mapping[str, str], translate) -> list[dict]:
    """Rows for the on-screen and downloadable problem list — row, column, reason — in the
    user's language (``translate(key, **params)``; ``labels``: field -> its label)."""
    out = []
    for e in plan.errors:
        params = dict(e.params)
        if "field" in params:
            params["field"] = labels.get(params["field"], params["field"])
        out.append({"row": e.row, "column": labels.get(e.column, e.column), "reason": translate(e.reason, **params)})
    return out


def max_rows(session: Session) -> int:
    from services import settings

    return int(settings.get(session, "import.max_rows"))


# --- every declared ledger ---------------------------------------------------------------------

def fields_of(ledger: Ledger) -> list[Field]:
    """The columns a ledger's import reads: its importable, editable table columns."""
    return list(ledger.import_fields)


def preview_ledger(session: Session, actor: Actor, ledger: Ledger, filename: str, data: bytes, *, texts: Texts,
                   columns: Mapping[int, str | None] | None = None, values: Mapping[str, Mapping] | None = None,
                   refs: Mapping[str, Mapping[int, str]] | None = None, defaults: Mapping[str, Any] | None = None,
                   today: date | None = None) -> ImportPlan:
    """Read the file and check every row as the ledger's form would be checked, writes nothing.

    ``refs``: a reference field's rows the actor may pick (id -> name; by default the engine's
    option providers, as the form offers them); ``defaults``: values a new row takes where the
    file gives none (the form's defaults)."""
    access.require(actor, ledger.page, ledger.action("import"))
    today = today or clock.today()
    fields = fields_of(ledger)
    defaults = dict(defaults or {})
    if refs is None:
        refs = ledgers.refs(session, actor, ledger)
    sheet = read_sheet(filename, data, fields, texts, columns=columns, limit=max_rows(session), provided=defaults)
    reader = RowReader(fields, texts, options=refs, values=values)
    plan = ImportPlan(ledger=ledger.key, total=len(sheet.body), header_row=sheet.header_row,
                      sheet_columns=sheet.columns, missing=missing_fields(sheet, fields, defaults))
    by_name = {f.name: f for f in fields}
    groups = [g for g in dict.fromkeys([tuple(ledger.import_key), *map(tuple, ledger.unique)]) if g]
    seen: dict[tuple, int] = {}
    for line, cells in sheet.body:
        row, bad = reader.row(line, cells, sheet.mapped)
        errs = [RowError(line, f, k, p) for f, (k, p) in bad.items()]
        existing = None
        key = {k: row.get(k) for k in ledger.import_key}
        if ledger.import_key and all(v not in (None, "") for v in key.values()) and not set(key) & set(bad):
            existing = ledgers.find_by_key(session, actor, ledger, key)
        if existing is not None:
            data_row = {f.name: getattr(existing, f.name, None) for f in fields}
        else:
            data_row = {f.name: None for f in fields}
            data_row.update({k: v for k, v in defaults.items() if k in by_name})
        for k, v in row.items():
            if k in bad or (existing is None and v in (None, []) and k in defaults):
                continue  # an unreadable cell is reported; an empty one takes the default
            data_row[k] = v
        prepared = None
        try:
            prepared = ledgers.prepare(session, actor, ledger, data_row, obj=existing, today=today)
        except DomainError as e:
            errs += [x for x in row_errors(line, e) if x.column not in bad]
        if prepared is not None:
            community = prepared.get("community_id") if isinstance(prepared, dict) else None
            for group in groups:
                values_of = tuple(value_key(prepared.get(k, data_row.get(k))) for k in group)
                if any(v == "" for v in values_of):
                    continue
                first = seen.setdefault((group, community, values_of), line)
                if first != line:
                    errs.append(RowError(line, group[-1], "imp.repeated", {"first": first}))
        if errs:
            plan.errors.extend(errs)
            continue
        plan.rows.append({"line": line, "data": data_row, "id": existing.id if existing is not None else None,
                          "version": getattr(existing, "version", None)})
        plan.updates += existing is not None
    reader.fill(plan)
    return plan


def commit_ledger(session: Session, actor: Actor, plan: ImportPlan, *, valid_only: bool = False,
                  today: date | None = None) -> int:
    """Write the plan in the caller's transaction through the ledger engine's save — each row
    checked, scoped and audited as a form's save is, and a row the preview found updated at the
    version it was seen. Any refusal raises ``RowRefused`` naming the row, and the caller's
    transaction writes nothing. Returns how many rows were written."""
    ledger = ledgers.get_ledger(plan.ledger)
    access.require(actor, ledger.page, ledger.action("import"))
    plan.refuse_unless_ready(valid_only)
    today = today or clock.today()
    for r in plan.rows:
        try:
            ledgers.save(session, actor, ledger, dict(r["data"]), row_id=r["id"], expected_version=r["version"],
                         today=today)
        except DomainError as e:
            first = row_errors(r["line"], e)[0]
            raise RowRefused({first.column: first.reason} if first.column else {}, row=r["line"],
                             **first.params) from e
    return len(plan.rows)


# --- templates -------------------------------------------------------------------------------------

def template_xlsx(fields: Sequence[Field], tr: Callable[..., str], *, title: str, sheet: str,
                  allowed: Mapping[str, Sequence] | None = None, refs: Mapping[str, Mapping[int, str]] | None = None,
                  example: Sequence | None = None) -> bytes:
    """An import template from the declaration: a title row, the headers in the user's language
    (``*`` on the required ones), an optional example row, text columns formatted as text (Excel
    must not turn a phone or ID number into a number), and a second sheet listing every choice
    field's allowed values, which the choice columns also offer as a drop-down.

    ``tr(key)`` translates; ``allowed``: field -> the values it may take where that is fewer
    than its declared choices; ``refs``: a reference field's rows by name (as the form offers
    them). Choices are written as their labels, yes/no as 是/否 — the words the import reads."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    options: dict[str, list[str]] = {}
    for f in fields:
        if f.type in ("choice", "multichoice") and f.choices:
            values = (allowed or {}).get(f.name, f.choices)
            options[f.name] = [tr(f"{f.choices_key}.{v}") if f.choices_key else str(v) for v in values]
        elif f.type == "bool":
            options[f.name] = [tr("rec.yes"), tr("rec.no")]
        elif f.type == "ref" and (refs or {}).get(f.name):
            options[f.name] = [str(name) for name in refs[f.name].values()]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([title])
    ws.append([tr(f.label) + ("*" if f.required else "") for f in fields])
    if example:
        ws.append(list(example))
    lists = wb.create_sheet(tr("imp.sheet_values")[:31])
    listed = [f.name for f in fields if options.get(f.name)]
    label = {f.name: f.label for f in fields}
    lists.append([tr(label[name]) for name in listed])
    for i in range(max([len(options[name]) for name in listed] or [0])):
        lists.append([options[name][i] if i < len(options[name]) else None for name in listed])
    for j, f in enumerate(fields, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(10, min(40, 2 * len(tr(f.label)) + 4))
        fmt = "@" if f.type in ("text", "longtext") else "yyyy-mm-dd" if f.type == "date" else None
        if fmt:
            for r in range(3, 503):
                ws.cell(row=r, column=j).number_format = fmt
        if f.name in listed and f.type in ("choice", "bool", "ref"):
            k = listed.index(f.name) + 1
            source = f"{quote_sheetname(lists.title)}!${get_column_letter(k)}$2:" \
                     f"${get_column_letter(k)}${len(options[f.name]) + 1}"
            dv = DataValidation(type="list", formula1=f"={source}", allow_blank=True, errorStyle="warning")
            dv.add(f"{letter}3:{letter}1002")
            ws.add_data_validation(dv)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ledger_template(ledger: Ledger, tr: Callable[..., str], *,
                    refs: Mapping[str, Mapping[int, str]] | None = None) -> bytes:
    """The template of a declared ledger: its import columns, references by the names offered."""
    return template_xlsx(fields_of(ledger), tr, title=tr("imp.template_title", ledger=tr(ledger.label)),
                         sheet=tr(ledger.label), refs=refs)
