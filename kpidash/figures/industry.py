"""/industry figures, drawn with the traces of the vendored plotly bundle only (scatter, bar, choropleth): a grouped
bar of shares, a heat map of location quotients as a grid of square markers, and a waterfall of floating bars."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from kpidash.analysis.industry import Waterfall
from kpidash.figures.style import figure_layout
from kpidash.formatting import t

POSITIVE, NEGATIVE, TOTAL = "#0072B2", "#D55E00", "#555555"


def _name(obj: Any, lang: str) -> str:
    return str(obj.name_ja if lang == "ja" else obj.name_en)


def composition_figure(result: Any, lang: str) -> go.Figure:
    comp = result.composition
    rows = list(reversed(comp.rows))  # first industry on top
    names = [_name(r, lang) for r in rows]
    fig = go.Figure()
    years = [comp.year0, comp.year1] if comp.year0 != comp.year1 else [comp.year1]
    for year, colour in zip(years, ("#9ecae1", "#0072B2")[-len(years) :], strict=True):
        shares = [(r.share0 if year == comp.year0 and year != comp.year1 else r.share1) for r in rows]
        fig.add_trace(
            go.Bar(
                y=names,
                x=shares,
                orientation="h",
                name=str(year),
                marker_color=colour,
                hovertemplate="%{y}: %{x:.2f}%<extra>" + str(year) + "</extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(title={"text": "%"})
    title = t("産業別の構成比", "Composition by industry", lang)
    return figure_layout(fig, title, height=120 + 34 * len(rows), margin={"l": 260, "r": 20, "t": 50, "b": 50})


def lq_heatmap(result: Any, order: list[str], industries: list[Any], lang: str) -> go.Figure:
    """Location quotients, regions × industries, coloured on log2(LQ) (1 = the national share) with the chosen
    region outlined. ``order``: region codes top to bottom."""
    lq = result.lq
    xs, ys, zs, texts = [], [], [], []
    labels = {c: (n[0] if lang == "ja" else n[1]) for c, n in result.region_names.items()}
    cols = [_name(i, lang) for i in industries]
    for code in order:
        for ind, col in zip(industries, cols, strict=True):
            v = lq.at[code, ind.key] if code in lq.index and ind.key in lq.columns else float("nan")
            if v is None or (isinstance(v, float) and math.isnan(v)) or v <= 0:
                continue
            xs.append(col)
            ys.append(labels.get(code, code))
            zs.append(math.log2(float(v)))
            texts.append(f"{labels.get(code, code)} / {col}: {float(v):.2f}")
    size = 13
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker={
                "symbol": "square",
                "size": size,
                "color": zs,
                "colorscale": "RdBu_r",
                "cmid": 0,
                "cmin": -2,
                "cmax": 2,
                "colorbar": {
                    "title": {"text": t("特化係数", "LQ", lang)},
                    "tickvals": [-2, -1, 0, 1, 2],
                    "ticktext": ["0.25", "0.5", "1", "2", "4"],
                },
            },
            text=texts,
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
        )
    )
    chosen = labels.get(result.region, result.region)
    if chosen in ys:
        fig.add_hline(y=chosen, line={"color": "#D55E00", "width": 2, "dash": "dot"})
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[labels.get(c, c) for c in order])
    fig.update_xaxes(side="top", tickangle=-50, categoryorder="array", categoryarray=cols)
    title = t("特化係数（全国=1）", "Location quotient (Japan = 1)", lang)
    return figure_layout(fig, title, height=260 + 17 * len(order), margin={"l": 110, "r": 20, "t": 190, "b": 20})


def waterfall_figure(w: Waterfall, name: str, lang: str) -> go.Figure:
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
    signed = [i.points for i in w.items] + [w.growth_pct]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=heights,
            base=bases,
            marker_color=colours,
            customdata=signed,
            hovertemplate="%{x}: %{customdata:+.2f}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_hline(y=0, line={"color": "#999"})
    fig.update_yaxes(title={"text": t("ポイント", "points", lang)})
    fig.update_xaxes(tickangle=-55)
    title = t(
        f"{name}：県内総生産の伸び（{w.year0}→{w.year1}年度）への産業別寄与",
        f"{name}: contributions to GDP growth, FY{w.year0}→FY{w.year1}",
        lang,
    )
    return figure_layout(fig, title, height=520, margin={"l": 60, "r": 20, "t": 60, "b": 200})
