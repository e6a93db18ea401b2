"""Progress against a target: required path, observed change, trend projection with a prediction interval, status.

Method (shown on screen, see docs/kpi-method.md). Based on the Open SDG / Statistics Canada ratio
R = observed annual change since the baseline ÷ required annual change to reach the target:
  R ≥ 0.95 → on_track; 0.60 ≤ R < 0.95 → needs_acceleration; R < 0.60 (limited progress or moving away) → off_track.
Beyond that ratio, a linear trend over the last ``window`` observations is projected to the target year with a 90 %
prediction interval; when the interval straddles the required value, the status is ``cannot_tell``.
``achieved``: the latest value already meets a value target and the interval's worst end still meets it in the target
year. Direction targets ("向上") require the value to stay above the baseline: projection interval above the baseline →
on_track, below → off_track, straddling → cannot_tell. With no observation after the baseline, the observed change is
the slope of the recent trend (said so in the reason). Fewer than 3 points → cannot_tell; none → no_data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["achieved", "on_track", "needs_acceleration", "off_track", "cannot_tell", "no_data"]
STATUSES: tuple[Status, ...] = ("achieved", "on_track", "needs_acceleration", "off_track", "cannot_tell", "no_data")
ON_TRACK_RATIO = 0.95
ACCELERATION_RATIO = 0.60
INTERVAL_LEVEL = 0.90
# Two-sided 90 % Student t quantiles (t_0.95) for 1..30 degrees of freedom; 1.645 beyond.
_T95 = [
    6.314,
    2.920,
    2.353,
    2.132,
    2.015,
    1.943,
    1.895,
    1.860,
    1.833,
    1.812,
    1.796,
    1.782,
    1.771,
    1.761,
    1.753,
    1.746,
    1.740,
    1.734,
    1.729,
    1.725,
    1.721,
    1.717,
    1.714,
    1.711,
    1.708,
    1.706,
    1.703,
    1.701,
    1.699,
    1.697,
]

STATUS_LABELS = {
    "achieved": ("達成", "Achieved"),
    "on_track": ("順調", "On track"),
    "needs_acceleration": ("加速が必要", "Needs acceleration"),
    "off_track": ("遅れ", "Off track"),
    "cannot_tell": ("判断できない", "Cannot tell yet"),
    "no_data": ("データなし", "No data"),
}


def t_quantile(df: int) -> float:
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.645


@dataclass(frozen=True)
class Projection:
    period: int
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Assessment:
    status: Status
    reason_ja: str
    reason_en: str
    baseline: tuple[int, float] | None = None
    latest: tuple[int, float] | None = None
    required_rate: float | None = None
    observed_rate: float | None = None
    observed_from_trend: bool = False
    ratio: float | None = None
    projection: Projection | None = None
    required_path: list[tuple[int, float]] = field(default_factory=list)
    trend_path: list[tuple[int, float]] = field(default_factory=list)


def linear_trend(points: list[tuple[int, float]]) -> tuple[float, float, float, float, float, int] | None:
    """OLS fit y = a + b·t. Returns (a, b, s, mean_t, sxx, n) or None with fewer than 2 distinct periods."""
    n = len(points)
    if n < 2:
        return None
    ts = [float(t) for t, _ in points]
    ys = [y for _, y in points]
    mt, my = sum(ts) / n, sum(ys) / n
    sxx = sum((t - mt) ** 2 for t in ts)
    if sxx == 0:
        return None
    b = sum((t - mt) * (y - my) for t, y in zip(ts, ys, strict=True)) / sxx
    a = my - b * mt
    sse = sum((y - (a + b * t)) ** 2 for t, y in zip(ts, ys, strict=True))
    s = math.sqrt(sse / (n - 2)) if n > 2 else float("nan")
    return a, b, s, mt, sxx, n


def project(points: list[tuple[int, float]], year: int) -> Projection | None:
    """Linear projection to ``year`` with a 90 % prediction interval (needs ≥ 3 points)."""
    fit = linear_trend(points)
    if fit is None or fit[5] < 3:
        return None
    a, b, s, mt, sxx, n = fit
    y = a + b * year
    half = t_quantile(n - 2) * s * math.sqrt(1 + 1 / n + (year - mt) ** 2 / sxx)
    return Projection(year, y, y - half, y + half)


def required_path(baseline: tuple[int, float], target_year: int, target_value: float) -> list[tuple[int, float]]:
    t0, y0 = baseline
    rate = (target_value - y0) / (target_year - t0)
    return [(t, y0 + rate * (t - t0)) for t in range(t0, target_year + 1)]


def assess(
    series: list[tuple[int, float]],
    *,
    baseline_period: int | None,
    target_year: int,
    target_value: float | None = None,
    direction: Literal["increase", "decrease"] | None = None,
    higher_is_better: bool = True,
    window: int = 5,
    unit: str = "",
) -> Assessment:
    """Assess one series (sorted or not) against a value target or a direction-only target."""
    pts = sorted((int(t), float(y)) for t, y in series if y is not None and not math.isnan(y))
    if not pts:
        return Assessment("no_data", "データが読み込まれていません。", "No data has been loaded.")
    if (target_value is None) == (direction is None):
        raise ValueError("give exactly one of target_value or direction")
    base_candidates = [p for p in pts if baseline_period is None or p[0] == baseline_period]
    if not base_candidates:
        return Assessment(
            "no_data",
            f"基準年（{baseline_period}）の値がありません。",
            f"No value for the baseline period {baseline_period}.",
        )
    baseline = base_candidates[0] if baseline_period is not None else pts[-1]
    latest = pts[-1]
    t0, y0 = baseline
    sign = 1.0 if higher_is_better else -1.0
    if direction is not None:
        sign = 1.0 if direction == "increase" else -1.0
    recent = pts[-window:]
    proj = project(recent, target_year)
    fit = linear_trend(recent)
    trend_path = [(t, fit[0] + fit[1] * t) for t in range(recent[0][0], target_year + 1)] if fit else []
    post = latest[0] > t0
    observed_rate: float | None
    if post:
        observed_rate, from_trend = (latest[1] - y0) / (latest[0] - t0), False
    else:
        observed_rate, from_trend = (fit[1] if fit else None), True
    basis_ja = (
        "基準年以降の実績" if not from_trend else f"直近{len(recent)}期のトレンド（基準年以降の観測値はまだありません）"
    )
    basis_en = (
        "change since the baseline"
        if not from_trend
        else f"trend of the last {len(recent)} observations (none after the baseline yet)"
    )
    common: dict[str, Any] = dict(  # noqa: C408
        baseline=baseline,
        latest=latest,
        observed_rate=observed_rate,
        observed_from_trend=from_trend,
        projection=proj,
        trend_path=trend_path,
    )
    if len(pts) < 3 or proj is None:
        return Assessment(
            "cannot_tell",
            "傾向を判断するには観測値が3時点以上必要です。",
            "At least three observations are needed to judge a trend.",
            **common,
        )

    if direction is not None:
        path = [(t, y0) for t in range(t0, target_year + 1)]
        lo, hi = sign * proj.low, sign * proj.high
        lo, hi = min(lo, hi), max(lo, hi)
        word_ja = "上回る" if sign > 0 else "下回る"
        if lo > sign * y0:
            return Assessment(
                "on_track",
                f"{basis_ja}を延ばすと{target_year}年に基準値を{word_ja}見込みです（予測区間の全体）。",
                f"Projecting the {basis_en}, {target_year} is expected to beat the baseline (whole interval).",
                required_rate=0.0,
                required_path=path,
                **common,
            )
        if hi < sign * y0:
            return Assessment(
                "off_track",
                f"{basis_ja}を延ばすと{target_year}年に基準値を{word_ja}ことができない見込みです。",
                f"Projecting the {basis_en}, {target_year} is expected to fall short of the baseline.",
                required_rate=0.0,
                required_path=path,
                **common,
            )
        return Assessment(
            "cannot_tell",
            f"{target_year}年の予測区間が基準値をまたいでおり、まだ判断できません。",
            f"The {target_year} prediction interval straddles the baseline: too early to tell.",
            required_rate=0.0,
            required_path=path,
            **common,
        )

    assert target_value is not None
    path = required_path(baseline, target_year, target_value)
    req_rate = (target_value - y0) / (target_year - t0)
    lo, hi = sorted((sign * proj.low, sign * proj.high))
    goal = sign * target_value
    meets_now = sign * latest[1] >= goal
    straddles = lo < goal < hi
    if meets_now and lo >= goal:
        return Assessment(
            "achieved",
            f"最新値は目標（{target_value:g}{unit}）を満たし、{target_year}年の予測区間も目標を上回っています。",
            f"The latest value meets the target ({target_value:g}{unit}) and so does the whole {target_year} interval.",
            required_rate=req_rate,
            required_path=path,
            **common,
        )
    if sign * req_rate <= 0:
        # The baseline already meets the target: the requirement is to stay at or beyond it.
        if lo >= goal:
            return Assessment(
                "on_track",
                "目標水準を維持する見込みです。",
                "Expected to stay at or beyond the target.",
                required_rate=req_rate,
                required_path=path,
                **common,
            )
        if hi < goal:
            return Assessment(
                "off_track",
                f"{target_year}年には目標を下回る見込みです。",
                f"Expected to fall short of the target in {target_year}.",
                required_rate=req_rate,
                required_path=path,
                **common,
            )
        return Assessment(
            "cannot_tell",
            f"{target_year}年の予測区間が目標をまたいでおり、まだ判断できません。",
            f"The {target_year} prediction interval straddles the target: too early to tell.",
            required_rate=req_rate,
            required_path=path,
            **common,
        )
    ratio = observed_rate / req_rate if observed_rate is not None else None
    if straddles:
        return Assessment(
            "cannot_tell",
            f"{target_year}年の予測区間が目標をまたいでおり、まだ判断できません（R={ratio:.2f}）。",
            f"The {target_year} prediction interval straddles the target: too early to tell (R={ratio:.2f}).",
            ratio=ratio,
            required_rate=req_rate,
            required_path=path,
            **common,
        )
    assert ratio is not None
    if ratio >= ON_TRACK_RATIO:
        st: Status = "on_track"
        ja, en = "必要なペースの95%以上で進んでいます", "progressing at 95 % or more of the required pace"
    elif ratio >= ACCELERATION_RATIO:
        st, ja, en = "needs_acceleration", "必要なペースの60～95%です", "progressing at 60–95 % of the required pace"
    elif ratio >= 0:
        st, ja, en = "off_track", "必要なペースの60%未満です", "progressing at under 60 % of the required pace"
    else:
        st, ja, en = "off_track", "目標と逆の方向に動いています", "moving away from the target"
    return Assessment(
        st,
        f"{basis_ja}で見て{ja}（R={ratio:.2f}）。",
        f"By the {basis_en}, {en} (R={ratio:.2f}).",
        ratio=ratio,
        required_rate=req_rate,
        required_path=path,
        **common,
    )


def choose_baseline(periods: list[int], rule: str, year: int) -> int | None:
    """Apply a baseline rule from kpi_defs.yaml to the periods that have data."""
    if rule == "latest_at_or_before":
        cands = [p for p in periods if p <= year]
        return max(cands) if cands else None
    if rule == "first_at_or_after":
        cands = [p for p in periods if p >= year]
        return min(cands) if cands else None
    raise ValueError(f"unknown baseline rule {rule!r}")


METHOD_JA = (
    "基準年から最新値までの年平均変化を、目標達成に必要な年平均変化と比べます（比率R）。R≥0.95「順調」、0.60≤R<0.95"
    "「加速が必要」、R<0.60「遅れ」。さらに直近の観測値の直線トレンドを2029年まで延ばし、90%予測区間が目標（方向の目標では基準値）"
    "をまたぐ場合は「判断できない」とします。最新値が目標を満たし予測区間全体も目標を満たす場合は「達成」。基準年以降の観測値が"
    "まだない場合は直近のトレンドで判定し、その旨を表示します。（Open SDG／カナダ統計局の方法を参考）"
)
METHOD_EN = (
    "Observed annual change since the baseline is compared with the change required to reach the target (ratio R): "
    "R ≥ 0.95 on track, 0.60–0.95 needs acceleration, below 0.60 off track. The recent linear trend is projected to "
    "2029 with a 90 % prediction interval; if it straddles the target (or the baseline for direction-only targets), "
    "the status is 'cannot tell yet'. With no observation after the baseline, the recent trend is used and this is stated."
)
