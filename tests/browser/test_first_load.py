"""A first visit draws the chart from the index page alone: the page's layout and Dash's callback list come embedded
in it (kpidash/web/prerender.py, assets/app.js), with the page's content in the layout and the first view with the page's
layout (controls.compare_layout / trends_layout), so neither a layout nor a callback request is needed before the chart
is drawn; the controls are drawn after the chart and still work, and so does moving between pages inside the app
(where Dash's routing callback brings the page)."""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DRAWN = """(gid) => { const gd = document.querySelector('#' + gid + ' .js-plotly-plot');
  return !!(gd && gd.data && gd.data.length && gd.querySelector('.main-svg .trace, .choroplethlocation')); }"""


def _watch(page: Page) -> tuple[list[str], list[str]]:
    """(URLs of the layout requests, outputs of the callback requests), in order."""
    layouts: list[str] = []
    outputs: list[str] = []

    def on_request(req: Any) -> None:
        if "/_dash-layout" in req.url:
            layouts.append(req.url)
        elif req.method == "POST" and "/_dash-update-component" in req.url:
            outputs.append(json.loads(req.post_data or "{}").get("output", ""))

    page.on("request", on_request)
    return layouts, outputs


@pytest.mark.parametrize(
    ("path", "graph"),
    [
        ("/compare?indicator=gdp_nominal&view=map", "compare-graph"),
        ("/compare?indicator=gdp_nominal&view=bar&mode=per_capita", "compare-graph"),
        ("/trends?indicator=gdp_nominal&regions=00,TKY,NTK,13,27", "trends-graph"),
    ],
)
def test_first_visit_draws_without_a_callback_request(page: Page, live_url: str, path: str, graph: str) -> None:
    layouts, outputs = _watch(page)
    dependencies: list[str] = []
    page.on("request", lambda req: dependencies.append(req.url) if "/_dash-dependencies" in req.url else None)
    page.goto(live_url + path)
    page.wait_for_function(DRAWN, arg=graph, timeout=30000)
    assert layouts == [] and dependencies == []  # both came with the index page
    assert outputs == [], outputs  # neither the routing callback nor the page's own ran before the chart was drawn


def test_an_embedded_layout_for_another_address_is_not_used(page: Page, live_url: str) -> None:
    """If the layout in the index page was built for another address (here: rewritten on the way), the browser asks
    the server for this page's layout, with the page's address, as before."""
    path = "/compare?indicator=gdp_nominal&view=bar"

    def rewrite(route: Any) -> None:
        resp = route.fetch()
        body = resp.text().replace('data-page="/compare?indicator=gdp_nominal&amp;view=bar"', 'data-page="/about"')
        assert 'data-page="/about"' in body
        route.fulfill(response=resp, body=body)

    page.route(re.compile(r".*/compare\?indicator=gdp_nominal&view=bar$"), rewrite)
    layouts, outputs = _watch(page)
    page.goto(live_url + path)
    page.wait_for_function(DRAWN, arg="compare-graph", timeout=30000)
    assert len(layouts) == 1
    assert urllib.parse.parse_qs(urllib.parse.urlparse(layouts[0]).query)["page"] == [path]
    assert outputs == [], outputs


# Records, from the first frame on, when the first chart, radio button (dcc's, or the read-only stand-in drawn until
# the controls come: data-kpidash-placeholder) and dropdown appeared, and the layout shifts (performance.now()).
ORDER = """(() => { const t = window.__seen = {}; window.__shifts = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) { window.__shifts.push([e.startTime, e.value]); } })
    .observe({type: 'layout-shift', buffered: true});
  const f = () => {
  const now = performance.now();
  if (!t.chart && document.querySelector('.js-plotly-plot .main-svg .trace, .choroplethlocation')) { t.chart = now; }
  if (!t.look && document.querySelector('.controls [data-kpidash-placeholder] input[type=radio]')) { t.look = now; }
  if (!t.radio && document.querySelector('.controls .dash-radioitems:not([data-kpidash-placeholder]) input')) {
    t.radio = now; }
  if (!t.dropdown && document.querySelector('.controls button.dash-dropdown')) { t.dropdown = now; }
  if (!(t.chart && t.radio && t.dropdown)) { requestAnimationFrame(f); } }; requestAnimationFrame(f); })();"""
REAL_RADIOS = ".controls .dash-radioitems:not([data-kpidash-placeholder]) input[type=radio]"
STAND_INS = ".controls [data-kpidash-placeholder] input[type=radio]"


@pytest.mark.parametrize("width", [1366, 390])
def test_the_controls_are_drawn_after_the_chart_move_nothing_and_work(browser: Any, live_url: str, width: int) -> None:
    ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    page = ctx.new_page()
    page.add_init_script(ORDER)
    page.goto(live_url + "/compare?indicator=gdp_nominal&view=map")
    expect(page.locator(".controls button.dash-dropdown")).to_have_count(4, timeout=30000)
    expect(page.locator(REAL_RADIOS)).to_have_count(8)
    expect(page.locator(STAND_INS)).to_have_count(0)
    page.wait_for_timeout(300)
    seen = page.evaluate("() => window.__seen")
    assert seen["look"] < seen["chart"] < seen["radio"] and seen["chart"] < seen["dropdown"], seen
    # The read-only stand-ins hold the radio buttons' place: nothing moves when the controls come.
    assert [s for s in page.evaluate("() => window.__shifts") if s[0] >= seen["chart"]] == []
    assert page.locator(".controls input[type=radio]:checked").count() == 3  # the values of the layout
    page.get_by_label("ランキング", exact=True).check()
    expect(page.locator("#compare-graph .barlayer .point")).to_have_count(47, timeout=30000)
    ctx.close()


def test_a_view_without_a_chart_draws_its_controls_at_once(page: Page, live_url: str) -> None:
    """/compare?view=table has no chart (data-charts="0"): its controls do not wait for one."""
    page.add_init_script(ORDER)
    page.goto(live_url + "/compare?indicator=gdp_nominal&view=table")
    expect(page.locator(".controls button.dash-dropdown")).to_have_count(4, timeout=30000)
    seen = page.evaluate("() => window.__seen")
    assert "chart" not in seen
    assert seen["radio"] < 3000, seen  # not the 3 s fallback


def test_before_the_chart_the_controls_come_on_a_key_press_or_after_3_s(page: Page, live_url: str) -> None:
    """While the chart cannot be drawn yet (its boundary file held back here), the controls do not wait for it: the
    first key press brings them, and without one they come after 3 s."""
    held: list[Any] = []
    page.route(re.compile(r".*/geo/prefectures\.geojson$"), lambda route: held.append(route))  # answered at the end
    page.add_init_script(ORDER)
    page.goto(live_url + "/compare?indicator=gdp_nominal&view=map")
    expect(page.locator("h1")).to_have_count(1, timeout=30000)
    page.wait_for_timeout(500)
    assert page.locator(REAL_RADIOS).count() == 0  # waiting for the chart: the stand-ins are shown
    assert page.locator(STAND_INS).count() == 8
    page.keyboard.press("Tab")
    expect(page.locator(REAL_RADIOS)).to_have_count(8, timeout=2000)
    assert "chart" not in page.evaluate("() => window.__seen")
    assert page.evaluate("() => performance.now()") < 3000  # before the fallback
    for route in held:
        route.continue_()
    expect(page.locator("#compare-graph path.choroplethlocation")).to_have_count(47, timeout=30000)

    other = page.context.new_page()
    other.route(re.compile(r".*/geo/prefectures\.geojson$"), lambda route: held.append(route))
    other.add_init_script(ORDER)
    other.goto(live_url + "/compare?indicator=gdp_nominal&view=map&mode=per_capita")
    expect(other.locator(REAL_RADIOS).first).to_be_attached(timeout=10000)
    seen = other.evaluate("() => window.__seen")
    assert "chart" not in seen and seen["radio"] >= 3000, seen
    other.close()
