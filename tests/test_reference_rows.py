"""Reference rows an administrator changes: the visit rules as a register on the ledger engine
(db.models.residents.VISIT_RULE: edit only, admin only) and the settings, whose audit entries
read with each setting's name from the catalog."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from components.catalog import CATALOG
from db import reference
from db.models import VisitRule
from db.models.residents import VISIT_RULE
from services import audit, audit_read, ledgers, settings, visits
from services.errors import PermissionDenied, StaleEdit, ValidationError
from tests.conftest import actor_of


def _rule(db, tag: str) -> dict:
    with db() as s:
        rule_id = s.execute(select(VisitRule.id).where(VisitRule.tag == tag)).scalar_one()
        return ledgers.row(s, actor_of(db, "admin"), VISIT_RULE, rule_id)


def test_the_admin_changes_a_visit_rule_through_the_engine(db, demo_db):
    admin = actor_of(db, "admin")
    row = _rule(db, "空巢老人")
    with db(write=True) as s:
        ledgers.save(s, admin, VISIT_RULE, {"tag": "残疾人", "every": 2, "unit": "week"}, row["id"], row["version"])
    with db() as s:
        assert visits.rules(s)["空巢老人"] == ("week", 2)  # the group stays what it was
        [entry] = audit_read.entries(s, admin, audit.search(s, actor="admin", table_name="visit_rule").rows)
    assert entry["record"] == "空巢老人" and entry["record_field"].choices_key == "group"
    assert {f.name: (old, new) for f, old, new in entry["changes"]} == {
        "every": (row["every"], 2), "unit": (row["unit"], "week")}
    with db(write=True) as s, pytest.raises(StaleEdit):  # a form loaded before
        ledgers.save(s, admin, VISIT_RULE, {"every": 3, "unit": "week"}, row["id"], row["version"])


def test_visit_rules_are_for_the_admin_to_change_and_for_nobody_to_add_or_delete(db, demo_db):
    admin, manager = actor_of(db, "admin"), actor_of(db, "manager")
    row = _rule(db, "空巢老人")
    assert not any(ledgers.may(who, VISIT_RULE, action) for who in (admin, manager) for action in ("create", "delete"))
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, manager, VISIT_RULE, {"every": 1, "unit": "year"}, row["id"], row["version"])
    with db() as s, pytest.raises(PermissionDenied):
        ledgers.list_rows(s, manager, VISIT_RULE)
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.save(s, admin, VISIT_RULE, {"tag": "空巢老人", "every": 1, "unit": "year"})
    with db(write=True) as s, pytest.raises(PermissionDenied):
        ledgers.delete(s, admin, VISIT_RULE, row["id"], row["version"])
    with db(write=True) as s, pytest.raises(ValidationError) as e:
        ledgers.save(s, admin, VISIT_RULE, {"every": 0, "unit": "fortnight"}, row["id"], row["version"])
    assert e.value.errors == {"every": "err.out_of_range", "unit": "err.bad_choice"}
    with db() as s:
        assert visits.rules(s)["空巢老人"] == (row["unit"], row["every"])


def test_every_setting_has_a_name_in_both_languages():
    missing = [key for key in reference.load("settings") if f"setting.{key}" not in CATALOG]
    assert not missing
    assert all(all(CATALOG[f"setting.{key}"]) for key in reference.load("settings"))


def test_a_setting_change_is_named_by_its_label_and_its_value_read_as_a_value(db, demo_db):
    admin = actor_of(db, "admin")
    with db(write=True) as s:
        settings.set_value(s, admin, "kpi.inspection_completion.target", 90)  # a long key: named whole
        settings.set_value(s, admin, "rental.check", {"unit": "month", "every": 2})
    with db() as s:
        said = audit_read.entries(s, admin, audit.search(s, actor="admin", table_name="setting").rows)
    by_key = {e["record"]: e for e in said}
    assert set(by_key) == {"kpi.inspection_completion.target", "rental.check"}
    target = by_key["kpi.inspection_completion.target"]
    assert target["record_field"].choices_key == "setting"  # shown through "setting.<key>"
    assert [(f.name, old, new) for f, old, new in target["changes"]] == [("value", 95, 90)]
    interval = by_key["rental.check"]
    assert [(f.name, old, new) for f, old, new in interval["changes"]] == [("rule_every", 1, 2),
                                                                           ("rule_unit", "quarter", "month")]
