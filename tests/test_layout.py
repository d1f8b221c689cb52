"""House rules that keep the app honest: where page scripts live, what imports Streamlit, and
that every string a user reads is in the catalog in both languages."""
import ast
import re

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


def test_no_catalog_key_is_defined_twice():
    """A dict literal keeps the last of two equal keys silently: a merge or a copy that defines a
    key twice would change a text with no error anywhere."""
    import ast
    from collections import Counter

    tree = ast.parse((ROOT / "components" / "catalog.py").read_text(encoding="utf-8"))
    catalog = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign) and n.target.id == "CATALOG")
    counts = Counter(k.value for k in catalog.keys if isinstance(k, ast.Constant))
    assert [k for k, n in counts.items() if n > 1] == []
