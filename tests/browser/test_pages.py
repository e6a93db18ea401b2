"""Every page loads in Chromium with no console error; Japanese text and KPI cards render."""

from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def test_overview_shows_three_kpis(page, live_url):
    page.goto(live_url + "/")
    page.wait_for_selector(".kpi-card", timeout=15000)
    cards = page.locator("section.goal:not(#own-kpis) .kpi-card")  # own KPIs (other tests may add some) aside
    assert cards.count() == 3
    with urllib.request.urlopen(live_url + "/api/v1/kpis") as resp:
        api = json.load(resp)
    text = page.inner_text("main")
    for k in api:  # the national KPIs and any own KPI another test added
        assert k["name_ja"] in text
        assert k["status_label_ja"] in text
    assert "調査データが読み込まれていません" in text  # KPI 2 says plainly that nothing is loaded
    assert page.evaluate("document.documentElement.lang") == "ja"
    assert "出典：" in page.inner_text("footer")
    assert page.console_errors == []


def test_about_lists_sources(page, live_url):
    page.goto(live_url + "/about")
    page.wait_for_selector("table")
    text = page.inner_text("main")
    assert "内閣府経済社会総合研究所" in text and "住民基本台帳" in text
    assert page.console_errors == []


def test_unknown_page_is_not_an_error(page, live_url):
    page.goto(live_url + "/no-such-page")
    page.wait_for_selector("h1")
    assert "見つかりません" in page.inner_text("main")
