"""Backup and restore: SQLite through its online backup API, PostgreSQL through
pg_dump / pg_restore (custom format)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import ROOT, database_url, dispose_engines


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _pg_env(url) -> dict:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


def _pg_args(url) -> list[str]:
    args = []
    if url.host:
        args += ["-h", url.host]
    if url.port:
        args += ["-p", str(url.port)]
    if url.username:
        args += ["-U", url.username]
    return args


def _sqlite_file(url) -> Path:
    path = Path(url.database)
    return path if path.is_absolute() else ROOT / path


def backup(target_dir: str | None = None) -> Path:
    url = make_url(database_url())
    folder = Path(target_dir or os.environ.get("COMMUNITY_BACKUP_DIR") or ROOT / "backups")
    folder.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        dest = folder / f"community-{_stamp()}.db"
        src = sqlite3.connect(_sqlite_file(url))
        try:
            out = sqlite3.connect(dest)
            with out:
                src.backup(out)
            out.close()
        finally:
            src.close()
        return dest
    dest = folder / f"community-{_stamp()}.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dest), *_pg_args(url), url.database], check=True, env=_pg_env(url))
    return dest


def restore(file: str) -> None:
    """Replace the current database with ``file``. Stop the app first."""
    url = make_url(database_url())
    src = Path(file)
    if not src.exists():
        raise FileNotFoundError(file)
    dispose_engines()
    if url.get_backend_name() == "sqlite":
        check = sqlite3.connect(src)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ValueError(f"{file} is not a sound SQLite database")
        finally:
            check.close()
        dest = _sqlite_file(url)
        for suffix in ("-wal", "-shm"):
            Path(str(dest) + suffix).unlink(missing_ok=True)
        shutil.copyfile(src, dest)
        return
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", url.database, *_pg_args(url), str(src)],
                   check=True, env=_pg_env(url))
