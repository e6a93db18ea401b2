"""The prefecture map of /compare and /kpi/* as a plotly ``choropleth`` trace on a geo subplot (SVG, d3-geo).

No MapLibre and no WebGL: the map is drawn by the partial plotly.js bundle of the prefecture pages
(``kpidash/vendor/plotly``, traces scatter, bar and choropleth). The figure is a plain dict — what dcc.Graph sends to
plotly.js anyway — so no plotly.py validation runs on each callback (go.Figure costs ~15 ms here, the dict < 1 ms).

The geometry is not embedded: plotly.js fetches ``/geo/prefectures.geojson`` once (the figure carries its URL). Its
exterior rings are clockwise, as d3-geo expects (see data/raw/geo/*.meta.yaml).

The geo subplot's empty base map: see kpidash/figures/style.py.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kpidash.figures.style import BASE_LAYOUT, GEO_RESOLUTION, GEO_SCOPE, PREFECTURES_GEOJSON_URL, chart_title
from kpidash.formatting import name_col

FEATURE_ID_KEY = "properties.pref_code"
HIGHLIGHT_COLOUR = "#D55E00"
OUTLINE_COLOUR = "#ffffff"
TEXT_COLOUR = "#2a3f5f"  # the default plotly template's text colour, as on the other charts (10.7:1 on white)
COLOURBAR_PX = 340  # fits a 390 px phone screen
MAP_BOTTOM = 0.13  # fraction of the plot height under the map, for the horizontal colour bar


def _number(v: Any) -> float | None:
    """JSON-safe value: a gap (NaN/None) stays a gap (plotly.js leaves that prefecture undrawn)."""
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def prefecture_choropleth(
    cross: pd.DataFrame, title: str, unit: str, highlight: list[str], lang: str = "ja"
) -> dict[str, Any]:
    """47 prefectures coloured by ``value`` (Viridis), highlighted prefectures outlined in vermilion.

    ``cross`` has the columns region_code, name_ja, name_en, level, value (rows of other levels are ignored).
    Highlighted prefectures are drawn last, so that their outline is not covered by a neighbour's.
    """
    prefs = cross[cross["level"] == "prefecture"]
    hl = set(highlight)
    rows = list(
        zip(
            prefs["region_code"].astype(str).tolist(),
            prefs[name_col(lang)].astype(str).tolist(),
            [_number(v) for v in prefs["value"].tolist()],
            strict=True,
        )
    )
    rows.sort(key=lambda r: r[0] in hl)  # stable: JIS order, highlighted prefectures last
    codes = [r[0] for r in rows]
    names = [r[1] for r in rows]
    values = [r[2] for r in rows]
    trace: dict[str, Any] = {
        "type": "choropleth",
        "geojson": PREFECTURES_GEOJSON_URL,
        "featureidkey": FEATURE_ID_KEY,
        "locations": codes,
        "z": values,
        "text": names,
        "colorscale": "Viridis",
        "marker": {
            "line": {
                "width": [2.5 if c in hl else 0.4 for c in codes],
                "color": [HIGHLIGHT_COLOUR if c in hl else OUTLINE_COLOUR for c in codes],
            }
        },
        # Below the map, not beside it: on a phone (390 px) a vertical colour bar with its tick labels takes a third
        # of the width, and the map is limited by its width there (by its height on a desktop).
        "colorbar": {
            "title": {"text": unit, "side": "top"},
            "orientation": "h",
            "x": 0.5,
            "xanchor": "center",
            "y": 0,
            "yanchor": "bottom",
            "lenmode": "pixels",
            "len": COLOURBAR_PX,
            "thickness": 12,
            "tickformat": ",~r",
            "exponentformat": "none",
            "outlinewidth": 0,
            "ticks": "",
        },
        "hovertemplate": "%{text}: %{z:,.4~f} " + unit + "<extra></extra>",
    }
    layout: dict[str, Any] = {
        **BASE_LAYOUT,
        "font": {**BASE_LAYOUT["font"], "color": TEXT_COLOUR},
        "title": chart_title(title),
        "height": 560,
        "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "geo": {
            "visible": False,  # no base map: no land, coastlines, frame or graticule
            "scope": GEO_SCOPE,
            "resolution": GEO_RESOLUTION,
            "projection": {"type": "mercator"},
            "fitbounds": "locations",
            "domain": {"x": [0, 1], "y": [MAP_BOTTOM, 1]},  # the colour bar below
            "bgcolor": "white",
        },
    }
    return {"data": [trace], "layout": layout}
