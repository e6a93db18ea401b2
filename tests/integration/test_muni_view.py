"""The /municipalities view against the raw register file (read here with ``csv``) and an independent DuckDB query.

Expected numbers come from data/raw/population_jukiban/muni_population_age_sex_jukiban_2023-01-01.csv (rows of
entity_type municipality or designated_city, sex total) summed over its 5-year age columns in this module, never
from the loaders' constants. Also: the marts exported to Parquet next to the warehouse give the same values.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

import duckdb
import pytest
import yaml
from dash import Patch
from plotly.io.json import to_json_plotly

from kpidash.analysis.municipal import BLOCK_ROWS
from kpidash.config import RAW_DIR

pytestmark = pytest.mark.integration

CSV = RAW_DIR / "population_jukiban" / "muni_population_age_sex_jukiban_2023-01-01.csv"
BOUNDARY_SIDECAR = RAW_DIR / "geo_municipal" / "japan_municipalities_2021_designated_cities.geojson.meta.yaml"
AGES = {
    "pop_all_total": ["total"],
    "pop_all_0_14": ["age_00_04", "age_05_09", "age_10_14"],
    "pop_all_15_29": ["age_15_19", "age_20_24", "age_25_29"],
    "pop_all_65plus": ["age_65_69", "age_70_74", "age_75_79", "age_80_plus"],
}
# 札幌市 (designated city as a whole), 千代田区, 南牧村 (群馬: highest 65+ share), 小笠原村, 那覇市, 北海道 音威子府村
SAMPLE = ["01100", "13101", "10383", "13421", "47201", "01472"]


@cache
def raw_counts() -> dict[str, dict[str, int]]:
    """muni_code_5 → {indicator: number} for municipalities and designated cities, both sexes, scope total."""
    out: dict[str, dict[str, int]] = {}
    with CSV.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if (
                r["entity_type"] in ("municipality", "designated_city")
                and r["sex"] == "total"
                and r["scope"] == "total"
            ):
                out[r["muni_code_5"]] = {k: sum(int(r[c]) for c in cols) for k, cols in AGES.items()}
    return out


@cache
def raw_prefs() -> dict[str, str]:
    with CSV.open(encoding="utf-8", newline="") as fh:
        return {r["muni_code_5"]: r["pref_code"] for r in csv.DictReader(fh)}


def raw_pref(code: str) -> str:
    return raw_prefs()[code]


@pytest.fixture()
def vm(use_warehouse: Path):
    from kpidash.views import municipal as views_muni

    return views_muni


@pytest.fixture()
def sm(use_warehouse: Path):
    from kpidash.service import municipal as service_muni

    return service_muni


def test_raw_file_covers_the_warehouse(sm, wh):
    n = wh.execute("SELECT count(*) FROM marts.regions WHERE level = 'municipality'").fetchone()[0]
    assert len(raw_counts()) == n == 1741
    assert len(sm.muni_frame("pop_all_total", None, "value")) == n


def test_indicators_are_the_municipal_ones(sm, wh):
    expected = {
        r[0]
        for r in wh.execute(
            "SELECT DISTINCT indicator_id FROM marts.observations WHERE length(region_code) = 5"
        ).fetchall()
    }
    assert set(sm.catalogue()["indicator_id"]) == expected
    assert {"pop_all_total", "pop_all_65plus", "pop_all_0_14", "pop_all_15_29"} <= expected


@pytest.mark.parametrize("indicator", ["pop_all_65plus", "pop_all_0_14", "pop_all_15_29", "pop_all_total"])
def test_values_equal_raw_csv_and_duckdb(sm, wh, indicator):
    df = sm.muni_frame(indicator, None, "value").set_index("region_code")
    sql = (
        "SELECT o.region_code, o.value FROM marts.observations o JOIN marts.regions r USING (region_code) "
        "WHERE r.level = 'municipality' AND o.indicator_id = ? AND o.period = 2023"
    )
    db = dict(wh.execute(sql, [indicator]).fetchall())
    raw = raw_counts()
    for code in SAMPLE:
        assert df.loc[code, "value"] == raw[code][indicator] == db[code], code
        assert df.loc[code, "total"] == raw[code]["pop_all_total"], code
    assert len(df) == len(db)


def test_shares_computed_from_the_municipality_total(sm):
    df = sm.muni_frame("pop_all_65plus", None, "share").set_index("region_code")
    raw = raw_counts()
    for code in SAMPLE:
        expected = raw[code]["pop_all_65plus"] / raw[code]["pop_all_total"] * 100
        assert df.loc[code, "share"] == pytest.approx(expected, rel=1e-12)
        assert df.loc[code, "measure"] == df.loc[code, "share"]
    # The highest share of Japan is the one the raw file gives.
    best = max(raw, key=lambda c: raw[c]["pop_all_65plus"] / raw[c]["pop_all_total"])
    assert df["share"].idxmax() == best
    assert df.loc[best, "rank"] == 1


def test_total_has_no_share_mode(sm):
    assert sm.valid_mode("share", "pop_all_total") == "value"
    assert sm.valid_mode("share", "pop_all_65plus") == "share"
    assert sm.valid_mode("'; DROP", "pop_all_65plus") == "value"


def test_prefecture_filter_and_ranks(sm):
    df = sm.muni_frame("pop_all_65plus", "13", "share")
    raw = raw_counts()
    tokyo = {c for c in raw if raw_pref(c) == "13"}
    assert set(df["region_code"]) == tokyo
    assert sorted(df["rank"].tolist()) == list(range(1, len(df) + 1))  # shares of Tokyo have no ties
    assert not df["name"].str.startswith("東京都").any()  # the prefecture is dropped inside one prefecture
    assert sm.muni_frame("pop_all_65plus", None, "share")["name"].str.contains(" ").all()


def test_render_full_figure_and_patch(vm):
    fig, ranking, table, info, state = vm.muni_render("pop_all_65plus", "13", "share", "ja")
    trace = fig["data"][0]
    assert trace["type"] == "choropleth"
    assert trace["geojson"] == "/geo/municipalities.geojson"
    assert trace["featureidkey"] == "properties.muni_code_5"
    assert fig["layout"]["geo"]["visible"] is False  # no base map: nothing fetched from a CDN
    raw = raw_counts()
    codes = trace["locations"]
    assert codes and all(c.startswith("13") for c in codes)
    for code, z, n in zip(codes, trace["z"], trace["customdata"], strict=True):
        assert n == raw[code]["pop_all_65plus"]
        assert z == pytest.approx(raw[code]["pop_all_65plus"] / raw[code]["pop_all_total"] * 100, abs=0.006)
    text = to_json_plotly([fig, ranking, table, info])
    for marker in ('"coordinates"', "FeatureCollection", "MultiPolygon"):
        assert marker not in text  # geometry is fetched by URL, never embedded
    assert state == {"indicator": "pop_all_65plus", "pref": "13", "mode": "share", "lang": None}
    cites = " ".join(str(p.children) for p in info)
    assert "住民基本台帳" in cites and "国土数値情報" in cites and "2023年1月1日" in cites
    # Zoomed to Tokyo's mainland: 東京駅 (139.767°E, 35.681°N) inside the view box, 小笠原 (27°N) outside and
    # announced.
    (lon0, lon1), (lat0, lat1) = fig["layout"]["geo"]["lonaxis"]["range"], fig["layout"]["geo"]["lataxis"]["range"]
    assert lon0 < 139.767 < lon1 and lat0 < 35.681 < lat1
    assert lat0 > 34.0 and lon1 - lon0 < 3  # not the islands 1,000 km south
    assert any("離島" in str(p.children) for p in info)

    # The browser shows Tokyo (its state store says so): a change of mode patches colours only.
    patch, *_ = vm.muni_render("pop_all_65plus", "13", "value", "ja", state)
    assert isinstance(patch, Patch)
    ops = json.loads(to_json_plotly(patch))["operations"]
    changed = {tuple(o["location"]) for o in ops}
    assert ("data", 0, "z") in changed and ("data", 0, "customdata") not in changed
    assert ("data", 0, "locations") not in changed  # same municipalities: no codes or names again
    # Another indicator: the hover numbers change too.
    patch, *_ = vm.muni_render("pop_all_0_14", "13", "value", "ja", state)
    changed = {tuple(o["location"]) for o in json.loads(to_json_plotly(patch))["operations"]}
    assert ("data", 0, "customdata") in changed
    # Another prefecture, a first load, or a store from another language: the full figure.
    for shown in (state, None, {}, {**state, "lang": "en"}):
        full, *_ = vm.muni_render("pop_all_0_14", "27", "value", "ja", shown)
        assert isinstance(full, dict) and all(c.startswith("27") for c in full["data"][0]["locations"])
    full, *_ = vm.muni_render("pop_all_0_14", "13", "value", "ja", {**state, "lang": "en"})
    assert isinstance(full, dict)


@cache
def raw_short_names() -> dict[str, str]:
    with CSV.open(encoding="utf-8", newline="") as fh:
        return {r["muni_code_5"]: r["muni_name_short_ja"] for r in csv.DictReader(fh)}


@pytest.mark.parametrize(
    ("indicator", "pref", "mode"),
    [("pop_all_65plus", "13", "share"), ("pop_all_0_14", "31", "value"), ("pop_all_total", None, "value")],
)
def test_ranking_lists_from_the_register(vm, sm, indicator, pref, mode):
    """The ranking panel's data, recomputed from the raw register: the 10 highest and 10 lowest (fewer when a
    prefecture has fewer than 20 municipalities: 鳥取県 has 19, the lists do not overlap), ranks with ties sharing the
    smaller rank, values as printed, bars relative to each list's largest value."""
    raw = raw_counts()
    names = raw_short_names()
    codes = [c for c in raw if pref is None or raw_pref(c) == pref]

    def measure(c: str) -> float:
        v = raw[c][indicator]
        return v / raw[c]["pop_all_total"] * 100 if mode == "share" else v

    ordered = sorted(codes, key=lambda c: (-measure(c), c))
    n_top = min(10, len(ordered))
    expected = [ordered[:n_top], ordered[max(10, len(ordered) - 10) :]]
    *_, state = vm.muni_render(indicator, pref, mode, "ja")
    summary = sm.summary(sm.selection(indicator, pref, mode))
    top, bottom = summary.top, summary.bottom
    assert state["pref"] == pref
    if pref == "31":
        assert len(ordered) == 19 and len(bottom) == 9  # ranks 11–19: none repeated from the top list
    for shown, want in zip((top, bottom), expected, strict=True):
        assert len(shown) == len(want)
        largest = measure(want[0])
        for row, code in zip(shown, want, strict=True):
            assert row.rank == 1 + sum(measure(c) > measure(code) for c in codes)
            assert row.name.endswith(names[code])  # "北海道 札幌市" for all Japan, "札幌市" inside 北海道
            assert row.value == (f"{measure(code):,.2f}" if mode == "share" else f"{measure(code):,}")
            assert row.bar_pct == pytest.approx(100 * measure(code) / largest, abs=0.006)


@pytest.mark.parametrize(
    ("lang", "second_line"),
    [("ja", "（東京都、2023年1月1日、総人口に占める割合 %）"), ("en", "(Tokyo, 2023, Share of total population, %)")],
)
def test_map_title_has_two_lines(vm, lang, second_line):
    """plotly titles do not wrap: the indicator on the first line, the place, date and measure on a smaller second."""
    fig, *_ = vm.muni_render("pop_all_65plus", "13", "share", lang)
    first, second = fig["layout"]["title"]["text"].split("<br>")
    assert "65" in first and "（" not in first and "(" not in first.replace("(Japanese + foreign)", "")
    assert second == f"<span style='font-size:12px'>{second_line}</span>"
    assert fig["layout"]["margin"]["t"] >= 60  # room for both lines


def test_ranking_panel_markup(vm):
    """One list item per municipality, its rank and value in data attributes (shown by CSS), the unit after the
    value, the bar length as a fraction; the title and both list headings."""
    _, panel, *_ = vm.muni_render("pop_all_65plus", "01", "share", "ja")
    text = json.dumps(json.loads(to_json_plotly(panel)), ensure_ascii=False)
    assert "上位・下位10市区町村（北海道）" in text and "上位10" in text and "下位10" in text
    items = [li for ol in panel if getattr(ol, "className", "").startswith("rank-list") for li in ol.children]
    assert len(items) == 20
    first = items[0].to_plotly_json()["props"]
    assert first["children"] == "夕張市"  # the highest share of people aged 65+ in 北海道 (2023)
    assert first["data-rank"] == "1" and first["data-value"].endswith("%")
    assert first["style"] == {"--f": "1.0000"}
    last = items[-1].to_plotly_json()["props"]
    assert last["data-rank"] == f"{sum(1 for c in raw_counts() if raw_pref(c) == '01'):,}"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_boundary_source_cited_as_processed(vm, lang):
    """The map draws a simplified derivative of the 国土数値情報 boundary file (data/derived/geo): the 出典 line cites
    the original source, as its raw file's sidecar (read here) gives it, and ends in 「を加工して作成」."""
    raw_citation = yaml.safe_load(BOUNDARY_SIDECAR.read_text(encoding="utf-8"))["citation_ja"]
    assert raw_citation == "国土交通省「国土数値情報（行政区域データ）」（令和3年）"
    *_, info, _ = vm.muni_render("pop_all_65plus", "47", "share", lang)
    line = info[-1].children
    assert line.startswith("出典：") and "住民基本台帳" in line
    assert line.endswith(f"、{raw_citation}を加工して作成")
    assert line.count("出典：") == 1 and line.count("を加工して作成") == 1


def test_log_colour_scale_in_value_mode(vm):
    fig, *_ = vm.muni_render("pop_all_total", None, "value", "ja")
    t = fig["data"][0]
    raw = raw_counts()
    import math

    for code, z in zip(t["locations"], t["z"], strict=True):
        assert z == pytest.approx(math.log10(raw[code]["pop_all_total"]), abs=1e-4)
    assert t["colorbar"]["ticktext"][0].replace(",", "").isdigit()


def test_rows_sorted_server_side(sm):
    raw = raw_counts()
    state = {"indicator": "pop_all_65plus", "pref": None, "mode": "share"}
    r = sm.muni_rows({"startRow": 0, "endRow": 50, "sortModel": [{"colId": "total", "sort": "asc"}]}, state)
    assert r["rowCount"] == 1741 and len(r["rowData"]) == 50
    smallest = min(raw, key=lambda c: raw[c]["pop_all_total"])
    assert r["rowData"][0]["region_code"] == smallest
    assert r["rowData"][0]["total"] == raw[smallest]["pop_all_total"]
    totals = [x["total"] for x in r["rowData"]]
    assert totals == sorted(totals)
    page2 = sm.muni_rows({"startRow": 50, "endRow": 100, "sortModel": []}, state)["rowData"]
    assert [x["rank"] for x in page2] == sorted(x["rank"] for x in page2) and page2[0]["rank"] >= 50
    # Hostile requests are bounded, never errors.
    r = sm.muni_rows({"startRow": -5, "endRow": 10**9, "sortModel": [{"colId": "__class__", "sort": "x"}]}, {})
    assert 0 < len(r["rowData"]) <= 10 * BLOCK_ROWS
    for hostile in ({"startRow": "abc", "endRow": float("inf"), "sortModel": ["x", None]}, "nonsense", None):
        r = sm.muni_rows(hostile, ["not", "a", "dict"])  # type: ignore[arg-type]
        assert r["rowCount"] > 0 and len(r["rowData"]) == BLOCK_ROWS


def test_marts_exported_to_parquet(warehouse_path: Path, wh):
    folder = warehouse_path.parent / "parquet"
    assert folder.is_dir()
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    tables = {
        r[0]
        for r in wh.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()
    }
    assert {t["table"] for t in manifest["tables"]} == {f"marts.{t}" for t in tables}
    con = duckdb.connect()
    try:
        for t in manifest["tables"]:
            n = con.execute(f"SELECT count(*) FROM read_parquet('{folder / t['file']}')").fetchone()[0]
            assert n == t["rows"] == wh.execute(f"SELECT count(*) FROM {t['table']}").fetchone()[0]
        sql = (
            f"SELECT region_code, value FROM read_parquet('{folder / 'observations.parquet'}') "
            "WHERE indicator_id = 'pop_all_65plus' AND length(region_code) = 5"
        )
        values = dict(con.execute(sql).fetchall())
    finally:
        con.close()
    raw = raw_counts()
    for code in SAMPLE:
        assert values[code] == raw[code]["pop_all_65plus"]
