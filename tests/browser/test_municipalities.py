"""/municipalities in Chromium: map drawn (SVG, the simplified boundary file), prefecture control updates it and the URL, permalinks restore the
view, the table sorts on the server, and the console stays clean."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

from kpidash.config import DATA_DIR, RAW_DIR

RAW = RAW_DIR / "population_jukiban" / "muni_population_age_sex_jukiban_2023-01-01.csv"
BOUNDARIES = DATA_DIR / "derived" / "geo" / "japan_municipalities_simplified.geojson"  # what the map should fetch

pytestmark = pytest.mark.browser

# The map is drawn when the geo subplot has an SVG path per municipality (same test as bench/).
MAP_DRAWN = """() => {
  const gd = document.querySelector('#muni-map .js-plotly-plot');
  if (!gd || !gd.data || !gd.data.length || !gd._fullLayout || !gd._fullLayout.geo) return false;
  return gd.querySelectorAll('.choroplethlocation').length > 0;
}"""
MAP_STATE = """() => { const gd = document.querySelector('#muni-map .js-plotly-plot');
  const lat = gd._fullLayout.geo.lataxis.range;
  return {n: gd.data[0].locations.length, codes: gd.data[0].locations.slice(0, 400), lat_span: lat[1] - lat[0],
          paths: gd.querySelectorAll('.choroplethlocation').length,
          title: gd.layout.title.text, z0: gd.data[0].z[0]}; }"""


def _map(page) -> dict:
    page.wait_for_function(MAP_DRAWN, timeout=30000)
    return page.evaluate(MAP_STATE)


def _choose_pref(page, label: str) -> None:
    page.locator("#muni-pref").click()
    page.locator(".dash-dropdown-search").fill(label.split(" ")[1])
    page.locator(".dash-options-list-option", has_text=label).click()


def test_page_loads_and_map_is_drawn(page, live_url):
    page.goto(live_url + "/municipalities")
    state = _map(page)
    assert state["n"] == 1741  # every municipality of Japan
    assert state["paths"] == 1741  # each drawn (its boundary found in the file)
    assert page.locator("h1").inner_text() == "市区町村を比べる"
    main = page.inner_text("main")
    assert "出典：" in main and "住民基本台帳" in main and "国土数値情報" in main and "を加工して作成" in main
    # The boundaries: fetched once, the simplified file (1.4 MB, not the raw 4.6 MB one), compressed on the wire.
    geo = page.evaluate(
        "() => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/geo/municipalities.geojson'))"
        ".map(e => ({decoded: e.decodedBodySize, encoded: e.encodedBodySize}))"
    )
    assert len(geo) == 1, geo
    assert geo[0]["decoded"] == BOUNDARIES.stat().st_size < 1_500_000
    assert 0 < geo[0]["encoded"] < geo[0]["decoded"] / 2
    expect(page.locator("#muni-ranking li")).to_have_count(20)
    page.wait_for_selector("#muni-grid .ag-row")
    page.wait_for_load_state("networkidle")
    assert page.console_errors == [], page.console_errors


def test_changing_prefecture_updates_map_and_url(page, live_url):
    page.goto(live_url + "/municipalities?indicator=pop_all_65plus&mode=share")
    before = _map(page)
    assert "全国" in before["title"]
    _choose_pref(page, "13 東京都")
    expect(page).to_have_url(re.compile(r".*pref=13.*"), timeout=15000)
    page.wait_for_function(
        "() => document.querySelector('#muni-map .js-plotly-plot').layout.title.text.includes('東京都')",
        timeout=15000,
    )
    after = _map(page)
    assert after["n"] == 62 and all(c.startswith("13") for c in after["codes"])
    assert after["lat_span"] < before["lat_span"] / 4  # zoomed to the prefecture
    expect(page.locator("#muni-ranking h2")).to_contain_text("東京都")
    expect(page.locator("#muni-grid .ag-row").first).to_contain_text("13")
    # A change of mode patches the colours of the same municipalities.
    page.get_by_label("人数", exact=True).check()
    expect(page).to_have_url(re.compile(r".*mode=value.*"), timeout=15000)
    page.wait_for_function(
        "() => document.querySelector('#muni-map .js-plotly-plot').layout.title.text.includes('人数')",
        timeout=15000,
    )
    patched = _map(page)
    assert patched["n"] == 62 and patched["z0"] != after["z0"]
    # Back restores the previous state from the URL.
    page.go_back()
    expect(page).to_have_url(re.compile(r".*mode=share.*"), timeout=15000)
    assert page.console_errors == [], page.console_errors


def test_permalink_restores_view(page, live_url):
    url = live_url + "/municipalities?indicator=pop_all_0_14&pref=27&mode=share"
    page.goto(url)
    state = _map(page)
    assert state["n"] > 0 and all(c.startswith("27") for c in state["codes"])
    assert "0～14歳" in state["title"] and "大阪府" in state["title"] and "割合" in state["title"]
    expect(page.locator("#muni-pref")).to_contain_text("大阪府")
    assert page.get_by_label("総人口に占める割合 %").is_checked()
    page.reload()
    again = _map(page)
    assert again["title"] == state["title"] and again["n"] == state["n"]
    assert "pref=27" in page.url and "indicator=pop_all_0_14" in page.url
    assert page.console_errors == [], page.console_errors


def _hokkaido_by_total() -> list[str]:
    """Names of 北海道's municipalities from the raw register file, largest total first."""
    with RAW.open(encoding="utf-8", newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["pref_code"] == "01"
            and r["sex"] == "total"
            and r["scope"] == "total"
            and r["entity_type"] in ("municipality", "designated_city")
        ]
    return [r["muni_name_short_ja"] for r in sorted(rows, key=lambda r: -int(r["total"]))]


def test_table_sorts_on_the_server(page, live_url):
    names = _hokkaido_by_total()
    page.goto(live_url + "/municipalities?indicator=pop_all_total&pref=01")
    _map(page)
    first = page.locator("#muni-grid .ag-row[row-index='0'] [col-id='name']")
    expect(first).to_have_text(names[0], timeout=15000)  # rank 1 by population (札幌市)
    page.locator("#muni-grid .ag-header-cell-text", has_text="総人口").click()  # ascending, sorted by the server
    expect(first).to_have_text(names[-1], timeout=15000)
    assert page.console_errors == [], page.console_errors


def test_english(page, live_url):
    page.goto(live_url + "/municipalities?lang=en&pref=47")
    state = _map(page)
    assert page.locator("h1").inner_text() == "Compare municipalities"
    assert "Okinawa" in state["title"]
    assert page.console_errors == [], page.console_errors


@pytest.mark.parametrize(("query", "width"), [("", 1366), ("&pref=46", 390), ("&pref=01&lang=en", 1366)])
def test_ranking_lists_are_read_and_drawn_whole(page, live_url, query, width):
    """The ranking rows: read as "rank name value" (CSS shows rank and value from the row's data attributes; the
    accessibility tree has them), drawn inside the panel at phone and desktop widths, bars proportional to the
    values."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_url + f"/municipalities?indicator=pop_all_65plus&mode=share{query}")
    rows = page.locator("#muni-ranking li")
    expect(rows).to_have_count(20)
    snapshot = page.locator("#muni-ranking").aria_snapshot()
    first = rows.first
    rank, value, name = first.get_attribute("data-rank"), first.get_attribute("data-value"), first.inner_text()
    assert rank == "1" and value.endswith("%") and f"listitem: {rank} {name} {value}" in snapshot
    boxes = page.evaluate(
        """() => { const panel = document.querySelector('#muni-ranking').getBoundingClientRect();
          return [...document.querySelectorAll('#muni-ranking li')].map(li => {
            const r = li.getBoundingClientRect(), cs = getComputedStyle(li);
            return {left: r.left - panel.left, right: panel.right - r.right, overflow: li.scrollWidth - li.clientWidth,
                    value: parseFloat(li.dataset.value.replace(/,/g, '')), f: parseFloat(cs.getPropertyValue('--f')),
                    height: r.height}; }); }"""
    )
    for box in boxes:
        assert box["left"] >= 0 and box["right"] >= 0 and box["overflow"] <= 0, box
        assert box["height"] < 40, box  # one line: name and value side by side
    for part in (boxes[:10], boxes[10:]):
        largest = part[0]["value"]
        for box in part:
            assert box["f"] == pytest.approx(box["value"] / largest, abs=1e-3)
    # The map's two-line title is drawn whole inside the map at this width (plotly titles do not wrap).
    title = page.evaluate(
        """() => { const svg = document.querySelector('#muni-map .main-svg').getBoundingClientRect();
          return [...document.querySelectorAll('#muni-map .gtitle')].map(t => {
            const r = t.getBoundingClientRect(); return [r.left - svg.left, svg.right - r.right]; }); }"""
    )
    assert title and all(left >= 0 and right >= 0 for left, right in title), title
    assert page.console_errors == [], page.console_errors
