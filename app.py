"""Dash app shell: navigation, footer with the 出典 line, the JSON API. No data logic here."""

from __future__ import annotations

import os
import sys

import dash
from dash import Dash, dcc, html

from kpidash import components, ids
from kpidash.api import api
from kpidash.db import WarehouseMissing
from kpidash.kpi_schema import KpiDefsError
from kpidash.service import validate_startup

INDEX = """<!DOCTYPE html>
<html lang="ja">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


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
    app.layout = html.Div(
        [
            dcc.Location(id=ids.URL),
            html.A("本文へスキップ", href="#main", className="skip-link"),
            html.Header(
                html.Nav(
                    [
                        html.A("地域未来 KPI ダッシュボード", href="/", className="brand"),
                        html.Ul([html.Li(html.A("概要", href="/")), html.Li(html.A("データと出典", href="/about"))]),
                    ],
                    **{"aria-label": "メインメニュー"},
                ),
                className="site-header",
            ),
            html.Main(dash.page_container, id="main"),
            components.source_footer(),
        ]
    )
    return app


app = create_app()
server = app.server  # for gunicorn: `gunicorn app:server`

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
