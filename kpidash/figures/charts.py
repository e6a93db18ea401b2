"""Pure Plotly builders: DataFrame in, figure out (style: kpidash/figures/style.py).

The charts of the hot paths (ranking, lines, empty) are built as plain figure dicts with Python lists: a
graph_objects figure validates every property (~10–15 ms per chart) and serialises numpy arrays slowly; the dicts are
checked against plotly's schema in the tests instead (``go.Figure(fig)`` raises on an invalid property).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kpidash.figures.maps import prefecture_choropleth
from kpidash.figures.style import BASE_LAYOUT, BENCH_COLOURS, BENCH_DASH, OKABE_ITO, dict_layout, figure_layout

Figure = dict[str, Any]


def _values(values: Any) -> list[Any]:
    """A column as a JSON-ready list: numpy scalars → Python, NaN → None (a gap, drawn as a gap)."""
    out = pd.Series(values).astype(object).tolist()
    return [None if isinstance(v, float) and v != v else v for v in out]


def empty(message: str) -> Figure:
    annotation = {
        "text": message,
        "x": 0.5,
        "y": 0.5,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "font": {"size": 15},
    }
    return {
        "data": [],
        "layout": dict_layout("", {"visible": False}, {"visible": False}, annotations=[annotation]),
    }


def choropleth(cross: pd.DataFrame, title: str, unit: str, highlight: list[str], lang: str = "ja") -> Figure:
    """Prefecture map: a geo ``choropleth`` (SVG), built as a plain dict in kpidash/figures/maps.py."""
    return prefecture_choropleth(cross, title, unit, highlight, lang)


TICK_FONT = 11  # px, the names on a ranking's axis


def label_width(text: str, size: float) -> float:
    """Width in px of a one-line label in the app's font: a full-width character (kana, kanji) is one em, others about
    0.6 em (an upper bound for Noto Sans CJK's Latin letters and digits). Rankings set their left margin with it:
    plotly's automargin draws a chart twice, ~0.1 s on a first visit."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.6 * size for c in text)


def names_margin(names: list[str]) -> int:
    """Left margin (px) that holds the longest of these axis labels."""
    return round(14 + max((label_width(n, TICK_FONT) for n in names), default=0))


def ranking_bar(
    cross: pd.DataFrame,
    title: str,
    unit: str,
    highlight: list[str],
    benchmarks: dict[str, tuple[str, float]],
    sort: str = "value",
    lang: str = "ja",
) -> Figure:
    """Horizontal bars of the 47 prefectures; benchmarks as vertical lines named in the legend (colour and dash)."""
    prefs = cross[cross["level"] == "prefecture"]
    if sort == "value":
        prefs = prefs.sort_values("value", ascending=True, kind="stable")
    else:
        prefs = prefs.iloc[::-1]  # JIS order from the top
    names = prefs["name_ja"] if lang == "ja" else prefs["name_en"]
    colours = ["#D55E00" if c in highlight else "#0072B2" for c in prefs["region_code"]]
    bar = {
        "type": "bar",
        "x": _values(prefs["value"]),
        "y": names.tolist(),
        "orientation": "h",
        "marker": {"color": colours},
        "hovertemplate": "%{y}: %{x:,.4~f} " + unit + "<extra></extra>",
        "name": "",
        "showlegend": False,
    }
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "y domain",
            "x0": value,
            "x1": value,
            "y0": 0,
            "y1": 1,
            "line": {"color": BENCH_COLOURS.get(key, "#555"), "dash": BENCH_DASH.get(key, "dash"), "width": 1.5},
            "name": label,
            "showlegend": True,
        }
        for key, (label, value) in benchmarks.items()
    ]
    return {
        "data": [bar],
        "layout": dict_layout(
            title,
            {"title": {"text": unit}},
            {"tickfont": {"size": TICK_FONT}, "automargin": False},
            height=900,
            showlegend=bool(shapes),
            shapes=shapes,
            legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
            margin={**BASE_LAYOUT["margin"], "t": 70, "l": names_margin(bar["y"])},
        ),
    }


def lines(
    panel: pd.DataFrame, title: str, unit: str, period_label: str, lang: str = "ja", dashed: set[str] | None = None
) -> Figure:
    palette = [c for c in OKABE_ITO if c not in BENCH_COLOURS.values()]
    n_other = 0
    traces = []
    for code, df in panel.groupby("region_code", sort=False):
        name = df["name_ja"].iloc[0] if lang == "ja" else df["name_en"].iloc[0]
        colour = BENCH_COLOURS.get(str(code))
        if colour is None:
            colour = palette[n_other % len(palette)]
            n_other += 1
        traces.append(
            {
                "type": "scatter",
                "x": _values(df["period"]),
                "y": _values(df["value"]),
                "name": name,
                "mode": "lines+markers",
                "line": {"color": colour, "dash": "dash" if dashed and code in dashed else "solid"},
                "hovertemplate": name + " %{x}: %{y:,.4~f} " + unit + "<extra></extra>",
            }
        )
    return {
        "data": traces,
        "layout": dict_layout(
            title,
            {"title": {"text": period_label}, "dtick": 2 if panel["period"].nunique() > 12 else 1},
            {"title": {"text": unit}},
            height=460,
            legend={"orientation": "h", "y": -0.2},
            hovermode="x unified",
        ),
    }


def spine(profile: pd.DataFrame, lang: str = "ja") -> go.Figure:
    """Spine chart: each indicator's prefecture value on the national range (min–max, IQR), with the median at 0.5."""
    rows = profile.iloc[::-1]
    names = rows["name_ja"] if lang == "ja" else rows["name_en"]

    def pos(v: pd.Series) -> pd.Series:
        span = (rows["vmax"] - rows["vmin"]).where(lambda x: x != 0)
        return (v - rows["vmin"]) / span

    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=names,
            x=pos(rows["q3"]) - pos(rows["q1"]),
            base=pos(rows["q1"]),
            orientation="h",
            marker_color="#cfe3f5",
            name="中央50%の県" if lang == "ja" else "Middle 50 %",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=names,
            x=pos(rows["med"]),
            mode="markers",
            marker={"symbol": "line-ns-open", "size": 14, "color": "#333"},
            name="中央値" if lang == "ja" else "Median",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=names,
            x=pos(rows["value"]),
            mode="markers",
            marker={"size": 10, "color": "#D55E00"},
            name="この県" if lang == "ja" else "This prefecture",
            customdata=rows[["value", "unit", "rank_desc"]].to_numpy(),
            hovertemplate="%{y}: %{customdata[0]:,.4~f} %{customdata[1]}（%{customdata[2]}位）<extra></extra>",
        )
    )
    fig.update_xaxes(
        range=[-0.02, 1.02], tickvals=[0, 0.5, 1], ticktext=["最小", "", "最大"] if lang == "ja" else ["min", "", "max"]
    )
    return figure_layout(
        fig,
        "",
        height=max(300, 24 * len(rows) + 80),
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        margin={"l": 260, "r": 20, "t": 40, "b": 30},
    )
