"""The built warehouse against its contract, against the raw files (read here independently) and published figures.

Expected values come from the raw files read with ``csv``/``openpyxl`` in this module and from figures published with
the data; never from constants in the loaders.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from etl.__main__ import main
from kpidash.config import RAW_DIR
from tests.conftest import open_readonly

pytestmark = pytest.mark.integration

PREFS = [f"{i:02d}" for i in range(1, 48)]
TOKYO_AREA = ("11", "12", "13", "14")
AGGREGATES = ("00", "TKY", "NTK")

ESRI_2022 = RAW_DIR / "esri_kenmin_2022"
ESRI_2018 = RAW_DIR / "esri_kenmin_2018"
JUKIBAN_PREF = RAW_DIR / "population_jukiban" / "pref_population_age_sex_jukiban_1995_2024.csv"
JUKIBAN_MUNI = RAW_DIR / "population_jukiban" / "muni_population_age_sex_jukiban_2023-01-01.csv"
MIGRATION_SEX = RAW_DIR / "migration" / "interpref_migration_sex_2010_2025.csv"
MIGRATION_AGE = RAW_DIR / "migration" / "interpref_migration_age_sex_2025.csv"
LFS = RAW_DIR / "labour_force_survey" / "lfs_pref_quarterly_model_estimates_1997q1_2020q2.csv"
CENSUS = RAW_DIR / "census_employment" / "pref_employed_census_2015_2020.csv"
PREF_MASTER = RAW_DIR / "prefecture_master" / "prefecture_master.csv"


# ---------------------------------------------------------------- independent readers of the raw files


@cache
def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def esri_table(path: Path) -> tuple[dict[tuple[str, int], float], dict[int, float]]:
    """Sheet 実数 of an ESRI 総括表: ({(pref_code, fiscal_year): value}, {fiscal_year: 全県計})."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [tuple(r) for r in wb["実数"].iter_rows(values_only=True)]
    finally:
        wb.close()
    header = next(r for r in rows if sum(isinstance(v, int) and 1990 < v < 2100 for v in r) >= 5)
    year_at = {j: v for j, v in enumerate(header) if isinstance(v, int) and 1990 < v < 2100}
    prefs: dict[tuple[str, int], float] = {}
    national: dict[int, float] = {}
    for r in rows[rows.index(header) + 1 :]:
        if r[0] == "地域ブロック":
            break
        if isinstance(r[0], str) and r[0] in PREFS:
            prefs.update({(r[0], y): float(r[j]) for j, y in year_at.items()})
        elif r[1] == "全県計":
            national = {y: float(r[j]) for j, y in year_at.items()}
    assert len(prefs) == 47 * len(year_at), path
    return prefs, national


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- warehouse helpers


def series(wh: duckdb.DuckDBPyConnection, indicator_id: str) -> dict[tuple[str, int], float]:
    rows = wh.execute(
        "SELECT region_code, period, value FROM marts.observations WHERE indicator_id = ?", [indicator_id]
    ).fetchall()
    return {(r, int(p)): v for r, p, v in rows}


def value(wh: duckdb.DuckDBPyConnection, indicator_id: str, region: str, period: int) -> float:
    rows = wh.execute(
        "SELECT value FROM marts.observations WHERE indicator_id = ? AND region_code = ? AND period = ?",
        [indicator_id, region, period],
    ).fetchall()
    assert len(rows) == 1, f"{indicator_id} / {region} / {period}: {len(rows)} rows"
    return rows[0][0]


def prefecture_part(s: dict[tuple[str, int], float]) -> dict[tuple[str, int], float]:
    return {k: v for k, v in s.items() if k[0] in PREFS}


# ---------------------------------------------------------------- contract


CONTRACT_COLUMNS = {
    "regions": {"region_code", "name_ja", "name_en", "level", "parent_code"},
    "indicators": {"indicator_id", "name_ja", "name_en", "unit", "period_type", "source_id", "description", "additive"},
    "observations": {"indicator_id", "region_code", "period", "value", "source_id", "derivation"},
    "sources": {"source_id", "publisher", "title", "table_name", "url", "licence", "vintage", "citation_ja", "sha256"},
}


@pytest.mark.parametrize("table", sorted(CONTRACT_COLUMNS))
def test_contract_table_has_its_columns(wh: duckdb.DuckDBPyConnection, table: str) -> None:
    cols = {
        c
        for (c,) in wh.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ?",
            [table],
        ).fetchall()
    }
    assert cols, f"marts.{table} does not exist"
    assert CONTRACT_COLUMNS[table] <= cols, CONTRACT_COLUMNS[table] - cols
    (n,) = wh.execute(f"SELECT count(*) FROM marts.{table}").fetchone()  # type: ignore[misc]
    assert n > 0


REQUIRED = [
    # indicator_id, unit, period_type, periods
    ("gdp_nominal", "百万円", "fiscal_year", range(2011, 2023)),
    ("gdp_nominal_h30", "百万円", "fiscal_year", range(2006, 2019)),
    ("employed_workplace_h30", "人", "fiscal_year", range(2006, 2019)),
    ("pop_jp_total", "人", "reference_date", range(1995, 2025)),
    ("pop_jp_f_total", "人", "reference_date", range(1995, 2025)),
    ("pop_jp_15_29", "人", "reference_date", range(1995, 2025)),
    ("pop_jp_f_15_29", "人", "reference_date", range(1995, 2025)),
    ("net_migration_jp", "人", "calendar_year", range(2010, 2026)),
    ("net_migration_jp_f", "人", "calendar_year", range(2010, 2026)),
]


@pytest.mark.parametrize(("indicator_id", "unit", "period_type", "periods"), REQUIRED, ids=[r[0] for r in REQUIRED])
def test_required_indicator(
    wh: duckdb.DuckDBPyConnection, indicator_id: str, unit: str, period_type: str, periods: range
) -> None:
    row = wh.execute(
        "SELECT unit, period_type, name_ja, name_en, additive FROM marts.indicators WHERE indicator_id = ?",
        [indicator_id],
    ).fetchall()
    assert len(row) == 1, f"{indicator_id} missing from marts.indicators"
    got_unit, got_type, name_ja, name_en, additive = row[0]
    assert (got_unit, got_type) == (unit, period_type)
    assert name_ja and name_en
    assert additive is True
    s = series(wh, indicator_id)
    assert {p for _, p in s} == set(periods)
    for p in periods:  # every period: all 47 prefectures and the three aggregates
        assert {r for r, q in s if q == p} >= {*PREFS, *AGGREGATES}, p


def test_catalogue_is_complete(wh: duckdb.DuckDBPyConnection) -> None:
    df = wh.execute("SELECT * FROM marts.indicators").df()
    assert len(df) >= 80
    assert df["indicator_id"].is_unique
    assert df["indicator_id"].str.fullmatch(r"[a-z][a-z0-9_]*").all()
    for col in ("name_ja", "name_en", "source_id"):  # unit may be empty for a pure number (total fertility rate)
        assert (df[col].fillna("").str.strip() != "").all(), col
    assert df["unit"].notna().all()
    assert set(df["period_type"]) <= {"fiscal_year", "calendar_year", "reference_date"}
    # every indicator has data
    with_data = {i for (i,) in wh.execute("SELECT DISTINCT indicator_id FROM marts.observations").fetchall()}
    assert set(df["indicator_id"]) == with_data


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("observations", "indicator_id, region_code, period"),
        ("indicators", "indicator_id"),
        ("regions", "region_code"),
        ("sources", "source_id"),
    ],
)
def test_primary_key_is_unique_and_not_null(wh: duckdb.DuckDBPyConnection, table: str, key: str) -> None:
    dups = wh.execute(f"SELECT {key}, count(*) FROM marts.{table} GROUP BY ALL HAVING count(*) > 1 LIMIT 5").fetchall()
    assert dups == []
    nulls = " OR ".join(f"{k.strip()} IS NULL" for k in key.split(","))
    (n,) = wh.execute(f"SELECT count(*) FROM marts.{table} WHERE {nulls}").fetchone()  # type: ignore[misc]
    assert n == 0


def test_observation_values_are_finite(wh: duckdb.DuckDBPyConnection) -> None:
    (n,) = wh.execute(  # type: ignore[misc]
        "SELECT count(*) FROM marts.observations WHERE value IS NULL OR isnan(value) OR isinf(value)"
    ).fetchone()
    assert n == 0


# ---------------------------------------------------------------- regions


def test_prefectures_in_jis_order_with_names(wh: duckdb.DuckDBPyConnection) -> None:
    got = wh.execute(
        "SELECT region_code, name_ja, name_en, parent_code FROM marts.regions WHERE level = 'prefecture' ORDER BY sort_key"
    ).fetchall()
    master = [(r["pref_code"], r["name_ja"], r["name_en"], "00") for r in csv_rows(PREF_MASTER)]
    assert [g[0] for g in got] == PREFS
    assert got == master
    assert dict(zip([g[0] for g in got], [g[1] for g in got], strict=True))["13"] == "東京都"
    sql = "SELECT region_code FROM marts.regions WHERE level = 'prefecture' AND tokyo_area"
    tky = {r for (r,) in wh.execute(sql).fetchall()}
    assert tky == set(TOKYO_AREA)


def test_aggregate_regions(wh: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r: (lvl, name_ja, name_en)
        for r, lvl, name_ja, name_en in wh.execute(
            "SELECT region_code, level, name_ja, name_en FROM marts.regions WHERE region_code IN ('00', 'TKY', 'NTK')"
        ).fetchall()
    }
    assert set(rows) == {"00", "TKY", "NTK"}
    assert rows["00"][0] == "national"
    assert all(n_ja and n_en for _, n_ja, n_en in rows.values())
    first = [r for (r,) in wh.execute("SELECT region_code FROM marts.regions ORDER BY sort_key LIMIT 3").fetchall()]
    assert first == ["00", "TKY", "NTK"]


def test_municipalities(wh: duckdb.DuckDBPyConnection) -> None:
    munis = wh.execute(
        "SELECT region_code, parent_code FROM marts.regions WHERE level = 'municipality' ORDER BY region_code"
    ).fetchall()
    assert len(munis) == 1_741
    assert all(len(code) == 5 and code.isdigit() and code[:2] == parent for code, parent in munis)
    # the 2023 register lists these as municipalities or designated cities (wards and 郡 subtotals are not regions)
    raw = sorted(
        r["muni_code_5"]
        for r in csv_rows(JUKIBAN_MUNI)
        if r["sex"] == "total" and r["entity_type"] in ("municipality", "designated_city")
    )
    assert [c for c, _ in munis] == raw


# ---------------------------------------------------------------- aggregates


@pytest.fixture(scope="module")
def all_obs(warehouse_path: Path) -> pd.DataFrame:
    con = open_readonly(warehouse_path)
    try:
        return con.execute(
            "SELECT o.*, i.additive FROM marts.observations o JOIN marts.indicators i USING (indicator_id)"
        ).df()
    finally:
        con.close()


def test_aggregates_are_sums_of_prefectures_for_additive_indicators(all_obs: pd.DataFrame) -> None:
    add = all_obs[all_obs["additive"]]
    pref = add[add["region_code"].isin(PREFS)].copy()
    pref["area"] = pref["region_code"].map(lambda c: "TKY" if c in TOKYO_AREA else "NTK")
    by_area = pref.groupby(["indicator_id", "period", "area"])["value"].sum().unstack("area")
    expected = by_area.assign(**{"00": by_area["TKY"] + by_area["NTK"]})
    counts = pref.groupby(["indicator_id", "period"])["region_code"].nunique()
    assert (counts == 47).all()
    got = add[add["region_code"].isin(AGGREGATES)].pivot_table(
        index=["indicator_id", "period"], columns="region_code", values="value", aggfunc="sum"
    )
    assert set(got.index) == set(expected.index), "every additive indicator × period has TKY, NTK and 00"
    assert got.notna().all().all()
    for col in AGGREGATES:
        e = expected.loc[got.index, col]
        diff = (got[col] - e).abs()
        bad = diff[diff > 0.5 + 1e-9 * e.abs()]
        assert bad.empty, f"{col}: {bad.head().to_dict()}"
    # TKY and NTK are always computed; 00 comes from the source where it publishes a national row. A derived sum
    # (formula type `sum`, e.g. va_subtotal) is derived on every row, its aggregates included (values checked above).
    derived_sums = set(add.loc[add["region_code"].isin(PREFS) & (add["derivation"] == "derived"), "indicator_id"])
    assert derived_sums == {"va_subtotal"}
    derivs = add[add["region_code"].isin(["TKY", "NTK"]) & ~add["indicator_id"].isin(derived_sums)]["derivation"]
    assert set(derivs) == {"sum_of_prefectures"}
    assert set(add.loc[add["indicator_id"].isin(derived_sums), "derivation"]) == {"derived"}


@pytest.mark.parametrize("indicator_id", ["gdp_real", "income_per_capita", "gdp_real_h30", "gdp_deflator_h30"])
def test_non_additive_indicator_has_no_aggregates(wh: duckdb.DuckDBPyConnection, indicator_id: str) -> None:
    (additive,) = wh.execute(  # type: ignore[misc]
        "SELECT additive FROM marts.indicators WHERE indicator_id = ?", [indicator_id]
    ).fetchone()
    assert additive is False
    s = series(wh, indicator_id)
    assert s, indicator_id
    assert {r for r, _ in s} == set(PREFS)


def test_no_summed_rows_for_any_non_additive_indicator(all_obs: pd.DataFrame) -> None:
    non = all_obs[~all_obs["additive"] & all_obs["region_code"].isin(AGGREGATES)]
    assert set(non["derivation"]) <= {"derived"}  # ratios of sums (e.g. productivity) are allowed, sums are not


# ---------------------------------------------------------------- values against the raw files


ESRI_CASES = [
    ("gdp_nominal", ESRI_2022 / "soukatu1.xlsx", True),
    ("gdp_real", ESRI_2022 / "soukatu2.xlsx", False),
    ("income_per_capita", ESRI_2022 / "soukatu7.xlsx", False),
    ("population_esri", ESRI_2022 / "soukatu9.xlsx", True),
    ("gdp_nominal_h30", ESRI_2018 / "soukatu1_2018.xlsx", True),
    ("employed_workplace_h30", ESRI_2018 / "soukatu10_2018.xlsx", True),
    ("gdp_deflator_h30", ESRI_2018 / "soukatu3_2018.xlsx", False),
]


@pytest.mark.parametrize(("indicator_id", "path", "additive"), ESRI_CASES, ids=[c[0] for c in ESRI_CASES])
def test_esri_series_equals_workbook(
    wh: duckdb.DuckDBPyConnection, indicator_id: str, path: Path, additive: bool
) -> None:
    prefs, national = esri_table(path)
    s = series(wh, indicator_id)
    assert prefecture_part(s) == prefs
    if additive:
        assert {p: v for (r, p), v in s.items() if r == "00"} == national


@pytest.mark.parametrize("indicator_id", ["pop_jp_total", "pop_jp_f_total", "pop_jp_15_29", "pop_jp_f_15_29"])
def test_jukiban_series_equals_csv(wh: duckdb.DuckDBPyConnection, indicator_id: str) -> None:
    sex = "female" if "_f_" in indicator_id else "total"
    young = indicator_id.endswith("15_29")
    expected = {}
    for r in csv_rows(JUKIBAN_PREF):
        if r["scope"] == "japanese" and r["sex"] == sex:
            v = sum(int(r[c]) for c in ("age_15_19", "age_20_24", "age_25_29")) if young else int(r["total"])
            expected[(r["pref_code"], int(r["year"]))] = float(v)
    s = series(wh, indicator_id)
    assert len(expected) == 48 * 30
    assert {k: v for k, v in s.items() if k[0] in ("00", *PREFS)} == expected


def test_municipality_populations_equal_csv(wh: duckdb.DuckDBPyConnection) -> None:
    raw = {
        r["muni_code_5"]: float(r["total"])
        for r in csv_rows(JUKIBAN_MUNI)
        if r["sex"] == "total" and r["entity_type"] in ("municipality", "designated_city")
    }
    s = series(wh, "pop_all_total")
    got = {r: v for (r, p), v in s.items() if len(r) == 5 and p == 2023}
    assert got == raw
    assert sum(raw.values()) == 125_416_877
    assert value(wh, "pop_all_total", "00", 2023) == 125_416_877


@pytest.mark.parametrize(("indicator_id", "sex"), [("net_migration_jp", "total"), ("net_migration_jp_f", "female")])
def test_migration_series_equals_csv(wh: duckdb.DuckDBPyConnection, indicator_id: str, sex: str) -> None:
    rows = [r for r in csv_rows(MIGRATION_SEX) if r["nationality"] == "japanese" and r["sex"] == sex]
    expected = {
        (r["pref_code"], int(r["year"])): float(r["net_migration"]) for r in rows if r["area_type"] == "prefecture"
    }
    assert len(expected) == 47 * 16
    s = series(wh, indicator_id)
    assert prefecture_part(s) == expected
    # our Tokyo-area sums equal the 東京圏 rows the report publishes (from 2017)
    published = {int(r["year"]): float(r["net_migration"]) for r in rows if r["area_name"] == "東京圏"}
    assert set(published) == set(range(2017, 2026))
    assert {y: s[("TKY", y)] for y in published} == published


def test_young_migration_equals_age_table(wh: duckdb.DuckDBPyConnection) -> None:
    young = ("15_19", "20_24", "25_29")
    expected: dict[str, float] = defaultdict(float)
    for r in csv_rows(MIGRATION_AGE):
        if r["sex"] == "female" and r["age_group"] in young and r["area_type"] in ("prefecture", "metro_area"):
            key = r["pref_code"] if r["area_type"] == "prefecture" else r["area_name"]
            expected[key] += float(r["net_migration"])
    s = series(wh, "net_migration_all_f_15_29")
    assert {r: v for (r, _), v in s.items() if r in PREFS} == {p: expected[p] for p in PREFS}
    assert s[("TKY", 2025)] == expected["東京圏"] == 67_440


def test_lfs_annual_values_are_means_of_four_quarters(wh: duckdb.DuckDBPyConnection) -> None:
    quarters: dict[tuple[str, int], list[float]] = defaultdict(list)
    for r in csv_rows(LFS):
        quarters[(r["pref_code"], int(r["year"]))].append(float(r["employed_thousand"]))
    full = {k: sum(v) / 4 for k, v in quarters.items() if len(v) == 4}
    partial = {k for k, v in quarters.items() if len(v) != 4}
    assert {y for _, y in partial} == {2020}  # the file ends in 2020Q2
    s = prefecture_part(series(wh, "lfs_employed"))
    assert set(s) == set(full)
    assert all(s[k] == pytest.approx(v, abs=1e-9) for k, v in full.items())


@pytest.mark.parametrize(
    ("indicator_id", "column"),
    [("census_employed_residence", "employed_residence"), ("census_employed_workplace", "employed_place_of_work")],
)
def test_census_series_equals_csv(wh: duckdb.DuckDBPyConnection, indicator_id: str, column: str) -> None:
    expected = {(r["pref_code"], int(r["census_year"])): float(r[column]) for r in csv_rows(CENSUS) if r[column]}
    s = series(wh, indicator_id)
    assert {k: v for k, v in s.items() if k[0] in ("00", *PREFS)} == expected


# ---------------------------------------------------------------- published figures


def test_gdp_fy2022_published(wh: duckdb.DuckDBPyConnection) -> None:
    prefs, national = esri_table(ESRI_2022 / "soukatu1.xlsx")
    raw_sum = sum(v for (_, y), v in prefs.items() if y == 2022)
    assert raw_sum == national[2022] == 595_919_672
    assert value(wh, "gdp_nominal", "00", 2022) == 595_919_672
    assert value(wh, "gdp_nominal", "TKY", 2022) + value(wh, "gdp_nominal", "NTK", 2022) == 595_919_672
    assert value(wh, "gdp_nominal", "13", 2022) == prefs[("13", 2022)] == 120_219_929
    assert value(wh, "gdp_nominal", "41", 2022) == prefs[("41", 2022)] == 3_279_773
    assert value(wh, "gdp_nominal", "TKY", 2022) == sum(prefs[(c, 2022)] for c in TOKYO_AREA)


@pytest.mark.parametrize(
    ("region", "year", "published"),
    [("00", 2006, 64_606_393), ("00", 2011, 64_376_520), ("00", 2018, 65_651_921), ("13", 2018, 10_083_227)],
)
def test_employed_h30_published(wh: duckdb.DuckDBPyConnection, region: str, year: int, published: int) -> None:
    prefs, national = esri_table(ESRI_2018 / "soukatu10_2018.xlsx")
    raw = national[year] if region == "00" else prefs[(region, year)]
    assert raw == published
    assert value(wh, "employed_workplace_h30", region, year) == published
    if region == "00":
        assert sum(v for (_, y), v in prefs.items() if y == year) == published


def test_productivity_h30_published(wh: duckdb.DuckDBPyConnection) -> None:
    gdp, _ = esri_table(ESRI_2018 / "soukatu1_2018.xlsx")
    emp, _ = esri_table(ESRI_2018 / "soukatu10_2018.xlsx")

    def raw_productivity(codes: Sequence[str], year: int) -> float:  # 千円 per person: Σ GDP / Σ employed
        return sum(gdp[(c, year)] for c in codes) / sum(emp[(c, year)] for c in codes) * 1000

    areas = {"TKY": TOKYO_AREA, "NTK": [c for c in PREFS if c not in TOKYO_AREA], "00": PREFS}
    for region, codes in areas.items():
        for year in (2011, 2018):
            assert value(wh, "productivity_nominal_h30", region, year) == pytest.approx(raw_productivity(codes, year))

    def growth(region: str) -> float:
        return (
            value(wh, "productivity_nominal_h30", region, 2018) / value(wh, "productivity_nominal_h30", region, 2011)
            - 1
        )

    assert round(growth("NTK") * 100, 1) == 9.7
    assert round(growth("TKY") * 100, 1) == 3.0
    assert round(value(wh, "productivity_nominal_h30", "00", 2018) / 1000, 2) == 8.61  # million yen per person


def test_population_published(wh: duckdb.DuckDBPyConnection) -> None:
    raw = {
        (r["scope"], r["year"]): int(r["total"])
        for r in csv_rows(JUKIBAN_PREF)
        if r["pref_code"] == "00" and r["sex"] == "total"
    }
    assert raw[("japanese", "2024")] == value(wh, "pop_jp_total", "00", 2024) == 121_561_801
    assert raw[("total", "2023")] == value(wh, "pop_all_total", "00", 2023) == 125_416_877


@pytest.mark.parametrize(("year", "share"), [(1995, 71.8), (2024, 68.3)])
def test_young_japanese_women_outside_tokyo_area_share(wh: duckdb.DuckDBPyConnection, year: int, share: float) -> None:
    ntk = value(wh, "pop_jp_f_15_29", "NTK", year)
    nat = value(wh, "pop_jp_f_15_29", "00", year)
    assert round(ntk / nat * 100, 1) == share
    raw = {
        r["pref_code"]: sum(int(r[c]) for c in ("age_15_19", "age_20_24", "age_25_29"))
        for r in csv_rows(JUKIBAN_PREF)
        if r["scope"] == "japanese" and r["sex"] == "female" and r["year"] == str(year)
    }
    assert ntk == sum(v for c, v in raw.items() if c in PREFS and c not in TOKYO_AREA)
    assert nat == raw["00"] == sum(raw[c] for c in PREFS)


def test_migration_published(wh: duckdb.DuckDBPyConnection) -> None:
    assert value(wh, "net_migration_jp", "TKY", 2019) == 145_576
    assert value(wh, "net_migration_all_f_15_29", "TKY", 2025) == 67_440


@pytest.mark.parametrize(
    ("indicator_id", "region", "year", "published"),
    [
        ("census_employed_residence", "00", 2015, 58_919_036),
        ("census_employed_residence", "00", 2020, 57_643_225),
        ("census_employed_workplace", "13", 2020, 8_029_649),
    ],
)
def test_census_published(
    wh: duckdb.DuckDBPyConnection, indicator_id: str, region: str, year: int, published: int
) -> None:
    assert value(wh, indicator_id, region, year) == published


# ---------------------------------------------------------------- provenance


def raw_file_named(name: str) -> Path:
    matches = [p for p in RAW_DIR.rglob(name) if p.is_file()]
    assert len(matches) == 1, f"{name}: {matches}"
    return matches[0]


def test_every_indicator_cites_a_verified_source(wh: duckdb.DuckDBPyConnection) -> None:
    sources = wh.execute("SELECT source_id, citation_ja, licence, sha256, file, url FROM marts.sources").df()
    sources = sources.set_index("source_id")
    used = {s for (s,) in wh.execute("SELECT DISTINCT source_id FROM marts.indicators").fetchall()}
    used |= {s for (s,) in wh.execute("SELECT DISTINCT source_id FROM marts.observations").fetchall()}
    assert used <= set(sources.index), used - set(sources.index)
    for sid, src in sources.iterrows():
        assert src["citation_ja"].strip(), sid
        assert src["licence"].strip(), sid
        assert src["url"].strip(), sid
        assert src["sha256"] == sha256_file(raw_file_named(src["file"])), sid


@pytest.mark.parametrize(
    ("indicator_id", "source_id"),
    [
        ("gdp_nominal", "esri2022_soukatu1"),
        ("gdp_nominal_h30", "esri2018_soukatu1"),
        ("employed_workplace_h30", "esri2018_soukatu10"),
        ("productivity_nominal_h30", "esri2018_soukatu1"),
    ],
)
def test_vintages_are_not_mixed(wh: duckdb.DuckDBPyConnection, indicator_id: str, source_id: str) -> None:
    used = wh.execute(
        "SELECT DISTINCT source_id FROM marts.observations WHERE indicator_id = ?", [indicator_id]
    ).fetchall()
    assert used == [(source_id,)]
    (declared,) = wh.execute(  # type: ignore[misc]
        "SELECT source_id FROM marts.indicators WHERE indicator_id = ?", [indicator_id]
    ).fetchone()
    assert declared == source_id


def test_every_esri_series_comes_from_one_release(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        """SELECT i.indicator_id, list(DISTINCT o.source_id) FROM marts.indicators i
           JOIN marts.observations o USING (indicator_id) WHERE i.source_id LIKE 'esri%' GROUP BY 1"""
    ).fetchall()
    assert rows
    for ind, srcs in rows:
        releases = {s.split("_")[0] for s in srcs}
        assert releases == ({"esri2018"} if ind.endswith("_h30") else {"esri2022"}), (ind, srcs)


def test_check_command_passes_on_the_built_warehouse(warehouse_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--warehouse", str(warehouse_path)]) == 0
    assert "All checks passed" in capsys.readouterr().out
