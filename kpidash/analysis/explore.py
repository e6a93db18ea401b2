"""Arithmetic for the views: value modes, growth, index, peer groups (pure functions over DataFrames)."""

from __future__ import annotations

import math
import statistics

import pandas as pd

from kpidash import config

MODES = ("value", "per_capita", "growth")
PER_CAPITA_DENOMINATOR = "ssdse_pop_total"  # 総人口 (人口推計, 1 October), SSDSE-B
PER_CAPITA_SCALE = 100_000  # per 100,000 residents (人口10万人当たり)
PEER_FEATURES = {
    # indicator id (or ratio) -> label; standardised and compared by Euclidean distance
    "log_population": "人口規模",
    "aging_rate": "高齢化率",
    "income_per_capita": "1人当たり県民所得",
    "tertiary_share": "第3次産業就業者の割合",
}


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


def peer_median(cross: pd.DataFrame, peers: list[str]) -> float | None:
    """Median of the peers' values (gaps skipped; NaN if every peer is a gap; None if no peer is in ``cross``)."""
    keep = set(peers)
    vals = [v for c, v in zip(cross["region_code"].tolist(), cross["value"].tolist(), strict=True) if c in keep]
    observed = [float(v) for v in vals if v is not None and v == v]
    if not vals:
        return None
    return statistics.median(observed) if observed else math.nan


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
