"""SSDSE-B with two editions: precedence, the difference report, the newer edition's code row, absent editions.

The older edition is the 3-prefecture × 2021–2022 fixture; the newer one (SSDSE-B-2026 layout: item-code row, then
names) is written to tmp_path from the same rows — 2022 copied (the overlap) and a made-up 2023 — with synthetic
item codes. Nothing here reads data/raw or a real warehouse.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml

from etl import checks, marts
from etl.errors import EtlError
from etl.loaders import ssdse_b
from etl.loaders.base import LoadResult

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "data" / "ssdse_b_small" / "ssdse"
OLD = "ssdse_b_2011_2022.csv"
NEW = "SSDSE-B-2026.csv"

Rows = list[list[str]]


def fixture_rows() -> Rows:
    with (FIXTURE_DIR / OLD).open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def newer_rows() -> Rows:
    """Code row, names row, the fixture's 2022 rows unchanged, and 2023 rows (2022 values + 1)."""
    names, *data = fixture_rows()
    codes = ["SSDSE-B-2026", "Code", "Prefecture", *(f"A{1000 + j}" for j in range(len(names) - 3))]
    rows_2022 = [r for r in data if r[0] == "2022"]
    rows_2023 = [["2023", *r[1:3], *(str(float(v) + 1) for v in r[3:])] for r in rows_2022]
    return [codes, names, *[x for pair in zip(rows_2023, rows_2022, strict=True) for x in pair]]


def write_csv(path: Path, rows: Rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def write_sidecar(path: Path, source_id: str) -> None:
    meta = {
        "source_id": source_id,
        "file": path.name,
        "publisher": "独立行政法人統計センター",
        "title": "SSDSE-B-2026（県別推移）",
        "table_name": "SSDSE-B 都道府県別推移 109項目",
        "url": "https://www.nstac.go.jp/use/literacy/ssdse/",
        "vintage": "test fixture",
        "licence": "test",
        "citation_ja": "独立行政法人統計センター「SSDSE-B-2026（県別推移）」",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")


def raw_dir(
    tmp_path: Path,
    *,
    older: bool = True,
    newer: Callable[[Rows], None] | bool | None = True,
    newer_source_id: str = "ssdse_b_2026",
) -> Path:
    """A raw folder with the older edition (the fixture, unchanged) and/or a newer one (``newer`` may mutate it)."""
    folder = tmp_path / "raw" / "ssdse"
    folder.mkdir(parents=True)
    if older:
        shutil.copy(FIXTURE_DIR / OLD, folder / OLD)
        shutil.copy(FIXTURE_DIR / (OLD + ".meta.yaml"), folder / (OLD + ".meta.yaml"))
    if newer is not False:
        rows = newer_rows()
        if callable(newer):
            newer(rows)
        write_csv(folder / NEW, rows)
        write_sidecar(folder / NEW, newer_source_id)
    return folder.parent


def col(rows: Rows, name: str) -> int:
    return rows[1].index(name)


def obs_map(result: LoadResult) -> dict[tuple[str, str, int], tuple[float, str]]:
    return {
        (r.indicator_id, r.region_code, r.period): (r.value, r.source_id)
        for r in result.observations.itertuples(index=False)
    }


def tokyo_2022_population(rows: Rows) -> None:
    assert rows[5][:2] == ["2022", "R13000"]  # data rows: 01 2023, 01 2022, 13 2023, 13 2022, …
    rows[5][col(rows, "総人口")] = "14040000"


# ---------------------------------------------------------------- precedence


def test_newer_edition_wins_overlapping_years_older_fills_the_rest(tmp_path: Path) -> None:
    result = ssdse_b.load(raw_dir(tmp_path, newer=tokyo_2022_population))
    got = obs_map(result)
    obs = result.observations
    # years: 2021 only in the older edition, 2022 in both, 2023 only in the newer
    by_year = obs.groupby("period")["source_id"].unique().map(sorted).to_dict()
    assert by_year == {2021: ["ssdse_b"], 2022: ["ssdse_b_2026"], 2023: ["ssdse_b_2026"]}
    assert len(obs) == 3 * 3 * 109  # 3 prefectures × 3 years, no cell twice
    assert not obs.duplicated(["indicator_id", "region_code", "period"]).any()
    assert got[("ssdse_pop_total", "13", 2022)] == (14_040_000, "ssdse_b_2026")  # the newer value, not 14,038,000
    assert got[("ssdse_pop_total", "13", 2021)] == (14_010_000, "ssdse_b")
    assert got[("ssdse_pop_total", "13", 2023)] == (14_038_001, "ssdse_b_2026")
    assert {d["source_id"] for d in result.indicators} == {"ssdse_b_2026"}
    assert [s["source_id"] for s in result.sources] == ["ssdse_b", "ssdse_b_2026"]
    assert {s["file"] for s in result.sources} == {OLD, NEW}


def test_blank_in_the_newer_edition_stays_a_gap(tmp_path: Path) -> None:
    def blank(rows: Rows) -> None:
        rows[3][col(rows, "出生数")] = ""  # 北海道 2022; the older edition has a value there

    result = ssdse_b.load(raw_dir(tmp_path, newer=blank))
    got = obs_map(result)
    assert ("ssdse_births", "01", 2022) not in got
    assert got[("ssdse_births", "01", 2021)][1] == "ssdse_b"
    diffs = result.tables["ssdse_b_edition_diffs"]
    [row] = diffs.to_dict("records")
    assert (row["indicator_id"], row["region_code"], row["period"]) == ("ssdse_births", "01", 2022)
    assert row["older_value"] == float(fixture_rows()[1][fixture_rows()[0].index("出生数")]) and np.isnan(
        row["newer_value"]
    )


def test_code_row_does_not_shift_row_numbers(tmp_path: Path) -> None:
    def bad(rows: Rows) -> None:
        rows[4][col(rows, "婚姻件数")] = "x12"  # 3rd data row = line 5 of the file

    with pytest.raises(EtlError) as exc:
        ssdse_b.load(raw_dir(tmp_path, newer=bad))
    msg = str(exc.value)
    assert NEW in msg and "row 5" in msg and "婚姻件数" in msg


# ---------------------------------------------------------------- the difference report


def notes_of(result: LoadResult) -> list[str]:
    con = duckdb.connect()
    try:
        marts.write_staging(con, [result])
        return checks.notes(con)
    finally:
        con.close()


def test_one_differing_cell_is_reported_not_failed(tmp_path: Path) -> None:
    result = ssdse_b.load(raw_dir(tmp_path, newer=tokyo_2022_population))
    diffs = result.tables["ssdse_b_edition_diffs"]
    assert diffs.to_dict("records") == [
        {
            "indicator_id": "ssdse_pop_total",
            "region_code": "13",
            "period": 2022,
            "older_source_id": "ssdse_b",
            "older_value": 14_038_000.0,
            "newer_source_id": "ssdse_b_2026",
            "newer_value": 14_040_000.0,
        }
    ]
    eds = result.tables["ssdse_b_editions"].set_index("source_id")
    assert eds.at["ssdse_b", "cells_compared_with_newer"] == 3 * 109  # 3 prefectures × 2022
    assert eds.at["ssdse_b", "cells_differing_from_newer"] == 1
    notes = notes_of(result)
    assert notes == [
        "[ssdse_b_editions] SSDSE-B editions: ssdse_b (ssdse/ssdse_b_2011_2022.csv, 2021–2022) supplies 2021; "
        "ssdse_b_2026 (ssdse/SSDSE-B-2026.csv, 2022–2023) supplies 2022–2023; 327 cells held by two editions "
        "compared, 1 difference(s) (newer edition used; all in staging.stg_ssdse_b_edition_diffs)",
        "[ssdse_b_editions] SSDSE-B ssdse_pop_total: 1 cell(s) differ between ssdse_b and ssdse_b_2026: "
        "13 / 2022: 14,038,000 → 14,040,000",
    ]


def test_identical_overlap_reports_zero_differences(tmp_path: Path) -> None:
    result = ssdse_b.load(raw_dir(tmp_path))
    assert result.tables["ssdse_b_edition_diffs"].empty
    [summary] = notes_of(result)
    assert summary.endswith("327 cells held by two editions compared, 0 difference(s)")


# ---------------------------------------------------------------- the newer edition's item-code row


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda rows: rows[0].__setitem__(0, "SSDSE-B-2025"), r"field 1 must be 'SSDSE-B-2026', got 'SSDSE-B-2025'"),
        (lambda rows: rows[0].__setitem__(1, "Kode"), r"field 2 must be 'Code'"),
        (lambda rows: rows[0].__setitem__(10, "総人口"), r"field 11 '総人口' is not an SSDSE item code"),
        (lambda rows: rows[0].__setitem__(10, rows[0][3]), r"field 11 repeats item code 'A1000' \(also field 4\)"),
        (lambda rows: rows.pop(0), r"field 1 must be 'SSDSE-B-2026', got '年度'"),  # the code row is missing
    ],
)
def test_bad_code_row_is_refused_naming_file_and_row(
    tmp_path: Path, mutate: Callable[[Rows], None], pattern: str
) -> None:
    with pytest.raises(EtlError, match=pattern) as exc:
        ssdse_b.load(raw_dir(tmp_path, newer=mutate))
    assert f"{NEW}, row 1: item-code row" in str(exc.value)


def test_sidecar_source_id_must_match_the_edition(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match=r"source_id must be 'ssdse_b_2026'.*got 'ssdse_b'") as exc:
        ssdse_b.load(raw_dir(tmp_path, newer_source_id="ssdse_b"))
    assert NEW + ".meta.yaml" in str(exc.value)


# ---------------------------------------------------------------- absent editions


def test_without_the_newer_edition_the_older_loads_alone(tmp_path: Path) -> None:
    result = ssdse_b.load(raw_dir(tmp_path, newer=False))
    obs = result.observations
    assert set(obs["source_id"]) == {"ssdse_b"} and set(obs["period"]) == {2021, 2022}
    assert len(obs) == 6 * 109
    assert {d["source_id"] for d in result.indicators} == {"ssdse_b"}
    assert [s["source_id"] for s in result.sources] == ["ssdse_b"]
    eds = result.tables["ssdse_b_editions"]
    assert eds[["source_id", "status"]].values.tolist() == [["ssdse_b", "loaded"], ["ssdse_b_2026", "absent"]]
    assert notes_of(result) == [
        "[ssdse_b_editions] SSDSE-B editions: ssdse_b (ssdse/ssdse_b_2011_2022.csv, 2021–2022) supplies 2021–2022",
        "[ssdse_b_editions] SSDSE-B edition ssdse_b_2026 is absent (ssdse/SSDSE-B-2026.csv not found): its years "
        "come from the other edition only",
    ]


def test_without_the_older_edition_the_newer_loads_alone_and_says_so(tmp_path: Path) -> None:
    result = ssdse_b.load(raw_dir(tmp_path, older=False))
    obs = result.observations
    assert set(obs["source_id"]) == {"ssdse_b_2026"} and set(obs["period"]) == {2022, 2023}
    assert [s["source_id"] for s in result.sources] == ["ssdse_b_2026"]
    assert any("ssdse_b is absent (ssdse/ssdse_b_2011_2022.csv not found)" in n for n in notes_of(result))


def test_no_edition_at_all_names_both_files(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match="no SSDSE-B edition found") as exc:
        ssdse_b.load(raw_dir(tmp_path, older=False, newer=False))
    assert OLD in str(exc.value) and NEW in str(exc.value)


def test_a_sidecar_without_its_file_is_an_error_not_an_absent_edition(tmp_path: Path) -> None:
    raw = raw_dir(tmp_path)
    (raw / "ssdse" / NEW).unlink()
    with pytest.raises(EtlError, match="raw file is missing") as exc:
        ssdse_b.load(raw)
    assert NEW in str(exc.value)


def test_staging_tables_have_typed_columns_even_when_empty(tmp_path: Path) -> None:
    result = ssdse_b.load(raw_dir(tmp_path))
    con = duckdb.connect()
    try:
        marts.write_staging(con, [result])
        types = dict(
            con.execute("SELECT column_name, column_type FROM (DESCRIBE staging.stg_ssdse_b_edition_diffs)").fetchall()
        )
    finally:
        con.close()
    assert types == {
        "indicator_id": "VARCHAR",
        "region_code": "VARCHAR",
        "period": "BIGINT",
        "older_source_id": "VARCHAR",
        "older_value": "DOUBLE",
        "newer_source_id": "VARCHAR",
        "newer_value": "DOUBLE",
    }
