"""The whole /api/v1 against its own OpenAPI description: schemathesis, in-process on the real app's WSGI server.

Every operation of /api/v1/openapi.json is fuzzed (examples, coverage and fuzzing phases; valid and invalid data)
and every check runs: no 5xx, the status code and content type documented, the body valid against its schema, valid
data accepted (2xx or 404), invalid data refused, and a method the document does not list answered 405 with an
``Allow`` header. The document is generated from the parameter definitions the server validates with
(kpidash.params), so a disagreement between the two fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from kpidash import params
from kpidash.api import openapi
from kpidash.api.routes import PUBLIC_KPI_FIELDS

pytestmark = pytest.mark.integration

CHART_EXAMPLES = 12  # each one that passes validation draws an image on a headless Chromium (~0.3 s)
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": 25, "database": "none"},
        "headers": {"Accept-Encoding": "identity"},  # the WSGI transport does not decompress (flask-compress)
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        "operations": [
            {
                "include-path-regex": "/chart\\.",
                "generation": {"max-examples": CHART_EXAMPLES},
                # the coverage phase's valid cases (every boundary of every parameter) would each draw an image
                "phases": {"coverage": {"generation": {"mode": "negative"}}},
            }
        ],
    }
)


@pytest.fixture()
def server(use_warehouse: Path) -> Any:
    """The real app's Flask server (app.py: the blueprint, the security headers and error handlers)."""
    import app as app_module

    return app_module.app.server


def filter_query(ctx: Any, query: dict[str, Any] | None) -> bool:
    """'from' after 'to' is a documented 400 that JSON Schema cannot express (a rule between two parameters)."""
    if not query:
        return True
    start, end = str(query.get("from", "")), str(query.get("to", ""))
    return not (start.isdigit() and end.isdigit() and len(start) == len(end) == 4 and start > end)


schema = schemathesis.openapi.from_dict(openapi.build(PUBLIC_KPI_FIELDS), config=CONFIG)
schema.hook(filter_query)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_openapi_description(case: Any, server: Any) -> None:
    case.call_and_validate(app=server)


def test_documented_region_levels_are_the_warehouse_levels(use_warehouse: Path) -> None:
    from kpidash.data import catalogue

    assert list(params.REGION_LEVELS) == catalogue.region_levels()
