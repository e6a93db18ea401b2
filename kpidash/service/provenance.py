"""Provenance of what the app exports: the 出典 line of the sources used, licences, indicator definitions and
caveats, and the build time of the warehouse (data.json, the CSV / XLSX / ZIP downloads, chart images, pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from kpidash.data import catalogue
from kpidash.data.catalogue import CatalogueIndex, warehouse_built_at
from kpidash.data.rows import clean

CITATION_PREFIX = "出典："
CITATION_SUFFIX = "を加工して作成"

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


class ExportError(ValueError):
    """An export cannot be produced as asked (the message says why)."""


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
    citations = catalogue.index(path).citations
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
    return _sources_used(indicator_ids, row_sources, catalogue.index(path))


def _record_sources(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Indicator id → the source ids of its rows, in order of first appearance (as :func:`sources_used` reads a df)."""
    seen: dict[str, dict[str, None]] = {}
    for r in rows:
        seen.setdefault(r["indicator_id"], {}).setdefault(str(r["source_id"]), None)
    return {iid: list(s) for iid, s in seen.items()}


def _sources_used(
    indicator_ids: Sequence[str], row_sources: Mapping[str, Sequence[str]], idx: CatalogueIndex
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
    idx = catalogue.index(path)
    src_ids = _sources_used(indicator_ids, _record_sources(rows), idx)
    licences = [idx.licences[s] for s in src_ids]  # KeyError for a source missing from marts.sources, as metadata()
    caveats = idx.indicator_caveats
    return {
        "citation_ja": citation_line(src_ids, path) if src_ids else "",
        "licences": list(dict.fromkeys(str(lic) for lic in licences if lic)),
        "caveats": {i: caveats[i] for i in indicator_ids if caveats.get(i)},
        "warehouse_built_at": warehouse_built_at(path),
    }


def metadata(
    indicator_ids: Sequence[str], df: pd.DataFrame, query_url: str = "", path: Path | None = None
) -> dict[str, Any]:
    """Provenance of an export: indicators (definitions, units, caveats), sources, licences, citation, vintage."""
    indicators, _, sources = catalogue.catalogue(path)
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
        {"indicator_id": i, **{f: clean(ind.at[i, f]) for f in ind_fields}} for i in indicator_ids if i in ind.index
    ]
    src_list = [{"source_id": s, **{f: clean(src.at[s, f]) for f in src_fields}} for s in src_ids]
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
