"""DataFrame cells and rows → plain JSON values (exact floats; None for NaN, NA, NaT and infinities)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd


def clean(v: Any) -> Any:
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
        return clean(v.item())
    return v


def _column_values(s: pd.Series) -> list[Any]:
    """One column as JSON-ready values; numpy float/int columns converted in bulk (the API's hot path)."""
    values = s.tolist()
    kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else ""
    if kind == "f":
        return [v if math.isfinite(v) else None for v in values]
    if kind in ("i", "u", "b"):
        return values  # tolist() already gives Python ints / bools
    return [clean(v) for v in values]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame → list of JSON-ready dicts (exact floats, None for missing)."""
    cols = list(df.columns)
    columns = [_column_values(df[c]) for c in cols]
    return (
        [dict(zip(cols, row, strict=True)) for row in zip(*columns, strict=True)]
        if cols
        else [{} for _ in range(len(df))]
    )
