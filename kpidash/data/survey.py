"""KPI 2 survey results: a documented CSV template under data/survey/ (see data/survey/README.md)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ["region_code", "year", "share", "n", "ci_low", "ci_high", "source", "note"]
REQUIRED = ["region_code", "year", "share", "n", "source"]
MAX_BYTES = 1_000_000
MAX_ROWS = 10_000
VALID_REGIONS = {"00", "TKY", "NTK", *(f"{i:02d}" for i in range(1, 48))}


class SurveyError(ValueError):
    """A rejected survey file; the message names the file, row and column."""


@dataclass(frozen=True)
class SurveyRow:
    region_code: str
    year: int
    share: float
    n: int
    ci_low: float | None
    ci_high: float | None
    source: str
    note: str


def _cell_ok(text: str) -> bool:
    # Formula-looking cells are refused: such a file may come from a spreadsheet someone tampered with.
    return not text.startswith(("=", "+", "@")) and not (text.startswith("-") and not _is_number(text))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_survey(data: bytes, name: str = "living_outlook.csv") -> list[SurveyRow]:
    if len(data) > MAX_BYTES:
        raise SurveyError(f"{name}: file is larger than {MAX_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise SurveyError(f"{name}: header must be {','.join(COLUMNS)} (missing {missing}, unknown {unknown})")
    rows: list[SurveyRow] = []
    seen: set[tuple[str, int]] = set()
    for count, rec in enumerate(reader, start=1):
        i = reader.line_num  # the file line, also after blank lines or quoted line breaks
        if count > MAX_ROWS:
            raise SurveyError(f"{name}: more than {MAX_ROWS:,} rows")
        if None in rec:
            raise SurveyError(f"{name}: row {i}: more fields than the header")
        vals = {k: (rec.get(k) or "").strip() for k in COLUMNS}
        for k, v in vals.items():
            if v and not _cell_ok(v):
                raise SurveyError(f"{name}: row {i}, column {k}: cell starting with a formula character is refused")
        for k in REQUIRED:
            if not vals[k]:
                raise SurveyError(f"{name}: row {i}, column {k}: empty")
        if vals["region_code"] not in VALID_REGIONS:
            raise SurveyError(f"{name}: row {i}, column region_code: unknown region {vals['region_code']!r}")
        try:
            year, share, n = int(vals["year"]), float(vals["share"]), int(vals["n"])
            lo = float(vals["ci_low"]) if vals["ci_low"] else None
            hi = float(vals["ci_high"]) if vals["ci_high"] else None
        except ValueError as exc:
            raise SurveyError(f"{name}: row {i}: not a number ({exc})") from None
        if not 1900 <= year <= 2100:
            raise SurveyError(f"{name}: row {i}, column year: {year} is out of range")
        if not (0 <= share <= 100) or math.isnan(share):
            raise SurveyError(f"{name}: row {i}, column share: {share} is not a percentage 0–100")
        if n <= 0:
            raise SurveyError(f"{name}: row {i}, column n: respondents must be positive")
        if (lo is None) != (hi is None) or (lo is not None and hi is not None and not (0 <= lo <= share <= hi <= 100)):
            raise SurveyError(f"{name}: row {i}: ci_low ≤ share ≤ ci_high within 0–100 is required (both or neither)")
        key = (vals["region_code"], year)
        if key in seen:
            raise SurveyError(f"{name}: row {i}: duplicated region_code/year {key}")
        seen.add(key)
        rows.append(SurveyRow(vals["region_code"], year, share, n, lo, hi, vals["source"], vals["note"]))
    return rows


def read_survey(path: Path) -> list[SurveyRow] | None:
    """None when no survey file is loaded (the KPI then says so plainly)."""
    if not path.exists():
        return None
    return parse_survey(path.read_bytes(), path.name)
