"""/kpi/<kpi_id> — one KPI in depth: progress chart, breakdown, components, method and sources."""

from __future__ import annotations

import dash
from dash import html

from kpidash import params
from kpidash.views.kpi_page import kpi_body

dash.register_page(__name__, path_template="/kpi/<kpi_id>", title="KPI | 地域未来 KPI ダッシュボード", name="KPI")


def layout(kpi_id="productivity_growth", lang="ja", base_year=None, variant=None, **_):  # type: ignore[no-untyped-def]
    base = params.safe_int(base_year)
    base = base if base is not None and 1900 <= base <= 2100 else None
    chosen = variant if isinstance(variant, str) and len(variant) <= 64 else None
    return html.Div(kpi_body(str(kpi_id), params.norm_lang(lang), base, chosen), className="page")
