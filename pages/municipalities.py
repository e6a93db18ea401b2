"""/municipalities — a population indicator across the 1,741 municipalities: map, ranking and table."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from kpidash import params
from kpidash.service import municipal as service_muni
from kpidash.views import ids
from kpidash.views import municipal as views_muni

dash.register_page(
    __name__, path="/municipalities", title="市区町村を比べる | 地域未来 KPI ダッシュボード", name="市区町村"
)


def layout(indicator=None, pref=None, mode=None, lang="ja", **_):  # type: ignore[no-untyped-def]
    return views_muni.muni_layout(indicator, pref, mode, params.norm_lang(lang))


@callback(
    Output(views_muni.MAP, "figure"),
    Output(views_muni.RANKING, "children"),
    Output(views_muni.TABLE, "children"),
    Output(views_muni.INFO, "children"),
    Output(views_muni.STATE, "data"),
    Input(views_muni.INDICATOR, "value"),
    Input(views_muni.PREF, "value"),
    Input(views_muni.MODE, "value"),
    State(ids.URL, "search"),
    State(views_muni.STATE, "data"),
    prevent_initial_call=True,  # the layout holds the first view
)
def render(indicator, pref, mode, search, shown):  # type: ignore[no-untyped-def]
    return views_muni.muni_render(indicator, pref, mode, params.lang_from_search(search), shown)


@callback(
    Output(views_muni.GRID, "getRowsResponse"),
    Input(views_muni.GRID, "getRowsRequest"),
    State(views_muni.STATE, "data"),
    prevent_initial_call=True,
)
def rows(request, state):  # type: ignore[no-untyped-def]
    return service_muni.muni_rows(request, state)


clientside_callback(
    "window.dash_clientside.kpidash.syncUrl", Output(views_muni.SYNC, "data"), Input(views_muni.STATE, "data")
)
