"""/industry figures as plain plotly dicts (no graph_objects validation: a heat map of 800 cells would cost ~100 ms),
drawn with the traces of the vendored bundle only (scatter, bar, choropleth): grouped bars of shares, location
quotients as a grid of square markers, and a waterfall of floating bars."""

from __future__ import annotations

import math
from typing import Any

from kpidash.analysis.industry import Waterfall
from kpidash.figures.style import dict_layout
from kpidash.formatting import t

POSITIVE, NEGATIVE, TOTAL = "#0072B2", "#D55E00", "#555555"
Figure = dict[str, Any]


def _name(obj: Any, lang: str) -> str:
    return str(obj.name_ja if lang == "ja" else obj.name_en)


def composition_figure(result: Any, lang: str) -> Figure:
    comp = result.composition
    rows = list(reversed(comp.rows))  # first industry on top
    names = [_name(r, lang) for r in rows]
    traces = []
    years = [(comp.year0, "share0", "#9ecae1"), (comp.year1, "share1", "#0072B2")]
    for year, attr, colour in years if comp.year0 != comp.year1 else years[1:]:
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": names,
                "x": [getattr(r, attr) for r in rows],
                "name": str(year),
                "marker": {"color": colour},
                "hovertemplate": "%{y}: %{x:.2f}%<extra>" + str(year) + "</extra>",
            }
        )
    layout = dict_layout(
        t("産業別の構成比", "Composition by industry", lang),
        xaxis={"title": {"text": "%"}},
        barmode="group",
        height=120 + 34 * len(rows),
        margin={"l": 260, "r": 20, "t": 50, "b": 50},
    )
    return {"data": traces, "layout": layout}


def lq_heatmap(result: Any, order: list[str], industries: list[Any], lang: str) -> Figure:
    """Location quotients, regions × industries, coloured on log2(LQ) (1 = the national share) with the chosen
    region marked. ``order``: region codes top to bottom."""
    table: dict[str, dict[str, float]] = result.lq.to_dict(orient="index")
    labels = {c: (n[0] if lang == "ja" else n[1]) for c, n in result.region_names.items()}
    cols = [_name(i, lang) for i in industries]
    xs, ys, zs, texts = [], [], [], []
    for code in order:
        row = table.get(code, {})
        for ind, col in zip(industries, cols, strict=True):
            v = row.get(ind.key)
            if v is None or math.isnan(v) or v <= 0:
                continue  # a gap stays a gap
            xs.append(col)
            ys.append(labels.get(code, code))
            zs.append(math.log2(v))
            texts.append(f"{labels.get(code, code)} / {col}: {v:.2f}")
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": xs,
        "y": ys,
        "text": texts,
        "hovertemplate": "%{text}<extra></extra>",
        "showlegend": False,
        "marker": {
            "symbol": "square",
            "size": 14,
            "color": zs,
            "colorscale": "RdBu",
            "reversescale": True,
            "cmid": 0,
            "cmin": -2,
            "cmax": 2,
            "colorbar": {
                "title": {"text": t("特化係数", "LQ", lang)},
                "tickvals": [-2, -1, 0, 1, 2],
                "ticktext": ["0.25", "0.5", "1", "2", "4"],
            },
        },
    }
    chosen = labels.get(result.region, result.region)
    shapes = []
    if chosen in ys:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": chosen,
                "y1": chosen,
                "line": {"color": "#D55E00", "width": 2, "dash": "dot"},
            }
        )
    layout = dict_layout(
        t("特化係数（全国=1）", "Location quotient (Japan = 1)", lang),
        xaxis={"side": "top", "tickangle": -50, "categoryorder": "array", "categoryarray": cols},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": [labels.get(c, c) for c in order]},
        height=260 + 17 * len(order),
        margin={"l": 110, "r": 20, "t": 190, "b": 20},
        shapes=shapes,
    )
    return {"data": [trace], "layout": layout}


def waterfall_figure(w: Waterfall, name: str, lang: str) -> Figure:
    """Each industry's contribution to the growth of nominal GDP (points), as floating bars, and the total."""
    labels, bases, heights, colours = [], [], [], []
    running = 0.0
    for item in w.items:
        labels.append(_name(item, lang))
        bases.append(running if item.points >= 0 else running + item.points)
        heights.append(abs(item.points))
        colours.append(POSITIVE if item.points >= 0 else NEGATIVE)
        running += item.points
    labels.append(t("県内総生産の伸び率", "GDP growth", lang))
    bases.append(min(0.0, w.growth_pct))
    heights.append(abs(w.growth_pct))
    colours.append(TOTAL)
    trace = {
        "type": "bar",
        "x": labels,
        "y": heights,
        "base": bases,
        "marker": {"color": colours},
        "customdata": [i.points for i in w.items] + [w.growth_pct],
        "hovertemplate": "%{x}: %{customdata:+.2f}<extra></extra>",
        "showlegend": False,
    }
    title = t(
        f"{name}：県内総生産の伸び（{w.year0}→{w.year1}年度）への産業別寄与",
        f"{name}: contributions to GDP growth, FY{w.year0}→FY{w.year1}",
        lang,
    )
    layout = dict_layout(
        title,
        xaxis={"tickangle": -55},
        yaxis={"title": {"text": t("ポイント", "points", lang)}, "zeroline": True, "zerolinecolor": "#999"},
        height=520,
        margin={"l": 60, "r": 20, "t": 60, "b": 200},
    )
    return {"data": [trace], "layout": layout}
