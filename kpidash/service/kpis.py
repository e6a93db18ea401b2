"""KPI results and the catalogue, cached per warehouse, definitions and survey files."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import pandas as pd

from kpidash import config
from kpidash.analysis import kpi, kpi_groups, kpi_growth
from kpidash.analysis.kpi import Breakdown, Series, SurveyInput
from kpidash.analysis.kpi_growth import BaseYearError
from kpidash.analysis.releases import release_status
from kpidash.data import queries
from kpidash.data import survey as survey_file
from kpidash.data.connection import warehouse_version
from kpidash.data.schema import ensure_warehouse_schema
from kpidash.data.survey import SurveyError, read_survey
from kpidash.kpi_schema import GrowthGapMeasure, KpiDefs, KpiDefsError, check_against_catalogue, load_kpi_defs
from kpidash.release_calendar import load_release_calendar

# What the survey loader accepts (shown on the KPI 2 page).
SURVEY_COLUMNS, SURVEY_REQUIRED = survey_file.COLUMNS, survey_file.REQUIRED
SURVEY_MAX_BYTES, SURVEY_MAX_ROWS = survey_file.MAX_BYTES, survey_file.MAX_ROWS


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


def releases(path: Path | None = None, today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """Each release-calendar series with the latest period and vintages loaded and when its next data are due."""
    today = today or dt.date.today()
    cat = queries.indicators(path=path).set_index("indicator_id")
    src = queries.sources(path=path)
    out = {}
    for s in load_release_calendar().series:
        periods = [int(cat.at[i, "last_period"]) for i in s.indicators if i in cat.index]
        vintages = [
            f"{r.source_id}: {r.vintage}"
            for r in src.itertuples()
            if any(str(r.source_id).startswith(p) for p in s.source_prefixes)
        ]
        out[s.id] = release_status(s, max(periods) if periods else None, vintages, today).as_dict()
    return out


def _with_releases(k: dict[str, Any], calendar: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rel = [calendar[i] for i in k["release_series"] if i in calendar]
    k = k | {"releases": rel}
    if k["status"] == "cannot_tell" and not k["latest"] and any(r["expected_passed"] for r in rel):
        k["reason_ja"] += (
            "公表時期の目安を過ぎた統計があり、公表済みで未読み込みの可能性があります（「次の統計」を参照）。"
        )
        k["reason_en"] += (
            " Some statistics are past their usual release time and may be out but not loaded (see 'Next data')."
        )
    return k


def compute_all(
    defs: KpiDefs | None = None, path: Path | None = None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Every KPI of the definitions on a warehouse file (the configured one by default), with its releases."""
    calendar = releases(path, today)
    return [_with_releases(k, calendar) for k in kpi.compute_all(defs or load_kpi_defs(), WarehouseInputs(path))]


def _stamp(path: Path) -> float:
    """The modification time of a definitions or survey file (0 while it is absent)."""
    return path.stat().st_mtime if path.exists() else 0.0


@functools.lru_cache(maxsize=4)
def _kpis(
    path: str,
    _wh_version: tuple[int, int, int] | None,
    _defs_mtime: tuple[float, float],
    _survey_stamp: tuple[float, ...],
    today: dt.date,
) -> tuple[dict[str, Any], ...]:
    return tuple(compute_all(load_kpi_defs(), Path(path), today))


def _survey_stamp() -> tuple[float, ...]:
    """Survey files are read at compute time: a file placed while the app runs must invalidate the cache."""
    folder = config.DATA_DIR / "survey"
    return tuple(sorted(_stamp(p) for p in folder.glob("*.csv"))) if folder.exists() else ()


def kpis() -> list[dict[str, Any]]:
    wh = config.warehouse_path()
    stamps = (_stamp(config.KPI_DEFS_PATH), _stamp(config.RELEASE_CALENDAR_PATH))
    return list(_kpis(str(wh), warehouse_version(wh), stamps, _survey_stamp(), dt.date.today()))


def kpi_by_id(kpi_id: str) -> dict[str, Any] | None:
    """A national KPI, or else the analyst's own KPI of that id (``local: true``)."""
    from kpidash.service import local_kpis  # the own KPIs build on this module's national ids

    return next((k for k in kpis() if k["id"] == kpi_id), None) or local_kpis.local_kpi_by_id(kpi_id)


def growth_at_base(kpi_result: dict[str, Any], base_year: int, variant: str | None = None) -> dict[str, Any]:
    """KPI 1 recomputed from ``base_year`` for one variant (default: the headline): growth of each area, the gap
    and its decomposition, and the per-prefecture gaps. Raises BaseYearError (a message naming the years that work)."""
    defs = load_kpi_defs()
    kdef = next(d for d in defs.kpis if d.id == kpi_result["id"])
    if not isinstance(kdef.measure, GrowthGapMeasure):
        raise BaseYearError(f"KPI {kpi_result['id']!r} has no growth variants")
    variants = {v["key"]: v for v in kpi_result.get("variants", [])}
    key = str(variant or kpi_result.get("headline_variant"))
    if key not in variants:
        raise BaseYearError(f"unknown variant {key!r} (known: {', '.join(variants) or 'none with data'})")
    v = variants[key]
    regions = (kdef.measure.area, kdef.measure.reference)
    inputs = WarehouseInputs()
    formula = next(
        ((d.formula.numerator, d.formula.denominator) for d in defs.derived_indicators if d.id == v["indicator"]), None
    )
    ratio = {r: inputs.series(v["indicator"], r) for r in regions}
    parts = {r: (inputs.series(formula[0], r), inputs.series(formula[1], r)) for r in regions} if formula else None
    g = kpi_growth.growth_from_base(key, v["indicator"], v["proxy"], ratio, parts, regions, base_year, formula)
    prefectures = queries.regions("prefecture")
    values = queries.series(v["indicator"], [*config.PREFECTURE_CODES, config.TOKYO_AREA_CODE])
    gaps = kpi_growth.growth_vs_reference(values, prefectures, g.base_year, g.latest_year)
    return g.as_dict() | {
        "label_ja": v["label_ja"],
        "label_en": v["label_en"],
        "strategy_base": base_year == kpi_result["base_year"],
        "prefectures": [
            {"region_code": r.region_code, "growth_pct": r.growth, "gap_points": r.gap} for r in gaps.itertuples()
        ],
    }


def groups_at_base(kpi_result: dict[str, Any], base_year: int | None = None) -> list[dict[str, Any]]:
    """KPI 3's groups (young people, women, young women) with their change since ``base_year``."""
    return kpi_groups.share_groups(kpi_result, base_year)


def prefecture_breakdown(
    kpi_result: dict[str, Any], path: Path | None = None, growth: dict[str, Any] | None = None
) -> Breakdown | None:
    """Per-prefecture view of a KPI: (frame with region_code, name_ja, name_en, level, value; titles ja/en; unit).

    A growth KPI needs the ``growth`` of :func:`growth_at_base` (None: no breakdown)."""
    prefectures = queries.regions("prefecture", path=path)
    if kpi_result.get("variants") is not None:
        if growth is None:
            return None
        # The per-prefecture gaps growth_at_base computed already, with the names the breakdown shows.
        gaps = (
            pd.DataFrame(growth["prefectures"], columns=["region_code", "growth_pct", "gap_points"])
            .rename(columns={"growth_pct": "growth", "gap_points": "gap"})
            .merge(prefectures[["region_code", "name_ja", "name_en"]], on="region_code")
            .assign(base=growth["base_year"], period=growth["latest_year"])
        )
        return kpi.growth_breakdown(gaps)
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
    calendar = load_release_calendar()
    unknown = [(k.id, s) for k in defs.kpis for s in k.release_series if calendar.get(s) is None]
    if unknown:
        raise KpiDefsError(
            "; ".join(
                f"kpi_defs.yaml kpis[{k}].release_series: {s!r} is not in release_calendar.yaml" for k, s in unknown
            )
        )
    return defs
