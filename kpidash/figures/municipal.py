"""The choropleth map of the municipality view (/municipalities) and the view box it is zoomed to.

The map is a plotly ``choropleth`` trace on a geo subplot (SVG, d3-geo), like the prefecture map: in a browser
without a GPU (the office PCs and headless Chromium of the benchmark) it draws the 1,741 municipalities 2–3× faster
than MapLibre's software WebGL, and every page needs only the partial plotly.js bundle. It references the boundary file
by URL (``/geo/municipalities.geojson``, served once by kpidash/web/geo.py and cached by the browser); geometry is never
embedded in a figure. Figures are plain dicts in plotly's JSON schema
(``dcc.Graph`` takes them as they are): this view draws up to 1,741 areas per interaction, and building
``go.Figure`` objects validated every array again on each call.

The municipalities' bounding boxes (a prefecture's initial view box) are read from the same GeoJSON file, once, on
the first prefecture view.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kpidash.config import BOUNDARY_FILES
from kpidash.figures.style import FONT, GEO_RESOLUTION, GEO_SCOPE, MUNICIPALITIES_GEOJSON_URL, chart_title

FEATURE_ID_KEY = "properties.muni_code_5"
COLORSCALE = "Viridis"
MAP_HEIGHT = 560
# Map viewport the zoom is fitted to: the map sits in one column of .two-col (main is 1,200 px wide at most).
FIT_WIDTH_PX = 430  # the colour bar takes ~100 px of the column
FIT_HEIGHT_PX = 480
# All of Japan: 与那国島 (122.9°E) to 根室 (145.8°E), 波照間島 (24.0°N) to 宗谷岬 (45.5°N); 小笠原 and 南鳥島 lie outside
# (zoom out to see them), as on the national maps of the 国土地理院.
JAPAN_BOX = (122.6, 23.8, 146.2, 45.8)  # lon_min, lat_min, lon_max, lat_max
VIEW_PAD = 0.04  # fraction of the box added on each side
# Where a prefecture's full extent is too large (東京都: 小笠原村 reaches 20°N and 153°E), the map zooms to its largest
# cluster of municipalities (bounding boxes within this distance of each other) and says how many lie outside.
CLUSTER_GAP_KM = 50.0
MIN_FULL_ZOOM = 6.0  # the full extent is used when it fits at this zoom or closer (not 東京都, 沖縄県)
KM_PER_DEG = 111.32


@dataclass(frozen=True)
class PrefView:
    pref_code: str
    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float
    center_lat: float
    center_lon: float
    zoom: float
    n_features: int
    n_outside: int  # municipalities (features) outside the zoomed box: remote islands, reachable by zooming out


def _geometry_bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of a Polygon or MultiPolygon (outer rings suffice)."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    lons = [p[0] for poly in polys for p in poly[0]]
    lats = [p[1] for poly in polys for p in poly[0]]
    return min(lons), min(lats), max(lons), max(lats)


def _gap_km(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    dlon = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dlat = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    lat = (a[1] + a[3] + b[1] + b[3]) / 4
    return math.hypot(dlon * KM_PER_DEG * math.cos(math.radians(lat)), dlat * KM_PER_DEG)


def _largest_cluster(boxes: list[tuple[float, float, float, float]]) -> list[int]:
    """Single-linkage clusters of bounding boxes (gap ≤ CLUSTER_GAP_KM); indices of the one with most members."""
    seen: set[int] = set()
    best: list[int] = []
    for start in range(len(boxes)):
        if start in seen:
            continue
        members, queue = [start], [start]
        seen.add(start)
        while queue:
            i = queue.pop()
            for j in range(len(boxes)):
                if j not in seen and _gap_km(boxes[i], boxes[j]) <= CLUSTER_GAP_KM:
                    seen.add(j)
                    members.append(j)
                    queue.append(j)
        if len(members) > len(best):
            best = members
    return best


def _merc_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> tuple[float, float, float]:
    """(center_lat, center_lon, zoom) showing the box in FIT_WIDTH_PX × FIT_HEIGHT_PX (512-px world at zoom 0)."""
    y0, y1 = _merc_y(lat_min), _merc_y(lat_max)
    center_lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2)
    dlon = max(lon_max - lon_min, 1e-3)
    dy = max(y1 - y0, 1e-5)
    z_lon = math.log2(FIT_WIDTH_PX * 360 / (512 * dlon))
    z_lat = math.log2(FIT_HEIGHT_PX * 2 * math.pi / (512 * dy))
    zoom = max(3.0, min(11.0, min(z_lon, z_lat) - 0.15))  # a little margin around the box
    return round(center_lat, 4), round((lon_min + lon_max) / 2, 4), round(zoom, 2)


Box = tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max


@functools.cache
def feature_boxes(path: Path = BOUNDARY_FILES["municipalities"]) -> dict[str, tuple[str, Box]]:
    """muni_code_5 → (pref_code, bounding box) for every municipality of the boundary file (read once)."""
    with path.open(encoding="utf-8") as fh:
        gj = json.load(fh)
    out: dict[str, tuple[str, Box]] = {}
    for feat in gj["features"]:
        props = feat.get("properties") or {}
        code, pref = props.get("muni_code_5"), props.get("pref_code")
        if not code or not pref or not feat.get("geometry"):
            continue  # 所属未定地 (no municipality code) is never drawn
        box = _geometry_bbox(feat["geometry"])
        if code in out:  # a municipality split over several features
            old = out[code][1]
            box = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]), max(old[3], box[3]))
        out[code] = (str(pref), box)
    return out


def _union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@functools.lru_cache(maxsize=128)
def pref_view(pref: str, codes: frozenset[str] | None = None) -> PrefView | None:
    """Bounding box and fitted view of a prefecture's municipalities (only ``codes`` if given: the ones drawn)."""
    bxs = [b for c, (p, b) in feature_boxes().items() if p == pref and (codes is None or c in codes)]
    if not bxs:
        return None
    main = bxs
    lat, lon, zoom = fit_view(*_union(main))
    if zoom < MIN_FULL_ZOOM:  # the whole prefecture would be a dot in the ocean: fit its main cluster
        main = [bxs[i] for i in _largest_cluster(bxs)]
        lat, lon, zoom = fit_view(*_union(main))
    return PrefView(pref, *_union(main), lat, lon, zoom, len(bxs), len(bxs) - len(main))


def map_view(pref: str | None, codes: frozenset[str] | None = None) -> dict[str, Any]:
    """The geo subplot's initial view: longitude and latitude ranges of the prefecture's (main) box, or Japan."""
    v = pref_view(pref, codes) if pref else None
    lon_min, lat_min, lon_max, lat_max = JAPAN_BOX if v is None else (v.lon_min, v.lat_min, v.lon_max, v.lat_max)
    pad_lon = max(lon_max - lon_min, 0.05) * VIEW_PAD
    pad_lat = max(lat_max - lat_min, 0.05) * VIEW_PAD
    return {
        "lonaxis": {"range": [round(lon_min - pad_lon, 4), round(lon_max + pad_lon, 4)]},
        "lataxis": {"range": [round(lat_min - pad_lat, 4), round(lat_max + pad_lat, 4)]},
    }


def _base_layout(title: str, **kw: Any) -> dict[str, Any]:
    return {
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "separators": ".,",
        "title": chart_title(title),
        **kw,
    }


def nice_log_ticks(vmin: float, vmax: float) -> list[float]:
    """1-2-5 ticks between vmin and vmax (positive), for a colour bar on a log10 scale."""
    ticks: list[float] = []
    for exp in range(math.floor(math.log10(vmin)), math.ceil(math.log10(vmax)) + 1):
        for m in (1, 2, 5):
            t = m * 10.0**exp
            if vmin <= t <= vmax:
                ticks.append(t)
    return ticks if len(ticks) >= 2 else [vmin, vmax]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:.2g}"


def _list(values: pd.Series, decimals: int) -> list[float | None]:
    """Rounded floats for JSON, NaN → None (vectorised: this runs on 1,741 values per interaction)."""
    r = values.astype(float).round(decimals)
    return [None if x != x else int(x) if x.is_integer() else x for x in r.tolist()]  # x != x: NaN


def colour_encoding(values: pd.Series, log: bool) -> dict[str, Any]:
    """z, zmin/zmax and colour-bar ticks. ``log``: colour on log10 (counts spanning 15 to 3.7 million people)."""
    v = values.astype(float)
    if log:
        pos = v[v > 0]
        vmin, vmax = (float(pos.min()), float(pos.max())) if len(pos) else (1.0, 10.0)
        ticks = nice_log_ticks(vmin, vmax)
        return {
            "z": _list(pos.reindex(v.index).map(math.log10), 4),
            "zmin": math.log10(vmin),
            "zmax": math.log10(vmax) if vmax > vmin else math.log10(vmin) + 1,
            "tickvals": [round(math.log10(t), 4) for t in ticks],
            "ticktext": [_fmt(t) for t in ticks],
        }
    vmin, vmax = float(v.min()), float(v.max())
    return {"z": _list(v, 2), "zmin": vmin, "zmax": vmax if vmax > vmin else vmin + 1, "tickvals": None}


def choropleth_colours(df: pd.DataFrame, measure: str, colourbar_title: str, log: bool) -> dict[str, Any]:
    """The trace properties that change with the mode: z, its range and the colour bar."""
    enc = colour_encoding(df[measure], log)
    colorbar: dict[str, Any] = {"title": {"text": colourbar_title}, "thickness": 12}
    if enc["tickvals"] is not None:
        colorbar.update(tickvals=enc["tickvals"], ticktext=enc["ticktext"])
    else:
        colorbar.update(tickformat=",~r", exponentformat="none")
    return {"z": enc["z"], "zmin": enc["zmin"], "zmax": enc["zmax"], "colorbar": colorbar}


def hovertemplate(value_label: str, unit: str, z_is_share: bool) -> str:
    share_part = "（%{z:.1f}%）" if z_is_share else ""
    return "%{text}<br>" + value_label + ": %{customdata:,} " + unit + share_part + "<extra></extra>"


def muni_choropleth_customdata(df: pd.DataFrame) -> list[float | None]:
    return _list(df["value"], 2)


def muni_choropleth(
    df: pd.DataFrame,
    names: list[str],
    title: str,
    measure: str,
    colourbar_title: str,
    hover: str,
    log: bool,
    pref: str | None,
) -> dict[str, Any]:
    """Choropleth of municipalities. ``df``: region_code, value (the number, shown on hover) and ``measure``
    (what is coloured: the number on a log scale if ``log``, else e.g. the share in %)."""
    trace = {
        "type": "choropleth",
        "geojson": MUNICIPALITIES_GEOJSON_URL,
        "featureidkey": FEATURE_ID_KEY,
        "locations": list(df["region_code"]),
        "text": names,
        "customdata": muni_choropleth_customdata(df),
        "hovertemplate": hover,
        "colorscale": COLORSCALE,
        "marker": {"line": {"width": 0.3 if pref else 0.1, "color": "#ffffff"}},
        **choropleth_colours(df, measure, colourbar_title, log),
    }
    layout = _base_layout(
        title,
        height=MAP_HEIGHT,
        margin={"l": 0, "r": 0, "t": 60, "b": 0},  # a two-line title
        hovermode="closest",
        geo={
            "visible": False,  # no base map (land, coastlines, frame): the municipalities are the map
            "scope": GEO_SCOPE,  # the (empty) base topology the shell registers: nothing is fetched
            "resolution": GEO_RESOLUTION,
            "projection": {"type": "mercator"},
            "fitbounds": False,
            "bgcolor": "white",
            **map_view(pref, frozenset(df["region_code"])),
        },
        uirevision=pref or "all",  # keep the user's pan/zoom while only the colours change
    )
    return {"data": [trace], "layout": layout}
