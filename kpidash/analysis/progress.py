"""Progress against a target from the strategy's base year: required path, observed change, trend projection with a
prediction interval, status, and a "why" line built only from numbers shown with it.

Rules (the README and the API schema repeat them; see :data:`STATUS_RULES`):
- ``no_data``: nothing is loaded for the KPI.
- ``cannot_tell``: no observation after the base year yet (the latest pre-strategy value and trend are returned as
  *context*, never as progress); or the base-year value is missing; or fewer than three observations from the base
  year on (no interval can be estimated); or the 90 % prediction interval for the target year straddles the target.
- Otherwise, with R = observed annual change since the base ÷ required annual change to reach the target (Open SDG /
  Statistics Canada): ``achieved`` when the latest value meets a value target and the whole interval does too (never
  for a proxy series); ``on_track`` R ≥ 0.95; ``needs_acceleration`` 0.60 ≤ R < 0.95; ``off_track`` R < 0.60 or
  moving away. Direction targets ("向上") compare the interval with the base value: above → on_track, below →
  off_track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from kpidash.formatting import period_label

Status = Literal["achieved", "on_track", "needs_acceleration", "off_track", "cannot_tell", "no_data"]
STATUSES: tuple[Status, ...] = ("achieved", "on_track", "needs_acceleration", "off_track", "cannot_tell", "no_data")
ON_TRACK_RATIO = 0.95
ACCELERATION_RATIO = 0.60
INTERVAL_LEVEL = 0.90
# Two-sided 90 % Student t quantiles (t_0.95) for 1..30 degrees of freedom; 1.645 beyond.
# fmt: off
_T95 = [
    6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812,
    1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725,
    1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697,
]
# fmt: on

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
class Context:
    """Pre-strategy observations (up to the base year) and their trend: shown as context, never as progress."""

    latest: tuple[int, float] | None
    series: list[tuple[int, float]]
    projection: Projection | None = None
    trend_path: list[tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Assessment:
    status: Status
    reason_ja: str
    reason_en: str
    why_ja: str = ""
    why_en: str = ""
    base_year: int | None = None
    baseline: tuple[int, float] | None = None
    latest: tuple[int, float] | None = None  # the latest observation after the base year
    observed: list[tuple[int, float]] = field(default_factory=list)  # from the base year on
    required_rate: float | None = None
    observed_rate: float | None = None
    ratio: float | None = None
    projection: Projection | None = None
    required_path: list[tuple[int, float]] = field(default_factory=list)
    trend_path: list[tuple[int, float]] = field(default_factory=list)
    gap: float | None = None  # latest − target (value target) or latest − base value (direction), in the KPI's unit
    context: Context | None = None


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


def _context(pts: list[tuple[int, float]], base_year: int, target_year: int, window: int) -> Context | None:
    pre = [p for p in pts if p[0] <= base_year]
    if not pre:
        return None
    recent = pre[-window:]
    fit = linear_trend(recent)
    trend = [(t, fit[0] + fit[1] * t) for t in range(recent[0][0], target_year + 1)] if fit else []
    return Context(pre[-1], pre, project(recent, target_year), trend)


def assess(
    series: list[tuple[int, float]],
    *,
    base_year: int,
    target_year: int,
    target_value: float | None = None,
    direction: Literal["increase", "decrease"] | None = None,
    higher_is_better: bool = True,
    window: int = 5,
    unit: str = "",
    decimals: int = 1,
    proxy: bool = False,
    fiscal: bool = False,
) -> Assessment:
    """Assess one series (sorted or not) from ``base_year`` against a value target or a direction-only target."""
    pts = sorted((int(t), float(y)) for t, y in series if y is not None and not math.isnan(y))
    if (target_value is None) == (direction is None):
        raise ValueError("give exactly one of target_value or direction")
    if not pts:
        return Assessment(
            "no_data",
            "データが読み込まれていません。",
            "No data has been loaded.",
            "読み込まれた観測値：0件。",
            "Observations loaded: none.",
            base_year=base_year,
        )

    def n(v: float) -> str:
        return f"{v:,.{decimals}f}{unit}"

    period_type = "fiscal_year" if fiscal else "calendar_year"

    def pj(t: int) -> str:
        return period_label(t, period_type, "ja")

    def pe(t: int) -> str:
        return period_label(t, period_type, "en")

    def r(v: float) -> str:
        return f"{v:+,.{decimals + 1}f}{unit}"

    context = _context(pts, base_year, target_year, window)
    base = next((p for p in pts if p[0] == base_year), None)
    post = [p for p in pts if p[0] > base_year]
    common: dict[str, Any] = {"base_year": base_year, "baseline": base, "context": context}
    if not post:
        last = pts[-1][0]
        if base is not None:  # the path still starts from the base value
            common["required_path"] = (
                required_path(base, target_year, target_value)
                if target_value is not None
                else [(t, base[1]) for t in range(base[0], target_year + 1)]
            )
        return Assessment(
            "cannot_tell",
            f"基準年以降の統計が未公表です（基準 {pj(base_year)}、読み込み済みの最新 {pj(last)}）。"
            "基準年までの値と傾向は参考として示します。",
            f"No statistics published after the base year yet (base {pe(base_year)}, latest loaded {pe(last)}). "
            "Values and the trend up to the base year are shown as context.",
            f"{pj(base_year)}より後の観測値：0件（読み込み済みの最新 {pj(last)}）。",
            f"Observations after {pe(base_year)}: none (latest loaded {pe(last)}).",
            **common,
        )
    if base is None:
        return Assessment(
            "cannot_tell",
            f"基準（{pj(base_year)}）の値がないため、基準からの変化を計算できません。",
            f"There is no value for the base {pe(base_year)}, so the change since the base cannot be computed.",
            f"観測のある期間：{pj(pts[0][0])}～{pj(pts[-1][0])}（{pj(base_year)}の値なし）。",
            f"Observed periods: {pe(pts[0][0])}–{pe(pts[-1][0])} (none for {pe(base_year)}).",
            **common,
        )
    observed = [base, *post]
    latest = post[-1]
    t0, y0 = base
    sign = 1.0 if higher_is_better else -1.0
    if direction is not None:
        sign = 1.0 if direction == "increase" else -1.0
    recent = observed[-window:]
    proj = project(recent, target_year)
    fit = linear_trend(recent)
    trend_path = [(t, fit[0] + fit[1] * t) for t in range(recent[0][0], target_year + 1)] if fit else []
    observed_rate = (latest[1] - y0) / (latest[0] - t0)
    gap = latest[1] - (target_value if target_value is not None else y0)
    common |= {
        "latest": latest,
        "observed": observed,
        "observed_rate": observed_rate,
        "projection": proj,
        "trend_path": trend_path,
        "gap": gap,
    }
    moved_ja = f"基準 {n(y0)}（{pj(t0)}）→ 最新 {n(latest[1])}（{pj(latest[0])}）"
    moved_en = f"base {n(y0)} ({pe(t0)}) → latest {n(latest[1])} ({pe(latest[0])})"
    if proj is None:
        return Assessment(
            "cannot_tell",
            "傾向を判断するには基準年以降の観測値が3時点以上必要です。",
            "At least three observations from the base year on are needed to judge a trend.",
            f"{moved_ja}：基準年以降の観測は{len(observed)}時点。",
            f"{moved_en}: {len(observed)} observations from the base year on.",
            **common,
        )
    interval_ja = f"{target_year}年の予測 {n(proj.value)}（90%区間 {n(proj.low)}～{n(proj.high)}）"
    interval_en = f"{target_year} projection {n(proj.value)} (90% interval {n(proj.low)} to {n(proj.high)})"
    lo, hi = sorted((sign * proj.low, sign * proj.high))

    if direction is not None:
        path = [(t, y0) for t in range(t0, target_year + 1)]
        why_ja, why_en = f"{moved_ja}；{interval_ja}、基準値 {n(y0)}。", f"{moved_en}; {interval_en}, base {n(y0)}."
        word_ja = "上回る" if sign > 0 else "下回る"
        if lo > sign * y0:
            st: Status = "on_track"
            ja = f"基準年以降の実績を延ばすと{target_year}年に基準値を{word_ja}見込みです（予測区間の全体）。"
            en = f"Projecting the change since the base, {target_year} is expected to beat the base (whole interval)."
        elif hi < sign * y0:
            st = "off_track"
            ja = f"基準年以降の実績を延ばすと{target_year}年に基準値を{word_ja}ことができない見込みです。"
            en = f"Projecting the change since the base, {target_year} is expected to fall short of the base."
        else:
            st = "cannot_tell"
            ja = f"{target_year}年の予測区間が基準値をまたいでおり、まだ判断できません。"
            en = f"The {target_year} prediction interval straddles the base value: too early to tell."
        return Assessment(st, ja, en, why_ja, why_en, required_rate=0.0, required_path=path, **common)

    assert target_value is not None
    path = required_path(base, target_year, target_value)
    req_rate = (target_value - y0) / (target_year - t0)
    goal = sign * target_value
    target = n(target_value)
    extra: dict[str, Any] = {"required_rate": req_rate, "required_path": path}
    if sign * latest[1] >= goal and lo >= goal:
        why_ja = f"最新 {n(latest[1])} は目標 {target} 以上；{interval_ja} の全体が目標以上。"
        why_en = f"Latest {n(latest[1])} meets the target {target}; the whole {interval_en} meets it too."
        if proxy:
            return Assessment(
                "on_track",
                "目標を満たす水準ですが、代理指標による値のため「達成」とはしません。",
                "At the target's level, but on a proxy series, which never counts as achieved.",
                why_ja,
                why_en,
                **extra,
                **common,
            )
        return Assessment(
            "achieved",
            f"最新値は目標（{target}）を満たし、{target_year}年の予測区間も目標を上回っています。",
            f"The latest value meets the target ({target}) and so does the whole {target_year} interval.",
            why_ja,
            why_en,
            **extra,
            **common,
        )
    if sign * req_rate <= 0:
        # The base already meets the target: the requirement is to stay at or beyond it.
        why_ja = f"基準 {n(y0)} は目標 {target} を満たす水準；{interval_ja}。"
        why_en = f"The base {n(y0)} already meets the target {target}; {interval_en}."
        if lo >= goal:
            st, ja, en = "on_track", "目標水準を維持する見込みです。", "Expected to stay at or beyond the target."
        elif hi < goal:
            st = "off_track"
            ja, en = (
                f"{target_year}年には目標を下回る見込みです。",
                f"Expected to fall short of the target in {target_year}.",
            )
        else:
            st = "cannot_tell"
            ja = f"{target_year}年の予測区間が目標をまたいでおり、まだ判断できません。"
            en = f"The {target_year} prediction interval straddles the target: too early to tell."
        return Assessment(st, ja, en, why_ja, why_en, **extra, **common)
    ratio = observed_rate / req_rate
    extra["ratio"] = ratio
    rates_ja = (
        f"{moved_ja}：年 {r(observed_rate)}；必要な変化 ({target}−{n(y0)})÷({target_year}−{t0}) = 年 {r(req_rate)}；"
        f"R = {ratio:.2f}"
    )
    rates_en = (
        f"{moved_en}: {r(observed_rate)} a year; required ({target} − {n(y0)}) ÷ ({target_year} − {t0}) = "
        f"{r(req_rate)} a year; R = {ratio:.2f}"
    )
    if lo < goal < hi:
        return Assessment(
            "cannot_tell",
            f"{target_year}年の予測区間が目標をまたいでおり、まだ判断できません（R={ratio:.2f}）。",
            f"The {target_year} prediction interval straddles the target: too early to tell (R={ratio:.2f}).",
            f"{rates_ja}；{interval_ja} が目標 {target} をまたぐ。",
            f"{rates_en}; the {interval_en} straddles the target {target}.",
            **extra,
            **common,
        )
    if ratio >= ON_TRACK_RATIO:
        st, ja, en = (
            "on_track",
            "必要なペースの95%以上で進んでいます",
            "progressing at 95 % or more of the required pace",
        )
    elif ratio >= ACCELERATION_RATIO:
        st, ja, en = "needs_acceleration", "必要なペースの60～95%です", "progressing at 60–95 % of the required pace"
    elif ratio >= 0:
        st, ja, en = "off_track", "必要なペースの60%未満です", "progressing at under 60 % of the required pace"
    else:
        st, ja, en = "off_track", "目標と逆の方向に動いています", "moving away from the target"
    return Assessment(
        st,
        f"基準年以降の実績で見て{ja}（R={ratio:.2f}）。",
        f"By the change since the base year, {en} (R={ratio:.2f}).",
        f"{rates_ja}。",
        f"{rates_en}.",
        **extra,
        **common,
    )


STATUS_RULES: dict[Status, tuple[str, str]] = {
    "achieved": (
        "基準年以降の最新値が目標値を満たし、目標年の90%予測区間の全体も目標を満たす（代理指標では付けない）。",
        "The latest value after the base year meets the target and so does the whole 90 % interval for the target "
        "year (never for a proxy).",
    ),
    "on_track": (
        "R（基準年以降の年平均変化÷必要な年平均変化）≥ 0.95。方向の目標では予測区間の全体が基準値より良い側。",
        "R (annual change since the base ÷ required annual change) ≥ 0.95; for a direction target the whole "
        "interval is on the better side of the base value.",
    ),
    "needs_acceleration": ("0.60 ≤ R < 0.95。", "0.60 ≤ R < 0.95."),
    "off_track": (
        "R < 0.60、または目標と逆方向。方向の目標では予測区間の全体が基準値より悪い側。",
        "R < 0.60 or moving away from the target; for a direction target the whole interval is on the worse side.",
    ),
    "cannot_tell": (
        "基準年より後の観測値がない（基準年までの値は参考として表示）、基準年の値がない、基準年以降の観測値が3時点未満、"
        "または目標年の予測区間が目標（方向の目標では基準値）をまたぐ。",
        "No observation after the base year (values up to it are shown as context), no base-year value, fewer "
        "than three observations from the base year on, or the target-year interval straddles the target (the base "
        "value for a direction target).",
    ),
    "no_data": (
        "KPIのデータが読み込まれていない（調査では回答者数が最小数未満の行のみの場合も含む）。",
        "No data is loaded for the KPI (for a survey, also when every row has fewer respondents than the minimum).",
    ),
}

METHOD_JA = (
    "進捗は総合戦略の基準年より後の観測値だけで判定します。基準年から最新値までの年平均変化を、目標達成に必要な年平均変化と比べます"
    "（比率R）。R≥0.95「順調」、0.60≤R<0.95「加速が必要」、R<0.60「遅れ」。さらに基準年以降の観測値の直線トレンド（最小二乗法）を"
    "2029年まで延ばし、90%予測区間が目標（方向の目標では基準値）をまたぐ場合は「判断できない」とします。最新値が目標を満たし予測区間"
    "全体も目標を満たす場合は「達成」（代理指標では付けません）。基準年より後の観測値がまだない場合は「判断できない」とし、基準年までの"
    "値と傾向は参考（文脈）として示します。（Open SDG／カナダ統計局の方法を参考）"
)
METHOD_EN = (
    "Status uses only observations after the strategy's base year. The annual change from the base to the latest "
    "value is compared with the change required to reach the target (ratio R): R ≥ 0.95 on track, 0.60–0.95 needs "
    "acceleration, below 0.60 off track. The linear (least-squares) trend of the observations from the base year on is "
    "projected to 2029 with a 90 % prediction interval; if it straddles the target (or the base value for direction "
    "targets), the status is 'cannot tell yet'. 'Achieved' needs the latest value and the whole interval to meet the "
    "target, and is never given on a proxy. With no observation after the base year the status is 'cannot tell yet' "
    "and the values up to the base are shown as context."
)
PROJECTION_METHOD_JA = "基準年以降の直近の観測値（最大{window}時点）の直線トレンド（最小二乗法）、90%予測区間（t分布）"
PROJECTION_METHOD_EN = "linear least-squares trend of the latest observations from the base year on (up to {window}), 90 % prediction interval (t distribution)"
CONTEXT_METHOD_JA = "基準年までの直近{window}時点の直線トレンドの延長（参考。進捗ではありません）"
CONTEXT_METHOD_EN = (
    "extension of the linear trend of the last {window} observations up to the base year (context, not progress)"
)
