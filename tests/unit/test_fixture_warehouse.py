"""The synthetic warehouse of tests/fixtures/warehouse.py: built in well under a second, it holds what its docstring
says (checked here against the formulas, recomputed by hand) and passes the app's start-up schema check."""

from __future__ import annotations

import time
from pathlib import Path

from kpidash import config
from kpidash.data.schema import check_warehouse_schema
from tests.conftest import fetch_rows
from tests.fixtures.warehouse import build_fixture_warehouse


def test_builds_in_well_under_a_second(tmp_path: Path) -> None:
    start = time.process_time()
    path = build_fixture_warehouse(tmp_path / "w.duckdb")
    assert time.process_time() - start < 1.0
    assert check_warehouse_schema(path) == []


def test_regions(fixture_warehouse: Path) -> None:
    levels = dict(fetch_rows(fixture_warehouse, "SELECT level, count(*) FROM marts.regions GROUP BY level"))
    assert levels == {"national": 1, "aggregate": 2, "prefecture": 47, "municipality": 5}
    prefs = fetch_rows(
        fixture_warehouse, "SELECT region_code FROM marts.regions WHERE level = 'prefecture' ORDER BY sort_key"
    )
    assert [c for (c,) in prefs] == list(config.PREFECTURE_CODES)
    tokyo = fetch_rows(fixture_warehouse, "SELECT region_code FROM marts.regions WHERE tokyo_area ORDER BY sort_key")
    assert [c for (c,) in tokyo] == ["TKY", "11", "12", "13", "14", "13101", "13103"]


def test_values_follow_the_documented_formulas(fixture_warehouse: Path) -> None:
    def value(indicator: str, region: str, period: int) -> float:
        [(v,)] = fetch_rows(
            fixture_warehouse,
            "SELECT value FROM marts.observations WHERE indicator_id = ? AND region_code = ? AND period = ?",
            [indicator, region, period],
        )
        return float(v)

    # ssdse_pop_total: a = 1000, b = 10 → prefecture 13 in 2019: 1000 × 23 + 10 × 8
    assert value("ssdse_pop_total", "13", 2019) == 23_080.0
    # TKY = 11..14: 1000 × (21 + 22 + 23 + 24) + 4 × 80; 00 = 1000 × Σ(10 + n) + 47 × 80
    assert value("ssdse_pop_total", "TKY", 2019) == 90_320.0
    assert value("ssdse_pop_total", "00", 2019) == 1000 * (470 + 47 * 48 // 2) + 47 * 80
    assert value("ssdse_pop_total", "NTK", 2019) == value("ssdse_pop_total", "00", 2019) - 90_320.0
    # derived: 1000 × gdp_nominal_h30 / employed_workplace_h30, e.g. prefecture 1 in 2014: (4000 × 11 + 150) / (500 × 11 + 6)
    assert value("productivity_nominal_h30", "01", 2014) == 1000 * 44_150 / 5_506
    # municipality 13101 (index 2) in 2020: 1000 × 3 + 1
    assert value("pop_all_total", "13101", 2020) == 3_001.0
    # not additive: no aggregate rows
    assert fetch_rows(
        fixture_warehouse,
        "SELECT count(*) FROM marts.observations WHERE indicator_id = 'income_per_capita' AND region_code = '00'",
    ) == [(0,)]
    # population: female 15_19 (g = 3) of prefecture 2 in 2024 = 10 × 2 + 3 + 4; scope total doubles it
    [(jp, total)] = fetch_rows(
        fixture_warehouse,
        "SELECT max(value) FILTER (WHERE scope = 'japanese'), max(value) FILTER (WHERE scope = 'total') "
        "FROM marts.population_by_age WHERE region_code = '02' AND period = 2024 AND sex = 'female' "
        "AND age_group = '15_19'",
    )
    assert (jp, total) == (27.0, 54.0)


def test_catalogue_coverage_is_counted(fixture_warehouse: Path) -> None:
    rows = fetch_rows(
        fixture_warehouse,
        "SELECT indicator_id, first_period, last_period, n_periods, n_prefectures, n_municipalities, has_aggregates "
        "FROM marts.indicators WHERE indicator_id IN ('gdp_nominal', 'income_per_capita', 'pop_all_total') "
        "ORDER BY indicator_id",
    )
    assert rows == [
        ("gdp_nominal", 2011, 2022, 4, 47, 0, True),
        ("income_per_capita", 2011, 2022, 4, 47, 0, False),
        ("pop_all_total", 2019, 2021, 3, 0, 5, False),
    ]
