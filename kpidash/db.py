"""The one read path into the warehouse: read-only, parameterised, one connection per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kpidash import config

# One configuration for every read-only connection in a process (DuckDB refuses mixed configurations of one file).
READ_CONFIG = {"enable_external_access": False, "lock_configuration": True}


class WarehouseMissing(RuntimeError):
    """The warehouse file does not exist (run `make setup` or `python -m etl build`)."""


@contextmanager
def connect(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = path or config.warehouse_path()
    if not path.exists():
        raise WarehouseMissing(f"warehouse {path} not found: run `make setup` or `python -m etl build`")
    # Read-only, and no access to other files (no COPY TO, no read_csv of arbitrary paths).
    con = duckdb.connect(
        str(path), read_only=True, config={"enable_external_access": False, "lock_configuration": True}
    )
    try:
        yield con
    finally:
        con.close()


def query(sql: str, params: list[Any] | dict[str, Any] | None = None, path: Path | None = None) -> pd.DataFrame:
    """Run one parameterised query and return a DataFrame."""
    with connect(path) as con:
        return con.execute(sql, params or []).df()
