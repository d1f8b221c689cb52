"""Every string a user reads: key -> (简体中文, English), one module per part of the app.

A key's first segment names the module that holds it (a test keeps each prefix in one module):

    common        app section page pagedesc role roledesc action lang guard dberr err warn field
                  rec imp upload doc unit sep — the shell, and what every ledger shares
    audit         audit hist table auditaction — the audit log and every record's history
    places        places place housing hardship
    people        res gender idtype relation residence status visit rental rentalstatus check
                  checkresult; group visittype satisfaction (db/reference/residents.yaml)
    safety        fac facstatus insp inspsource result severity risk hsource hstate haz step level
                  state sched; cat (db/reference/checklists.yaml)
    quality       actn actnstate actnsource — improvement actions; target — the targets page
    assessments   asm ind evl evlkind evlsubj evlstate evlperiod — indicator sets and evaluations
    surveys       svy svystate; sq score (db/reference/surveys.yaml) — satisfaction surveys
    complaints    cmp cmpstate cmpdue limitunit; channel cmpkind cmpcat urgency
                  (db/reference/complaints.yaml) — residents' requests and their response limits
    plans         plan plantype planstate planrev att — emergency plans and their files
    drills        drl drltype drlmode drlstate drlgroup drlscore drlrating drlrule drlrulekind
                  drlruleapplies drlruleunit drlsched — drills, their evaluation and obligations
    volunteering  vol volstatus logstatus my act actstate; teamtype position acttype volrole
                  (db/reference/volunteering.yaml)
    overview      home kpi dash rep chart
    admin         users ref setting
    me            login account session revoke

A new prefix goes where its page is, or in common when several parts use it. Services raise
errors and warnings as keys from here; pages and components show them with
``components.i18n.t``. Importing this package refuses a key that two modules define; the tests
check that no module defines one twice, that every key the code uses is here and that every key
here is used (tests/test_layout.py).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import ModuleType

from components.catalog import (admin, assessments, audit, common, complaints, drills, me, overview, people, places,
                                plans, quality, safety, surveys, volunteering)

MODULES: tuple[ModuleType, ...] = (common, audit, places, people, safety, plans, drills, quality, assessments, surveys,
                                   complaints, volunteering, overview, admin, me)


class DuplicateKey(ValueError):
    """Two modules define the same key: one of the two texts would win silently."""


def parts(modules: Iterable[ModuleType] = MODULES) -> Iterable[tuple[str, Mapping[str, tuple[str, str]]]]:
    """(where, keys) of each module: its ``CATALOG``, and its ``vocabulary()`` read from db/reference."""
    for module in modules:
        name = module.__name__.rsplit(".", 1)[-1]
        yield f"{name}.py", module.CATALOG
        if hasattr(module, "vocabulary"):
            yield f"{name}.py vocabulary()", module.vocabulary()


def merge(named_parts: Iterable[tuple[str, Mapping[str, tuple[str, str]]]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    where: dict[str, str] = {}
    for name, keys in named_parts:
        for key, pair in keys.items():
            if key in merged:
                raise DuplicateKey(f"catalog key {key!r} is defined in components/catalog/{where[key]} "
                                   f"and in components/catalog/{name}")
            merged[key] = pair
            where[key] = name
    return merged


CATALOG: dict[str, tuple[str, str]] = merge(parts())
