"""When the next statistics are expected (kpidash.analysis.releases.release_status), on hand-made series of the
release calendar. Expected periods, years and texts are worked out from the usual timing by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kpidash.analysis.releases import release_status
from kpidash.formatting import period_label
from kpidash.release_calendar import ReleaseSeries, load_release_calendar


def series(**kw: Any) -> ReleaseSeries:
    base: dict[str, Any] = {
        "id": "register",
        "publisher": "総務省",
        "title_ja": "住民基本台帳人口",
        "title_en": "Register population",
        "url": "https://example.invalid/register",
        "frequency": "annual",
        "period_type": "reference_date",
        "lag_years": 0,
        "usual_month": 7,
        "usual_ja": "毎年7月",
        "usual_en": "Every July",
        "indicators": ["pop_jp_total"],
        "source_prefixes": ["jukiban"],
        "known_unloaded_ja": "2025年版は未読み込み",
        "known_unloaded_en": "The 2025 edition is not loaded",
    }
    return ReleaseSeries(**(base | kw))


ANNUAL = series()
# Census every five years, published two years after the reference date, usually in May.
CENSUS = series(
    id="census", frequency="quinquennial", lag_years=2, usual_month=5, usual_ja="5年ごと", usual_en="5-yearly"
)
# Prefectural accounts: fiscal years, three years' lag, no usual month.
ACCOUNTS = series(id="accounts", period_type="fiscal_year", lag_years=3, usual_month=None)
IRREGULAR = series(id="survey", frequency="irregular", usual_month=None, usual_ja="不定期", usual_en="Irregular")


def test_annual_next_period_and_month() -> None:
    # Latest loaded 2024, one a year, lag 0, usually July → the 2025 data around July 2025.
    s = release_status(ANNUAL, 2024, ["jukiban_2024"], dt.date(2026, 12, 4))
    assert (s.next_period, s.expected_year, s.expected_month) == (2025, 2025, 7)
    assert s.expected_passed is True  # 4 December 2026 is after July 2025
    assert s.next_ja.startswith("次の統計（2025年分）は例年どおりなら2025年7月頃の公表（目安）。")
    assert "未読み込みの可能性" in s.next_ja
    assert s.next_en.startswith("The next data (2025) would usually be published around July 2025 (a guide).")
    assert "may be out but not yet loaded" in s.next_en
    # Pass-through fields.
    assert (s.id, s.latest_loaded, s.vintages) == ("register", 2024, ["jukiban_2024"])
    assert (s.usual_ja, s.known_unloaded_en) == ("毎年7月", "The 2025 edition is not loaded")
    assert s.as_dict()["expected_year"] == 2025


@pytest.mark.parametrize(
    ("today", "passed"),
    [
        (dt.date(2025, 7, 1), False),  # within the usual month
        (dt.date(2025, 7, 31), False),  # its last day: not passed yet
        (dt.date(2025, 8, 1), True),  # the month is over
        (dt.date(2026, 12, 4), True),
        (dt.date(2024, 12, 31), False),
    ],
    ids=["2025-07-01", "2025-07-31", "2025-08-01", "2026-12-04", "2024-12-31"],
)
def test_annual_expected_passed(today: dt.date, passed: bool) -> None:
    s = release_status(ANNUAL, 2024, [], today)
    assert s.expected_passed is passed
    assert ("未読み込みの可能性" in s.next_ja) is passed


def test_quinquennial_census() -> None:
    # Latest 2020, every 5 years → 2025; lag 2 → expected 2027, usually May.
    s = release_status(CENSUS, 2020, ["census2020"], dt.date(2026, 12, 4))
    assert (s.next_period, s.expected_year, s.expected_month) == (2025, 2027, 5)
    assert s.expected_passed is False
    assert "2027年5月頃" in s.next_ja
    assert "around May 2027" in s.next_en
    assert release_status(CENSUS, 2020, [], dt.date(2027, 6, 1)).expected_passed is True


def test_fiscal_series_without_usual_month() -> None:
    # Latest FY2022, lag 3 → FY2023 during 2026; with no usual month the guide is the end of December 2026.
    s = release_status(ACCOUNTS, 2022, [], dt.date(2026, 12, 4))
    assert (s.next_period, s.expected_year, s.expected_month) == (2023, 2026, None)
    assert s.expected_passed is False
    assert s.next_ja.startswith("次の統計（2023年度分）は例年どおりなら2026年中の公表（目安）。")
    assert "(FY2023)" in s.next_en and "during 2026" in s.next_en
    assert release_status(ACCOUNTS, 2022, [], dt.date(2027, 1, 1)).expected_passed is True


def test_irregular_has_no_next_period() -> None:
    s = release_status(IRREGULAR, 2024, [], dt.date(2026, 12, 4))
    assert (s.next_period, s.expected_year, s.expected_month) == (None, None, None)
    assert s.expected_passed is False
    assert (s.next_ja, s.next_en) == ("不定期", "Irregular")


def test_nothing_loaded_has_no_next_period() -> None:
    s = release_status(ANNUAL, None, [], dt.date(2026, 12, 4))
    assert (s.next_period, s.expected_year) == (None, None)
    assert s.expected_passed is False
    assert s.next_ja == "毎年7月"


def test_period_label() -> None:
    assert period_label(2023, "fiscal_year", "ja") == "2023年度"
    assert period_label(2023, "fiscal_year", "en") == "FY2023"
    assert period_label(2025, "calendar_year", "ja") == "2025年"
    assert period_label(2025, "reference_date", "en") == "2025"


def test_release_series_model_is_strict() -> None:
    with pytest.raises(ValueError, match="usual_month"):
        series(usual_month=13)
    with pytest.raises(ValueError, match="colour"):
        series(colour="red")


def test_real_calendar_parses() -> None:
    cal = load_release_calendar()
    assert cal.get("esri_kenmin") is not None
    assert cal.get("no_such_series") is None
