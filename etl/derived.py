"""Materialise derived series (formulas as data) into the warehouse's marts.

Two kinds of declarations feed the same machinery (:class:`Spec` + a formula, :func:`materialise_specs`):

- ``kpi_defs.yaml``'s ``derived_indicators`` (ratios; :func:`materialise`);
- the derived indicators a loader declares from its own YAML (``LoadResult.derived``, e.g. the industry shares and
  location quotients of ``etl/loaders/industry_indicators.yaml``).

Formula types (:func:`parse_formula` reads them from a YAML mapping):

- ``ratio``: numerator ÷ denominator × scale;
- ``sum``: the sum of ``terms`` (a row only where every term has one: a gap stays a gap);
- ``location_quotient``: (numerator ÷ denominator) of the region ÷ (numerator ÷ denominator) of ``reference``
  (default ``00``, the nation) in the same period — 特化係数; the reference region's own value is exactly 1.

Every formula is computed on each region's own rows: for TKY, NTK and 00 those rows are sums of prefectures, so a
ratio is Σ numerator / Σ denominator (never a mean of prefecture ratios). A derived series whose inputs are not loaded
is skipped; the KPI engine then falls back to the proxy declared in the YAML.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from etl.errors import EtlError
from kpidash.config import NATIONAL_CODE
from kpidash.kpi_schema import DerivedIndicator, derived_order, load_kpi_defs


@dataclass(frozen=True)
class Ratio:
    numerator: str
    denominator: str
    scale: float = 1.0


@dataclass(frozen=True)
class Sum:
    terms: tuple[str, ...]


@dataclass(frozen=True)
class LocationQuotient:
    numerator: str
    denominator: str
    reference: str = NATIONAL_CODE


Formula = Ratio | Sum | LocationQuotient
FORMULA_TYPES = ("ratio", "sum", "location_quotient")


@dataclass(frozen=True)
class Spec:
    """One derived indicator: catalogue text (``description`` without the formula, which is appended) + formula."""

    id: str
    name_ja: str
    name_en: str
    unit: str
    decimals: int
    theme: str
    description: str
    caveats: str
    formula: Formula


def inputs(f: Formula) -> tuple[str, ...]:
    return f.terms if isinstance(f, Sum) else (f.numerator, f.denominator)


def formula_text(f: Formula) -> str:
    """The formula as the catalogue states it (appended to the description)."""
    if isinstance(f, Ratio):
        scale = f" × {f.scale:g}" if f.scale != 1 else ""
        return f"計算式: {f.numerator} ÷ {f.denominator}{scale}（地域の合計どうしの比）。"
    if isinstance(f, Sum):
        return f"計算式: {' + '.join(f.terms)}（{len(f.terms)}項目の和、地域ごと）。"
    ref = "全国" if f.reference == NATIONAL_CODE else f.reference
    share = f"{f.numerator} ÷ {f.denominator}"
    return f"計算式: ({share})[地域] ÷ ({share})[{ref}]（特化係数。地域の合計どうしの比、{ref}は1）。"


def _ids(value: Any, field: str, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: formula.{field} must be an indicator id, got {value!r}")
    return value


def parse_formula(raw: Any, where: str) -> Formula:
    """A formula mapping from a YAML as a typed formula; ``ValueError`` naming ``where`` and the field otherwise."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: formula must be a mapping, got {raw!r}")
    kind = raw.get("type")
    allowed = {
        "ratio": {"type", "numerator", "denominator", "scale"},
        "sum": {"type", "terms"},
        "location_quotient": {"type", "numerator", "denominator", "reference"},
    }
    if kind not in allowed:
        raise ValueError(f"{where}: formula.type must be one of {', '.join(FORMULA_TYPES)}, got {kind!r}")
    unknown = sorted(set(raw) - allowed[kind], key=str)
    if unknown:
        raise ValueError(f"{where}: formula of type {kind} has unknown field(s) {', '.join(map(str, unknown))}")
    if kind == "sum":
        terms = raw.get("terms")
        if not isinstance(terms, list | tuple) or len(terms) < 2:
            raise ValueError(f"{where}: formula.terms must list at least two indicator ids, got {terms!r}")
        ids = tuple(_ids(t, "terms", where) for t in terms)
        if len(set(ids)) != len(ids):
            raise ValueError(f"{where}: formula.terms repeats an indicator id")
        return Sum(ids)
    num, den = _ids(raw.get("numerator"), "numerator", where), _ids(raw.get("denominator"), "denominator", where)
    if kind == "ratio":
        scale = raw.get("scale", 1.0)
        if type(scale) not in (int, float) or scale == 0:
            raise ValueError(f"{where}: formula.scale must be a non-zero number, got {scale!r}")
        return Ratio(num, den, float(scale))
    ref = raw.get("reference", NATIONAL_CODE)
    if not isinstance(ref, str) or not ref:
        raise ValueError(f"{where}: formula.reference must be a region code, got {ref!r}")
    return LocationQuotient(num, den, ref)


def spec_from_kpi_defs(d: DerivedIndicator) -> Spec:
    """kpi_defs.yaml's derived indicator as a Spec (proxies labelled as such in name and caveats)."""
    f = d.formula
    proxy = f" 【代理指標】{d.proxy_note_ja}" if d.proxy else ""
    return Spec(
        id=d.id,
        name_ja=d.name_ja + ("（代理指標）" if d.proxy else ""),
        name_en=d.name_en + (" (proxy)" if d.proxy else ""),
        unit=d.unit,
        decimals=d.decimals,
        theme=d.theme,
        description=d.description,
        caveats=(d.caveats + proxy).strip(),
        formula=Ratio(f.numerator, f.denominator, f.scale),
    )


def materialise(con: duckdb.DuckDBPyConnection, kpi_defs_path: Path | None = None) -> list[str]:
    """kpi_defs.yaml's derived indicators (in dependency order); returns the ids made."""
    defs = load_kpi_defs(kpi_defs_path)
    return materialise_specs(con, [spec_from_kpi_defs(d) for d in derived_order(defs)])


def dependency_order(specs: Iterable[Spec]) -> list[Spec]:
    """Specs with every input that is itself a spec before it (stable otherwise); a cycle is an EtlError."""
    by_id = {s.id: s for s in specs}
    out: list[Spec] = []
    state: dict[str, str] = {}

    def visit(s: Spec, trail: list[str]) -> None:
        if state.get(s.id) == "done":
            return
        if state.get(s.id) == "active":
            raise EtlError(f"circular derived formula {' → '.join([*trail, s.id])}")
        state[s.id] = "active"
        for i in inputs(s.formula):
            if i in by_id:
                visit(by_id[i], [*trail, s.id])
        state[s.id] = "done"
        out.append(s)

    for s in by_id.values():
        visit(s, [])
    return out


def materialise_specs(con: duckdb.DuckDBPyConnection, specs: Iterable[Spec]) -> list[str]:
    made: list[str] = []
    for s in dependency_order(specs):
        missing = _missing_inputs(con, s.formula)
        if missing:
            print(f"    (skipped {s.id}: {' or '.join(missing)} not loaded)", file=sys.stderr)
            continue
        _insert_observations(con, s)
        _insert_catalogue(con, s)
        made.append(s.id)
    return made


def _missing_inputs(con: duckdb.DuckDBPyConnection, f: Formula) -> list[str]:
    wanted = list(dict.fromkeys(inputs(f)))
    present = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT indicator_id FROM marts.observations WHERE list_contains(?, indicator_id)", [wanted]
        ).fetchall()
    }
    return [i for i in wanted if i not in present]


def _insert_observations(con: duckdb.DuckDBPyConnection, s: Spec) -> None:
    f = s.formula
    if isinstance(f, Ratio):
        con.execute(
            """
            INSERT INTO marts.observations
            SELECT ?, n.region_code, n.period, n.value / q.value * ?, n.source_id, 'derived'
            FROM marts.observations n JOIN marts.observations q USING (region_code, period)
            WHERE n.indicator_id = ? AND q.indicator_id = ? AND q.value <> 0
            """,
            [s.id, f.scale, f.numerator, f.denominator],
        )
    elif isinstance(f, Sum):
        # The row's source_id is the first term's; a region-period lacking any term gets no row.
        con.execute(
            """
            INSERT INTO marts.observations
            SELECT ?, region_code, period, sum(value), arg_min(source_id, list_position(?, indicator_id)), 'derived'
            FROM marts.observations WHERE list_contains(?, indicator_id)
            GROUP BY region_code, period HAVING count(*) = ?
            """,
            [s.id, list(f.terms), list(f.terms), len(f.terms)],
        )
    else:
        con.execute(
            """
            INSERT INTO marts.observations
            WITH share AS (
                SELECT n.region_code, n.period, n.value / q.value AS share, n.source_id
                FROM marts.observations n JOIN marts.observations q USING (region_code, period)
                WHERE n.indicator_id = ? AND q.indicator_id = ? AND q.value <> 0
            )
            SELECT ?, s.region_code, s.period, s.share / r.share, s.source_id, 'derived'
            FROM share s JOIN share r ON r.period = s.period AND r.region_code = ?
            WHERE r.share <> 0
            """,
            [f.numerator, f.denominator, s.id, f.reference],
        )


def _additive(con: duckdb.DuckDBPyConnection, f: Formula) -> bool:
    """A sum of additive indicators is additive (its TKY/NTK/00 rows are sums of prefectures); ratios are not."""
    if not isinstance(f, Sum):
        return False
    row = con.execute(
        "SELECT bool_and(additive) FROM staging.all_indicators WHERE list_contains(?, indicator_id)", [list(f.terms)]
    ).fetchone()
    return bool(row and row[0])


def _insert_catalogue(con: duckdb.DuckDBPyConnection, s: Spec) -> None:
    first = inputs(s.formula)[0]
    meta = con.execute(
        "SELECT source_id, period_type FROM staging.all_indicators WHERE indicator_id = ?", [first]
    ).fetchone()
    con.execute(
        "INSERT INTO staging.stg_derived_indicators BY NAME SELECT ? AS indicator_id, ? AS name_ja, ? AS name_en, "
        "? AS unit, ? AS period_type, ? AS source_id, ? AS description, ? AS theme, ? AS additive, ? AS decimals, "
        "? AS caveats",
        [
            s.id,
            s.name_ja,
            s.name_en,
            s.unit,
            meta[1] if meta else "fiscal_year",
            meta[0] if meta else "",
            f"{s.description} {formula_text(s.formula)}".strip(),
            s.theme,
            _additive(con, s.formula),
            s.decimals,
            s.caveats,
        ],
    )
