"""House rules that keep the app honest: where page scripts live, what imports Streamlit, and
that every string a user reads is in the catalog in both languages."""
import ast
import re

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

