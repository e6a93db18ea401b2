"""Arithmetic of the municipality view (/municipalities), pure: shares of the municipality's total population, ranks,
the top and bottom lists, the 出典 line, and the sorted, paged rows of its table (AG Grid's infinite row model)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpidash.formatting import format_number

RANKING_N = 10  # top and bottom
BLOCK_ROWS = 50  # rows per request of the table (AG Grid cacheBlockSize)
MAX_BLOCKS = 10  # rows of one answer, at most, in blocks
MAX_SORT_COLUMNS = 3
GRID_FIELDS = ("rank", "region_code", "name", "value", "total", "share")


def shares(values: pd.Series, totals: pd.Series) -> pd.Series:
    """value ÷ total population × 100 (NaN where the total is missing or zero)."""
    return values / totals.where(totals > 0) * 100


def with_shares(values: pd.DataFrame, period: int, has_share: bool) -> pd.DataFrame:
    """The municipalities of data.queries.muni_values with ``total`` (the denominator), ``share`` (NaN unless
    ``has_share``: the total's share of itself is 100 % everywhere) and ``period``."""
    df = values.rename(columns={"denominator": "total"})
    df["share"] = shares(df["value"], df["total"]) if has_share else float("nan")
    df["period"] = period
    return df


def ranked_frame(japan: pd.DataFrame, pref: str | None, mode: str) -> pd.DataFrame:
    """All of Japan or one prefecture, with ``measure`` (the share or the value, by ``mode``), its ``rank`` (1 =
    highest, ties share the smaller rank) and the ``name`` to show."""
    df = japan[japan["pref_code"] == pref] if pref else japan
    df = df.reset_index(drop=True)
    df["measure"] = df["share"] if mode == "share" else df["value"]
    df["rank"] = df["measure"].rank(ascending=False, method="min").astype("Int64")
    # "北海道 札幌市" → "札幌市" inside one prefecture; the prefecture stays in the name for all of Japan.
    df["name"] = df["name_ja"].str.split(" ", n=1).str[-1] if pref else df["name_ja"]
    return df


def short_name(name: str) -> str:
    """The register's long indicator name without the common scope prefix and source suffix."""
    s = re.sub(r"^総人口（日本人住民＋外国人住民）", "", name)
    s = re.sub(r"（住民基本台帳）$", "", s)
    s = re.sub(r"^Population: ", "", s)
    s = re.sub(r" \(basic resident register\)$", "", s)
    return {"人口": "総人口", "residents (Japanese + foreign)": "total residents"}.get(s, s)


def reference_date(vintage: str) -> str | None:
    """「2023年1月1日」 from a source's vintage (``2023-01-01…``), None when it is not a date."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", vintage or "")
    return f"{int(m[1])}年{int(m[2])}月{int(m[3])}日" if m else None


def source_line(sources: pd.DataFrame, source_ids: list[str], boundaries: str) -> tuple[str, str | None]:
    """(出典 line, reference date) of the statistics (``sources``: marts.sources indexed by source_id) and the
    boundaries' original source; the line ends in 「を加工して作成」: the boundaries, too, are processed (simplified)."""
    parts: list[str] = []
    date: str | None = None
    for sid in dict.fromkeys(source_ids):
        if sid not in sources.index:
            continue
        row = sources.loc[sid]
        date = date or reference_date(str(row["vintage"]))
        parts.append(str(row["citation_ja"]) + (f"（{date}現在）" if date else ""))
    parts.append(boundaries)
    return "出典：" + "、".join(parts) + "を加工して作成", date


@dataclass(frozen=True)
class RankedMunicipality:
    rank: int  # as in the table: 1 = highest, ties share the smaller rank
    name: str
    value: str  # the number as printed (thousands separators, the indicator's decimals); the view adds the unit
    bar_pct: float  # bar length in % of the largest value of its list


def ranking_lists(
    frame: pd.DataFrame, measure: str, decimals: int, n: int = RANKING_N
) -> tuple[list[RankedMunicipality], list[RankedMunicipality]]:
    """The ``n`` highest and the ``n`` lowest municipalities with a ``measure``, both ordered from high to low
    (columns ``rank``, ``region_code``, ``name`` and ``measure``). The lowest list never repeats the highest (fewer
    than 2n municipalities: it is shorter). Each list's bars are scaled to its own largest value (the lowest values
    are a thousandth of the highest: on one scale their bars would not show)."""
    ranked = frame.dropna(subset=[measure]).sort_values(["rank", "region_code"], kind="stable")

    def rows(d: pd.DataFrame) -> list[RankedMunicipality]:
        top = max((float(v) for v in d[measure]), default=0.0)
        return [
            RankedMunicipality(
                rank=int(r),
                name=str(name),
                value=format_number(float(v), decimals),
                bar_pct=round(100 * float(v) / top, 2) if top > 0 and v > 0 else 0.0,
            )
            for r, name, v in zip(d["rank"], d["name"], d[measure], strict=True)
        ]

    return rows(ranked.head(n)), rows(ranked.iloc[max(n, len(ranked) - n) :])


def _row_index(raw: Any, default: int) -> int:
    """A row number of the grid's request (an int, or what int() takes), ``default`` for anything else."""
    try:
        return int(raw) if raw is not None and not isinstance(raw, bool) else default
    except (TypeError, ValueError, OverflowError):
        return default


def grid_rows(frame: pd.DataFrame, request: Any) -> dict[str, Any]:
    """One block of table rows for AG Grid's infinite model (``request``: its startRow, endRow, sortModel), sorted
    as the grid asks; a hostile request is bounded (at most MAX_BLOCKS blocks, known columns), never an error."""
    request = request if isinstance(request, dict) else {}
    model = request.get("sortModel")
    sort = [
        s for s in (model if isinstance(model, list) else []) if isinstance(s, dict) and s.get("colId") in GRID_FIELDS
    ]
    sort = sort[:MAX_SORT_COLUMNS]
    if sort:
        df = frame.sort_values(
            [s["colId"] for s in sort],
            ascending=[s.get("sort") != "desc" for s in sort],
            kind="stable",
            na_position="last",
        )
    else:
        df = frame.sort_values(["rank", "region_code"], kind="stable", na_position="last")
    start = max(0, _row_index(request.get("startRow"), 0))
    end = max(start, _row_index(request.get("endRow"), start + BLOCK_ROWS))
    end = min(len(df), end, start + MAX_BLOCKS * BLOCK_ROWS)
    block = df.iloc[start:end]
    rows = [
        {
            "rank": None if pd.isna(r.rank) else int(r.rank),
            "region_code": r.region_code,
            "name": r.name,
            "value": None if pd.isna(r.value) else float(r.value),
            "total": None if pd.isna(r.total) else float(r.total),
            "share": None if pd.isna(r.share) else round(float(r.share), 2),
        }
        for r in block.itertuples()
    ]
    return {"rowData": rows, "rowCount": len(df)}
