"""Progress engine (kpidash.analysis.progress): hand-computed trends, intervals, ratios and every status branch of assess().

All expected numbers are worked out by hand in the comments next to them; none is copied from the code's output.
"""

from __future__ import annotations

import math

import pytest

from kpidash.analysis.progress import (
    STATUS_LABELS,
    STATUSES,
    Assessment,
    assess,
    choose_baseline,
    linear_trend,
    project,
    required_path,
    t_quantile,
)

# y = t - 2020 on 2020..2024: an exact line, slope 1, no residual.
UP = [(2020, 0.0), (2021, 1.0), (2022, 2.0), (2023, 3.0), (2024, 4.0)]
# y = 2020 - t on 2020..2024: an exact line, slope -1.
DOWN = [(2020, 0.0), (2021, -1.0), (2022, -2.0), (2023, -3.0), (2024, -4.0)]
# Flat on average (slope 0, mean 2.4) but very noisy: the 90 % interval is wide.
NOISY = [(2020, 0.0), (2021, 6.0), (2022, 0.0), (2023, 6.0), (2024, 0.0)]


def _reasons_ok(a: Assessment) -> None:
    assert a.reason_ja.strip()
    assert a.reason_en.strip()
    assert a.status in STATUSES
    assert a.status in STATUS_LABELS


# --------------------------------------------------------------------------------------------------------------------
# linear_trend / project / t_quantile


def test_t_quantile_table_ends() -> None:
    assert t_quantile(1) == 6.314
    assert t_quantile(3) == 2.353
    assert t_quantile(30) == 1.697
    assert t_quantile(31) == 1.645  # normal approximation beyond the table


def test_linear_trend_exact_line() -> None:
    # (0,1), (1,3), (2,5): y = 1 + 2t exactly; mean t = 1, Sxx = 1 + 0 + 1 = 2, no residual.
    a, b, s, mt, sxx, n = linear_trend([(0, 1.0), (1, 3.0), (2, 5.0)])  # type: ignore[misc]
    assert a == pytest.approx(1.0)
    assert b == pytest.approx(2.0)
    assert s == pytest.approx(0.0, abs=1e-12)
    assert (mt, sxx, n) == (1.0, 2.0, 3)


def test_project_exact_line_has_zero_width_interval() -> None:
    # y = 1 + 2t at t = 4 is 9; s = 0 so the interval collapses onto the point.
    p = project([(0, 1.0), (1, 3.0), (2, 5.0)], 4)
    assert p is not None
    assert p.period == 4
    assert p.value == pytest.approx(9.0)
    assert p.high - p.low == pytest.approx(0.0, abs=1e-9)


def test_linear_trend_and_interval_by_hand() -> None:
    # Points (0,0), (1,1), (2,3):
    #   mean t = 1, mean y = 4/3, Sxx = 2, Sxy = (-1)(-4/3) + 0 + (1)(5/3) = 3 → b = 3/2, a = 4/3 - 3/2 = -1/6.
    #   fitted -1/6, 4/3, 17/6 → residuals 1/6, -1/3, 1/6 → SSE = 6/36 = 1/6, s = sqrt(SSE / (n - 2)) = sqrt(1/6).
    pts = [(0, 0.0), (1, 1.0), (2, 3.0)]
    a, b, s, mt, sxx, n = linear_trend(pts)  # type: ignore[misc]
    assert a == pytest.approx(-1 / 6)
    assert b == pytest.approx(1.5)
    assert s == pytest.approx(math.sqrt(1 / 6))
    assert (mt, sxx, n) == (1.0, 2.0, 3)
    # Projection to t = 3: -1/6 + 9/2 = 13/3.
    # Half width = t_0.95(1) · s · sqrt(1 + 1/n + (3 - 1)²/Sxx) = 6.314 · sqrt(1/6) · sqrt(10/3) = 6.314 · sqrt(5)/3.
    p = project(pts, 3)
    assert p is not None
    half = 6.314 * math.sqrt(5) / 3  # ≈ 4.7062
    assert p.value == pytest.approx(13 / 3)
    assert p.low == pytest.approx(13 / 3 - half)
    assert p.high == pytest.approx(13 / 3 + half)
    assert half == pytest.approx(4.7062, abs=1e-4)


def test_interval_of_a_slightly_noisy_series_by_hand() -> None:
    # t - 2022 = -2..2, y = 0, 1.1, 1.9, 3.1, 4 → mean y 2.02, Sxy = 4.04 + 0.92 + 0 + 1.08 + 3.96 = 10, Sxx = 10, b = 1.
    # Fitted 0.02, 1.02, 2.02, 3.02, 4.02 → residuals -0.02, 0.08, -0.12, 0.08, -0.02 → SSE 0.028, s = sqrt(0.028/3).
    # At 2029 (7 after the mean): 2.02 + 7 = 9.02; half = 2.353 · s · sqrt(1 + 1/5 + 49/10) ≈ 0.5614.
    pts = [(2020, 0.0), (2021, 1.1), (2022, 1.9), (2023, 3.1), (2024, 4.0)]
    p = project(pts, 2029)
    assert p is not None
    half = 2.353 * math.sqrt(0.028 / 3) * math.sqrt(6.1)
    assert p.value == pytest.approx(9.02)
    assert p.low == pytest.approx(9.02 - half)
    assert p.high == pytest.approx(9.02 + half)
    assert half == pytest.approx(0.5614, abs=1e-4)


def test_trend_needs_two_distinct_periods_and_interval_three_points() -> None:
    assert linear_trend([]) is None
    assert linear_trend([(2020, 1.0)]) is None
    assert linear_trend([(2020, 1.0), (2020, 2.0)]) is None  # Sxx = 0
    fit = linear_trend([(2020, 1.0), (2021, 2.0)])
    assert fit is not None
    assert fit[1] == pytest.approx(1.0)
    assert math.isnan(fit[2])  # no degrees of freedom for s
    assert project([(2020, 1.0), (2021, 2.0)], 2025) is None


# --------------------------------------------------------------------------------------------------------------------
# required_path / choose_baseline


def test_required_path_is_a_straight_line_to_the_target() -> None:
    # From 10 in 2020 to 20 in 2024: +2.5 a year.
    assert required_path((2020, 10.0), 2024, 20.0) == [
        (2020, 10.0),
        (2021, 12.5),
        (2022, 15.0),
        (2023, 17.5),
        (2024, 20.0),
    ]
    # Downwards: 8 in 2020 to 2 in 2023 is -2 a year.
    assert required_path((2020, 8.0), 2023, 2.0) == [(2020, 8.0), (2021, 6.0), (2022, 4.0), (2023, 2.0)]


def test_choose_baseline_latest_at_or_before() -> None:
    assert choose_baseline([2019, 2021, 2024, 2026], "latest_at_or_before", 2025) == 2024
    assert choose_baseline([2019, 2025, 2026], "latest_at_or_before", 2025) == 2025
    assert choose_baseline([2026, 2027], "latest_at_or_before", 2025) is None
    assert choose_baseline([], "latest_at_or_before", 2025) is None


def test_choose_baseline_first_at_or_after() -> None:
    assert choose_baseline([2006, 2008, 2011, 2012], "first_at_or_after", 2010) == 2011
    assert choose_baseline([2011, 2012], "first_at_or_after", 2011) == 2011
    assert choose_baseline([2006, 2009], "first_at_or_after", 2010) is None


def test_choose_baseline_unknown_rule() -> None:
    with pytest.raises(ValueError, match="unknown baseline rule"):
        choose_baseline([2020], "nearest", 2020)


# --------------------------------------------------------------------------------------------------------------------
# assess(): no_data / argument errors


def test_no_data_when_empty() -> None:
    a = assess([], baseline_period=None, target_year=2029, target_value=0.0)
    assert a.status == "no_data"
    assert a.baseline is None and a.latest is None and a.projection is None
    _reasons_ok(a)


def test_no_data_when_only_missing_values() -> None:
    a = assess([(2020, float("nan")), (2021, None)], baseline_period=None, target_year=2029, direction="increase")  # type: ignore[list-item]
    assert a.status == "no_data"
    _reasons_ok(a)


def test_no_data_when_the_baseline_period_has_no_value() -> None:
    a = assess(UP, baseline_period=2019, target_year=2029, target_value=9.0)
    assert a.status == "no_data"
    assert "2019" in a.reason_ja and "2019" in a.reason_en
    _reasons_ok(a)


def test_exactly_one_of_value_or_direction() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        assess(UP, baseline_period=2020, target_year=2029)
    with pytest.raises(ValueError, match="exactly one"):
        assess(UP, baseline_period=2020, target_year=2029, target_value=1.0, direction="increase")


# --------------------------------------------------------------------------------------------------------------------
# assess(): cannot_tell


def test_cannot_tell_with_fewer_than_three_points() -> None:
    a = assess([(2020, 1.0), (2021, 2.0)], baseline_period=2020, target_year=2025, target_value=10.0)
    assert a.status == "cannot_tell"
    assert a.projection is None
    assert a.baseline == (2020, 1.0) and a.latest == (2021, 2.0)
    assert a.observed_rate == pytest.approx(1.0)  # (2 - 1) / 1
    _reasons_ok(a)


def test_cannot_tell_when_interval_straddles_value_target() -> None:
    # NOISY: slope 0 (the ±2 and ±1 deviations cancel), mean 2.4. Residuals -2.4, 3.6, -2.4, 3.6, -2.4 → SSE 43.2,
    # s = sqrt(43.2/3) = sqrt(14.4). At 2025 (3 after the mean 2022): half = 2.353·sqrt(14.4)·sqrt(1 + 1/5 + 9/10)
    # ≈ 12.94 → interval ≈ [-10.54, 15.34], which contains the target 5.
    # Required rate (5 - 0) / 5 = 1; observed (0 - 0) / 4 = 0 → R = 0.
    a = assess(NOISY, baseline_period=2020, target_year=2025, target_value=5.0)
    assert a.status == "cannot_tell"
    half = 2.353 * math.sqrt(14.4) * math.sqrt(2.1)
    assert a.projection is not None
    assert a.projection.value == pytest.approx(2.4)
    assert a.projection.low == pytest.approx(2.4 - half)
    assert a.projection.high == pytest.approx(2.4 + half)
    assert a.required_rate == pytest.approx(1.0)
    assert a.observed_rate == pytest.approx(0.0)
    assert a.ratio == pytest.approx(0.0)
    assert "R=0.00" in a.reason_ja and "R=0.00" in a.reason_en
    _reasons_ok(a)


def test_cannot_tell_when_interval_straddles_baseline_for_direction_target() -> None:
    # Same interval ≈ [-10.54, 15.34] (at 2025) around the baseline value 0.
    a = assess(NOISY, baseline_period=2020, target_year=2025, direction="increase")
    assert a.status == "cannot_tell"
    assert a.required_rate == 0.0
    assert a.required_path == [(t, 0.0) for t in range(2020, 2026)]
    _reasons_ok(a)


# --------------------------------------------------------------------------------------------------------------------
# assess(): value targets, higher is better


def test_achieved() -> None:
    # Latest 4 ≥ target 3, and the (zero-width) 2029 projection 9 ≥ 3.
    a = assess(UP, baseline_period=2020, target_year=2029, target_value=3.0)
    assert a.status == "achieved"
    assert a.projection is not None and a.projection.low == pytest.approx(9.0)
    assert a.required_rate == pytest.approx(3 / 9)
    _reasons_ok(a)


def test_on_track_ratio_exactly_one() -> None:
    # Required (9 - 0) / (2029 - 2020) = 1 a year; observed (4 - 0) / (2024 - 2020) = 1 → R = 1.0.
    # The projection is exactly 9 (zero width): it does not straddle 9 and the latest value 4 < 9 is not achieved.
    a = assess(UP, baseline_period=2020, target_year=2029, target_value=9.0)
    assert a.status == "on_track"
    assert a.required_rate == pytest.approx(1.0)
    assert a.observed_rate == pytest.approx(1.0)
    assert a.ratio == pytest.approx(1.0)
    assert a.observed_from_trend is False
    assert a.baseline == (2020, 0.0) and a.latest == (2024, 4.0)
    assert a.required_path[0] == (2020, 0.0) and a.required_path[-1] == (2029, pytest.approx(9.0))
    assert len(a.required_path) == 10
    assert [t for t, _ in a.trend_path] == list(range(2020, 2030))
    assert a.trend_path[-1][1] == pytest.approx(9.0)
    assert "R=1.00" in a.reason_ja
    _reasons_ok(a)


def test_on_track_with_a_real_interval() -> None:
    # Slightly noisy series (interval [9.02 - 0.56, 9.02 + 0.56] from the hand computation above), target 6 in 2029:
    # required 6/9, observed 4/4 = 1 → R = 1.5; the interval lies above 6 → no straddle.
    pts = [(2020, 0.0), (2021, 1.1), (2022, 1.9), (2023, 3.1), (2024, 4.0)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=6.0)
    assert a.status == "on_track"
    assert a.ratio == pytest.approx(1.5)
    _reasons_ok(a)


def test_on_track_boundary_095() -> None:
    # R = 0.95 exactly is on track. Slope 0.95 from 0 in 2020: observed 3.8 / 4 = 0.95 (exact in binary, a power-of-two
    # division), required (9 - 0) / 9 = 1. The projection 0.95 · 9 = 8.55 stays below 9: no straddle.
    pts = [(2020, 0.0), (2021, 0.95), (2022, 1.9), (2023, 2.85), (2024, 3.8)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=9.0)
    assert a.ratio == 0.95
    assert a.status == "on_track"


def test_needs_acceleration() -> None:
    # Required 12 / 9 = 4/3, observed 1 → R = 0.75.
    a = assess(UP, baseline_period=2020, target_year=2029, target_value=12.0)
    assert a.status == "needs_acceleration"
    assert a.required_rate == pytest.approx(4 / 3)
    assert a.ratio == pytest.approx(0.75)
    assert "R=0.75" in a.reason_en
    _reasons_ok(a)


def test_needs_acceleration_lower_boundary_060() -> None:
    # Required 15 / 9 = 5/3, observed 1 → R = 0.6 exactly.
    a = assess(UP, baseline_period=2020, target_year=2029, target_value=15.0)
    assert a.ratio == pytest.approx(0.6)
    assert a.status == "needs_acceleration"


def test_off_track_limited_progress() -> None:
    # Required 20 / 9, observed 1 → R = 9/20 = 0.45.
    a = assess(UP, baseline_period=2020, target_year=2029, target_value=20.0)
    assert a.status == "off_track"
    assert a.ratio == pytest.approx(0.45)
    assert "60" in a.reason_ja and "60" in a.reason_en
    _reasons_ok(a)


def test_off_track_moving_away() -> None:
    # Required (9 - 0)/9 = 1, observed (-4 - 0)/4 = -1 → R = -1.
    a = assess(DOWN, baseline_period=2020, target_year=2029, target_value=9.0)
    assert a.status == "off_track"
    assert a.ratio == pytest.approx(-1.0)
    assert "逆" in a.reason_ja
    assert "moving away" in a.reason_en
    _reasons_ok(a)


# --------------------------------------------------------------------------------------------------------------------
# assess(): the baseline already meets the target (required change ≤ 0)


def test_baseline_meets_target_on_track() -> None:
    # Baseline 10 in 2018 already beats the target 5. The latest value 4 (2023) does not, but the last five
    # observations 0, 1, 2, 3, 4 (2019..2023) are an exact line that reaches 10 in 2029 (zero width) ≥ 5.
    pts = [(2018, 10.0), (2019, 0.0), (2020, 1.0), (2021, 2.0), (2022, 3.0), (2023, 4.0)]
    a = assess(pts, baseline_period=2018, target_year=2029, target_value=5.0, window=5)
    assert a.status == "on_track"
    assert a.required_rate == pytest.approx((5 - 10) / 11)
    assert a.ratio is None
    assert a.projection is not None and a.projection.value == pytest.approx(10.0)
    assert a.trend_path[0][0] == 2019  # the window starts at the fifth-last observation
    _reasons_ok(a)


def test_baseline_meets_target_off_track() -> None:
    # Baseline 10 ≥ target 5, falling by 1 a year: 6 in 2024 (still ≥ 5) but 1 in 2029 (< 5) → not achieved, off track.
    pts = [(2020, 10.0), (2021, 9.0), (2022, 8.0), (2023, 7.0), (2024, 6.0)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=5.0)
    assert a.status == "off_track"
    assert a.projection is not None and a.projection.high == pytest.approx(1.0)
    assert a.ratio is None
    _reasons_ok(a)


def test_baseline_meets_target_cannot_tell() -> None:
    # 10, 4, 10, 4, 10: slope 0, mean 7.6, SSE 43.2; at 2029 half = 2.353·sqrt(14.4)·sqrt(1 + 1/5 + 49/10) ≈ 22.05
    # → [-14.45, 29.65] straddles the target 5; the latest 10 meets it but the interval's low end does not.
    pts = [(2020, 10.0), (2021, 4.0), (2022, 10.0), (2023, 4.0), (2024, 10.0)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=5.0)
    assert a.status == "cannot_tell"
    half = 2.353 * math.sqrt(14.4) * math.sqrt(6.1)
    assert a.projection is not None
    assert a.projection.low == pytest.approx(7.6 - half)
    assert a.projection.high == pytest.approx(7.6 + half)
    _reasons_ok(a)


# --------------------------------------------------------------------------------------------------------------------
# assess(): direction targets


def test_direction_increase_on_track() -> None:
    # Baseline 2020 = 0; projection 9 in 2029 (zero width) > 0.
    a = assess(UP, baseline_period=2020, target_year=2029, direction="increase")
    assert a.status == "on_track"
    assert a.required_rate == 0.0
    assert a.ratio is None
    _reasons_ok(a)


def test_direction_increase_off_track() -> None:
    # Projection -9 in 2029 < baseline 0.
    a = assess(DOWN, baseline_period=2020, target_year=2029, direction="increase")
    assert a.status == "off_track"
    _reasons_ok(a)


def test_direction_decrease_on_track() -> None:
    a = assess(DOWN, baseline_period=2020, target_year=2029, direction="decrease")
    assert a.status == "on_track"
    assert "下回る" in a.reason_ja
    _reasons_ok(a)


def test_direction_decrease_off_track() -> None:
    a = assess(UP, baseline_period=2020, target_year=2029, direction="decrease")
    assert a.status == "off_track"
    _reasons_ok(a)


def test_direction_overrides_higher_is_better() -> None:
    # The target's direction decides, not the KPI's polarity flag.
    a = assess(UP, baseline_period=2020, target_year=2029, direction="increase", higher_is_better=False)
    assert a.status == "on_track"


# --------------------------------------------------------------------------------------------------------------------
# assess(): lower is better


def test_lower_is_better_on_track() -> None:
    # 10, 9, 8, 7, 6 towards a target of 1 in 2029: required (1 - 10)/9 = -1, observed (6 - 10)/4 = -1 → R = 1.
    pts = [(2020, 10.0), (2021, 9.0), (2022, 8.0), (2023, 7.0), (2024, 6.0)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=1.0, higher_is_better=False)
    assert a.status == "on_track"
    assert a.required_rate == pytest.approx(-1.0)
    assert a.ratio == pytest.approx(1.0)
    _reasons_ok(a)


def test_lower_is_better_achieved() -> None:
    # Latest 6 ≤ target 7 and the projection 1 ≤ 7.
    pts = [(2020, 10.0), (2021, 9.0), (2022, 8.0), (2023, 7.0), (2024, 6.0)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=7.0, higher_is_better=False)
    assert a.status == "achieved"


def test_lower_is_better_moving_away() -> None:
    # Rising 0..4 with a target of -9: required -1 a year, observed +1 → R = -1.
    a = assess(UP, baseline_period=2020, target_year=2029, target_value=-9.0, higher_is_better=False)
    assert a.status == "off_track"
    assert a.ratio == pytest.approx(-1.0)
    # The same series and target with higher_is_better would be "achieved" (4 ≥ -9, projection 9 ≥ -9).
    assert assess(UP, baseline_period=2020, target_year=2029, target_value=-9.0).status == "achieved"


def test_lower_is_better_baseline_meets_target() -> None:
    # Baseline 10 already below the (lower-is-better) target 12; rising 10..14 → 19 in 2029 > 12: off track.
    pts = [(2020, 10.0), (2021, 11.0), (2022, 12.0), (2023, 13.0), (2024, 14.0)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=12.0, higher_is_better=False)
    assert a.status == "off_track"
    assert a.ratio is None


# --------------------------------------------------------------------------------------------------------------------
# assess(): observed change from the trend when the latest observation is the baseline


def test_observed_from_trend_when_latest_is_baseline() -> None:
    # Baseline 2024 = 4 (the latest). Required (9 - 4)/(2029 - 2024) = 1; observed = trend slope 1 → R = 1.
    a = assess(UP, baseline_period=2024, target_year=2029, target_value=9.0)
    assert a.observed_from_trend is True
    assert a.observed_rate == pytest.approx(1.0)
    assert a.required_rate == pytest.approx(1.0)
    assert a.ratio == pytest.approx(1.0)
    assert a.status == "on_track"
    assert "トレンド" in a.reason_ja
    assert "none after the baseline" in a.reason_en
    _reasons_ok(a)


def test_observed_from_trend_for_direction_target() -> None:
    # Baseline None → the latest point; direction increase; projection 9 > 4.
    a = assess(UP, baseline_period=None, target_year=2029, direction="increase")
    assert a.baseline == (2024, 4.0)
    assert a.observed_from_trend is True
    assert a.observed_rate == pytest.approx(1.0)
    assert a.status == "on_track"
    assert "トレンド" in a.reason_ja


def test_unsorted_input_and_missing_values_are_handled() -> None:
    pts = [(2024, 4.0), (2021, 1.0), (2022, float("nan")), (2020, 0.0), (2023, 3.0)]
    a = assess(pts, baseline_period=2020, target_year=2029, target_value=9.0)
    # 2022 dropped; the rest is still the exact line y = t - 2020 → same as the on-track case.
    assert a.latest == (2024, 4.0)
    assert a.ratio == pytest.approx(1.0)
    assert a.status == "on_track"
