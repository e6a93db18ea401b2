"""/industry in Chromium: the charts draw, a control changes the view and the URL, the tables are there."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_industry_page_draws_and_keeps_its_state_in_the_url(page, live_url):
    page.goto(live_url + "/industry?region=13&from=2011&to=2022")
    page.wait_for_selector("#industry-composition .main-svg", timeout=20000)
    assert "東京都" in page.inner_text("#industry-body h2")
    assert page.locator("#industry-heatmap .main-svg").count() >= 1
    assert page.locator("#industry-waterfall-13-summary").count() == 1
    page.click("#industry-sort input[value=lq]")
    page.wait_for_url(re.compile(r"sort=lq"))
    assert "region=13" in page.url
    assert page.console_errors == []


def test_kpi_card_links_to_the_industry_contributions(page, live_url):
    page.goto(live_url + "/")
    link = page.locator(".kpi-card a[href^='/industry']").first
    link.wait_for(timeout=15000)
    link.click()
    page.wait_for_selector("#industry-contributions", timeout=20000)
    assert "東京圏以外" in page.inner_text("#industry-body h2")
    assert page.console_errors == []
