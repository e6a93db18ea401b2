"""The one read path into the warehouse: read-only, parameterised.

One read-only DuckDB connection per warehouse file is kept open (opening costs ~12 ms, a query ~0.5 ms); every call
gets its own cursor, so threads never share one. When the ETL swaps in a new file (another inode or mtime), the next
call reopens on the new file.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
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


_lock = threading.Lock()


class _Shared:
    """A connection to one version of the file and the number of cursors in flight on it."""

    def __init__(self, stamp: tuple[int, int, int], con: duckdb.DuckDBPyConnection) -> None:
        self.stamp, self.con, self.active, self.retired = stamp, con, 0, False


_shared: dict[str, _Shared] = {}


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def warehouse_stamp(path: Path) -> tuple[int, int, int]:
    """The version of a warehouse file: (inode, mtime, size); the ETL's atomic swap changes it."""
    return _stamp(path)


def warehouse_version(path: Path) -> tuple[int, int, int] | None:
    """:func:`warehouse_stamp`, or None while the file does not exist (a cache key that still changes on a swap)."""
    try:
        return _stamp(path)
    except FileNotFoundError:
        return None


def close_all() -> None:
    """Close the shared connections (tests; before writing to a file the app has open)."""
    with _lock:
        for entry in _shared.values():
            entry.con.close()
        _shared.clear()


@contextmanager
def connect(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    path = path or config.warehouse_path()
    try:
        stamp = _stamp(path)
    except FileNotFoundError:
        raise WarehouseMissing(f"warehouse {path} not found: run `make setup` or `python -m etl build`") from None
    key = str(path.resolve())
    with _lock:
        entry = _shared.get(key)
        if entry is None or entry.stamp != stamp:
            if entry is not None:
                # The file was swapped: requests in flight finish on the old version; close it when they are done.
                entry.retired = True
                if entry.active == 0:
                    entry.con.close()
            # Read-only, and no access to other files (no COPY TO, no read_csv of arbitrary paths).
            entry = _Shared(stamp, duckdb.connect(key, read_only=True, config=dict(READ_CONFIG)))
            _shared[key] = entry
        entry.active += 1
        cur = entry.con.cursor()
    try:
        yield cur
    finally:
        cur.close()
        with _lock:
            entry.active -= 1
            if entry.retired and entry.active == 0:
                entry.con.close()


def cached_per_warehouse(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Memoise a small catalogue query per warehouse version (the file's inode/mtime/size); returns copies."""
    cache: dict[tuple[Any, ...], pd.DataFrame] = {}

    @functools.wraps(fn)
    def wrapper(*args: Any, path: Path | None = None, **kwargs: Any) -> pd.DataFrame:
        p = path or config.warehouse_path()
        try:
            key = (str(p), _stamp(p), args, tuple(sorted(kwargs.items())))
        except FileNotFoundError:
            raise WarehouseMissing(f"warehouse {p} not found: run `make setup` or `python -m etl build`") from None
        if key not in cache:
            if len(cache) > 256:
                cache.clear()
            cache[key] = fn(*args, path=p, **kwargs)
        return cache[key].copy()

    return wrapper


def query(sql: str, params: list[Any] | dict[str, Any] | None = None, path: Path | None = None) -> pd.DataFrame:
    """Run one parameterised query and return a DataFrame."""
    with connect(path) as con:
        return con.execute(sql, params or []).df()
