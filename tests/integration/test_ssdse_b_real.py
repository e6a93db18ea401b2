"""SSDSE-B loader on the real raw file: completeness, published population totals, a spot check."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from etl.loaders import ssdse_b
from etl.loaders.base import LoadResult
from kpidash.config import PREFECTURE_CODES, RAW_DIR

pytestmark = pytest.mark.integration

RAW_FILE = RAW_DIR / "ssdse" / "ssdse_b_2011_2022.csv"


def csv_rows() -> list[dict[str, str]]:
    with RAW_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def result() -> LoadResult:
    assert RAW_FILE.exists(), f"{RAW_FILE} is shipped with the repository"
    return ssdse_b.load(RAW_DIR)


def test_all_indicators_and_every_cell(result: LoadResult) -> None:
    assert len(result.indicators) == 109
    rows = csv_rows()
    assert len(rows) == 47 * 12
    non_blank = sum(1 for r in rows for k, v in r.items() if k not in ("年度", "地域コード", "都道府県") and v.strip())
    assert len(result.observations) == non_blank


def test_full_column_is_47_by_12(result: LoadResult) -> None:
    obs = result.observations
    pop = obs[obs["indicator_id"] == "ssdse_pop_total"]
    assert len(pop) == 47 * 12
    assert set(pop["region_code"]) == set(PREFECTURE_CODES)
    assert set(pop["period"]) == set(range(2011, 2023))
    assert not pop.duplicated(["region_code", "period"]).any()


@pytest.mark.parametrize(("year", "published"), [(2022, 124_946_000), (2020, 126_146_099)])
def test_total_population_matches_published_total(result: LoadResult, year: int, published: int) -> None:
    obs = result.observations
    pop = obs[(obs["indicator_id"] == "ssdse_pop_total") & (obs["period"] == year)]
    assert len(pop) == 47
    assert pop["value"].sum() == published
    independent = sum(int(r["総人口"]) for r in csv_rows() if int(r["年度"]) == year)
    assert independent == published


def test_tokyo_2022_population_equals_csv_cell(result: LoadResult) -> None:
    [cell] = [r["総人口"] for r in csv_rows() if r["年度"] == "2022" and r["地域コード"] == "R13000"]
    obs = result.observations
    [value] = obs[(obs["indicator_id"] == "ssdse_pop_total") & (obs["region_code"] == "13") & (obs["period"] == 2022)][
        "value"
    ]
    assert value == float(cell)


def test_load_is_fast(result: LoadResult) -> None:
    ssdse_b.load(Path(RAW_DIR))  # warm
    start = time.perf_counter()
    ssdse_b.load(Path(RAW_DIR))
    assert time.perf_counter() - start < 0.5
