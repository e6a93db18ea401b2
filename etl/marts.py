"""Staging and marts. Marts are the only tables the app reads."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from etl import derived
from etl.loaders.base import INDICATOR_FIELDS, OBSERVATION_COLUMNS, LoadResult
from kpidash.config import NATIONAL_CODE, OUTSIDE_TOKYO_AREA_CODE, TOKYO_AREA_CODE, TOKYO_AREA_CODES, WAREHOUSE_CONTRACT

# One definition of the contract columns (kpidash/config.py), also checked by the app at start-up.
SOURCE_COLUMNS = list(WAREHOUSE_CONTRACT["marts.sources"])


def write_staging(con: duckdb.DuckDBPyConnection, results: list[LoadResult]) -> None:
    con.execute("CREATE SCHEMA staging")
    for r in results:
        obs = r.observations[OBSERVATION_COLUMNS].copy()
        obs["period"] = obs["period"].astype("int64")
        obs["value"] = obs["value"].astype("float64")
        con.register("tmp_df", obs)
        con.execute(f"CREATE TABLE staging.stg_{r.name}_observations AS SELECT * FROM tmp_df")
        con.unregister("tmp_df")
        for name, df in r.tables.items():
            con.register("tmp_df", df)
            con.execute(f"CREATE TABLE staging.stg_{name} AS SELECT * FROM tmp_df")
            con.unregister("tmp_df")
    sources = pd.DataFrame([{c: s.get(c, "") for c in SOURCE_COLUMNS} for r in results for s in r.sources])
    con.register("tmp_df", sources)
    con.execute("CREATE TABLE staging.stg_sources AS SELECT * FROM tmp_df")
    con.unregister("tmp_df")
    inds = pd.DataFrame([{c: d[c] for c in INDICATOR_FIELDS} for r in results for d in r.indicators])
    con.register("tmp_df", inds)
    con.execute("CREATE TABLE staging.stg_indicators AS SELECT * FROM tmp_df")
    con.unregister("tmp_df")
    con.execute("CREATE TABLE staging.stg_derived_indicators AS SELECT * FROM staging.stg_indicators WHERE false")
    con.execute(
        "CREATE VIEW staging.all_indicators AS SELECT * FROM staging.stg_indicators "
        "UNION ALL SELECT * FROM staging.stg_derived_indicators"
    )
    union = " UNION ALL ".join(f"SELECT * FROM staging.stg_{r.name}_observations" for r in results)
    con.execute(f"CREATE VIEW staging.stg_observations AS {union}")


def build_marts(con: duckdb.DuckDBPyConnection, results: list[LoadResult]) -> None:
    con.execute("CREATE SCHEMA marts")
    tky = ", ".join(f"'{c}'" for c in TOKYO_AREA_CODES)
    con.execute(
        f"""
        CREATE TABLE marts.regions AS
        SELECT '{NATIONAL_CODE}' AS region_code, '全国' AS name_ja, 'Japan' AS name_en, 'national' AS level,
               NULL::VARCHAR AS parent_code, NULL::INTEGER AS region_block_id, NULL::VARCHAR AS region_block_ja,
               NULL::VARCHAR AS region_block_en, NULL::BOOLEAN AS tokyo_area, NULL::VARCHAR AS entity_type, 0 AS sort_key
        UNION ALL
        SELECT '{TOKYO_AREA_CODE}', '東京圏', 'Tokyo area', 'aggregate', '{NATIONAL_CODE}', NULL, NULL, NULL, TRUE, NULL, 1
        UNION ALL
        SELECT '{OUTSIDE_TOKYO_AREA_CODE}', '東京圏以外', 'Outside the Tokyo area', 'aggregate', '{NATIONAL_CODE}',
               NULL, NULL, NULL, FALSE, NULL, 2
        UNION ALL
        SELECT pref_code, name_ja, name_en, 'prefecture', '{NATIONAL_CODE}', region_block_id, region_block_ja,
               region_block_en, tokyo_area, NULL, 10 + CAST(pref_code AS INTEGER) FROM staging.stg_prefectures
        UNION ALL
        SELECT m.region_code, p.name_ja || ' ' || m.name_ja, NULL, 'municipality', m.pref_code, p.region_block_id,
               p.region_block_ja, p.region_block_en, p.tokyo_area, m.entity_type, 100000 + CAST(m.region_code AS INTEGER)
        FROM staging.stg_municipalities m JOIN staging.stg_prefectures p USING (pref_code)
        ORDER BY sort_key
        """
    )
    con.execute("CREATE TABLE marts.sources AS SELECT * FROM staging.stg_sources ORDER BY source_id")
    # Detail tables the KPI engine needs (any age band is a YAML parameter).
    con.execute(
        "CREATE TABLE marts.population_by_age AS SELECT region_code, year AS period, ref_date, scope, sex, age_group, "
        "value FROM staging.stg_population_by_age ORDER BY ALL"
    )
    con.execute(
        "CREATE TABLE marts.migration_by_age AS SELECT region_code, year AS period, sex, age_group, in_migrants, "
        "out_migrants, net_migration FROM staging.stg_migration_by_age ORDER BY ALL"
    )
    _industries(con)
    # Aggregates: for additive measures and only in periods where all 47 prefectures are present (else a gap).
    con.execute(
        f"""
        CREATE TABLE marts.observations AS
        WITH base AS (
            SELECT o.*, 'source' AS derivation FROM staging.stg_observations o
        ), complete AS (
            SELECT o.indicator_id, o.period FROM base o
            JOIN staging.stg_indicators i USING (indicator_id)
            JOIN marts.regions r ON r.region_code = o.region_code AND r.level = 'prefecture'
            WHERE i.additive
            GROUP BY ALL HAVING count(DISTINCT o.region_code) = 47
        ), agg AS (
            SELECT o.indicator_id,
                   CASE WHEN o.region_code IN ({tky}) THEN '{TOKYO_AREA_CODE}' ELSE '{OUTSIDE_TOKYO_AREA_CODE}' END
                     AS region_code,
                   o.period, sum(o.value) AS value, any_value(o.source_id) AS source_id,
                   'sum_of_prefectures' AS derivation
            FROM base o JOIN complete USING (indicator_id, period)
            JOIN marts.regions r ON r.region_code = o.region_code AND r.level = 'prefecture'
            GROUP BY ALL
        ), national AS (
            SELECT o.indicator_id, '{NATIONAL_CODE}' AS region_code, o.period, sum(o.value) AS value,
                   any_value(o.source_id) AS source_id, 'sum_of_prefectures' AS derivation
            FROM base o JOIN complete c USING (indicator_id, period)
            JOIN marts.regions r ON r.region_code = o.region_code AND r.level = 'prefecture'
            WHERE NOT EXISTS (SELECT 1 FROM base b WHERE b.indicator_id = o.indicator_id AND b.period = o.period
                              AND b.region_code = '{NATIONAL_CODE}')
            GROUP BY ALL
        )
        SELECT indicator_id, region_code, period, value, source_id, derivation FROM base
        UNION ALL SELECT indicator_id, region_code, period, value, source_id, derivation FROM agg
        UNION ALL SELECT indicator_id, region_code, period, value, source_id, derivation FROM national
        """
    )
    _finish_marts(con)


def _finish_marts(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build marts.indicators from staging + derived definitions, with coverage columns."""
    con.execute("DROP TABLE IF EXISTS marts.indicators")
    con.execute(
        """
        CREATE TABLE marts.indicators AS
        SELECT d.*, c.first_period, c.last_period, c.n_periods, c.n_prefectures, c.n_municipalities, c.has_aggregates
        FROM staging.all_indicators d
        LEFT JOIN (
            SELECT indicator_id, min(period) AS first_period, max(period) AS last_period,
                   count(DISTINCT period) AS n_periods,
                   count(DISTINCT region_code) FILTER (WHERE length(region_code) = 2 AND region_code <> '00')
                     AS n_prefectures,
                   count(DISTINCT region_code) FILTER (WHERE length(region_code) = 5) AS n_municipalities,
                   bool_or(region_code IN ('TKY', 'NTK')) AS has_aggregates
            FROM marts.observations GROUP BY indicator_id
        ) c USING (indicator_id)
        ORDER BY d.theme, d.indicator_id
        """
    )


def _industries(con: duckdb.DuckDBPyConnection) -> None:
    """marts.industries: the industry list of etl/loaders/industry_indicators.yaml (empty without that loader)."""
    cols = ", ".join(WAREHOUSE_CONTRACT["marts.industries"])
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staging' AND table_name = 'stg_industries'"
    ).fetchone()
    if has and has[0]:
        con.execute(
            f"CREATE TABLE marts.industries AS SELECT {cols} FROM staging.stg_industries ORDER BY measure, sort_order"
        )
    else:
        con.execute(
            "CREATE TABLE marts.industries (measure VARCHAR, key VARCHAR, sort_order BIGINT, code VARCHAR, "
            "name_ja VARCHAR, name_en VARCHAR, sector BIGINT, raw_label VARCHAR, indicator_id VARCHAR, "
            "share_id VARCHAR, lq_id VARCHAR)"
        )


def build_derived(
    con: duckdb.DuckDBPyConnection, kpi_defs_path: Path | None, results: Iterable[LoadResult] = ()
) -> None:
    """Materialise the derived series the loaders declare (e.g. industry shares and location quotients), then those
    of kpi_defs.yaml (e.g. productivity_nominal_h30), which may use the former."""
    derived.materialise_specs(con, [s for r in results for s in r.derived])
    derived.materialise(con, kpi_defs_path)
    _finish_marts(con)


def summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
        SELECT i.indicator_id, i.unit, count(*) AS rows, min(o.period) AS first, max(o.period) AS last,
               count(DISTINCT o.region_code) AS regions
        FROM marts.observations o JOIN marts.indicators i USING (indicator_id)
        GROUP BY ALL ORDER BY i.indicator_id
        """
    ).df()
