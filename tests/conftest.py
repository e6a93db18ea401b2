"""Shared fixtures. The real warehouse is built once per session into a temporary folder from data/raw."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest

from kpidash import config

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "data" / "raw"


@pytest.fixture(autouse=True)
def _release_shared_connections():
    """The query layer keeps a connection open per file: release it around each test (tests write to files)."""
    from kpidash.db import close_all

    close_all()
    yield
    close_all()


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """An independent read-only connection with the app's configuration (DuckDB refuses mixed configurations)."""
    from kpidash.db import READ_CONFIG

    return duckdb.connect(str(path), read_only=True, config=dict(READ_CONFIG))


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from the shipped raw data (never the developer's data/warehouse.duckdb)."""
    from etl.pipeline import build

    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    build(RAW, path, out=io.StringIO())
    return path


@pytest.fixture()
def wh(warehouse_path: Path):
    from kpidash.db import READ_CONFIG

    con = duckdb.connect(str(warehouse_path), read_only=True, config=dict(READ_CONFIG))
    yield con
    con.close()


@pytest.fixture()
def use_warehouse(warehouse_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app's query layer at the session warehouse."""
    monkeypatch.setenv("KPI_WAREHOUSE", str(warehouse_path))
    return warehouse_path


__all__ = ["RAW", "REPO", "config"]
