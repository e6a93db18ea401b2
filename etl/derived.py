"""Materialise the derived series declared in kpi_defs.yaml (formulas as data) into the warehouse's marts.

A ratio is computed on each region's own rows: for TKY, NTK and 00 those rows are sums of prefectures, so the ratio is
Σ numerator / Σ denominator (never a mean of prefecture ratios). A derived series whose inputs are not loaded is
skipped; the KPI engine then falls back to the proxy declared in the YAML.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from kpidash.kpi_schema import DerivedIndicator, derived_order, load_kpi_defs


def materialise(con: duckdb.DuckDBPyConnection, kpi_defs_path: Path | None = None) -> list[str]:
    defs = load_kpi_defs(kpi_defs_path)
    made: list[str] = []
    for d in derived_order(defs):
        if not _inputs_present(con, d):
            print(f"    (skipped {d.id}: {d.formula.numerator} or {d.formula.denominator} not loaded)", file=sys.stderr)
            continue
        _insert_ratio(con, d)
        made.append(d.id)
    return made


def _inputs_present(con: duckdb.DuckDBPyConnection, d: DerivedIndicator) -> bool:
    row = con.execute(
        "SELECT count(DISTINCT indicator_id) FROM marts.observations WHERE indicator_id IN (?, ?)",
        [d.formula.numerator, d.formula.denominator],
    ).fetchone()
    return bool(row and row[0] == 2)


def _insert_ratio(con: duckdb.DuckDBPyConnection, d: DerivedIndicator) -> None:
    f = d.formula
    con.execute(
        """
        INSERT INTO marts.observations
        SELECT ?, n.region_code, n.period, n.value / q.value * ?, n.source_id, 'derived'
        FROM marts.observations n JOIN marts.observations q USING (region_code, period)
        WHERE n.indicator_id = ? AND q.indicator_id = ? AND q.value <> 0
        """,
        [d.id, f.scale, f.numerator, f.denominator],
    )
    src = con.execute("SELECT source_id FROM staging.all_indicators WHERE indicator_id = ?", [f.numerator]).fetchone()
    period_type = con.execute(
        "SELECT period_type FROM staging.all_indicators WHERE indicator_id = ?", [f.numerator]
    ).fetchone()
    proxy = f" 【代理指標】{d.proxy_note_ja}" if d.proxy else ""
    con.execute(
        "INSERT INTO staging.stg_derived_indicators BY NAME SELECT ? AS indicator_id, ? AS name_ja, ? AS name_en, "
        "? AS unit, ? AS period_type, ? AS source_id, ? AS description, ? AS theme, false AS additive, ? AS decimals, "
        "? AS caveats",
        [
            d.id,
            d.name_ja + ("（代理指標）" if d.proxy else ""),
            d.name_en + (" (proxy)" if d.proxy else ""),
            d.unit,
            period_type[0] if period_type else "fiscal_year",
            src[0] if src else "",
            f"{d.description} 計算式: {f.numerator} ÷ {f.denominator}"
            + (f" × {f.scale:g}" if f.scale != 1 else "")
            + "（地域の合計どうしの比）。",
            d.theme,
            d.decimals,
            (d.caveats + proxy).strip(),
        ],
    )
