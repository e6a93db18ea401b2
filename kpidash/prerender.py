"""The page's content in the first ``_dash-layout`` response, instead of one routing round trip later.

Dash Pages sends an empty page container with the layout; once it is in the browser, its ``dcc.Location`` reports the
address, a callback request returns the page's layout, and only then do the page's own requests start. assets/app.js
adds the address to the browser's request for the layout (``_dash-layout?page=/compare%3Findicator%3D…``); the shell
is then sent with that page already in ``_pages_content`` and its ``_pages_location`` holding the same pathname and
search as the browser, so the Location sees no change and the routing callback does not fire. Without the parameter,
for a page Dash would answer with its 404 layout, or if anything goes wrong, the container is sent empty, as Dash
does, and the routing callback renders the page as before.

The page is found and called exactly as Dash's own routing callback does (``dash._pages`` helpers; Dash is pinned).
"""

from __future__ import annotations

import logging
from typing import Any

import dash
from dash import _pages as dash_pages
from dash import dcc, html
from dash.dash import _ID_CONTENT, _ID_DUMMY, _ID_LOCATION, _ID_STORE

log = logging.getLogger(__name__)
MAX_PAGE_URL = 4096  # longer than any address the app writes; anything longer is left to the routing callback
PAGE_PARAM = "page"  # the query parameter assets/app.js adds to the layout request


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
