"""What the index page loads: the vendored plotly.js and regenerator runtime under content-hashed URLs, Dash's
bundles it does not need taken out, preloads of what the first view draws, and cache headers for static files."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from html import escape
from pathlib import Path

from dash import Dash
from flask import Response, abort, has_request_context, request
from flask.typing import ResponseReturnValue

from kpidash.figures.style import EMPTY_TOPOLOGY, TOPOJSON_NAME
from kpidash.figures.style import MUNICIPALITIES_GEOJSON_URL as MUNICIPALITIES_GEOJSON
from kpidash.figures.style import PREFECTURES_GEOJSON_URL as PREFECTURES_GEOJSON
from kpidash.web import prerender

VENDOR = Path(__file__).resolve().parent.parent / "vendor"
# Which plotly.js dcc.Graph loads: it loads plotly.js lazily, once per document, from window._dashPlotlyJSURL (or uses
# window.Plotly if defined). Every chart of the app is scatter, bar or a geo choropleth (SVG, d3-geo; the prefecture
# and municipality maps): a partial bundle with only these traces (kpidash/vendor/plotly, 1.2 MB instead of the full
# plotly.min.js's 4.8 MB with MapLibre and WebGL; `make plotly-bundle`; tests/unit/test_plotly_bundle.py fails if a
# figure uses another trace type). It is served under a content-hashed name with a one-year Cache-Control.
# A geo subplot also loads a Natural Earth base map (<scope>_<resolution>m.json from cdn.plot.ly) even with every base
# layer hidden: an empty topology is registered under that name first, so nothing is fetched (the CSP would
# block it anyway) and no base map is drawn.
PLOTLY_META = "kpidash-plotly"  # <meta> with the bundle URL and the empty base map, read by assets/app.js
# Dash puts the main bundle of every imported component library in every page: dash-ag-grid's (AG Grid itself: 1.3 MB,
# 353 KiB compressed, 50–90 ms to evaluate) is taken out and loaded by assets/app.js when the first grid is drawn.
# The pages whose first view draws a plotly chart, and /compare?view=table (a grid), preload that bundle (a Link header):
# it downloads with the page, not after the page's content has arrived (dcc.Graph asks for plotly.js only when it is
# rendered, and React shows the content around it only once it is there). On /municipalities the grid's bundle waits
# for the map (assets/app.js). See install_page_scripts.
CHART_PAGES = (
    "/compare",
    "/trends",
    "/region/",
    "/indicator/",
    "/municipalities",
    "/industry",
)  # /compare: not ?view=table
AG_GRID_SCRIPT = re.compile(
    r'<script src="(?P<src>[^"]*/_dash-component-suites/dash_ag_grid/dash_ag_grid\.[^"/]*\.js)"></script>\s*'
)
AG_GRID_META = "kpidash-lazy-dash-ag-grid"
PLOTLY_VENDOR = VENDOR / "plotly"
PLOTLY_PARTIAL_FILE = PLOTLY_VENDOR / "plotly-kpidash.min.js"
SCRIPT_DIGEST = re.compile(r"[0-9a-f]{12}")  # the content hash in a vendored script's URL
# Dash's Babel polyfill (core-js + regenerator, 70–145 ms of script evaluation on every page) is replaced by the
# regenerator runtime alone: Dash's renderer and dcc use its global; current browsers have the rest natively.
REGENERATOR_FILE = VENDOR / "regenerator-runtime" / "runtime.min.js"
# Dash registers dash_table (it imports it) and so links its bundle in every page; no page uses a DataTable (tables are
# AG Grid or plain HTML): the script is left out (one request and ~15 ms of evaluation less on every first visit).
DASH_TABLE_SCRIPT = re.compile(
    r'<script src="[^"]*/_dash-component-suites/dash/dash_table/bundle\.[^"/]*\.js"></script>\s*'
)
POLYFILL_SCRIPT = re.compile(r'<script src="[^"]*/_dash-component-suites/dash/deps/polyfill@[^"/]*\.js"></script>')


def serve_versioned_script(app: Dash, path: Path, url_stem: str, endpoint: str) -> str:
    """Serve a vendored script at ``_kpidash/<url_stem>.<sha256[:12]>.min.js``, cacheable for a year; return its URL.

    flask-compress compresses it (plotly: 1.2 MB → ~0.4 MB). Another hash (a page opened before an upgrade) gets the
    current file, revalidated, rather than a 404 that would leave the page without its script.
    """
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:12]

    def serve(digest_in_url: str) -> ResponseReturnValue:
        if not SCRIPT_DIGEST.fullmatch(digest_in_url):
            abort(404)
        resp = Response(data, mimetype="application/javascript")
        fresh = digest_in_url == digest
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable" if fresh else "no-cache"
        resp.set_etag(digest)
        return resp.make_conditional(request)

    app.server.add_url_rule(
        f"{app.config.routes_pathname_prefix}_kpidash/{url_stem}.<digest_in_url>.min.js", endpoint, serve
    )
    return f"{app.config.requests_pathname_prefix}_kpidash/{url_stem}.{digest}.min.js"


def _plotly_config(url: str) -> dict[str, object]:
    """What assets/app.js sets before Dash renders: the bundle's URL, the empty base-map topology and its name (in
    the index page, not in a store: a graph in the first layout is drawn before any callback has run)."""
    return {"url": url, "topojsonName": TOPOJSON_NAME, "topojson": EMPTY_TOPOLOGY}


def install_page_scripts(app: Dash, plotly_url: str, regenerator_url: str) -> None:
    """dash-ag-grid's main bundle out of the page's scripts (named in a <meta> for assets/app.js), and a preload of the
    plotly.js bundle and of the AG Grid bundle on the pages whose first view draws them (see above).

    Preloads, not <script defer>: a deferred script runs before Dash handles the layout, so Dash's first render would
    wait for the 0.5 MB download. The index is rewritten in ``interpolate_index``, the hook Dash documents for a custom
    index page; Dash serves the same index for every page path, the request tells which page it is.
    """
    interpolate = app.interpolate_index
    prefix = app.config.requests_pathname_prefix.rstrip("/")
    chart_pages = tuple(prefix + p for p in CHART_PAGES)
    compare = prefix + "/compare"
    muni = prefix + "/municipalities"
    dropdown_pages = (
        compare,
        prefix + "/trends",
        muni,
        prefix + "/industry",
    )  # their controls (/region, /indicator: none)
    # dcc's lazy chunks, fetched only once a Graph or Dropdown is rendered (after the layout and the first callbacks).
    dcc_chunk = f"{app.config.requests_pathname_prefix}_dash-component-suites/dash/dcc/"
    grid_url: list[str] = []  # the fingerprinted URL, known once Dash has rendered an index

    regenerator_tag = f'<script src="{escape(regenerator_url)}"></script>'
    plotly_meta = f'<meta name="{PLOTLY_META}" content="{escape(json.dumps(_plotly_config(plotly_url)))}">'

    def interpolate_index(**kwargs: str) -> str:
        kwargs["scripts"] = POLYFILL_SCRIPT.sub(regenerator_tag, kwargs.get("scripts", ""), count=1)
        kwargs["scripts"] = DASH_TABLE_SCRIPT.sub("", kwargs["scripts"], count=1)
        kwargs["metas"] = kwargs.get("metas", "") + plotly_meta
        scripts = kwargs["scripts"]
        m = AG_GRID_SCRIPT.search(scripts)
        if m:
            kwargs["scripts"] = scripts[: m.start()] + scripts[m.end() :]
            kwargs["metas"] = kwargs.get("metas", "") + f'<meta name="{AG_GRID_META}" content="{escape(m["src"])}">'
            grid_url[:] = [m["src"]]
        if has_request_context():  # the page's layout and Dash's callback list, for Dash's first two requests
            kwargs["app_entry"] = kwargs.get("app_entry", "") + prerender.boot_elements(app, browser_address())
        return interpolate(**kwargs)

    def preload(response: Response) -> Response:
        if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
            return response
        path = request.path
        table = path == compare and request.args.get("view") == "table"
        if path.startswith(chart_pages) and not table:
            response.headers.add("Link", f"<{plotly_url}>; rel=preload; as=script")
            response.headers.add("Link", f"<{dcc_chunk}async-graph.js>; rel=preload; as=script")
            # The boundaries the first view's map fetches (plotly.js asks only once it draws): with the page.
            geojson = PREFECTURES_GEOJSON if path == compare and request.args.get("view", "map") == "map" else None
            geojson = MUNICIPALITIES_GEOJSON if path == muni else geojson
            if geojson:  # the URL exactly as in the figures (as=fetch + crossorigin: what plotly's request matches)
                response.headers.add("Link", f"<{geojson}>; rel=preload; as=fetch; crossorigin")
        if path.startswith(dropdown_pages):
            response.headers.add("Link", f"<{dcc_chunk}async-dropdown.js>; rel=preload; as=script")
        if grid_url and table:
            response.headers.add("Link", f"<{grid_url[0]}>; rel=preload; as=script")
        return response

    app.interpolate_index = interpolate_index  # type: ignore[method-assign,assignment]
    app.server.after_request(preload)


def browser_address() -> str:
    """The request's address as the browser's ``location.pathname + location.search`` (what assets/app.js compares)."""
    query = request.query_string.decode("latin-1")
    return urllib.parse.quote(request.path, safe="/:@!$&'()*+,;=-._~%") + ("?" + query if query else "")


def install_cache_headers(app: Dash) -> None:
    """Long-term caching for static files whose URL changes with their content; revalidation for the others.

    Dash already sends a one-year max-age for its fingerprinted bundles (…/x.v4_4_1m123.js); its lazy chunks
    (async-*.js) have fixed names and an ETag, so they are revalidated. /assets/ files are linked with ?m=<mtime>:
    cacheable for a year. Dash's default favicon URL carries Dash's version (?v=).
    """

    def _cache(response: Response) -> Response:
        path = request.path
        if response.status_code not in (200, 304):
            return response
        if path.startswith("/assets/") and request.args.get("m"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"  # replaces Flask's no-cache
        elif path.startswith("/_dash-component-suites/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-cache"  # revalidate with the ETag (fixed names, see above)
        elif path == "/_favicon.ico" and request.args.get("v"):
            response.headers["Cache-Control"] = "public, max-age=604800"
        return response

    app.server.after_request(_cache)
