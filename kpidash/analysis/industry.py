"""Industry structure, pure: composition by industry, location quotients, and each industry's contribution to
nominal GDP growth between two years.

Inputs are long frames (indicator_id, region_code, period, value) of the warehouse's industry indicators
(``va_<key>``, ``va_share_<key>``, ``va_lq_<key>``, ``va_total``; ``emp2015_…``). Contribution of industry i to the
growth of nominal GDP from y0 to y1, in points: 100·(VA_i(y1) − VA_i(y0)) ÷ GDP(y0). The 16 activities sum to the
小計 before import taxes and other adjustments, not to GDP; the rest is one item, 「輸入品に課される税・関税等（差額）」
= (GDP − Σ activities)(y1) − (…)(y0), so the contributions add up to the growth of GDP exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

RESIDUAL_KEY = "taxes_residual"
RESIDUAL_NAMES = ("輸入品に課される税・関税等（差額）", "Import taxes and other adjustments (residual)")


@dataclass(frozen=True)
class Industry:
    key: str
    name_ja: str
    name_en: str
    sector: str


@dataclass(frozen=True)
class ShareRow:
    key: str
    name_ja: str
    name_en: str
    value0: float | None
    value1: float | None
    share0: float | None
    share1: float | None

    @property
    def change_points(self) -> float | None:
        return None if self.share0 is None or self.share1 is None else self.share1 - self.share0


@dataclass(frozen=True)
class Composition:
    region: str
    measure: str
    year0: int
    year1: int
    rows: tuple[ShareRow, ...]


def _values(frame: pd.DataFrame, region: str, period: int) -> dict[str, float]:
    f = frame[(frame["region_code"] == region) & (frame["period"] == period)]
    return dict(zip(f["indicator_id"], f["value"].astype(float), strict=True))


def composition(
    frame: pd.DataFrame, industries: list[Industry], measure: str, region: str, year0: int, year1: int
) -> Composition:
    """Each industry's value and share (%) of the region in two years (the warehouse's ``<measure>_share_<key>``)."""
    v0, v1 = _values(frame, region, year0), _values(frame, region, year1)
    rows = tuple(
        ShareRow(
            i.key,
            i.name_ja,
            i.name_en,
            v0.get(f"{measure}_{i.key}"),
            v1.get(f"{measure}_{i.key}"),
            v0.get(f"{measure}_share_{i.key}"),
            v1.get(f"{measure}_share_{i.key}"),
        )
        for i in industries
    )
    return Composition(region, measure, year0, year1, rows)


def lq_matrix(frame: pd.DataFrame, industries: list[Industry], measure: str, period: int) -> pd.DataFrame:
    """Location quotients: one row per region, one column per industry key (NaN where not published)."""
    f = frame[frame["period"] == period]
    f = f[f["indicator_id"].str.startswith(f"{measure}_lq_")]
    wide = f.assign(key=f["indicator_id"].str.removeprefix(f"{measure}_lq_")).pivot(
        index="region_code", columns="key", values="value"
    )
    return wide.reindex(columns=[i.key for i in industries])


@dataclass(frozen=True)
class Contribution:
    key: str
    name_ja: str
    name_en: str
    change: float  # 百万円
    points: float  # contribution to the growth of GDP, in points


@dataclass(frozen=True)
class Waterfall:
    region: str
    year0: int
    year1: int
    gdp0: float
    gdp1: float
    items: tuple[Contribution, ...]  # the activities, then the residual

    @property
    def growth_pct(self) -> float:
        return (self.gdp1 / self.gdp0 - 1) * 100


class IndustryDataError(ValueError):
    """The values a computation needs are not in the warehouse (the message names which)."""


def contributions(frame: pd.DataFrame, industries: list[Industry], region: str, year0: int, year1: int) -> Waterfall:
    v0, v1 = _values(frame, region, year0), _values(frame, region, year1)
    missing = [
        f"{i} ({y})"
        for y, v in ((year0, v0), (year1, v1))
        for i in ["va_total", *(f"va_{x.key}" for x in industries)]
        if i not in v
    ]
    if missing:
        raise IndustryDataError(f"no value for {', '.join(missing[:5])} in region {region}")
    gdp0, gdp1 = v0["va_total"], v1["va_total"]
    items = [
        Contribution(
            i.key,
            i.name_ja,
            i.name_en,
            v1[f"va_{i.key}"] - v0[f"va_{i.key}"],
            (v1[f"va_{i.key}"] - v0[f"va_{i.key}"]) / gdp0 * 100,
        )
        for i in industries
    ]
    rest0 = gdp0 - sum(v0[f"va_{i.key}"] for i in industries)
    rest1 = gdp1 - sum(v1[f"va_{i.key}"] for i in industries)
    items.append(Contribution(RESIDUAL_KEY, *RESIDUAL_NAMES, rest1 - rest0, (rest1 - rest0) / gdp0 * 100))
    return Waterfall(region, year0, year1, gdp0, gdp1, tuple(items))
