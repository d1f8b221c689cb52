"""One engine per process and per URL, and a session helper that commits or rolls back as a unit.

SQLite gets WAL, foreign keys and a busy timeout; write sessions on SQLite start with
``BEGIN IMMEDIATE`` so that a read-then-write transaction never fails half-way because
another process wrote in between (the audit hash chain relies on that ordering).
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "sqlite:///data/community.db"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
_makers: dict[tuple[int, bool], sessionmaker] = {}


def data_dir() -> Path:
    """Folder for the SQLite file, generated keys and backups (created on demand)."""
    path = Path(os.environ.get("COMMUNITY_DATA_DIR", ROOT / "data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def safe_url(url: str | None = None) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url or database_url()).render_as_string(hide_password=True)


def _sqlite_path(url) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    if not path.is_absolute():
        path = ROOT / path
    return path


def make_engine(url_str: str) -> Engine:
    url = make_url(url_str)
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            url = url.set(database=str(path))
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            if conn.get_execution_options().get("write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: ``DATABASE_URL``)."""
    key = url or database_url()
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make_engine(key)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _makers.clear()


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """A unit of work: commits at the end, rolls everything back on any error.

    ``write=True`` marks a transaction that will write; on SQLite it takes the write lock up
    front. Reads may use the default.
    """
    engine = engine or get_engine()
    key = (id(engine), write)
    maker = _makers.get(key)
    if maker is None:
        bind = engine.execution_options(write=True) if write else engine
        maker = _makers[key] = sessionmaker(bind=bind, expire_on_commit=False)
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


