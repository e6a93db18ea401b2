"""Industry structure for /industry: the warehouse's industry indicators fetched once per warehouse, then the
composition, location quotients and growth contributions of :mod:`kpidash.analysis.industry`, memoised."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kpidash import config
from kpidash.analysis import explore as explore_compute
from kpidash.analysis import industry as compute
from kpidash.analysis.explore import CrossSummary, RankedPrefecture
from kpidash.analysis.industry import Composition, Industry, IndustryDataError, Waterfall
from kpidash.data import cache, queries

MEASURES = ("va", "emp2015")
REGIONS = (*config.AGGREGATE_CODES, *config.PREFECTURE_CODES)  # 00, TKY, NTK, 01–47

__all__ = ["MEASURES", "REGIONS", "IndustryDataError", "IndustryResult", "industries", "industry", "years"]


@cache.per_warehouse(maxsize=4, catalogue=True)
def industries(measure: str) -> list[Industry]:
    df = queries.industries()
    df = df[df["measure"] == measure].sort_values("sort_order")
    return [Industry(r.key, r.name_ja, r.name_en, "" if pd.isna(r.sector) else str(r.sector)) for r in df.itertuples()]


def indicator_ids(measure: str) -> list[str]:
    """The catalogue ids behind a measure's page: values, shares, location quotients and the totals."""
    keys = [i.key for i in industries(measure)]
    totals = ["va_total", "va_subtotal"] if measure == "va" else ["emp2015_total"]
    return [
        *(f"{measure}_{k}" for k in keys),
        *(f"{measure}_share_{k}" for k in keys),
        *(f"{measure}_lq_{k}" for k in keys),
        *totals,
    ]


@cache.per_warehouse(maxsize=4, catalogue=True)  # the measure's data (~35,000 rows): fetched once per warehouse
def _frame(measure: str) -> pd.DataFrame:
    return queries.panel(indicator_ids(measure), list(REGIONS))


@cache.per_warehouse(maxsize=4, catalogue=True)
def _by_region(measure: str) -> dict[str, pd.DataFrame]:
    """The measure's rows split by region once: a view then filters a few hundred rows, not 35,000."""
    return {str(code): df for code, df in _frame(measure).groupby("region_code")}


@cache.per_warehouse(maxsize=1, catalogue=True)
def _region_names() -> dict[str, tuple[str, str]]:
    r = queries.regions()
    r = r[r["region_code"].isin(REGIONS)]
    return {c: (ja, en) for c, ja, en in zip(r["region_code"], r["name_ja"], r["name_en"], strict=True)}


@cache.per_warehouse(maxsize=4, catalogue=True)
def _lq(measure: str, period: int) -> pd.DataFrame:
    return compute.lq_matrix(_frame(measure), industries(measure), measure, period)


@cache.per_warehouse(maxsize=4, catalogue=True)
def years(measure: str) -> list[int]:
    return sorted(int(p) for p in _frame(measure)["period"].unique())


@dataclass(frozen=True)
class IndustryResult:
    measure: str
    region: str
    region_names: dict[str, tuple[str, str]]  # code → (ja, en) of 00, TKY, NTK and the 47
    composition: Composition
    lq: pd.DataFrame  # region × industry key, year1
    industry: Industry  # the one on the map
    map_cross: pd.DataFrame  # region_code, name_ja, name_en, level, value (its LQ)
    map_ranked: tuple[RankedPrefecture, ...]
    map_summary: CrossSummary | None
    waterfalls: tuple[Waterfall, ...]  # the region and the comparison area (value added only)
    waterfall_error: str | None
    indicator_ids: tuple[str, ...]


@cache.per_warehouse(maxsize=64)
def industry(measure: str, region: str, year0: int, year1: int, industry_key: str, lang: str) -> IndustryResult:
    """Everything /industry shows; arguments already validated by the view (years among :func:`years`)."""
    inds = industries(measure)
    parts = _by_region(measure)
    empty = _frame(measure).iloc[0:0]
    names = _region_names()
    comp = compute.composition(parts.get(region, empty), inds, measure, region, year0, year1)
    lq = _lq(measure, year1)
    regions = queries.regions("prefecture")
    chosen = next((i for i in inds if i.key == industry_key), inds[0])
    prefs = regions[["region_code", "name_ja", "name_en", "level"]]
    cross = prefs.assign(value=prefs["region_code"].map(lq[chosen.key]) if chosen.key in lq else float("nan"))
    cross = cross.reset_index(drop=True)
    ranked = tuple(explore_compute.ranked_prefectures(cross, "name_ja" if lang == "ja" else "name_en"))
    waterfalls: tuple[Waterfall, ...] = ()
    error = None
    if measure == "va":
        other = config.OUTSIDE_TOKYO_AREA_CODE if region == config.TOKYO_AREA_CODE else config.TOKYO_AREA_CODE
        try:
            waterfalls = tuple(
                compute.contributions(parts.get(r, empty), inds, r, year0, year1) for r in (region, other)
            )
        except IndustryDataError as exc:
            error = str(exc)
    return IndustryResult(
        measure,
        region,
        names,
        comp,
        lq,
        chosen,
        cross,
        ranked,
        explore_compute.cross_summary(ranked),
        waterfalls,
        error,
        tuple(indicator_ids(measure)),
    )
