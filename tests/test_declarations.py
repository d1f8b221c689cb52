"""The ledger declarations checked as a whole, the way Django's admin checks its ModelAdmins at
start-up: every declared field is a column of its model (or says it is not), every label, help
text and choice is in the catalog in both languages, every reference names a declared ledger,
and sorts, parents and masks name things that exist. A typo in a declaration fails here, not in
front of a committee member."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import db.models
from components.catalog import CATALOG
from db.declarations import Field, Ledger

MASKS = {"hide", "phone", "name", "id"}
TYPES = {"text", "longtext", "int", "float", "date", "time", "bool", "choice", "multichoice", "ref", "photo"}


def _ledgers() -> list[Ledger]:
    found: dict[int, Ledger] = {}
    for info in pkgutil.iter_modules(db.models.__path__):
        module = importlib.import_module(f"db.models.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Ledger):
                found[id(value)] = value
    return sorted(found.values(), key=lambda ledger: ledger.key)


LEDGERS = _ledgers()
KEYS = {ledger.key for ledger in LEDGERS}


def test_the_declarations_are_found_and_their_keys_are_unique():
    assert len(LEDGERS) >= 12  # places (4), residents, visits, rentals, facilities, hazards, teams, volunteers, …
    assert len(KEYS) == len(LEDGERS)


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda ledger: ledger.key)
def test_declaration_matches_its_model_and_the_catalog(ledger: Ledger):
    columns = set(ledger.model.__table__.columns.keys())
    problems: list[str] = []
    assert ledger.label in CATALOG, ledger.label
    names = [f.name for f in ledger.fields]
    if len(names) != len(set(names)):
        problems.append(f"a field is declared twice: {names}")
    if ledger.default_sort not in columns:
        problems.append(f"default_sort {ledger.default_sort!r} is not a column")
    if ledger.parent is not None and not ledger.has(ledger.parent):
        problems.append(f"parent {ledger.parent!r} is not a declared field")
    for f in ledger.fields:
        problems += [f"{f.name}: {p}" for p in _field_problems(f, columns)]
    assert not problems, f"{ledger.key}: " + "; ".join(problems)


def _field_problems(f: Field, columns: set[str]) -> list[str]:
    problems = []
    if f.type not in TYPES:
        problems.append(f"unknown type {f.type!r}")
    if f.column and f.name not in columns:
        problems.append("not a column of the model (declare column=False if the service handles it)")
    for key in (f.label, f.help):
        if key is not None and key not in CATALOG:
            problems.append(f"catalog key {key!r} missing")
    if f.type in ("choice", "multichoice"):
        if not f.choices and f.column:  # a non-column one (a rental's tenants) is filled by its page
            problems.append("a choice field without choices")
        if f.choices_key:
            missing = [c for c in f.choices if f"{f.choices_key}.{c}" not in CATALOG]
            if missing:
                problems.append(f"choices without catalog labels: {missing}")
    if (f.type == "ref" or f.ref is not None) and f.ref not in KEYS:
        problems.append(f"ref {f.ref!r} names no declared ledger")
    if f.type not in ("ref", "multichoice") and f.ref is not None:
        problems.append("ref set on a field that is neither a reference nor a multichoice of one")
    if f.secret and (f.column or f.list or f.export):
        problems.append("a secret (a password) stored, listed or exported")
    if f.personal and f.mask not in MASKS:
        problems.append(f"unknown mask {f.mask!r}")
    if f.restricted is not None and not set(f.restricted()) <= set(f.choices):
        problems.append("restricted values that are not among the choices")
    if f.min_value is not None and f.max_value is not None and f.min_value > f.max_value:
        problems.append("min_value above max_value")
    return problems


# --- what the engine reads (services.ledgers, components.ledger_page) --------------------------

from db.declarations import NOBODY  # noqa: E402
from services import access, ledgers  # noqa: E402

ENGINE_LEDGERS = [lg for lg in LEDGERS if lg.page is not None]


def test_the_engine_finds_every_declaration():
    assert set(ledgers.all_ledgers()) == KEYS
    assert {"community", "grid", "building", "household", "facility"} <= {lg.key for lg in ENGINE_LEDGERS}


@pytest.mark.parametrize("ledger", ENGINE_LEDGERS, ids=lambda ledger: ledger.key)
def test_an_engine_ledger_names_what_exists(ledger: Ledger):
    """Its page is in the access matrix and every action it answers to is a row of it; scope,
    parent, unique and import columns exist; views, columns and steps are in the catalog; the
    workflow's states are its field's choices; hooks and ref providers resolve."""
    problems: list[str] = []
    columns = set(ledger.model.__table__.columns.keys())
    row = access.MATRIX.get(ledger.page)
    if row is None:
        pytest.fail(f"{ledger.key}: page {ledger.page!r} is not in the access matrix")
    for action in ("view", *ledger.actions):
        if ledger.action(action) not in row and ledger.action(action) != NOBODY:
            problems.append(f"action {action!r} -> {ledger.action(action)!r} is not in the matrix row {ledger.page!r}")
    rule = ledger.scope
    for name in (rule.community, rule.grid, rule.owner):
        if name is not None and name not in columns:
            problems.append(f"scope column {name!r} is not a column")
    if rule.through is not None and (not ledger.has(rule.through) or ledger.field(rule.through).type != "ref"):
        problems.append(f"scope through {rule.through!r} is not a ref field")
    if ledger.parent is not None and ledger.field(ledger.parent).type != "ref":
        problems.append(f"parent {ledger.parent!r} is not a ref field")
    for group in ledger.unique + (ledger.import_key,):
        problems += [f"unique/import column {n!r} missing" for n in group if n not in columns]
    for item in (*ledger.views, *ledger.columns):
        if item.label not in CATALOG:
            problems.append(f"label {item.label!r} missing from the catalog")
    for f in ledger.fields:
        if f.type == "ref" and f.ref not in ledgers.PROVIDERS:
            problems.append(f"{f.name}: ref {f.ref!r} has no option provider")
        if f.choices_from is not None and (f.type != "text" or not callable(ledgers.resolve(f.choices_from))):
            problems.append(f"{f.name}: choices_from {f.choices_from!r} is no text field's option provider")
    column_hooks = tuple(c.expr for c in ledger.columns if isinstance(c.expr, str))
    for hook in (ledger.clean, ledger.after_save, rule.rule, ledger.validate, ledger.search, ledger.fill,
                 *column_hooks):
        if hook is not None and not callable(ledgers.resolve(hook)):
            problems.append(f"hook {hook!r} does not resolve")
    for f in ledger.fields:
        if f.where is not None and (f.column or not f.filter):
            problems.append(f"{f.name}: a where clause is for a filter that is no column")
        if f.create_only and not f.editable:
            problems.append(f"{f.name}: create_only on a field that is not in the form")
    problems += [f"audit_exclude {n!r} is not a column" for n in ledger.audit_exclude if n not in columns]
    wf = ledger.workflow
    if wf is not None:
        if wf.field not in columns:
            problems.append(f"workflow field {wf.field!r} is not a column")
        if wf.initial not in wf.states:
            problems.append(f"initial state {wf.initial!r} is not a state")
        if ledger.has(wf.field) and ledger.field(wf.field).editable:
            problems.append("the workflow's state is editable in the form (it moves by steps only)")
        for state in wf.states:
            if wf.choices_key and f"{wf.choices_key}.{state}" not in CATALOG:
                problems.append(f"state {state!r} has no catalog label")
        for step in wf.steps:
            if step.label not in CATALOG:
                problems.append(f"step {step.name}: label {step.label!r} missing")
            if step.action not in row:
                problems.append(f"step {step.name}: action {step.action!r} is not in the matrix row")
            if not set(step.source) <= set(wf.states) or (step.target is not None and step.target not in wf.states):
                problems.append(f"step {step.name}: states outside the workflow")
            for hook in (step.guard, step.apply):
                if hook is not None and not callable(ledgers.resolve(hook)):
                    problems.append(f"step {step.name}: hook {hook!r} does not resolve")
            for f in step.fields:
                problems += [f"step {step.name}.{f.name}: {p}" for p in _field_problems(f, columns | {f.name})]
    assert not problems, f"{ledger.key}: " + "; ".join(problems)


def test_every_option_provider_resolves_and_answers_in_scope(db, demo_db):
    """Each provider is a function of (session, actor) giving {id: label}; a staff member's grid
    options are their grids only (a form cannot offer a place outside the actor's scope)."""
    from tests.conftest import actor_of

    staff = actor_of(db, "staff")
    with db() as s:
        for ref in ledgers.PROVIDERS:
            options = ledgers.provider(ref)(s, staff)
            assert isinstance(options, dict) and all(isinstance(k, int) for k in options), ref
        assert set(ledgers.provider("grid")(s, staff)) == set(staff.grid_ids)
