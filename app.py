"""Dash app shell: navigation, footer with the 出典 line, the JSON API. No data logic here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dash
from dash import ALL, Dash, Input, Output, clientside_callback, dcc, html
from dash.fingerprint import build_fingerprint
from flask import Response, request
from flask_compress import Compress

from kpidash import components, ids, security
from kpidash.a11y import aria
from kpidash.api import api
from kpidash.db import WarehouseMissing
from kpidash.geo import geo
from kpidash.kpi_schema import KpiDefsError
from kpidash.service import validate_startup

# Dash's own index wraps its scripts in a <footer>: that would be a second, empty contentinfo landmark.
INDEX = """<!DOCTYPE html>
<html lang="ja">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}
<noscript><p>このダッシュボードの表示には JavaScript が必要です。データは <a href="/api/v1/kpis">/api/v1/kpis</a> などの API からも取得できます。</p></noscript>
{%config%}{%scripts%}{%renderer%}</body>
</html>"""

A11Y_STORE = "app-a11y"  # shell-only id (the accessibility patch below)

# Dash 4.4's dcc markup has accessibility faults that no component prop can change (checked with axe-core):
# - RadioItems/Checklist render role="listbox" with role="option" labels that wrap the real radio/checkbox inputs
#   (nested interactive controls, an unnamed listbox); native inputs inside labels need no ARIA at all, so the list
#   becomes a radiogroup (or group) named by the control's visible label (id "<control id>-label") and the option
#   roles go;
# - Dropdown puts tab focus on an aria-hidden, focusable <input> (a Safari workaround) that forwards focus to a
#   button with tabindex=-1, and names that button by its value only: the button becomes the tab stop and is named
#   by "<label> <value>".
# React re-applies some of these attributes on update, so a MutationObserver keeps them fixed (idempotent: it only
# writes what differs). The same callback points dcc.Graph's lazy plotly.js load at a fingerprinted URL, which Dash
# serves with a one-year Cache-Control (the plain URL would be revalidated on every page view).
A11Y_PATCH = """function (plotlyUrl) {
    if (plotlyUrl) { window._dashPlotlyJSURL = plotlyUrl; }
    if (window.kpidashA11y) { return window.dash_clientside.no_update; }
    window.kpidashA11y = true;
    function labelOf(id) {
        if (!id) { return null; }
        const own = document.getElementById(id + '-label');
        if (own) { return own; }
        const lab = document.querySelector('label[for="' + CSS.escape(id) + '"]');
        if (lab && !lab.id) { lab.id = id + '-label'; }
        return lab;
    }
    function set(el, name, value) { if (el.getAttribute(name) !== value) { el.setAttribute(name, value); } }
    function fix() {
        document.querySelectorAll('.dash-options-list[role="listbox"]').forEach(function (list) {
            set(list, 'role', list.querySelector('input[type="radio"]') ? 'radiogroup' : 'group');
            const owner = list.closest('.dash-dropdown-wrapper');
            const button = owner && owner.querySelector('button.dash-dropdown');
            const lab = labelOf(button ? button.id : list.id);
            if (lab) { set(list, 'aria-labelledby', lab.id); }
        });
        document.querySelectorAll('.dash-options-list-option[role], .dash-options-list-option[aria-selected]')
            .forEach(function (o) { o.removeAttribute('role'); o.removeAttribute('aria-selected'); });
        document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (f) {
            if (f.tabIndex !== -1) { f.tabIndex = -1; }
        });
        document.querySelectorAll('button.dash-dropdown').forEach(function (b) {
            if (!b.disabled && b.tabIndex !== 0) { b.tabIndex = 0; }
            const lab = labelOf(b.id);
            // "<label> <value> <count>": the visible text in its visible order (axe label-content-name-mismatch)
            const parts = [b.id + '-value', b.id + '-value-count'].filter(function (i) {
                return document.getElementById(i);
            });
            if (lab) { set(b, 'aria-labelledby', [lab.id].concat(parts).join(' ')); }
        });
    }
    fix();
    new MutationObserver(fix).observe(document.body, {
        subtree: true, childList: true, attributes: true,
        attributeFilter: ['role', 'aria-selected', 'tabindex', 'aria-labelledby']
    });
    return window.dash_clientside.no_update;
}"""


NAV = [
    ("/", "概要"),
    ("/compare", "比べる"),
    ("/trends", "推移"),
    ("/region/13", "地域"),
    ("/municipalities", "市区町村"),
    ("/about", "データと出典"),
]


def _wire_shell_callbacks() -> None:
    clientside_callback(
        "window.dash_clientside.kpidash.toggleLang",
        Output(ids.LANG_TOGGLE, "title"),
        Input(ids.LANG_TOGGLE, "n_clicks"),
        prevent_initial_call=True,
    )
    clientside_callback(
        "window.dash_clientside.kpidash.syncLang", Output(ids.LANG_TOGGLE, "children"), Input(ids.URL, "search")
    )
    clientside_callback(A11Y_PATCH, Output(A11Y_STORE, "clear_data"), Input(A11Y_STORE, "data"))  # output never set
    clientside_callback(
        """function(search, ids) { const en = new URLSearchParams(search || '').get('lang') === 'en';
            return ids.map(function (i) { return en ? i.path + '?lang=en' : i.path; }); }""",
        Output({"type": ids.NAV_LINK, "path": ALL}, "href"),
        Input(ids.URL, "search"),
        dash.State({"type": ids.NAV_LINK, "path": ALL}, "id"),
    )


def _plotly_js_url(app: Dash) -> str:
    """plotly.min.js under a fingerprinted name (version + mtime), like the component bundles Dash fingerprints."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.exists():
        return ""
    fingerprinted = build_fingerprint("package_data/plotly.min.js", plotly.__version__, int(path.stat().st_mtime))
    return f"{app.config.requests_pathname_prefix}_dash-component-suites/plotly/{fingerprinted}"


def _install_cache_headers(app: Dash) -> None:
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


def create_app() -> Dash:
    try:
        validate_startup()
    except (KpiDefsError, WarehouseMissing) as exc:
        # Refuse to start with invalid definitions, and say why (no traceback for the user).
        print(f"error: cannot start the dashboard:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    app = Dash(
        __name__,
        use_pages=True,
        title="地域未来 KPI ダッシュボード",
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
    )
    app.index_string = INDEX
    app.server.register_blueprint(api)
    app.server.register_blueprint(geo)
    # gzip/brotli/zstd: Dash's JavaScript is ~6 MB uncompressed; the prefecture boundaries (GeoJSON) 1.3 MB.
    compress = Compress(app.server)
    compress.compress_mimetypes_set.add("application/geo+json")  # not in flask-compress's default list
    security.install(app)
    _install_cache_headers(app)
    app.layout = html.Div(
        [
            dcc.Location(id=ids.URL),
            dcc.Store(id=A11Y_STORE, data=_plotly_js_url(app)),
            html.A("本文へスキップ", href="#main", className="skip-link", lang="ja"),
            html.Header(
                html.Nav(
                    [
                        html.Span(dcc.Link("地域未来 KPI ダッシュボード", href="/", className="brand"), lang="ja"),
                        html.Ul(
                            [
                                html.Li(dcc.Link(label, href=path, id={"type": ids.NAV_LINK, "path": path}))
                                for path, label in NAV
                            ],
                            lang="ja",  # the menu stays Japanese on ?lang=en pages
                        ),
                        html.Button(
                            "English",
                            id=ids.LANG_TOGGLE,
                            className="lang-toggle",
                            n_clicks=0,
                            title="Switch language / 表示言語の切り替え",
                        ),
                    ],
                    **aria("label", "メインメニュー"),
                ),
                className="site-header",
            ),
            # tabIndex -1: the skip link moves keyboard focus into the main content, not only the scroll position.
            html.Main(dash.page_container, id="main", tabIndex="-1"),
            components.source_footer(),
        ]
    )
    _wire_shell_callbacks()
    return app


app = create_app()
server = app.server  # for gunicorn: `gunicorn app:server`

if __name__ == "__main__":
    app.run(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8050")),
        debug=security.debug_enabled(),
    )
