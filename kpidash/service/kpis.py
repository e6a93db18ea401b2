"""Cached application services: KPI results and the catalogue, recomputed when the warehouse file changes."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd

from kpidash import config
from kpidash.analysis import kpi
from kpidash.data import queries
from kpidash.kpi_schema import KpiDefs, check_against_catalogue, load_kpi_defs


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@functools.lru_cache(maxsize=4)
def _kpis(
    path: str, _wh_mtime: float, _defs_mtime: float, _survey_stamp: tuple[float, ...]
) -> tuple[dict[str, Any], ...]:
    return tuple(kpi.compute_all(load_kpi_defs(), Path(path)))


def _survey_stamp() -> tuple[float, ...]:
    """Survey files are read at compute time: a file placed while the app runs must invalidate the cache."""
    folder = config.DATA_DIR / "survey"
    return tuple(sorted(_stamp(p) for p in folder.glob("*.csv"))) if folder.exists() else ()


def kpis() -> list[dict[str, Any]]:
    wh = config.warehouse_path()
    return list(_kpis(str(wh), _stamp(wh), _stamp(config.KPI_DEFS_PATH), _survey_stamp()))


def kpi_by_id(kpi_id: str) -> dict[str, Any] | None:
    return next((k for k in kpis() if k["id"] == kpi_id), None)


@functools.lru_cache(maxsize=4)
def _catalogue(path: str, _mtime: float) -> pd.DataFrame:
    return queries.indicators(path=Path(path))


def catalogue() -> pd.DataFrame:
    wh = config.warehouse_path()
    return _catalogue(str(wh), _stamp(wh))


def validate_startup() -> KpiDefs:
    """Refuse to start with invalid definitions or a missing warehouse; raises with a message saying why."""
    from kpidash.web.security import ensure_warehouse_schema

    ensure_warehouse_schema(config.warehouse_path())
    defs = load_kpi_defs()
    check_against_catalogue(config.KPI_DEFS_PATH, set(catalogue()["indicator_id"]))
    return defs
