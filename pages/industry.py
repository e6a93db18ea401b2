"""/industry — composition by industry, location quotients and growth contributions for a region."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from kpidash import params
from kpidash.views import controls, ids, industry

dash.register_page(__name__, path="/industry", title="産業構造 | 地域未来 KPI ダッシュボード", name="産業構造")


def layout(region=None, measure=None, lang="ja", industry=None, sort=None, **kw):  # type: ignore[no-untyped-def]
    return controls.industry_layout(
        region, measure, kw.get("from"), kw.get("to"), industry, sort, params.norm_lang(lang)
    )


@callback(
    Output(ids.INDUSTRY_BODY, "children"),
    Output(ids.INDUSTRY_FROM, "options"),
    Output(ids.INDUSTRY_FROM, "value"),
    Output(ids.INDUSTRY_TO, "options"),
    Output(ids.INDUSTRY_TO, "value"),
    Output(ids.INDUSTRY_INDUSTRY, "options"),
    Output(ids.INDUSTRY_INDUSTRY, "value"),
    Output(ids.INDUSTRY_STATE, "data"),
    Input(ids.INDUSTRY_REGION, "value"),
    Input(ids.INDUSTRY_MEASURE, "value"),
    Input(ids.INDUSTRY_FROM, "value"),
    Input(ids.INDUSTRY_TO, "value"),
    Input(ids.INDUSTRY_INDUSTRY, "value"),
    Input(ids.INDUSTRY_SORT, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,  # the layout holds the first view
)
def render(region, measure, year0, year1, chosen, sort, search):  # type: ignore[no-untyped-def]
    body, years, y0, y1, options, key, state = industry.industry_view(
        region, measure, year0, year1, chosen, sort, params.lang_from_search(search)
    )
    return body, years, y0, years, y1, options, key, state


clientside_callback(
    "window.dash_clientside.kpidash.syncUrl", Output(ids.INDUSTRY_SYNC, "data"), Input(ids.INDUSTRY_STATE, "data")
)
