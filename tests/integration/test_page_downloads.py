"""The download links under the charts of /compare, /trends and /region: every link answers, and the files hold what
the page shows (compared with independent queries of the warehouse file)."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from tests.conftest import fetch_rows as _sql

pytestmark = pytest.mark.integration


def _walk(node: Any):
    if isinstance(node, list | tuple):
        for x in node:
            yield from _walk(x)
        return
    if node is None or isinstance(node, str | int | float):
        return
    yield node
    yield from _walk(getattr(node, "children", None))


def _bars(body: Any) -> list[list[tuple[str, str]]]:
    """Each download bar as a list of (link text, href)."""
    out = []
    for el in _walk(body):
        if "downloads" in (getattr(el, "className", "") or "").split():
            links = [a for a in _walk(el.children) if type(a).__name__ == "A"]
            out.append([(a.children if isinstance(a.children, str) else "", a.href) for a in links])
    return out


def _query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def _csv(client, href: str) -> pd.DataFrame:
    r = client.get(href)
    assert r.status_code == 200, (href, r.data[:300])
    assert r.data.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.BytesIO(r.data), encoding="utf-8-sig", dtype={"region_code": str})


def test_region_links_cover_the_theme_on_screen(client, warehouse_path):
    from kpidash.views.region import region_body

    body, _, theme = region_body("13", None, "ja")
    assert theme == "経済・雇用"
    bars = _bars(body)
    assert bars
    # Every (indicator, period) the chart shows, counted independently: latest period with all 47 prefectures.
    expected = set(
        _sql(
            warehouse_path,
            """
            WITH latest AS (
                SELECT o.indicator_id, max(o.period) AS period FROM marts.observations o
                JOIN marts.regions r ON r.region_code = o.region_code WHERE r.level = 'prefecture'
                GROUP BY o.indicator_id
            )
            SELECT l.indicator_id, l.period FROM latest l JOIN marts.indicators i ON i.indicator_id = l.indicator_id
            WHERE i.theme = '経済・雇用'
              AND (SELECT count(*) FROM marts.observations o JOIN marts.regions r ON r.region_code = o.region_code
                   WHERE o.indicator_id = l.indicator_id AND o.period = l.period AND r.level = 'prefecture') = 47
            """,
        )
    )
    assert len(expected) > 20  # more than one request of the data API can take
    covered: list[tuple[str, int]] = []
    chart_links = []
    for bar in bars:
        for text, href in bar:
            q = _query(href)
            if href.startswith("/api/v1/chart."):
                chart_links.append(href)
                assert q == {"page": "region", "region": "13", "theme": "経済・雇用"}
                continue
            ids = q["indicators"].split(",")
            assert len(ids) <= 20
            assert q["regions"].split(",") == ["00", *[f"{i:02d}" for i in range(1, 48)]]
            if text == "CSV":
                assert q["from"] == q["to"]
                covered += [(i, int(q["from"])) for i in ids]
                df = _csv(client, href)
                want = _sql(
                    warehouse_path,
                    f"SELECT indicator_id, region_code, value FROM marts.observations WHERE period = ? "
                    f"AND indicator_id IN ({', '.join('?' * len(ids))}) "
                    "AND (region_code = '00' OR region_code BETWEEN '01' AND '47') AND length(region_code) = 2",
                    [int(q["from"]), *ids],
                )
                got = {(r.indicator_id, r.region_code): r.value for r in df.itertuples()}
                assert got == pytest.approx({(i, c): v for i, c, v in want})
                assert set(df["period"]) == {int(q["from"])}
    assert sorted(covered) == sorted(expected)  # each shown value in exactly one file
    assert sorted(h.split("?")[0] for h in chart_links) == ["/api/v1/chart.png", "/api/v1/chart.svg"]
    for href in chart_links:
        r = client.get(href)
        assert r.status_code == 200 and r.mimetype in ("image/png", "image/svg+xml")


def test_region_single_request_theme_has_one_bar(client, warehouse_path):
    from kpidash.views.region import region_body

    body, _themes, theme = region_body("01", "住宅・建設", "en")
    assert theme == "住宅・建設"
    [bar] = _bars(body)
    texts = [t for t, _ in bar]
    assert texts == ["CSV", "Excel", "Full series CSV", "ZIP", "Chart (PNG)", "Chart (SVG)"]
    assert _query(bar[-1][1])["lang"] == "en"
    for _, href in bar:
        r = client.get(href)
        assert r.status_code == 200, (href, r.data[:200])


def test_trends_links(client, warehouse_path):
    from kpidash.views.trends import trends_body

    body = trends_body("gdp_nominal", ["TKY", "13", "27"], "index", 2015, "ja")
    [bar] = _bars(body)
    links = dict(bar)
    assert list(links) == ["CSV", "Excel", "全地域CSV", "ZIP", "グラフ（PNG）", "グラフ（SVG）"]
    df = _csv(client, links["CSV"])
    want = _sql(
        warehouse_path,
        "SELECT region_code, period, value FROM marts.observations WHERE indicator_id = 'gdp_nominal' "
        "AND region_code IN ('TKY', '13', '27')",
    )
    got = {(r.region_code, r.period): r.value for r in df.itertuples()}
    assert got == pytest.approx({(c, p): v for c, p, v in want})
    wide = _csv(client, links["全地域CSV"])
    assert set(wide["region_code"]) == {"00", "TKY", "NTK", *[f"{i:02d}" for i in range(1, 48)]}
    chart = _query(links["グラフ（SVG）"])
    assert chart == {
        "page": "trends",
        "indicator": "gdp_nominal",
        "regions": "TKY,13,27",
        "mode": "index",
        "base": "2015",
    }
    r = client.get(links["グラフ（SVG）"])
    assert r.status_code == 200 and b"2015=100" in r.data


def test_compare_links_per_capita_include_the_population(client, warehouse_path):
    from kpidash.views.compare import compare_body

    body, _info = compare_body("gdp_nominal", 2020, "per_capita", ["13"], "bar", "value", "ja")
    [bar] = _bars(body)
    links = dict(bar)
    assert list(links) == ["CSV", "Excel", "全期間CSV", "ZIP", "グラフ（PNG）", "グラフ（SVG）"]
    df = _csv(client, links["CSV"])
    assert set(df["indicator_id"]) == {"gdp_nominal", "ssdse_pop_total"}
    assert set(df["period"]) == {2020}
    [(n,)] = _sql(
        warehouse_path,
        "SELECT count(*) FROM marts.observations WHERE period = 2020 AND indicator_id IN ('gdp_nominal', "
        "'ssdse_pop_total') AND region_code IN ('00', 'TKY', 'NTK') OR (period = 2020 AND indicator_id IN "
        "('gdp_nominal', 'ssdse_pop_total') AND region_code BETWEEN '01' AND '47' AND length(region_code) = 2)",
    )
    assert len(df) == n
    assert _query(links["グラフ（PNG）"]) == {
        "page": "compare",
        "indicator": "gdp_nominal",
        "period": "2020",
        "mode": "per_capita",
        "view": "bar",
        "highlight": "13",
        "sort": "value",
    }
    r = client.get(links["グラフ（PNG）"])
    assert r.status_code == 200 and r.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_table_view_has_no_chart_links(client):
    from kpidash.views.compare import compare_body

    body, _ = compare_body("gdp_nominal", 2020, "value", [], "table", "value", "en")
    [bar] = _bars(body)
    assert [t for t, _ in bar] == ["CSV", "Excel", "Full series CSV", "ZIP"]
    for _, href in bar:
        r = client.get(href)
        assert r.status_code == 200, json.loads(r.data) if r.mimetype == "application/json" else href
