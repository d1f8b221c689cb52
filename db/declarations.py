"""Ledger declarations: each ledger declares itself once, next to its model — its fields, the
access-matrix row it answers to, the columns that bind a row to a community, grid or owner,
its save hooks, uniqueness, views, export and import columns, and its workflow as data.

The engine (``services/ledgers.py``) lists, gets, saves, deletes, moves, exports and imports
every declared ledger from this; the page component (``components/ledger_page.py``) draws it.
Labels are catalog keys (``components/catalog/``), never text. db/ knows no services: hooks
receive a ``Context``; a hook that needs a service is named as "services.module:function" and
resolved by the engine when it runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping, Sequence

# Who sees a personal field (``Field.sees``). db/ knows no services, so the role names are
# spelled here; services.access holds the same names.
LEADS = frozenset({"admin", "manager"})
FIELD_WORKERS = frozenset({"admin", "manager", "staff"})

# "photo": a stored photo's id (services.photos); a form draws it with the page's widget for
# "photo" (components.records.record_form ``widgets``) and leaves it out without one
FieldType = Literal["text", "longtext", "int", "float", "date", "time", "bool", "choice", "multichoice", "ref",
                    "photo"]


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
    ref: str | None = None  # for type "ref": the ledger key it points to; on a "multichoice": its
    # options are that ledger's rows (from the same provider), the value a list of their ids
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
    # import: other headers a committee's spreadsheet uses for this column (after the header's
    # annotations — "*", "（必填）", units in brackets — are taken off), and value synonyms of
    # a choice field ({"男性": "男"}); a value still unknown is mapped by hand in the preview.
    aliases: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=dict)
    importable: bool = True
    past_only: bool = False  # a date that cannot be after today (err.future_date)
    # given when the row is made and never changed after (a login name, an initial password):
    # the new form asks for it; the edit form shows a column read-only and leaves the rest out;
    # an update keeps the stored value whatever it is sent
    once: bool = False
    # typed hidden (a password): a password input, taken as typed (no half-width folding); declare
    # it column=False, list=False, export=False — the service hashes it, nothing stores or audits it
    secret: bool = False
    # a filter that is no column (a resident's special group, an age band): where(value, today)
    # gives its SQL condition; the list, the export and a bookmark all filter with it
    where: Callable[[Any, Any], Any] | None = None
    # set when the row is made and kept as stored on every edit, left out of the edit form
    # (a visit's resident: a visit is not moved to someone else)
    create_only: bool = False
    # a text field whose value is picked from rows, not typed: "services.module:function"
    # (session, actor) -> {stored value: label} — a username shown by the person's name. The form
    # offers those values, lists, filters and history show their labels, and a save refuses a
    # value not offered (a stored value kept unchanged passes)
    choices_from: str | None = None


@dataclass(frozen=True)
class Scope:
    """Which columns bind a row to the actor's world (Django's ``get_queryset``): one rule that
    list, get, save, delete, move, export and history all apply.

    ``community``: the column holding the community id ("id" for the community itself);
    ``grid``: the column holding the grid id (staff see their grids only); ``owner``: a column
    holding a username — for ``owner_roles`` a row is theirs only; ``through``: a ref field —
    the row is in scope when the row it points at is (a visit is seen with its resident);
    ``rule``: further clauses of the actor (a function or "services.module:function" returning a
    list), e.g. volunteers see announced activities only."""
    community: str | None = "community_id"
    grid: str | None = None
    owner: str | None = None
    owner_roles: frozenset[str] = frozenset()
    through: str | None = None
    rule: Callable[[Any], list] | str | None = None


@dataclass(frozen=True)
class View:
    """A named view of a list (a tab or toggle): a WHERE clause made from the model and today,
    e.g. "overdue" or "due for renewal"."""
    name: str
    label: str  # catalog key
    clause: Callable[[Any], Any]  # clause(today) -> SQL condition


@dataclass(frozen=True)
class Column:
    """A computed list column: an SQL expression of today (a correlated count, a derived state).
    ``expr`` is a function of today, or a hook "services.module:function" given the Context
    (session, actor, today) for an expression made from rows (a community's check rules).
    A filter on its name compares the expression (declare a non-column choice Field of the same
    name for the filter widget and the labels); ``sortable`` lets the whole list be sorted by it."""
    name: str
    label: str  # catalog key
    expr: Callable[[Any], Any] | str  # expr(today) -> SQL column expression
    export: bool = True
    choices_key: str | None = None  # a coded value shown through the catalog
    search: bool = False  # the list's search looks in it too (a name from another table)
    sortable: bool = False


@dataclass
class Context:
    """What a hook gets besides the values: the session, the actor, the community's today, the
    row as it is before the save (None for a new one) and where warnings go; in a workflow
    step's guard and apply, the ``Step`` being taken."""
    session: Any
    actor: Any
    today: Any
    obj: Any = None
    warnings: list = field(default_factory=list)  # (catalog key, params)
    # the data as submitted: a hook reads from it what the declaration holds no field for (the
    # ids of photos stored beside a step, a confirmation the user gave)
    data: Mapping[str, Any] = field(default_factory=dict)
    step: Any = None
    # what the save writes, with the non-column fields (a resident's tags, a rental's tenants)
    # that an after_save hook stores itself
    values: dict | None = None


@dataclass(frozen=True)
class Step:
    """One workflow transition (Frappe's Workflow Transition row): from ``source`` states to
    ``target``, allowed to the roles of the matrix action ``action``, asking for ``fields``.
    ``guard(ctx, obj)`` returns a catalog key when the step is refused for this row and actor
    (the re-inspector is not who rectified it); ``apply(ctx, obj, values)`` returns further
    column values to write (a date, a derived flag) and may raise a ValidationError. ``done`` is the
    catalog key of the message after the step (default "wf.done" naming the step).
    ``target`` None: the row stays in its state (a step that records something, an escalation).
    Steps naming the same ``form`` (a catalog key, its title) share one step form — its fields
    drawn once, a button per step: a re-inspection passes or fails with the same note."""
    name: str
    label: str  # catalog key
    source: tuple[str, ...]
    target: str | None
    action: str = "edit"
    fields: tuple[Field, ...] = ()
    guard: Callable[[Context, Any], str | None] | str | None = None
    apply: Callable[[Context, Any, dict], dict | None] | str | None = None
    icon: str | None = None
    primary: bool = False
    done: str | None = None
    form: str | None = None


@dataclass(frozen=True)
class Workflow:
    """States and steps as data; the state lives in ``field``. Every step is written through the
    engine: permission, scope, the version the user saw, the step's fields validated, one
    audit entry naming the step, shown on the record's timeline."""
    initial: str
    states: tuple[str, ...]
    steps: tuple[Step, ...]
    field: str = "status"
    choices_key: str | None = None

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)


# the engine's actions, each answered by a row of the access matrix (page -> action -> roles)
ACTIONS = ("view", "create", "edit", "delete", "export", "import")
NOBODY = "nobody"  # ``Ledger.actions`` value of an action no role takes (no matrix row has it)


@dataclass(frozen=True)
class Ledger:
    key: str  # e.g. "grid"
    model: type
    label: str  # catalog key
    fields: tuple[Field, ...]
    # the ref field whose row gives a new or moved row its community (and grid): scope-checked,
    # and its community_id / grid_id copied onto the row
    parent: str | None = None
    default_sort: str = "id"
    descending: bool = False  # newest first where people look for what they just did
    table: str | None = None  # audit table name, when it is not the model's
    page: str | None = None  # the access-matrix row (services.access.MATRIX) this ledger answers to
    actions: Mapping[str, str] = field(default_factory=dict)  # engine action -> matrix action, where they differ
    scope: Scope = Scope()
    unique: tuple[tuple[str, ...], ...] = ()  # column groups unique within the community (the last names the field)
    # hooks: a function or "services.module:function"
    clean: Callable[[Context, dict], None] | str | None = None  # cross-field checks; may set values, raise ValidationError
    after_save: Callable[[Context, Any, bool], None] | str | None = None  # (ctx, obj, created): derived rows, warnings
    # (session, actor, rows): fills one page of listed rows with the values of fields that are not
    # table columns (a many-to-many list), in one query for the page — the list, the opened
    # record's form and the export read them from there
    expand: Callable[[Any, Any, list], None] | str | None = None
    # (ctx, obj) -> a catalog key when the row may no longer be edited or deleted (a verified entry), else None
    locked: Callable[[Context, Any], str | None] | str | None = None
    # validate(ctx, data) -> values replaces the field-by-field check where fields depend on each
    # other (an ID number gives the birth date and the gender; an edit may leave it blank):
    # it raises one ValidationError with every field's error at once
    validate: Callable[[Context, dict], dict] | str | None = None
    # search(actor, term) -> SQL condition replaces the search over ``Field.search`` fields (a
    # resident is found by pieces of a phone only where the role sees phones, by a full number)
    search: Callable[[Any, str], Any] | str | None = None
    # fill(ctx, rows) adds what one query for the whole page gives to the listed rows before they
    # are masked (a resident's tags and age, a rental's tenants); a non-column field's stored
    # value comes from here, for the edit form and the audit entry's "before"
    fill: Callable[[Context, list], None] | str | None = None
    audit_exclude: tuple[str, ...] = ()  # columns never written into an audit entry (a ciphertext, a keyed hash)
    views: tuple[View, ...] = ()
    columns: tuple[Column, ...] = ()  # computed list columns
    order: Callable[[Any], list] | None = None  # order(today) -> ORDER BY clauses when the user picked no sort
    import_key: tuple[str, ...] = ()  # the fields that find an existing row on import (update instead of add)
    workflow: Workflow | None = None
    history: bool = True  # the detail shows the record's audit entries

    def action(self, name: str) -> str:
        """The matrix action that answers the engine's ``name`` (view, create, …, or a step's)."""
        return self.actions.get(name, name)

    def view(self, name: str) -> View:
        for v in self.views:
            if v.name == name:
                return v
        raise KeyError(name)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

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

    @property
    def export_fields(self) -> list[Field]:
        return [f for f in self.fields if f.export]

    @property
    def import_fields(self) -> list[Field]:
        return [f for f in self.fields if f.editable and f.importable and f.column]
