"""What every figure shares: font, colours, the base layout and its helpers, the boundary URLs and the geo base map.

Colour-blind-safe palette (Okabe–Ito). Maps reference their boundaries by URL (served by kpidash/web/geo.py, cached by
the browser); geometry is never embedded in a figure.

A geo subplot also loads a Natural Earth base map (``<scope>_<resolution>m.json``, from cdn.plot.ly by default) even
with every base layer hidden. The app is offline and its CSP allows no other origin, so the shell registers
:data:`EMPTY_TOPOLOGY` under :data:`TOPOJSON_NAME` before plotly.js draws (``app.py``): nothing is fetched and no base
map drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

PREFECTURES_GEOJSON_URL = "/geo/prefectures.geojson"
MUNICIPALITIES_GEOJSON_URL = "/geo/municipalities.geojson"
GEO_SCOPE = "world"
GEO_RESOLUTION = 110
TOPOJSON_NAME = f"{GEO_SCOPE}_{GEO_RESOLUTION}m"  # the base-map file plotly.js would fetch for this geo layout
EMPTY_TOPOLOGY: dict[str, Any] = {"type": "Topology", "objects": {}, "arcs": []}  # registered under that name

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
BENCH_COLOURS = {"00": "#000000", "TKY": "#D55E00", "NTK": "#009E73", "peer": "#CC79A7"}
BENCH_DASH = {"00": "dash", "TKY": "dot", "NTK": "dashdot", "peer": "longdash"}  # not by colour alone
FONT = "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Meiryo, sans-serif"
BASE_LAYOUT: dict[str, Any] = {
    "font": {"family": FONT, "size": 13},
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "separators": ".,",
}


def chart_title(text: str) -> dict[str, Any]:
    """A figure title: left-aligned, 15 px."""
    return {"text": text, "x": 0, "font": {"size": 15}}


def figure_layout(fig: go.Figure, text: str, **kw: Any) -> go.Figure:
    """The base layout and axes on a graph_objects figure."""
    fig.update_layout(**{**BASE_LAYOUT, **kw}, title=chart_title(text))
    fig.update_xaxes(showgrid=False, linecolor="#888")
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#aaa", exponentformat="none", separatethousands=True)
    fig.update_xaxes(exponentformat="none")
    return fig


def dict_layout(
    text: str, xaxis: dict[str, Any] | None = None, yaxis: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    """The same base layout as :func:`figure_layout`, for dict figures."""
    return {
        **BASE_LAYOUT,
        **kw,
        "title": chart_title(text),
        "xaxis": {"showgrid": False, "linecolor": "#888", "exponentformat": "none", **(xaxis or {})},
        "yaxis": {
            "gridcolor": "#e5e5e5",
            "zerolinecolor": "#aaa",
            "exponentformat": "none",
            "separatethousands": True,
            "automargin": True,  # long tick labels (e.g. 600,000,000) push the margin instead of being clipped
            **(yaxis or {}),
        },
    }
