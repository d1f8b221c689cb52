"""Charts that can be read (issue 17): on a 390 px phone every heatmap row and every hazard
category carries its whole name, heatmap numbers only where the cells are wide enough, 一般 and
重大 in their own colours everywhere, lines that stop at a month without data instead of
bridging it, months with zero hours drawn as 0 and months before the data begins not drawn, and
a click that opens the list of exactly what the mark counts (category and state, category and
month). Checked on the chart specs and frames the app hands to the browser."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from components import charts
from components.catalog import CATALOG
from db.models.safety import HAZARD
from services import clock, hazards, inspections, kpis, ledgers
from tests.conftest import actor_of
from tests.test_pages import ZH, app, as_role  # noqa: F401  (app is a fixture)

TODAY = clock.today()
LONG = ["文化活动室/图书馆/健身", "二次供水水箱", "垃圾分类投放点", "社区服务中心", "养老服务设施", "房屋公共部位",
        "物业设施设备", "监控门禁", "消防设施", "电气设备", "应急物资", "燃气", "绿化", "道路", "路灯", "电梯"]
CODE_WORDS = {"n", "N", "h", "d", "value", "count", "rate", "hours", "target", "state", "category", "month",
              "period", "series", "code", "state_code", "team", "label"}


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _enc(spec: dict, channel: str) -> dict:
    return next(layer["encoding"][channel] for layer in _layers(spec) if channel in layer.get("encoding", {}))


# --- the builders ---------------------------------------------------------------------------------

def test_hazard_bars_lie_down_with_every_long_category_named():
    df = pd.DataFrame([{"category": c, "state": s, "count": 1 + i} for i, c in enumerate(LONG)
                       for s in ("已逾期", "已销号")])
    spec = charts.horizontal_bars(df, "category", "count", "state", y_title="类别", x_title="数量",
                                  color_title="状态", colors={"已逾期": "#c0392b", "已销号": "#27ae60"}).to_dict()
    y, x = spec["encoding"]["y"], spec["encoding"]["x"]
    assert y["type"] == "nominal" and y["field"] == "category" and x["type"] == "quantitative"
    # Vega's defaults cut a label at 180 px with "…" and drop labels that collide: neither here
    assert y["axis"]["labelLimit"] == 0 and y["axis"]["labelOverlap"] is False
    assert spec["height"] == {"step": charts.ROW} and charts.ROW >= 20  # a row per name, room for 12 px
    data = next(iter(spec["datasets"].values()))
    assert {r["category"] for r in data} == set(LONG)
    assert spec["encoding"]["color"]["legend"]["orient"] == "bottom"  # not a third of a phone's width


def test_heatmap_labels_every_row_and_draws_numbers_only_in_cells_wide_enough():
    df = pd.DataFrame([{"category": c, "month": f"2026-{m:02d}", "rate": 50.0} for c in LONG for m in range(1, 13)])
    spec = charts.heatmap(df, "month", "category", "rate", x_title="月份", y_title="检查类别", value_title="完成率 %",
                          pick=["code", "month"]).to_dict()
    y = _enc(spec, "y")
    assert y["type"] == "nominal" and y["axis"]["labelLimit"] == 0 and y["axis"]["labelOverlap"] is False
    assert spec["height"] == {"step": charts.ROW}
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    # 12 columns on a 390 px phone are ~16 px: "100" would overlap its neighbours, so none is drawn
    for prop in ("fontSize", "opacity"):
        expr = text["mark"][prop]["expr"]
        assert f"bandwidth('x') >= {charts.MIN_TEXT_BAND}" in expr and expr.endswith(": 0")
    assert charts.MIN_TEXT_BAND >= 20
    assert spec["params"][0]["select"]["fields"] == ["code", "month"]


def test_a_line_stops_at_a_period_without_value_and_keeps_every_period_on_its_axis():
    periods = ["2026-01", "2026-02", "2026-03", "2026-04"]
    df = pd.DataFrame({"period": periods, "value": [80.0, None, 0.0, 90.0], "series": ["覆盖率"] * 4})
    spec = charts.rate_with_target(df, "period", "value", "series", 85, x_title="周期", y_title="覆盖率（%）",
                                   series_title="趋势", target_title="目标", x_order=periods, legend=False).to_dict()
    line = spec["layer"][0]
    assert line["mark"]["invalid"] == "break-paths-show-domains"  # a gap, not a bridge from Jan to Mar
    assert line["encoding"]["x"]["scale"]["domain"] == periods  # February keeps its place
    rows = spec["datasets"][line["data"]["name"]]
    assert [r["value"] for r in rows] == [80.0, None, 0.0, 90.0]  # the zero stays a zero
    rule = spec["layer"][1]
    assert rule["mark"]["color"] == charts.TARGET_COLOR != charts.SEVERITY_COLORS["重大"]
    assert all(t["title"] for t in rule["encoding"]["tooltip"])  # no bare "target" in the tooltip


def test_severities_have_their_own_colours_and_a_chinese_legend():
    red, other = charts.SEVERITY_COLORS["重大"], charts.SEVERITY_COLORS["一般"]
    assert red != other
    r, g, b = (int(red[i:i + 2], 16) for i in (1, 3, 5))
    assert r > 150 and g < 80 and b < 80  # a strong red
    assert charts.SEVERITY_BADGES == {"重大": "red", "一般": "blue"}  # the same colours as badges
    label = {"重大": ZH["severity.重大"], "一般": ZH["severity.一般"]}.get
    df = pd.DataFrame({"month": ["2026-01", "2026-01"], "severity": [label("重大"), label("一般")],
                       "rate": [50.0, 70.0]})
    spec = charts.rate_with_target(df, "month", "rate", "severity", 90, x_title="月份", y_title="完成率 %",
                                   series_title=ZH["haz.severity"], target_title="目标",
                                   colors=charts.palette(charts.SEVERITY_COLORS, label)).to_dict()
    color = spec["layer"][0]["encoding"]["color"]
    assert dict(zip(color["scale"]["domain"], color["scale"]["range"])) == {"重大": red, "一般": other}
    assert color["title"] == "等级" and color["legend"]["orient"] == "bottom"


def test_hours_per_month_are_zero_after_the_data_begins_and_absent_before():
    shown = kpis.months(date(2026, 1, 1), date(2026, 6, 30))
    assert shown == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    rows = [{"month": "2026-03", "team": "甲", "hours": 5.0}, {"month": "2026-05", "team": "乙", "hours": 2.0}]
    filled = kpis.filled_months(rows, shown, date(2026, 2, 14))
    assert [r["month"] for r in filled if r["team"] == "甲"] == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    by = {(r["month"], r["team"]): r["hours"] for r in filled}
    assert by[("2026-04", "甲")] == 0 and by[("2026-04", "乙")] == 0 and by[("2026-03", "甲")] == 5.0
    assert ("2026-01", "甲") not in by  # before the first entry: not drawn, not 0
    assert kpis.filled_months(rows, shown, None) == []
    assert kpis.last_months(date(2026, 11, 30)) == (date(2025, 12, 1), date(2026, 11, 30))


def test_drill_downs_carry_the_state_and_the_month():
    assert kpis.hazard_drill("fire", "open") == {"hazards.category": "fire", "hazards.view": "in_time"}
    assert kpis.hazard_drill("fire", "overdue") == {"hazards.category": "fire", "hazards.view": "overdue"}
    assert kpis.hazard_drill("fire", "closed") == {"hazards.category": "fire", "hazards.status": "closed"}
    assert kpis.schedule_drill("fire", "2026-04") == {"sched.category": "fire", "sched.month": "2026-04"}


# --- the series and the lists behind the marks -------------------------------------------------------

def test_a_trend_before_the_data_begins_is_a_gap_and_a_quiet_month_after_it_is_zero(db, demo_db):
    manager = actor_of(db, "manager")
    scope = kpis.Scope(manager, None)
    with db() as s:
        begins = kpis.data_begins(s, scope, "volunteer_hours")
        early = kpis.trend(s, scope, "volunteer_hours", "month", TODAY, n=3, through=date(begins.year - 2, 1, 1))
        later = kpis.trend(s, scope, "volunteer_hours", "month", TODAY, n=1, through=date(2031, 1, 1))
        visits = kpis.trend(s, scope, "service_coverage", "month", TODAY, n=2, through=date(begins.year - 2, 1, 1))
    assert begins is not None
    assert [p["value"] for p in early] == [None, None, None]  # was 0.0: volunteers existed, no log yet
    assert [p["value"] for p in visits] == [None, None]  # was 0 %: residents on file, no visit yet
    assert later[0]["value"] == 0.0  # a month after the start with no hours is a real 0


def test_each_hazard_bar_opens_a_list_of_exactly_its_hazards(db, demo_db):
    manager = actor_of(db, "manager")
    names = {"hazards.category": "category", "hazards.status": "status"}
    with db() as s:
        bars = hazards.by_category_and_state(s, manager, TODAY)
        assert {b["state"] for b in bars} == {"open", "overdue", "closed"}
        for bar in bars:
            params = kpis.hazard_drill(bar["category"], bar["state"])
            listed = ledgers.list_rows(s, manager, HAZARD, view=params.get("hazards.view"),
                                       filters={names[k]: v for k, v in params.items() if k in names},
                                       limit=1000, today=TODAY)
            assert listed.total == bar["count"], bar


def test_each_heatmap_cell_opens_the_checks_it_counts(db, demo_db):
    from services import checklists

    manager = actor_of(db, "manager")
    first, last = kpis.last_months(kpis.reporting_period("month", TODAY)[1])
    with db() as s:
        rules = checklists.rules(s)
        cells = [c for c in inspections.completion_by_category_month(s, manager, first, last)
                 if c["due"] and rules[c["category"]][2] != "area"]
        sample = [c for c in cells if c["done"] < c["due"]][:3] + [c for c in cells if c["done"] == c["due"]][:2]
        assert sample
        for cell in sample:
            params = kpis.schedule_drill(cell["category"], cell["month"])
            rows = inspections.obligations(s, manager, today=TODAY, category=params["sched.category"],
                                           month=params["sched.month"])
            assert {r.period_end.strftime("%Y-%m") for r in rows} == {cell["month"]}
            assert (sum(r.status == "done" for r in rows), len(rows)) == (cell["done"], cell["due"]), cell


# --- what the dashboard hands to the browser --------------------------------------------------------

def _charts(at) -> list[tuple[dict, dict[str, list[dict]]]]:
    """Each Vega-Lite chart on the page: its spec and its datasets as records."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = []
    for element in at.get("vega_lite_chart"):
        p = element.proto
        data = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data).to_dict("records") for d in p.datasets}
        out.append((json.loads(p.spec), data))
    return out


def _rows(spec: dict, data: dict) -> list[dict]:
    """The records behind the chart's first layer."""
    first = _layers(spec)[0]
    return data[(first.get("data") or spec["data"])["name"]]


def _titles(node) -> list[str]:
    """Every axis, legend and tooltip title of a spec."""
    if isinstance(node, dict):
        out = [node["title"]] if isinstance(node.get("title"), str) else []
        return out + [t for v in node.values() for t in _titles(v)]
    if isinstance(node, list):
        return [t for v in node for t in _titles(v)]
    return []


def test_the_dashboard_charts_name_everything_and_their_clicks_carry_every_encoding(app):
    import streamlit as st

    from db.engine import session_scope
    from db.models import MY_HOURS
    from services import ledgers

    # the dashboard caches by the newest audit id: another test's database may have reached the
    # same id with other rows (a stale hit when this test moves it below)
    st.cache_data.clear()
    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    assert not at.exception
    specs = _charts(at)
    assert len(specs) == 4
    hours_tile = next(m for m in at.metric if m.label == ZH["kpi.volunteer_hours"])
    assert hours_tile.value.endswith(ZH["dash.unit.h"]) and not any(m.value.endswith(" h") for m in at.metric)
    trend, bars, hours, heat = specs
    zh = {v[0] for v in CATALOG.values()}

    # no field name in any title, and every title from the catalog (or a KPI label with its unit)
    for spec, _ in specs:
        titles = _titles(spec)
        assert titles and not set(titles) & CODE_WORDS
        assert all(t in zh or "（" in t for t in titles), titles

    # hazards: lying down, every category named, a click gives its category and its state
    spec, data = bars
    assert spec["encoding"]["y"]["type"] == "nominal" and spec["encoding"]["y"]["axis"]["labelLimit"] == 0
    with session_scope() as s:
        supervisor = actor_of(lambda write=False: session_scope(write=write), "supervisor")
        expected = {r["category"] for r in hazards.by_category_and_state(s, supervisor, TODAY)}
        begins = kpis.data_begins(s, kpis.Scope(supervisor, None), "volunteer_hours")
    rows = _rows(spec, data)
    assert {r["code"] for r in rows} == expected and all(r["category"] for r in rows)
    assert spec["params"][0]["select"]["fields"] == ["code", "state_code"]
    assert {r["state"] for r in rows} <= {ZH["state.open"], ZH["state.overdue"], ZH["state.closed"]}

    # heatmap: every row labelled, a click gives its category and its month
    spec, data = heat
    assert _enc(spec, "y")["axis"]["labelLimit"] == 0 and _enc(spec, "y")["axis"]["labelOverlap"] is False
    assert spec["params"][0]["select"]["fields"] == ["code", "month"]
    last = kpis.reporting_period("month", TODAY)[1]
    months = kpis.months(*kpis.last_months(last))
    assert _enc(spec, "x")["scale"]["domain"] == months and len(months) == 12

    # trend: every one of the 12 periods on the axis, up to the last complete month
    spec, data = trend
    periods = _enc(spec, "x")["scale"]["domain"]
    assert len(periods) == 12 and periods[-1] == last.strftime("%Y-%m")
    assert [r["period"] for r in _rows(spec, data)] == periods

    # hours: every month since the hours began, none of the partial month, 0 where nobody logged
    spec, data = hours
    assert _enc(spec, "x")["scale"]["domain"] == months
    drawn = {r["month"] for r in _rows(spec, data)}
    assert drawn == {m for m in months if m >= begins.strftime("%Y-%m")}
    assert TODAY.strftime("%Y-%m") not in drawn  # the month under way is not a dive

    # a month in which no team logged verified hours is drawn as 0, not left out of the axis
    quiet = months[-3]
    with session_scope(write=True) as s:
        from sqlalchemy import update

        from db.models import VolunteerLog

        y, m = int(quiet[:4]), int(quiet[5:])
        s.execute(update(VolunteerLog).where(VolunteerLog.log_date >= date(y, m, 1),
                                             VolunteerLog.log_date <= kpis.period("month", date(y, m, 1))[1])
                  .values(status="rejected"))
        ledgers.save(s, actor_of(lambda write=False: session_scope(write=write), "volunteer"), MY_HOURS,
                     {"log_date": TODAY, "hours": 1})  # moves the data version
    at.run()
    spec, data = _charts(at)[2]
    quiet_rows = [r for r in _rows(spec, data) if r["month"] == quiet]
    assert quiet_rows and all(r["hours"] == 0 for r in quiet_rows)


def test_the_overdue_hazards_show_severity_in_its_colour_and_days_in_words(app):
    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()
    labels = [p.proto.label for p in at.get("page_link") if p.proto.query_string.startswith("hazards.id=")]
    major = [x for x in labels if ZH["severity.重大"] in x]
    ordinary = [x for x in labels if ZH["severity.一般"] in x]
    assert major or ordinary
    assert all(x.startswith(f":red[**{ZH['severity.重大']}**]") for x in major)
    assert all(x.startswith(f":blue[**{ZH['severity.一般']}**]") for x in ordinary)
    assert all("天" in x and not x.rstrip().endswith("d") for x in labels)


def test_a_clicked_bar_or_cell_offers_the_list_of_all_it_encodes(app):
    """What the browser sends back for a click (the selection), and the link the dashboard then
    offers: the bar's category and state, the cell's category and month — and nothing before."""
    at = as_role(app, "supervisor")
    at.switch_page("pages/overview/dashboard.py").run()

    def offered():
        return [(p.proto.label, p.proto.page, p.proto.query_string) for p in at.get("page_link")
                if p.proto.label.startswith(ZH["dash.drill"].split("{")[0])]

    assert offered() == []
    at.session_state["dash_hazard_chart"] = {"selection": {"pick": [{"code": "hygiene", "state_code": "open"}]}}
    at.session_state["dash_heatmap"] = {"selection": {"pick": [{"code": "fire", "month": "2026-04"}]}}
    at.run()
    assert not at.exception
    assert offered() == [
        (ZH["dash.drill"].format(what=f"{ZH['cat.hygiene']} · {ZH['state.open']}"), "hazards",
         "hazards.category=hygiene&hazards.view=in_time"),
        (ZH["dash.drill"].format(what=f"{ZH['cat.fire']} · 2026-04"), "schedule",
         "sched.category=fire&sched.month=2026-04")]


def test_a_clicked_heatmap_cell_opens_the_calendar_on_its_category_and_month(app):
    from db.engine import session_scope

    with session_scope() as s:
        manager = actor_of(lambda write=False: session_scope(write=write), "manager")
        first, last = kpis.last_months(kpis.reporting_period("month", TODAY)[1])
        cell = next(c for c in inspections.completion_by_category_month(s, manager, first, last)
                    if c["due"] and 0 < c["done"] < c["due"])
    at = as_role(app, "manager")
    for k, v in kpis.schedule_drill(cell["category"], cell["month"]).items():
        at.query_params[k] = v
    at.switch_page("pages/safety/schedule.py").run()
    assert not at.exception
    assert at.selectbox(key="sched_month").value == cell["month"]
    summary = next(m.value for m in at.markdown if m.value.startswith("已完成"))
    assert summary.startswith(f"已完成 {cell['done']}，") and summary.endswith(f"已逾期 {cell['due'] - cell['done']}")


def test_the_open_bar_opens_open_hazards_within_their_deadline(app):
    at = as_role(app, "manager")
    for k, v in kpis.hazard_drill(None, "open").items():
        at.query_params[k] = v
    at.switch_page("pages/safety/hazards.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 0
    assert ZH["hstate.closed"] not in set(table[ZH["haz.status"]])
    assert table[ZH["haz.overdue_days"]].isna().all()


@pytest.mark.parametrize("state", ["overdue", "closed"])
def test_the_other_bars_open_their_state(app, state):
    at = as_role(app, "manager")
    for k, v in kpis.hazard_drill(None, state).items():
        at.query_params[k] = v
    at.switch_page("pages/safety/hazards.py").run()
    table = at.dataframe[0].value
    assert len(table) > 0
    statuses = set(table[ZH["haz.status"]])
    assert statuses == {ZH["hstate.closed"]} if state == "closed" else ZH["hstate.closed"] not in statuses
    if state == "overdue":
        assert table[ZH["haz.overdue_days"]].notna().all()
