"""/my-kpis in Chromium as a new user: upload values (preview, then save), add a KPI with the form (preview, save),
and find it on the overview with its status."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# TEST-ONLY values: y = 100 + 5·(t − 2025) for 2023–2028 (an exact line: on_track for an increase target).
VALUES = "region_code,year,value\n" + "".join(f"13101,{y},{100 + 5 * (y - 2025)}\n" for y in range(2023, 2029))


def test_new_user_uploads_values_adds_a_kpi_and_sees_it_judged(page, live_url, tmp_path):
    csv_path = tmp_path / "visitors_b.csv"
    csv_path.write_bytes(VALUES.encode("cp932"))
    page.goto(live_url + "/my-kpis")
    page.wait_for_selector("#my-kpis-upload")
    page.set_input_files("#my-kpis-upload input[type=file]", str(csv_path))
    page.wait_for_selector("#my-kpis-upload-preview table")
    assert "6" in page.inner_text("#my-kpis-upload-preview")
    page.click("#my-kpis-upload-save")
    page.locator("#my-kpis-upload-result p").wait_for()
    assert "visitors_b.csv" in page.inner_text("#my-kpis-upload-result")

    page.fill("#my-kpis-id", "visitors_browser")
    page.fill("#my-kpis-name-ja", "来訪者数（ブラウザのテスト）")
    page.fill("#my-kpis-region-code", "13101")
    page.fill("#my-kpis-unit", "千人")
    page.click("#my-kpis-source-kind input[value=values]")
    page.fill("#my-kpis-values", "visitors_b.csv")
    page.fill("#my-kpis-base-year", "2025")
    page.fill("#my-kpis-target-year", "2029")
    page.fill("#my-kpis-source", "テスト用の値")
    page.click("#my-kpis-preview")
    page.locator("#my-kpis-result > *").first.wait_for()
    assert "保存できます" in page.inner_text("#my-kpis-result"), page.inner_text("#my-kpis-result")
    assert "visitors_browser" in page.inner_text("#my-kpis-yaml")
    page.click("#my-kpis-save")
    page.locator("#my-kpis-result", has_text="保存しました").wait_for()

    page.goto(live_url + "/")
    section = page.locator("#own-kpis")
    section.wait_for(timeout=15000)
    text = section.inner_text()
    assert "来訪者数（ブラウザのテスト）" in text
    assert "順調" in text  # on_track, as worked out for the exact line above
    assert "公的統計ではありません" in text
    assert page.console_errors == []


def test_a_refused_form_names_the_problem_and_saves_nothing(page, live_url):
    page.goto(live_url + "/my-kpis")
    page.wait_for_selector("#my-kpis-preview")
    page.fill("#my-kpis-id", "Bad Id!")
    page.click("#my-kpis-preview")
    page.locator("#my-kpis-result > *").first.wait_for()
    assert "kpis.yaml" in page.inner_text("#my-kpis-result")
    assert page.console_errors == []


def test_a_refused_survey_upload_says_why_and_installs_nothing(page, live_url, tmp_path):
    # A formula cell in 'share' (row 2): refused by the same checks as `python -m kpidash survey-load`, before writing.
    bad = tmp_path / "living_outlook.csv"
    bad.write_text("region_code,year,share,n,ci_low,ci_high,source,note\n00,2026,=1+1,1200,,,test,\n", encoding="utf-8")
    page.goto(live_url + "/my-kpis")
    page.wait_for_selector("#my-kpis-survey")
    page.set_input_files("#my-kpis-survey input[type=file]", str(bad))
    page.locator("#my-kpis-survey-result p").wait_for()
    text = page.inner_text("#my-kpis-survey-result")
    assert "row 2, column share" in text and "何も変更していません" in text
    page.goto(live_url + "/kpi/living_outlook")
    assert "データなし" in page.inner_text("h1")  # KPI 2 still has no survey loaded
    assert page.console_errors == []
