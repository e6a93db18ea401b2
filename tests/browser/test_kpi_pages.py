"""KPI pages in Chromium: the honest status on pre-strategy data, the base-year form (URL state), KPI 2's help."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def _api(live_url: str, path: str) -> dict:
    with urllib.request.urlopen(live_url + path) as resp:
        return json.load(resp)


def test_overview_card_says_cannot_tell_and_when_data_come(page, live_url):
    page.goto(live_url + "/")
    card = page.locator(".kpi-card").first
    card.wait_for(timeout=15000)
    text = card.inner_text()
    assert "達成" not in text
    assert "判断できない" in text
    assert "基準年以降の統計が未公表" in text
    assert "参考" in text  # the pre-strategy growth is labelled as context
    assert "次の統計" in text
    assert page.console_errors == []


def test_base_year_form_recomputes_and_keeps_the_choice_in_the_url(page, live_url):
    page.goto(live_url + "/kpi/productivity_growth")
    page.wait_for_selector("#kpi-base-year")
    page.select_option("#kpi-variant", "h30_release")
    page.select_option("#kpi-base-year", "2015")
    page.click(".base-year-form button")
    page.wait_for_url(re.compile(r"base_year=2015"))
    assert "variant=h30_release" in page.url
    summary = page.inner_text("#kpi-growth-summary")
    api = _api(live_url, "/api/v1/kpis/productivity_growth?base_year=2015&variant=h30_release")
    assert f"{api['growth']['gap_points']:+.2f}" in summary  # the page and the API show the same number
    assert page.input_value("#kpi-base-year") == "2015"
    assert page.locator("#kpi-releases-chart .main-svg").count() > 0
    assert page.console_errors == []


def test_survey_kpi_page_offers_the_template_and_the_command(page, live_url):
    page.goto(live_url + "/kpi/living_outlook?lang=en")
    page.wait_for_selector("#kpi-survey-help")
    text = page.inner_text("#kpi-survey-help")
    assert "python -m kpidash survey-load" in text
    href = page.get_attribute("#kpi-survey-help a[download]", "href")
    with urllib.request.urlopen(live_url + href) as resp:
        assert resp.read().decode("utf-8").startswith("region_code,year,share,n")
    assert page.console_errors == []


def test_base_year_form_keeps_english(page, live_url):
    page.goto(live_url + "/kpi/young_women_outside_tokyo?lang=en")
    page.wait_for_selector("#kpi-base-year")
    page.select_option("#kpi-base-year", "2015")
    page.click(".base-year-form button")
    page.wait_for_url(re.compile(r"base_year=2015"))
    assert "lang=en" in page.url
    assert "Young people, women and young women" in page.inner_text("#kpi-groups")
    assert page.console_errors == []
