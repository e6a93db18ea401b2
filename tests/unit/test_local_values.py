"""Own KPIs' values CSV (issue #21): UTF-8 or cp932 read alike; every refusal names the file, row and column."""

from __future__ import annotations

import time

import pytest

from kpidash.data import local_values
from kpidash.data.local_values import MAX_BYTES, LocalValuesError, ValueRow, parse_values

GOOD = (
    "region_code,year,value,n,ci_low,ci_high\r\n"
    "01100,2020,1234,,,\r\n"
    "01100,2021,1300.5,800,1200,1400\r\n"
    "\r\n"
    "13,2021,-2.5e1,,,\r\n"
)
ROWS = (
    ValueRow("01100", 2020, 1234.0),
    ValueRow("01100", 2021, 1300.5, 800, 1200.0, 1400.0),
    ValueRow("13", 2021, -25.0),
)
KNOWN = {"00", "13", "01100"}


def refused(text: str | bytes, name: str = "town.csv", known: set[str] | None = KNOWN) -> list[str]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(LocalValuesError) as info:
        parse_values(data, name, known)
    msgs = [str(i) for i in info.value.issues]
    assert str(info.value) == "\n".join(msgs) and all(m.startswith(f"{name}: ") for m in msgs)
    return msgs


def one(text: str | bytes, **kw) -> str:
    msgs = refused(text, **kw)
    assert len(msgs) == 1, msgs
    return msgs[0]


def test_utf8_bom_and_cp932_read_identically() -> None:
    for data in (
        GOOD.encode("utf-8"),
        GOOD.encode("utf-8-sig"),
        GOOD.encode("cp932"),
        GOOD.replace("\r\n", "\n").encode(),
    ):
        assert parse_values(data, "town.csv", KNOWN) == ROWS
    # Japanese text decodes the same from either encoding (here in a refused cell, quoted in the message).
    bad = "region_code,year,value\n01100,2020,千二百\n"
    assert one(bad.encode("cp932")) == one(bad.encode("utf-8")) == one(bad.encode("utf-8-sig"))
    assert "'千二百' is not a number" in one(bad.encode("cp932"))
    assert local_values.decode("列,値".encode("cp932"), "x.csv") == ("列,値", "cp932")


@pytest.mark.parametrize(
    "junk", [b"region_code,year,value\n00,2020,\x81\x20\n", b"region_code,year,value\n00,\xff\xfe,1\n"]
)
def test_wrong_encoding_is_refused(junk: bytes) -> None:
    assert one(junk) == "town.csv: neither UTF-8 nor cp932 (Shift_JIS) text"


def test_binary_and_huge_files_are_refused_quickly() -> None:
    assert one(b"region_code,year,value\n00,2020,1\x00\n") == "town.csv: binary data (NUL bytes): not a CSV file"
    junk = bytes(range(256)) * (10_000_000 // 256)
    start = time.perf_counter()
    assert one(junk) == f"town.csv: file is larger than {MAX_BYTES:,} bytes"
    assert time.perf_counter() - start < 0.5


def test_header() -> None:
    assert one("region,year,value\n13,2020,1\n") == (
        "town.csv: row 1: header must be region_code,year,value[,n,ci_low,ci_high] (missing region_code; unknown region)"
    )
    assert "repeated value" in one("region_code,year,value,value\n13,2020,1,1\n")
    assert one("region_code,year,value\n") == "town.csv: no rows under the header"
    assert " region_code " not in one(" region_code , year,value,note\n13,2020,1,x\n")  # stripped, then unknown: note


def test_duplicate_rows_name_both_lines() -> None:
    assert one("region_code,year,value\n13,2020,1\n13,2021,2\n13,2020,3\n") == (
        "town.csv: row 4: duplicate region_code/year 13,2020 (first at row 2)"
    )


def test_non_numeric_cells() -> None:
    text = 'region_code,year,value,n\n13,2020,1,2\n13,2021,"1,234",\n13,2022,inf,\n13,20x3,1,\n13,2024,1,2.5\n13,２０２５,1,\n'
    assert refused(text) == [
        "town.csv: row 3, column value: '1,234' is not a number (digits, '.', no thousands separators)",
        "town.csv: row 4, column value: 'inf' is not a number (digits, '.', no thousands separators)",
        "town.csv: row 5, column year: '20x3' is not a whole number",
        "town.csv: row 6, column n: '2.5' is not a whole number",
        "town.csv: row 7, column year: '２０２５' is not a whole number",
    ]


def test_unknown_and_malformed_region_codes() -> None:
    assert (
        one("region_code,year,value\n01202,2020,1\n")
        == "town.csv: row 2, column region_code: unknown region code '01202'"
    )
    assert parse_values(b"region_code,year,value\n01202,2020,1\n", "t.csv", None)[0].region_code == "01202"
    assert "write '01100'" in one("region_code,year,value\n1100,2020,1\n")
    assert "write '01'" in one("region_code,year,value\n1,2020,1\n")
    assert "5-digit code '01100'" in one("region_code,year,value\n011002,2020,1\n")
    assert "is not a region code" in one("region_code,year,value\n48,2020,1\n", known=None)


def test_years_intervals_and_n() -> None:
    head = "region_code,year,value,n,ci_low,ci_high\n"
    assert one(head + "13,1899,1,,,\n") == "town.csv: row 2, column year: 1899 is outside 1900–2100"
    assert one(head + "13,2101,1,,,\n") == "town.csv: row 2, column year: 2101 is outside 1900–2100"
    assert one(head + "13,2020,5,,1,\n") == "town.csv: row 2, column ci_high: give both ci_low and ci_high, or neither"
    assert one(head + "13,2020,5,,6,9\n") == (
        "town.csv: row 2, column value: ci_low ≤ value ≤ ci_high is required (6 ≤ 5 ≤ 9 is false)"
    )
    assert one(head + "13,2020,5,0,,\n") == "town.csv: row 2, column n: respondents must be positive"
    assert parse_values((head + "13,2020,5,10,5,5\n").encode(), "t.csv")[0] == ValueRow("13", 2020, 5.0, 10, 5.0, 5.0)


def test_formula_cells_empty_cells_and_ragged_rows() -> None:
    head = "region_code,year,value\n"
    for cell in ("=1+1", "+1", "@SUM(A1)", "-A1", '=HYPERLINK(""x"")'):
        assert one(f'{head}13,2020,"{cell}"\n') == (
            "town.csv: row 2, column value: a cell starting with a formula character (= + - @) is refused"
        )
    assert one(head + "13,,1\n") == "town.csv: row 2, column year: empty"
    assert one(head + "13,2020\n") == "town.csv: row 2: 2 fields where the header has 3"
    assert one(head + '13,2020,"1\n').startswith("town.csv: row")


def test_rows_are_file_lines_and_issues_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    assert one("region_code,year,value\n\n\n13,2020,x\n").startswith("town.csv: row 4, column value")
    many = "region_code,year,value\n" + "".join(f"13,{1900 + i},x\n" for i in range(200))
    assert len(refused(many)) == local_values.MAX_ISSUES
    monkeypatch.setattr(local_values, "MAX_ROWS", 3)
    rows = "region_code,year,value\n" + "".join(f"13,{2000 + i},1\n" for i in range(5))
    assert one(rows) == "town.csv: row 5: more than 3 rows"
