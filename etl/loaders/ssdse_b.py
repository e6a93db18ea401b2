"""SSDSE-B（県別推移）: 47 prefectures × 2011–2022, 109 indicators, one wide CSV.

The indicator definitions live in ``ssdse_b_indicators.yaml`` (one entry per column, in file order).
The file and the YAML must agree exactly: an unmapped column in the file or a mapped column missing from
the file is an error, so a changed edition cannot be silently half-loaded.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from etl.errors import EtlError
from etl.loaders.base import (
    OBSERVATION_COLUMNS,
    LoadResult,
    check_pref_codes,
    check_unique,
    indicator,
    read_csv_strict,
    read_sidecar,
    to_number,
)

SOURCE_ID = "ssdse_b"
RAW_RELPATH = Path("ssdse") / "ssdse_b_2011_2022.csv"
YAML_PATH = Path(__file__).with_name("ssdse_b_indicators.yaml")

YEAR_COL = "年度"
CODE_COL = "地域コード"
NAME_COL = "都道府県"  # informative only; not required, not loaded
KEY_COLS = [YEAR_COL, CODE_COL]

ENTRY_FIELDS = (
    "column",
    "indicator_id",
    "name_ja",
    "name_en",
    "unit",
    "theme",
    "period_type",
    "additive",
    "decimals",
    "description",
    "caveats",
)
THEMES = frozenset(
    {
        "人口",
        "人口動態",
        "経済・雇用",
        "観光",
        "教育",
        "子育て",
        "医療・福祉",
        "住宅・建設",
        "環境",
        "気候",
        "家計",
        "土地",
    }
)
PERIOD_TYPES = frozenset({"calendar_year", "fiscal_year", "reference_date"})
_ID_RE = re.compile(r"ssdse_[a-z0-9]+(?:_[a-z0-9]+)*")
_REGION_RE = r"R\d{2}000"
_NONEMPTY_STR = ("column", "indicator_id", "name_ja", "name_en", "description")
_STR = ("unit", "caveats")  # may be '' (e.g. the unit of a ratio)


def load_definitions(path: Path | None = None) -> list[dict[str, Any]]:
    """Read and validate the indicator YAML; any problem is an EtlError naming the file and the entry."""
    path = path or YAML_PATH
    try:
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise EtlError(f"cannot read indicator definitions: {exc}", file=path) from exc
    except yaml.YAMLError as exc:
        raise EtlError(f"indicator definitions are not valid YAML: {exc}", file=path) from exc
    if not isinstance(entries, list) or not entries:
        raise EtlError("indicator definitions must be a non-empty list", file=path)

    seen_ids: dict[str, int] = {}
    seen_cols: dict[str, int] = {}
    for i, entry in enumerate(entries, start=1):
        label = f"entry {i}"
        if not isinstance(entry, dict):
            raise EtlError(f"{label}: must be a mapping", file=path)
        if isinstance(entry.get("indicator_id"), str):
            label += f" ({entry['indicator_id']})"
        missing = [f for f in ENTRY_FIELDS if f not in entry]
        if missing:
            raise EtlError(f"{label}: missing field(s) {', '.join(missing)}", file=path)
        unknown = sorted(set(entry) - set(ENTRY_FIELDS), key=str)
        if unknown:
            raise EtlError(f"{label}: unknown field(s) {', '.join(map(str, unknown))}", file=path)
        for f in _NONEMPTY_STR:
            if not isinstance(entry[f], str) or not entry[f].strip():
                raise EtlError(f"{label}: {f} must be a non-empty string, got {entry[f]!r}", file=path)
        for f in _STR:
            if not isinstance(entry[f], str):
                raise EtlError(f"{label}: {f} must be a string ('' if none), got {entry[f]!r}", file=path)
        iid = entry["indicator_id"]
        if not _ID_RE.fullmatch(iid):
            raise EtlError(
                f"{label}: indicator_id must be ascii snake_case starting with 'ssdse_', got {iid!r}", file=path
            )
        if iid in seen_ids:
            raise EtlError(f"{label}: duplicated indicator_id {iid!r} (also entry {seen_ids[iid]})", file=path)
        seen_ids[iid] = i
        col = entry["column"]
        if col in seen_cols:
            raise EtlError(f"{label}: duplicated column {col!r} (also entry {seen_cols[col]})", file=path)
        seen_cols[col] = i
        if entry["theme"] not in THEMES:
            raise EtlError(f"{label}: theme {entry['theme']!r} is not one of {', '.join(sorted(THEMES))}", file=path)
        if entry["period_type"] not in PERIOD_TYPES:
            raise EtlError(
                f"{label}: period_type {entry['period_type']!r} is not one of {', '.join(sorted(PERIOD_TYPES))}",
                file=path,
            )
        if type(entry["additive"]) is not bool:
            raise EtlError(f"{label}: additive must be true or false, got {entry['additive']!r}", file=path)
        dec = entry["decimals"]
        if type(dec) is not int or not 0 <= dec <= 6:
            raise EtlError(f"{label}: decimals must be an integer 0..6, got {dec!r}", file=path)
    return entries


def _fail_at(mask: pd.Series, message: str, path: Path, key: str, values: pd.Series) -> None:
    """Raise naming the first row where ``mask`` is true (row 1 = the header)."""
    if mask.any():
        i = int(mask.to_numpy().nonzero()[0][0])
        raise EtlError(message.format(values.iloc[i]), file=path, row=i + 2, key=key)


def _check_field_counts(path: Path) -> None:
    """Every line must have as many fields as the header: pandas would otherwise pad a short row with blanks
    (read as gaps) or turn the leading cells of a long first row into an index."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        width = len(next(reader, []))
        for line_no, fields in enumerate(reader, start=2):
            if fields and len(fields) != width:
                raise EtlError(f"line has {len(fields)} fields, the header has {width}", file=path, row=line_no)


def load(raw_dir: Path) -> LoadResult:
    path = raw_dir / RAW_RELPATH
    meta = read_sidecar(path)
    defs = load_definitions()
    columns = [d["column"] for d in defs]

    _check_field_counts(path)
    df = read_csv_strict(path, required=[*KEY_COLS, *columns], encoding="utf-8-sig")
    known = {*KEY_COLS, NAME_COL, *columns}
    extra = [c for c in df.columns if c not in known]
    if extra:
        raise EtlError(
            f"unmapped column {extra[0]!r} (add it to {YAML_PATH.name} or check the file edition)",
            file=path,
            key=extra[0],
        )

    codes = df[CODE_COL]
    _fail_at(
        ~codes.str.fullmatch(_REGION_RE).fillna(False).astype(bool),
        "region code {!r} is not of the form R01000",
        path,
        CODE_COL,
        codes,
    )
    region = codes.str.slice(1, 3)
    check_pref_codes(region, path)

    years = to_number(df, YEAR_COL, path)
    _fail_at(
        (years % 1 != 0) | (years < 1900) | (years > 2100),
        "year {!r} is not a plausible integer",
        path,
        YEAR_COL,
        df[YEAR_COL],
    )
    check_unique(df, KEY_COLS, path)

    values = np.column_stack([to_number(df, c, path, allow_blank=True).to_numpy() for c in columns])
    infinite = np.isinf(values)
    if infinite.any():
        r, c = (int(x[0]) for x in infinite.nonzero())
        raise EtlError(f"non-finite value {df[columns[c]].iloc[r]!r}", file=path, row=r + 2, key=columns[c])

    # Long format; a blank cell simply has no row (gaps are never filled).
    n_rows, n_ind = values.shape
    flat = values.T.ravel()
    present = ~np.isnan(flat)
    ids = np.array([d["indicator_id"] for d in defs], dtype=object)
    obs = pd.DataFrame(
        {
            "indicator_id": np.repeat(ids, n_rows)[present],
            "region_code": np.tile(region.to_numpy(dtype=object), n_ind)[present],
            "period": np.tile(years.to_numpy().astype("int64"), n_ind)[present],
            "value": flat[present],
            "source_id": SOURCE_ID,
        },
        columns=OBSERVATION_COLUMNS,
    )
    obs = obs.sort_values(["indicator_id", "region_code", "period"], kind="stable", ignore_index=True)

    indicators = [indicator(**{k: v for k, v in d.items() if k != "column"}, source_id=SOURCE_ID) for d in defs]
    return LoadResult(name=SOURCE_ID, observations=obs, indicators=indicators, sources=[meta])
