"""ESRI 総括表 parser on tiny workbooks in ESRI's layout (release selection on the real workbooks:
tests/integration/test_esri_releases.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from etl.errors import EtlError
from etl.loaders import esri

PREFS = [f"{i:02d}" for i in range(1, 48)]
YEARS = list(range(2018, 2023))
TITLE = "１．県内総生産（生産側、名目）"
UNIT = "（単位：100万円）"
FIRST_DATA_ROW = 7  # Excel row of 北海道


def cell_value(code: str, year: int) -> int:
    return int(code) * 10_000 + (year - 2000)  # never mistaken for a fiscal year


def default_rows(years: Sequence[int]) -> list[list[Any]]:
    return [[c, f"県{c}", None, *(cell_value(c, y) for y in years)] for c in PREFS]


def make_workbook(
    path: Path,
    *,
    years: Sequence[int] = YEARS,
    rows: list[list[Any]] | None = None,
    title: str = TITLE,
    unit: str = UNIT,
    sheet: str = "実数",
    national: bool = True,
    after_blocks: Iterable[list[Any]] = (
        [None, "北海道・東北", None, 1.5, 2.5],
        ["政令指定都市"],
        [None, "札幌市", None, "x"],
    ),
) -> Path:
    """ESRI layout: title row 1 (column H), unit row 3, fiscal years row 5 from column D, prefectures from row 7."""
    rows = default_rows(years) if rows is None else rows
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws["H1"] = title
    ws["A2"] = "総括表"
    ws["A3"], ws["D3"] = "（実数）", unit
    ws["A4"] = "都道府県"  # the real files put 和暦 labels in row 4
    for j, y in enumerate(years):
        ws.cell(row=5, column=4 + j, value=y)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.cell(row=FIRST_DATA_ROW + i, column=1 + j, value=v)
    n = FIRST_DATA_ROW + len(rows)
    if national:
        numbers = [[v if isinstance(v, int) and not isinstance(v, bool) else 0 for v in r[3:]] for r in rows]
        total = [None, "全県計", None, *(sum(r[j] for r in numbers) for j in range(len(years)))]
        for j, v in enumerate(total):
            ws.cell(row=n, column=1 + j, value=v)
        n += 1
    ws.cell(row=n, column=1, value="地域ブロック")
    for k, r in enumerate(after_blocks, start=1):
        for j, v in enumerate(r):
            ws.cell(row=n + k, column=1 + j, value=v)
    wb.save(path)
    return path


def parse(path: Path) -> dict[str, Any]:
    return esri.parse_soukatu(path)


# ---------------------------------------------------------------- parse_soukatu


def test_parses_values_unit_years_and_national_row(tmp_path: Path) -> None:
    t = parse(make_workbook(tmp_path / "soukatu1.xlsx"))
    assert t["table_no"] == 1
    # the parser returns the NFKC form of the title (full-width brackets become ASCII)
    assert unicodedata.normalize("NFKC", t["title"]) == unicodedata.normalize("NFKC", "県内総生産（生産側、名目）")
    assert t["unit"] == "百万円"
    assert t["years"] == YEARS
    assert t["has_national"] is True
    df = t["data"]
    assert list(df.columns) == ["region_code", "period", "value"]
    pref = df[df["region_code"] != "00"]
    assert len(pref) == 47 * len(YEARS)
    assert sorted(set(pref["region_code"])) == PREFS
    got = {(r, int(p)): v for r, p, v in pref.itertuples(index=False)}
    assert got == {(c, y): float(cell_value(c, y)) for c in PREFS for y in YEARS}
    nat = df[df["region_code"] == "00"].set_index("period")["value"]
    assert nat.to_dict() == {y: float(sum(cell_value(c, y) for c in PREFS)) for y in YEARS}


def test_rows_after_region_blocks_are_not_loaded(tmp_path: Path) -> None:
    # as in ESRI's files: block and city rows with a name in B but no code in A (one holds text)
    t = parse(make_workbook(tmp_path / "soukatu1.xlsx"))
    assert set(t["data"]["region_code"]) == {*PREFS, "00"}
    assert len(t["data"]) == 48 * len(YEARS)


def test_numbered_block_rows_after_the_marker_are_not_loaded(tmp_path: Path) -> None:
    blocks = [[1, "北海道・東北", None, *([1] * len(YEARS))], [2, "関東", None, *([2] * len(YEARS))]]
    t = parse(make_workbook(tmp_path / "soukatu1.xlsx", after_blocks=blocks))
    assert set(t["data"]["region_code"]) == {*PREFS, "00"}


def test_without_national_row(tmp_path: Path) -> None:
    t = parse(make_workbook(tmp_path / "soukatu1.xlsx", national=False))
    assert t["has_national"] is False
    assert "00" not in set(t["data"]["region_code"])


def test_integer_codes_are_zero_padded(tmp_path: Path) -> None:
    rows = default_rows(YEARS)
    for r in rows:
        r[0] = int(r[0])
    t = parse(make_workbook(tmp_path / "soukatu1.xlsx", rows=rows))
    assert sorted(set(t["data"]["region_code"]) - {"00"}) == PREFS


@pytest.mark.parametrize(
    ("title", "unit", "table_no", "expected_unit"),
    [
        ("７．１人当たり県民所得", "（単位：千円）", 7, "千円"),
        ("１０．県内就業者数", "（単位：人）", 10, "人"),
        ("２. 県内総生産（生産側、実質：連鎖方式）", "（単位:100万円）", 2, "百万円"),
    ],
)
def test_title_and_unit_variants(tmp_path: Path, title: str, unit: str, table_no: int, expected_unit: str) -> None:
    t = parse(make_workbook(tmp_path / "t.xlsx", title=title, unit=unit))
    assert (t["table_no"], t["unit"]) == (table_no, expected_unit)


# ---------------------------------------------------------------- errors


def assert_error(path: Path, *parts: str) -> str:
    with pytest.raises(EtlError) as info:
        parse(path)
    message = str(info.value)
    assert path.name in message
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
    return message


def test_missing_sheet(tmp_path: Path) -> None:
    assert_error(make_workbook(tmp_path / "soukatu1.xlsx", sheet="Sheet1"), "sheet 実数 not found", "Sheet1")


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "soukatu1.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert_error(path, "cannot open as an Excel workbook")


def test_unknown_prefecture_code(tmp_path: Path) -> None:
    rows = default_rows(YEARS)
    rows[10][0] = "48"
    assert_error(make_workbook(tmp_path / "soukatu1.xlsx", rows=rows), "unknown prefecture code '48'", "row 17")


def test_duplicated_prefecture_code(tmp_path: Path) -> None:
    rows = default_rows(YEARS)
    rows[12][0] = "12"  # 13 replaced by a second 12
    assert_error(make_workbook(tmp_path / "soukatu1.xlsx", rows=rows), "duplicated prefecture code 12", "row 19")


def test_missing_prefecture(tmp_path: Path) -> None:
    rows = [r for r in default_rows(YEARS) if r[0] != "30"]
    assert_error(make_workbook(tmp_path / "soukatu1.xlsx", rows=rows), "found 46", "30")


@pytest.mark.parametrize(("bad", "shown"), [("abc", "'abc'"), (None, "None"), (True, "True")])
def test_non_numeric_cell_names_row_and_column(tmp_path: Path, bad: object, shown: str) -> None:
    rows = default_rows(YEARS)
    rows[2][5] = bad  # 岩手県 (Excel row 9), third year (column F)
    assert_error(make_workbook(tmp_path / "soukatu1.xlsx", rows=rows), "row 9", "column F", f"non-numeric cell {shown}")


def test_text_in_national_row(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "soukatu1.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["実数"]
    national_row = FIRST_DATA_ROW + 47
    assert ws.cell(row=national_row, column=2).value == "全県計"
    ws.cell(row=national_row, column=4, value="-")
    wb.save(path)
    assert_error(path, f"row {national_row}", "column D")


def test_non_consecutive_years(tmp_path: Path) -> None:
    years = [2011, 2012, 2014, 2015, 2016]
    assert_error(make_workbook(tmp_path / "soukatu1.xlsx", years=years), "not consecutive", "row 5", "2014")


def test_missing_title_or_unit(tmp_path: Path) -> None:
    assert_error(make_workbook(tmp_path / "a.xlsx", title="県内総生産"), "title row")
    assert_error(make_workbook(tmp_path / "b.xlsx", unit="100万円"), "unit")


# ---------------------------------------------------------------- era suffix


@pytest.mark.parametrize(("year", "suffix"), [(2018, "h30"), (2022, "r4"), (2019, "r1"), (2006, "h18")])
def test_era_suffix(year: int, suffix: str) -> None:
    assert esri.era_suffix(year) == suffix
