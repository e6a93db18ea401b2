"""Values of the real warehouse checked against the raw files under data/raw (they need the full ETL, so they are
not in the unit tier)."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from kpidash import config

pytestmark = pytest.mark.integration

TOKYO_AREA = {"11", "12", "13", "14"}
PREFS = [f"{i:02d}" for i in range(1, 48)]


# --------------------------------------------------------------------------------------------------------------------
# Σ/Σ for an aggregate, checked on the real warehouse against the raw ESRI workbooks


def _esri_values(path: str, year: int) -> dict[str, float]:
    """Prefecture code -> value of one fiscal year from an ESRI 総括表 (sheet 実数, rows 7–53, years in row 5)."""
    wb = openpyxl.load_workbook(config.RAW_DIR / path, read_only=True, data_only=True)
    try:
        rows = list(wb["実数"].iter_rows(min_row=1, max_row=53, values_only=True))
    finally:
        wb.close()
    col = list(rows[4]).index(year)
    return {str(r[0]).zfill(2): float(r[col]) for r in rows[6:53]}


def test_aggregate_ratio_is_sum_over_sum(wh) -> None:  # type: ignore[no-untyped-def]
    gdp = _esri_values("esri_kenmin_2018/soukatu1_2018.xlsx", 2015)
    emp = _esri_values("esri_kenmin_2018/soukatu10_2018.xlsx", 2015)
    outside = [c for c in PREFS if c not in TOKYO_AREA]
    assert len(outside) == 43 and set(gdp) == set(PREFS) == set(emp)
    sum_over_sum = sum(gdp[c] for c in outside) / sum(emp[c] for c in outside) * 1000
    mean_of_ratios = sum(gdp[c] / emp[c] * 1000 for c in outside) / 43
    [(stored,)] = wh.execute(
        "SELECT value FROM marts.observations WHERE indicator_id = 'productivity_nominal_h30' "
        "AND region_code = 'NTK' AND period = 2015"
    ).fetchall()
    assert stored == pytest.approx(sum_over_sum, rel=1e-12)
    # The two definitions differ by far more than rounding: the test tells them apart.
    assert abs(mean_of_ratios - sum_over_sum) > 1e-3 * sum_over_sum
    assert stored != pytest.approx(mean_of_ratios, rel=1e-4)


def test_kpi3_breakdown_matches_the_raw_register(use_warehouse):
    from kpidash.service import kpis as service
    from tests.conftest import RAW

    k = service.kpi_by_id("young_women_outside_tokyo")
    cross, title_ja, _, unit = service.prefecture_breakdown(k)
    assert unit == "%" and "2020年→2024年" in title_ja
    counts: dict[tuple[str, int], float] = {}
    with (RAW / "population_jukiban" / "pref_population_age_sex_jukiban_1995_2024.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["scope"] == "japanese" and row["sex"] == "female" and row["pref_code"] in ("02", "13"):
                counts[(row["pref_code"], int(row["year"]))] = sum(
                    float(row[c]) for c in ("age_15_19", "age_20_24", "age_25_29")
                )
    got = cross.set_index("region_code")["value"]
    for code in ("02", "13"):
        assert got[code] == pytest.approx((counts[(code, 2024)] / counts[(code, 2020)] - 1) * 100)
    assert len(cross) == 47


def test_built_warehouse_satisfies_the_contract(warehouse_path) -> None:  # type: ignore[no-untyped-def]
    from kpidash.data import schema

    assert schema.check_warehouse_schema(warehouse_path) == []
    schema.ensure_warehouse_schema(warehouse_path)  # no exception
