"""/compare — one indicator across the 47 prefectures: map, ranking and table, with benchmarks."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from kpidash import params
from kpidash.views import compare, controls, ids

dash.register_page(__name__, path="/compare", title="都道府県を比べる | 地域未来 KPI ダッシュボード", name="比べる")


def layout(indicator=None, period=None, mode=None, highlight=None, view=None, sort=None, lang="ja", **_):  # type: ignore[no-untyped-def]
    return controls.compare_layout(indicator, period, mode, highlight, view, sort, params.norm_lang(lang))


controls.narrow_indicators_by_theme(ids.COMPARE_THEME, ids.COMPARE_INDICATOR)


@callback(
    Output(ids.COMPARE_BODY, "children"),
    Output(ids.COMPARE_PERIOD, "options"),
    Output(ids.COMPARE_PERIOD, "value"),
    Output(ids.COMPARE_STATE, "data"),
    Input(ids.COMPARE_INDICATOR, "value"),
    Input(ids.COMPARE_PERIOD, "value"),
    Input(ids.COMPARE_MODE, "value"),
    Input(ids.COMPARE_HIGHLIGHT, "value"),
    Input(ids.COMPARE_VIEW, "value"),
    Input(ids.COMPARE_SORT, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,  # the layout holds the first view
)
def render(indicator, period, mode, highlight, view, sort, search):  # type: ignore[no-untyped-def]
    return compare.compare_view(indicator, period, mode, highlight, view, sort, params.lang_from_search(search))


clientside_callback(
    "window.dash_clientside.kpidash.syncUrl", Output(ids.COMPARE_SYNC, "data"), Input(ids.COMPARE_STATE, "data")
)
