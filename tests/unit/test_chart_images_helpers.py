"""Pure parts of the chart images and the download bar (no browser): geometry inlining, the 出典 strip, wrapping,
topojson, links."""

from __future__ import annotations

import base64
import copy
import json
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import plotly.graph_objects as go
import pytest

from kpidash.api import chart_citation, chart_images
from kpidash.views import downloads
from tests.conftest import REPO

PREF_GEOJSON = REPO / "data" / "derived" / "geo" / "japan_prefectures_simplified.geojson"  # what /geo/ serves
CITATION = (
    "出典：総務省統計局「国勢調査」「労働力調査 都道府県別結果（モデル推計値）」、内閣府経済社会総合研究所「県民経済計算"
    "（平成18年度－平成30年度）」「県民経済計算（平成23年度－令和4年度）」、独立行政法人統計センター「SSDSE-B（県別推移）」"
    "を加工して作成"
)


def test_geojson_urls_are_replaced_by_the_served_file_wherever_they_are():
    fig = {
        "data": [
            {"type": "choropleth", "geojson": "/geo/prefectures.geojson", "locations": ["13"]},
            {"type": "scatter", "name": "/geo/prefectures.geojson"},  # not a geometry field: left alone
        ],
        "layout": {
            "map": {"layers": [{"source": "/geo/prefectures.geojson", "sourcetype": "geojson"}]},
            "images": [{"source": "https://example.org/logo.png"}],
        },
    }
    before = copy.deepcopy(fig)
    out = chart_images.inline_geojson(fig)
    expected = json.loads(PREF_GEOJSON.read_text(encoding="utf-8"))
    assert out["data"][0]["geojson"] == expected
    assert out["layout"]["map"]["layers"][0]["source"] == expected
    assert out["data"][1]["name"] == "/geo/prefectures.geojson"
    assert out["layout"]["images"][0]["source"] == "https://example.org/logo.png"
    assert fig == before  # the page's figure is not changed


def test_unknown_geojson_url_is_an_error():
    with pytest.raises(chart_images.ChartImageError, match=r"/geo/nowhere\.geojson"):
        chart_images.inline_geojson({"data": [{"geojson": "/geo/nowhere.geojson"}]})


def _px(line: str, size: int) -> float:
    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.6 * size for c in line)


@pytest.mark.parametrize("max_px", [300, 500, 988])
def test_citation_wraps_to_the_width(max_px):
    lines = chart_citation.wrap_text(CITATION, max_px)
    assert len(lines) > 1
    assert all(_px(line, chart_citation.CITATION_FONT) <= max_px for line in lines)
    assert "".join(lines).replace(" ", "") == CITATION.replace(" ", "")
    assert chart_citation.wrap_text("出典：短い", 1000) == ["出典：短い"]


def test_citation_strip_is_added_under_the_chart_svg():
    inner = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect/></svg>'
    lines = ["出典：A「<B>」&", "を加工して作成"]
    out = chart_citation.add_citation(inner, lines, 400, 300, "Noto Sans CJK JP")
    root = ET.fromstring(out)
    ns = "{http://www.w3.org/2000/svg}"
    strip = 2 * chart_citation.CITATION_LINE + 2 * chart_citation.CITATION_PAD
    assert (root.get("width"), root.get("height")) == ("400", str(300 + strip))
    assert root.get("viewBox") == f"0 0 400 {300 + strip}"
    [chart] = root.findall(ns + "svg")
    assert chart.get("height") == "300"
    [group] = [g for g in root.iter(ns + "g") if g.get("class") == "citation"]
    texts = group.findall(ns + "text")
    assert [t.text for t in texts] == lines
    ys = [float(t.get("y")) for t in texts]
    assert 300 < ys[0] < ys[1] <= 300 + strip


def test_prepare_figure_sizes_titles_and_converts_without_changing_the_figure():
    fig = go.Figure(go.Bar(x=np.array([1.5, 2.5]), y=["a", "b"]))
    out = chart_images.prepare_figure(fig, 640, 400, title="東京都：全指標の位置")
    assert out["layout"]["width"] == 640 and out["layout"]["height"] == 400
    assert out["layout"]["title"]["text"] == "東京都：全指標の位置"
    x = out["data"][0]["x"]  # JSON types: plotly's typed-array encoding of a numpy array, which plotly.js reads
    assert json.loads(json.dumps(out)) == out
    assert np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist() == [1.5, 2.5]
    assert fig.layout.width is None and not fig.layout.title.text
    titled = {"data": [], "layout": {"title": {"text": "Own title", "x": 0}}}
    assert chart_images.prepare_figure(titled, 640, 400, title="Other")["layout"]["title"]["text"] == "Own title"
    assert chart_images.prepare_figure(titled, 640, 400, title="<b>")["layout"]["title"]["text"] == "Own title"
    untitled = chart_images.prepare_figure({"data": [], "layout": {}}, 640, 400, title="a<b>&c")
    assert untitled["layout"]["title"]["text"] == "a&lt;b&gt;&amp;c"


def test_topojson_only_for_geo_figures(monkeypatch):
    monkeypatch.setattr(chart_images.pio.defaults, "topojson", None)
    assert chart_images.topojson_url({"data": [{"type": "bar"}], "layout": {}}) is None
    url = chart_images.topojson_url(
        {"data": [{"type": "choropleth"}], "layout": {"geo": {"scope": "asia", "resolution": 50}}}
    )
    assert url is not None and url.startswith("file://") and url.endswith("/")
    folder = Path(unquote(urlsplit(url).path))
    assert json.loads((folder / "asia_50m.json").read_text()) == {"type": "Topology", "objects": {}, "arcs": []}
    url2 = chart_images.topojson_url({"data": [{"type": "scattergeo"}], "layout": {}})
    assert Path(unquote(urlsplit(url2).path), "world_110m.json").is_file()


def test_mathjax_is_a_local_file():
    assert Path(chart_images.pio.defaults.mathjax).is_file()
    assert not str(chart_images.pio.defaults.mathjax).startswith(("http:", "https:"))


# ------------------------------------------------------------------------------------------------- download bar


def test_chunks_respect_the_api_limit():
    ids = [f"i{n}" for n in range(45)]
    parts = downloads.chunks(ids)
    assert [len(p) for p in parts] == [20, 20, 5]
    assert [i for p in parts for i in p] == ids


def test_download_bar_links_and_names():
    bar = downloads.download_bar(
        "ダウンロード:",
        "ja",
        "t",
        data=downloads.DataQuery(["a", "b"], ["00", "13"], 2020, 2020),
        full=downloads.DataQuery(["a", "b"], ["00", "13"]),
        chart={"page": "compare", "indicator": "a", "highlight": "", "lang": None, "period": 2020},
    )
    label, *links = bar.children
    assert bar.role == "group" and getattr(bar, "aria-labelledby") == label.id
    assert [a.children for a in links] == ["CSV", "Excel", "全期間CSV", "ZIP", "グラフ（PNG）", "グラフ（SVG）"]
    q = {a.children: (urlsplit(a.href).path, parse_qs(urlsplit(a.href).query)) for a in links}
    assert q["CSV"] == (
        "/api/v1/data.csv",
        {"indicators": ["a,b"], "regions": ["00,13"], "from": ["2020"], "to": ["2020"]},
    )
    assert q["全期間CSV"] == ("/api/v1/data.csv", {"indicators": ["a,b"], "regions": ["00,13"]})
    assert q["グラフ（SVG）"] == ("/api/v1/chart.svg", {"page": ["compare"], "indicator": ["a"], "period": ["2020"]})
    assert all(a.download == "" for a in links)
    only_chart = downloads.download_bar("Chart:", "en", "c", chart={"page": "trends"})
    assert [a.children for a in only_chart.children[1:]] == ["Chart (PNG)", "Chart (SVG)"]
