"""/trends and /region offer the data and the chart for download: a user finds the links, downloads the CSV and the
SVG, and gets what the page shows with its source. axe-core still finds nothing serious on those pages."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_a11y import _assert_no_violations, _open
from tests.conftest import open_readonly

pytestmark = pytest.mark.browser


def _sql(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = open_readonly(path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _download(page: Page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def _svg_texts(data: bytes, cls: str) -> list[str]:
    root = ET.fromstring(data)
    return ["".join(el.itertext()) for el in root.iter() if cls in (el.get("class") or "").split()]


def test_trends_downloads(page, live_url, warehouse_path):
    _open(page, live_url + "/trends?indicator=gdp_nominal&regions=TKY,NTK,13", ".js-plotly-plot")
    bar = page.get_by_role("group", name="ダウンロード（表示中の地域・全期間）:")
    expect(bar).to_be_visible()
    csv = _download(page, bar.get_by_role("link", name="CSV", exact=True))
    df = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype={"region_code": str})
    want = _sql(
        warehouse_path,
        "SELECT region_code, period, value FROM marts.observations WHERE indicator_id = 'gdp_nominal' "
        "AND region_code IN ('TKY', 'NTK', '13')",
    )
    assert {(r.region_code, r.period): r.value for r in df.itertuples()} == pytest.approx(
        {(c, p): v for c, p, v in want}
    )
    svg = _download(page, bar.get_by_role("link", name="グラフ（SVG）"))
    [(name_ja, citation_ja)] = _sql(
        warehouse_path,
        "SELECT i.name_ja, s.citation_ja FROM marts.indicators i JOIN marts.sources s ON s.source_id = i.source_id "
        "WHERE i.indicator_id = 'gdp_nominal'",
    )
    # The chart on the page has the same title as the image.
    assert _svg_texts(svg, "gtitle") == [name_ja] == [page.locator(".js-plotly-plot .gtitle").first.text_content()]
    assert _svg_texts(svg, "legendtext") == ["東京圏", "東京圏以外", "東京都"]
    assert _svg_texts(svg, "citation") == [f"出典：{citation_ja}を加工して作成"]
    png = bar.get_by_role("link", name="グラフ（PNG）")
    resp = page.request.get(live_url + png.get_attribute("href"))
    assert resp.ok and resp.body()[:8] == b"\x89PNG\r\n\x1a\n"
    _assert_no_violations(page, "/trends with its download links")
    assert page.console_errors == []


def test_region_downloads(page, live_url, warehouse_path):
    _open(page, live_url + "/region/13", ".js-plotly-plot")
    bars = page.locator("main .downloads[role=group]")
    assert bars.count() >= 2  # more indicators or periods than one request of the data API takes
    first = bars.first
    link = first.get_by_role("link", name="CSV", exact=True)
    q = {k: v[0] for k, v in parse_qs(urlsplit(link.get_attribute("href")).query).items()}
    ids, period = q["indicators"].split(","), int(q["from"])
    assert len(ids) <= 20
    df = pd.read_csv(io.BytesIO(_download(page, link)), encoding="utf-8-sig", dtype={"region_code": str})
    want = _sql(
        warehouse_path,
        f"SELECT indicator_id, region_code, value FROM marts.observations WHERE period = ? "
        f"AND indicator_id IN ({', '.join('?' * len(ids))}) AND (region_code = '00' OR region_code BETWEEN '01' "
        "AND '47') AND length(region_code) = 2",
        [period, *ids],
    )
    assert len(df) == len(want) > 0
    got = {(r.indicator_id, r.region_code): r.value for r in df.itertuples()}
    assert got == pytest.approx({(i, c): v for i, c, v in want})
    # The table on the page shows Tokyo's value of those indicators: the file has them.
    tokyo = df[df["region_code"] == "13"]
    assert set(tokyo["indicator_id"]) == set(ids)
    chart = page.get_by_role("link", name="グラフ（SVG）")
    expect(chart).to_have_count(1)
    svg = _download(page, chart)
    [title] = _svg_texts(svg, "gtitle")
    assert title == page.locator("figure.chart").first.get_attribute("aria-label")
    assert "東京都" in title and "経済・雇用" in title
    [citation] = _svg_texts(svg, "citation")
    assert citation.startswith("出典：") and citation.endswith("を加工して作成")
    _assert_no_violations(page, "/region/13 with its download links")
    assert page.console_errors == []
