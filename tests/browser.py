"""Helpers for the browser tests: a served app on a free port and Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_browser():
    """Skip (or fail with REQUIRE_BROWSER=1) when Chromium or Playwright is missing."""
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -r requirements-dev.txt)"
    if reason:
        if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(reason)
        pytest.skip(reason)


class Server:
    def __init__(self, database_url: str, data_dir: Path, port: int, log: Path):
        self.url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, DATABASE_URL=database_url, COMMUNITY_DATA_DIR=str(data_dir), COMMUNITY_DEMO="1")
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:  # the health endpoint does not run any script
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the app did not start; see {log}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def settle(page, timeout: float = 30_000) -> None:
    """Connected, then the script idle for a moment (components may trigger a second run)."""
    page.wait_for_selector("[data-testid=stApp][data-test-connection-state=CONNECTED]", timeout=timeout)
    for _ in range(2):
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)
        time.sleep(0.5)


def keep_evidence(page, folder: Path, name: str) -> None:
    """On failure: a screenshot and the page text, for CI's log."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        (folder / f"{name}.txt").write_text(page.inner_text("body"), encoding="utf-8")
    except Exception:
        pass


def copy_file(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst
