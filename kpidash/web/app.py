"""The Dash app: start-up checks, blueprints (API, boundary files), compression, security, scripts, the shell."""

from __future__ import annotations

import sys

from dash import Dash, html
from flask import abort
from flask_compress import Compress

from kpidash.api.routes import api
from kpidash.data.connection import WarehouseMissing
from kpidash.figures import municipal
from kpidash.kpi_schema import KpiDefsError
from kpidash.service.kpis import validate_startup
from kpidash.web import prerender, scripts, security, shell, static_compression
from kpidash.web.geo import geo


def create_app(name: str) -> Dash:
    """The Dash app; ``name`` is the import name of the module beside pages/ and assets/ (app.py's)."""
    try:
        validate_startup()
    except (KpiDefsError, WarehouseMissing) as exc:
        # Refuse to start with invalid definitions, and say why (no traceback for the user).
        print(f"error: cannot start the dashboard:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # The municipal boundaries' bounding boxes (json.load of 1.3 MB): at start-up, not in a visitor's first map.
    municipal.feature_boxes()
    app = Dash(
        name,
        use_pages=True,
        title="地域未来 KPI ダッシュボード",
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,  # type: ignore[arg-type]  # None turns the 'Updating…' title off (Dash's docs)
    )
    app.index_string = shell.INDEX
    app.server.register_blueprint(api)
    app.server.register_blueprint(geo)
    # gzip/brotli/zstd: Dash's JavaScript is ~6 MB uncompressed; the prefecture boundaries (GeoJSON) 1.3 MB.
    compress = Compress(app.server)
    compress.compress_mimetypes_set.add("application/geo+json")  # not in flask-compress's default list
    # Static files: compressed once per content (after Compress: runs before it), see kpidash/web/static_compression.py.
    prefix = app.config.routes_pathname_prefix
    static_compression.install(
        app.server,
        [f"{prefix}{p}" for p in ("_dash-component-suites/", "_kpidash/", "assets/", "geo/")],
        compress,
    )
    security.install(app)
    scripts.install_cache_headers(app)
    plotly_url = scripts.serve_versioned_script(
        app, scripts.PLOTLY_PARTIAL_FILE, "plotly/plotly-kpidash", "kpidash_plotly_partial"
    )
    regenerator_url = scripts.serve_versioned_script(
        app, scripts.REGENERATOR_FILE, "regenerator-runtime", "kpidash_regenerator"
    )
    # Any other path under _kpidash/ is a missing script: 404, not Dash's catch-all page (HTML run as a script).
    app.server.add_url_rule(
        f"{app.config.routes_pathname_prefix}_kpidash/<path:unknown>", "kpidash_unknown", lambda unknown: abort(404)
    )
    scripts.install_page_scripts(app, plotly_url, regenerator_url)

    def page_shell() -> html.Div:
        """The shell around every page; Dash calls this for each ``_dash-layout`` request (see kpidash/web/prerender.py)."""
        return shell.layout(prerender.page_container(prerender.requested_page()))

    app.layout = page_shell
    shell.wire_callbacks()
    return app
