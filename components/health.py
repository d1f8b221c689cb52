"""Is the database reachable and at the schema this code expects? A sentence if not."""
from __future__ import annotations

import sys
from functools import lru_cache

from components.i18n import t
from db.engine import safe_url


@lru_cache(maxsize=1)
def _head() -> str:
    from db.migrate import head_revision

    return head_revision()


def database_problem() -> str | None:
    """None when fine; otherwise what to check, in the user's language (never a traceback)."""
    from sqlalchemy.exc import SQLAlchemyError

    from db.migrate import current_revision

    try:
        current = current_revision()
    except (SQLAlchemyError, OSError, ValueError, ImportError) as e:
        # the page is shown before login: where the database is and who connects stays in the server log
        print(f"database unreachable at {safe_url()}: {type(e).__name__}: {e}", file=sys.stderr)
        return t("dberr.body")
    if current != _head():
        return t("dberr.schema", current=current or "—", head=_head())
    return None
