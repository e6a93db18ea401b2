"""Page layouts with their controls, initialised from URL parameters (pages/ call these)."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, callback, dcc, html

from kpidash import config
from kpidash.params import choice, clean_codes, lang_from_search, norm_lang, safe_int
from kpidash.service import explore
from kpidash.service.explore import MODE_LABELS
from kpidash.views import compare, ids, industry, trends
from kpidash.views.a11y import aria as _aria
from kpidash.views.components import dropdown_labels
from kpidash.views.options import indicator_options, prefecture_options, theme_options
from kpidash.views.region import region_body
from kpidash.views.text import t


def _labelled(label: str, control: Any, for_id: str, wide: bool = False) -> html.Div:
    """A control with its visible label. The label has the id ``<control id>-label``: the shell's accessibility patch
    (app.py) names Dash's dropdown buttons and radio groups with it. A radio group is not a labelable element, so its
    label is a plain element referenced by aria-labelledby rather than a <label for>."""
    if isinstance(control, dcc.RadioItems):
        head: Any = html.Div(label, id=f"{for_id}-label", className="control-label")
    else:
        head = html.Label(label, htmlFor=for_id, id=f"{for_id}-label", className="control-label")
    return html.Div([head, control], className="control control-wide" if wide else "control")


def indicator_choices(theme: Any, search: str | None) -> list[dict[str, str]]:
    """The indicator dropdown's options for a theme, in the page's language (a callback)."""
    return indicator_options(theme, norm_lang(lang_from_search(search)))


def narrow_indicators_by_theme(theme_id: str, indicator_id: str) -> None:
    """Register the callback that fills an indicator dropdown with the indicators of the chosen theme."""
    callback(
        Output(indicator_id, "options"), Input(theme_id, "value"), State(ids.URL, "search"), prevent_initial_call=True
    )(indicator_choices)


def _dropdown(label: str, control_id: str, lang: str, wide: bool = False, **props: Any) -> html.Div:
    return _labelled(label, dcc.Dropdown(id=control_id, labels=dropdown_labels(lang), **props), control_id, wide)


def _radio(label: str, control_id: str, options: list[dict[str, str]], value: str) -> html.Div:
    return _labelled(label, dcc.RadioItems(id=control_id, options=options, value=value, inline=True), control_id)


def _modes(keys: tuple[str, ...], lang: str) -> list[dict[str, str]]:
    return [{"label": MODE_LABELS[k][0 if lang == "ja" else 1], "value": k} for k in keys]


def _indicator_pickers(theme_id: str, indicator_id: str, theme: str | None, ind: str, lang: str) -> list[html.Div]:
    """The theme dropdown (it narrows the indicator list) and the indicator dropdown."""
    return [
        _dropdown(t("分野", "Theme", lang), theme_id, lang, options=theme_options(), value=theme, clearable=True),
        _dropdown(
            t("指標", "Indicator", lang),
            indicator_id,
            lang,
            options=indicator_options(theme, lang),
            value=ind,
            clearable=False,
        ),
    ]


def _page(
    title: str, controls: list[html.Div], body: Any, body_id: str, state_id: str, sync_id: str, state: Any
) -> html.Div:
    return html.Div(
        [
            html.H1(title),
            html.Div(controls, className="controls"),
            dcc.Loading(html.Div(body, id=body_id), delay_show=400),
            dcc.Store(id=state_id, data=state),
            dcc.Store(id=sync_id),
        ],
        className="page",
    )


def compare_layout(indicator: Any, period: Any, mode: Any, highlight: Any, view: Any, sort: Any, lang: str) -> html.Div:
    ind = explore.valid_indicator(indicator)
    mode = choice(mode, compare.MODES, "value")
    view = choice(view, compare.VIEWS, "map")
    sort = choice(sort, compare.SORTS, "value")
    hl = clean_codes(highlight, set(config.PREFECTURE_CODES))
    p = explore.page_period(ind, safe_int(period))
    # The first view is part of the layout (the callback runs only when a control changes): one round trip less.
    body, period_opts, p, state = compare.compare_view(ind, p, mode, hl, view, sort, lang)
    views = [("地図", "Map", "map"), ("ランキング", "Ranking", "bar"), ("表", "Table", "table")]
    sorts = [("値の順", "By value", "value"), ("コード順", "By code", "code")]
    controls = [
        *_indicator_pickers(ids.COMPARE_THEME, ids.COMPARE_INDICATOR, explore.theme_of(ind), ind, lang),
        _dropdown(t("期間", "Period", lang), ids.COMPARE_PERIOD, lang, options=period_opts, value=p, clearable=False),
        _radio(t("表示", "Measure", lang), ids.COMPARE_MODE, _modes(compare.MODES, lang), mode),
        _dropdown(
            t("強調する都道府県", "Highlight prefectures", lang),
            ids.COMPARE_HIGHLIGHT,
            lang,
            options=prefecture_options(lang),
            value=hl,
            multi=True,
        ),
        _radio(
            t("図の種類", "View", lang),
            ids.COMPARE_VIEW,
            [{"label": t(ja, en, lang), "value": v} for ja, en, v in views],
            view,
        ),
        _radio(
            t("並び順", "Order", lang),
            ids.COMPARE_SORT,
            [{"label": t(ja, en, lang), "value": v} for ja, en, v in sorts],
            sort,
        ),
    ]
    title = t("都道府県を比べる", "Compare prefectures", lang)
    return _page(title, controls, body, ids.COMPARE_BODY, ids.COMPARE_STATE, ids.COMPARE_SYNC, state)


def trends_layout(indicator: Any, regions: Any, mode: Any, base: Any, lang: str) -> html.Div:
    ind = explore.valid_indicator(indicator)
    allowed = {*config.PREFECTURE_CODES, *config.AGGREGATE_CODES}
    regs = clean_codes(regions, allowed) or list(explore.DEFAULT_TREND_REGIONS)
    mode = choice(mode, trends.MODES, "value")
    body, state = trends.trends_view(ind, regs, mode, safe_int(base), lang)  # the first view, as on /compare
    controls = [
        *_indicator_pickers(ids.TRENDS_THEME, ids.TRENDS_INDICATOR, explore.theme_of(ind), ind, lang),
        _dropdown(
            t("地域（最大12）", "Regions (up to 12)", lang),
            ids.TRENDS_REGIONS,
            lang,
            wide=True,  # up to 12 chosen regions: two grid columns so their names stay readable
            options=prefecture_options(lang, with_aggregates=True),
            value=regs,
            multi=True,
        ),
        _radio(t("表示", "Measure", lang), ids.TRENDS_MODE, _modes(trends.MODES, lang), mode),
        _labelled(
            t("基準年（指数）", "Base year (index)", lang),
            dcc.Input(id=ids.TRENDS_BASE, type="number", value=safe_int(base), min=1900, max=2100, debounce=True),
            ids.TRENDS_BASE,
        ),
    ]
    return _page(
        t("推移を見る", "Trends", lang), controls, body, ids.TRENDS_BODY, ids.TRENDS_STATE, ids.TRENDS_SYNC, state
    )


def region_layout(code: str, theme: Any, lang: str) -> html.Div:
    parts, themes, current = region_body(code, theme if isinstance(theme, str) else None, lang)
    if themes:
        chips = html.Nav(
            [
                html.A(
                    th,
                    href=f"/region/{code}?theme={th}&lang={lang}",
                    className="chip" + (" chip-on" if th == current else ""),
                    **(_aria("current", "true") if th == current else {}),
                )
                for th in themes
            ],
            className="chips",
            **_aria("label", t("分野", "Themes", lang)),
        )
        parts.insert(2, chips)
    return html.Div(parts, className="page")


def industry_layout(region: Any, measure: Any, year0: Any, year1: Any, ind: Any, sort: Any, lang: str) -> html.Div:
    body, year_opts, y0, y1, ind_opts, key, state = industry.industry_view(
        region, measure, year0, year1, ind, sort, lang
    )
    measures = [
        ("付加価値（県内総生産）", "Value added (GDP)", "va"),
        ("就業者（2015年国勢調査）", "Employed (2015 census)", "emp2015"),
    ]
    sorts = [("コード順", "By code", "code"), ("選んだ産業の特化係数順", "By LQ of the chosen industry", "lq")]
    controls = [
        _dropdown(
            t("地域", "Region", lang),
            ids.INDUSTRY_REGION,
            lang,
            options=prefecture_options(lang, with_aggregates=True),
            value=state["region"],
            clearable=False,
        ),
        _radio(
            t("指標", "Measure", lang),
            ids.INDUSTRY_MEASURE,
            [{"label": t(ja, en, lang), "value": v} for ja, en, v in measures],
            state["measure"],
        ),
        _dropdown(
            t("比較する年（始点）", "From", lang), ids.INDUSTRY_FROM, lang, options=year_opts, value=y0, clearable=False
        ),
        _dropdown(t("終点", "To", lang), ids.INDUSTRY_TO, lang, options=year_opts, value=y1, clearable=False),
        _dropdown(
            t("地図の産業", "Industry on the map", lang),
            ids.INDUSTRY_INDUSTRY,
            lang,
            options=ind_opts,
            value=key,
            clearable=False,
        ),
        _radio(
            t("特化係数の並び順", "Order of the heat map", lang),
            ids.INDUSTRY_SORT,
            [{"label": t(ja, en, lang), "value": v} for ja, en, v in sorts],
            state["sort"],
        ),
    ]
    title = t("産業構造", "Industry structure", lang)
    return _page(title, controls, body, ids.INDUSTRY_BODY, ids.INDUSTRY_STATE, ids.INDUSTRY_SYNC, state)
