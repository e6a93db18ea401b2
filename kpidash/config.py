"""Every path and constant the app, the ETL and the tests share. Environment overrides live here only."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
KPI_DEFS_PATH = ROOT / "kpi_defs.yaml"
RELEASE_CALENDAR_PATH = ROOT / "release_calendar.yaml"
SURVEY_DIR = DATA_DIR / "survey"
# The boundary files the maps draw, served as /geo/<name>.geojson (kpidash/web/geo.py).
BOUNDARY_FILES: dict[str, Path] = {
    # Shared borders simplified to 30 % of the points by frontend/geometry (0.44 MB instead of 1.34 MB): the browser
    # draws the prefecture map in half the time, and at this scale the difference is not visible.
    "prefectures": DATA_DIR / "derived" / "geo" / "japan_prefectures_simplified.geojson",
    # Every island simplified on its own scale by frontend/geometry (1.39 MB instead of 4.56 MB, 62,060 of 211,005
    # points): the browser parses and draws it in half the time, and small wards keep their shape. The raw file
    # (data/raw/geo_municipal) stays the provenance record; the municipality page cites its source.
    "municipalities": DATA_DIR / "derived" / "geo" / "japan_municipalities_simplified.geojson",
}

# 東京圏 as defined by the strategy: 埼玉, 千葉, 東京, 神奈川.
TOKYO_AREA_CODES: tuple[str, ...] = ("11", "12", "13", "14")
PREFECTURE_CODES: tuple[str, ...] = tuple(f"{i:02d}" for i in range(1, 48))
NATIONAL_CODE = "00"
TOKYO_AREA_CODE = "TKY"
OUTSIDE_TOKYO_AREA_CODE = "NTK"
AGGREGATE_CODES: tuple[str, ...] = (NATIONAL_CODE, TOKYO_AREA_CODE, OUTSIDE_TOKYO_AREA_CODE)


def warehouse_path() -> Path:
    """The DuckDB file the app reads (env ``KPI_WAREHOUSE`` overrides)."""
    return Path(os.environ.get("KPI_WAREHOUSE", str(DATA_DIR / "warehouse.duckdb")))


def raw_dir() -> Path:
    """Raw-data root (env ``KPI_RAW_DIR`` overrides, used by tests that corrupt a copy)."""
    return Path(os.environ.get("KPI_RAW_DIR", str(RAW_DIR)))


# The warehouse contract (docs/architecture.md): the ETL writes these columns, the app checks them at start-up.
WAREHOUSE_CONTRACT: dict[str, tuple[str, ...]] = {
    "marts.regions": (
        "region_code",
        "name_ja",
        "name_en",
        "level",
        "parent_code",
        "region_block_*",
        "tokyo_area",
        "entity_type",
        "sort_key",
    ),
    "marts.indicators": (
        "indicator_id",
        "name_ja",
        "name_en",
        "unit",
        "period_type",
        "source_id",
        "description",
        "theme",
        "additive",
        "decimals",
        "caveats",
        "first_period",
        "last_period",
        "n_periods",
        "n_prefectures",
        "n_municipalities",
        "has_aggregates",
    ),
    "marts.observations": ("indicator_id", "region_code", "period", "value", "source_id", "derivation"),
    "marts.sources": (
        "source_id",
        "publisher",
        "title",
        "table_name",
        "url",
        "licence",
        "vintage",
        "citation_ja",
        "sha256",
        "file",
        "carrier",
        "derived",
        "accessed",
    ),
    "marts.population_by_age": ("region_code", "period", "ref_date", "scope", "sex", "age_group", "value"),
    "marts.migration_by_age": (
        "region_code",
        "period",
        "sex",
        "age_group",
        "in_migrants",
        "out_migrants",
        "net_migration",
    ),
    "marts.industries": (
        "measure",
        "key",
        "sort_order",
        "code",
        "name_ja",
        "name_en",
        "sector",
        "raw_label",
        "indicator_id",
        "share_id",
        "lq_id",
    ),
}

# The user's own KPIs and values (issue #21): outside the warehouse, which the ETL rebuilds; env KPIDASH_LOCAL_DIR
# overrides (read by kpidash.data.local_store.local_dir).
LOCAL_DIR = DATA_DIR / "local"
