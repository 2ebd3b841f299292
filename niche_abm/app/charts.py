"""The live time courses: BV/TV, MM burden, osteoclasts and osteoblasts, RANKL/OPG over simulated days.

Built as one ECharts option (four small panels) from the daily metric rows; the
browser draws it (offline, from the echarts copy solara-assets bundles), so a
new day costs the server only this dictionary. A vertical line marks each day
a drug was started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from niche_abm.drugs.regimen import Regimen


@dataclass(frozen=True)
class Panel:
    """One small chart: its title (short enough for a 1280-pixel screen), the metric columns drawn in it (column,
    legend name, colour) and the unit of its y axis."""

    title: str
    lines: tuple[tuple[str, str, str], ...]
    unit: str = ""


PANELS = (
    Panel("BV/TV", (("bv_tv", "BV/TV", "#c9b98f"),), "%"),
    Panel("MM cells", (("n_mm", "MM cells", "#bf59f2"),)),
    Panel(
        "OCs, OBs",
        (("n_oc", "osteoclasts", "#ff261a"), ("n_ob", "osteoblasts", "#338cff")),
    ),
    Panel("RANKL/OPG", (("rankl_opg_ratio", "RANKL/OPG", "#f9a03f"),), "marrow"),
    Panel("microvessels", (("microvessel_density", "microvessels", "#d81b60"),), "/mm²"),
    Panel(
        "IL-6, DKK1÷100",
        (("il6_mean", "IL-6", "#43a047"), ("dkk1_per_100", "DKK1 / 100", "#757575")),
        "pg/mL",
    ),
)
POSITIONS = (("5%", "9%"), ("38%", "9%"), ("71%", "9%"), ("5%", "59%"), ("38%", "59%"), ("71%", "59%"))
"""(left, top) of each panel in the chart; each is 23% wide, so the right column's axis name ("day") fits."""


def drug_starts(regimens: Sequence[Regimen]) -> list[tuple[float, str]]:
    """(start day, drug name) of each regimen, in order of start."""
    return sorted((regimen.start_day, regimen.drug.name) for regimen in regimens)


def time_course_option(rows: Sequence[dict], starts: Sequence[tuple[float, str]] = ()) -> dict:
    """The ECharts option for the four panels, from daily metric rows (dicts with a 'day' key)."""
    last_day = max([row["day"] for row in rows] + [day for day, _ in starts], default=0.0)
    option: dict = {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "title": [],
        "grid": [],
        "xAxis": [],
        "yAxis": [],
        "series": [],
    }
    for index, (panel, (left, top)) in enumerate(zip(PANELS, POSITIONS, strict=True)):
        option["title"].append(
            {"text": panel.title, "left": left, "top": f"{float(top[:-1]) - 8:g}%", "textStyle": {"fontSize": 12}}
        )
        option["grid"].append({"left": left, "top": top, "width": "23%", "height": "29%", "containLabel": True})
        option["xAxis"].append(
            {
                "type": "value",
                "gridIndex": index,
                "min": 0,
                "max": max(last_day, 1.0),
                "minInterval": 1,
                "name": "day",
                "nameGap": 4,
            }
        )
        option["yAxis"].append(
            {
                "type": "value",
                "gridIndex": index,
                "scale": True,
                "splitNumber": 3,
                "name": panel.unit,
                "nameGap": 8,
                "nameTextStyle": {"align": "left"},  # right of the axis, clear of its top tick label
            }
        )
        for number, (column, name, colour) in enumerate(panel.lines):
            series = {
                "type": "line",
                "name": name,
                "xAxisIndex": index,
                "yAxisIndex": index,
                "showSymbol": False,
                "color": colour,
                "data": [[row["day"], round(_value(row, column), 6)] for row in rows],
            }
            if number == 0 and starts:
                series["markLine"] = {
                    "symbol": "none",
                    "lineStyle": {"color": "#2e7d32", "type": "dashed"},
                    "label": {"formatter": "{b}", "fontSize": 10, "position": "insideEndTop"},
                    "data": [{"xAxis": day, "name": names} for day, names in _by_day(starts)],
                }
            option["series"].append(series)
    return option


def _by_day(starts: Sequence[tuple[float, str]]) -> list[tuple[float, str]]:
    """(day, names) with the drugs started on one day named together, so their labels do not overlap."""
    days: dict[float, list[str]] = {}
    for day, name in starts:
        days.setdefault(day, []).append(name)
    return [(day, " + ".join(names)) for day, names in days.items()]


def _value(row: dict, column: str) -> float:
    """A chart value from a daily metric row; ``dkk1_per_100`` is DKK1 in hundreds of pg/mL (to share an axis
    with IL-6)."""
    if column == "dkk1_per_100":
        return float(row["dkk1_mean"]) / 100.0
    return float(row[column])
