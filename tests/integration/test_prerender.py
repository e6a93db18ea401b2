"""The page in the first ``_dash-layout`` response (kpidash/web/prerender.py) is exactly what Dash's own routing callback
would have put there one round trip later, and anything it cannot route leaves the container empty, as Dash does."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

PAGES = [
    "/",
    "/compare",
    "/compare?indicator=gdp_nominal&view=bar&mode=per_capita&highlight=13,27",
    "/compare?indicator=gdp_nominal&view=table&sort=code&lang=en",
    "/compare?indicator=no_such_indicator&period=1e309",
    "/trends?indicator=gdp_nominal&regions=00,TKY,NTK,13,27&mode=index&base=2015",
    "/municipalities?indicator=pop_all_65plus&mode=share&pref=13",
    "/region/13",
    "/region/47?lang=en",
    "/indicator/gdp_nominal",
    "/kpi/young_women_outside_tokyo",
    "/about",
]


@pytest.fixture(scope="module")
def client(warehouse_path: Path) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KPI_WAREHOUSE", str(warehouse_path))
        import app as app_module

        yield app_module.app.server.test_client()


def _find(node: Any, component_id: str) -> dict[str, Any] | None:
    """The component with this id in a serialised Dash layout (depth first)."""
    if isinstance(node, list):
        for child in node:
            found = _find(child, component_id)
            if found:
                return found
    elif isinstance(node, dict) and "props" in node:
        if node["props"].get("id") == component_id:
            return node
        return _find(node["props"].get("children"), component_id)
    return None


def _layout(client: Any, page: str | None) -> dict[str, Any]:
    url = "/_dash-layout" + ("?" + urllib.parse.urlencode({"page": page}) if page is not None else "")
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return dict(resp.get_json())


def _routed_by_dash(client: Any, pathname: str, search: str) -> dict[str, Any]:
    """What Dash's routing callback returns for this address: the request the browser makes once dcc.Location has
    reported it (as recorded from Chromium)."""
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname", "_pages_location.search"],
        "state": [],
    }
    resp = client.post("/_dash-update-component", json=payload)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return dict(resp.get_json()["response"])


@pytest.mark.parametrize("page", PAGES)
def test_prerendered_page_equals_what_the_router_returns(client: Any, page: str) -> None:
    pathname, _, query = page.partition("?")
    search = "?" + query if query else ""
    shell = _layout(client, page)
    content = _find(shell, "_pages_content")
    location = _find(shell, "_pages_location")
    store = _find(shell, "_pages_store")
    assert content is not None and location is not None and store is not None
    routed = _routed_by_dash(client, pathname, search)
    # Compared as JSON text: the same components, props and order as Dash's router would send.
    assert json.dumps(content["props"]["children"], sort_keys=True) == json.dumps(
        routed["_pages_content"]["children"], sort_keys=True
    )
    assert store["props"]["data"] == routed["_pages_store"]["data"]
    # The Location already holds the browser's address: on mount it reports no change, so the router does not run.
    assert location["props"]["pathname"] == pathname
    assert location["props"]["search"] == search
    assert location["props"]["refresh"] == "callback-nav"


@pytest.mark.parametrize(
    "page",
    [
        None,  # no parameter: Dash's own behaviour
        "",
        "compare",  # not an absolute path
        "https://example.org/compare",
        "/no-such-page",  # Dash's router answers with the 404 page
        "/compare?" + "a" * 5000,  # longer than any address the app writes
    ],
)
def test_unroutable_addresses_leave_the_container_to_the_router(client: Any, page: str | None) -> None:
    shell = _layout(client, page)
    content = _find(shell, "_pages_content")
    location = _find(shell, "_pages_location")
    assert content is not None and location is not None
    assert content["props"].get("children") is None
    assert "pathname" not in location["props"] and "search" not in location["props"]


def test_a_failing_page_leaves_the_container_to_the_router(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import dash

    entry = next(p for p in dash.page_registry.values() if p["path"] == "/about")

    def broken(**_: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(entry, "layout", broken)
    content = _find(_layout(client, "/about"), "_pages_content")
    assert content is not None and content["props"].get("children") is None


BOOT_LAYOUT = re.compile(
    r'<script type="application/json" id="kpidash-boot-layout" data-page="([^"]*)" data-charts="(\d+)">(.*?)</script>',
    re.S,
)
BOOT_DEPENDENCIES = re.compile(r'<script type="application/json" id="kpidash-boot-dependencies">(.*?)</script>', re.S)


def _graphs_with_data(node: Any) -> int:
    """dcc.Graph components whose figure has traces, anywhere in a serialised layout."""
    if isinstance(node, list):
        return sum(_graphs_with_data(v) for v in node)
    if not isinstance(node, dict):
        return 0
    here = node.get("type") == "Graph" and bool((node.get("props", {}).get("figure") or {}).get("data"))
    return int(here) + sum(_graphs_with_data(v) for k, v in node.items() if k != "figure")


@pytest.mark.parametrize("page", PAGES)
def test_the_index_page_carries_the_layout_and_the_callback_list(client: Any, page: str) -> None:
    """The index page of an address embeds exactly what ``_dash-layout?page=<address>`` and ``_dash-dependencies``
    return (assets/app.js answers Dash's first two requests with them), marked with that address."""
    text = client.get(page).get_data(as_text=True)
    layout = BOOT_LAYOUT.search(text)
    deps = BOOT_DEPENDENCIES.search(text)
    assert layout is not None and deps is not None
    assert html.unescape(layout[1]) == page
    assert json.loads(layout[3]) == _layout(client, page)
    assert json.loads(deps[1]) == client.get("/_dash-dependencies").get_json()
    assert int(layout[2]) == _graphs_with_data(json.loads(layout[3]))
    assert "<" not in layout[3] + deps[1]  # nothing in the JSON can close the element or open a comment


@pytest.mark.parametrize(
    ("page", "charts"),
    [
        ("/compare?indicator=gdp_nominal&view=map", 1),
        ("/compare?indicator=gdp_nominal&view=table", 0),
        ("/trends?indicator=gdp_nominal&regions=00,13", 1),
        ("/municipalities", 1),
        ("/about", 0),
    ],
)
def test_the_index_page_says_how_many_charts_its_first_view_draws(client: Any, page: str, charts: int) -> None:
    layout = BOOT_LAYOUT.search(client.get(page).get_data(as_text=True))
    assert layout is not None and int(layout[2]) == charts


def test_markup_in_the_data_cannot_end_the_embedded_json() -> None:
    from kpidash.web.prerender import script_json

    text = json.dumps({"title": "</script><script>alert(1)</script><!-- & -->", "n": [1, 2]})
    safe = script_json(text)
    assert "<" not in safe and ">" not in safe and "&" not in safe
    assert json.loads(safe) == json.loads(text)
