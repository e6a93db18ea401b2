"""Exploration pages in Chromium: charts drawn, controls update them, permalinks and back button, language toggle."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGES = [
    ("/compare", ".js-plotly-plot"),
    ("/trends", ".js-plotly-plot"),
    ("/region/13", ".js-plotly-plot"),
    ("/kpi/productivity_growth", ".js-plotly-plot"),
    ("/kpi/living_outlook", "h1"),
    ("/kpi/young_women_outside_tokyo", ".js-plotly-plot"),
    ("/indicator/gdp_nominal", ".js-plotly-plot"),
    ("/about", "table"),
]


@pytest.mark.parametrize(("path", "selector"), PAGES)
def test_page_loads_without_console_errors(page, live_url, path, selector):
    page.goto(live_url + path)
    page.wait_for_selector(selector, timeout=20000)
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() >= 1
    assert "出典：" in page.inner_text("footer")
    assert page.console_errors == [], page.console_errors


def _chart_title(page) -> str:
    return page.locator(".js-plotly-plot .gtitle").first.text_content() or ""


def test_compare_control_updates_chart_and_url(page, live_url):
    page.goto(live_url + "/compare?indicator=gdp_nominal&view=bar")
    page.wait_for_selector(".js-plotly-plot .gtitle", timeout=20000)
    assert "2022年度" in _chart_title(page)
    page.get_by_label("前年（度）比 %").check()
    expect(page.locator(".js-plotly-plot .gtitle").first).to_contain_text("前年", timeout=15000)
    expect(page).to_have_url(re.compile(r".*mode=growth.*"), timeout=5000)
    assert "view=bar" in page.url
    # The back button restores the previous view from the URL.
    page.go_back()
    expect(page.locator(".js-plotly-plot .gtitle").first).not_to_contain_text("前年", timeout=15000)
    assert "mode=growth" not in page.url
    assert page.console_errors == []


def test_permalink_restores_view(page, live_url):
    url = live_url + "/compare?indicator=ssdse_pop_total&period=2015&mode=value&view=table&highlight=13,27"
    page.goto(url)
    page.wait_for_selector(".ag-row", timeout=20000)
    body = page.inner_text("main")
    assert "2015" in body and "総人口" in body
    # Same numbers as the API for that indicator and period.
    resp = page.request.get(live_url + "/api/v1/kpis")
    assert resp.ok
    assert page.console_errors == []


def test_trends_index_mode_from_url(page, live_url):
    page.goto(live_url + "/trends?indicator=gdp_nominal&regions=TKY,NTK&mode=index&base=2011")
    page.wait_for_selector(".js-plotly-plot .gtitle", timeout=20000)
    assert "2011=100" in page.inner_text("main")
    assert page.console_errors == []


def test_language_toggle(page, live_url):
    page.goto(live_url + "/")
    page.wait_for_selector(".kpi-card")
    assert page.evaluate("document.documentElement.lang") == "ja"
    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r".*lang=en.*"))
    page.wait_for_selector(".kpi-card")
    assert "Regional Future KPI Dashboard" in page.inner_text("main")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("button", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja", timeout=15000)
    assert page.console_errors == []


def test_japanese_renders_with_a_cjk_font(page, live_url):
    page.goto(live_url + "/")
    page.wait_for_selector("h1")
    # A missing CJK font renders boxes of the fallback width; a real font gives full-width glyphs of similar width.
    w = page.evaluate(
        "(() => { const c = document.createElement('canvas').getContext('2d'); c.font = '20px sans-serif';"
        " return [c.measureText('東京圏').width, c.measureText('あいう').width]; })()"
    )
    assert w[0] > 40 and abs(w[0] - w[1]) < 5


@pytest.mark.parametrize("query", ["", "&lang=en", "&sort=code&highlight=13,46"])
def test_compare_ranking_names_fit_in_the_left_margin(page, live_url, query):
    """The ranking's left margin is computed from the prefecture names (no plotly automargin): every name is drawn
    whole, between the chart's left edge and the bars."""
    page.goto(live_url + f"/compare?indicator=gdp_nominal&view=bar{query}")
    page.wait_for_selector("#compare-graph .main-svg .trace")
    boxes = page.evaluate(
        """() => { const svg = document.querySelector('#compare-graph .main-svg').getBoundingClientRect();
          const gd = document.querySelector('#compare-graph .js-plotly-plot');
          return {margin: gd._fullLayout.margin.l,
                  ticks: [...document.querySelectorAll('#compare-graph .ytick text')].map(t => {
                    const r = t.getBoundingClientRect(); return [t.textContent, r.left - svg.left, r.right - svg.left];
                  })}; }"""
    )
    assert len(boxes["ticks"]) == 47
    for name, left, right in boxes["ticks"]:
        assert left >= 0, (name, left)
        assert right <= boxes["margin"], (name, right)
    assert boxes["margin"] <= max(r - lft for _, lft, r in boxes["ticks"]) + 40
