"""KPI 1 arithmetic: growth-gap series, growth of each area from a chosen base year, its decomposition into the
growth of the numerator (GDP) and of the denominator (persons employed, or a proxy), and per-prefecture gaps.

Productivity of an area A in year t is P_A(t) = Σ GDP ÷ Σ denominator over its prefectures (the ETL materialises the
area sums). Growth from base b to t is (P(t)/P(b) − 1)·100; the gap is growth outside minus inside the Tokyo area,
in percentage points. The decomposition is exact in log points: 100·ln(P(t)/P(b)) = 100·ln(GDP ratio) −
100·ln(denominator ratio), so the gap in log points splits into a GDP part and a denominator part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kpidash import config

Series = list[tuple[int, float]]


def growth_gap_series(area_vals: Series, ref_vals: Series, base: int) -> Series:
    """(A(t)/A(base) − 1)·100 − (B(t)/B(base) − 1)·100 for periods from ``base`` where both exist."""
    a, b = dict(area_vals), dict(ref_vals)
    if base not in a or base not in b:
        return []
    return [(t, (a[t] / a[base] - 1) * 100 - (b[t] / b[base] - 1) * 100) for t in sorted(a) if t in b and t >= base]


@dataclass(frozen=True)
class AreaGrowth:
    region_code: str
    base_value: float
    latest_value: float
    growth_pct: float
    numerator_growth_pct: float | None
    denominator_growth_pct: float | None
    log_points: float
    numerator_log_points: float | None
    denominator_log_points: float | None


@dataclass(frozen=True)
class GrowthFromBase:
    """Growth of each area from ``base_year`` to ``latest_year`` for one variant, and the gap (points)."""

    variant: str
    indicator: str
    proxy: bool
    numerator: str | None
    denominator: str | None
    base_year: int
    latest_year: int
    areas: list[AreaGrowth]
    gap_points: float
    gap_log_points: float
    series: Series = field(default_factory=list)  # the gap from the base year to each later year

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "indicator": self.indicator,
            "proxy": self.proxy,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "base_year": self.base_year,
            "latest_year": self.latest_year,
            "areas": [vars(a) for a in self.areas],
            "gap_points": self.gap_points,
            "decomposition": {
                "gap_log_points": self.gap_log_points,
                "numerator_log_points": _diff(self.areas, "numerator_log_points"),
                "denominator_log_points": _diff(self.areas, "denominator_log_points"),
            },
            "series": [{"period": t, "value": v} for t, v in self.series],
        }


def _diff(areas: list[AreaGrowth], attr: str) -> float | None:
    a, b = getattr(areas[0], attr), getattr(areas[1], attr)
    return None if a is None or b is None else a - b


class BaseYearError(ValueError):
    """The chosen base year cannot be used for this series (the message says which years can)."""


def growth_from_base(
    variant: str,
    indicator: str,
    proxy: bool,
    ratio: dict[str, Series],
    parts: dict[str, tuple[Series, Series]] | None,
    regions: tuple[str, str],
    base_year: int,
    formula: tuple[str, str] | None = None,
) -> GrowthFromBase:
    """``ratio``: region → productivity series; ``parts``: region → (numerator, denominator) series of the ratio's
    ``formula`` (numerator id, denominator id), or None when the ratio is not derived here."""
    common = sorted(set.intersection(*(set(dict(ratio[r])) for r in regions)))
    if not common:
        raise BaseYearError(f"variant {variant!r} has no data for both areas")
    if base_year not in common:
        raise BaseYearError(
            f"base_year {base_year} is not available for variant {variant!r} (available {common[0]}–{common[-1]})"
        )
    latest = common[-1]
    if latest == base_year:
        raise BaseYearError(
            f"base_year {base_year} is the latest year of variant {variant!r}: no later year to grow to "
            f"(available {common[0]}–{common[-1]})"
        )
    areas = []
    for r in regions:
        p = dict(ratio[r])
        num = den = None
        if parts is not None:
            n_s, d_s = (dict(x) for x in parts[r])
            if base_year in n_s and latest in n_s and base_year in d_s and latest in d_s:
                num, den = n_s[latest] / n_s[base_year], d_s[latest] / d_s[base_year]
        areas.append(
            AreaGrowth(
                r,
                p[base_year],
                p[latest],
                (p[latest] / p[base_year] - 1) * 100,
                (num - 1) * 100 if num is not None else None,
                (den - 1) * 100 if den is not None else None,
                100 * math.log(p[latest] / p[base_year]),
                100 * math.log(num) if num is not None else None,
                100 * math.log(den) if den is not None else None,
            )
        )
    return GrowthFromBase(
        variant,
        indicator,
        proxy,
        formula[0] if formula else None,
        formula[1] if formula else None,
        base_year,
        latest,
        areas,
        areas[0].growth_pct - areas[1].growth_pct,
        areas[0].log_points - areas[1].log_points,
        growth_gap_series(ratio[regions[0]], ratio[regions[1]], base_year),
    )


def growth_vs_reference(values: pd.DataFrame, prefectures: pd.DataFrame, base: int, latest: int) -> pd.DataFrame:
    """Each prefecture's growth from ``base`` to ``latest`` minus the Tokyo-area growth (points).

    ``values``: region_code, period, value for the 47 prefectures and TKY; ``prefectures``: region_code, name_ja,
    name_en."""
    wide = values.pivot(index="region_code", columns="period", values="value")
    growth = (wide[latest] / wide[base] - 1) * 100
    ref = growth.pop(config.TOKYO_AREA_CODE)
    regs = prefectures.set_index("region_code")
    out = pd.DataFrame({"growth": growth, "gap": growth - ref}).join(regs[["name_ja", "name_en"]])
    out["period"] = latest
    out["base"] = base
    return out.reset_index()[["region_code", "name_ja", "name_en", "base", "period", "growth", "gap"]]
