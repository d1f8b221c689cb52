"""Schema migrations: ``python -m db.migrate`` upgrades the database at DATABASE_URL to head."""
from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.engine import ROOT, database_url, get_engine


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")


def check(url: str | None = None) -> None:
    """Raise if the models differ from what the migrations build."""
    command.check(alembic_config(url))


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


if __name__ == "__main__":
    upgrade()
    print(f"database at {current_revision()} (head {head_revision()})", file=sys.stderr)
