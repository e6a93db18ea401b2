"""KPI results and the catalogue, cached per warehouse, definitions and survey files."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd

from kpidash import config
from kpidash.analysis import kpi
from kpidash.analysis.kpi import Breakdown, Series, SurveyInput
from kpidash.data import queries
from kpidash.data.connection import warehouse_version
from kpidash.data.schema import ensure_warehouse_schema
from kpidash.data.survey import SurveyError, read_survey
from kpidash.kpi_schema import KpiDefs, check_against_catalogue, load_kpi_defs


class WarehouseInputs:
    """The KPI engine's inputs read from a warehouse file and the survey folder."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.available = queries.indicator_ids(path=path)

    def series(self, indicator_id: str, region: str) -> Series:
        df = queries.series(indicator_id, [region], path=self.path)
        return [(int(p), float(v)) for p, v in zip(df["period"], df["value"], strict=True)]

    def prefecture_values(self, indicator_id: str) -> pd.DataFrame:
        return queries.query_indicator_prefectures(indicator_id, path=self.path)

    def population_band(self, scope: str, sex: str, age_groups: list[str]) -> pd.DataFrame:
        return queries.population_band(scope, sex, age_groups, path=self.path)

    def survey(self, file: str) -> SurveyInput:
        path = config.DATA_DIR / file
        try:
            rows = read_survey(path)
        except SurveyError as exc:
            return SurveyInput(error=str(exc))
        return SurveyInput(rows=tuple(rows or ()), loaded=path.exists())


def compute_all(defs: KpiDefs | None = None, path: Path | None = None) -> list[dict[str, Any]]:
    """Every KPI of the definitions on a warehouse file (the configured one by default)."""
    return kpi.compute_all(defs or load_kpi_defs(), WarehouseInputs(path))


def _stamp(path: Path) -> float:
    """The modification time of a definitions or survey file (0 while it is absent)."""
    return path.stat().st_mtime if path.exists() else 0.0


@functools.lru_cache(maxsize=4)
def _kpis(
    path: str, _wh_version: tuple[int, int, int] | None, _defs_mtime: float, _survey_stamp: tuple[float, ...]
) -> tuple[dict[str, Any], ...]:
    return tuple(compute_all(load_kpi_defs(), Path(path)))


def _survey_stamp() -> tuple[float, ...]:
    """Survey files are read at compute time: a file placed while the app runs must invalidate the cache."""
    folder = config.DATA_DIR / "survey"
    return tuple(sorted(_stamp(p) for p in folder.glob("*.csv"))) if folder.exists() else ()


def kpis() -> list[dict[str, Any]]:
    wh = config.warehouse_path()
    return list(_kpis(str(wh), warehouse_version(wh), _stamp(config.KPI_DEFS_PATH), _survey_stamp()))


def kpi_by_id(kpi_id: str) -> dict[str, Any] | None:
    return next((k for k in kpis() if k["id"] == kpi_id), None)


def prefecture_breakdown(kpi_result: dict[str, Any], path: Path | None = None) -> Breakdown | None:
    """Per-prefecture view of a KPI: (frame with region_code, name_ja, name_en, level, value; titles ja/en; unit)."""
    prefectures = queries.regions("prefecture", path=path)
    growth = kpi.headline_growth(kpi_result)
    if growth is not None:
        indicator, base, latest = growth
        values = queries.series(indicator, [*config.PREFECTURE_CODES, config.TOKYO_AREA_CODE], path=path)
        return kpi.growth_breakdown(kpi.growth_vs_reference(values, prefectures, base, latest))
    measure = kpi_result.get("measure_band")
    if not kpi_result.get("counts") or measure is None:
        return None
    scope, sex, age_from, age_to, window = measure
    band = queries.population_band(scope, sex, kpi.age_groups(age_from, age_to), path=path)
    return kpi.band_breakdown(band, prefectures, window)


@functools.lru_cache(maxsize=4)
def _catalogue(path: str, _version: tuple[int, int, int] | None) -> pd.DataFrame:
    return queries.indicators(path=Path(path))


def catalogue() -> pd.DataFrame:
    wh = config.warehouse_path()
    return _catalogue(str(wh), warehouse_version(wh))


def validate_startup() -> KpiDefs:
    """Refuse to start with invalid definitions or a missing warehouse; raises with a message saying why."""
    ensure_warehouse_schema(config.warehouse_path())
    defs = load_kpi_defs()
    check_against_catalogue(config.KPI_DEFS_PATH, set(catalogue()["indicator_id"]))
    return defs
