"""The three KPIs on the real warehouse, each recomputed independently from the raw files under data/raw.

The raw files are read here with csv/openpyxl only (never through the ETL), so a wrong aggregation, a wrong base year
or a mix of releases in the pipeline shows up as a difference.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from kpidash import config
from kpidash.service.kpis import compute_all

pytestmark = pytest.mark.integration

RAW = config.ROOT / "data" / "raw"
TOKYO_AREA = {"11", "12", "13", "14"}
PREFS = [f"{i:02d}" for i in range(1, 48)]
OUTSIDE = [c for c in PREFS if c not in TOKYO_AREA]


# --------------------------------------------------------------------------------------------------------------------
# Independent readers of the raw files


def esri_table(path: Path) -> dict[int, dict[str, float]]:
    """fiscal year -> prefecture code -> value, from sheet 実数: years in row 5 from column D, prefectures rows 7–53."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(wb["実数"].iter_rows(min_row=1, max_row=53, values_only=True))
    finally:
        wb.close()
    year_row = rows[4]
    cols = {j: int(v) for j, v in enumerate(year_row) if j >= 3 and isinstance(v, int)}
    out: dict[int, dict[str, float]] = {y: {} for y in cols.values()}
    for r in rows[6:53]:
        code = str(r[0]).zfill(2)
        for j, y in cols.items():
            out[y][code] = float(r[j])
    assert all(set(v) == set(PREFS) for v in out.values())
    return out


def ssdse_column(column: str) -> dict[int, dict[str, float]]:
    """年度 -> prefecture code -> value of one SSDSE-B column (地域コード 'R01000' -> '01')."""
    out: dict[int, dict[str, float]] = {}
    with (RAW / "ssdse" / "ssdse_b_2011_2022.csv").open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            out.setdefault(int(rec["年度"]), {})[rec["地域コード"][1:3]] = float(rec[column])
    return out


def ratio(num: dict[str, float], den: dict[str, float], codes: list[str] | set[str]) -> float:
    return sum(num[c] for c in codes) / sum(den[c] for c in codes)


def growth_gap(num: dict[int, dict[str, float]], den: dict[int, dict[str, float]], base: int, year: int) -> float:
    """(Σ/Σ outside growth − Σ/Σ Tokyo-area growth) from ``base`` to ``year``, in points."""

    def growth(codes: list[str] | set[str]) -> float:
        return (ratio(num[year], den[year], codes) / ratio(num[base], den[base], codes) - 1) * 100

    return growth(OUTSIDE) - growth(TOKYO_AREA)


def by_id(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in results}


@pytest.fixture()
def kpis(use_warehouse: Path) -> dict[str, dict[str, Any]]:
    return by_id(compute_all())


# --------------------------------------------------------------------------------------------------------------------
# KPI 1: productivity growth gap


def test_productivity_growth_h30_from_raw(kpis: dict[str, dict[str, Any]]) -> None:
    gdp = esri_table(RAW / "esri_kenmin_2018" / "soukatu1_2018.xlsx")
    emp = esri_table(RAW / "esri_kenmin_2018" / "soukatu10_2018.xlsx")
    ntk_growth = (ratio(gdp[2018], emp[2018], OUTSIDE) / ratio(gdp[2011], emp[2011], OUTSIDE) - 1) * 100
    tky_growth = (ratio(gdp[2018], emp[2018], TOKYO_AREA) / ratio(gdp[2011], emp[2011], TOKYO_AREA) - 1) * 100
    assert ntk_growth == pytest.approx(9.7, abs=0.05)
    assert tky_growth == pytest.approx(3.0, abs=0.05)
    expected = ntk_growth - tky_growth
    assert expected == pytest.approx(6.7, abs=0.1)

    k = kpis["productivity_growth"]
    assert k["headline_variant"] == "h30_release"
    assert k["proxy"] is False
    assert k["growth_base"] == 2011
    assert k["latest"]["period"] == 2018
    assert k["latest"]["value"] == pytest.approx(expected, rel=1e-9)
    # Every year of the headline series, not only the last one.
    series = {p["period"]: p["value"] for p in k["series"]}
    assert sorted(series) == list(range(2011, 2019))
    for year, value in series.items():
        assert value == pytest.approx(growth_gap(gdp, emp, 2011, year), rel=1e-9, abs=1e-9), year
    # The baseline is the latest period ≤ 2025 (here the last fiscal year of the release).
    assert k["baseline"]["period"] == 2018
    h30 = next(v for v in k["variants"] if v["key"] == "h30_release")
    assert h30["indicator"] == "productivity_nominal_h30"
    assert h30["proxy"] is False


def test_productivity_growth_latest_release_uses_the_proxy(kpis: dict[str, dict[str, Any]]) -> None:
    gdp = esri_table(RAW / "esri_kenmin_2022" / "soukatu1.xlsx")
    pop = ssdse_column("15～64歳人口")
    assert sorted(gdp) == list(range(2011, 2023))
    expected = growth_gap(gdp, pop, 2011, 2022)

    k = kpis["productivity_growth"]
    latest = next(v for v in k["variants"] if v["key"] == "latest_release")
    assert latest["indicator"] == "gdp_per_working_age_nominal"
    assert latest["proxy"] is True
    assert latest["growth_base"] == 2011
    assert latest["series"][-1]["period"] == 2022
    assert latest["series"][-1]["value"] == pytest.approx(expected, rel=1e-9)
    # A proxy variant is never the headline while a non-proxy one has data.
    assert k["headline_variant"] != "latest_release"


# --------------------------------------------------------------------------------------------------------------------
# KPI 3: young Japanese women outside the Tokyo area


def jukiban_shares() -> dict[int, tuple[float, float]]:
    """year -> (women 15–29 outside the Tokyo area, share % of the 47 prefectures)."""
    inside: dict[int, float] = {}
    total: dict[int, float] = {}
    outside: dict[int, float] = {}
    path = RAW / "population_jukiban" / "pref_population_age_sex_jukiban_1995_2024.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["scope"] != "japanese" or rec["sex"] != "female" or rec["pref_code"] not in PREFS:
                continue
            y = int(rec["year"])
            v = float(rec["age_15_19"]) + float(rec["age_20_24"]) + float(rec["age_25_29"])
            total[y] = total.get(y, 0.0) + v
            if rec["pref_code"] in TOKYO_AREA:
                inside[y] = inside.get(y, 0.0) + v
            else:
                outside[y] = outside.get(y, 0.0) + v
    return {y: (outside[y], outside[y] / total[y] * 100) for y in total}


def test_young_women_outside_tokyo_from_raw(kpis: dict[str, dict[str, Any]]) -> None:
    raw = jukiban_shares()
    assert raw[1995][1] == pytest.approx(71.8, abs=0.05)  # published-rounded values
    assert raw[2024][1] == pytest.approx(68.3, abs=0.05)

    k = kpis["young_women_outside_tokyo"]
    series = {p["period"]: p["value"] for p in k["series"]}
    assert sorted(series) == sorted(raw)
    for year, (_, share) in raw.items():
        assert series[year] == pytest.approx(share, rel=1e-12), year
    counts = {p["period"]: p["value"] for p in k["counts"]}
    for year, (count, _) in raw.items():
        assert counts[year] == count, year
    assert k["baseline"] == {"period": 2024, "value": pytest.approx(raw[2024][1], rel=1e-12)}
    assert k["latest"]["period"] == 2024
    assert k["proxy"] is False
    assert k["status"] in ("on_track", "off_track", "cannot_tell")
    assert k["observed_from_trend"] is True  # nothing after the 2024 baseline yet
    assert k["reason_ja"] and k["reason_en"]


# --------------------------------------------------------------------------------------------------------------------
# KPI 2: survey


def test_living_outlook_without_survey_file(
    use_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)  # a data folder without survey/living_outlook.csv
    k = by_id(compute_all())["living_outlook"]
    assert k["status"] == "no_data"
    assert "living_outlook.csv" in k["reason_ja"]
    assert "living_outlook.csv" in k["reason_en"]
    assert k["series"] == []


def test_living_outlook_with_a_survey_file(
    use_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # TEST-ONLY numbers (not survey results): written to a temporary data folder, never to data/survey/.
    (tmp_path / "survey").mkdir()
    (tmp_path / "survey" / "living_outlook.csv").write_text(
        "region_code,year,share,n,ci_low,ci_high,source,note\n"
        "00,2019,30.0,1200,,,test fixture,\n"
        "00,2020,31.0,1100,,,test fixture,\n"
        "00,2021,50.0,50,,,test fixture,too few respondents\n"
        "00,2022,32.0,1300,,,test fixture,\n"
        "00,2023,33.0,1250,,,test fixture,\n"
        "01,2023,90.0,1000,,,test fixture,another region\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    k = by_id(compute_all())["living_outlook"]
    # n = 50 < min_n = 100 is excluded from the series, region 01 is not the KPI's region 00.
    assert [(p["period"], p["value"]) for p in k["series"]] == [(2019, 30.0), (2020, 31.0), (2022, 32.0), (2023, 33.0)]
    assert [r["year"] for r in k["survey_rows"]] == [2019, 2020, 2021, 2022, 2023]
    assert k["baseline"] == {"period": 2023, "value": 33.0}
    # Trend of the four points: mean t 2021, Sxy = 3 + 0.5 + 0.5 + 3 = 7, Sxx = 10 → slope 0.7; 2029: 31.5 + 8·0.7 = 37.1.
    # Residuals -0.1, 0.2, -0.2, 0.1 → s = sqrt(0.1/2); half = 2.920·s·sqrt(1 + 1/4 + 64/10) ≈ 1.81 → [35.3, 38.9] > 33.
    assert k["observed_from_trend"] is True
    assert k["observed_rate"] == pytest.approx(0.7)
    assert k["projection"]["value"] == pytest.approx(37.1)
    assert k["status"] == "on_track"


def test_living_outlook_with_a_refused_survey_file(
    use_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "survey").mkdir()
    (tmp_path / "survey" / "living_outlook.csv").write_text(
        "region_code,year,share,n,ci_low,ci_high,source,note\n00,2023,=1+1,1250,,,test fixture,\n", encoding="utf-8"
    )
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    k = by_id(compute_all())["living_outlook"]
    assert k["status"] == "no_data"
    assert "row 2, column share" in k["reason_en"]
    assert "row 2, column share" in k["reason_ja"]


# --------------------------------------------------------------------------------------------------------------------
# Proxy switch: once the latest release's 総括表10 (persons employed) is present, the real ratio replaces the proxy


def fixture_employed(code: str, year: int) -> int:
    """TEST-ONLY persons employed (made-up numbers in ESRI's layout, not official statistics)."""
    c = int(code)
    base = 300_000 + 20_000 * (c % 9) + (2_000_000 if code in TOKYO_AREA else 0)
    step = 4_000 if code in TOKYO_AREA else -1_000
    return base + step * (year - 2011)


def write_fixture_soukatu10(path: Path) -> None:
    """A workbook in ESRI's 総括表 layout with the made-up numbers above (FY2011–2022, like the 2022 release)."""
    years = list(range(2011, 2023))
    names = {}
    with (RAW / "prefecture_master" / "prefecture_master.csv").open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            names[rec["pref_code"]] = rec["name_ja"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "実数"
    ws["H1"] = "１０．県内就業者数"
    ws["M3"] = "（実数）"
    ws["P3"] = "（単位：人）"
    ws["A4"] = "都道府県"
    for j, y in enumerate(years):
        ws.cell(row=5, column=4 + j, value=y)
    for i, code in enumerate(PREFS):
        r = 7 + i
        ws.cell(row=r, column=1, value=code)
        ws.cell(row=r, column=2, value=names[code])
        for j, y in enumerate(years):
            ws.cell(row=r, column=4 + j, value=fixture_employed(code, y))
    ws.cell(row=54, column=2, value="全県計")
    for j, y in enumerate(years):
        ws.cell(row=54, column=4 + j, value=sum(fixture_employed(c, y) for c in PREFS))
    ws.cell(row=55, column=1, value="地域ブロック")
    ws.cell(row=56, column=2, value="北海道・東北")
    wb.save(path)


@pytest.fixture(scope="module")
def switched_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from etl.loaders.base import sha256_of
    from etl.pipeline import build

    root = tmp_path_factory.mktemp("proxy_switch")
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    folder = raw / "esri_kenmin_2022"
    target = folder / "soukatu10.xlsx"
    write_fixture_soukatu10(target)
    meta = yaml.safe_load((folder / "soukatu1.xlsx.meta.yaml").read_text(encoding="utf-8"))
    meta.update(
        source_id="esri2022_soukatu10",
        file="soukatu10.xlsx",
        table_name="総括表10 県内就業者数",
        derived="TEST FIXTURE: made-up numbers in ESRI's layout (tests/integration/test_kpis_real.py)",
        sha256=sha256_of(target),
    )
    (folder / "soukatu10.xlsx.meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    wh = root / "warehouse.duckdb"
    build(raw, wh, out=io.StringIO())
    return wh


def test_real_ratio_replaces_the_proxy(switched_warehouse: Path) -> None:
    gdp = esri_table(RAW / "esri_kenmin_2022" / "soukatu1.xlsx")
    emp = {y: {c: float(fixture_employed(c, y)) for c in PREFS} for y in range(2011, 2023)}

    k = by_id(compute_all(path=switched_warehouse))["productivity_growth"]
    assert k["headline_variant"] == "latest_release"
    assert k["proxy"] is False
    assert k["proxy_note_ja"] == ""
    latest = next(v for v in k["variants"] if v["key"] == "latest_release")
    assert latest["indicator"] == "productivity_nominal"
    assert latest["proxy"] is False
    assert k["growth_base"] == 2011
    assert k["latest"]["period"] == 2022
    assert k["latest"]["value"] == pytest.approx(growth_gap(gdp, emp, 2011, 2022), rel=1e-9)
    for p in k["series"]:
        assert p["value"] == pytest.approx(growth_gap(gdp, emp, 2011, p["period"]), rel=1e-9, abs=1e-9)
    # The older release is still offered as a variant.
    assert {v["key"] for v in k["variants"]} == {"latest_release", "h30_release"}


def test_proxy_warehouse_unchanged_by_the_switch(kpis: dict[str, dict[str, Any]], switched_warehouse: Path) -> None:
    # The session warehouse (no 総括表10 of 2022) still falls back to the proxy for the latest release.
    latest = next(v for v in kpis["productivity_growth"]["variants"] if v["key"] == "latest_release")
    assert latest["indicator"] == "gdp_per_working_age_nominal"
