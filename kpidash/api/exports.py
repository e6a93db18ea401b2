"""EBPM exports: the CSV rendering of long-format observations and the cell rules every writer shares.

Every export carries its provenance (:mod:`kpidash.service.provenance`); the rows come from
:mod:`kpidash.data.observations`. Text cells are neutralised against spreadsheet formula injection; numbers stay
numbers. The workbook and the ZIP bundle are written by :mod:`kpidash.api.exports_xlsx` and
:mod:`kpidash.api.exports_zip`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import numbers
from typing import Any

import pandas as pd

from kpidash import params
from kpidash.service.provenance import ExportError

MAX_INDICATORS = params.MAX_INDICATORS
MAX_ROWS = params.MAX_ROWS

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


class CsvEncodingError(ExportError):
    """A text cell has a character the requested CSV encoding cannot represent."""

    def __init__(self, encoding: str, char: str, column: str, row: int) -> None:
        self.encoding, self.char, self.column, self.row = encoding, char, column, row
        super().__init__(
            f"character {char!r} (U+{ord(char):04X}) in column {column!r}, data row {row} cannot be encoded in "
            f"{encoding}; use UTF-8 instead"
        )


# ----------------------------------------------------------------------------------------------------------- cells


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral) and math.isnan(float(v))


def is_number(v: Any) -> bool:
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


def csv_cell(v: Any, cp932: bool) -> str:
    if is_missing(v):
        return ""
    if is_number(v):
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
    header = [csv_cell(str(c), cp932) for c in df.columns]
    rows = [[csv_cell(v, cp932) for v in row] for row in df.itertuples(index=False, name=None)]
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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
