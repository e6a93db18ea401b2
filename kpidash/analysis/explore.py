"""Arithmetic of the exploration pages: value modes, growth, index, benchmarks, ranks, peer groups and the numbers of
the one-sentence summaries (pure functions over DataFrames), and the typed results the service fills with them."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd

from kpidash import config

PER_CAPITA_DENOMINATOR = "ssdse_pop_total"  # 総人口 (人口推計, 1 October), SSDSE-B
PER_CAPITA_SCALE = 100_000  # per 100,000 residents (人口10万人当たり)
AGGREGATES = (config.NATIONAL_CODE, config.TOKYO_AREA_CODE, config.OUTSIDE_TOKYO_AREA_CODE)

Benchmarks = dict[str, tuple[str, float]]  # key (region code or "peer") → (label, value)


class RankedPrefecture(NamedTuple):
    code: str
    name: str
    value: Any  # None for a gap
    rank: int | None  # 1 = highest; ties share the best rank; None for a gap


class CrossSummary(NamedTuple):
    """The numbers of a map's or ranking's summary sentence."""

    top: RankedPrefecture
    last: RankedPrefecture
    median: float
    size: int


class Line(NamedTuple):
    name: str
    points: list[tuple[Any, Any]]  # (period, value), sorted by period


class SpineSummary(NamedTuple):
    """The numbers of the /region spine chart's summary sentence."""

    top_name: str
    top_rank: int
    bottom_name: str
    bottom_rank: int
    above_median: int
    size: int


@dataclass(frozen=True)
class CompareResult:
    """What /compare and its chart image show: one indicator across the prefectures in one period and mode."""

    indicator: dict[str, Any]  # the catalogue row
    period: int
    mode: str
    unit: str
    title: str
    cross: pd.DataFrame  # region_code, name_ja, name_en, level, value (aggregates included)
    benchmarks: Benchmarks
    highlight: tuple[str, ...]
    decimals: int
    ranked: tuple[RankedPrefecture, ...]
    summary: CrossSummary | None


@dataclass(frozen=True)
class TrendsResult:
    """What /trends and its chart image show: the lines of the chosen regions in the mode drawn."""

    indicator: dict[str, Any]
    regions: tuple[str, ...]
    panel: pd.DataFrame  # in the regions' order
    unit: str
    mode: str  # the mode drawn ('value' for per capita of a non-additive measure)
    base: int | None  # the base year drawn in the index mode
    decimals: int
    lines: dict[str, Line]
    missing: tuple[str, ...]  # chosen regions without data


def is_gap(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def per_capita(values: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """value ÷ population × 100,000 for matching region and period; regions without a population are dropped.

    Aggregates (00, TKY, NTK) use their own summed rows, i.e. Σ value ÷ Σ population (never a mean of ratios).
    """
    pop = population[["region_code", "period", "value"]].rename(columns={"value": "population"})
    out = values.merge(pop, on=["region_code", "period"], how="inner")
    out["value"] = out["value"] / out["population"] * PER_CAPITA_SCALE
    return out.drop(columns=["population"])


def growth(values: pd.DataFrame, base_period: int | None = None) -> pd.DataFrame:
    """% change per region: vs ``base_period`` if given, else vs the previous period with data."""
    df = values.sort_values(["region_code", "period"]).copy()
    if base_period is None:
        prev = df.groupby("region_code")["value"].shift(1)
        prev_period = df.groupby("region_code")["period"].shift(1)
        df["value"] = (df["value"] / prev - 1) * 100
        df["base_period"] = prev_period
    else:
        base = df[df["period"] == base_period].set_index("region_code")["value"]
        df["value"] = (df["value"] / df["region_code"].map(base) - 1) * 100
        df["base_period"] = base_period
    return df.dropna(subset=["value"])


def index_to_base(values: pd.DataFrame, base_period: int) -> pd.DataFrame:
    """value(t) / value(base) × 100 per region; regions without a base value are dropped."""
    df = values.copy()
    base = df[df["period"] == base_period].set_index("region_code")["value"]
    df["value"] = df["value"] / df["region_code"].map(base) * 100
    return df.dropna(subset=["value"])


def per_capita_cross(cross: pd.DataFrame, population: pd.DataFrame, period: int) -> pd.DataFrame:
    """A cross-section of one period per 100,000 residents (``population``: the denominator's cross-section)."""
    vals = per_capita(cross.assign(period=period)[["region_code", "period", "value"]], population.assign(period=period))
    return cross.drop(columns=["value"]).merge(vals[["region_code", "value"]], on="region_code")


def growth_cross(cross: pd.DataFrame, before: pd.DataFrame, period: int, base_period: int) -> pd.DataFrame:
    """A cross-section as % change from ``before`` (the cross-section of ``base_period``)."""
    both = pd.concat([before.assign(period=base_period), cross.assign(period=period)])
    g = growth(both[["region_code", "period", "value"]], base_period=base_period)
    g = g[g["period"] == period]
    return cross.drop(columns=["value"]).merge(g[["region_code", "value"]], on="region_code")


def aggregate_values(cross: pd.DataFrame, name_col: str, codes: tuple[str, ...]) -> Benchmarks:
    """(name, value) of each of ``codes`` present in a cross-section (the first row of a code)."""
    rows = list(zip(cross["region_code"].tolist(), cross[name_col].tolist(), cross["value"].tolist(), strict=True))
    by_code = {code: (name, value) for code, name, value in reversed(rows)}
    return {code: (by_code[code][0], float(by_code[code][1])) for code in codes if code in by_code}


def peer_median(cross: pd.DataFrame, peers: list[str]) -> float | None:
    """Median of the peers' values (gaps skipped; NaN if every peer is a gap; None if no peer is in ``cross``)."""
    keep = set(peers)
    vals = [v for c, v in zip(cross["region_code"].tolist(), cross["value"].tolist(), strict=True) if c in keep]
    observed = [float(v) for v in vals if v is not None and v == v]
    if not vals:
        return None
    return statistics.median(observed) if observed else math.nan


def prefecture_median(cross: pd.DataFrame, highlight: list[str]) -> float | None:
    """Median of the highlighted prefectures, or of all of them when none is highlighted."""
    prefs = cross[cross["level"] == "prefecture"]
    return peer_median(prefs, highlight or prefs["region_code"].tolist())


def ranked_prefectures(cross: pd.DataFrame, name_col: str) -> list[RankedPrefecture]:
    """The prefectures, highest first, gaps last; rank 1 = highest, ties share the best rank (competition ranking), a
    gap has none. Plain Python: 47 rows cost less than pandas' per-call overhead."""
    rows = [
        (str(code), str(name), value)
        for code, name, value, level in zip(
            cross["region_code"].tolist(),
            cross[name_col].tolist(),
            cross["value"].tolist(),
            cross["level"].tolist(),
            strict=True,
        )
        if level == "prefecture"
    ]
    observed = sorted((r for r in rows if not is_gap(r[2])), key=lambda r: -r[2])  # stable: ties keep JIS order
    values = [r[2] for r in observed]
    ranked = [RankedPrefecture(c, n, v, 1 + sum(1 for x in values if x > v)) for c, n, v in observed]
    return ranked + [RankedPrefecture(c, n, None, None) for c, n, v in rows if is_gap(v)]


def cross_summary(ranked: tuple[RankedPrefecture, ...] | list[RankedPrefecture]) -> CrossSummary | None:
    """Highest, lowest and median of the ranked prefectures (None without any value)."""
    prefs = [r for r in ranked if r.rank is not None]
    if not prefs:
        return None
    return CrossSummary(prefs[0], prefs[-1], statistics.median(r.value for r in prefs), len(prefs))


def lines_of(panel: pd.DataFrame, name_col: str) -> dict[str, Line]:
    """region code → line, in the order the lines appear (plain Python: a pandas groupby per line costs more than the
    whole chart)."""
    names = panel[name_col].tolist() if name_col in panel else [""] * len(panel)
    out: dict[str, Line] = {}
    for code, name, period, value in zip(
        panel["region_code"].tolist(), names, panel["period"].tolist(), panel["value"].tolist(), strict=True
    ):
        out.setdefault(str(code), Line(str(name), []))[1].append((period, value))
    for _, points in out.values():
        points.sort(key=lambda pv: pv[0])
    return out


def line_ends(lines: dict[str, Line]) -> list[tuple[str, tuple[Any, Any], tuple[Any, Any]]]:
    """(name, first observed point, last observed point) of each line with a value."""
    out = []
    for name, points in lines.values():
        observed = [(p, v) for p, v in points if not is_gap(v)]
        if observed:
            out.append((name, observed[0], observed[-1]))
    return out


def lines_by_period(lines: dict[str, Line]) -> tuple[list[str], list[Any], dict[str, dict[Any, Any]]]:
    """The lines as a wide table: codes of the lines with a value, every period with a value, code → period → value."""
    by_line = {code: {p: v for p, v in points if not is_gap(v)} for code, (_, points) in lines.items()}
    shown = [code for code in lines if by_line[code]]
    periods = sorted({p for code in shown for p in by_line[code]})
    return shown, periods, by_line


def panel_in_mode(
    panel: pd.DataFrame, mode: str, base: int | None, population: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, int | None]:
    """A long panel in a trends mode (per_capita needs ``population``; index falls back to the first period when
    ``base`` has no data) and the base year drawn in the index mode."""
    key = ["region_code", "period"]
    cols = [*key, "value"]
    if mode == "per_capita" and population is not None:
        vals = per_capita(panel[cols], population[cols])
        return panel.drop(columns=["value"]).merge(vals[cols], on=key), None
    if mode == "growth":
        g = growth(panel[cols])
        return panel.drop(columns=["value"]).merge(g[cols], on=key), None
    if mode == "index":
        periods = sorted(panel["period"].unique())
        base = base if base in periods else (int(periods[0]) if periods else None)
        if base is not None:
            idx = index_to_base(panel[cols], base)
            return panel.drop(columns=["value"]).merge(idx[cols], on=key), base
    return panel, None


def in_region_order(panel: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    order = {c: i for i, c in enumerate(regions)}
    return panel.sort_values(["region_code", "period"], key=lambda s: s.map(order) if s.name == "region_code" else s)


def decimals_of(values: pd.Series) -> int:
    """Decimals to show for a series without metadata: none for whole numbers, else one (two for small values)."""
    v = values.dropna()
    if v.empty or (v == v.round()).all():
        return 0
    return 2 if v.abs().max() < 10 else 1


def spine_summary(rows: pd.DataFrame, name_col: str) -> SpineSummary | None:
    """Best and worst rank among the 47 of one prefecture's indicators, and how many are above the median."""
    ranked = rows.dropna(subset=["rank_desc"]).sort_values("rank_desc", kind="stable")
    if ranked.empty:
        return None
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    above = int((rows["value"] > rows["med"]).sum())
    return SpineSummary(
        str(top[name_col]), int(top["rank_desc"]), str(bottom[name_col]), int(bottom["rank_desc"]), above, len(rows)
    )


def structural_features(
    population: pd.DataFrame, aged: pd.DataFrame, income: pd.DataFrame, tertiary: pd.DataFrame, employed: pd.DataFrame
) -> pd.DataFrame:
    """One row per prefecture with the peer features (each input: region_code, value at one period)."""

    def s(df: pd.DataFrame) -> pd.Series:
        return df.set_index("region_code")["value"]

    f = pd.DataFrame(
        {
            "log_population": s(population).map(math.log),
            "aging_rate": s(aged) / s(population) * 100,
            "income_per_capita": s(income),
            "tertiary_share": s(tertiary) / s(employed) * 100,
        }
    )
    return f.loc[[c for c in config.PREFECTURE_CODES if c in f.index]]


def nearest_peers(features: pd.DataFrame, region_code: str, k: int = 5) -> list[tuple[str, float]]:
    """The k prefectures closest on the standardised features (z-scores), with their distance."""
    z = (features - features.mean()) / features.std(ddof=0)
    if region_code not in z.index:
        return []
    d = ((z - z.loc[region_code]) ** 2).sum(axis=1) ** 0.5
    d = d.drop(region_code).sort_values(kind="stable")
    return [(str(c), float(v)) for c, v in d.head(k).items()]
