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


def test_base_year_is_2025(living_outlook) -> None:  # type: ignore[no-untyped-def]
    sb = living_outlook.strategy_baseline
    assert (sb.base_year, sb.period_type) == (2025, "calendar_year")
    assert living_outlook.target.kind == "direction" and living_outlook.target.direction == "increase"


def test_rows_at_or_above_min_n_after_the_base_year_are_judged(living_outlook) -> None:  # type: ignore[no-untyped-def]
    result = run(
        living_outlook,
        "00,2024,50.0,800,,,調査（架空）,",  # before the base: context only
        "00,2025,30.0,100,,,調査（架空）,",  # the base, exactly min_n: used
        "00,2026,31.0,1500,,,調査（架空）,",
        "00,2027,32.0,200,,,調査（架空）,",
        "00,2028,10.0,99,,,調査（架空）,",  # one respondent short: not used (else the trend would fall)
        "13,2028,90.0,5000,,,調査（架空）,",  # another region: not this KPI's
    )
    # Used: 30 (2025), 31 (2026), 32 (2027): an exact line of +1 a year → 34 in 2029 (zero-width interval), above the
    # base 30 → on track for the "increase" target. The 2024 value 50 (pre-base) would make it look like a fall.
    assert result["status"] == "on_track"
    assert result["baseline"] == {"period": 2025, "value": 30.0}
    assert result["latest"] == {"period": 2027, "value": 32.0}
    assert result["series"] == [
        {"period": 2025, "value": 30.0},
        {"period": 2026, "value": 31.0},
        {"period": 2027, "value": 32.0},
    ]
    assert result["projection"]["value"] == pytest.approx(34.0)
    assert result["gap"] == pytest.approx(2.0)  # latest 32 − base 30
    assert result["context"]["series"] == [{"period": 2024, "value": 50.0}, {"period": 2025, "value": 30.0}]
    assert [r["n"] for r in result["survey_rows"]] == [800, 100, 1500, 200, 99]  # shown, the small row included
    assert "基準 30.0（2025年）→ 最新 32.0（2027年）" in result["why_ja"]


def test_small_rows_after_the_base_do_not_count(living_outlook) -> None:  # type: ignore[no-untyped-def]
    # Only the base 2025 has ≥ min_n respondents; 2026 (99) is left out → nothing after the base yet.
    result = run(living_outlook, "00,2025,30.0,100,,,調査（架空）,", "00,2026,40.0,99,,,調査（架空）,")
    assert result["status"] == "cannot_tell"
    assert result["reason_ja"].startswith("基準年以降の統計が未公表")
    assert result["baseline"] == {"period": 2025, "value": 30.0}
    assert result["latest"] is None


def test_pre_base_rows_only_are_context_not_progress(living_outlook) -> None:  # type: ignore[no-untyped-def]
    result = run(
        living_outlook,
        "00,2022,40.0,99,,,調査（架空）,",  # one respondent short: not used
        "00,2023,30.0,100,,,調査（架空）,",  # exactly min_n: used
        "00,2024,32.5,1500,,,調査（架空）,",
    )
    assert result["status"] == "cannot_tell"
    assert result["reason_en"].startswith("No statistics published after the base year yet")
    assert result["baseline"] is None and result["latest"] is None and result["series"] == []
    assert result["context"]["series"] == [{"period": 2023, "value": 30.0}, {"period": 2024, "value": 32.5}]
    assert result["context"]["latest"] == {"period": 2024, "value": 32.5}
    assert [r["n"] for r in result["survey_rows"]] == [99, 100, 1500]


def test_only_small_rows_is_no_data_and_says_why(living_outlook) -> None:  # type: ignore[no-untyped-def]
    result = run(living_outlook, "00,2023,30.0,99,,,調査（架空）,", "00,2024,31.0,12,,,調査（架空）,")
    assert result["status"] == "no_data"
    assert result["reason_ja"] == "調査データはありますが、回答者数が100人未満の行しかないため判定に使えません。"
    assert result["reason_en"] == "Survey rows are loaded but all have fewer than 100 respondents, too few to judge."
    assert result["latest"] is None
    assert result["survey"]["min_n"] == 100
    # The same after the base year: small rows never count, whatever their year.
    later = run(living_outlook, "00,2025,30.0,50,,,調査（架空）,", "00,2026,31.0,12,,,調査（架空）,")
    assert later["status"] == "no_data"
    assert later["reason_en"] == result["reason_en"]


def test_no_file_is_no_data_with_its_own_reason(living_outlook) -> None:  # type: ignore[no-untyped-def]
    result = run(living_outlook, loaded=False)
    assert result["status"] == "no_data"
    assert (
        result["reason_ja"]
        == "調査データが読み込まれていません（data/survey/living_outlook.csv を置くと表示されます）。"
    )
    # The card says what survey would fill the KPI (kpi_defs.yaml survey_note_ja/en).
    assert result["survey"]["note_ja"] == living_outlook.measure.survey_note_ja != ""
    assert result["survey"]["note_en"] == living_outlook.measure.survey_note_en != ""
