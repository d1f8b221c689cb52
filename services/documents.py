"""Documents people print, sign and hand out, rendered from Jinja2 templates in ``templates/``.

Every word on them comes from the catalog through the ``tr(key, **params)`` the caller passes
(services know no Streamlit session); values are escaped by the template engine."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from db.engine import ROOT
from services import clock

TEMPLATES = ROOT / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(name: str, tr: Callable[..., str], **context) -> str:
    """The template ``name`` with ``t(key, **params)`` (the catalog) and ``context``."""
    return _environment().get_template(name).render(t=tr, **context)


def volunteer_statement(stmt, tr: Callable[..., str], role_label: Callable[[str], str],
                        issued: date | None = None) -> str:
    """The printable statement of a volunteer's verified hours (``services.volunteers.statement``),
    issued by the community's residents' committee, with lines for its stamp and a signature."""
    rows = [{"day": r["log_date"], "activity": r["activity"] or "", "role": role_label(r["role"]) if r["role"] else "",
             "hours": r["hours"], "verifier": r["verified_by"] or ""} for r in stmt.rows]
    return render("volunteer_statement.html", tr, stmt=stmt, rows=rows, issued=issued or clock.today(),
                  team=f" · {stmt.team}" if stmt.team else "")
