"""SSDSE-B on the real raw files (two editions): completeness, published population totals, which edition supplies
which year, spot checks — the expectations read from the CSVs here with csv/pandas, never through the loader."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.__main__ import main
from etl.loaders import ssdse_b
from etl.loaders.base import LoadResult
from kpidash.config import PREFECTURE_CODES, RAW_DIR

pytestmark = pytest.mark.integration

OLDER_FILE = RAW_DIR / "ssdse" / "ssdse_b_2011_2022.csv"  # one header row (names), 2011–2022
NEWER_FILE = RAW_DIR / "ssdse" / "SSDSE-B-2026.csv"  # row 1 item codes, row 2 names, 2012–2023
KEYS = ("年度", "地域コード", "都道府県")


def csv_rows(path: Path = OLDER_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        if path == NEWER_FILE:
            next(fh)  # the item-code row
        return list(csv.DictReader(fh))


def newer_frame() -> pd.DataFrame:
    return pd.read_csv(NEWER_FILE, header=1, dtype={"地域コード": str}, encoding="utf-8")


@pytest.fixture(scope="module")
def result() -> LoadResult:
    assert OLDER_FILE.exists() and NEWER_FILE.exists(), "both SSDSE-B editions are shipped with the repository"
    return ssdse_b.load(RAW_DIR)


def test_all_indicators_and_every_cell(result: LoadResult) -> None:
    assert len(result.indicators) == 109
    older, newer = csv_rows(OLDER_FILE), csv_rows(NEWER_FILE)
    assert len(older) == len(newer) == 47 * 12
    newer_years = {r["年度"] for r in newer}
    assert newer_years == {str(y) for y in range(2012, 2024)}

    def non_blank(rows: list[dict[str, str]]) -> int:
        return sum(1 for r in rows for k, v in r.items() if k not in KEYS and v.strip())

    # every non-blank cell of the newer edition, and of the older one for the years the newer lacks (2011)
    expected = non_blank(newer) + non_blank([r for r in older if r["年度"] not in newer_years])
    assert len(result.observations) == expected


def test_newer_edition_code_row_and_names() -> None:
    with NEWER_FILE.open(encoding="utf-8", newline="") as fh:
        codes, names = next(csv.reader(fh)), next(csv.reader(fh))
    assert codes[:4] == ["SSDSE-B-2026", "Code", "Prefecture", "A1101"]
    with OLDER_FILE.open(encoding="utf-8", newline="") as fh:
        assert names == next(csv.reader(fh))  # same 109 indicators in the same order


def test_full_column_is_47_by_13(result: LoadResult) -> None:
    obs = result.observations
    pop = obs[obs["indicator_id"] == "ssdse_pop_total"]
    assert len(pop) == 47 * 13
    assert set(pop["region_code"]) == set(PREFECTURE_CODES)
    assert set(pop["period"]) == set(range(2011, 2024))
    assert not pop.duplicated(["region_code", "period"]).any()


def test_each_year_comes_from_the_newest_edition_that_has_it(result: LoadResult) -> None:
    by_year = result.observations.groupby("period")["source_id"].unique().map(sorted).to_dict()
    assert by_year == {2011: ["ssdse_b"], **{y: ["ssdse_b_2026"] for y in range(2012, 2024)}}
    assert {d["source_id"] for d in result.indicators} == {"ssdse_b_2026"}
    assert [s["source_id"] for s in result.sources] == ["ssdse_b", "ssdse_b_2026"]


def test_editions_agree_on_2012_to_2022(result: LoadResult) -> None:
    """SOURCES.md: the 517 rows for 2012–2022 are identical cell by cell, so the difference report is empty."""
    older = pd.read_csv(OLDER_FILE, dtype=str, keep_default_na=False).set_index(["年度", "地域コード"])
    newer = pd.read_csv(NEWER_FILE, header=1, dtype=str, keep_default_na=False).set_index(["年度", "地域コード"])
    overlap = older.loc[older.index.isin(newer.index)]
    assert len(overlap) == 47 * 11
    assert overlap.equals(newer.loc[overlap.index])
    assert result.tables["ssdse_b_edition_diffs"].empty
    eds = result.tables["ssdse_b_editions"].set_index("source_id")
    assert eds.at["ssdse_b", "cells_compared_with_newer"] == 47 * 11 * 109
    assert eds.at["ssdse_b", "cells_differing_from_newer"] == 0


@pytest.mark.parametrize(("year", "published"), [(2023, 124_353_000), (2022, 124_946_000), (2020, 126_146_099)])
def test_total_population_matches_published_total(result: LoadResult, year: int, published: int) -> None:
    obs = result.observations
    pop = obs[(obs["indicator_id"] == "ssdse_pop_total") & (obs["period"] == year)]
    assert len(pop) == 47
    assert pop["value"].sum() == published
    independent = sum(int(r["総人口"]) for r in csv_rows(NEWER_FILE) if int(r["年度"]) == year)
    assert independent == published


def test_2011_comes_from_the_older_edition(result: LoadResult) -> None:
    [cell] = [r["総人口"] for r in csv_rows(OLDER_FILE) if r["年度"] == "2011" and r["地域コード"] == "R13000"]
    obs = result.observations
    [(value, source)] = obs[
        (obs["indicator_id"] == "ssdse_pop_total") & (obs["region_code"] == "13") & (obs["period"] == 2011)
    ][["value", "source_id"]].itertuples(index=False)
    assert (value, source) == (float(cell), "ssdse_b")


def test_hokkaido_2023_population_equals_csv_cell(result: LoadResult) -> None:
    [cell] = [r["総人口"] for r in csv_rows(NEWER_FILE) if r["年度"] == "2023" and r["地域コード"] == "R01000"]
    assert cell == "5092000"  # SOURCES.md section 14
    obs = result.observations
    [value] = obs[(obs["indicator_id"] == "ssdse_pop_total") & (obs["region_code"] == "01") & (obs["period"] == 2023)][
        "value"
    ]
    assert value == float(cell)


def test_load_is_fast(result: LoadResult) -> None:
    ssdse_b.load(Path(RAW_DIR))  # warm
    start = time.perf_counter()
    ssdse_b.load(Path(RAW_DIR))
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------- after the real ETL (the session warehouse)


def test_warehouse_has_2023_for_all_prefectures(wh: duckdb.DuckDBPyConnection) -> None:
    df = newer_frame()
    df = df[df["年度"] == 2023]
    expected = pd.Series(df["総人口"].astype(float).to_numpy(), index=df["地域コード"].str[1:3].to_numpy())
    assert len(expected) == 47 and expected.sum() == 124_353_000
    rows = wh.execute(
        "SELECT region_code, value, source_id FROM marts.observations "
        "WHERE indicator_id = 'ssdse_pop_total' AND period = 2023"
    ).fetchall()
    prefs = {r: (v, s) for r, v, s in rows if r in PREFECTURE_CODES}
    assert set(prefs) == set(PREFECTURE_CODES)
    assert {r: v for r, (v, _) in prefs.items()} == expected.to_dict()
    assert {s for _, s in prefs.values()} == {"ssdse_b_2026"}
    national = {r: v for r, v, _ in rows}["00"]
    assert national == sum(v for v, _ in prefs.values()) == 124_353_000


def test_warehouse_source_ids_per_year(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        "SELECT period, list(DISTINCT source_id), count(DISTINCT region_code) FILTER (WHERE length(region_code) = 2 "
        "AND region_code <> '00') FROM marts.observations WHERE indicator_id = 'ssdse_pop_total' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [(p, s, n) for p, s, n in rows] == [
        (2011, ["ssdse_b"], 47),
        *[(y, ["ssdse_b_2026"], 47) for y in range(2012, 2024)],
    ]
    (catalogue,) = wh.execute(
        "SELECT source_id FROM marts.indicators WHERE indicator_id = 'ssdse_pop_total'"
    ).fetchone()  # type: ignore[misc]
    assert catalogue == "ssdse_b_2026"
    sources = dict(wh.execute("SELECT source_id, file FROM marts.sources WHERE source_id LIKE 'ssdse_b%'").fetchall())
    assert sources == {"ssdse_b": OLDER_FILE.name, "ssdse_b_2026": NEWER_FILE.name}


def test_check_command_reports_zero_edition_differences(
    warehouse_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--warehouse", str(warehouse_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "NOTE [ssdse_b_editions] SSDSE-B editions: ssdse_b (ssdse/ssdse_b_2011_2022.csv, 2011–2022) supplies 2011; "
        "ssdse_b_2026 (ssdse/SSDSE-B-2026.csv, 2012–2023) supplies 2012–2023; "
        f"{47 * 11 * 109:,} cells held by two editions compared, 0 difference(s)\n"
    ) in out
    assert "All checks passed" in out
