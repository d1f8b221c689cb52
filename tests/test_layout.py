"""House rules that keep the app honest: where page scripts live, what imports Streamlit, and
that every string a user reads is in the catalog in both languages."""
import ast
import re
from dataclasses import dataclass, field

import pytest

from components.catalog import CATALOG
from services import access
from tests.conftest import ROOT


def test_no_page_script_directly_in_pages():
    # Streamlit serves pages/*.py by URL without app.py on a fresh server (STACK-NOTES §1)
    assert [p.name for p in (ROOT / "pages").glob("*.py") if p.name != "__init__.py"] == []


def test_every_built_page_exists_in_its_section_folder():
    for spec in access.built_pages():
        path = ROOT / spec.script
        assert path.exists(), spec.script
        assert path.parent.name == spec.section, spec.script
        first_code = [n for n in ast.parse(path.read_text(encoding="utf-8")).body
                      if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Expr))][0]
        assert f"guard('{spec.key}')" in ast.unparse(first_code), f"{spec.script} must start with its guard"
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "pages").rglob("*.py")}
    assert on_disk == {s.script for s in access.built_pages()}


def test_domain_never_imports_streamlit():
    for folder in ("services", "db"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n.split(".")[0] == "streamlit" for n in names), path


def test_catalog_has_both_languages():
    for key, pair in CATALOG.items():
        assert len(pair) == 2 and all(isinstance(x, str) and x.strip() for x in pair), key


def test_every_key_used_in_code_is_in_the_catalog():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[^"'{}]+)["']""")
    used = set()
    for folder in ("app.py", "pages", "components"):
        paths = [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py")
        for path in paths:
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    for path in (ROOT / "templates").glob("*.html"):  # printed documents (services.documents)
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    # keys raised by services and declared by ledgers
    for path in list((ROOT / "services").rglob("*.py")) + list((ROOT / "db").rglob("*.py")):
        used |= set(re.findall(r"""["']((?:err|warn|audit|field|place|users|page)\.[a-z_]+)["']""",
                               path.read_text(encoding="utf-8")))
    used |= {f"page.{k}" for k in access.PAGES} | {f"role.{r}" for r in access.ROLES}
    used |= {f"section.{s}" for s in access.SECTIONS} | {f"roledesc.{r}" for r in access.ROLES}
    used |= {f"action.{a}" for actions in access.MATRIX.values() for a in actions}
    used |= {f"pagedesc.{p.key}" for p in access.built_pages()}
    from services import kpis

    used |= {k.label for k in kpis.REGISTRY.values()}
    used |= {f"dash.light.{c}" for c in ("green", "amber", "red")}
    used = {k for k in used if not k.endswith(".")}  # t("prefix." + value): checked through their vocabularies
    missing = sorted(k for k in used if k not in CATALOG)
    assert missing == []


def test_matrix_names_only_known_pages_and_roles():
    assert set(access.MATRIX) == set(access.PAGES)
    for page, actions in access.MATRIX.items():
        assert "view" in actions, page
        for roles in actions.values():
            assert roles <= set(access.ROLES)


def _catalog_literals() -> dict[str, list[str]]:
    """Every key written in a ``CATALOG = {...}`` of components/catalog/, per module, as the source
    has it (with repeats: a dict keeps the last of two equal keys, so the built dict cannot tell)."""
    out = {}
    for path in sorted((ROOT / "components" / "catalog").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals = [n.value for n in tree.body if isinstance(n, ast.AnnAssign) and n.target.id == "CATALOG"]
        if path.name == "__init__.py":
            assert all(not isinstance(v, ast.Dict) for v in literals), "keys belong in a section module"
            continue
        assert len(literals) == 1 and isinstance(literals[0], ast.Dict), f"{path.name}: one CATALOG dict literal"
        assert all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in literals[0].keys), path.name
        out[path.stem] = [k.value for k in literals[0].keys]
    return out


def test_no_catalog_key_is_defined_twice():
    """A dict literal keeps the last of two equal keys silently: a merge or a copy that defines a
    key twice — in one module or in two — would change a text with no error anywhere."""
    from collections import Counter

    from components import catalog

    modules = _catalog_literals()
    assert set(modules) == {m.__name__.rsplit(".", 1)[-1] for m in catalog.MODULES}  # no module left out
    counts = Counter(k for keys in modules.values() for k in keys)
    assert [k for k, n in counts.items() if n > 1] == []


def test_merging_the_catalog_refuses_a_key_defined_twice():
    from components import catalog

    with pytest.raises(catalog.DuplicateKey, match="'rec.save'.*common.py.*me.py"):
        catalog.merge([("common.py", {"rec.save": ("保存", "Save")}), ("me.py", {"rec.save": ("存", "Keep")})])
    # the vocabularies read from db/reference are merged the same way
    assert catalog.CATALOG == catalog.merge(catalog.parts())
    assert {"cat.fire", "group.独居老人", "acttype.文艺"} <= set(catalog.CATALOG)


def test_each_key_prefix_lives_in_one_catalog_module():
    """The first segment of a key names its module (components/catalog/__init__.py): a new
    ``haz.*`` key goes where the other ``haz.*`` keys are, so a key is found by its name."""
    from components import catalog

    homes: dict[str, set[str]] = {}
    for name, keys in catalog.parts():
        for key in keys:
            homes.setdefault(key.split(".")[0], set()).add(name.split(".py")[0])
    assert {prefix: sorted(names) for prefix, names in homes.items() if len(names) > 1} == {}


# --- no key unused -----------------------------------------------------------------------

CODE = ("app.py", "manage.py", "pages", "components", "services", "db")  # and templates/*.html


@dataclass
class _Scan:
    literals: set[str] = field(default_factory=set)  # every string constant, f-strings of constants expanded
    heads: dict[str, set[str]] = field(default_factory=dict)  # "prefix." of f"prefix.{x}" / "prefix." + x -> files
    choice_keys: dict[str, set[str]] = field(default_factory=dict)  # choices_key="x", choice_label("x", …) -> files
    by_file: dict[str, set[str]] = field(default_factory=dict)  # the string constants of each file


def _constant_strings(node) -> list[str] | None:
    """The strings an f-string part can be: a constant, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _constant_strings(node.body), _constant_strings(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _joined(node: ast.JoinedStr) -> set[str] | None:
    out = {""}
    for part in node.values:
        options = _constant_strings(part.value if isinstance(part, ast.FormattedValue) and part.format_spec is None
                                    and part.conversion == -1 else part)
        if options is None:
            return None
        out = {a + b for a in out for b in options}
    return out


def _scan() -> _Scan:
    scan = _Scan()
    paths = []
    for name in CODE:
        path = ROOT / name
        paths += [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
    catalog_dir = ROOT / "components" / "catalog"
    for path in paths:
        if catalog_dir in path.parents:
            continue
        rel = str(path.relative_to(ROOT))
        own = scan.by_file.setdefault(rel, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                own.add(node.value)
            elif isinstance(node, ast.JoinedStr):
                expanded = _joined(node)
                if expanded is not None:
                    own |= expanded
                elif isinstance(node.values[0], ast.Constant) and "." in node.values[0].value:
                    scan.heads.setdefault(node.values[0].value, set()).add(rel)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant) \
                    and isinstance(node.left.value, str) and "." in node.left.value:
                scan.heads.setdefault(node.left.value, set()).add(rel)
            elif isinstance(node, ast.keyword) and node.arg == "choices_key" and isinstance(node.value, ast.Constant) \
                    and node.value.value:
                scan.choice_keys.setdefault(node.value.value, set()).add(rel)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == \
                    "choice_label" and node.args and isinstance(node.args[0], ast.Constant):
                scan.choice_keys.setdefault(node.args[0].value, set()).add(rel)
    for path in sorted((ROOT / "templates").glob("*.html")):  # printed documents: {{ t("key") }}, t("prefix." ~ x)
        text, rel = path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        scan.by_file[rel] = set(re.findall(r'"([^"\n]+)"', text)) | set(re.findall(r"'([^'\n]+)'", text))
        for head in re.findall(r"""["']([a-z_.]+\.)["']\s*~""", text):
            scan.heads.setdefault(head, set()).add(rel)
    for strings in scan.by_file.values():
        scan.literals |= strings
    return scan


def _literals_of(scan: _Scan, *paths: str) -> set[str]:
    return set().union(*(scan.by_file[p] for p in paths))


def _refused_types() -> set[str]:
    """The field types whose unreadable value services.records.validate refuses as err.type_<type>."""
    from types import SimpleNamespace
    from typing import get_args

    from db.declarations import Field, FieldType
    from services import records
    from services.errors import ValidationError

    refused = set()
    for kind in get_args(FieldType):
        try:
            records.validate(SimpleNamespace(fields=(Field("x", "field.name", type=kind),)), {"x": "?x"})
        except ValidationError as e:
            if e.errors["x"] == f"err.type_{kind}":
                refused.add(kind)
    return refused


def _dynamic(scan: _Scan) -> dict[str, tuple[set[str], str]]:
    """Every key the code builds from a prefix and a value: prefix -> (the values, why). A prefix
    here must be built by the code (an f-string, ``"prefix." + x``, a choices key without declared
    choices). Its values are read from the code: the vocabulary it is built from where the code
    has one, else the string constants of the module that produces the values (``_literals_of``)
    or of the file that builds the key (``built_in``: a page's inline list of views)."""
    from components.i18n import LANGS
    from db.base import Base
    from db.models import REVOKE_REASONS
    from db.models.drills import GROUPS, SCORE_CODES
    from db.models.safety import HAZARD
    from db.models.volunteers import LOG_STATES
    from db.periods import UNITS
    from services import audit_read, kpis, places, rentals, settings

    def built_in(prefix: str) -> set[str]:  # values spelled where the prefix is built (a page's views, …)
        return _literals_of(scan, *scan.heads[prefix])

    writers = [p for p in scan.by_file if p.startswith(("services/", "db/migrations/"))]
    return {
        "role.": (set(access.ROLES), "a user's role: sidebar, home, the guard, the users page, an audit entry"),
        "roledesc.": (set(access.ROLES), "home: what the signed-in role does"),
        "section.": (set(access.SECTIONS), "navigation groups (components/nav.py), as access.SECTIONS orders them"),
        "page.": (set(access.PAGES), "a page's title (nav, guard, home, an export's entry); pages to come too"),
        "pagedesc.": ({p.key for p in access.built_pages()},
                      "home: a card per page the role sees (each built page has one)"),
        "action.": ({a for actions in access.MATRIX.values() for a in actions}, "home: what the role may do on a page"),
        "lang.": (set(LANGS), "the language switch; a language change's audit entry"),
        "place.": (set(places.KINDS), "places page: a tab per kind, the kind a new place needs first"),
        "unit.": (set(UNITS), "visit and inspection rules: every n days, weeks …"),
        "dash.kind.": (set(kpis.PERIODS), "dashboard and reports: the kind of period"),
        "dash.unit.": ({k.unit for k in kpis.REGISTRY.values()}, "a KPI's unit"),
        "dash.light.": (_literals_of(scan, "services/kpis.py"), "a KPI's traffic light (kpis.KpiValue.light)"),
        "state.": (_literals_of(scan, "services/hazards.py"), "hazard charts by state (hazards.by_category_state)"),
        "step.": ({step.name for step in HAZARD.workflow.steps} | _literals_of(scan, "services/hazards.py"),
                  "a hazard's timeline: the step of each event (its workflow's steps, found, on the spot)"),
        "sched.": (_literals_of(scan, "services/schedule.py") | built_in("sched."), "calendar: an obligation's status"),
        "audit.s_": (built_in("audit.s_"), "an audit entry's sentence for create, update, delete"),
        "auditaction.": (_literals_of(scan, *writers), "an audit entry's action, as services and migrations write it"),
        "table.": ({t.name for t in Base.metadata.sorted_tables} | set(audit_read.TABLE_FIELDS),
                   "an audit entry's table; the tables still hanging on a record (err.in_use)"),
        "field.": (built_in("field."), "the sort choice of a column no declaration labels (id, updated_at)"),
        "err.type_": (_refused_types(), "a value of that type that cannot be read (records.validate)"),
        "rep.hl.": (built_in("rep.hl."), "a report's highlights, by their keys in services/reports.py"),
        "logstatus.": (set(LOG_STATES), "a volunteer's hours: waiting, verified, rejected"),
        "revoke.": (set(REVOKE_REASONS), "why a sign-in session ended (audit_read)"),
        "checkresult.": (set(rentals.CHECK_RESULTS), "a rental check's result"),
        "drlgroup.": (set(GROUPS), "a drill's participants by group (its count fields and detail)"),
        "drlscore.": (set(SCORE_CODES), "a drill evaluation's dimension (the evaluate step's score fields)"),
        "setting.": (set(settings.defaults()) | {"demo.loaded"}, "a setting named in its audit entry (audit_read)"),
    }


def _declared_choices() -> dict[str, set[str]]:
    """choices_key -> the choices of every declared field (ledgers, their workflow steps, audit_read)."""
    from services import audit_read
    from tests.test_declarations import LEDGERS

    fields = [f for fs in audit_read.TABLE_FIELDS.values() for f in fs] + list(audit_read.PAYLOAD_FIELDS)
    out: dict[str, set[str]] = {}
    for ledger in LEDGERS:
        fields += list(ledger.fields)
        if ledger.workflow is not None:
            fields += [f for step in ledger.workflow.steps for f in step.fields]
            if ledger.workflow.choices_key:
                out.setdefault(ledger.workflow.choices_key, set()).update(ledger.workflow.states)
    for f in fields:
        if f.choices_key and f.choices:
            out.setdefault(f.choices_key, set()).update(f.choices)
    from db.models.safety import RESULTS

    out.setdefault("result", set()).update(RESULTS)  # a checklist item's result (the runner's choices)
    return out


def _vocabulary_prefixes() -> set[str]:
    from components import catalog

    return {k.split(".")[0] for name, keys in catalog.parts() if name.endswith("vocabulary()") for k in keys}


def test_every_dynamic_prefix_is_built_by_the_code_and_documented():
    """The prefixes the code builds keys from are exactly the documented ones: a prefix nobody
    builds any more is not kept, and a new f-string key needs a line (and its values) above."""
    scan = _scan()
    dynamic = _dynamic(scan)
    declared = _declared_choices()
    built = {h for h in scan.heads if any(k.startswith(h) for k in CATALOG)}
    undeclared = {f"{k}." for k in scan.choice_keys if k not in declared and k not in _vocabulary_prefixes()}
    assert sorted(set(dynamic) - built - undeclared) == []  # documented, built by nobody
    assert sorted(built - set(dynamic)) == []  # f"prefix.{x}" or "prefix." + x, not documented
    assert sorted(undeclared - set(dynamic)) == []  # a choices key with no declared choices, not documented
    assert all(values for values, _ in dynamic.values())


def test_no_catalog_key_is_unused():
    """Every key written in components/catalog/ is used: literally in app.py, manage.py, pages/,
    components/, services/, db/ or templates/, or built from a documented prefix and a value of
    its vocabulary (above), or as the label of a declared choice ("<choices_key>.<value>"). The
    vocabularies read from db/reference are the choices themselves and are not listed here."""
    scan = _scan()
    used = set(scan.literals)
    used |= {prefix + value for prefix, (values, _) in _dynamic(scan).items() for value in values}
    used |= {f"{key}.{value}" for key, values in _declared_choices().items() for value in values}
    written = [k for keys in _catalog_literals().values() for k in keys]
    assert sorted(k for k in written if k not in used) == []


def test_every_refused_type_has_its_message():
    """An unreadable value of a field type is refused as err.type_<type>; each has its words."""
    assert {"int", "float", "date", "time", "ref"} <= _refused_types()
    assert sorted(f"err.type_{kind}" for kind in _refused_types() if f"err.type_{kind}" not in CATALOG) == []


def test_every_table_has_a_name_for_the_audit_log():
    """The audit log and the "still in use" refusal name a table by ``table.<name>``: a new table
    without one would show its raw name to the admin."""
    from db.models import Base

    assert sorted(t.name for t in Base.metadata.sorted_tables if f"table.{t.name}" not in CATALOG) == []
