"""The plotly.js every page loads (the partial bundle: scatter, bar, geo choropleth; never the full 4.8 MB one), the
SVG maps of /compare and /municipalities, navigation between them in both directions and with the back button, and
the layout stability of /compare (Chromium, the app on a loopback port)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kpidash.config import RAW_DIR

pytestmark = pytest.mark.browser

PARTIAL = re.compile(r"/_kpidash/plotly/plotly-kpidash\.[0-9a-f]{12}\.min\.js$")
FULL = re.compile(r"/package_data/plotly[.\w]*\.js$")  # the plotly package's full plotly.min.js, under any name
COMPARE_MAP = "/compare?indicator=gdp_nominal&period=2022&mode=value&view=map&sort=value"
MAP_PATHS = "#compare-graph path.choroplethlocation"

MUNI_PATHS = "#muni-map path.choroplethlocation"
TRACE_TYPES = "() => Object.keys(window.Plotly.PlotSchema.get().traces).sort()"
LAYOUT_SHIFTS = """
window.__kpidashShifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) { if (!e.hadRecentInput) window.__kpidashShifts.push(e.value); }
}).observe({type: 'layout-shift', buffered: true});
"""


def _record(page: Page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    return urls


def _bundles(urls: list[str]) -> list[str]:
    return [("partial" if PARTIAL.search(u) else "full") for u in urls if PARTIAL.search(u) or FULL.search(u)]


def _pref_codes() -> list[str]:
    data = json.loads((RAW_DIR / "geo" / "japan_prefectures_dataofjapan.geojson").read_text(encoding="utf-8"))
    return sorted(f["properties"]["pref_code"] for f in data["features"])


def _compare_map_drawn(page: Page) -> None:
    expect(page.locator(MAP_PATHS)).to_have_count(47, timeout=30000)


def _mark_document(page: Page) -> None:
    page.evaluate("() => { window.__kpidashSameDocument = true; }")


def _same_document(page: Page) -> bool:
    return bool(page.evaluate("() => window.__kpidashSameDocument === true"))


def test_compare_map_uses_the_partial_bundle_and_draws_47_prefectures(page, live_url):
    urls = _record(page)
    page.goto(live_url + COMPARE_MAP)
    _compare_map_drawn(page)
    page.wait_for_load_state("networkidle")
    assert _bundles(urls) == ["partial"]
    assert page.evaluate(TRACE_TYPES) == ["bar", "choropleth", "scatter"]
    # The SVG map: one path per prefecture, each bound to its feature of /geo/prefectures.geojson.
    locs = page.evaluate(
        "() => document.querySelector('#compare-graph .js-plotly-plot').calcdata[0]"
        ".filter(d => d.geojson).map(d => d.loc)"
    )
    assert sorted(locs) == _pref_codes()
    assert page.locator("#compare-graph canvas").count() == 0  # no WebGL/MapLibre
    # Nothing from another origin (plotly.js would fetch its base map from cdn.plot.ly without the shell's stub).
    assert [u for u in urls if not u.startswith(live_url)] == []
    assert sum(u.endswith("/geo/prefectures.geojson") for u in urls) == 1
    assert page.console_errors == []


def test_bar_view_uses_the_partial_bundle(page, live_url):
    urls = _record(page)
    page.goto(live_url + "/compare?indicator=gdp_nominal&period=2022&mode=value&view=bar&sort=value")
    expect(page.locator("#compare-graph .barlayer .point")).to_have_count(47, timeout=30000)
    page.wait_for_load_state("networkidle")
    assert _bundles(urls) == ["partial"]
    assert page.console_errors == []


def _muni_map_drawn(page: Page) -> None:
    expect(page.locator(MUNI_PATHS)).to_have_count(1741, timeout=30000)


def test_municipalities_uses_the_partial_bundle(page, live_url):
    urls = _record(page)
    page.goto(live_url + "/municipalities")
    _muni_map_drawn(page)
    page.wait_for_load_state("networkidle")
    assert _bundles(urls) == ["partial"]
    assert page.locator("#muni-map canvas").count() == 0  # SVG, no WebGL
    assert [u for u in urls if not u.startswith(live_url)] == []
    assert page.console_errors == []


def test_nav_from_compare_to_municipalities_and_back(page, live_url):
    urls = _record(page)
    page.goto(live_url + COMPARE_MAP)
    _compare_map_drawn(page)
    _mark_document(page)
    page.get_by_role("navigation").get_by_role("link", name="市区町村", exact=True).click()
    _muni_map_drawn(page)
    assert "/municipalities" in page.url
    assert _same_document(page)  # client-side navigation: the bundle already loaded draws this map too
    page.go_back()
    _compare_map_drawn(page)
    assert page.url == live_url + COMPARE_MAP
    page.go_forward()
    _muni_map_drawn(page)
    assert _same_document(page)
    assert _bundles(urls) == ["partial"]  # once per document
    assert page.console_errors == []


def test_nav_from_municipalities_to_compare_and_back(page, live_url):
    urls = _record(page)
    page.goto(live_url + "/municipalities")
    _muni_map_drawn(page)
    _mark_document(page)
    page.get_by_role("navigation").get_by_role("link", name="比べる", exact=True).click()
    _compare_map_drawn(page)
    assert _same_document(page)
    page.go_back()
    _muni_map_drawn(page)
    assert "/municipalities" in page.url
    assert _same_document(page)
    assert _bundles(urls) == ["partial"]
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("view", ["map", "table"])
def test_compare_has_no_layout_shift(browser, live_url, view: str, width: int):
    """Cumulative layout shift while /compare loads (Lighthouse counts it; it also moves what one is reading): the
    grid's flex columns are drawn only once sized, the controls reserve their dropdown's height."""
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    try:
        ctx.add_init_script(LAYOUT_SHIFTS)
        pg = ctx.new_page()
        pg.goto(live_url + f"/compare?indicator=gdp_nominal&period=2022&mode=value&view={view}&sort=value")
        if view == "map":
            expect(pg.locator(MAP_PATHS)).to_have_count(47, timeout=30000)
        else:
            expect(pg.locator(".kpi-grid-ready .ag-row").first).to_be_visible(timeout=30000)
        pg.wait_for_load_state("networkidle")
        time.sleep(0.5)
        shifts: list[Any] = pg.evaluate("() => window.__kpidashShifts")
        assert sum(shifts) < 0.05, shifts
        if view == "table":
            # The grid is shown, its columns fill its width.
            widths = pg.evaluate(
                "() => [document.querySelector('.kpi-grid-ready .ag-center-cols-container').offsetWidth,"
                " document.querySelector('.kpi-grid-ready .ag-center-cols-viewport').clientWidth]"
            )
            assert abs(widths[0] - widths[1]) <= 1
            expect(pg.locator(".kpi-grid-ready .ag-cell").first).to_be_visible()
    finally:
        ctx.close()


@pytest.mark.parametrize("query", ["", "&pref=31"])
def test_municipalities_has_no_layout_shift(browser, live_url, query: str):
    """The graphs' boxes keep their height until dcc.Graph's script has loaded, and the table — drawn once the map is
    (its script waits for the browser to be idle) — holds its height from the start: nothing moves while it loads."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    try:
        ctx.add_init_script(LAYOUT_SHIFTS)
        pg = ctx.new_page()
        pg.goto(live_url + f"/municipalities?indicator=pop_all_65plus&mode=share{query}")
        expect(pg.locator(MUNI_PATHS).first).to_be_attached(timeout=30000)
        expect(pg.locator("#muni-grid .ag-row").first).to_be_visible(timeout=30000)
        pg.wait_for_load_state("networkidle")
        time.sleep(0.5)
        shifts: list[Any] = pg.evaluate("() => window.__kpidashShifts")
        assert sum(shifts) < 0.01, shifts  # was 0.02–0.04 before the graphs' boxes were reserved
    finally:
        ctx.close()
