"""A first visit draws the chart from the first layout response: the page's content comes with Dash's layout
(kpidash/prerender.py) and the first view with the page's layout (controls.compare_layout / trends_layout), so no
callback request is needed before the chart is drawn; the controls still work afterwards, and so does moving
between pages inside the app (where Dash's routing callback brings the page)."""

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
    page.goto(live_url + path)
    page.wait_for_function(DRAWN, arg=graph, timeout=30000)
    assert len(layouts) == 1
    sent = urllib.parse.parse_qs(urllib.parse.urlparse(layouts[0]).query)["page"]
    assert sent == [path]
    assert outputs == [], outputs  # neither the routing callback nor the page's own ran before the chart was drawn


def test_controls_work_after_a_prerendered_first_view(page: Page, live_url: str) -> None:
    _, outputs = _watch(page)
    page.goto(live_url + "/compare?indicator=gdp_nominal&view=map")
    expect(page.locator("#compare-graph path.choroplethlocation")).to_have_count(47, timeout=30000)
    page.get_by_label("ランキング", exact=True).check()
    expect(page.locator("#compare-graph .barlayer .point")).to_have_count(47, timeout=30000)
    assert [o for o in outputs if "compare-body.children" in o]  # the page's callback answered the change
    expect(page).to_have_url(re.compile(r"[?&]view=bar(&|$)"))


def test_moving_to_another_page_inside_the_app_draws_its_chart(page: Page, live_url: str) -> None:
    layouts, outputs = _watch(page)
    page.goto(live_url + "/compare?indicator=gdp_nominal&view=bar")
    page.wait_for_function(DRAWN, arg="compare-graph", timeout=30000)
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_role("link", name="推移", exact=True).click()
    page.wait_for_function(DRAWN, arg="trends-graph", timeout=30000)
    assert page.evaluate("() => window.__sameDocument === true")  # Dash's router, not a page load
    assert len(layouts) == 1
    assert any("_pages_content.children" in o for o in outputs)
    assert not any("trends-body.children" in o for o in outputs)  # the first view came with the page's layout


def test_the_closed_table_is_built_when_opened(page: Page, live_url: str, warehouse_path) -> None:
    """The "表で見る" table under the chart is sent as data and built in the browser when first opened (with the
    mouse or the keyboard); it then holds every prefecture, highest first, as the warehouse has them."""
    from tests.conftest import fetch_rows

    page.goto(live_url + "/compare?indicator=gdp_nominal&period=2022&view=map")
    expect(page.locator("#compare-graph path.choroplethlocation")).to_have_count(47, timeout=30000)
    details = page.locator("figure.chart > details").first
    assert details.locator("table").count() == 0  # not built while closed
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    rows = details.locator("tbody tr")
    expect(rows).to_have_count(47, timeout=10000)
    names = [t.strip() for t in details.locator("tbody th").all_inner_texts()]
    expected = fetch_rows(
        warehouse_path,
        "SELECT r.name_ja FROM marts.observations o JOIN marts.regions r USING (region_code) "
        "WHERE o.indicator_id = 'gdp_nominal' AND o.period = 2022 AND r.level = 'prefecture' "
        "ORDER BY o.value DESC, r.sort_key",
    )
    assert names == [n for (n,) in expected]
    assert details.locator("thead th").first.inner_text().strip() == "都道府県"
    assert details.locator("tbody tr").first.locator("td").last.inner_text().strip() == "1"  # rank
    page.keyboard.press("Enter")  # closed again, and opened: the same table, once
    page.keyboard.press("Enter")
    expect(details.locator("table")).to_have_count(1)
    expect(rows).to_have_count(47)
