"""Altair chart builders. They take plain frames and labels, and know no domain table.

Made to be read on a 390 px phone as well as a laptop: category labels are never cut off or
thinned out (long Chinese names sit on a vertical axis, one row each), legends go under the
chart instead of taking a third of its width, numbers inside cells are drawn only when the
cells are wide enough for them, and a line breaks where a period has no value instead of
bridging it. Every title passed in comes from the catalog; no field name reaches the screen."""
from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd

# Colours that mean the same wherever they appear (charts, badges): a major hazard is a strong
# red, an ordinary one a blue that no form of colour blindness confuses with it.
SEVERITY_COLORS = {"重大": "#c0392b", "一般": "#2471a3"}
SEVERITY_BADGES = {"重大": "red", "一般": "blue"}  # Streamlit's :color-badge[] names
STATE_COLORS = {"overdue": "#c0392b", "open": "#f39c12", "closed": "#27ae60"}
TARGET_COLOR = "#555555"  # the target rule is grey so that it is not read as a red series
MIN_TEXT_BAND = 22  # px: narrower heatmap cells show their number in the tooltip only
ROW = 24  # px per row of a heatmap or a horizontal bar chart: room for a 12 px label

_LEGEND = dict(orient="bottom", direction="horizontal", titleOrient="top", labelLimit=0)
_SYMBOLS = dict(_LEGEND, columns=2, symbolLimit=0, labelFontSize=12)  # two to a row fit beside phone-width labels
_CATEGORY_AXIS = dict(labelLimit=0, labelOverlap=False, labelFontSize=12, labelPadding=4)


def palette(colors: dict[str, str], label) -> dict[str, str]:
    """``{code: colour}`` as ``{label(code): colour}``, for a chart whose data holds labels."""
    return {label(code): colour for code, colour in colors.items()}


def _scale(colors: dict[str, str] | None):
    return alt.Scale(domain=list(colors), range=list(colors.values())) if colors else alt.Undefined


def heatmap(df: pd.DataFrame, x: str, y: str, value: str, *, x_title: str, y_title: str, value_title: str,
            name: str = "pick", pick: Sequence[str] | None = None, x_order: Sequence[str] | None = None) -> alt.Chart:
    """Cells coloured by ``value`` (0–100), one labelled row per ``y``; clickable (selection
    ``name`` over ``pick``, default ``[y, x]``). The number in a cell shows only when the cells
    are at least MIN_TEXT_BAND px wide (a phone shows it in the tooltip)."""
    sel = alt.selection_point(fields=list(pick or [y, x]), name=name)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:O", title=x_title, sort=list(x_order) if x_order else "ascending",
                scale=alt.Scale(domain=list(x_order)) if x_order else alt.Undefined,
                axis=alt.Axis(labelAngle=-90, labelOverlap=True)),
        y=alt.Y(f"{y}:N", title=y_title, sort=None, axis=alt.Axis(**_CATEGORY_AXIS)),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:O", title=x_title),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=".1f")])
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen"),
                        legend=alt.Legend(**_LEGEND, gradientLength=150)),
        opacity=alt.condition(sel, alt.value(1), alt.value(0.5))).add_params(sel)
    text = base.mark_text(
        fontSize={"expr": f"bandwidth('x') >= {MIN_TEXT_BAND} ? min(11, floor(bandwidth('x') / 2.2)) : 0"},
        opacity={"expr": f"bandwidth('x') >= {MIN_TEXT_BAND} ? 1 : 0"}).encode(
        text=alt.Text(f"{value}:Q", format=".0f"),
        color=alt.condition(f"datum['{value}'] >= 85 || datum['{value}'] < 20", alt.value("white"), alt.value("black")))
    return (cells + text).properties(height=alt.Step(ROW))


def horizontal_bars(df: pd.DataFrame, y: str, x: str, color: str, *, y_title: str, x_title: str, color_title: str,
                    colors: dict[str, str] | None = None, name: str = "pick",
                    pick: Sequence[str] | None = None) -> alt.Chart:
    """Stacked bars lying down, one labelled row per ``y`` (long Chinese names fit), the longest
    first; stacked in the order of ``colors``; clickable (selection ``name`` over ``pick``,
    default ``[y, color]``)."""
    sel = alt.selection_point(fields=list(pick or [y, color]), name=name)
    order = list(colors) if colors else []
    chart = alt.Chart(df)
    if order:
        chart = chart.transform_calculate(_stack=f"indexof({json.dumps(order, ensure_ascii=False)}, datum['{color}'])")
    return chart.mark_bar().encode(
        y=alt.Y(f"{y}:N", title=y_title, sort="-x", axis=alt.Axis(**_CATEGORY_AXIS)),
        x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d")),
        # one entry a row: beside long category names a phone leaves the plot ~150 px wide
        color=alt.Color(f"{color}:N", title=color_title, scale=_scale(colors),
                        legend=alt.Legend(**dict(_SYMBOLS, columns=1))),
        order=alt.Order("_stack:Q") if order else alt.Undefined,
        opacity=alt.condition(sel, alt.value(1), alt.value(0.6)),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{color}:N", title=color_title),
                 alt.Tooltip(f"{x}:Q", title=x_title)]).add_params(sel).properties(height=alt.Step(ROW))


def stacked_bars(df: pd.DataFrame, x: str, y: str, color: str, *, x_title: str, y_title: str, color_title: str,
                 colors: dict[str, str] | None = None, name: str = "pick", x_order: Sequence[str] | None = None,
                 x_type: str = "N") -> alt.Chart:
    """Upright stacked bars; with ``x_order`` every listed ``x`` keeps its place, an empty one
    at zero (a month without hours is a month of 0, not a month left out)."""
    pick = alt.selection_point(fields=[x, color], name=name)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{x}:{x_type}", title=x_title, sort=list(x_order) if x_order else "-y",
                scale=alt.Scale(domain=list(x_order)) if x_order else alt.Undefined),
        y=alt.Y(f"{y}:Q", title=y_title),
        color=alt.Color(f"{color}:N", title=color_title, scale=_scale(colors), legend=alt.Legend(**_SYMBOLS)),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.6)),
        tooltip=[alt.Tooltip(f"{x}:{x_type}", title=x_title), alt.Tooltip(f"{color}:N", title=color_title),
                 alt.Tooltip(f"{y}:Q", title=y_title)]).add_params(pick)


def rate_with_target(df: pd.DataFrame, x: str, y: str, series: str, target: float | None, *, x_title: str,
                     y_title: str, series_title: str, target_title: str, colors: dict[str, str] | None = None,
                     x_order: Sequence[str] | None = None, percent: bool = True, legend: bool = True) -> alt.Chart:
    """Lines per ``series`` over ``x``, with the target as a dashed grey rule. A row whose ``y``
    is empty (null) is a gap: the line stops there and goes on after it, and with ``x_order``
    every period keeps its place on the axis, drawn or not."""
    lines = alt.Chart(df).mark_line(point=True, invalid="break-paths-show-domains").encode(
        x=alt.X(f"{x}:O", title=x_title, sort=list(x_order) if x_order else "ascending",
                scale=alt.Scale(domain=list(x_order)) if x_order else alt.Undefined),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(domain=[0, 100]) if percent else alt.Undefined),
        color=alt.Color(f"{series}:N", title=series_title, scale=_scale(colors),
                        legend=alt.Legend(**_SYMBOLS) if legend else None),
        tooltip=[alt.Tooltip(f"{x}:O", title=x_title), alt.Tooltip(f"{series}:N", title=series_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=".1f")])
    if target is None:
        return lines
    rule = alt.Chart(pd.DataFrame({"target": [target], "label": [target_title]})).mark_rule(
        strokeDash=[6, 4], color=TARGET_COLOR).encode(
        y="target:Q", tooltip=[alt.Tooltip("target:Q", title=target_title, format=".1f")])
    return lines + rule


def picked(event, name: str = "pick") -> dict | None:
    """The first selected point of a clicked chart, or None."""
    try:
        points = event["selection"][name]
    except (KeyError, TypeError):
        return None
    return points[0] if points else None


def rate_bars(df: pd.DataFrame, y: str, x: str, color: str, target: float | None, *, y_title: str, x_title: str,
              color_title: str, target_title: str, colors: dict[str, str] | None = None) -> alt.Chart:
    """A rate (0–100) per ``y`` as bars lying down, one labelled row each in the frame's order,
    coloured by ``color`` (below or at target), with the target as a dashed grey rule."""
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{y}:N", title=y_title, sort=None, axis=alt.Axis(**_CATEGORY_AXIS)),
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color(f"{color}:N", title=color_title, scale=_scale(colors), legend=alt.Legend(**_SYMBOLS)),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:Q", title=x_title, format=".1f")])
    chart = bars.properties(height=alt.Step(ROW))
    if target is None:
        return chart
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(strokeDash=[6, 4], color=TARGET_COLOR).encode(
        x="target:Q", tooltip=[alt.Tooltip("target:Q", title=target_title, format=".1f")])
    return chart + rule
