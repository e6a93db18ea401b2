"""The warehouse's catalogue: indicators, regions and sources (marts.*), and plain-dict lookups over them.

Both are cached per warehouse version (the file's path and :func:`~kpidash.data.connection.warehouse_version`: a
swapped file is another version even with the old mtime), and shared between requests: do not mutate them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from kpidash import config
from kpidash.data.connection import query, warehouse_version
from kpidash.data.rows import clean


def _wh(path: Path | None) -> Path:
    return path or config.warehouse_path()


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@functools.lru_cache(maxsize=4)
def _catalogue(path: str, _version: tuple[int, int, int] | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    p = Path(path)
    indicators = query("SELECT * FROM marts.indicators ORDER BY theme, indicator_id", path=p)
    regions = query(
        "SELECT region_code, name_ja, name_en, level, parent_code, sort_key FROM marts.regions ORDER BY sort_key",
        path=p,
    )
    sources = query("SELECT * FROM marts.sources ORDER BY source_id", path=p)
    return indicators, regions, sources


def catalogue(path: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(indicators, regions, sources) of the warehouse, cached per warehouse version. Do not mutate."""
    p = _wh(path)
    if not p.exists():  # let connection.connect raise its WarehouseMissing message
        query("SELECT 1", path=p)
    return _catalogue(str(p), warehouse_version(p))


@dataclass(frozen=True)
class CatalogueIndex:
    """Plain-dict lookups over :func:`catalogue` for the per-request paths (id validation, data.json rows and
    provenance): a dict lookup instead of a pandas ``set_index`` / ``.at`` per call.

    Cached per warehouse version like the catalogue itself, and on purpose kept even with KPIDASH_VIEW_CACHE=0: it
    holds catalogue-level facts only (one entry per indicator definition, region, source), never anything that
    depends on a request's selection, so the first request of a selection still queries its rows from the warehouse.
    """

    indicator_ids: frozenset[str]
    region_codes: frozenset[str]
    indicator_rows: dict[str, tuple[Any, Any, Any]]  # id → (name_ja, period_type, unit), JSON-ready
    indicator_source: dict[str, Any]  # id → marts.indicators.source_id as stored
    indicator_caveats: dict[str, Any]  # id → caveats, JSON-ready (None if missing)
    regions: dict[str, tuple[Any, float]]  # code → (name_ja JSON-ready, sort_key; a missing key sorts last)
    citations: dict[str, str]  # source id → str(citation_ja)
    licences: dict[str, Any]  # source id → licence, JSON-ready


@functools.lru_cache(maxsize=4)
def _catalogue_index(path: str, _version: tuple[int, int, int] | None) -> CatalogueIndex:
    indicators, regions, sources = _catalogue(path, _version)
    iids = indicators["indicator_id"].tolist()
    codes = regions["region_code"].tolist()
    sids = sources["source_id"].tolist()
    cols = (indicators[c].tolist() for c in ("name_ja", "period_type", "unit"))
    keys = [clean(k) for k in regions["sort_key"].tolist()]
    return CatalogueIndex(
        indicator_ids=frozenset(iids),
        region_codes=frozenset(codes),
        indicator_rows={i: (clean(n), clean(p), clean(u)) for i, n, p, u in zip(iids, *cols, strict=True)},
        indicator_source=dict(zip(iids, indicators["source_id"].tolist(), strict=True)),
        indicator_caveats={i: clean(c) for i, c in zip(iids, indicators["caveats"].tolist(), strict=True)},
        regions={
            c: (clean(n), math.inf if k is None else k)
            for c, n, k in zip(codes, regions["name_ja"].tolist(), keys, strict=True)
        },
        citations={s: str(c) for s, c in zip(sids, sources["citation_ja"].tolist(), strict=True)},
        licences={s: clean(lic) for s, lic in zip(sids, sources["licence"].tolist(), strict=True)},
    )


def index(path: Path | None = None) -> CatalogueIndex:
    """The :class:`CatalogueIndex` of the warehouse, cached per warehouse version."""
    p = _wh(path)
    if not p.exists():  # let connection.connect raise its WarehouseMissing message
        query("SELECT 1", path=p)
    return _catalogue_index(str(p), warehouse_version(p))


def indicator_ids(path: Path | None = None) -> set[str]:
    return set(index(path).indicator_ids)


def region_codes(path: Path | None = None) -> set[str]:
    return set(index(path).region_codes)


def region_levels(path: Path | None = None) -> list[str]:
    return list(dict.fromkeys(catalogue(path)[1]["level"]))


def warehouse_built_at(path: Path | None = None) -> str:
    """Build time of the warehouse (the file is renamed into place only when every check passes)."""
    p = _wh(path)
    return datetime.fromtimestamp(_mtime(p), UTC).isoformat(timespec="seconds")
