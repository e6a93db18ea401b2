"""/ — the three policy goals and their KPIs at a glance, and the loaded indicator catalogue."""

from __future__ import annotations

import dash
from dash import html

from kpidash.service import kpis as service
from kpidash.service import local_kpis
from kpidash.views import overview as views

dash.register_page(__name__, path="/", title="概要 | 地域未来 KPI ダッシュボード", name="概要")


def layout(lang: str = "ja", **_: str) -> html.Div:
    lang = "en" if lang == "en" else "ja"
    state = local_kpis.loaded()  # a malformed local file gives errors to show, never an error page
    own = views.own_kpis(local_kpis.local_kpis(state), local_kpis.local_errors(state), lang)
    return views.overview(service.kpis(), service.catalogue(), lang, own)
