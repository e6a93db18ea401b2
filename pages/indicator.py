"""/indicator/<indicator_id> — definition, source and aggregate series of one indicator."""

from __future__ import annotations

import dash
from dash import html

from kpidash import params
from kpidash.views.indicator import indicator_body

dash.register_page(
    __name__, path_template="/indicator/<indicator_id>", title="指標 | 地域未来 KPI ダッシュボード", name="指標"
)


def layout(indicator_id="gdp_nominal", lang="ja", **_):  # type: ignore[no-untyped-def]
    return html.Div(indicator_body(str(indicator_id), params.norm_lang(lang)), className="page")
