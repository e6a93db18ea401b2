"""The three KPIs on the real warehouse, each recomputed independently from the raw files under data/raw.

The raw files are read here with csv/openpyxl only (never through the ETL), so a wrong aggregation, a wrong base year
or a mix of releases in the pipeline shows up as a difference.
"""

from __future__ import annotations

import csv
import io
import math
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
    """年度 -> prefecture code -> value of one SSDSE-B column (地域コード 'R01000' -> '01'): each year from the newest
    edition that has it (SSDSE-B-2026: row 1 item codes, row 2 names), the older edition only for its other years."""
    editions: list[dict[int, dict[str, float]]] = []
    for name, skip in (("ssdse_b_2011_2022.csv", 0), ("SSDSE-B-2026.csv", 1)):
        out: dict[int, dict[str, float]] = {}
        with (RAW / "ssdse" / name).open(encoding="utf-8", newline="") as fh:
            for _ in range(skip):
                next(fh)
            for rec in csv.DictReader(fh):
                out.setdefault(int(rec["年度"]), {})[rec["地域コード"][1:3]] = float(rec[column])
        editions.append(out)
    older, newer = editions
    return {**older, **newer}


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


def test_productivity_growth_is_not_achieved_on_data_older_than_the_strategy(kpis: dict[str, dict[str, Any]]) -> None:
    """The base is FY2022 (kpi_defs.yaml); every loaded fiscal year is ≤ FY2022, so no verdict can be given."""
    gdp = esri_table(RAW / "esri_kenmin_2022" / "soukatu1.xlsx")
    assert max(gdp) == 2022  # the latest fiscal year in the raw release

    k = kpis["productivity_growth"]
    assert k["base_year"] == 2022
    assert k["status"] != "achieved"
    assert k["status"] == "cannot_tell"
    assert "基準年以降の統計が未公表" in k["reason_ja"]
    assert "No statistics published after the base year yet" in k["reason_en"]
    assert k["latest"] is None  # nothing after the base: no progress value
    assert k["context"]["latest"]["period"] == 2022  # the pre-strategy value is context
    assert [r["id"] for r in k["releases"]] == ["esri_kenmin"]
    assert k["releases"][0]["latest_loaded"] == 2022
    assert k["releases"][0]["next_period"] == 2023


def test_productivity_growth_h30_context_from_raw(kpis: dict[str, dict[str, Any]]) -> None:
    gdp = esri_table(RAW / "esri_kenmin_2018" / "soukatu1_2018.xlsx")
    emp = esri_table(RAW / "esri_kenmin_2018" / "soukatu10_2018.xlsx")
    ntk_growth = (ratio(gdp[2018], emp[2018], OUTSIDE) / ratio(gdp[2011], emp[2011], OUTSIDE) - 1) * 100
    tky_growth = (ratio(gdp[2018], emp[2018], TOKYO_AREA) / ratio(gdp[2011], emp[2011], TOKYO_AREA) - 1) * 100
    assert ntk_growth == pytest.approx(9.7, abs=0.05)
    assert tky_growth == pytest.approx(3.0, abs=0.05)

    k = kpis["productivity_growth"]
    h30 = next(v for v in k["variants"] if v["key"] == "h30_release")
    assert h30["indicator"] == "productivity_nominal_h30"
    assert h30["proxy"] is False
    assert h30["covers_base"] is False  # the release ends in FY2018, before the strategy's base
    assert h30["series"] == []
    assert h30["context_base"] == 2011
    context = {p["period"]: p["value"] for p in h30["context_series"]}
    assert sorted(context) == list(range(2011, 2019))
    for year, value in context.items():
        assert value == pytest.approx(growth_gap(gdp, emp, 2011, year), rel=1e-9, abs=1e-9), year
    assert context[2018] == pytest.approx(ntk_growth - tky_growth, rel=1e-9)


def test_productivity_growth_latest_release_uses_the_proxy(kpis: dict[str, dict[str, Any]]) -> None:
    gdp = esri_table(RAW / "esri_kenmin_2022" / "soukatu1.xlsx")
    pop = ssdse_column("15～64歳人口")
    assert sorted(gdp) == list(range(2011, 2023))
    expected = growth_gap(gdp, pop, 2011, 2022)

    k = kpis["productivity_growth"]
    latest = next(v for v in k["variants"] if v["key"] == "latest_release")
    assert latest["indicator"] == "gdp_per_working_age_nominal"
    assert latest["proxy"] is True
    assert latest["covers_base"] is True
    assert latest["context_series"][-1]["period"] == 2022
    assert latest["context_series"][-1]["value"] == pytest.approx(expected, rel=1e-9)
    # Only this release covers the base year, so it carries the status — flagged as a proxy.
    assert k["headline_variant"] == "latest_release"
    assert k["proxy"] is True


@pytest.mark.parametrize("base", [2011, 2015])
def test_growth_from_a_chosen_base_year_matches_the_raw_esri_tables(kpis: dict[str, dict[str, Any]], base: int) -> None:
    """?base_year=…&variant=h30_release: Σ GDP ÷ Σ persons employed per area, growth from the base to FY2018."""
    from kpidash.service.kpis import growth_at_base

    gdp = esri_table(RAW / "esri_kenmin_2018" / "soukatu1_2018.xlsx")
    emp = esri_table(RAW / "esri_kenmin_2018" / "soukatu10_2018.xlsx")

    def growth(codes: list[str] | set[str]) -> float:
        return (ratio(gdp[2018], emp[2018], codes) / ratio(gdp[base], emp[base], codes) - 1) * 100

    def part(table: dict[int, dict[str, float]], codes: list[str] | set[str]) -> float:
        return (sum(table[2018][c] for c in codes) / sum(table[base][c] for c in codes) - 1) * 100

    g = growth_at_base(kpis["productivity_growth"], base, "h30_release")
    assert (g["base_year"], g["latest_year"], g["proxy"]) == (base, 2018, False)
    areas = {a["region_code"]: a for a in g["areas"]}
    for code, codes in (("NTK", OUTSIDE), ("TKY", TOKYO_AREA)):
        assert areas[code]["growth_pct"] == pytest.approx(growth(codes), rel=1e-9)
        assert areas[code]["numerator_growth_pct"] == pytest.approx(part(gdp, codes), rel=1e-9)
        assert areas[code]["denominator_growth_pct"] == pytest.approx(part(emp, codes), rel=1e-9)
    assert g["gap_points"] == pytest.approx(growth(OUTSIDE) - growth(TOKYO_AREA), rel=1e-9)
    d = g["decomposition"]
    assert d["gap_log_points"] == pytest.approx(d["numerator_log_points"] - d["denominator_log_points"], abs=1e-9)
    tokyo = next(p for p in g["prefectures"] if p["region_code"] == "13")
    assert tokyo["gap_points"] == pytest.approx(
        (gdp[2018]["13"] / emp[2018]["13"]) / (gdp[base]["13"] / emp[base]["13"]) * 100 - 100 - growth(TOKYO_AREA),
        rel=1e-9,
    )


def test_the_kpi_api_recomputes_from_a_base_year(client: Any) -> None:
    gdp = esri_table(RAW / "esri_kenmin_2018" / "soukatu1_2018.xlsx")
    emp = esri_table(RAW / "esri_kenmin_2018" / "soukatu10_2018.xlsx")
    expected = growth_gap(gdp, emp, 2015, 2018)
    r = client.get("/api/v1/kpis/productivity_growth?base_year=2015&variant=h30_release")
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "cannot_tell"  # a chosen base year never changes the strategy's verdict
    assert body["growth"]["gap_points"] == pytest.approx(expected, rel=1e-9)
    bad = client.get("/api/v1/kpis/productivity_growth?base_year=2020&variant=h30_release")
    assert bad.status_code == 400
    assert bad.get_json()["parameter"] == "base_year"
    assert "2006–2018" in bad.get_json()["error"]


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
    # The base is the register of 1 January 2025; the loaded editions end in 2024: everything is context.
    assert k["base_year"] == 2025
    assert k["series"] == [] and k["latest"] is None and k["baseline"] is None
    assert k["status"] == "cannot_tell"
    assert "基準年以降の統計が未公表" in k["reason_ja"]
    context = {p["period"]: p["value"] for p in k["context"]["series"]}
    assert sorted(context) == sorted(raw)
    for year, (_, share) in raw.items():
        assert context[year] == pytest.approx(share, rel=1e-12), year
    counts = {p["period"]: p["value"] for p in k["counts"]}
    for year, (count, _) in raw.items():
        assert counts[year] == count, year
    assert k["context"]["latest"] == {"period": 2024, "value": pytest.approx(raw[2024][1], rel=1e-12)}
    assert k["proxy"] is False
    assert k["reason_ja"] and k["reason_en"]


def test_young_groups_from_a_base_year(kpis: dict[str, dict[str, Any]]) -> None:
    from kpidash.service.kpis import groups_at_base

    raw = jukiban_shares()
    groups = {g["key"]: g for g in groups_at_base(kpis["young_women_outside_tokyo"], 2015)}
    assert set(groups) == {"young_women_outside_tokyo", "young_all_share", "women_all_share"}
    assert [g["status_measure"] for g in groups.values()].count(True) == 1
    head = groups["young_women_outside_tokyo"]
    assert head["status_measure"] is True
    assert head["latest"]["count"] == raw[2024][0]
    assert head["share_change_points"] == pytest.approx(raw[2024][1] - raw[2015][1], rel=1e-12)


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
        "00,2024,29.0,1000,,,test fixture,before the base\n"
        "00,2025,30.0,1200,,,test fixture,\n"
        "00,2026,31.0,1100,,,test fixture,\n"
        "00,2027,50.0,50,,,test fixture,too few respondents\n"
        "00,2028,32.0,1300,,,test fixture,\n"
        "00,2029,33.0,1250,,,test fixture,\n"
        "01,2029,90.0,1000,,,test fixture,another region\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    k = by_id(compute_all())["living_outlook"]
    # Base 2025 (kpi_defs.yaml); 2024 is context only; n = 50 < min_n = 100 is excluded; region 01 is not 00.
    assert [(p["period"], p["value"]) for p in k["series"]] == [(2025, 30.0), (2026, 31.0), (2028, 32.0), (2029, 33.0)]
    assert [p["period"] for p in k["context"]["series"]] == [2024, 2025]
    assert [r["year"] for r in k["survey_rows"]] == [2024, 2025, 2026, 2027, 2028, 2029]
    assert k["baseline"] == {"period": 2025, "value": 30.0}
    assert k["latest"] == {"period": 2029, "value": 33.0}
    # Observed change (33 − 30) ÷ (2029 − 2025) = 0.75 a year. Trend of the four points: mean t 2027, mean y 31.5,
    # Sxy = (−2)(−1.5) + (−1)(−0.5) + (1)(0.5) + (2)(1.5) = 7, Sxx = 10 → slope 0.7; at 2029: 31.5 + 2·0.7 = 32.9.
    # Residuals −0.1, 0.2, −0.2, 0.1 → s = sqrt(0.1/2) ≈ 0.2236; half = 2.920·s·sqrt(1 + 1/4 + 4/10) ≈ 0.839
    # → [32.06, 33.74], all above the base 30 → on_track.
    assert k["observed_rate"] == pytest.approx(0.75)
    assert k["projection"]["value"] == pytest.approx(32.9)
    assert k["projection"]["low"] == pytest.approx(32.9 - 2.920 * math.sqrt(0.05) * math.sqrt(1.65), rel=1e-6)
    assert k["status"] == "on_track"
    assert "30.0" in k["why_ja"] and "33.0" in k["why_ja"]


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
    # With the real denominator the release covers the base FY2022 but nothing after it: still no verdict.
    assert k["status"] == "cannot_tell"
    assert latest["context_series"][-1]["period"] == 2022
    assert latest["context_series"][-1]["value"] == pytest.approx(growth_gap(gdp, emp, 2011, 2022), rel=1e-9)
    for p in latest["context_series"]:
        assert p["value"] == pytest.approx(growth_gap(gdp, emp, 2011, p["period"]), rel=1e-9, abs=1e-9)
    # The older release is still offered as a variant.
    assert {v["key"] for v in k["variants"]} == {"latest_release", "h30_release"}


def test_proxy_warehouse_unchanged_by_the_switch(kpis: dict[str, dict[str, Any]], switched_warehouse: Path) -> None:
    # The session warehouse (no 総括表10 of 2022) still falls back to the proxy for the latest release.
    latest = next(v for v in kpis["productivity_growth"]["variants"] if v["key"] == "latest_release")
    assert latest["indicator"] == "gdp_per_working_age_nominal"
