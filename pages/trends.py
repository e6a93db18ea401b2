"""/trends — time series for chosen prefectures and aggregates; value, per capita, growth or index."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from kpidash import params
from kpidash.views import controls, ids, trends

dash.register_page(__name__, path="/trends", title="推移を見る | 地域未来 KPI ダッシュボード", name="推移")


def layout(indicator=None, regions=None, mode=None, base=None, lang="ja", **_):  # type: ignore[no-untyped-def]
    return controls.trends_layout(indicator, regions, mode, base, params.norm_lang(lang))


controls.narrow_indicators_by_theme(ids.TRENDS_THEME, ids.TRENDS_INDICATOR)


@callback(
    Output(ids.TRENDS_BODY, "children"),
    Output(ids.TRENDS_STATE, "data"),
    Input(ids.TRENDS_INDICATOR, "value"),
    Input(ids.TRENDS_REGIONS, "value"),
    Input(ids.TRENDS_MODE, "value"),
    Input(ids.TRENDS_BASE, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,  # the layout holds the first view
)
def render(indicator, regions, mode, base, search):  # type: ignore[no-untyped-def]
    return trends.trends_view(indicator, regions, mode, base, params.lang_from_search(search))


clientside_callback(
    "window.dash_clientside.kpidash.syncUrl", Output(ids.TRENDS_SYNC, "data"), Input(ids.TRENDS_STATE, "data")
)
