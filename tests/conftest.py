"""Shared fixtures. The real warehouse is built once per session into a temporary folder from data/raw (integration
tier); the unit tier reads the synthetic warehouse of tests/fixtures/warehouse.py instead."""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kpidash import config

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "data" / "raw"


@pytest.fixture(autouse=True)
def _own_kpis_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test reads and writes own KPIs in a fresh temporary folder, never the repository's data/local."""
    folder = tmp_path_factory.mktemp("local")
    monkeypatch.setenv("KPIDASH_LOCAL_DIR", str(folder))
    return folder


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


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic warehouse of tests/fixtures/warehouse.py (built in well under a second; read it, never write)."""
    from tests.fixtures.warehouse import build_fixture_warehouse

    return build_fixture_warehouse(tmp_path_factory.mktemp("fixture_wh") / "warehouse.duckdb")


@pytest.fixture()
def use_fixture_warehouse(fixture_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app's query layer at the synthetic warehouse."""
    monkeypatch.setenv("KPI_WAREHOUSE", str(fixture_warehouse))
    return fixture_warehouse


def _api_client():  # type: ignore[no-untyped-def]
    """A Flask test client of the /api/v1 blueprint alone (on whichever warehouse KPI_WAREHOUSE names)."""
    from flask import Flask

    from kpidash.api.routes import api

    app = Flask(__name__)
    app.register_blueprint(api)
    return app.test_client()


@pytest.fixture()
def fixture_client(use_fixture_warehouse: Path):  # type: ignore[no-untyped-def]
    """A Flask test client of the /api/v1 blueprint alone, on the synthetic warehouse."""
    return _api_client()


@pytest.fixture()
def fixture_wh(fixture_warehouse: Path):
    """An independent read-only connection to the synthetic warehouse."""
    con = open_readonly(fixture_warehouse)
    yield con
    con.close()


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
    return _api_client()


__all__ = ["RAW", "REPO", "config"]


def plotly_meta(index_html: str) -> dict[str, Any]:
    """The plotly.js configuration an index page carries for assets/app.js (one <meta>, JSON in its content)."""
    found = re.findall(r'<meta name="kpidash-plotly" content="([^"]*)">', index_html)
    assert len(found) == 1
    return dict(json.loads(html.unescape(found[0])))


class ServerErrors(logging.Handler):
    """Records what the app logs when it turns an exception into an error page, a 503 or an empty prerender
    (kpidash.web.security, kpidash.web.prerender): such a request may still answer 200, so a test that only looks at
    status codes would not see it. Installed on the ``kpidash`` logger; ``problems()`` lists each as one line."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.records.append(record)

    def problems(self) -> list[str]:
        out = []
        for r in self.records:
            exc = r.exc_info[1] if r.exc_info else None
            cause = f": {type(exc).__name__}: {exc}" if exc is not None else ""
            out.append(f"{r.name}: {r.getMessage()}{cause}")
        return out

    def clear(self) -> None:
        self.records.clear()


@contextlib.contextmanager
def record_server_errors() -> Iterator[ServerErrors]:
    handler = ServerErrors()
    logger = logging.getLogger("kpidash")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture()
def server_errors() -> Iterator[ServerErrors]:
    """Exceptions the app caught and logged during the test (assert ``not server_errors.problems()``)."""
    with record_server_errors() as handler:
        yield handler
