"""KPI tiles: value, target, traffic light, change against the previous period; "no data" for a
zero denominator. They read what the registry computed and know no table."""
from __future__ import annotations

import streamlit as st

from components.i18n import t

BADGES = {"green": "green", "amber": "orange", "red": "red"}  # Streamlit's coloured badges


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return t("dash.no_data")
    return f"{value:.1f}%" if unit == "%" else f"{value:.1f} {t('dash.unit.' + unit)}"  # never a bare "h"


def tiles(values: dict[str, dict], previous: dict[str, dict], columns: int = 4, pages: dict | None = None) -> None:
    """``values``/``previous``: key -> the registry's plain dict; ``pages``: page key -> script."""
    keys = list(values)
    for start in range(0, len(keys), columns):
        cols = st.columns(columns)
        for col, key in zip(cols, keys[start:start + columns]):
            v, p = values[key], previous.get(key) or {}
            with col.container(border=True):
                delta = None
                if v["value"] is not None and p.get("value") is not None:
                    delta = round(v["value"] - p["value"], 1)
                st.metric(t(v["label"]), fmt(v["value"], v["unit"]),
                          delta=f"{delta:+.1f} {t('dash.vs_previous')}" if delta is not None else None,
                          delta_color="normal" if v["higher_is_better"] else "inverse")
                target = t("dash.target", target=fmt(v["target"], v["unit"])) if v["target"] is not None \
                    else t("dash.no_target")
                light = f":{BADGES[v['light']]}-badge[{t('dash.light.' + v['light'])}] " if v["light"] else ""
                if v.get("too_few"):  # 1 of 2 is not a red 50 %
                    light = f":gray-badge[{t('dash.too_few', n=v['min_n'])}] "
                num = int(v["numerator"]) if v["unit"] == "%" else round(v["numerator"], 1)
                st.markdown(light)
                st.caption(f"{target} · {num}/{int(v['denominator'])}" if v.get("counts", True) else target)
                if pages and v["drill_page"] in pages:
                    st.page_link(pages[v["drill_page"]], label=t("dash.open"), icon=":material/arrow_forward:",
                                 query_params=v["drill_params"] or None)
