"""A freshly started server, asked for every page URL before anything else and without logging
in, answers each with the login form and never with a page's data. Then the same for a
browser that signs in as each role: its navigation, a refused page opened by URL, sign-out."""
from __future__ import annotations

import pytest

from components.catalog import CATALOG
from services import access
from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, copy_file, keep_evidence, require_browser, settle
from tests.pgcluster import free_port

pytestmark = pytest.mark.browser
ZH = {k: v[0] for k, v in CATALOG.items()}
EVIDENCE = ROOT / "test-artifacts" / "fresh-server"
BUILT = {p.key for p in access.built_pages()}


@pytest.fixture(scope="module")
def served(tmp_path_factory, sqlite_demo_template, _isolated_data_dir):
    require_browser()
    folder = tmp_path_factory.mktemp("served")
    db = copy_file(sqlite_demo_template, folder / "app.db")
    # the same data folder as the tests: the demo's ID numbers were encrypted with its key
    server = Server(f"sqlite:///{db}", _isolated_data_dir, free_port(), folder / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_every_page_url_on_a_fresh_server_answers_with_the_login_form(served, browser):
    context = browser.new_context()
    page = context.new_page()
    for key in access.PAGES:  # the built pages and the fixed names of later ones
        try:
            page.goto(f"{served.url}/{key}")
            settle(page)
            page.get_by_role("textbox", name=ZH["login.username"]).wait_for(timeout=15_000)
            body = page.inner_text("body")
            assert ZH["login.title"] in body, key
            # the very first request of the process (home) included: no English dialog over a
            # built page (the fixed names of later pages are not registered yet)
            if key in BUILT:
                assert "Page not found" not in body, key
            if key != "home":
                assert page.locator("h1", has_text=ZH[f"page.{key}"]).count() == 0, key
            assert page.locator("[data-testid=stDataFrame]").count() == 0, key
            for secret in ("和平里第一网格", "HPL-01", "孙立", "audit_log"):
                assert secret not in body, (key, secret)
        except Exception:
            keep_evidence(page, EVIDENCE, f"anonymous-{key}")
            raise
    context.close()


def _login(page, base, username):
    page.goto(base)
    settle(page)
    page.get_by_role("textbox", name=ZH["login.username"]).fill(username)
    page.get_by_role("textbox", name=ZH["login.password"]).fill("community")
    page.get_by_role("button", name=ZH["login.submit"]).click()
    settle(page)


@pytest.mark.parametrize("role", access.ROLES)
def test_role_signs_in_sees_its_navigation_is_refused_by_url_and_signs_out(served, browser, role):
    context = browser.new_context()
    page = context.new_page()
    try:
        _login(page, served.url, role)
        nav = {t.strip() for t in page.locator("[data-testid=stSidebarNavLink]").all_inner_texts()}
        nav = {n.split("\n")[-1].strip() for n in nav}
        assert nav == {ZH[f"page.{p.key}"] for p in access.visible_pages(role)}
        forbidden = next((p for p in access.built_pages() if not access.can(role, p.key)), None)
        if forbidden is not None:  # by URL, with the re-login cookie
            page.goto(f"{served.url}/{forbidden.key}")
            settle(page)
            refusal = ZH["guard.refused"].format(role=ZH[f"role.{role}"], page=ZH[f"page.{forbidden.key}"])
            page.get_by_text(refusal).wait_for(timeout=15_000)
            assert page.locator("[data-testid=stDataFrame]").count() == 0
        page.get_by_role("button", name=ZH["login.logout"]).click()
        settle(page)
        page.get_by_role("textbox", name=ZH["login.username"]).wait_for(timeout=15_000)
        page.reload()
        settle(page)
        page.get_by_role("textbox", name=ZH["login.username"]).wait_for(timeout=15_000)  # cookie gone
    except Exception:
        keep_evidence(page, EVIDENCE, f"role-{role}")
        raise
    finally:
        context.close()


def test_a_deep_link_survives_the_login(served, browser):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{served.url}/residents?lang=en")
        settle(page)
        page.get_by_role("textbox", name=CATALOG["login.username"][1]).fill("manager")
        page.get_by_role("textbox", name=CATALOG["login.password"][1]).fill("community")
        page.get_by_role("button", name=CATALOG["login.submit"][1]).click()
        settle(page)
        page.locator("h1", has_text=CATALOG["page.residents"][1]).wait_for(timeout=15_000)
        assert page.url.split("?")[0].endswith("/residents")
        assert "Page not found" not in page.inner_text("body")
    except Exception:
        keep_evidence(page, EVIDENCE, "deep-link")
        raise
    finally:
        context.close()
