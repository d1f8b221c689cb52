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
    if f.type == "ref" and f.ref not in KEYS:
        problems.append(f"ref {f.ref!r} names no declared ledger")
    if f.type != "ref" and f.ref is not None:
        problems.append("ref set on a field that is not a reference")
    if f.personal and f.mask not in MASKS:
        problems.append(f"unknown mask {f.mask!r}")
    if f.restricted is not None and not set(f.restricted()) <= set(f.choices):
        problems.append("restricted values that are not among the choices")
    if f.min_value is not None and f.max_value is not None and f.min_value > f.max_value:
        problems.append("min_value above max_value")
    return problems
