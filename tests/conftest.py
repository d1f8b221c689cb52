"""Shared fixtures. ``db_url`` runs a test on SQLite and on PostgreSQL, each time on a fresh,
migrated database. PostgreSQL comes from TEST_DATABASE_URL or a throwaway cluster; without
either those runs skip with the reason, and with REQUIRE_POSTGRES=1 they fail instead."""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.engine import dispose_engines, get_engine, session_scope  # noqa: E402


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0", "false", "no")


@pytest.fixture(scope="session", autouse=True)
def _isolated_data_dir(tmp_path_factory):
    """Keys and files the app generates go to a temporary folder, never to data/."""
    folder = tmp_path_factory.mktemp("data")
    os.environ["COMMUNITY_DATA_DIR"] = str(folder)
    os.environ.pop("COMMUNITY_COOKIE_KEY", None)
    os.environ["COMMUNITY_BCRYPT_ROUNDS"] = "4"  # fast hashes: the tests log in hundreds of times
    yield folder


# --- PostgreSQL -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pg_server():
    """An admin URL of a PostgreSQL server, or a skip (a failure when REQUIRE_POSTGRES=1)."""
    url = os.environ.get("TEST_DATABASE_URL")
    cluster = None
    if not url:
        from tests.pgcluster import Cluster

        try:
            cluster = Cluster()
            url = cluster.start()
        except Exception as e:  # no binaries, no runuser, …
            reason = f"PostgreSQL not available (set TEST_DATABASE_URL or install the server): {e}"
            if cluster is not None:
                cluster.stop()
            if _truthy("REQUIRE_POSTGRES"):
                pytest.fail(reason)
            pytest.skip(reason)
    yield url
    if cluster is not None:
        cluster.stop()


def _pg_admin(url: str):
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A migrated database to clone per test (CREATE DATABASE … TEMPLATE is fast)."""
    from db.migrate import upgrade

    name = f"community_tmpl_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin(pg_server)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    dispose_engines()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_demo_template(pg_server, pg_template):
    """The demo loaded once, cloned by tests that ask for ``demo_db``."""
    from services.bootstrap import prepare

    name = f"community_demo_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin(pg_server)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    prepare(make_url(pg_server).set(database=name).render_as_string(hide_password=False), load_demo=True)
    dispose_engines()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_demo_template(sqlite_template, tmp_path_factory):
    from services.bootstrap import prepare

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(sqlite_template, path)
    prepare(f"sqlite:///{path}", load_demo=True)
    dispose_engines()
    return path


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    from db.migrate import upgrade

    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    dispose_engines()
    return path


def _fresh_sqlite(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "community.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh migrated database on each backend (with the demo loaded when the test also asks
    for ``demo_db``); yields its URL."""
    demo = "demo_db" in request.fixturenames
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_demo_template" if demo else "sqlite_template")
        url = _fresh_sqlite(template, tmp_path)
        yield url
        dispose_engines()
        return
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_demo_template" if demo else "pg_template")
    name = f"community_t_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin(server)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    yield url
    dispose_engines()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    return get_engine(db_url)


@pytest.fixture
def db(engine):
    """``db()`` / ``db(write=True)``: a unit of work on the test database."""
    def _open(write: bool = False):
        return session_scope(engine, write=write)
    return _open


@pytest.fixture
def demo_db(db_url, engine):
    """The test database with the demo loaded (places, accounts, residents, visits, rentals)."""
    return engine


def actor_of(db, username: str):
    from services.users import actor_for

    with db() as s:
        return actor_for(s, username)
