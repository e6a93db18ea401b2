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
    """marts.sources with the first and last period its observation rows supply and how many indicators they cover
    (first, last, n): a source that supplies some years of an indicator (an older edition) is counted for those."""
    return queries.sources().join(queries.source_coverage().set_index("source_id"), on="source_id")


def warehouse_built() -> str:
    """The local time the warehouse file was written (``YYYY-MM-DD HH:MM``), or — without one."""
    p = config.warehouse_path()
    return dt.datetime.fromtimestamp(p.stat().st_mtime).strftime("%Y-%m-%d %H:%M") if p.exists() else "—"
