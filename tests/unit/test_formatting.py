"""Number and period formatting (kpidash/formatting.py), against strings written out by hand."""

from __future__ import annotations

import pytest

from kpidash.formatting import format_number, format_signed, period_label


@pytest.mark.parametrize(
    ("value", "decimals", "unit", "expected"),
    [
        (1234567, 0, "人", "1,234,567人"),
        (1234.5, 1, "", "1,234.5"),
        (0.125, 2, "%", "0.12%"),  # 0.125 is stored as 0.1249999…
        (-9876.54, 1, "千円", "-9,876.5千円"),
        (999.96, 1, "", "1,000.0"),
        (0, 0, "", "0"),
        (None, 0, "人", "—"),
        (float("nan"), 2, "%", "—"),
    ],
)
def test_format_number(value: float | None, decimals: int, unit: str, expected: str) -> None:
    assert format_number(value, decimals, unit) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "unit", "expected"),
    [
        (3.14159, 1, "%", "+3.1%"),
        (-2, 1, "", "-2.0"),
        (0.0, 1, "ポイント", "+0.0ポイント"),
        (12345.678, 2, "", "+12,345.68"),
        (None, 1, "%", "—"),
        (float("nan"), 1, "", "—"),
    ],
)
def test_format_signed(value: float | None, decimals: int, unit: str, expected: str) -> None:
    assert format_signed(value, decimals, unit) == expected


def test_format_number_defaults_to_whole_numbers_without_unit() -> None:
    assert format_number(2.4) == "2"
    assert format_signed(2.44) == "+2.4"


@pytest.mark.parametrize(
    ("period", "period_type", "lang", "expected"),
    [
        (2022, "fiscal_year", "ja", "2022年度"),
        (2022, "fiscal_year", "en", "FY2022"),
        (2022, "calendar_year", "ja", "2022年"),
        (2022, "calendar_year", "en", "2022"),
        (2024, "reference_date", "ja", "2024年"),
        (2024, "reference_date", "en", "2024"),
        (None, "fiscal_year", "ja", "—"),
        (None, "calendar_year", "en", "—"),
    ],
)
def test_period_label(period: int | None, period_type: str, lang: str, expected: str) -> None:
    assert period_label(period, period_type, lang) == expected


def test_period_label_is_japanese_by_default() -> None:
    assert period_label(2011, "fiscal_year") == "2011年度"
