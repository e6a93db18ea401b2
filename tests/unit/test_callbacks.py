"""Page callbacks called directly (no browser): outputs, URL state and validation of hostile inputs."""

from __future__ import annotations

import pytest

from tests.conftest import open_readonly


@pytest.fixture()
def pages_loaded(use_fixture_warehouse):
    import app  # noqa: F401  (registers the pages and their callbacks)
    import pages.compare
    import pages.trends

    return pages


def _figure(component):
    """The plotly figure inside a callback's body list, as a go.Figure (which also validates a dict figure)."""
    import plotly.graph_objects as go

    for c in component if isinstance(component, list) else [component]:
        fig = getattr(c, "figure", None)
        if fig is not None:
            return go.Figure(fig)
        children = getattr(c, "children", None)
        if children is not None:
            found = _figure(children if isinstance(children, list) else [children])
            if found is not None:
                return found
    return None


def test_compare_bar_values_match_the_warehouse(pages_loaded, fixture_warehouse):
    import pages.compare as compare

    body, options, period, state = compare.render("gdp_nominal", 2019, "value", ["13"], "bar", "value", "")
    assert period == 2019 and 2019 in [o["value"] for o in options]
    assert state["indicator"] == "gdp_nominal" and state["highlight"] == "13" and state["view"] == "bar"
    fig = _figure(body)
    bar = fig.data[0]
    con = open_readonly(fixture_warehouse)
    expected = dict(
        con.execute(
            "SELECT r.name_ja, o.value FROM marts.observations o JOIN marts.regions r USING (region_code) "
            "WHERE indicator_id = 'gdp_nominal' AND period = 2019 AND r.level = 'prefecture'"
        ).fetchall()
    )
    con.close()
    got = dict(zip(bar.y, bar.x, strict=True))
    assert got == pytest.approx(expected)
    assert list(bar.x) == sorted(bar.x)  # sorted by value
    # The highlighted prefecture has its own colour.
    colours = dict(zip(bar.y, bar.marker.color, strict=True))
    assert colours["東京都"] != colours["大阪府"]


def test_compare_per_capita_is_ratio_of_sums(pages_loaded, fixture_warehouse):
    import pages.compare as compare

    body, _, period, state = compare.render("ssdse_births", None, "per_capita", [], "table", "code", "")
    assert state["mode"] == "per_capita"
    con = open_readonly(fixture_warehouse)
    births, pop = (
        con.execute(
            f"SELECT sum(value) FROM marts.observations WHERE indicator_id = '{i}' AND period = ? "
            "AND region_code IN ('11','12','13','14')",
            [period],
        ).fetchone()[0]
        for i in ("ssdse_births", "ssdse_pop_total")
    )
    con.close()
    grid = body[0].children[1]
    rows = {r["code"]: r["value"] for r in grid.rowData}
    assert rows["TKY"] == pytest.approx(births / pop * 100_000, rel=1e-6)


def test_compare_rejects_hostile_inputs_quietly(pages_loaded):
    import pages.compare as compare

    _body, _, period, state = compare.render(
        "x'; DROP TABLE y;--", "abc", "evil", ["99", "<script>"], "nope", "?", "?lang=zz"
    )
    assert state["indicator"] == "gdp_nominal" and state["mode"] == "value" and state["view"] == "map"
    assert state["highlight"] == "" and isinstance(period, int)


def test_trends_index_mode(pages_loaded, fixture_warehouse):
    import pages.trends as trends

    body, state = trends.render("gdp_nominal", ["TKY", "NTK"], "index", 2011, "")
    assert state == {"indicator": "gdp_nominal", "regions": "TKY,NTK", "mode": "index", "base": 2011, "lang": None}
    fig = _figure(body)
    for trace in fig.data:
        values = dict(zip(trace.x, trace.y, strict=True))
        assert values[2011] == pytest.approx(100)
    con = open_readonly(fixture_warehouse)
    a, b = (
        con.execute(
            "SELECT value FROM marts.observations WHERE indicator_id='gdp_nominal' AND region_code='TKY' AND period=?",
            [p],
        ).fetchone()[0]
        for p in (2011, 2022)
    )
    con.close()
    tky = next(t for t in fig.data if t.name == "東京圏")
    assert dict(zip(tky.x, tky.y, strict=True))[2022] == pytest.approx(b / a * 100)


# The heading each page shows with its defaults: the page's name, or what it defaults to (/indicator: gdp_nominal,
# /region: 13 in 関東, /kpi: the first KPI of kpi_defs.yaml).
FIRST_HEADINGS = {
    "pages.overview": "地域未来 KPI ダッシュボード",
    "pages.about": "データと出典",
    "pages.compare": "都道府県を比べる",
    "pages.indicator": "県内総生産（名目）",
    "pages.kpi": "労働生産性の伸び率の差（東京圏以外－東京圏）",
    "pages.municipalities": "市区町村を比べる",
    "pages.not_found_404": "ページが見つかりません",
    "pages.region": "東京都（関東）",
    "pages.trends": "推移を見る",
    "pages.industry": "産業構造",
    "pages.my_kpis": "自分のKPI",
}


def _first_heading(component):
    """The first string inside the first H1 of a component tree."""
    from dash import html

    for c in component if isinstance(component, list | tuple) else [component]:
        if isinstance(c, html.H1):
            return _texts(c.children)[0]
        children = getattr(c, "children", None)
        if children is not None and not isinstance(children, str):
            found = _first_heading(children)
            if found is not None:
                return found
    return None


def test_every_page_layout_builds(pages_loaded, server_errors):
    """Each registered page (as Dash calls it, behind the error-page guard) renders its own heading, serialises, and
    the server logged no caught exception on the way (the guard would otherwise show the error page)."""
    import dash
    from plotly.io.json import to_json_plotly

    headings = {}
    for page in dash.page_registry.values():
        layout = page["layout"]
        result = layout() if callable(layout) else layout
        to_json_plotly(result)
        headings[page["module"]] = _first_heading(result)
    assert headings == FIRST_HEADINGS
    assert not server_errors.problems()


def test_kpi3_breakdown_on_the_fixture(use_fixture_warehouse):
    """Growth 2020→2024 of Japanese women aged 15–29 per prefecture. The fixture's female count of prefecture n in
    group g (15_19 = 3, 20_24 = 4, 25_29 = 5) and period p is 10n + g + (p − 2020): 30n + 12 in 2020, 30n + 24 in
    2024."""
    from kpidash.service import kpis as service

    k = service.kpi_by_id("young_women_outside_tokyo")
    cross, title_ja, _, unit = service.prefecture_breakdown(k)
    assert unit == "%" and "2020年→2024年" in title_ja
    got = cross.set_index("region_code")["value"]
    assert len(cross) == 47
    for n in (1, 2, 13, 47):
        assert got[f"{n:02d}"] == pytest.approx(((30 * n + 24) / (30 * n + 12) - 1) * 100)


def _texts(component) -> list[str]:
    """Every string in a component tree."""
    out: list[str] = []
    for c in component if isinstance(component, list) else [component]:
        if isinstance(c, str):
            out.append(c)
        elif getattr(c, "children", None) is not None:
            out.extend(_texts(c.children))
    return out


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_compare_map_cites_its_boundary_source(pages_loaded, lang):
    """The prefecture map draws simplified 地球地図日本 borders: the page says so, in the sidecar's words."""
    import yaml

    import pages.compare as compare
    from kpidash.config import RAW_DIR

    side = RAW_DIR / "geo" / "japan_prefectures_dataofjapan.geojson.meta.yaml"
    raw = str(yaml.safe_load(side.read_text("utf-8"))["citation_ja"]).removeprefix("出典：")
    search = "?lang=en" if lang == "en" else ""
    map_body = compare.render("gdp_nominal", 2019, "value", [], "map", "value", search)[0]
    bar_body = compare.render("gdp_nominal", 2019, "value", [], "bar", "value", search)[0]
    notes = [s for s in _texts(map_body) if raw in s]
    assert len(notes) == 1 and notes[0].endswith(f"出典：{raw}を加工して作成")
    assert not [s for s in _texts(bar_body) if raw in s]
