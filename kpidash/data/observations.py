"""Observations in long format (one row per indicator × region × period), as the data exports and data.json read
them. The SQL is constant text; every value (ids, codes, years) is a bound parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kpidash.data import catalogue
from kpidash.data.connection import connect, query
from kpidash.data.rows import records

LONG_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "indicator_name_ja",
    "region_code",
    "region_name_ja",
    "period",
    "period_type",
    "value",
    "unit",
    "source_id",
    "derivation",
)

_SELECT = (
    "SELECT o.indicator_id, i.name_ja AS indicator_name_ja, o.region_code, r.name_ja AS region_name_ja, o.period, "
    "i.period_type, o.value, i.unit, o.source_id, o.derivation "
    "FROM marts.observations o JOIN marts.indicators i USING (indicator_id) JOIN marts.regions r USING (region_code) "
)
_COUNT = "SELECT count(*) AS n FROM marts.observations o "
# data.json reads the observations alone: names, units and sort keys come from the cached catalogue index, and the
# rows are ordered in Python (the two joins and the ORDER BY took about half of the query's ~4 ms).
_OBS = "SELECT o.indicator_id, o.region_code, o.period, o.value, o.source_id, o.derivation FROM marts.observations o "
_LIMIT = " LIMIT $limit"
_ORDER = " ORDER BY list_position($ids, o.indicator_id), r.sort_key, o.period"


def _where(
    indicator_ids: Sequence[str], region_codes: Sequence[str] | None, period_from: int | None, period_to: int | None
) -> tuple[str, dict[str, Any]]:
    """Constant SQL fragments chosen by which filters are present; the values are bound parameters."""
    clauses = ["list_contains($ids, o.indicator_id)"]
    params: dict[str, Any] = {"ids": list(indicator_ids)}
    if region_codes is not None:
        clauses.append("list_contains($regions, o.region_code)")
        params["regions"] = list(region_codes)
    if period_from is not None:
        clauses.append("o.period >= $period_from")
        params["period_from"] = int(period_from)
    if period_to is not None:
        clauses.append("o.period <= $period_to")
        params["period_to"] = int(period_to)
    return "WHERE " + " AND ".join(clauses), params


def count_rows(
    indicator_ids: Sequence[str],
    region_codes: Sequence[str] | None = None,
    period_from: int | None = None,
    period_to: int | None = None,
    path: Path | None = None,
) -> int:
    """Number of rows :func:`long_data` would return (checked against the row limit before fetching)."""
    where, params = _where(indicator_ids, region_codes, period_from, period_to)
    return int(query(_COUNT + where, params, path=path)["n"].iloc[0])


def long_data(
    indicator_ids: list[str],
    region_codes: list[str] | None = None,
    period_from: int | None = None,
    period_to: int | None = None,
    path: Path | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Observations in long format (columns LONG_COLUMNS).

    Rows are ordered by the indicators in the order asked, then regions in JIS / sort_key order (全国, 東京圏,
    東京圏以外, 01–47, municipalities), then period. ``region_codes=None`` means every region with data; the period
    bounds are inclusive. With ``limit``, at most that many rows (the first ones in that order): ask for one more
    than a row limit to learn whether a selection exceeds it without a separate count.
    """
    if not indicator_ids:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LONG_COLUMNS})
    where, params = _where(indicator_ids, region_codes, period_from, period_to)
    sql = _SELECT + where + _ORDER
    if limit is not None:
        sql += _LIMIT
        params["limit"] = int(limit)
    df = query(sql, params, path=path)
    return df.loc[:, list(LONG_COLUMNS)].reset_index(drop=True)


def long_records(
    indicator_ids: Sequence[str],
    region_codes: Sequence[str] | None = None,
    period_from: int | None = None,
    period_to: int | None = None,
    path: Path | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The rows of :func:`long_data` as JSON-ready dicts (``records(long_data(...))``, same keys, values and order),
    without pandas: one query on marts.observations, the names, units and region order from the catalogue index.

    With ``limit``, at most that many rows are read; unlike :func:`long_data`, which ones is unspecified when more
    match (the caller asks for limit + 1 only to learn whether a selection is over its row limit).
    """
    if not indicator_ids:
        return []
    idx = catalogue.index(path)
    where, params = _where(indicator_ids, region_codes, period_from, period_to)
    sql = _OBS + where
    if limit is not None:
        sql += _LIMIT
        params["limit"] = int(limit)
    with connect(path) as con:
        fetched = con.execute(sql, params).fetchall()
    try:
        return _observation_records(fetched, indicator_ids, idx)
    except KeyError:
        # An indicator or region missing from the catalogue index: only if the file was swapped between reading the
        # catalogue and the rows (the ETL refuses observations of unknown indicators or regions). Let SQL join and
        # order them, as long_data does.
        regions = None if region_codes is None else list(region_codes)
        return records(long_data(list(indicator_ids), regions, period_from, period_to, path, limit))


def _observation_records(
    fetched: list[tuple[Any, ...]], indicator_ids: Sequence[str], idx: catalogue.CatalogueIndex
) -> list[dict[str, Any]]:
    """Rows of _OBS → long-format dicts in long_data's order; KeyError for an indicator or region not in ``idx``."""
    ind, reg = idx.indicator_rows, idx.regions
    position: dict[str, int] = {}
    for k, iid in enumerate(indicator_ids):
        position.setdefault(iid, k)  # list_position: the first occurrence
    # (indicator, region, period) is unique (etl.checks), so this order is total, as ORDER BY in long_data
    fetched.sort(key=lambda r: (position[r[0]], reg[r[1]][1], r[2]))
    isfinite = math.isfinite
    out = []
    for iid, code, period, value, source_id, derivation in fetched:
        name, period_type, unit = ind[iid]
        if value is not None and not isfinite(value):
            value = None
        out.append(
            {
                "indicator_id": iid,
                "indicator_name_ja": name,
                "region_code": code,
                "region_name_ja": reg[code][0],
                "period": period,
                "period_type": period_type,
                "value": value,
                "unit": unit,
                "source_id": source_id,
                "derivation": derivation,
            }
        )
    return out
