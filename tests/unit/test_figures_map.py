"""The prefecture map (kpidash/figures/maps.py): a geo ``choropleth`` (SVG) with the boundaries by URL, checked against
the warehouse (read here with SQL) and the boundary file (read here with json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from kpidash.config import RAW_DIR
from tests.conftest import open_readonly

GEOJSON_FILE = RAW_DIR / "geo" / "japan_prefectures_dataofjapan.geojson"


def _boundaries() -> dict[str, dict[str, str]]:
    """pref_code → properties, straight from the shipped boundary file."""
    data = json.loads(GEOJSON_FILE.read_text(encoding="utf-8"))
    return {f["properties"]["pref_code"]: f["properties"] for f in data["features"]}


def _cross(fixture_warehouse: Path, indicator: str, period: int) -> pd.DataFrame:
    """The cross-section the pages pass to the map, built here with SQL (aggregates included: they must be ignored)."""
    con = open_readonly(fixture_warehouse)
    try:
        return con.execute(
            "SELECT r.region_code, r.name_ja, r.name_en, r.level, o.value FROM marts.observations o "
            "JOIN marts.regions r USING (region_code) WHERE o.indicator_id = ? AND o.period = ? "
            "AND r.level IN ('national', 'aggregate', 'prefecture') ORDER BY r.sort_key",
            [indicator, period],
        ).df()
    finally:
        con.close()


@pytest.fixture()
def gdp(fixture_warehouse: Path) -> pd.DataFrame:
    cross = _cross(fixture_warehouse, "gdp_nominal", 2022)
    assert (cross["level"] == "prefecture").sum() == 47 and (cross["level"] != "prefecture").any()
    return cross


def _trace(fig: dict) -> dict:
    assert len(fig["data"]) == 1
    return fig["data"][0]


def test_map_is_a_geo_choropleth_of_the_47_prefectures(gdp):
    from kpidash.figures.maps import prefecture_choropleth

    fig = prefecture_choropleth(gdp, "title", "百万円", [], "ja")
    tr = _trace(fig)
    assert tr["type"] == "choropleth"  # SVG (d3-geo), not choroplethmap (MapLibre/WebGL)
    assert tr["geojson"] == "/geo/prefectures.geojson"  # by URL: the 1.3 MB geometry is never embedded
    assert tr["featureidkey"] == "properties.pref_code"
    bounds = _boundaries()
    assert sorted(tr["locations"]) == sorted(bounds)  # every feature of the file, nothing else (no 00/TKY/NTK)
    prefs = gdp[gdp["level"] == "prefecture"]
    expected = dict(zip(prefs["region_code"], prefs["value"], strict=True))
    assert dict(zip(tr["locations"], tr["z"], strict=True)) == pytest.approx(expected)
    # Names as the boundary file spells them (an independent source of the same names).
    assert dict(zip(tr["locations"], tr["text"], strict=True)) == {c: p["name_ja"] for c, p in bounds.items()}
    layout = fig["layout"]
    assert "map" not in layout and "mapbox" not in layout  # no MapLibre subplot
    geo = layout["geo"]
    assert geo["visible"] is False  # no base map (land, coastlines, frame)
    assert geo["fitbounds"] == "locations"
    assert layout["title"]["text"] == "title"
    assert tr["colorbar"]["title"]["text"] == "百万円"
    assert tr["hovertemplate"] == "%{text}: %{z:,.4~f} 百万円<extra></extra>"


def test_english_names_and_highlight_outlines_drawn_last(gdp):
    from kpidash.figures.maps import prefecture_choropleth

    tr = _trace(prefecture_choropleth(gdp, "t", "u", ["27", "13"], "en"))
    bounds = _boundaries()
    assert dict(zip(tr["locations"], tr["text"], strict=True)) == {c: p["name_en"] for c, p in bounds.items()}
    line = tr["marker"]["line"]
    outlined = {
        c for c, w, col in zip(tr["locations"], line["width"], line["color"], strict=True) if w > 1 and col != "#ffffff"
    }
    assert outlined == {"13", "27"}
    # Drawn last (SVG paints in order), so that a neighbour's white outline never covers theirs; the others keep
    # the JIS order.
    assert tr["locations"][-2:] == ["13", "27"]
    rest = tr["locations"][:-2]
    assert rest == sorted(rest)


def test_a_gap_stays_a_gap_and_the_figure_is_strict_json(gdp):
    from kpidash.figures.maps import prefecture_choropleth

    with_gap = gdp.copy()
    with_gap.loc[with_gap["region_code"] == "05", "value"] = float("nan")
    tr = _trace(prefecture_choropleth(with_gap, "t", "u", [], "ja"))
    z = dict(zip(tr["locations"], tr["z"], strict=True))
    assert z["05"] is None  # plotly.js leaves it undrawn; no invented value
    assert all(v is not None and math.isfinite(v) for c, v in z.items() if c != "05")
    json.dumps(prefecture_choropleth(with_gap, "t", "u", [], "ja"), allow_nan=False)  # raises on NaN


def test_figures_choropleth_is_the_plain_dict_and_valid(gdp):
    import plotly.graph_objects as go

    from kpidash.figures import charts as figures

    fig = figures.choropleth(gdp, "title", "百万円", ["13"], "ja")
    assert isinstance(fig, dict)  # no graph_objects validation per callback
    assert fig["data"][0]["type"] == "choropleth" and len(fig["data"][0]["locations"]) == 47
    go.Figure(fig)  # and it is a valid plotly figure (full validation here, not in the app)


def test_the_shell_registers_the_base_map_that_plotly_js_would_fetch(gdp, use_fixture_warehouse):
    """plotly.js fetches `<scope>_<resolution>m.json` for any geo subplot (topojson_utils.getTopojsonName: the scope
    with spaces as dashes); the app ships an empty topology under that name."""
    import app as app_module
    from kpidash.figures.maps import prefecture_choropleth

    geo = prefecture_choropleth(gdp, "t", "u", [], "ja")["layout"]["geo"]
    name = f"{geo['scope'].replace(' ', '-')}_{geo['resolution']}m"
    from tests.conftest import plotly_meta

    cfg = plotly_meta(app_module.app.server.test_client().get("/compare").get_data(as_text=True))
    assert cfg["topojsonName"] == name
    assert cfg["topojson"] == {"type": "Topology", "objects": {}, "arcs": []}  # nothing to draw
