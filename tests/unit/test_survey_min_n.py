"""KPI 2 (living_outlook) reads survey rows with at least ``min_n`` respondents only (kpidash/analysis/kpi.py on rows
parsed by kpidash/data/survey.py); the definitions say min_n: 100 for region 00."""

from __future__ import annotations

import pandas as pd
import pytest

from kpidash.analysis.kpi import FrameInputs, SurveyInput, compute_kpi
from kpidash.data.survey import parse_survey
from kpidash.kpi_schema import SurveyMeasure, load_kpi_defs

HEADER = "region_code,year,share,n,ci_low,ci_high,source,note"


@pytest.fixture(scope="module")
def living_outlook():  # type: ignore[no-untyped-def]
    kpi = next(k for k in load_kpi_defs().kpis if k.id == "living_outlook")
    assert isinstance(kpi.measure, SurveyMeasure) and kpi.measure.min_n == 100 and kpi.measure.region == "00"
    return kpi


def run(kpi, *lines: str, loaded: bool = True):  # type: ignore[no-untyped-def]
    rows = parse_survey((HEADER + "\n" + "\n".join(lines) + "\n").encode("utf-8")) if lines else []
    inputs = FrameInputs(
        observations=pd.DataFrame(columns=["indicator_id", "region_code", "period", "value"]),
        surveys={kpi.measure.file: SurveyInput(rows=tuple(rows), loaded=loaded)},
        available={"x"},
    )
    return compute_kpi(kpi, inputs)


def test_rows_below_min_n_are_left_out(living_outlook) -> None:  # type: ignore[no-untyped-def]
    result = run(
        living_outlook,
        "00,2022,40.0,99,,,調査（架空）,",  # one respondent short: not used
        "00,2023,30.0,100,,,調査（架空）,",  # exactly min_n: used
        "00,2024,32.5,1500,,,調査（架空）,",
        "13,2024,90.0,5000,,,調査（架空）,",  # another region: not this KPI's
    )
    assert result["latest"] == {"period": 2024, "value": 32.5}
    assert result["baseline"] == {"period": 2024, "value": 32.5}  # latest at or before 2025
    assert result["series"] == [{"period": 2023, "value": 30.0}, {"period": 2024, "value": 32.5}]
    assert [r["n"] for r in result["survey_rows"]] == [99, 100, 1500]  # shown, the small row included


def test_only_small_rows_is_no_data_and_says_why(living_outlook) -> None:  # type: ignore[no-untyped-def]
    result = run(living_outlook, "00,2023,30.0,99,,,調査（架空）,", "00,2024,31.0,12,,,調査（架空）,")
    assert result["status"] == "no_data"
    assert result["reason_ja"] == "調査データはありますが、回答者数が100人未満の行しかないため判定に使えません。"
    assert result["reason_en"] == "Survey rows are loaded but all have fewer than 100 respondents, too few to judge."
    assert result["latest"] is None


def test_no_file_is_no_data_with_its_own_reason(living_outlook) -> None:  # type: ignore[no-untyped-def]
    result = run(living_outlook, loaded=False)
    assert result["status"] == "no_data"
    assert (
        result["reason_ja"]
        == "調査データが読み込まれていません（data/survey/living_outlook.csv を置くと表示されます）。"
    )
