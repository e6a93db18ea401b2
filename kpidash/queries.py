"""Named queries over the marts (the only SQL the app runs). Every value is a bound parameter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpidash.db import query


def indicators(path: Path | None = None) -> pd.DataFrame:
    return query("SELECT * FROM marts.indicators ORDER BY theme, indicator_id", path=path)


def indicator_ids(path: Path | None = None) -> set[str]:
    return set(query("SELECT indicator_id FROM marts.indicators", path=path)["indicator_id"])


def regions(level: str | None = None, path: Path | None = None) -> pd.DataFrame:
    if level:
        return query("SELECT * FROM marts.regions WHERE level = ? ORDER BY sort_key", [level], path=path)
    return query("SELECT * FROM marts.regions ORDER BY sort_key", path=path)


def sources(path: Path | None = None) -> pd.DataFrame:
    return query("SELECT * FROM marts.sources ORDER BY source_id", path=path)


def series(indicator_id: str, region_codes: list[str], path: Path | None = None) -> pd.DataFrame:
    """Observations of one indicator for some regions, ordered by region and period."""
    return query(
        "SELECT indicator_id, region_code, period, value, source_id, derivation FROM marts.observations "
        "WHERE indicator_id = ? AND list_contains(?, region_code) ORDER BY region_code, period",
        [indicator_id, region_codes],
        path=path,
    )


def prefecture_values(indicator_id: str, period: int, path: Path | None = None) -> pd.DataFrame:
    return query(
        "SELECT o.region_code, r.name_ja, r.name_en, o.value FROM marts.observations o "
        "JOIN marts.regions r USING (region_code) WHERE o.indicator_id = ? AND o.period = ? AND r.level = 'prefecture' "
        "ORDER BY r.sort_key",
        [indicator_id, period],
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


def summary_counts(path: Path | None = None) -> dict[str, int]:
    df = query(
        "SELECT (SELECT count(*) FROM marts.indicators) AS indicators, (SELECT count(*) FROM marts.observations) AS "
        "observations, (SELECT count(*) FROM marts.sources) AS sources",
        path=path,
    )
    return {k: int(v) for k, v in df.iloc[0].items()}


def query_indicator_prefectures(indicator_id: str, path: Path | None = None) -> pd.DataFrame:
    """region_code, period, value of an indicator for the 47 prefectures (all periods)."""
    return query(
        "SELECT o.region_code, o.period, o.value FROM marts.observations o JOIN marts.regions r USING (region_code) "
        "WHERE o.indicator_id = ? AND r.level = 'prefecture' ORDER BY ALL",
        [indicator_id],
        path=path,
    )
