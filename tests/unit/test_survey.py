"""Survey CSV template (KPI 2): a good file is read; every broken file is refused naming the row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpidash.data.survey import MAX_BYTES, SurveyError, SurveyRow, parse_survey, read_survey

HEADER = "region_code,year,share,n,ci_low,ci_high,source,note"
GOOD = (
    f"{HEADER}\n"
    "00,2023,31.5,1500,29.1,33.9,テスト調査（架空）,\n"
    "00,2024,33.0,1600,,,テスト調査（架空）,区間なし\n"
    '13,2024,28.25,80,20,36.5,テスト調査（架空）,"a note, with a comma"\n'
)


def rows_with(*lines: str) -> bytes:
    return (HEADER + "\n" + "\n".join(lines) + "\n").encode("utf-8")


def refused(data: bytes) -> str:
    with pytest.raises(SurveyError) as info:
        parse_survey(data, "living_outlook.csv")
    msg = str(info.value)
    assert msg.startswith("living_outlook.csv: ")
    return msg


def test_good_file() -> None:
    rows = parse_survey(GOOD.encode("utf-8"))
    assert rows == [
        SurveyRow("00", 2023, 31.5, 1500, 29.1, 33.9, "テスト調査（架空）", ""),
        SurveyRow("00", 2024, 33.0, 1600, None, None, "テスト調査（架空）", "区間なし"),
        SurveyRow("13", 2024, 28.25, 80, 20.0, 36.5, "テスト調査（架空）", "a note, with a comma"),
    ]


def test_good_file_with_bom_and_crlf() -> None:
    data = b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8")
    rows = parse_survey(data)
    assert [r.year for r in rows] == [2023, 2024, 2024]
    assert rows[0].region_code == "00"  # the BOM did not stick to the first column name


def test_header_only_is_empty() -> None:
    assert parse_survey((HEADER + "\n").encode()) == []


def test_optional_columns_may_be_left_out() -> None:
    rows = parse_survey(b"region_code,year,share,n,source\nNTK,2024,40,200,x\n")
    assert rows == [SurveyRow("NTK", 2024, 40.0, 200, None, None, "x", "")]


def test_a_negative_number_in_note_is_not_a_formula() -> None:
    # '-1.5' is a number, so it is not refused as a formula-looking cell.
    [row] = parse_survey(rows_with("00,2024,33,1600,,,src,-1.5"))
    assert row.note == "-1.5"


def test_wrong_header() -> None:
    msg = refused(b"region,year,share,n,ci_low,ci_high,source,note\n00,2024,33,1600,,,src,\n")
    assert "header" in msg
    assert "region_code" in msg  # missing
    assert "'region'" in msg  # unknown


def test_share_above_100() -> None:
    msg = refused(rows_with("00,2024,33,1600,,,src,", "00,2025,100.5,1600,,,src,"))
    assert "row 3, column share" in msg


def test_negative_n() -> None:
    msg = refused(rows_with("00,2024,33,-5,,,src,"))
    assert "row 2, column n" in msg


def test_zero_n() -> None:
    msg = refused(rows_with("00,2024,33,0,,,src,"))
    assert "row 2, column n" in msg


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("00,2024,=1+1,1600,,,src,", "share"),
        ("00,2024,33,1600,,,@SUM(A1:A2),", "source"),
        ("00,2024,33,+1,,,src,", "n"),
        ("00,2024,33,1600,,,src,-abc", "note"),
        ('00,2024,33,1600,,,src,=HYPERLINK("http://example.invalid")', "note"),
    ],
)
def test_formula_like_cells(line: str, column: str) -> None:
    msg = refused(rows_with("00,2023,30,1600,,,src,", line))
    assert f"row 3, column {column}" in msg
    assert "formula" in msg


def test_negative_ci_is_a_number_but_out_of_range() -> None:
    msg = refused(rows_with("00,2024,33,1600,-1.5,40,src,"))
    assert "row 2" in msg
    assert "ci_low" in msg
    assert "formula" not in msg


def test_ci_must_surround_share() -> None:
    assert "row 2" in refused(rows_with("00,2024,33,1600,34,40,src,"))
    assert "row 2" in refused(rows_with("00,2024,33,1600,30,,src,"))  # one bound without the other


def test_duplicated_region_year() -> None:
    msg = refused(rows_with("00,2024,33,1600,,,src,", "01,2024,33,1600,,,src,", "00,2024,34,1700,,,src,"))
    assert "row 4" in msg
    assert "duplicated" in msg


def test_unknown_region() -> None:
    msg = refused(rows_with("48,2024,33,1600,,,src,"))
    assert "row 2, column region_code" in msg
    assert "'48'" in msg


def test_empty_required_cell() -> None:
    msg = refused(rows_with("00,2024,33,1600,,,,note"))
    assert "row 2, column source" in msg


def test_not_a_number() -> None:
    msg = refused(rows_with("00,2024,thirty,1600,,,src,"))
    assert "row 2" in msg
    assert "not a number" in msg


def test_year_out_of_range() -> None:
    assert "row 2, column year" in refused(rows_with("00,1800,33,1600,,,src,"))


def test_too_large_file() -> None:
    line = "00,2024,33,1600,,,src," + "x" * 200
    data = rows_with(line)
    data += b"#" * (MAX_BYTES + 1 - len(data))
    assert len(data) == 1_000_001
    assert "larger than" in refused(data)


def test_more_fields_than_header() -> None:
    msg = refused(rows_with("00,2024,33,1600,,,src,note,extra"))
    assert "row 2" in msg
    assert "more fields" in msg


def test_not_utf8() -> None:
    data = (HEADER + "\n00,2024,33,1600,,,テスト,\n").encode("cp932")
    assert "not UTF-8" in refused(data)


def test_read_survey_absent_and_present(tmp_path: Path) -> None:
    path = tmp_path / "living_outlook.csv"
    assert read_survey(path) is None
    path.write_bytes(GOOD.encode("utf-8"))
    rows = read_survey(path)
    assert rows is not None and len(rows) == 3
    path.write_bytes(rows_with("00,2024,101,1600,,,src,"))
    with pytest.raises(SurveyError, match=r"^living_outlook\.csv: row 2, column share"):
        read_survey(path)
