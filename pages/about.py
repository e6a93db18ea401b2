"""/about — sources, licences, method and data freshness."""

from __future__ import annotations

import dash
from dash import html

from kpidash.views import overview as views

dash.register_page(__name__, path="/about", title="データと出典 | 地域未来 KPI ダッシュボード", name="データと出典")


def layout(**_: str) -> html.Div:
    return views.about()
