"""Page layouts with their controls, initialised from URL parameters (pages/ call these)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash import config
from kpidash.data import queries
from kpidash.params import clean_codes, safe_int
from kpidash.service import kpis as service
from kpidash.views import ids
from kpidash.views.a11y import aria as _aria
from kpidash.views.components import dropdown_labels
from kpidash.views.explore import (
    MODE_LABELS,
    compare_view,
    indicator_options,
    prefecture_options,
    t,
    theme_options,
    trends_view,
    valid_indicator,
)


def _labelled(label: str, control: Any, for_id: str, wide: bool = False) -> html.Div:
    """A control with its visible label. The label has the id ``<control id>-label``: the shell's accessibility patch
    (app.py) names Dash's dropdown buttons and radio groups with it. A radio group is not a labelable element, so its
    label is a plain element referenced by aria-labelledby rather than a <label for>."""
    if isinstance(control, dcc.RadioItems):
        head: Any = html.Div(label, id=f"{for_id}-label", className="control-label")
    else:
        head = html.Label(label, htmlFor=for_id, id=f"{for_id}-label", className="control-label")
    return html.Div([head, control], className="control control-wide" if wide else "control")


def _theme_of(indicator_id: str) -> str | None:
    cat = service.catalogue().set_index("indicator_id")
    return str(cat.loc[indicator_id, "theme"]) if indicator_id in cat.index else None


def _modes(keys: list[str], lang: str) -> list[dict[str, str]]:
    return [{"label": MODE_LABELS[k][0 if lang == "ja" else 1], "value": k} for k in keys]


def compare_layout(indicator: Any, period: Any, mode: Any, highlight: Any, view: Any, sort: Any, lang: str) -> html.Div:
    ind = valid_indicator(indicator)
    theme = _theme_of(ind)
    mode = mode if mode in ("value", "per_capita", "growth") else "value"
    view = view if view in ("map", "bar", "table") else "map"
    sort = sort if sort in ("value", "code") else "value"
    hl = clean_codes(highlight, set(config.PREFECTURE_CODES))
    periods = queries.periods(ind)
    p = safe_int(period)
    p = p if p in periods else (periods[-1] if periods else None)
    # The first view is part of the layout (the callback runs only when a control changes): one round trip less.
    body, period_opts, p, state = compare_view(ind, p, mode, hl, view, sort, lang)
    return html.Div(
        [
            html.H1(t("都道府県を比べる", "Compare prefectures", lang)),
            html.Div(
                [
                    _labelled(
                        t("分野", "Theme", lang),
                        dcc.Dropdown(
                            id=ids.COMPARE_THEME,
                            labels=dropdown_labels(lang),
                            options=theme_options(),
                            value=theme,
                            clearable=True,
                        ),
                        ids.COMPARE_THEME,
                    ),
                    _labelled(
                        t("指標", "Indicator", lang),
                        dcc.Dropdown(
                            id=ids.COMPARE_INDICATOR,
                            labels=dropdown_labels(lang),
                            options=indicator_options(theme, lang),
                            value=ind,
                            clearable=False,
                        ),
                        ids.COMPARE_INDICATOR,
                    ),
                    _labelled(
                        t("期間", "Period", lang),
                        dcc.Dropdown(
                            id=ids.COMPARE_PERIOD,
                            labels=dropdown_labels(lang),
                            options=period_opts,
                            value=p,
                            clearable=False,
                        ),
                        ids.COMPARE_PERIOD,
                    ),
                    _labelled(
                        t("表示", "Measure", lang),
                        dcc.RadioItems(
                            id=ids.COMPARE_MODE,
                            options=_modes(["value", "per_capita", "growth"], lang),
                            value=mode,
                            inline=True,
                        ),
                        ids.COMPARE_MODE,
                    ),
                    _labelled(
                        t("強調する都道府県", "Highlight prefectures", lang),
                        dcc.Dropdown(
                            id=ids.COMPARE_HIGHLIGHT,
                            labels=dropdown_labels(lang),
                            options=prefecture_options(lang),
                            value=hl,
                            multi=True,
                        ),
                        ids.COMPARE_HIGHLIGHT,
                    ),
                    _labelled(
                        t("図の種類", "View", lang),
                        dcc.RadioItems(
                            id=ids.COMPARE_VIEW,
                            options=[
                                {"label": t("地図", "Map", lang), "value": "map"},
                                {"label": t("ランキング", "Ranking", lang), "value": "bar"},
                                {"label": t("表", "Table", lang), "value": "table"},
                            ],
                            value=view,
                            inline=True,
                        ),
                        ids.COMPARE_VIEW,
                    ),
                    _labelled(
                        t("並び順", "Order", lang),
                        dcc.RadioItems(
                            id=ids.COMPARE_SORT,
                            options=[
                                {"label": t("値の順", "By value", lang), "value": "value"},
                                {"label": t("コード順", "By code", lang), "value": "code"},
                            ],
                            value=sort,
                            inline=True,
                        ),
                        ids.COMPARE_SORT,
                    ),
                ],
                className="controls",
            ),
            dcc.Loading(html.Div(body, id=ids.COMPARE_BODY), delay_show=400),
            dcc.Store(id=ids.COMPARE_STATE, data=state),
            dcc.Store(id=ids.COMPARE_SYNC),
        ],
        className="page",
    )


def trends_layout(indicator: Any, regions: Any, mode: Any, base: Any, lang: str) -> html.Div:
    ind = valid_indicator(indicator)
    theme = _theme_of(ind)
    allowed = {*config.PREFECTURE_CODES, *config.AGGREGATE_CODES}
    regs = clean_codes(regions, allowed) or ["00", "TKY", "NTK"]
    mode = mode if mode in ("value", "per_capita", "growth", "index") else "value"
    body, state = trends_view(ind, regs, mode, safe_int(base), lang)  # the first view, as on /compare
    return html.Div(
        [
            html.H1(t("推移を見る", "Trends", lang)),
            html.Div(
                [
                    _labelled(
                        t("分野", "Theme", lang),
                        dcc.Dropdown(
                            id=ids.TRENDS_THEME,
                            labels=dropdown_labels(lang),
                            options=theme_options(),
                            value=theme,
                            clearable=True,
                        ),
                        ids.TRENDS_THEME,
                    ),
                    _labelled(
                        t("指標", "Indicator", lang),
                        dcc.Dropdown(
                            id=ids.TRENDS_INDICATOR,
                            labels=dropdown_labels(lang),
                            options=indicator_options(theme, lang),
                            value=ind,
                            clearable=False,
                        ),
                        ids.TRENDS_INDICATOR,
                    ),
                    _labelled(
                        t("地域（最大12）", "Regions (up to 12)", lang),
                        dcc.Dropdown(
                            id=ids.TRENDS_REGIONS,
                            labels=dropdown_labels(lang),
                            options=prefecture_options(lang, with_aggregates=True),
                            value=regs,
                            multi=True,
                        ),
                        ids.TRENDS_REGIONS,
                        wide=True,  # up to 12 chosen regions: two grid columns so their names stay readable
                    ),
                    _labelled(
                        t("表示", "Measure", lang),
                        dcc.RadioItems(
                            id=ids.TRENDS_MODE,
                            options=_modes(["value", "per_capita", "growth", "index"], lang),
                            value=mode,
                            inline=True,
                        ),
                        ids.TRENDS_MODE,
                    ),
                    _labelled(
                        t("基準年（指数）", "Base year (index)", lang),
                        dcc.Input(
                            id=ids.TRENDS_BASE, type="number", value=safe_int(base), min=1900, max=2100, debounce=True
                        ),
                        ids.TRENDS_BASE,
                    ),
                ],
                className="controls",
            ),
            dcc.Loading(html.Div(body, id=ids.TRENDS_BODY), delay_show=400),
            dcc.Store(id=ids.TRENDS_STATE, data=state),
            dcc.Store(id=ids.TRENDS_SYNC),
        ],
        className="page",
    )


def region_layout(code: str, theme: Any, lang: str) -> html.Div:
    from kpidash.views.explore import region_body

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
