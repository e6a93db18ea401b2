"""/kpi/<kpi_id> — one KPI in depth: progress chart, breakdown, components, method and sources."""

from __future__ import annotations

import dash
from dash import html

from kpidash import params
from kpidash.views.kpi_page import kpi_body

dash.register_page(__name__, path_template="/kpi/<kpi_id>", title="KPI | 地域未来 KPI ダッシュボード", name="KPI")


def layout(kpi_id="productivity_growth", lang="ja", **_):  # type: ignore[no-untyped-def]
    return html.Div(kpi_body(str(kpi_id), params.norm_lang(lang)), className="page")
