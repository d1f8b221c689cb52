"""Field declarations: each ledger declares its fields once, next to its model.

The shared UI components render lists, filters, forms and exports from these; the services
validate from them. Labels are catalog keys (``components/catalog.py``), never text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

# Who sees a personal field (``Field.sees``). db/ knows no services, so the role names are
# spelled here; services.access holds the same names.
LEADS = frozenset({"admin", "manager"})
FIELD_WORKERS = frozenset({"admin", "manager", "staff"})

FieldType = Literal["text", "longtext", "int", "float", "date", "time", "bool", "choice", "multichoice", "ref"]


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # catalog key
    type: FieldType = "text"
    required: bool = False
    max_length: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    choices: Sequence[str] = ()  # stored values; shown through the catalog as "<choices_key>.<value>"
    choices_key: str | None = None
    ref: str | None = None  # for type "ref": the ledger key it points to
    validator: Callable[[Any], str | None] | None = None  # returns a catalog key on error
    list: bool = True
    filter: bool = False
    search: bool = False
    export: bool = True
    # Personal data (Frappe's permlevel): ``sees`` are the roles that see the stored value;
    # everyone else gets ``mask`` of it ("hide": nothing, "phone", "name", "id": region only).
    # A personal field with no ``sees`` is for admin and manager only. ``restricted`` names the
    # choice values (e.g. 社区矫正) that only ``restricted_sees`` may see, in every path out.
    personal: bool = False
    sees: frozenset[str] | None = None
    mask: str = "hide"
    restricted: Callable[[], frozenset[str]] | None = None
    restricted_sees: frozenset[str] = frozenset({"admin", "manager"})
    editable: bool = True
    column: bool = True  # False: not a table column (computed, or handled by the service)
    help: str | None = None  # catalog key


@dataclass(frozen=True)
class Ledger:
    key: str  # e.g. "grid"
    model: type
    label: str  # catalog key
    fields: tuple[Field, ...]
    parent: str | None = None  # the field that points at the parent place
    default_sort: str = "id"
    descending: bool = False  # newest first where people look for what they just did
    extra: dict = field(default_factory=dict)
    table: str | None = None  # audit table name, when it is not the model's

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def table_name(self) -> str:
        return self.table or self.model.__tablename__

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def list_fields(self) -> list[Field]:
        return [f for f in self.fields if f.list]

    @property
    def search_fields(self) -> list[Field]:
        return [f for f in self.fields if f.search]

    @property
    def filter_fields(self) -> list[Field]:
        return [f for f in self.fields if f.filter]
