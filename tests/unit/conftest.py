"""The unit tier runs on the synthetic warehouse (``fixture_warehouse``, ``use_fixture_warehouse``,
``fixture_client``); building the real one belongs to tests/integration."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def warehouse_path() -> None:
    pytest.fail(
        "unit tests do not build the real warehouse: use fixture_warehouse / use_fixture_warehouse / fixture_client, "
        "or move a test that checks real data to tests/integration"
    )
