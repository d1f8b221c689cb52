"""Drill obligations as rules (DrillRule rows): the hook that keeps a rule's value one of the drill
types or plan types its kind names."""
from __future__ import annotations

from db.declarations import Context
from db.models.drills import DRILL_TYPES, PLAN_TYPES
from services.errors import ValidationError


def clean_rule(ctx: Context, values: dict) -> None:
    allowed = DRILL_TYPES if values.get("kind") == "drill_type" else PLAN_TYPES
    if values.get("value") not in allowed:
        raise ValidationError({"value": "drlrule.err_value"})
