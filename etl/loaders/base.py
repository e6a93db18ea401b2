"""The shape every loader returns, and shared helpers for reading raw files strictly."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from etl.errors import EtlError
from kpidash.config import PREFECTURE_CODES

if TYPE_CHECKING:
    from etl.derived import Spec

OBSERVATION_COLUMNS = ["indicator_id", "region_code", "period", "value", "source_id"]

# Fields every indicator definition carries into marts.indicators.
INDICATOR_FIELDS = (
    "indicator_id",  # ascii snake_case, stable
    "name_ja",
    "name_en",
    "unit",  # e.g. 人, 百万円, %, 千円
    "period_type",  # fiscal_year | calendar_year | reference_date
    "source_id",
    "description",  # plain Japanese/English definition
    "theme",  # 分野 for the picker, e.g. 人口, 経済, 労働, 医療・福祉, 教育, 観光, 生活
    "additive",  # bool: may prefectures be summed (TKY/NTK/00 built as sums)?
    "decimals",  # display precision
    "caveats",  # free text shown in the metadata panel ('' if none)
)


@dataclass
class LoadResult:
    """What a loader hands to the pipeline.

    ``observations`` has OBSERVATION_COLUMNS (region_code: '00', '01'..'47' or a 5-digit municipality code; period: int).
    ``sources`` are provenance records (sidecar contents plus the sha256 actually read).
    ``tables`` are extra staging tables (name -> DataFrame), e.g. population by age.
    ``derived`` are derived indicators declared by the loader (formulas as data, e.g. from its YAML), materialised by
    etl/derived.py after the marts, before kpi_defs.yaml's (which may therefore use them).
    """

    name: str
    observations: pd.DataFrame
    indicators: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    derived: list[Spec] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SIDECAR_FIELDS = ("source_id", "publisher", "title", "table_name", "url", "vintage", "licence", "citation_ja", "sha256")


def read_sidecar(path: Path) -> dict[str, Any]:
    """Read ``<file>.meta.yaml`` and check the file is the one it describes (sha256)."""
    side = path.with_name(path.name + ".meta.yaml")
    if not path.exists():
        raise EtlError("raw file is missing", file=path)
    if not side.exists():
        raise EtlError(
            f"provenance sidecar {side.name} is missing; every raw file needs one (see data/README.md)", file=path
        )
    try:
        meta = yaml.safe_load(side.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EtlError(f"sidecar is not valid YAML: {exc}", file=side) from exc
    if not isinstance(meta, dict):
        raise EtlError("sidecar must be a mapping", file=side)
    missing = [k for k in SIDECAR_FIELDS if not meta.get(k)]
    if missing:
        raise EtlError(f"sidecar lacks {', '.join(missing)}", file=side)
    actual = sha256_of(path)
    if actual != meta["sha256"]:
        raise EtlError(
            f"file content does not match the sha256 in {side.name} (expected {meta['sha256'][:12]}…, got {actual[:12]}…): "
            "the file is truncated or was replaced; if you replaced it on purpose, update the sidecar "
            "(python -m etl register FILE)",
            file=path,
        )
    meta = dict(meta)
    meta["file"] = str(path.name)
    return meta


def read_csv_strict(
    path: Path, required: list[str], dtype: dict[str, Any] | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Read a CSV as strings-first, check its columns, and name the file on any parse problem."""
    try:
        df = pd.read_csv(path, dtype=dtype or str, keep_default_na=False, na_values=[""], **kwargs)
    except Exception as exc:  # pandas raises many types; the user needs the file name
        raise EtlError(f"cannot parse CSV: {exc}", file=path) from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise EtlError(f"missing column(s) {', '.join(missing)}", file=path)
    if df.empty:
        raise EtlError("file has no data rows", file=path)
    return df


def file_row(frame: pd.DataFrame | pd.Series, position: int, header_rows: int = 1) -> int:
    """1-based line in the file of the row at ``position``; frames keep read_csv's index through filtering."""
    return int(frame.index[position]) + 1 + header_rows


def to_number(
    df: pd.DataFrame, column: str, path: Path, *, allow_blank: bool = False, header_rows: int = 1
) -> pd.Series:
    """Convert a column to float; a non-numeric cell is an error naming its row (1-based, header counted)."""
    raw = df[column]
    num = pd.to_numeric(raw.str.replace(",", "", regex=False) if raw.dtype != float else raw, errors="coerce")
    bad = num.isna() & raw.notna()
    if not allow_blank:
        bad = bad | raw.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise EtlError(f"non-numeric value {raw.iloc[i]!r}", file=path, row=file_row(df, i, header_rows), key=column)
    return num.astype(float)


def check_pref_codes(codes: pd.Series, path: Path, *, allow: tuple[str, ...] = (), header_rows: int = 1) -> None:
    """Every code must be a JIS prefecture code '01'..'47' (or one of ``allow``)."""
    valid = set(PREFECTURE_CODES) | set(allow)
    bad = ~codes.isin(valid)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise EtlError(
            f"unknown prefecture code {codes.iloc[i]!r}",
            file=path,
            row=file_row(codes, i, header_rows),
            key="pref_code",
        )


def check_unique(df: pd.DataFrame, keys: list[str], path: Path, *, header_rows: int = 1) -> None:
    dup = df.duplicated(keys, keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        key = ", ".join(f"{k}={df[k].iloc[i]}" for k in keys)
        raise EtlError(f"duplicated key ({key})", file=path, row=file_row(df, i, header_rows))


def indicator(**kw: Any) -> dict[str, Any]:
    """Build an indicator definition with defaults; unknown fields are a programming error."""
    base: dict[str, Any] = {"description": "", "theme": "その他", "additive": False, "decimals": 0, "caveats": ""}
    base.update(kw)
    unknown = set(base) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"unknown indicator fields {unknown}")
    missing = [f for f in INDICATOR_FIELDS if f not in base]
    if missing:
        raise ValueError(f"indicator {kw.get('indicator_id')} lacks {missing}")
    return base
