"""Fuzzing every registered Dash page with hostile query strings and path variables.

Two levels:
- HTTP: ``GET <page path>?<fuzzed query>`` through Flask's test client never answers 5xx, and the server caught and
  logged no exception on the way (an error page or an empty prerender may still answer 200);
- the page itself: each page module's own ``layout(**params)`` — what Dash calls with the query parameters and path
  variables of the URL — returns a serialisable component for any string (or repeated-key list) it is given. The
  module's function is called, not the registry entry, which kpidash.web.security wraps with an error page: a page must
  validate its parameters, not rely on that safety net.

The page list is read from ``dash.page_registry`` after importing app.py, so new pages are fuzzed automatically.
"""

from __future__ import annotations

import re
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dash
import pytest
from dash.development.base_component import Component
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plotly.io.json import to_json_plotly

from tests.conftest import ServerErrors, record_server_errors

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PAGE_FILES = sorted(p.stem for p in (REPO / "pages").glob("*.py") if not p.name.startswith("_"))
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no example database written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HOSTILE = [
    "",
    " ",
    "en",
    "ja",
    "EN",
    "-1",
    "0",
    "1e309",
    "nan",
    "inf",
    "9" * 400,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1;--",
    "\x00",
    "%00",
    "\u202e",
    "東京都",
    "null",
    "None",
    "[]",
    "{}",
    "1,2,3",
    "13,13,13",
    "2020.5",
]


@dataclass
class Page:
    module: str
    path: str
    template: str | None
    layout: Any
    params: list[str]


@dataclass
class Site:
    client: Any
    pages: dict[str, Page]
    valid: list[str]
    errors: ServerErrors

    def assert_no_server_errors(self, what: object) -> None:
        problems = self.errors.problems()
        self.errors.clear()
        assert not problems, f"{what}: the server caught and logged:\n" + "\n".join(problems)


def _params(fn: Any, template: str | None) -> list[str]:
    import inspect

    names = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    ]
    names += re.findall(r"<([^>]+)>", template or "")
    return list(dict.fromkeys([*names, "lang"]))


@pytest.fixture(scope="module")
def site(warehouse_path: Path) -> Iterator[Site]:
    with record_server_errors() as errors, pytest.MonkeyPatch.context() as mp:
        mp.setenv("KPI_WAREHOUSE", str(warehouse_path))
        import app as app_module
        from kpidash.data import queries
        from kpidash.service import kpis as service

        pages = {}
        for entry in dash.page_registry.values():
            module = sys.modules[entry["module"]]
            fn = getattr(module, "layout", None)
            pages[entry["module"]] = Page(
                entry["module"],
                entry["path"],
                entry.get("path_template"),
                fn,
                _params(fn, entry.get("path_template")) if callable(fn) else [],
            )
        # Valid values mixed into the fuzz reach the code behind the first validation step.
        indicators = sorted(queries.indicator_ids())
        valid = [
            *(k["id"] for k in service.kpis()),
            *indicators[:: max(1, len(indicators) // 12)],
            "00",
            "01",
            "13",
            "47",
            "TKY",
            "NTK",
            "2015",
            "2020",
            "2022",
        ]
        errors.clear()
        yield Site(app_module.app.server.test_client(), pages, valid, errors)


def test_every_page_file_is_registered(site: Site) -> None:
    registered = {m.split(".")[-1] for m in site.pages}
    assert set(PAGE_FILES) <= registered, f"not in dash.page_registry: {set(PAGE_FILES) - registered}"


def _values(site: Site) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(site.valid),
        st.text(st.characters(codec="utf-8"), max_size=30),
    )


def _kwargs(site: Site, page: Page) -> st.SearchStrategy[dict[str, Any]]:
    names = st.one_of(
        st.sampled_from(page.params or ["lang"]), st.text(st.characters(codec="ascii"), min_size=1, max_size=8)
    )
    value = st.one_of(_values(site), st.lists(_values(site), min_size=2, max_size=3))  # ?a=1&a=2 arrives as a list
    return st.dictionaries(names, value, max_size=6)


def _call(page: Page, kwargs: dict[str, Any]) -> None:
    try:
        result = page.layout(**kwargs)
    except Exception as exc:
        raise AssertionError(f"{page.module}.layout({kwargs!r}) raised {type(exc).__name__}: {exc}") from exc
    assert isinstance(result, (Component, list, str)), f"{page.module}.layout returned {type(result).__name__}"
    to_json_plotly(result)  # what Dash sends to the browser must serialise


def _check(site: Site, page: Page, kwargs: dict[str, Any]) -> None:
    _call(page, kwargs)
    site.assert_no_server_errors(f"{page.module}.layout({kwargs!r})")


@pytest.mark.parametrize("page_file", PAGE_FILES)
def test_page_layout_survives_hostile_values(site: Site, page_file: str) -> None:
    """Every page, deterministically: all its parameters set to each hostile value, then to a repeated key."""
    page = site.pages[f"pages.{page_file}"]
    if not callable(page.layout):  # a static layout takes no parameters: it only has to serialise
        assert isinstance(page.layout, Component) and to_json_plotly(page.layout)
        return
    site.errors.clear()
    _check(site, page, {})  # the defaults (what a plain link to the page shows)
    for value in HOSTILE:
        _check(site, page, dict.fromkeys(page.params, value))
    _check(site, page, {name: ["en", "ja"] for name in page.params})


@FUZZ
@given(data=st.data())
def test_fuzz_page_layouts(site: Site, data: st.DataObject) -> None:
    page = data.draw(st.sampled_from(sorted(site.pages.values(), key=lambda p: p.module)), label="page")
    if not callable(page.layout):
        return
    site.errors.clear()
    _check(site, page, data.draw(_kwargs(site, page), label="kwargs"))


@FUZZ
@given(data=st.data())
def test_fuzz_page_urls_never_5xx(site: Site, data: st.DataObject) -> None:
    page = data.draw(st.sampled_from(sorted(site.pages.values(), key=lambda p: p.module)), label="page")
    path = page.template or page.path
    for var in re.findall(r"<[^>]+>", path):
        path = path.replace(var, urllib.parse.quote(data.draw(_values(site), label=var) or "x", safe=""), 1)
    query = data.draw(_kwargs(site, page), label="query")
    url = path + "?" + urllib.parse.urlencode(query, doseq=True)
    site.errors.clear()
    resp = site.client.get(url)
    try:
        assert resp.status_code < 500, (url, resp.status_code)
        assert resp.headers["Content-Type"].startswith("text/html")
    finally:
        resp.close()
    # The same address as the browser adds it to its request for the layout (kpidash/web/prerender.py): the shell comes
    # back as JSON, with the page in it or (on any failure) empty for the routing callback — never a 5xx.
    resp = site.client.get("/_dash-layout?" + urllib.parse.urlencode({"page": url}))
    try:
        assert resp.status_code == 200, (url, resp.status_code)
        assert resp.is_json and resp.get_json()["type"] == "Div"
    finally:
        resp.close()
    site.assert_no_server_errors(url)
