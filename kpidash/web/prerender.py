"""The page's content in the first ``_dash-layout`` response, instead of one routing round trip later.

Dash Pages sends an empty page container with the layout; once it is in the browser, its ``dcc.Location`` reports the
address, a callback request returns the page's layout, and only then do the page's own requests start. assets/app.js
adds the address to the browser's request for the layout (``_dash-layout?page=/compare%3Findicator%3D…``); the shell
is then sent with that page already in ``_pages_content`` and its ``_pages_location`` holding the same pathname and
search as the browser, so the Location sees no change and the routing callback does not fire. Without the parameter,
for a page Dash would answer with its 404 layout, or if anything goes wrong, the container is sent empty, as Dash
does, and the routing callback renders the page as before.

The page is found and called exactly as Dash's own routing callback does (``dash._pages`` helpers; Dash is pinned).

The index page goes one step further (:func:`boot_elements`): it carries that layout, and Dash's callback list, as
JSON. assets/app.js answers Dash's two first requests (``_dash-layout``, ``_dash-dependencies``) with them, so the
renderer starts on the page as soon as its scripts have run, without a round trip to a server that is, on a first
visit, competing with the browser for the CPU. Anything unexpected (another address, a missing element) and app.js
lets the requests through to the server, which answers as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from html import escape
from typing import Any

import dash
from dash import _pages as dash_pages
from dash import dcc, html
from dash._utils import to_json
from dash.dash import _ID_CONTENT, _ID_DUMMY, _ID_LOCATION, _ID_STORE
from dash.development.base_component import Component
from flask import has_request_context, request

log = logging.getLogger(__name__)
MAX_PAGE_URL = 4096  # longer than any address the app writes; anything longer is left to the routing callback
PAGE_PARAM = "page"  # the query parameter assets/app.js adds to the layout request
BOOT_LAYOUT_ID = "kpidash-boot-layout"  # <script type="application/json"> elements of the index page, read by app.js
BOOT_DEPENDENCIES_ID = "kpidash-boot-dependencies"
_page_override: ContextVar[str | None] = ContextVar("kpidash_page_override", default=None)


def route(page_url: str) -> tuple[str, str, Any, str] | None:
    """``/path?query`` → (pathname, search, the page's layout, its title), or None to leave it to Dash's router."""
    if not page_url.startswith("/") or len(page_url) > MAX_PAGE_URL:
        return None
    pathname, sep, query = page_url.partition("?")
    search = sep + query if query else ""  # as window.location.search: "" when there is no query
    page, path_variables = dash_pages._path_to_page(dash.get_app().strip_relative_path(pathname))
    if not page:
        return None
    layout = page.get("layout", "")
    if callable(layout):
        layout = layout(**{**(path_variables or {}), **dash_pages._parse_query_string(search)})
    title = page["title"]
    if callable(title):
        title = title(**(path_variables or {}))
    return pathname, search, layout, str(title)


def page_container(page_url: str | None) -> Any:
    """Dash's page container, with the page already in it when ``page_url`` can be routed."""
    routed = None
    if page_url:
        try:
            routed = route(page_url)
        except Exception:  # a page that fails here fails the same way in the routing callback, which reports it
            log.warning("could not prerender %r", page_url[:200], exc_info=True)
    if routed is None:
        return dash.page_container
    pathname, search, layout, title = routed
    return html.Div(
        [
            dcc.Location(id=_ID_LOCATION, refresh="callback-nav", pathname=pathname, search=search),
            html.Div(layout, id=_ID_CONTENT, disable_n_clicks=True),
            dcc.Store(id=_ID_STORE, data={"title": title}),
            html.Div(id=_ID_DUMMY, disable_n_clicks=True),
        ]
    )


def requested_page() -> str | None:
    """The address the layout is built for: the one the index page is being rendered for (:func:`boot_elements`),
    else the ``page`` parameter of a ``_dash-layout`` request."""
    forced = _page_override.get()
    if forced is not None:
        return forced
    return request.args.get(PAGE_PARAM) if has_request_context() else None


@contextmanager
def _building_for(page_url: str) -> Iterator[None]:
    token = _page_override.set(page_url)
    try:
        yield
    finally:
        _page_override.reset(token)


def script_json(text: str) -> str:
    """JSON text safe inside a <script> element: ``<``, ``>`` and ``&`` occur in JSON only inside strings, where
    their \\u escapes mean the same characters (so no ``</script>`` or ``<!--`` can end or alter the element)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def charts_drawn_first(node: Any) -> int:
    """How many dcc.Graph in a layout (a component, or a list of them) have a figure with data: drawn as soon as the
    page renders. Graphs are found through ``children``, where the app's layouts put them."""
    if isinstance(node, (list, tuple)):
        return sum(charts_drawn_first(child) for child in node)
    if isinstance(node, dcc.Graph):
        figure = getattr(node, "figure", None)
        data = figure.get("data") if isinstance(figure, dict) else getattr(figure, "data", None)
        return 1 if data else 0
    return charts_drawn_first(getattr(node, "children", None)) if isinstance(node, Component) else 0


def boot_elements(app: dash.Dash, page_url: str) -> str:
    """Two ``<script type="application/json">`` elements for the index page of ``page_url`` (``/path?query`` as the
    browser's ``location.pathname + location.search``): the body of ``_dash-layout?page=<page_url>`` and of
    ``_dash-dependencies``, exactly as those requests would return them. Empty if either cannot be built (the
    browser then requests them)."""
    if not page_url.startswith("/") or len(page_url) > MAX_PAGE_URL:
        return ""
    try:
        with _building_for(page_url):
            tree = app.get_layout()
        layout = to_json(tree)  # what Dash's serve_layout sends for that tree
        dependencies = app.dependencies().get_data(as_text=True)
    except Exception:  # the _dash-layout request will fail the same way, and Dash shows it as it does
        log.warning("could not embed the layout of %r", page_url[:200], exc_info=True)
        return ""
    return (
        f'<script type="application/json" id="{BOOT_LAYOUT_ID}" data-page="{escape(page_url)}"'
        f' data-charts="{charts_drawn_first(tree)}">'
        f"{script_json(layout)}</script>"
        f'<script type="application/json" id="{BOOT_DEPENDENCIES_ID}">{script_json(dependencies)}</script>'
    )
