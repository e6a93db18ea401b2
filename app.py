"""Dash app shell: navigation, footer with the 出典 line, the JSON API. No data logic here."""

from __future__ import annotations

import os
import sys

import dash
from dash import ALL, Dash, Input, Output, clientside_callback, dcc, html
from flask_compress import Compress

from kpidash import components, ids, security
from kpidash.api import api
from kpidash.db import WarehouseMissing
from kpidash.geo import geo
from kpidash.kpi_schema import KpiDefsError
from kpidash.service import validate_startup

INDEX = """<!DOCTYPE html>
<html lang="ja">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


NAV = [("/", "概要"), ("/compare", "比べる"), ("/trends", "推移"), ("/region/13", "地域"), ("/about", "データと出典")]


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
    clientside_callback(
        """function(search, ids) { const en = new URLSearchParams(search || '').get('lang') === 'en';
            return ids.map(function (i) { return en ? i.path + '?lang=en' : i.path; }); }""",
        Output({"type": ids.NAV_LINK, "path": ALL}, "href"),
        Input(ids.URL, "search"),
        dash.State({"type": ids.NAV_LINK, "path": ALL}, "id"),
    )


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
    Compress(app.server)  # gzip/brotli: Dash's JavaScript is ~6 MB uncompressed
    security.install(app)
    app.layout = html.Div(
        [
            dcc.Location(id=ids.URL),
            html.A("本文へスキップ", href="#main", className="skip-link"),
            html.Header(
                html.Nav(
                    [
                        dcc.Link("地域未来 KPI ダッシュボード", href="/", className="brand"),
                        html.Ul(
                            [
                                html.Li(dcc.Link(label, href=path, id={"type": ids.NAV_LINK, "path": path}))
                                for path, label in NAV
                            ]
                        ),
                        html.Button(
                            "English",
                            id=ids.LANG_TOGGLE,
                            className="lang-toggle",
                            n_clicks=0,
                            title="Switch language / 表示言語の切り替え",
                        ),
                    ],
                    **{"aria-label": "メインメニュー"},
                ),
                className="site-header",
            ),
            html.Main(dash.page_container, id="main"),
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
