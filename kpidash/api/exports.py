"""EBPM exports: long-format observations from the marts and their CSV / XLSX / ZIP renderings.

Every export carries its provenance: the 出典 line built from ``marts.sources.citation_ja`` of the sources actually
used, the licences, the indicator definitions and caveats (proxy notes included), the query URL that reproduces it and
the build time of the warehouse. Text cells are neutralised against spreadsheet formula injection; numbers stay numbers.

The SQL here is constant text; every value (ids, codes, years) is a bound parameter.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
import numbers
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpidash import config
from kpidash.data.connection import connect, query

MAX_INDICATORS = 20
MAX_ROWS = 200_000

LONG_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "indicator_name_ja",
    "region_code",
    "region_name_ja",
    "period",
    "period_type",
    "value",
    "unit",
    "source_id",
    "derivation",
)

COLUMN_NOTES_JA: dict[str, str] = {
    "indicator_id": "指標ID（/api/v1/indicators の id）",
    "indicator_name_ja": "指標名",
    "region_code": "地域コード：00=全国、TKY=東京圏（埼玉・千葉・東京・神奈川）、NTK=東京圏以外、01～47=都道府県（JIS X 0401）、5桁=市区町村（全国地方公共団体コード）",
    "region_name_ja": "地域名",
    "period": "期間（整数の年）：period_type が fiscal_year なら年度、calendar_year なら暦年、reference_date なら基準日の属する年",
    "period_type": "期間の種類（fiscal_year / calendar_year / reference_date）",
    "value": "値（単位は unit 列）",
    "unit": "単位",
    "source_id": "出典ID（「出典資料」の項を参照）",
    "derivation": "値の由来：source=公表値、sum_of_prefectures=都道府県の合計、derived=指標どうしの比（定義は各指標の注記）",
}

# A cell whose text starts with one of these is a formula (or becomes one) in Excel / LibreOffice / Google Sheets.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# cp932 (Windows Shift_JIS) cannot encode these; each replacement keeps the meaning. Anything else raises.
CP932_REPLACEMENTS: dict[str, str] = {
    "\u00b2": "2",  # ² (m² → m2)
    "\u00b3": "3",  # ³
    "\u2013": "-",  # – en dash
    "\u2014": "\u2015",  # — em dash → ―
    "\u2212": "\uff0d",  # − minus sign → －
    "\u301c": "\uff5e",  # 〜 wave dash → ～
    "\u2016": "\u2225",  # ‖ → ∥
    "\u00a2": "\uffe0",  # ¢ → ￠
    "\u00a3": "\uffe1",  # £ → ￡
    "\u00ac": "\uffe2",  # ¬ → ￢
}
CSV_ENCODINGS = ("utf-8-sig", "utf-8", "cp932")

CITATION_PREFIX = "出典："
CITATION_SUFFIX = "を加工して作成"


class ExportError(ValueError):
    """An export cannot be produced as asked (the message says why)."""


class CsvEncodingError(ExportError):
    """A text cell has a character the requested CSV encoding cannot represent."""

    def __init__(self, encoding: str, char: str, column: str, row: int) -> None:
        self.encoding, self.char, self.column, self.row = encoding, char, column, row
        super().__init__(
            f"character {char!r} (U+{ord(char):04X}) in column {column!r}, data row {row} cannot be encoded in "
            f"{encoding}; use UTF-8 instead"
        )


# --------------------------------------------------------------------------------------------------- warehouse reads


def _wh(path: Path | None) -> Path:
    return path or config.warehouse_path()


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@functools.lru_cache(maxsize=4)
def _catalogue(path: str, _mtime: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    p = Path(path)
    indicators = query("SELECT * FROM marts.indicators ORDER BY theme, indicator_id", path=p)
    regions = query(
        "SELECT region_code, name_ja, name_en, level, parent_code, sort_key FROM marts.regions ORDER BY sort_key",
        path=p,
    )
    sources = query("SELECT * FROM marts.sources ORDER BY source_id", path=p)
    return indicators, regions, sources


def catalogue(path: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(indicators, regions, sources) of the warehouse, cached until the file changes. Do not mutate."""
    p = _wh(path)
    if not p.exists():  # let db.connect raise its WarehouseMissing message
        query("SELECT 1", path=p)
    return _catalogue(str(p), _mtime(p))


@dataclass(frozen=True)
class _CatalogueIndex:
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
def _catalogue_index(path: str, _mtime: float) -> _CatalogueIndex:
    indicators, regions, sources = _catalogue(path, _mtime)
    iids = indicators["indicator_id"].tolist()
    codes = regions["region_code"].tolist()
    sids = sources["source_id"].tolist()
    cols = (indicators[c].tolist() for c in ("name_ja", "period_type", "unit"))
    keys = [_clean(k) for k in regions["sort_key"].tolist()]
    return _CatalogueIndex(
        indicator_ids=frozenset(iids),
        region_codes=frozenset(codes),
        indicator_rows={i: (_clean(n), _clean(p), _clean(u)) for i, n, p, u in zip(iids, *cols, strict=True)},
        indicator_source=dict(zip(iids, indicators["source_id"].tolist(), strict=True)),
        indicator_caveats={i: _clean(c) for i, c in zip(iids, indicators["caveats"].tolist(), strict=True)},
        regions={
            c: (_clean(n), math.inf if k is None else k)
            for c, n, k in zip(codes, regions["name_ja"].tolist(), keys, strict=True)
        },
        citations={s: str(c) for s, c in zip(sids, sources["citation_ja"].tolist(), strict=True)},
        licences={s: _clean(lic) for s, lic in zip(sids, sources["licence"].tolist(), strict=True)},
    )


def _index(path: Path | None = None) -> _CatalogueIndex:
    p = _wh(path)
    if not p.exists():  # let db.connect raise its WarehouseMissing message
        query("SELECT 1", path=p)
    return _catalogue_index(str(p), _mtime(p))


def indicator_ids(path: Path | None = None) -> set[str]:
    return set(_index(path).indicator_ids)


def region_codes(path: Path | None = None) -> set[str]:
    return set(_index(path).region_codes)


def region_levels(path: Path | None = None) -> list[str]:
    return list(dict.fromkeys(catalogue(path)[1]["level"]))


def warehouse_built_at(path: Path | None = None) -> str:
    """Build time of the warehouse (the file is renamed into place only when every check passes)."""
    p = _wh(path)
    return datetime.fromtimestamp(_mtime(p), UTC).isoformat(timespec="seconds")


_SELECT = (
    "SELECT o.indicator_id, i.name_ja AS indicator_name_ja, o.region_code, r.name_ja AS region_name_ja, o.period, "
    "i.period_type, o.value, i.unit, o.source_id, o.derivation "
    "FROM marts.observations o JOIN marts.indicators i USING (indicator_id) JOIN marts.regions r USING (region_code) "
)
_COUNT = "SELECT count(*) AS n FROM marts.observations o "
# data.json reads the observations alone: names, units and sort keys come from the cached catalogue index, and the
# rows are ordered in Python (the two joins and the ORDER BY took about half of the query's ~4 ms).
_OBS = "SELECT o.indicator_id, o.region_code, o.period, o.value, o.source_id, o.derivation FROM marts.observations o "
_LIMIT = " LIMIT $limit"
_ORDER = " ORDER BY list_position($ids, o.indicator_id), r.sort_key, o.period"


def _where(
    indicator_ids: Sequence[str], region_codes: Sequence[str] | None, period_from: int | None, period_to: int | None
) -> tuple[str, dict[str, Any]]:
    """Constant SQL fragments chosen by which filters are present; the values are bound parameters."""
    clauses = ["list_contains($ids, o.indicator_id)"]
    params: dict[str, Any] = {"ids": list(indicator_ids)}
    if region_codes is not None:
        clauses.append("list_contains($regions, o.region_code)")
        params["regions"] = list(region_codes)
    if period_from is not None:
        clauses.append("o.period >= $period_from")
        params["period_from"] = int(period_from)
    if period_to is not None:
        clauses.append("o.period <= $period_to")
        params["period_to"] = int(period_to)
    return "WHERE " + " AND ".join(clauses), params


def count_rows(
    indicator_ids: Sequence[str],
    region_codes: Sequence[str] | None = None,
    period_from: int | None = None,
    period_to: int | None = None,
    path: Path | None = None,
) -> int:
    """Number of rows :func:`long_data` would return (checked against MAX_ROWS before fetching)."""
    where, params = _where(indicator_ids, region_codes, period_from, period_to)
    return int(query(_COUNT + where, params, path=path)["n"].iloc[0])


def long_data(
    indicator_ids: list[str],
    region_codes: list[str] | None = None,
    period_from: int | None = None,
    period_to: int | None = None,
    path: Path | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Observations in long format (columns LONG_COLUMNS).

    Rows are ordered by the indicators in the order asked, then regions in JIS / sort_key order (全国, 東京圏,
    東京圏以外, 01–47, municipalities), then period. ``region_codes=None`` means every region with data; the period
    bounds are inclusive. With ``limit``, at most that many rows (the first ones in that order): ask for one more
    than a row limit to learn whether a selection exceeds it without a separate count.
    """
    if not indicator_ids:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LONG_COLUMNS})
    where, params = _where(indicator_ids, region_codes, period_from, period_to)
    sql = _SELECT + where + _ORDER
    if limit is not None:
        sql += _LIMIT
        params["limit"] = int(limit)
    df = query(sql, params, path=path)
    return df.loc[:, list(LONG_COLUMNS)].reset_index(drop=True)


def long_records(
    indicator_ids: Sequence[str],
    region_codes: Sequence[str] | None = None,
    period_from: int | None = None,
    period_to: int | None = None,
    path: Path | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The rows of :func:`long_data` as JSON-ready dicts (``records(long_data(...))``, same keys, values and order),
    without pandas: one query on marts.observations, the names, units and region order from the catalogue index.

    With ``limit``, at most that many rows are read; unlike :func:`long_data`, which ones is unspecified when more
    match (the caller asks for limit + 1 only to learn whether a selection is over its row limit).
    """
    if not indicator_ids:
        return []
    idx = _index(path)
    where, params = _where(indicator_ids, region_codes, period_from, period_to)
    sql = _OBS + where
    if limit is not None:
        sql += _LIMIT
        params["limit"] = int(limit)
    with connect(path) as con:
        fetched = con.execute(sql, params).fetchall()
    try:
        return _observation_records(fetched, indicator_ids, idx)
    except KeyError:
        # An indicator or region missing from the catalogue index: only if the file was swapped between reading the
        # catalogue and the rows (the ETL refuses observations of unknown indicators or regions). Let SQL join and
        # order them, as long_data does.
        return records(long_data(list(indicator_ids), _opt_list(region_codes), period_from, period_to, path, limit))


def _observation_records(
    fetched: list[tuple[Any, ...]], indicator_ids: Sequence[str], idx: _CatalogueIndex
) -> list[dict[str, Any]]:
    """Rows of _OBS → long-format dicts in long_data's order; KeyError for an indicator or region not in ``idx``."""
    ind, reg = idx.indicator_rows, idx.regions
    position: dict[str, int] = {}
    for k, iid in enumerate(indicator_ids):
        position.setdefault(iid, k)  # list_position: the first occurrence
    # (indicator, region, period) is unique (etl.checks), so this order is total, as ORDER BY in long_data
    fetched.sort(key=lambda r: (position[r[0]], reg[r[1]][1], r[2]))
    isfinite = math.isfinite
    out = []
    for iid, code, period, value, source_id, derivation in fetched:
        name, period_type, unit = ind[iid]
        if value is not None and not isfinite(value):
            value = None
        out.append(
            {
                "indicator_id": iid,
                "indicator_name_ja": name,
                "region_code": code,
                "region_name_ja": reg[code][0],
                "period": period,
                "period_type": period_type,
                "value": value,
                "unit": unit,
                "source_id": source_id,
                "derivation": derivation,
            }
        )
    return out


def _opt_list(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else list(values)


# ------------------------------------------------------------------------------------------------ citation, metadata


def _merge_by_publisher(citations: Iterable[str]) -> list[str]:
    """総務省統計局「A」, 総務省統計局「B」 → 総務省統計局「A」「B」 (order of first appearance kept)."""
    groups: dict[str, list[str]] = {}
    for c in citations:
        head, sep, tail = c.partition("「")
        if not sep or not head:
            groups.setdefault(c, [])
            continue
        titles = groups.setdefault(head, [])
        if sep + tail not in titles:
            titles.append(sep + tail)
    return [head + "".join(titles) for head, titles in groups.items()]


def citation_line(source_ids: Iterable[str], path: Path | None = None, extra: Sequence[str] = ()) -> str:
    """「出典：<citation_ja>、<…>を加工して作成」 for the given marts.sources ids (in the order given), then ``extra``
    citations of sources outside the marts (e.g. a map's boundary file)."""
    ids = list(dict.fromkeys(source_ids))
    if not ids:
        raise ExportError("citation_line needs at least one source id")
    citations = _index(path).citations
    unknown = [s for s in ids if s not in citations]
    if unknown:
        raise ExportError(f"unknown source id(s) {', '.join(unknown)}: not in marts.sources")
    cites = list(dict.fromkeys([*(citations[s] for s in ids), *extra]))
    return CITATION_PREFIX + "、".join(_merge_by_publisher(cites)) + CITATION_SUFFIX


def _derived_inputs() -> dict[str, tuple[str, str]]:
    """Derived indicator id → (numerator, denominator) as declared in kpi_defs.yaml."""
    from kpidash.kpi_schema import KpiDefsError, load_kpi_defs

    try:
        defs = load_kpi_defs()
    except (KpiDefsError, OSError):  # the app refuses to start in that case; exports then cite the stored source only
        return {}
    return {d.id: (d.formula.numerator, d.formula.denominator) for d in defs.derived_indicators}


def sources_used(indicator_ids: Sequence[str], df: pd.DataFrame | None = None, path: Path | None = None) -> list[str]:
    """Source ids behind an export: each indicator's catalogue source, the sources of its rows, and for a derived
    series the sources of its numerator and denominator (recursively). Ordered by first appearance."""
    row_sources: dict[str, list[str]] = {}
    if df is not None and len(df):
        pairs = df.loc[:, ["indicator_id", "source_id"]].drop_duplicates()  # first appearances, in row order
        for iid, s in zip(pairs["indicator_id"].tolist(), pairs["source_id"].tolist(), strict=True):
            row_sources.setdefault(iid, []).append(str(s))
    return _sources_used(indicator_ids, row_sources, _index(path))


def _record_sources(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Indicator id → the source ids of its rows, in order of first appearance (as :func:`sources_used` reads a df)."""
    seen: dict[str, dict[str, None]] = {}
    for r in rows:
        seen.setdefault(r["indicator_id"], {}).setdefault(str(r["source_id"]), None)
    return {iid: list(s) for iid, s in seen.items()}


def _sources_used(
    indicator_ids: Sequence[str], row_sources: Mapping[str, Sequence[str]], idx: _CatalogueIndex
) -> list[str]:
    derived = _derived_inputs()
    out: dict[str, None] = {}

    def visit(iid: str, seen: frozenset[str]) -> None:
        if iid in seen or iid not in idx.indicator_source:
            return
        src = idx.indicator_source[iid]
        if isinstance(src, str) and src:
            out.setdefault(src, None)
        for s in row_sources.get(iid, ()):
            out.setdefault(s, None)
        for part in derived.get(iid, ()):
            visit(part, seen | {iid})

    for iid in indicator_ids:
        visit(iid, frozenset())
    return list(out)


def json_provenance(
    indicator_ids: Sequence[str], rows: Iterable[Mapping[str, Any]], path: Path | None = None
) -> dict[str, Any]:
    """The provenance fields of data.json for rows from :func:`long_records`: the same citation_ja, licences,
    caveats and warehouse_built_at as :func:`metadata` gives for those rows, from the catalogue index."""
    idx = _index(path)
    src_ids = _sources_used(indicator_ids, _record_sources(rows), idx)
    licences = [idx.licences[s] for s in src_ids]  # KeyError for a source missing from marts.sources, as metadata()
    caveats = idx.indicator_caveats
    return {
        "citation_ja": citation_line(src_ids, path) if src_ids else "",
        "licences": list(dict.fromkeys(str(lic) for lic in licences if lic)),
        "caveats": {i: caveats[i] for i in indicator_ids if caveats.get(i)},
        "warehouse_built_at": warehouse_built_at(path),
    }


def _clean(v: Any) -> Any:
    """pandas / numpy scalar → plain JSON value (NaN/NA/inf → None)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        return f if math.isfinite(f) else None
    if hasattr(v, "item"):  # numpy bool
        return _clean(v.item())
    return v


def _column_values(s: pd.Series) -> list[Any]:
    """One column as JSON-ready values; numpy float/int columns converted in bulk (the API's hot path)."""
    values = s.tolist()
    kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else ""
    if kind == "f":
        return [v if math.isfinite(v) else None for v in values]
    if kind in ("i", "u", "b"):
        return values  # tolist() already gives Python ints / bools
    return [_clean(v) for v in values]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame → list of JSON-ready dicts (exact floats, None for missing)."""
    cols = list(df.columns)
    columns = [_column_values(df[c]) for c in cols]
    return (
        [dict(zip(cols, row, strict=True)) for row in zip(*columns, strict=True)]
        if cols
        else [{} for _ in range(len(df))]
    )


def metadata(
    indicator_ids: Sequence[str], df: pd.DataFrame, query_url: str = "", path: Path | None = None
) -> dict[str, Any]:
    """Provenance of an export: indicators (definitions, units, caveats), sources, licences, citation, vintage."""
    indicators, _, sources = catalogue(path)
    ind = indicators.set_index("indicator_id")
    src_ids = sources_used(indicator_ids, df, path)
    src = sources.set_index("source_id")
    ind_fields = (
        "name_ja",
        "name_en",
        "unit",
        "decimals",
        "period_type",
        "theme",
        "source_id",
        "additive",
        "description",
        "caveats",
        "first_period",
        "last_period",
    )
    src_fields = ("publisher", "title", "table_name", "url", "licence", "vintage", "citation_ja", "accessed", "sha256")
    ind_list = [
        {"indicator_id": i, **{f: _clean(ind.at[i, f]) for f in ind_fields}} for i in indicator_ids if i in ind.index
    ]
    src_list = [{"source_id": s, **{f: _clean(src.at[s, f]) for f in src_fields}} for s in src_ids]
    citation = citation_line(src_ids, path) if src_ids else ""
    return {
        "title": "地域未来 KPI Dashboard — data export",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "warehouse_built_at": warehouse_built_at(path),
        "query_url": query_url,
        "rows": len(df),
        "columns": {c: COLUMN_NOTES_JA.get(c, "") for c in df.columns},
        "citation_ja": citation,
        "citation_en": citation_en(src_list),
        "licences": list(dict.fromkeys(str(s["licence"]) for s in src_list if s["licence"])),
        "indicators": ind_list,
        "sources": src_list,
        "caveats": {i["indicator_id"]: i["caveats"] for i in ind_list if i["caveats"]},
    }


def citation_en(sources: Sequence[dict[str, Any]]) -> str:
    if not sources:
        return ""
    cites = _merge_by_publisher(dict.fromkeys(str(s["citation_ja"]) for s in sources))
    return "Source: created by processing " + "; ".join(cites) + " (original titles in Japanese)."


# ----------------------------------------------------------------------------------------------------------- cells


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral) and math.isnan(float(v))


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def _csv_number(v: Any) -> str:
    if isinstance(v, numbers.Integral):
        return str(int(v))
    f = float(v)
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if f.is_integer() and abs(f) < 2**53:
        return str(int(f))
    return repr(f)


def _csv_cell(v: Any, cp932: bool) -> str:
    if _is_missing(v):
        return ""
    if _is_number(v):
        return _csv_number(v)
    text = str(v.item() if hasattr(v, "item") else v)
    if cp932:
        text = text.translate(_CP932_TABLE)
    return neutralise(text)


_CP932_TABLE = str.maketrans(CP932_REPLACEMENTS)


def to_csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    """CSV (RFC 4180, CRLF) in UTF-8 with BOM (default, opens correctly in Excel), UTF-8, or cp932.

    For cp932 the characters in CP932_REPLACEMENTS are replaced (m² → m2, 〜 → ～ …); any other character cp932
    cannot represent raises :class:`CsvEncodingError` naming it, its column and row.
    """
    if encoding not in CSV_ENCODINGS:
        raise ExportError(f"unsupported CSV encoding {encoding!r}; use one of {', '.join(CSV_ENCODINGS)}")
    cp932 = encoding == "cp932"
    header = [_csv_cell(str(c), cp932) for c in df.columns]
    rows = [[_csv_cell(v, cp932) for v in row] for row in df.itertuples(index=False, name=None)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buf.getvalue()
    if not cp932:
        return text.encode(encoding)
    try:
        return text.encode("cp932")
    except UnicodeEncodeError:
        pass
    for r, row in enumerate([header, *rows]):
        for c, cell in enumerate(row):
            for ch in cell:
                try:
                    ch.encode("cp932")
                except UnicodeEncodeError:
                    raise CsvEncodingError("cp932", ch, str(df.columns[c]), r) from None
    raise AssertionError("unreachable: the text failed to encode but no cell did")  # pragma: no cover


# ------------------------------------------------------------------------------------------------------------ xlsx


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _xlsx_text(v: Any) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(v)))


def _number_format(decimals: Any) -> str:
    d = decimals if isinstance(decimals, int) and 0 <= decimals <= 6 else None
    if d is None:
        return "General"
    return "#,##0" + ("." + "0" * d if d else "")


def to_xlsx_bytes(df: pd.DataFrame, notes: dict[str, Any]) -> bytes:
    """Workbook with sheet 'データ' (typed numbers, frozen header, autofilter, column widths) and sheet '注記'
    (出典 line, licences, definitions, units, caveats, sources, permalink, vintage). ``notes`` is :func:`metadata`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("データ")
    cols = [str(c) for c in df.columns]
    bold = Font(bold=True)
    decimals = {i.get("indicator_id"): i.get("decimals") for i in notes.get("indicators", []) if isinstance(i, dict)}
    formats = {k: _number_format(v) for k, v in decimals.items()}

    widths = [_display_width(c) for c in cols]
    values = list(df.itertuples(index=False, name=None))
    for row in values[:2000]:
        for j, v in enumerate(row):
            if not _is_missing(v):
                widths[j] = max(widths[j], _display_width(_csv_cell(v, False)) + (2 if _is_number(v) else 0))
    for j, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(j + 1)].width = min(max(w + 2, 8), 60)
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(values) + 1}"

    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=_xlsx_text(c))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    value_col = cols.index("value") if "value" in cols else -1
    id_col = cols.index("indicator_id") if "indicator_id" in cols else -1
    for row in values:
        out: list[Any] = []
        for j, v in enumerate(row):
            if _is_missing(v):
                out.append(None)
            elif _is_number(v):
                num = _clean(v)
                if j == value_col and id_col >= 0 and row[id_col] in formats:
                    cell = WriteOnlyCell(ws, value=num)
                    cell.number_format = formats[row[id_col]]
                    out.append(cell)
                else:
                    out.append(num)
            else:
                out.append(_xlsx_text(v.item() if hasattr(v, "item") else v))
        ws.append(out)

    ns = wb.create_sheet("注記")
    ns.column_dimensions["A"].width = 30
    ns.column_dimensions["B"].width = 110
    wrap = Alignment(wrap_text=True, vertical="top")
    for key, val in _note_rows(notes):
        a = WriteOnlyCell(ns, value=_xlsx_text(key) if key else None)
        b = WriteOnlyCell(ns, value=val if _is_number(val) else _xlsx_text(val) if val not in (None, "") else None)
        b.alignment = wrap
        if key and not val:
            a.font = bold
        ns.append([a, b])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _note_rows(notes: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("地域未来 KPI Dashboard データ出力", ""),
        ("出典", notes.get("citation_ja", "")),
        ("Source (English)", notes.get("citation_en", "")),
        ("ライセンス", "；".join(notes.get("licences", []))),
        ("パーマリンク（このデータを再取得するURL）", notes.get("query_url", "")),
        ("データの版（ウェアハウス構築日時 UTC）", notes.get("warehouse_built_at", "")),
        ("出力日時（UTC）", notes.get("generated_at", "")),
        ("行数", notes.get("rows", "")),
        ("", None),
        ("指標の定義・単位・注意事項", ""),
    ]
    for i in notes.get("indicators", []):
        rows += [
            (f"{i.get('indicator_id')}", i.get("name_ja")),
            ("  英語名", i.get("name_en")),
            ("  単位", i.get("unit")),
            ("  期間の種類", i.get("period_type")),
            ("  定義", i.get("description")),
            ("  注意事項（代理指標の説明を含む）", i.get("caveats") or "なし"),
            ("  出典ID", i.get("source_id")),
        ]
    rows += [("", None), ("出典資料", "")]
    for s in notes.get("sources", []):
        rows += [
            (f"{s.get('source_id')}", f"{s.get('publisher')}「{s.get('title')}」 {s.get('table_name') or ''}".strip()),
            ("  URL", s.get("url")),
            ("  版", s.get("vintage")),
            ("  ライセンス", s.get("licence")),
            ("  取得日", s.get("accessed")),
            ("  SHA-256（原ファイル）", s.get("sha256")),
        ]
    rows += [("", None), ("列の説明", "")]
    rows += [(c, d) for c, d in notes.get("columns", {}).items()]
    return rows


# ------------------------------------------------------------------------------------------------------------- zip


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def zip_bundle(df: pd.DataFrame, meta: dict[str, Any], query_url: str) -> bytes:
    """ZIP with data.csv (UTF-8 with BOM), metadata.json and README.txt (citation ja/en, licence, caveats, the query
    URL and the SHA-256 of data.csv and metadata.json)."""
    meta = {**meta, "query_url": query_url}
    meta.setdefault("generated_at", datetime.now(UTC).isoformat(timespec="seconds"))
    data_csv = to_csv_bytes(df, "utf-8-sig")
    meta_json = (json.dumps(meta, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
    lines = [
        "地域未来 KPI Dashboard — data export / データ出力",
        "",
        "出典 (citation, Japanese):",
        f"  {meta.get('citation_ja', '')}",
        "Citation (English):",
        f"  {meta.get('citation_en', '')}",
        "",
        "ライセンス / Licence:",
        *[f"  - {lic}" for lic in meta.get("licences", [])],
        "",
        "注意事項 / Caveats:",
        *([f"  - {k}: {v}" for k, v in meta.get("caveats", {}).items()] or ["  - なし / none"]),
        "",
        "再取得用URL / Query URL (reproduces this export):",
        f"  {query_url}",
        "",
        f"データの版 / Warehouse built at (UTC): {meta.get('warehouse_built_at', '')}",
        f"出力日時 / Generated at (UTC): {meta['generated_at']}",
        f"行数 / Rows: {len(df)}",
        "",
        "Files:",
        "  data.csv       long format, UTF-8 with BOM, CRLF; one row per indicator × region × period",
        "  metadata.json  indicators (definitions, units, caveats), sources, licences, citation, query URL",
        "",
        "SHA-256:",
        f"  {sha256(data_csv)}  data.csv",
        f"  {sha256(meta_json)}  metadata.json",
        "",
    ]
    readme = "\n".join(lines).encode("utf-8")
    stamp = _zip_time(str(meta["generated_at"]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("data.csv", data_csv), ("metadata.json", meta_json), ("README.txt", readme)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 names
            zf.writestr(info, data)
    return buf.getvalue()


def _zip_time(iso: str) -> tuple[int, int, int, int, int, int]:
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        t = datetime.now(UTC)
    if t.year < 1980:
        t = datetime(1980, 1, 1)
    return (t.year, t.month, t.day, t.hour, t.minute, t.second)
