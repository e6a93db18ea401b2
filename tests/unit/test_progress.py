"""Progress engine (kpidash.analysis.progress): hand-computed trends, intervals, ratios and every status of assess().

assess() judges only from the strategy's base year on: the base-year value and the observations after it. Points
before the base year are context (``Assessment.context``), never progress. All expected numbers are worked out by hand
in the comments next to them; none is copied from the code's output.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from kpidash.analysis.progress import (
    STATUS_LABELS,
    STATUS_RULES,
    STATUSES,
    Assessment,
    assess,
    linear_trend,
    project,
    required_path,
    t_quantile,
)

# y = t − 2020 on 2020..2024: an exact line, slope 1, no residual (projection to 2029 is exactly 9, zero width).
UP = [(2020, 0.0), (2021, 1.0), (2022, 2.0), (2023, 3.0), (2024, 4.0)]
# y = 2020 − t on 2020..2024: an exact line, slope −1 (projection to 2029 is exactly −9).
DOWN = [(2020, 0.0), (2021, -1.0), (2022, -2.0), (2023, -3.0), (2024, -4.0)]
# Flat on average (slope 0, mean 2.4) but very noisy: the 90 % interval is wide (worked out in the straddle case).
NOISY = [(2020, 0.0), (2021, 6.0), (2022, 0.0), (2023, 6.0), (2024, 0.0)]
# y = 10 − (t − 2020): 10, 9, 8, 7, 6 → −1 a year; projection to 2029 is 1.
FALLING_FROM_10 = [(2020, 10.0), (2021, 9.0), (2022, 8.0), (2023, 7.0), (2024, 6.0)]
# y = 10 + (t − 2020): 10..14 → projection to 2029 is 19.
RISING_FROM_10 = [(2020, 10.0), (2021, 11.0), (2022, 12.0), (2023, 13.0), (2024, 14.0)]
# Falls by 1 a year until the base 2020 (5 → 0), then rises by 1 a year (0 → 4): the V.
V_SHAPE = [(2015, 5.0), (2016, 4.0), (2017, 3.0), (2018, 2.0), (2019, 1.0), *UP]
# Rises until the base 2020 (−5 → 0), then falls (0 → −4): the inverted V.
INVERTED_V = [(2015, -5.0), (2016, -4.0), (2017, -3.0), (2018, -2.0), (2019, -1.0), *DOWN]
# Slightly noisy, slope exactly 1 (hand computation in test_interval_of_a_slightly_noisy_series_by_hand).
ALMOST_UP = [(2020, 0.0), (2021, 1.1), (2022, 1.9), (2023, 3.1), (2024, 4.0)]

# NOISY to 2025: residuals −2.4, 3.6, −2.4, 3.6, −2.4 → SSE 43.2, s = sqrt(43.2/3) = sqrt(14.4) ≈ 3.7947;
# 2025 is 3 after the mean period 2022, Sxx = 10 → half = t_0.95(3) · s · sqrt(1 + 1/5 + 9/10)
# = 2.353 · 3.7947 · 1.4491 ≈ 12.94 → interval ≈ [−10.54, 15.34].
NOISY_HALF_2025 = 2.353 * math.sqrt(14.4) * math.sqrt(2.1)
# 10, 4, 10, 4, 10: slope 0 (Sxy = −4.8 + 3.6 + 0 − 3.6 + 4.8 = 0), mean 7.6, SSE 3·2.4² + 2·3.6² = 43.2;
# 2029 is 7 after 2022 → half = 2.353 · sqrt(14.4) · sqrt(1 + 1/5 + 49/10) ≈ 22.05 → [−14.45, 29.65].
ZIGZAG_10_4 = [(2020, 10.0), (2021, 4.0), (2022, 10.0), (2023, 4.0), (2024, 10.0)]
ZIGZAG_HALF_2029 = 2.353 * math.sqrt(14.4) * math.sqrt(6.1)


def _reasons_ok(a: Assessment) -> None:
    assert a.reason_ja.strip()
    assert a.reason_en.strip()
    assert a.why_ja.strip()
    assert a.why_en.strip()
    assert a.status in STATUSES
    assert a.status in STATUS_LABELS


# --------------------------------------------------------------------------------------------------------------------
# linear_trend / project / t_quantile / required_path


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
    p = project(ALMOST_UP, 2029)
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


# --------------------------------------------------------------------------------------------------------------------
# assess(): the status table
#
# Each row: series, keyword arguments (base_year 2020 and target_year 2029 unless given), expected status, expected
# attributes of the Assessment (floats compared with pytest.approx; "projection.low" etc. reach into the
# projection), and fragments the Japanese / English reasons must contain.

NAN = float("nan")


def case(
    series: list[tuple[int, Any]],
    kw: dict[str, Any],
    status: str,
    expect: dict[str, Any] | None = None,
    ja: tuple[str, ...] = (),
    en: tuple[str, ...] = (),
    *,
    id: str,
) -> Any:
    return pytest.param(series, {"base_year": 2020, "target_year": 2029, **kw}, status, expect or {}, ja, en, id=id)


# fmt: off
CASES = [
    # ---- no_data ------------------------------------------------------------------------------------------------
    case([], {"target_value": 0.0}, "no_data", {"baseline": None, "latest": None, "projection": None, "base_year": 2020},
         ("読み込まれていません",), ("No data",), id="no_data-empty"),
    case([(2020, NAN), (2021, None)], {"direction": "increase"}, "no_data", {"baseline": None}, id="no_data-only-gaps"),
    # ---- cannot_tell: nothing after the base year ------------------------------------------------------------------
    # UP ends at 2024 = the base: the base value is there but no later observation.
    case(UP, {"base_year": 2024, "target_value": 9.0}, "cannot_tell",
         {"baseline": (2024, 4.0), "latest": None, "observed": [], "projection": None, "ratio": None,
          "required_rate": None},
         ("基準年以降の統計が未公表", "基準 2024年", "最新 2024年"),
         ("No statistics published after the base year yet", "base 2024", "latest loaded 2024"),
         id="cannot_tell-no-post-base"),
    # The base year is beyond the data: no base value and nothing after it; the "not published yet" reason wins.
    case(UP, {"base_year": 2025, "direction": "increase"}, "cannot_tell", {"baseline": None, "latest": None},
         ("基準年以降の統計が未公表",), ("No statistics published after the base year yet",),
         id="cannot_tell-base-beyond-data"),
    # Fiscal labels in the same reason.
    case(UP, {"base_year": 2024, "target_value": 9.0, "fiscal": True}, "cannot_tell", {},
         ("基準年以降の統計が未公表", "基準 2024年度"), ("base FY2024", "latest loaded FY2024"),
         id="cannot_tell-no-post-base-fiscal"),
    # ---- cannot_tell: the base-year value is missing although later values exist -----------------------------------
    case([(2019, -1.0), (2021, 1.0), (2022, 2.0), (2023, 3.0), (2024, 4.0)], {"target_value": 9.0}, "cannot_tell",
         {"baseline": None, "latest": None, "projection": None, "ratio": None},
         ("基準（2020年）の値がない",), ("no value for the base 2020",), id="cannot_tell-base-value-missing"),
    case([(2021, 1.0), (2022, 2.0), (2023, 3.0)], {"direction": "increase", "fiscal": True}, "cannot_tell",
         {"baseline": None}, ("基準（2020年度）の値がない",), ("no value for the base FY2020",),
         id="cannot_tell-base-value-missing-fiscal"),
    # ---- cannot_tell: fewer than three observations from the base year on -----------------------------------------
    # Base 0 (2020) and one later point 1 (2021): observed rate (1 − 0)/1 = 1, gap 1 − 9 = −8, no interval.
    case([(2020, 0.0), (2021, 1.0)], {"target_value": 9.0}, "cannot_tell",
         {"baseline": (2020, 0.0), "latest": (2021, 1.0), "projection": None, "observed_rate": 1.0, "gap": -8.0,
          "observed": [(2020, 0.0), (2021, 1.0)]},
         ("3時点以上",), ("At least three observations",), id="cannot_tell-two-points-from-base"),
    # Six points in all, but only two from the base on: the four pre-base points do not make a trend.
    case([(2016, 4.0), (2017, 3.0), (2018, 2.0), (2019, 1.0), (2020, 0.0), (2021, 1.0)], {"target_value": 9.0},
         "cannot_tell", {"projection": None, "observed": [(2020, 0.0), (2021, 1.0)]}, ("3時点以上",),
         id="cannot_tell-two-points-from-base-despite-pre-base-points"),
    # ---- cannot_tell: the interval straddles the target --------------------------------------------------------------
    # NOISY to 2025, target 5: required (5 − 0)/(2025 − 2020) = 1, observed (0 − 0)/4 = 0 → R = 0; the interval
    # [2.4 − 12.94, 2.4 + 12.94] contains 5.
    case(NOISY, {"target_year": 2025, "target_value": 5.0}, "cannot_tell",
         {"required_rate": 1.0, "observed_rate": 0.0, "ratio": 0.0, "projection.value": 2.4,
          "projection.low": 2.4 - NOISY_HALF_2025, "projection.high": 2.4 + NOISY_HALF_2025},
         ("またいで", "R=0.00"), ("straddles the target", "R=0.00"), id="cannot_tell-interval-straddles-target"),
    # Direction target: the same interval straddles the base value 0.
    case(NOISY, {"target_year": 2025, "direction": "increase"}, "cannot_tell",
         {"required_rate": 0.0, "ratio": None, "required_path": [(t, 0.0) for t in range(2020, 2026)]},
         ("基準値をまたいで",), ("straddles the base value",), id="cannot_tell-direction-straddles-base"),
    # The base 10 already meets the target 5, and the latest 10 too, but the 2029 interval [−14.45, 29.65] straddles 5
    # (not achieved: the whole interval must meet the target).
    case(ZIGZAG_10_4, {"target_value": 5.0}, "cannot_tell",
         {"ratio": None, "required_rate": (5 - 10) / 9, "projection.low": 7.6 - ZIGZAG_HALF_2029,
          "projection.high": 7.6 + ZIGZAG_HALF_2029},
         ("またいで",), ("straddles the target",), id="cannot_tell-base-meets-target-interval-straddles"),
    # ---- achieved ------------------------------------------------------------------------------------------------------
    # Latest 4 ≥ target 3 and the zero-width 2029 projection 9 ≥ 3. Required (3 − 0)/9 = 1/3; gap 4 − 3 = 1.
    case(UP, {"target_value": 3.0}, "achieved",
         {"required_rate": 1 / 3, "projection.low": 9.0, "projection.high": 9.0, "gap": 1.0, "latest": (2024, 4.0)},
         ("目標（3.0）を満たし",), ("meets the target (3.0)",), id="achieved"),
    # Lower is better: latest 6 ≤ 7 and the projection 1 ≤ 7.
    case(FALLING_FROM_10, {"target_value": 7.0, "higher_is_better": False}, "achieved", {"gap": -1.0},
         id="achieved-lower-is-better"),
    # The base 10 already beats 5 and so do the latest 14 and the projection 19: achieved comes first.
    case(RISING_FROM_10, {"target_value": 5.0}, "achieved", {"projection.value": 19.0}, id="achieved-base-already-beyond"),
    # ---- proxy: never achieved -------------------------------------------------------------------------------------------
    case(UP, {"target_value": 3.0, "proxy": True}, "on_track", {"required_rate": 1 / 3, "projection.low": 9.0},
         ("代理指標", "「達成」とはしません"), ("proxy", "never counts as achieved"), id="proxy-achieved-becomes-on_track"),
    # The proxy flag changes nothing else: R = 0.75 (as in needs_acceleration below).
    case(UP, {"target_value": 12.0, "proxy": True}, "needs_acceleration", {"ratio": 0.75},
         id="proxy-needs_acceleration-unchanged"),
    # ---- on_track --------------------------------------------------------------------------------------------------------
    # Required (9 − 0)/(2029 − 2020) = 1; observed (4 − 0)/(2024 − 2020) = 1 → R = 1. The projection is exactly 9
    # (zero width): it does not straddle 9, and the latest 4 < 9 is not achieved.
    case(UP, {"target_value": 9.0}, "on_track",
         {"required_rate": 1.0, "observed_rate": 1.0, "ratio": 1.0, "baseline": (2020, 0.0), "latest": (2024, 4.0),
          "gap": -5.0, "projection.value": 9.0},
         ("R=1.00", "95%以上"), ("R=1.00", "95 % or more"), id="on_track-R-1"),
    # ALMOST_UP, target 6: required 6/9, observed 4/4 = 1 → R = 1.5; the interval 9.02 ± 0.56 lies above 6.
    case(ALMOST_UP, {"target_value": 6.0}, "on_track", {"ratio": 1.5, "projection.value": 9.02},
         id="on_track-real-interval"),
    # R = 0.95 exactly is on track: target 10 in 2028 → required 10/8 = 1.25; y = 1.1875·(t − 2020) (exact in
    # binary) → observed 4.75/4 = 1.1875 → R = 1.1875/1.25 = 0.95. Projection to 2028: 1.1875·8 = 9.5 < 10, zero width.
    case([(t, 1.1875 * (t - 2020)) for t in range(2020, 2025)], {"target_year": 2028, "target_value": 10.0},
         "on_track", {"ratio": 0.95, "required_rate": 1.25, "observed_rate": 1.1875, "projection.value": 9.5},
         id="on_track-R-0.95-boundary"),
    # The V: falling before the base, rising after it. Only 2020..2024 (= UP) count → R = 1, as in on_track-R-1; with
    # the pre-base points the trend would be flat or falling.
    case(V_SHAPE, {"target_value": 9.0}, "on_track",
         {"ratio": 1.0, "observed": UP, "baseline": (2020, 0.0), "projection.value": 9.0},
         id="on_track-pre-base-fall-ignored"),
    # A window wider than the observations from the base still uses only those (trend from 2020, value 9 in 2029).
    case(V_SHAPE, {"target_value": 9.0, "window": 10}, "on_track", {"ratio": 1.0, "projection.value": 9.0},
         id="on_track-pre-base-ignored-with-wide-window"),
    # The base 10 (2018) already beats 5; the latest 4 does not, but the last five observations 0..4 (2019..2023) are an
    # exact line reaching 10 in 2029 ≥ 5 → keeps the target. Required (5 − 10)/11 < 0: no R.
    case([(2018, 10.0), (2019, 0.0), (2020, 1.0), (2021, 2.0), (2022, 3.0), (2023, 4.0)],
         {"base_year": 2018, "target_value": 5.0, "window": 5}, "on_track",
         {"required_rate": (5 - 10) / 11, "ratio": None, "projection.value": 10.0},
         ("維持する見込み",), ("stay at or beyond the target",), id="on_track-base-meets-target-stays"),
    # Lower is better: 10 → 6 towards 1 in 2029: required (1 − 10)/9 = −1, observed (6 − 10)/4 = −1 → R = 1.
    case(FALLING_FROM_10, {"target_value": 1.0, "higher_is_better": False}, "on_track",
         {"required_rate": -1.0, "observed_rate": -1.0, "ratio": 1.0}, id="on_track-lower-is-better"),
    # Direction targets compare the 2029 interval with the base value 0: UP → 9 > 0.
    case(UP, {"direction": "increase"}, "on_track", {"required_rate": 0.0, "ratio": None, "gap": 4.0},
         ("基準値を上回る見込み",), ("expected to beat the base",), id="on_track-direction-increase"),
    case(DOWN, {"direction": "decrease"}, "on_track", {"gap": -4.0}, ("基準値を下回る見込み",),
         id="on_track-direction-decrease"),
    # The target's direction decides, not the KPI's polarity flag.
    case(UP, {"direction": "increase", "higher_is_better": False}, "on_track", {},
         id="on_track-direction-overrides-polarity"),
    # The V with a direction target: 9 in 2029 > base 0, whatever happened before 2020.
    case(V_SHAPE, {"direction": "increase"}, "on_track", {"baseline": (2020, 0.0)},
         id="on_track-direction-pre-base-fall-ignored"),
    # ---- needs_acceleration ------------------------------------------------------------------------------------------
    # Required 12/9 = 4/3, observed 1 → R = 0.75; projection 9 < 12 (zero width): no straddle.
    case(UP, {"target_value": 12.0}, "needs_acceleration", {"required_rate": 4 / 3, "ratio": 0.75},
         ("60～95%", "R=0.75"), ("60–95 %", "R=0.75"), id="needs_acceleration"),
    # R = 0.60 exactly: target 10 in 2028 → required 1.25; y = 0.75·(t − 2020) → observed 3/4 = 0.75 → R = 0.6.
    # Projection to 2028: 0.75·8 = 6 < 10.
    case([(t, 0.75 * (t - 2020)) for t in range(2020, 2025)], {"target_year": 2028, "target_value": 10.0},
         "needs_acceleration", {"ratio": 0.6, "projection.value": 6.0}, id="needs_acceleration-R-0.60-boundary"),
    # ---- off_track -------------------------------------------------------------------------------------------------------
    # Required 20/9, observed 1 → R = 9/20 = 0.45.
    case(UP, {"target_value": 20.0}, "off_track", {"ratio": 0.45}, ("60%未満", "R=0.45"), ("under 60 %",),
         id="off_track-slow"),
    # Just below 0.60: y = 0.7·(t − 2020), target 10 in 2028 → R = 0.7/1.25 = 0.56.
    case([(t, 0.7 * (t - 2020)) for t in range(2020, 2025)], {"target_year": 2028, "target_value": 10.0},
         "off_track", {"ratio": 0.56}, id="off_track-R-just-below-0.60"),
    # Required (9 − 0)/9 = 1, observed (−4 − 0)/4 = −1 → R = −1.
    case(DOWN, {"target_value": 9.0}, "off_track", {"ratio": -1.0}, ("逆の方向",), ("moving away",),
         id="off_track-moving-away"),
    # The inverted V: rising before the base, falling after → as DOWN: R = −1.
    case(INVERTED_V, {"target_value": 9.0}, "off_track", {"ratio": -1.0, "observed": DOWN},
         id="off_track-pre-base-rise-ignored"),
    # Lower is better, rising 0..4 with target −9: required −1 a year, observed +1 → R = −1.
    case(UP, {"target_value": -9.0, "higher_is_better": False}, "off_track", {"ratio": -1.0},
         id="off_track-lower-is-better-moving-away"),
    # The base 10 beats 5, 6 in 2024 still does, but the projection 1 in 2029 does not (whole interval below 5).
    case(FALLING_FROM_10, {"target_value": 5.0}, "off_track", {"ratio": None, "projection.high": 1.0},
         ("下回る見込み",), ("fall short of the target",), id="off_track-base-meets-target-falls"),
    # Lower is better: the base 10 is already below 12, but rising to 19 in 2029 > 12.
    case(RISING_FROM_10, {"target_value": 12.0, "higher_is_better": False}, "off_track", {"ratio": None},
         id="off_track-lower-is-better-base-meets-target"),
    # Direction targets: the whole interval on the worse side of the base value 0.
    case(DOWN, {"direction": "increase"}, "off_track", {"required_rate": 0.0}, ("できない見込み",),
         ("fall short of the base",), id="off_track-direction-increase"),
    case(UP, {"direction": "decrease"}, "off_track", {}, id="off_track-direction-decrease"),
]
# fmt: on


def _get(a: Assessment, attr: str) -> Any:
    obj: Any = a
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize(("series", "kw", "status", "expect", "ja", "en"), CASES)
def test_assess_table(
    series: list[tuple[int, Any]],
    kw: dict[str, Any],
    status: str,
    expect: dict[str, Any],
    ja: tuple[str, ...],
    en: tuple[str, ...],
) -> None:
    a = assess(series, **kw)
    assert a.status == status, (a.reason_en, a.why_en)
    assert a.base_year == kw["base_year"]
    for attr, want in expect.items():
        got = _get(a, attr)
        if want is None or isinstance(want, list):  # lists of (period, value) pairs hold exact values here
            assert got == want, attr
        else:
            assert got == pytest.approx(want), attr
    for frag in ja:
        assert frag in a.reason_ja or frag in a.why_ja, (frag, a.reason_ja, a.why_ja)
    for frag in en:
        assert frag in a.reason_en or frag in a.why_en, (frag, a.reason_en, a.why_en)
    _reasons_ok(a)


def test_the_table_reaches_every_status() -> None:
    reached = {p.values[2] for p in CASES}
    assert reached == set(STATUSES)
    # Several cannot_tell branches: no post-base data, base missing, < 3 points, straddles (value and direction).
    ids = {p.id for p in CASES if p.values[2] == "cannot_tell"}
    for branch in ("no-post-base", "base-value-missing", "two-points", "straddles-target", "straddles-base"):
        assert any(branch in i for i in ids), branch


def test_reason_starts_with_not_published_when_nothing_after_the_base() -> None:
    a = assess(UP, base_year=2024, target_year=2029, target_value=9.0)
    assert a.reason_ja.startswith("基準年以降の統計が未公表")
    assert a.reason_en.startswith("No statistics published after the base year yet")


def test_exactly_one_of_value_or_direction() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        assess(UP, base_year=2020, target_year=2029)
    with pytest.raises(ValueError, match="exactly one"):
        assess(UP, base_year=2020, target_year=2029, target_value=1.0, direction="increase")


def test_unsorted_input_and_missing_values_are_handled() -> None:
    pts = [(2024, 4.0), (2021, 1.0), (2022, float("nan")), (2020, 0.0), (2023, 3.0)]
    a = assess(pts, base_year=2020, target_year=2029, target_value=9.0)
    # 2022 dropped; the rest is still the exact line y = t − 2020 → R = 1 as in on_track-R-1.
    assert a.observed == [(2020, 0.0), (2021, 1.0), (2023, 3.0), (2024, 4.0)]
    assert a.latest == (2024, 4.0)
    assert a.ratio == pytest.approx(1.0)
    assert a.status == "on_track"


# --------------------------------------------------------------------------------------------------------------------
# assess(): the paths and the projection come from the base year on


def test_paths_start_at_the_base_year() -> None:
    # On V_SHAPE with base 2020: the required path runs from (2020, 0) to (2029, 9) at +1 a year, and the trend path
    # (fitted on 2020..2024 only) from 2020 to 2029 on y = t − 2020.
    a = assess(V_SHAPE, base_year=2020, target_year=2029, target_value=9.0, window=10)
    assert a.required_path == [(t, pytest.approx(float(t - 2020))) for t in range(2020, 2030)]
    assert [t for t, _ in a.trend_path] == list(range(2020, 2030))
    assert [y for _, y in a.trend_path] == pytest.approx([float(t - 2020) for t in range(2020, 2030)])


def test_window_limits_the_trend_to_the_latest_observations() -> None:
    # Base 2018; window 3 → the trend uses 2021..2023 (2, 3, 4): still slope 1, the path starts at 2021.
    pts = [(2018, 10.0), (2019, 0.0), (2020, 1.0), (2021, 2.0), (2022, 3.0), (2023, 4.0)]
    a = assess(pts, base_year=2018, target_year=2029, target_value=5.0, window=3)
    assert a.trend_path[0] == (2021, pytest.approx(2.0))
    assert a.projection is not None and a.projection.value == pytest.approx(10.0)  # 4 + 6


# --------------------------------------------------------------------------------------------------------------------
# assess(): context (pre-base points), never progress


def test_context_holds_the_pre_base_points_when_nothing_follows_the_base() -> None:
    # Data 2016..2020 on y = 2020 − t (4, 3, 2, 1, 0), base 2021: no base value, nothing after it.
    pre = [(2016, 4.0), (2017, 3.0), (2018, 2.0), (2019, 1.0), (2020, 0.0)]
    a = assess(pre, base_year=2021, target_year=2029, direction="increase")
    assert a.status == "cannot_tell"
    assert a.reason_ja.startswith("基準年以降の統計が未公表")
    assert a.baseline is None and a.latest is None and a.observed == [] and a.projection is None
    assert a.context is not None
    assert a.context.series == pre
    assert a.context.latest == (2020, 0.0)
    # The context trend is the exact line y = 2020 − t: −9 in 2029, zero width; its path spans 2016..2029.
    assert a.context.projection is not None
    assert a.context.projection.value == pytest.approx(-9.0)
    assert a.context.projection.high - a.context.projection.low == pytest.approx(0.0, abs=1e-9)
    assert [t for t, _ in a.context.trend_path] == list(range(2016, 2030))


def test_context_includes_the_base_year_and_uses_its_own_window() -> None:
    # UP with base 2024: the context is everything up to and including 2024; window 3 → its trend from 2022.
    a = assess(UP, base_year=2024, target_year=2029, target_value=9.0, window=3)
    assert a.status == "cannot_tell"
    assert a.baseline == (2024, 4.0)
    assert a.context is not None
    assert a.context.series == UP
    assert a.context.latest == (2024, 4.0)
    assert a.context.trend_path[0] == (2022, pytest.approx(2.0))
    assert a.context.projection is not None and a.context.projection.value == pytest.approx(9.0)


def test_context_alongside_progress_keeps_only_pre_base_points() -> None:
    a = assess(V_SHAPE, base_year=2020, target_year=2029, target_value=9.0)
    assert a.status == "on_track"
    assert a.context is not None
    assert a.context.series == V_SHAPE[:6]  # 2015..2020
    assert a.context.latest == (2020, 0.0)
    assert a.observed == UP  # progress: the base and after


def test_no_context_without_pre_base_points() -> None:
    a = assess([(2021, 1.0), (2022, 2.0), (2023, 3.0)], base_year=2020, target_year=2029, direction="increase")
    assert a.status == "cannot_tell"
    assert a.context is None


# --------------------------------------------------------------------------------------------------------------------
# assess(): the "why" line shows the numbers a reader needs


def test_why_shows_base_latest_rates_and_r() -> None:
    # y = 10 + 0.5·(t − 2020): 10 (2020) → 12 (2024); target 16 in 2029.
    # Observed (12 − 10)/4 = +0.5 a year; required (16 − 10)/9 = +0.667 a year; R = 0.5/0.667 = 0.75.
    # Values with decimals = 2, rates with one more (3); projection 10 + 0.5·9 = 14.5 < 16 (zero width).
    pts = [(t, 10 + 0.5 * (t - 2020)) for t in range(2020, 2025)]
    a = assess(pts, base_year=2020, target_year=2029, target_value=16.0, decimals=2, unit=" pt")
    assert a.status == "needs_acceleration"
    for frag in (
        "基準 10.00 pt（2020年）",
        "最新 12.00 pt（2024年）",
        "年 +0.500 pt",
        "(16.00 pt−10.00 pt)÷(2029−2020)",
        "年 +0.667 pt",
        "R = 0.75",
    ):
        assert frag in a.why_ja, (frag, a.why_ja)
    for frag in (
        "base 10.00 pt (2020)",
        "latest 12.00 pt (2024)",
        "+0.500 pt a year",
        "(16.00 pt − 10.00 pt) ÷ (2029 − 2020)",
        "+0.667 pt a year",
        "R = 0.75",
    ):
        assert frag in a.why_en, (frag, a.why_en)


def test_why_fiscal_and_thousands() -> None:
    # 4,000 → 4,400 千円 over FY2020..FY2024 (+100 a year); target 5,000 in 2029 → required 1,000/9 = +111.1 a year;
    # R = 100/111.1 = 0.90 → needs acceleration (projection 4,900 < 5,000, zero width).
    pts = [(t, 4000 + 100.0 * (t - 2020)) for t in range(2020, 2025)]
    a = assess(pts, base_year=2020, target_year=2029, target_value=5000.0, decimals=0, unit=" 千円", fiscal=True)
    assert a.status == "needs_acceleration"
    assert "基準 4,000 千円（2020年度）→ 最新 4,400 千円（2024年度）" in a.why_ja
    assert "年 +100.0 千円" in a.why_ja and "年 +111.1 千円" in a.why_ja
    assert "R = 0.90" in a.why_ja
    assert "base 4,000 千円 (FY2020) → latest 4,400 千円 (FY2024)" in a.why_en


def test_why_shows_the_interval_when_it_straddles() -> None:
    # NOISY to 2025: projection 2.4, interval 2.4 ∓ 12.94 → −10.54 … 15.34, printed with one decimal.
    a = assess(NOISY, base_year=2020, target_year=2025, target_value=5.0)
    assert a.status == "cannot_tell"
    assert "基準 0.0（2020年）→ 最新 0.0（2024年）" in a.why_ja
    assert "2025年の予測 2.4（90%区間 -10.5～15.3）" in a.why_ja
    assert "R = 0.00" in a.why_ja
    assert "2025 projection 2.4 (90% interval -10.5 to 15.3)" in a.why_en


def test_why_for_achieved_and_direction() -> None:
    # UP, target 3: latest 4.0 ≥ 3.0, projection 9.0 with a zero-width interval.
    a = assess(UP, base_year=2020, target_year=2029, target_value=3.0)
    assert "最新 4.0 は目標 3.0 以上" in a.why_ja
    assert "2029年の予測 9.0（90%区間 9.0～9.0）" in a.why_ja
    # Direction: the base value is the yardstick.
    d = assess(UP, base_year=2020, target_year=2029, direction="increase")
    assert "基準 0.0（2020年）→ 最新 4.0（2024年）" in d.why_ja
    assert "基準値 0.0" in d.why_ja
    assert "base 0.0." in d.why_en


def test_why_for_no_post_base_and_too_few_points() -> None:
    a = assess(UP, base_year=2024, target_year=2029, target_value=9.0)
    assert a.why_ja == "2024年より後の観測値：0件（読み込み済みの最新 2024年）。"
    assert a.why_en == "Observations after 2024: none (latest loaded 2024)."
    b = assess([(2020, 0.0), (2021, 1.0)], base_year=2020, target_year=2029, target_value=9.0)
    assert "基準 0.0（2020年）→ 最新 1.0（2021年）" in b.why_ja
    assert "2時点" in b.why_ja
    assert "2 observations from the base year on" in b.why_en
    c = assess([(2021, 1.0), (2022, 2.0)], base_year=2020, target_year=2029, target_value=9.0)
    assert "2021年～2022年" in c.why_ja and "2020年の値なし" in c.why_ja


def test_status_rules_cover_every_status() -> None:
    assert set(STATUS_RULES) == set(STATUSES)
    for ja, en in STATUS_RULES.values():
        assert ja.strip() and en.strip()
