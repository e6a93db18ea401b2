"""The shell around every page: skip link, header with the menu and the language toggle, main, footer with 出典."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, MATCH, Input, Output, clientside_callback, dcc, html

from kpidash.views import components, ids
from kpidash.views.a11y import aria

# Dash's own index wraps its scripts in a <footer>: that would be a second, empty contentinfo landmark.
INDEX = """<!DOCTYPE html>
<html lang="ja">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}
<noscript><p>このダッシュボードの表示には JavaScript が必要です。データは <a href="/api/v1/kpis">/api/v1/kpis</a> などの API からも取得できます。</p></noscript>
{%config%}{%scripts%}{%renderer%}</body>
</html>"""

A11Y_STORE = "app-a11y"  # shell-only id: the input of the accessibility patch (assets/app.js a11yPatch)

NAV = [
    ("/", "概要"),
    ("/compare", "比べる"),
    ("/trends", "推移"),
    ("/region/13", "地域"),
    ("/municipalities", "市区町村"),
    ("/industry", "産業構造"),
    ("/about", "データと出典"),
]


def wire_callbacks() -> None:
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
        "window.dash_clientside.kpidash.a11yPatch", Output(A11Y_STORE, "clear_data"), Input(A11Y_STORE, "data")
    )  # output never set
    clientside_callback(  # a closed "表で見る" table is built when first opened (components.data_table)
        "window.dash_clientside.kpidash.fillTable",
        Output({"type": components.LAZY_TABLE, "part": "body", "key": MATCH}, "children"),
        Input({"type": components.LAZY_TABLE, "part": "summary", "key": MATCH}, "n_clicks"),
        dash.State({"type": components.LAZY_TABLE, "part": "data", "key": MATCH}, "data"),
    )
    clientside_callback(
        "window.dash_clientside.kpidash.navLinks",
        Output({"type": ids.NAV_LINK, "path": ALL}, "href"),
        Input(ids.URL, "search"),
        dash.State({"type": ids.NAV_LINK, "path": ALL}, "id"),
    )


def layout(page_container: Any) -> html.Div:
    return html.Div(
        [
            dcc.Location(id=ids.URL),
            dcc.Store(id=A11Y_STORE),
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
            html.Main(page_container, id="main", tabIndex="-1"),
            components.source_footer(),
        ]
    )
