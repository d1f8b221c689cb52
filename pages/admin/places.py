"""Places: communities, grids, buildings, households — each the ledger engine's page, in a tab."""
import streamlit as st

from components.auth import guard
from components.i18n import t
from components.ledger_page import ledger_page
from components.records import flash
from components.runtime import read
from services import ledgers, places

actor = guard("places")
st.title(t("page.places"))
st.caption(t("places.intro"))
flash()

PARENT = {"grid": "community", "building": "grid", "household": "building"}


def _section(kind: str) -> None:
    ledger = places.ledger(kind)
    parent = PARENT.get(kind)
    has_parent = True
    if parent and ledgers.may(actor, ledger, "create"):
        with read() as s:
            has_parent = bool(places.options(s, actor, parent))
        if not has_parent:
            st.info(t("places.no_parent", parent=t(f"place.{parent}")))
    ledger_page(ledger, actor, key=f"places_{kind}", may_create=has_parent, export_name=f"places-{kind}")


tabs = st.tabs([t(f"place.{k}") for k in places.KINDS])
for tab, kind in zip(tabs, places.KINDS):
    with tab:
        _section(kind)
