"""SSDSE-B（県別推移）: 47 prefectures × one year per row, 109 indicators, one wide CSV per edition.

Two editions are read (``EDITIONS``, oldest first), each validated on its own as strictly as one file always was:
``ssdse_b_2011_2022.csv`` (2011–2022, one header row of Japanese names) and ``SSDSE-B-2026.csv`` (2012–2023, the
official layout: row 1 the item codes ``SSDSE-B-2026,Code,Prefecture,A1101,…``, verified, then row 2 the names).
The indicator definitions live in ``ssdse_b_indicators.yaml`` (one entry per column, in file order). Every edition
and the YAML must agree exactly: an unmapped column in a file or a mapped column missing from it is an error, so a
changed edition cannot be silently half-loaded. The item codes are checked (form, uniqueness) but not stored:
marts.indicators has no field for them (kpidash.config.WAREHOUSE_CONTRACT).

Which edition a value comes from — decided per year (年度), not per cell:

- For every year, the **newest edition that has that year** supplies all of its cells; an older edition only fills
  years no newer edition has (in the shipped data: 2011 from the older edition, 2012–2023 from SSDSE-B-2026).
- A blank cell in the winning edition stays a gap (no row). It is never filled from an older edition: a blank is the
  publisher's choice (a withdrawn or suppressed value), and filling it would give one year's cross-section two
  editions (the TKY/NTK/全国 sums carry one source_id per indicator and year).
- Each observation row carries the source_id of the edition it comes from (from the edition's sidecar); the
  indicator's catalogue source_id is the newest edition loaded. Unlike ESRI releases (different base years, never
  mixed, see data/README.md) SSDSE-B editions are the same SSDS series, so one series may span two editions.

Differences between editions are reported, not fatal: a back revision is legitimate, and the newer value is the one
used. Every cell of a year held by two editions (same indicator, prefecture, year) whose values differ — including a
value on one side and a blank on the other — is a row of ``staging.stg_ssdse_b_edition_diffs``;
``staging.stg_ssdse_b_editions`` lists each expected edition (loaded or absent), its years and the cells compared.
``etl.checks.notes`` turns both into the informational lines that ``python -m etl check`` and the build print.

An absent edition file (with its sidecar) is not an error: the other edition loads alone and the note says which
file is missing and which years that leaves out. With no edition at all the loader fails naming both files.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
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

SOURCE_ID = "ssdse_b"  # the loader's name (staging.stg_ssdse_b_*) and the older edition's source_id
YAML_PATH = Path(__file__).with_name("ssdse_b_indicators.yaml")


@dataclass(frozen=True)
class Edition:
    """One edition's file. ``code_row``: the first cell of its item-code row (row 1), None if it has only names."""

    relpath: Path
    source_id: str  # must equal the sidecar's source_id
    code_row: str | None = None


EDITIONS: tuple[Edition, ...] = (  # oldest first; a later edition wins every year it has
    Edition(Path("ssdse") / "ssdse_b_2011_2022.csv", "ssdse_b"),
    Edition(Path("ssdse") / "SSDSE-B-2026.csv", "ssdse_b_2026", code_row="SSDSE-B-2026"),
)
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


def _fail_at(mask: pd.Series, message: str, path: Path, key: str, values: pd.Series, header_rows: int) -> None:
    """Raise naming the first row where ``mask`` is true (the header rows counted)."""
    if mask.any():
        i = int(mask.to_numpy().nonzero()[0][0])
        raise EtlError(message.format(values.iloc[i]), file=path, row=i + 1 + header_rows, key=key)


def _check_field_counts(path: Path) -> None:
    """Every line must have as many fields as the first: pandas would otherwise pad a short row with blanks
    (read as gaps) or turn the leading cells of a long first row into an index."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        width = len(next(reader, []))
        for line_no, fields in enumerate(reader, start=2):
            if fields and len(fields) != width:
                raise EtlError(f"line has {len(fields)} fields, the header has {width}", file=path, row=line_no)


_ITEM_CODE_RE = re.compile(r"[A-Z]\d{4,6}")


def _check_code_row(path: Path, tag: str) -> None:
    """Row 1 of an official edition: ``<tag>,Code,Prefecture,<item code>…`` (one unique code per indicator)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        row = next(csv.reader(fh), [])
    expected = [tag, "Code", "Prefecture"]
    for j, want in enumerate(expected):
        got = row[j] if j < len(row) else None
        if got != want:
            raise EtlError(
                f"item-code row: field {j + 1} must be {want!r}, got {got!r} (expected the official two header rows: "
                f"item codes, then names)",
                file=path,
                row=1,
            )
    seen: dict[str, int] = {}
    for j, code in enumerate(row[3:], start=4):
        if not _ITEM_CODE_RE.fullmatch(code):
            raise EtlError(
                f"item-code row: field {j} {code!r} is not an SSDSE item code like 'A1101'", file=path, row=1
            )
        if code in seen:
            raise EtlError(
                f"item-code row: field {j} repeats item code {code!r} (also field {seen[code]})", file=path, row=1
            )
        seen[code] = j


@dataclass
class _Edition:
    """One edition as read: its sidecar, and its cells as a (row × indicator) matrix with the row keys."""

    edition: Edition
    meta: dict[str, Any]
    region: np.ndarray  # '01'..'47' per row
    years: np.ndarray  # int64 per row
    values: np.ndarray  # float, NaN = blank


def _numbers(df: pd.DataFrame, columns: list[str], path: Path, header_rows: int) -> np.ndarray:
    """The indicator cells as floats (NaN = blank): ``to_number`` on all columns at once (two editions must load
    fast); on a bad cell, column by column so the error names the same first bad cell as ``to_number`` would."""
    block = df[columns].to_numpy(dtype=object)
    flat = pd.Series(block.ravel(order="F"), dtype=object)
    num = pd.to_numeric(flat.str.replace(",", "", regex=False), errors="coerce")
    if (num.isna() & flat.notna()).any():
        for c in columns:
            to_number(df, c, path, allow_blank=True, header_rows=header_rows)
    return num.to_numpy(dtype=float).reshape(block.shape, order="F")


def _read_edition(raw_dir: Path, edition: Edition, columns: list[str]) -> _Edition:
    path = raw_dir / edition.relpath
    meta = read_sidecar(path)
    if meta["source_id"] != edition.source_id:
        side = path.with_name(path.name + ".meta.yaml")
        raise EtlError(
            f"source_id must be {edition.source_id!r} for this edition, got {meta['source_id']!r}", file=side
        )
    header_rows = 1
    _check_field_counts(path)
    if edition.code_row is not None:
        _check_code_row(path, edition.code_row)
        header_rows = 2
    df = read_csv_strict(
        path,
        required=[*KEY_COLS, *columns],
        encoding="utf-8-sig",
        skiprows=header_rows - 1,
    )
    known = {*KEY_COLS, NAME_COL, *columns}
    extra = [c for c in df.columns if c not in known]
    if extra:
        raise EtlError(
            f"unmapped column {extra[0]!r} (add it to {YAML_PATH.name} or check the file edition)",
            file=path,
            row=header_rows,
            key=extra[0],
        )

    codes = df[CODE_COL]
    _fail_at(
        ~codes.str.fullmatch(_REGION_RE).fillna(False).astype(bool),
        "region code {!r} is not of the form R01000",
        path,
        CODE_COL,
        codes,
        header_rows,
    )
    region = codes.str.slice(1, 3)
    check_pref_codes(region, path, header_rows=header_rows)

    years = to_number(df, YEAR_COL, path, header_rows=header_rows)
    _fail_at(
        (years % 1 != 0) | (years < 1900) | (years > 2100),
        "year {!r} is not a plausible integer",
        path,
        YEAR_COL,
        df[YEAR_COL],
        header_rows,
    )
    check_unique(df, KEY_COLS, path, header_rows=header_rows)

    values = _numbers(df, columns, path, header_rows)
    infinite = np.isinf(values)
    if infinite.any():
        r, c = (int(x[0]) for x in infinite.nonzero())
        raise EtlError(
            f"non-finite value {df[columns[c]].iloc[r]!r}", file=path, row=r + 1 + header_rows, key=columns[c]
        )
    return _Edition(edition, meta, region.to_numpy(dtype=object), years.to_numpy().astype("int64"), values)


def _long(ed: _Edition, keep: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    """The kept rows of one edition in long format; a blank cell simply has no row (gaps are never filled)."""
    values = ed.values[keep]
    n_rows, n_ind = values.shape
    flat = values.T.ravel()
    present = ~np.isnan(flat)
    return pd.DataFrame(
        {
            "indicator_id": np.repeat(ids, n_rows)[present],
            "region_code": np.tile(ed.region[keep], n_ind)[present],
            "period": np.tile(ed.years[keep], n_ind)[present],
            "value": flat[present],
            "source_id": ed.meta["source_id"],
        },
        columns=OBSERVATION_COLUMNS,
    )


EDITION_COLUMNS = {  # staging.stg_ssdse_b_editions: one row per expected edition (NULL periods when absent)
    "source_id": "string",
    "file": "string",
    "status": "string",  # loaded | absent
    "first_period": "Int64",
    "last_period": "Int64",
    "cells_compared_with_newer": "Int64",  # cells of its years that a newer edition supplies instead
    "cells_differing_from_newer": "Int64",
    "edition_rank": "int64",  # 0 = oldest
}
DIFF_COLUMNS = {  # staging.stg_ssdse_b_edition_diffs: one row per differing cell (NaN = blank)
    "indicator_id": "string",
    "region_code": "string",
    "period": "int64",
    "older_source_id": "string",
    "older_value": "float64",
    "newer_source_id": "string",
    "newer_value": "float64",
}


def _differences(older: _Edition, newer: _Edition, years: list[int], ids: np.ndarray) -> tuple[int, pd.DataFrame]:
    """Cells compared and the differing cells of ``older`` vs ``newer`` in ``years`` (a row only one edition has
    counts as blanks on the other side)."""

    def wide(ed: _Edition) -> pd.DataFrame:
        keep = np.isin(ed.years, years)
        index = pd.MultiIndex.from_arrays([ed.region[keep], ed.years[keep]], names=["region_code", "period"])
        return pd.DataFrame(ed.values[keep], index=index, columns=ids)

    old, new = wide(older), wide(newer)
    index = old.index.union(new.index).sort_values()
    a, b = old.reindex(index).to_numpy(), new.reindex(index).to_numpy()
    differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    r, c = differ.nonzero()
    diffs = pd.DataFrame(
        {
            "indicator_id": ids[c],
            "region_code": index.get_level_values("region_code").to_numpy(dtype=object)[r],
            "period": index.get_level_values("period").to_numpy(dtype="int64")[r],
            "older_source_id": older.meta["source_id"],
            "older_value": a[r, c],
            "newer_source_id": newer.meta["source_id"],
            "newer_value": b[r, c],
        },
        columns=list(DIFF_COLUMNS),
    )
    return int(a.size), diffs


def _exists_or_sidecar(path: Path) -> bool:
    return path.exists() or path.with_name(path.name + ".meta.yaml").exists()


def load(raw_dir: Path) -> LoadResult:
    defs = load_definitions()
    columns = [d["column"] for d in defs]
    ids = np.array([d["indicator_id"] for d in defs], dtype=object)

    # An edition is absent when neither its file nor its sidecar is there (a sidecar alone: read_sidecar's error).
    present = [e for e in EDITIONS if _exists_or_sidecar(raw_dir / e.relpath)]
    if not present:
        files = " or ".join(str(raw_dir / e.relpath) for e in EDITIONS)
        raise EtlError(f"no SSDSE-B edition found: expected {files} (each with its .meta.yaml)", file=raw_dir)
    eds = [_read_edition(raw_dir, e, columns) for e in present]

    # Each year to the newest edition that has it.
    winner: dict[int, int] = {}
    for k, ed in enumerate(eds):
        for y in np.unique(ed.years):
            winner[int(y)] = k
    parts, diff_parts, editions = [], [], []
    for k, ed in enumerate(eds):
        keep = np.array([winner[int(y)] == k for y in ed.years], dtype=bool)
        parts.append(_long(ed, keep, ids))
        compared, n_diff = 0, 0
        for j in range(k + 1, len(eds)):  # the years a newer edition takes from this one
            years = sorted({int(y) for y in ed.years if winner[int(y)] == j})
            if years:
                n, diffs = _differences(ed, eds[j], years, ids)
                compared += n
                n_diff += len(diffs)
                diff_parts.append(diffs)
        editions.append(
            {
                "source_id": ed.meta["source_id"],
                "file": ed.edition.relpath.as_posix(),
                "status": "loaded",
                "first_period": int(ed.years.min()),
                "last_period": int(ed.years.max()),
                "cells_compared_with_newer": compared,
                "cells_differing_from_newer": n_diff,
            }
        )
    for e in EDITIONS:
        if e not in present:
            editions.append({"source_id": e.source_id, "file": e.relpath.as_posix(), "status": "absent"})
    rank = {e.source_id: i for i, e in enumerate(EDITIONS)}
    edition_table = (
        pd.DataFrame(editions)
        .reindex(columns=list(EDITION_COLUMNS))
        .assign(edition_rank=lambda d: d["source_id"].map(rank))
        .sort_values("edition_rank", ignore_index=True)
        .astype(EDITION_COLUMNS)
    )
    diff_table = (
        pd.concat(diff_parts, ignore_index=True) if diff_parts else pd.DataFrame(columns=list(DIFF_COLUMNS))
    ).astype(DIFF_COLUMNS)
    diff_table = diff_table.sort_values(["indicator_id", "region_code", "period"], ignore_index=True)

    obs = pd.concat(parts, ignore_index=True)
    obs = obs.sort_values(["indicator_id", "region_code", "period"], kind="stable", ignore_index=True)
    catalogue_source = eds[-1].meta["source_id"]
    indicators = [indicator(**{k: v for k, v in d.items() if k != "column"}, source_id=catalogue_source) for d in defs]
    return LoadResult(
        name=SOURCE_ID,
        observations=obs,
        indicators=indicators,
        sources=[ed.meta for ed in eds],
        tables={"ssdse_b_editions": edition_table, "ssdse_b_edition_diffs": diff_table},
    )
