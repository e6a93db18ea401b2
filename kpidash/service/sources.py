"""The sources of the warehouse for the pages: each source's row, the periods its indicators cover, the build time."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kpidash import config
from kpidash.data import queries


def sources() -> pd.DataFrame:
    """marts.sources, one row per source."""
    return queries.sources()


def source(source_id: str) -> dict[str, object]:
    """One source's row as a dict; empty when the catalogue has no such source."""
    src = queries.sources()
    row = src[src["source_id"] == source_id]
    return row.iloc[0].to_dict() if not row.empty else {}


def sources_with_coverage() -> pd.DataFrame:
    """marts.sources with the first and last period its indicators cover and their number (first, last, n)."""
    cover = (
        queries.indicators()
        .groupby("source_id")
        .agg(first=("first_period", "min"), last=("last_period", "max"), n=("indicator_id", "count"))
    )
    return queries.sources().join(cover, on="source_id")


def warehouse_built() -> str:
    """The local time the warehouse file was written (``YYYY-MM-DD HH:MM``), or — without one."""
    p = config.warehouse_path()
    return dt.datetime.fromtimestamp(p.stat().st_mtime).strftime("%Y-%m-%d %H:%M") if p.exists() else "—"
