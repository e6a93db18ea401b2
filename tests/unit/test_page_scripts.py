"""The page's scripts: Dash's Babel polyfill replaced by the regenerator runtime (the browser tests run every page on
it, with a clean console)."""

from __future__ import annotations

import re


def test_index_loads_the_regenerator_runtime_instead_of_the_polyfill(use_fixture_warehouse):
    import app as app_module

    client = app_module.server.test_client()
    for path in ("/", "/compare", "/municipalities"):
        html = client.get(path).get_data(as_text=True)
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert not [s for s in scripts if "polyfill" in s], path
        regen = [s for s in scripts if "regenerator-runtime" in s]
        assert len(regen) == 1 and scripts.index(regen[0]) == 0, scripts  # before React and Dash's renderer
    r = client.get(regen[0])
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]
    assert b"regeneratorRuntime" in r.data
    stale = client.get("/_kpidash/regenerator-runtime.000000000000.min.js")  # a page cached before an upgrade
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"


def test_dash_table_is_not_loaded_and_no_page_uses_it(use_fixture_warehouse):
    """Dash links dash_table's bundle in every page; the app leaves it out, so no layout may contain its components
    (they would not render). Every page's first layout is checked as the browser receives it."""
    import urllib.parse

    import dash

    import app as app_module

    client = app_module.server.test_client()
    pages = [p.get("path_template") or p["path"] for p in dash.page_registry.values()]
    assert "/compare" in pages and "/municipalities" in pages
    for path in pages:
        url = re.sub(r"<[^>]+>", "13", path)
        scripts = re.findall(r'<script src="([^"]+)"', client.get(url).get_data(as_text=True))
        assert scripts and not [s for s in scripts if "dash_table" in s], url
        for view in ("", "?view=table", "?view=bar"):
            layout = client.get("/_dash-layout?page=" + urllib.parse.quote(url + view)).get_data(as_text=True)
            assert '"namespace": "dash_table"' not in layout and '"namespace":"dash_table"' not in layout, url + view


def test_preloads_follow_what_the_first_view_draws(use_fixture_warehouse):
    """Link preloads: plotly.js, dcc's graph chunk and the map's boundaries where the first view draws them, the
    dropdown chunk where the controls have dropdowns, AG Grid only for the /compare table (on /municipalities the
    grid waits for the map)."""
    import app as app_module

    client = app_module.server.test_client()

    def preloaded(url: str) -> set[str]:
        links = client.get(url).headers.getlist("Link")
        found = {re.sub(r"^<([^>]*)>.*$", r"\1", link) for link in links}
        return {
            name
            for name, pattern in {
                "plotly": r"/_kpidash/plotly/",
                "graph": r"/dcc/async-graph\.js$",
                "dropdown": r"/dcc/async-dropdown\.js$",
                "prefectures": r"^/geo/prefectures\.geojson$",
                "municipalities": r"^/geo/municipalities\.geojson$",
                "grid": r"/dash_ag_grid/",
            }.items()
            if any(re.search(pattern, u) for u in found)
        }

    client.get("/compare?view=table")  # the grid's fingerprinted URL is known once an index has been rendered
    assert preloaded("/compare?indicator=gdp_nominal") == {"plotly", "graph", "dropdown", "prefectures"}
    assert preloaded("/compare?view=bar") == {"plotly", "graph", "dropdown"}
    assert preloaded("/compare?view=table") == {"dropdown", "grid"}
    assert preloaded("/trends") == {"plotly", "graph", "dropdown"}
    assert preloaded("/municipalities") == {"plotly", "graph", "dropdown", "municipalities"}
    assert preloaded("/region/13") == {"plotly", "graph"}
    assert preloaded("/about") == set()
