"""The values CSV of an own KPI (issue #21): ``region_code,year,value`` (+ optional ``n``, ``ci_low``, ``ci_high``).

Bytes in, typed rows out, in the strict style of kpidash/data/survey.py: a size and a row limit, UTF-8 (with or
without BOM) or cp932 (Excel's Japanese CSV), the header checked, formula-looking cells refused, and every error names
the file, the row (its line in the file) and the column. Up to :data:`MAX_ISSUES` row errors are collected, so a
preview can list them together; a file that cannot be read at all (size, encoding, header) stops at the first.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection
from dataclasses import dataclass

from kpidash.local_schema import REGION_RE, Issue, LocalDataError

COLUMNS = ("region_code", "year", "value", "n", "ci_low", "ci_high")
REQUIRED = ("region_code", "year", "value")
MAX_BYTES = 1_000_000
MAX_ROWS = 50_000
MAX_ISSUES = 50
ENCODINGS = ("utf-8-sig", "cp932")  # tried in this order: valid UTF-8 is almost never valid-looking cp932 by chance
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$", re.ASCII)
_INTEGER = re.compile(r"^\d+$", re.ASCII)
# Python's cp932 maps undefined bytes (0x80, 0xA0, 0xFD–0xFF) and the user-defined area to C1 controls and private-use
# characters instead of failing: text containing them is refused as not being cp932.
_NOT_CP932_TEXT = re.compile("[\x80-\x9f\ue000-\uf8ff]")


@dataclass(frozen=True)
class ValuesIssue(Issue):
    """``key`` is the column ('' for the whole row or file); ``line`` the file line (None for the whole file)."""

    def __str__(self) -> str:
        where = [f"row {self.line}"] if self.line else []
        where += [f"column {self.key}"] if self.key else []
        return f"{self.file}: {', '.join(where)}: {self.message}" if where else f"{self.file}: {self.message}"


class LocalValuesError(LocalDataError):
    """A refused values CSV; each issue names the file, row and column."""


@dataclass(frozen=True)
class ValueRow:
    region_code: str
    year: int
    value: float
    n: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None


def decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM optional) first, else cp932; LocalValuesError when neither decodes."""
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" or not _NOT_CP932_TEXT.search(text):
            return text, encoding
    raise LocalValuesError([ValuesIssue(name, None, "", "neither UTF-8 nor cp932 (Shift_JIS) text")])


def _formula_like(cell: str) -> bool:
    # Such a file may come from a spreadsheet someone tampered with: =, +, @, a tab/CR, or - not starting a number.
    return cell.startswith(("=", "+", "@", "\t", "\r")) or (cell.startswith("-") and not _NUMBER.match(cell))


def _region_hint(code: str) -> str:
    if _INTEGER.match(code) and len(code) in (1, 4):
        return f" (a spreadsheet may have dropped its leading zero: write {code.zfill(len(code) + 1)!r})"
    if _INTEGER.match(code) and len(code) == 6:
        return f" (a 6-digit code with check digit? write the 5-digit code {code[:5]!r})"
    return ""


class _Row:
    """Checks one record, adding issues; ``row`` is None when anything in it is refused."""

    def __init__(self, name: str, line: int, issues: list[Issue]) -> None:
        self.name, self.line, self.issues, self.ok = name, line, issues, True

    def fail(self, column: str, message: str) -> None:
        self.issues.append(ValuesIssue(self.name, self.line, column, message))
        self.ok = False

    def number(self, column: str, cell: str, integer: bool = False) -> float | None:
        if not cell:
            return None
        if not (_INTEGER if integer else _NUMBER).match(cell):
            kind = "a whole number" if integer else "a number (digits, '.', no thousands separators)"
            self.fail(column, f"{cell!r} is not {kind}")
            return None
        value = float(cell)
        if not math.isfinite(value):
            self.fail(column, f"{cell!r} is not a finite number")
            return None
        return value


def parse_values(
    data: bytes, name: str = "values.csv", known_regions: Collection[str] | None = None
) -> tuple[ValueRow, ...]:
    """The rows of a values CSV, or LocalValuesError listing every issue (file, row, column)."""
    if len(data) > MAX_BYTES:
        raise LocalValuesError([ValuesIssue(name, None, "", f"file is larger than {MAX_BYTES:,} bytes")])
    if b"\x00" in data:
        raise LocalValuesError([ValuesIssue(name, None, "", "binary data (NUL bytes): not a CSV file")])
    text, _ = decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    issues: list[Issue] = []
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise LocalValuesError([ValuesIssue(name, 1, "", f"malformed CSV: {exc}")]) from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    doubled = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or doubled:
        why = "; ".join(
            f"{label} {', '.join(cols)}"
            for label, cols in (("missing", missing), ("unknown", unknown), ("repeated", doubled))
            if cols
        )
        msg = f"header must be region_code,year,value[,n,ci_low,ci_high] ({why})"
        raise LocalValuesError([ValuesIssue(name, 1, "", msg)])
    rows: list[ValueRow] = []
    seen: dict[tuple[str, int], int] = {}
    count = 0
    while len(issues) < MAX_ISSUES:
        try:
            record = next(reader, None)
        except csv.Error as exc:
            issues.append(ValuesIssue(name, reader.line_num, "", f"malformed CSV: {exc}"))
            break
        if record is None:
            break
        if not record:
            continue  # a blank line
        count += 1
        if count > MAX_ROWS:
            issues.append(ValuesIssue(name, reader.line_num, "", f"more than {MAX_ROWS:,} rows"))
            break
        row = _Row(name, reader.line_num, issues)
        if len(record) != len(header):
            row.fail("", f"{len(record)} fields where the header has {len(header)}")
            continue
        cells = {h: c.strip() for h, c in zip(header, record, strict=True)}
        for column in header:
            if _formula_like(cells[column]):
                row.fail(column, "a cell starting with a formula character (= + - @) is refused")
        for column in REQUIRED:
            if not cells[column]:
                row.fail(column, "empty")
        if not row.ok:
            continue
        code = cells["region_code"]
        if not REGION_RE.match(code):
            row.fail(
                "region_code", f"{code!r} is not a region code (00, TKY, NTK, 01–47 or 5 digits){_region_hint(code)}"
            )
        elif known_regions is not None and code not in known_regions:
            row.fail("region_code", f"unknown region code {code!r}")
        year = row.number("year", cells["year"], integer=True)
        if year is not None and not 1900 <= year <= 2100:
            row.fail("year", f"{int(year)} is outside 1900–2100")
        value = row.number("value", cells["value"])
        n = row.number("n", cells.get("n", ""), integer=True)
        if n is not None and n <= 0:
            row.fail("n", "respondents must be positive")
        lo, hi = row.number("ci_low", cells.get("ci_low", "")), row.number("ci_high", cells.get("ci_high", ""))
        if row.ok and (lo is None) != (hi is None):
            row.fail("ci_low" if lo is None else "ci_high", "give both ci_low and ci_high, or neither")
        elif row.ok and lo is not None and hi is not None and value is not None and not lo <= value <= hi:
            row.fail("value", f"ci_low ≤ value ≤ ci_high is required ({lo:g} ≤ {value:g} ≤ {hi:g} is false)")
        if not row.ok or year is None or value is None:
            continue
        key = (code, int(year))
        if key in seen:
            row.fail("", f"duplicate region_code/year {code},{int(year)} (first at row {seen[key]})")
            continue
        seen[key] = row.line
        rows.append(ValueRow(code, int(year), value, None if n is None else int(n), lo, hi))
    if not issues and not rows:
        issues.append(ValuesIssue(name, None, "", "no rows under the header"))
    if issues:
        raise LocalValuesError(issues)
    return tuple(rows)
