"""Accessibility gate (JIS X 8341-3:2016 = WCAG 2.1 AA): axe-core on every page and after the main interactions,
page structure (landmarks, headings, chart text alternatives), keyboard operation and visible focus.

axe-core is vendored (tests/browser/vendor/, see its README) and evaluated over the DevTools protocol, which the app's
Content-Security-Policy does not apply to (an inline <script> tag would be blocked). Violations of impact "serious"
or "critical" fail the test with their rule id, targets and help text.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

# path → a selector that is there once the page has finished drawing
PAGES = [
    ("/", ".kpi-card"),
    ("/?lang=en", ".kpi-card"),
    ("/compare", ".js-plotly-plot"),
    ("/compare?view=bar", ".js-plotly-plot"),
    ("/compare?view=table", ".ag-row"),
    ("/trends", ".js-plotly-plot"),
    ("/region/13", ".js-plotly-plot"),
    ("/kpi/productivity_growth", ".js-plotly-plot"),
    ("/kpi/living_outlook", "h1"),
    ("/kpi/young_women_outside_tokyo", ".js-plotly-plot"),
    ("/indicator/gdp_nominal", ".js-plotly-plot"),
    ("/about", "table"),
]


def _open(page: Page, url: str, ready: str) -> None:
    page.goto(url)
    page.wait_for_selector(ready, timeout=30000)
    page.wait_for_load_state("networkidle")


def _axe(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; the serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}: {(node.get('failureSummary') or '').replace(chr(10), ' | ')}")
    return "\n".join(lines)


def _assert_no_violations(page: Page, where: str) -> None:
    violations = _axe(page)
    assert not violations, f"axe: serious/critical WCAG 2.1 AA violations on {where}:\n{_report(violations)}"


def _structure(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
        const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
        const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(visible)
            .map((h) => Number(h.tagName[1]));
        const top = (sel) => [...document.querySelectorAll(sel)]
            .filter((el) => !el.parentElement.closest('article,aside,main,nav,section')).length;
        const charts = [...document.querySelectorAll('.js-plotly-plot')].map((g) => {
            const fig = g.closest('figure');
            const desc = fig && document.getElementById(fig.getAttribute('aria-describedby') || '');
            return {
                figure: !!fig,
                name: fig ? (fig.getAttribute('aria-label') || '') : '',
                summary: desc ? desc.textContent.trim() : '',
                decorative: !!g.closest('[aria-hidden="true"]'),
            };
        });
        return {
            lang: document.documentElement.lang, levels: levels, charts: charts,
            banner: top('header'), main: document.querySelectorAll('main').length, contentinfo: top('footer'),
            nav: document.querySelectorAll('nav').length, title: document.title,
        };
    }"""
    )


@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_page_has_no_serious_axe_violations(page, live_url, path, ready):
    _open(page, live_url + path, ready)
    if "lang=en" in path:
        expect(page.locator("html")).to_have_attribute("lang", "en", timeout=10000)
    _assert_no_violations(page, path)


@pytest.mark.parametrize(("path", "ready"), PAGES)
def test_page_structure(page, live_url, path, ready):
    _open(page, live_url + path, ready)
    if "lang=en" in path:
        expect(page.locator("html")).to_have_attribute("lang", "en", timeout=10000)
    s = _structure(page)
    assert s["lang"] == ("en" if "lang=en" in path else "ja")
    assert s["title"], "page without a <title>"
    # Landmarks: one banner, one main, one contentinfo (Dash's script <footer> is gone), the menu in a nav.
    assert (s["banner"], s["main"], s["contentinfo"]) == (1, 1, 1), s
    assert s["nav"] >= 1
    # Headings: exactly one h1, first; no level skipped on the way down.
    levels = s["levels"]
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading level skipped: h{before} → h{after} in {levels}"
    # Every chart has a text alternative: a named <figure> described by a one-sentence summary.
    for chart in s["charts"]:
        if chart["decorative"]:
            continue
        assert chart["figure"] and chart["name"], chart
        assert len(chart["summary"]) > 10 and chart["summary"].endswith(("。", ".")), chart


def test_compare_summary_names_the_extremes(page, live_url):
    _open(page, live_url + "/compare?indicator=gdp_nominal&period=2022&view=bar", ".js-plotly-plot")
    summary = page.locator("#compare-graph-summary")
    expect(summary).to_contain_text("最も高いのは東京都")
    expect(summary).to_contain_text("最も低いのは")
    # The same numbers as a table, behind a disclosure.
    page.get_by_text("表で見る", exact=True).first.click()
    table = page.locator("figure.chart > details table")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() == 47
    assert table.locator("tbody tr").first.locator("th").inner_text() == "東京都"


def test_axe_after_interactions_on_compare(page, live_url):
    _open(page, live_url + "/compare?indicator=gdp_nominal&view=bar", ".js-plotly-plot .gtitle")
    # A radio control changes the chart.
    page.get_by_label("前年（度）比 %").check()
    expect(page.locator(".js-plotly-plot .gtitle").first).to_contain_text("前年", timeout=15000)
    page.wait_for_load_state("networkidle")
    _assert_no_violations(page, "/compare after changing the measure")
    # The view switches to the map.
    page.get_by_label("地図", exact=True).check()
    expect(page.locator("#compare-graph-summary")).to_contain_text("地図", timeout=15000)
    page.wait_for_load_state("networkidle")
    _assert_no_violations(page, "/compare map view after changing the view")
    # The details table under the chart, opened.
    page.locator("figure.chart > details > summary").first.click()
    expect(page.locator("figure.chart > details table")).to_be_visible()
    _assert_no_violations(page, "/compare with the details table open")
    # A dropdown, open.
    page.locator("#compare-period").click()
    expect(page.locator(".dash-dropdown-content")).to_be_visible()
    _assert_no_violations(page, "/compare with the period dropdown open")


def test_axe_with_details_tables_open(page, live_url):
    for path in ("/trends", "/kpi/productivity_growth", "/region/13", "/indicator/gdp_nominal"):
        _open(page, live_url + path, ".js-plotly-plot")
        summaries = page.locator("main details > summary:visible")  # not maplibre's hidden attribution toggle
        for i in range(summaries.count()):
            summaries.nth(i).click()
        _assert_no_violations(page, f"{path} with every details element open")


# --- keyboard -------------------------------------------------------------------------------------------------------


def _active(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => { const a = document.activeElement; const s = getComputedStyle(a);
        return {tag: a.tagName, id: a.id, name: a.getAttribute('name') || '', type: a.getAttribute('type') || '',
                text: (a.textContent || '').trim().slice(0, 60), cls: a.className && String(a.className),
                checked: !!a.checked, value: a.value || '', href: a.getAttribute('href') || '',
                outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0}; }"""
    )


def _tab_stops(page: Page, n: int) -> list[dict[str, Any]]:
    stops = []
    for _ in range(n):
        page.keyboard.press("Tab")
        stops.append(_active(page))
    return stops


def _tab_cycle(page: Page, limit: int = 120) -> list[dict[str, Any]]:
    """Every tab stop of the page once, from the top (until focus comes back round to the skip link)."""
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        a = _active(page)
        if stops and ("skip-link" in (a["cls"] or "") or a["tag"] == "BODY"):
            return stops
        stops.append(a)
    raise AssertionError(f"no end to the tab order after {limit} stops")


def _tab_to(page: Page, key: str, value: str, limit: int = 60) -> None:
    for _ in range(limit):
        if _active(page)[key] == value:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{key}={value} not reached with Tab")


def test_tab_order_starts_with_skip_link_then_menu(page, live_url):
    _open(page, live_url + "/", ".kpi-card")
    menu = page.locator("header nav ul a").all_inner_texts()
    assert menu[:2] == ["概要", "比べる"] and "データと出典" in menu, menu
    stops = _tab_stops(page, len(menu) + 3)
    assert "skip-link" in stops[0]["cls"] and stops[0]["href"] == "#main", stops[0]
    assert stops[1]["text"] == "地域未来 KPI ダッシュボード"
    assert [s["text"] for s in stops[2 : 2 + len(menu)]] == menu
    assert stops[-1]["tag"] == "BUTTON" and stops[-1]["text"] == "English"
    # The skip link moves keyboard focus to the main content.
    for _ in range(len(stops) - 1):
        page.keyboard.press("Shift+Tab")
    assert "skip-link" in _active(page)["cls"]
    page.keyboard.press("Enter")
    assert _active(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert _active(page)["href"].startswith("/kpi/"), _active(page)  # the first KPI card's link, not the menu


def test_every_compare_control_is_reachable_by_tab(page, live_url):
    _open(page, live_url + "/compare?indicator=gdp_nominal&view=bar", ".js-plotly-plot .gtitle")
    stops = _tab_cycle(page)
    reached = {s["id"] for s in stops if s["id"]} | {s["name"] for s in stops if s["name"]}
    for control in (
        "compare-theme",
        "compare-indicator",
        "compare-period",
        "compare-mode",
        "compare-highlight",
        "compare-view",
        "compare-sort",
    ):
        assert control in reached, f"{control} not reached by Tab: {[s['id'] or s['name'] or s['text'] for s in stops]}"
    # One tab stop per radio group (arrow keys move inside it), and on its checked radio.
    radios = [s for s in stops if s["type"] == "radio"]
    assert len(radios) == len({r["name"] for r in radios}) == 3 and all(r["checked"] for r in radios), radios
    # Focus never lands on something hidden from assistive technology.
    hidden = page.evaluate('[...document.querySelectorAll(\'[aria-hidden="true"] [tabindex="0"]\')].length')
    assert hidden == 0


def test_radio_items_are_operated_with_arrow_keys(page, live_url):
    _open(page, live_url + "/compare?indicator=gdp_nominal&view=bar", ".js-plotly-plot .gtitle")
    title = page.locator(".js-plotly-plot .gtitle").first
    expect(title).to_contain_text("2022年度")
    _tab_to(page, "name", "compare-mode")
    assert _active(page)["value"] == "value"
    page.keyboard.press("ArrowRight")
    expect(title).to_contain_text("人口10万人当たり", timeout=15000)
    assert _active(page)["name"] == "compare-mode"  # focus stays on the group while the chart is redrawn
    page.keyboard.press("ArrowRight")
    expect(title).to_contain_text("前年", timeout=15000)
    expect(page).to_have_url(re.compile(r".*mode=growth.*"))
    # The summary for screen readers follows the chart.
    expect(page.locator("#compare-graph-summary")).to_contain_text("%")


def test_dropdown_is_operated_with_the_keyboard(page, live_url):
    _open(page, live_url + "/compare?indicator=gdp_nominal&view=bar", ".js-plotly-plot .gtitle")
    title = page.locator(".js-plotly-plot .gtitle").first
    expect(title).to_contain_text("2022年度")
    _tab_to(page, "id", "compare-period")
    button = page.locator("#compare-period")
    expect(button).to_have_accessible_name(re.compile(r"^期間 .*2022年度"))
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    focused = page.locator(".dash-dropdown-content input:focus")
    expect(focused).to_have_value("2022")  # focus moves onto the selected option
    page.keyboard.press("ArrowUp")
    expect(focused).to_have_value("2021")
    page.keyboard.press("Enter")
    expect(title).to_contain_text("2021年度", timeout=15000)
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page).to_have_url(re.compile(r".*period=2021.*"))


def test_details_table_opens_with_the_keyboard(page, live_url):
    _open(page, live_url + "/trends", ".js-plotly-plot")
    summary = page.locator("figure.chart > details > summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("figure.chart details table").first).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/compare?view=bar"])
def test_focus_is_visible_on_every_tab_stop(page, live_url, path):
    _open(page, live_url + path, ".kpi-card" if path == "/" else ".js-plotly-plot .gtitle")
    stops = _tab_cycle(page)
    invisible = [s for s in stops if s["outline"] == "none" or s["outlineWidth"] < 2]
    assert not invisible, f"focus without a visible outline: {invisible}"
