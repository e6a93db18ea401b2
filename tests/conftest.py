"""Shared fixtures. The real warehouse is built once per session into a temporary folder from data/raw."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kpidash import config

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "data" / "raw"


@pytest.fixture(autouse=True)
def _release_shared_connections():
    """The query layer keeps a connection open per file and memoised views: release both around each test (tests
    write to files and monkeypatch the query layer)."""
    from kpidash.data.cache import clear_all
    from kpidash.data.connection import close_all

    close_all()
    clear_all()
    yield
    close_all()
    clear_all()


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """An independent read-only connection with the app's configuration (DuckDB refuses mixed configurations)."""
    from kpidash.data.connection import READ_CONFIG

    return duckdb.connect(str(path), read_only=True, config=dict(READ_CONFIG))


def fetch_rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one query on a warehouse file, through an independent read-only connection."""
    con = open_readonly(path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from the shipped raw data (never the developer's data/warehouse.duckdb)."""
    from etl.pipeline import build

    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    build(RAW, path, out=io.StringIO())
    return path


@pytest.fixture()
def wh(warehouse_path: Path):
    from kpidash.data.connection import READ_CONFIG

    con = duckdb.connect(str(warehouse_path), read_only=True, config=dict(READ_CONFIG))
    yield con
    con.close()


@pytest.fixture()
def use_warehouse(warehouse_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app's query layer at the session warehouse."""
    monkeypatch.setenv("KPI_WAREHOUSE", str(warehouse_path))
    return warehouse_path


@pytest.fixture()
def client(use_warehouse: Path):  # type: ignore[no-untyped-def]
    """A Flask test client of the /api/v1 blueprint alone, on the session warehouse."""
    from flask import Flask

    from kpidash.api.routes import api

    app = Flask(__name__)
    app.register_blueprint(api)
    return app.test_client()


__all__ = ["RAW", "REPO", "config"]


def plotly_meta(index_html: str) -> dict[str, Any]:
    """The plotly.js configuration an index page carries for assets/app.js (one <meta>, JSON in its content)."""
    found = re.findall(r'<meta name="kpidash-plotly" content="([^"]*)">', index_html)
    assert len(found) == 1
    return dict(json.loads(html.unescape(found[0])))
