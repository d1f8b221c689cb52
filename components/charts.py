"""Altair chart builders. They take plain frames and labels, and know no domain table."""
from __future__ import annotations

import altair as alt
import pandas as pd


def heatmap(df: pd.DataFrame, x: str, y: str, value: str, *, x_title: str, y_title: str, value_title: str,
            name: str = "pick") -> alt.Chart:
    """Cells coloured by ``value`` (0–100), clickable (selection ``name`` on x and y)."""
    pick = alt.selection_point(fields=[y, x], name=name)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:O", title=x_title), y=alt.Y(f"{y}:N", title=y_title, sort=None),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:O", title=x_title),
                 alt.Tooltip(f"{value}:Q", title=value_title)])
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen")),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.5))).add_params(pick)
    text = base.mark_text(fontSize=10).encode(text=alt.Text(f"{value}:Q", format=".0f"))
    return (cells + text).properties(height=alt.Step(18))


def stacked_bars(df: pd.DataFrame, x: str, y: str, color: str, *, x_title: str, y_title: str, color_title: str,
                 colors: dict[str, str] | None = None, name: str = "pick") -> alt.Chart:
    pick = alt.selection_point(fields=[x, color], name=name)
    scale = alt.Scale(domain=list(colors), range=list(colors.values())) if colors else alt.Undefined
    return alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{x}:N", title=x_title, sort="-y"), y=alt.Y(f"{y}:Q", title=y_title),
        color=alt.Color(f"{color}:N", title=color_title, scale=scale),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.6)),
        tooltip=[alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{color}:N", title=color_title),
                 alt.Tooltip(f"{y}:Q", title=y_title)]).add_params(pick)


def rate_with_target(df: pd.DataFrame, x: str, y: str, series: str, target: float, *, x_title: str, y_title: str,
                     series_title: str, target_title: str) -> alt.Chart:
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X(f"{x}:O", title=x_title), y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color(f"{series}:N", title=series_title),
        tooltip=[alt.Tooltip(f"{x}:O", title=x_title), alt.Tooltip(f"{series}:N", title=series_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=".1f")])
    rule = alt.Chart(pd.DataFrame({"target": [target], "label": [target_title]})).mark_rule(
        strokeDash=[6, 4], color="#c0392b").encode(y="target:Q", tooltip=[alt.Tooltip("label:N", title=target_title),
                                                                         alt.Tooltip("target:Q")])
    return lines + rule


def picked(event, name: str = "pick") -> dict | None:
    """The first selected point of a clicked chart, or None."""
    try:
        points = event["selection"][name]
    except (KeyError, TypeError):
        return None
    return points[0] if points else None
