"""Fallback page for unknown paths."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(__name__, path="/404", title="ページが見つかりません")


def layout(**_: str) -> html.Div:
    return html.Div([html.H1("ページが見つかりません"), html.P(html.A("概要へ戻る", href="/"))], className="page")
