"""Named queries over the marts (the only SQL the app runs). Every value is a bound parameter."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from kpidash import config
from kpidash.data import cache as memo
from kpidash.data.connection import cached_per_warehouse, query, warehouse_stamp


@cached_per_warehouse
def indicators(path: Path | None = None) -> pd.DataFrame:
    return query("SELECT * FROM marts.indicators ORDER BY theme, indicator_id", path=path)


def indicator_ids(path: Path | None = None) -> set[str]:
    return set(query("SELECT indicator_id FROM marts.indicators", path=path)["indicator_id"])


@cached_per_warehouse
def regions(level: str | None = None, path: Path | None = None) -> pd.DataFrame:
    if level:
        return query("SELECT * FROM marts.regions WHERE level = ? ORDER BY sort_key", [level], path=path)
    return query("SELECT * FROM marts.regions ORDER BY sort_key", path=path)


@cached_per_warehouse
def sources(path: Path | None = None) -> pd.DataFrame:
    return query("SELECT * FROM marts.sources ORDER BY source_id", path=path)


@cached_per_warehouse
def source_coverage(path: Path | None = None) -> pd.DataFrame:
    """Per source: the first and last period its observation rows supply and the number of indicators they cover."""
    return query(
        "SELECT source_id, min(period) AS first, max(period) AS last, count(DISTINCT indicator_id) AS n "
        "FROM marts.observations WHERE derivation = 'source' GROUP BY source_id",
        path=path,
    )


def series(indicator_id: str, region_codes: list[str], path: Path | None = None) -> pd.DataFrame:
    """Observations of one indicator for some regions, ordered by region and period."""
    return query(
        "SELECT indicator_id, region_code, period, value, source_id, derivation FROM marts.observations "
        "WHERE indicator_id = ? AND list_contains(?, region_code) ORDER BY region_code, period",
        [indicator_id, region_codes],
        path=path,
    )


def population_band(scope: str, sex: str, age_groups: list[str], path: Path | None = None) -> pd.DataFrame:
    """Residents in the given 5-year groups per prefecture (and 00) and period."""
    return query(
        "SELECT region_code, period, sum(value) AS value FROM marts.population_by_age "
        "WHERE scope = ? AND sex = ? AND list_contains(?, age_group) GROUP BY ALL ORDER BY ALL",
        [scope, sex, age_groups],
        path=path,
    )


def query_indicator_prefectures(indicator_id: str, path: Path | None = None) -> pd.DataFrame:
    """region_code, period, value of an indicator for the 47 prefectures (all periods)."""
    return query(
        "SELECT o.region_code, o.period, o.value FROM marts.observations o JOIN marts.regions r USING (region_code) "
        "WHERE o.indicator_id = ? AND r.level = 'prefecture' ORDER BY ALL",
        [indicator_id],
        path=path,
    )


def indicator(indicator_id: str, path: Path | None = None) -> dict | None:
    """One catalogue row as a dict (a copy), or None. Looked up in a dict built once per warehouse version: the
    pages ask for it several times per callback."""
    p = path or config.warehouse_path()
    try:
        stamp = warehouse_stamp(p)
    except FileNotFoundError:
        indicators(path=p)  # raises the query layer's clear "warehouse not found" message
        raise
    row = _indicator_rows(str(p), stamp).get(indicator_id)
    return None if row is None else dict(row)


@functools.lru_cache(maxsize=4)
def _indicator_rows(path: str, _stamp: tuple[int, int, int]) -> dict[str, dict]:
    df = indicators(path=Path(path))
    return {str(r["indicator_id"]): r for r in df.to_dict("records")}


def periods(indicator_id: str, path: Path | None = None) -> list[int]:
    df = _periods(indicator_id, path=path)
    return [int(p) for p in df["period"]]


@cached_per_warehouse
def _periods(indicator_id: str, path: Path | None = None) -> pd.DataFrame:
    return query(
        "SELECT DISTINCT period FROM marts.observations o JOIN marts.regions r USING (region_code) "
        "WHERE indicator_id = ? AND r.level IN ('prefecture', 'national', 'aggregate') ORDER BY period",
        [indicator_id],
        path=path,
    )


def cross_section(indicator_id: str, period: int, path: Path | None = None) -> pd.DataFrame:
    """Prefectures and aggregates (00, TKY, NTK) of one indicator in one period, in JIS order. Kept per warehouse
    version (≤ 50 rows; several views and modes read the same cross-section) unless KPIDASH_VIEW_CACHE=0."""
    if memo.enabled():
        return _cross_section_kept(indicator_id, period, path=path)
    return _cross_section(indicator_id, period, path=path)


def _cross_section(indicator_id: str, period: int, path: Path | None = None) -> pd.DataFrame:
    return query(
        "SELECT o.region_code, r.name_ja, r.name_en, r.level, r.region_block_ja, r.region_block_en, o.value, "
        "o.derivation FROM marts.observations o JOIN marts.regions r USING (region_code) "
        "WHERE o.indicator_id = ? AND o.period = ? AND r.level IN ('prefecture', 'national', 'aggregate') "
        "ORDER BY r.sort_key",
        [indicator_id, period],
        path=path,
    )


_cross_section_kept = cached_per_warehouse(_cross_section)


def panel(indicator_ids: list[str], region_codes: list[str], path: Path | None = None) -> pd.DataFrame:
    """Long panel of several indicators × regions (all periods)."""
    return query(
        "SELECT o.indicator_id, o.region_code, r.name_ja, r.name_en, o.period, o.value FROM marts.observations o "
        "JOIN marts.regions r USING (region_code) WHERE list_contains(?, o.indicator_id) "
        "AND list_contains(?, o.region_code) ORDER BY r.sort_key, o.period",
        [indicator_ids, region_codes],
        path=path,
    )


def latest_profile(region_code: str, path: Path | None = None) -> pd.DataFrame:
    """For every prefecture-level indicator: the region's value in the latest period with 47 prefectures, with the
    national distribution over prefectures (min, quartiles, max) and the 全国 value where it exists."""
    return query(
        """
        WITH latest AS (
            SELECT indicator_id, max(period) AS period FROM marts.observations o
            JOIN marts.regions r USING (region_code) WHERE r.level = 'prefecture'
            GROUP BY indicator_id HAVING count(DISTINCT region_code) FILTER (WHERE true) >= 47
        ), dist AS (
            SELECT o.indicator_id, o.period, min(o.value) AS vmin, quantile_cont(o.value, 0.25) AS q1,
                   median(o.value) AS med, quantile_cont(o.value, 0.75) AS q3, max(o.value) AS vmax,
                   count(*) AS n
            FROM marts.observations o JOIN latest l USING (indicator_id, period)
            JOIN marts.regions r USING (region_code) WHERE r.level = 'prefecture' GROUP BY ALL
        )
        SELECT i.indicator_id, i.name_ja, i.name_en, i.unit, i.theme, i.period_type, i.decimals, d.period,
               me.value AS value, nat.value AS national, d.vmin, d.q1, d.med, d.q3, d.vmax, d.n,
               (SELECT count(*) FROM marts.observations o2 JOIN marts.regions r2 USING (region_code)
                WHERE o2.indicator_id = d.indicator_id AND o2.period = d.period AND r2.level = 'prefecture'
                  AND o2.value > me.value) + 1 AS rank_desc
        FROM dist d JOIN marts.indicators i USING (indicator_id)
        JOIN marts.observations me ON me.indicator_id = d.indicator_id AND me.period = d.period
                                   AND me.region_code = ?
        LEFT JOIN marts.observations nat ON nat.indicator_id = d.indicator_id AND nat.period = d.period
                                        AND nat.region_code = '00'
        WHERE d.n = 47
        ORDER BY i.theme, i.indicator_id
        """,
        [region_code],
        path=path,
    )


def values_for_period_or_latest(indicator_ids: list[str], path: Path | None = None) -> pd.DataFrame:
    """Prefecture values of several indicators, each at its own latest period with all 47 prefectures."""
    return query(
        """
        WITH latest AS (
            SELECT indicator_id, max(period) AS period FROM (
                SELECT indicator_id, period FROM marts.observations o JOIN marts.regions r USING (region_code)
                WHERE r.level = 'prefecture' AND list_contains(?, indicator_id)
                GROUP BY ALL HAVING count(*) = 47) GROUP BY indicator_id)
        SELECT o.indicator_id, o.region_code, o.period, o.value FROM marts.observations o
        JOIN latest l USING (indicator_id, period) JOIN marts.regions r USING (region_code)
        WHERE r.level = 'prefecture' ORDER BY ALL
        """,
        [indicator_ids],
        path=path,
    )


# ---------------------------------------------------------------- municipalities (/municipalities, service/municipal.py)


def muni_indicators(path: Path | None = None) -> pd.DataFrame:
    """Indicators observed for municipalities (5-digit codes): latest municipal period and number of municipalities."""
    return query(
        "SELECT i.indicator_id, i.name_ja, i.name_en, i.unit, i.decimals, i.additive, max(o.period) AS period, "
        "count(DISTINCT o.region_code) AS n_municipalities FROM marts.observations o "
        "JOIN marts.regions r USING (region_code) JOIN marts.indicators i USING (indicator_id) "
        "WHERE r.level = 'municipality' GROUP BY ALL ORDER BY i.indicator_id",
        path=path,
    )


def muni_values(indicator_id: str, denominator_id: str, period: int, path: Path | None = None) -> pd.DataFrame:
    """Every municipality (JIS order) with one indicator and a denominator indicator in one period.

    Columns: region_code, name_ja, pref_code, entity_type, value, denominator, source_id. A municipality without an
    observation of ``indicator_id`` is left out; a missing denominator stays NULL.
    """
    return query(
        "SELECT r.region_code, r.name_ja, r.parent_code AS pref_code, r.entity_type, "
        "max(o.value) FILTER (WHERE o.indicator_id = $ind) AS value, "
        "max(o.value) FILTER (WHERE o.indicator_id = $den) AS denominator, "
        "max(o.source_id) FILTER (WHERE o.indicator_id = $ind) AS source_id "
        "FROM marts.observations o JOIN marts.regions r USING (region_code) "
        "WHERE r.level = 'municipality' AND o.period = $period AND o.indicator_id IN ($ind, $den) "
        "GROUP BY r.region_code, r.name_ja, r.parent_code, r.entity_type, r.sort_key "
        "HAVING count(*) FILTER (WHERE o.indicator_id = $ind) > 0 ORDER BY r.sort_key",
        {"ind": indicator_id, "den": denominator_id, "period": period},
        path=path,
    )


@cached_per_warehouse
def industries(path: Path | None = None) -> pd.DataFrame:
    """The industry list of marts.industries (etl/loaders/industry_indicators.yaml), ordered by measure, sort_order.

    Columns: measure ('va' = 経済活動別県内総生産 16 activities, 'emp2015' = 2015 census 就業者 A–T), key, sort_order,
    code (census letter; NULL for va), name_ja, name_en, sector (1/2/3; NULL for 分類不能), raw_label (as in the raw
    file), indicator_id (``<measure>_<key>``), share_id (``<measure>_share_<key>``), lq_id (``<measure>_lq_<key>``).
    """
    return query(
        "SELECT measure, key, sort_order, code, name_ja, name_en, sector, raw_label, indicator_id, share_id, lq_id "
        "FROM marts.industries ORDER BY measure, sort_order",
        path=path,
    )
