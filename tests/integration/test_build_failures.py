"""A bad raw file or a failing data check stops the build with a precise message and keeps the previous warehouse.

The shipped data/raw is copied once; a warehouse is built from the copy; each case then corrupts its own copy of the
raw folder and builds over a copy of that warehouse. One build per case: the CLI is run and the exception that
``etl.pipeline.build`` raised inside it is captured on the way out (see ``run_build``).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

import etl.__main__ as cli
import etl.pipeline
from etl.errors import EtlError
from etl.loaders import migration
from kpidash.config import RAW_DIR

pytestmark = pytest.mark.integration

MIGRATION_SEX = "migration/interpref_migration_sex_2010_2025.csv"
JUKIBAN_PREF = "population_jukiban/pref_population_age_sex_jukiban_1995_2024.csv"
JUKIBAN_MUNI = "population_jukiban/muni_population_age_sex_jukiban_2023-01-01.csv"
LFS = "labour_force_survey/lfs_pref_quarterly_model_estimates_1997q1_2020q2.csv"
ESRI_2022_GDP = "esri_kenmin_2022/soukatu1.xlsx"
ESRI_2018_EMPLOYED = "esri_kenmin_2018/soukatu10_2018.xlsx"
REAL_BUILD = etl.pipeline.build


@dataclass(frozen=True)
class Built:
    raw: Path
    warehouse: Path


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("pristine")
    raw = root / "raw"
    shutil.copytree(RAW_DIR, raw)
    warehouse = root / "warehouse.duckdb"
    REAL_BUILD(raw, warehouse, out=io.StringIO())
    return Built(raw, warehouse)


# ---------------------------------------------------------------- helpers that corrupt a raw copy


def register(path: Path) -> None:
    """Record the new sha256 in the sidecar, as a user would after replacing a file on purpose."""
    assert cli.main(["register", str(path)]) == 0


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_csv_cell(path: Path, line: int, column: str, new: str) -> None:
    """Set one cell; ``line`` is the 1-based line of the file (the header is line 1)."""
    rows = read_csv(path)
    j = rows[0].index(column)
    assert rows[line - 1][j] != new
    rows[line - 1][j] = new
    write_csv(path, rows)


def find_line(path: Path, **match: str) -> int:
    rows = read_csv(path)
    header = rows[0]
    for n, row in enumerate(rows[1:], start=2):
        if all(row[header.index(k)] == v for k, v in match.items()):
            return n
    raise AssertionError(f"no row {match} in {path}")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# ---------------------------------------------------------------- cases


def missing_file(raw: Path) -> None:
    (raw / JUKIBAN_MUNI).unlink()


def truncated_csv(raw: Path) -> None:
    truncate(raw / LFS)  # sidecar left as is


def truncated_xlsx(raw: Path) -> None:
    truncate(raw / ESRI_2022_GDP)
    register(raw / ESRI_2022_GDP)


# Line 14 of the migration file is 青森県 (all movers, 2014): national and 大都市 rows precede it, so a row number
# counted after filtering would differ from the file line.
MIGRATION_BAD_LINE = 14


def unknown_pref_code(raw: Path) -> None:
    path = raw / MIGRATION_SEX
    assert read_csv(path)[MIGRATION_BAD_LINE - 1][4:6] == ["02", "青森県"]
    set_csv_cell(path, MIGRATION_BAD_LINE, "pref_code", "48")
    register(path)


LFS_DUPLICATE_LINE = 6


def duplicated_lfs_row(raw: Path) -> None:
    path = raw / LFS
    rows = read_csv(path)
    rows.insert(LFS_DUPLICATE_LINE - 1, rows[3])  # line 4 (岩手県 1997 Q1) appears again as line 6
    write_csv(path, rows)
    register(path)


JUKIBAN_BAD_LINE = 10


def non_numeric_jukiban(raw: Path) -> None:
    path = raw / JUKIBAN_PREF
    set_csv_cell(path, JUKIBAN_BAD_LINE, "age_05_09", "abc")
    register(path)


def text_in_xlsx(raw: Path) -> None:
    path = raw / ESRI_2018_EMPLOYED
    wb = openpyxl.load_workbook(path)
    ws = wb["実数"]
    assert ws["A20"].value == "14" and isinstance(ws["E20"].value, int | float)  # 神奈川県, FY2007
    ws["E20"] = "abc"
    wb.save(path)
    register(path)


def inconsistent_national_migration(raw: Path) -> None:
    """in − out = net still holds in the row, but Σ prefectures no longer equals the national row."""
    path = raw / MIGRATION_SEX
    line = find_line(path, year="2014", nationality="japanese", area_type="prefecture", pref_code="01", sex="total")
    rows = read_csv(path)
    header = rows[0]
    for col in ("in_migrants", "out_migrants"):
        j = header.index(col)
        rows[line - 1][j] = str(int(rows[line - 1][j]) + 1000)
    write_csv(path, rows)
    register(path)


@dataclass(frozen=True)
class Case:
    mutate: Callable[[Path], None]
    expected: tuple[str, ...]  # substrings of the error message


CASES = {
    "missing_raw_file": Case(missing_file, (Path(JUKIBAN_MUNI).name, "missing")),
    "truncated_csv": Case(truncated_csv, (Path(LFS).name, "sha256", "register")),
    "truncated_xlsx": Case(truncated_xlsx, (Path(ESRI_2022_GDP).name, "cannot open as an Excel workbook")),
    # the row number is checked separately (test_unknown_code_names_the_file_line)
    "unknown_pref_code": Case(
        unknown_pref_code, (Path(MIGRATION_SEX).name, "unknown prefecture code '48'", "pref_code")
    ),
    "duplicated_key": Case(
        duplicated_lfs_row,
        (Path(LFS).name, f"row {LFS_DUPLICATE_LINE}", "duplicated key", "pref_code=03", "year=1997", "quarter=1"),
    ),
    "non_numeric_csv": Case(
        non_numeric_jukiban, (Path(JUKIBAN_PREF).name, f"row {JUKIBAN_BAD_LINE}", "age_05_09", "'abc'")
    ),
    "text_in_xlsx": Case(text_in_xlsx, (Path(ESRI_2018_EMPLOYED).name, "row 20", "column E", "'abc'")),
    "failing_data_check": Case(
        inconsistent_national_migration,
        (
            "check(s) failed",
            "in_migration_jp / 00 / 2014",
            "out_migration_jp / 00 / 2014",
            "previous warehouse is kept",
        ),
    ),
}


# ---------------------------------------------------------------- running the build


def run_build(raw: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, BaseException | None]:
    """Run ``python -m etl build --raw … --warehouse …`` in-process; return its exit code and what build() raised."""
    raised: list[BaseException] = []

    def spy(raw_dir: Path | None = None, wh: Path | None = None, **kw: object) -> etl.pipeline.BuildReport:
        assert (raw_dir, wh) == (raw, warehouse)
        kw["out"] = io.StringIO()
        try:
            return REAL_BUILD(raw_dir, wh, **kw)  # type: ignore[arg-type]
        except BaseException as exc:
            raised.append(exc)
            raise

    monkeypatch.setattr(etl.pipeline, "build", spy)
    monkeypatch.setattr(cli, "build", spy, raising=False)  # in case the CLI ever imports it at module level
    rc = cli.main(["build", "--raw", str(raw), "--warehouse", str(warehouse)])
    assert len(raised) <= 1
    return rc, raised[0] if raised else None


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building-" in p.name)


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_fails_and_keeps_the_previous_warehouse(
    case: Case, pristine: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(pristine.raw, raw)
    warehouse = tmp_path / "out" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy2(pristine.warehouse, warehouse)
    before, mtime = warehouse.read_bytes(), warehouse.stat().st_mtime_ns
    case.mutate(raw)

    rc, exc = run_build(raw, warehouse, monkeypatch)

    assert rc != 0
    assert isinstance(exc, EtlError), exc
    message = str(exc)
    for part in case.expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert f"error: {message}" in capsys.readouterr().err
    assert warehouse.read_bytes() == before
    assert warehouse.stat().st_mtime_ns == mtime
    assert leftovers(warehouse.parent) == []


def test_a_good_build_replaces_the_warehouse(pristine: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control case: the same procedure with an unmodified copy succeeds (so the failures above are the inputs')."""
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"old")
    rc, exc = run_build(pristine.raw, warehouse, monkeypatch)
    assert (rc, exc) == (0, None)
    assert warehouse.read_bytes()[:3] != b"old"
    assert leftovers(tmp_path) == []


def test_unknown_code_names_the_file_line(pristine: Built, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(pristine.raw, raw)
    unknown_pref_code(raw)
    with pytest.raises(EtlError) as info:
        migration.load(raw)
    assert re.search(r"\brow (\d+)\b", str(info.value))
    assert f"row {MIGRATION_BAD_LINE}," in str(info.value)
