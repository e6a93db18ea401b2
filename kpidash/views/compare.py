"""/compare: one indicator across the 47 prefectures as a map, a ranking or a table, with its benchmarks."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash import chart_params, config
from kpidash.analysis.explore import CompareResult
from kpidash.data import cache
from kpidash.figures.explore import compare_figure, no_cross_message
from kpidash.formatting import format_number, period_label
from kpidash.params import choice, safe_int
from kpidash.service import explore
from kpidash.views.components import chart, metadata_panel
from kpidash.views.downloads import DataQuery, download_bar
from kpidash.views.tables import cross_table, data_grid
from kpidash.views.text import cross_summary, map_boundary_note, t

MODES = chart_params.COMPARE_MODES
VIEWS = chart_params.COMPARE_VIEWS
SORTS = chart_params.SORTS


def _downloads(result: CompareResult, view: str, sort: str, lang: str) -> html.Div:
    indicator_id = str(result.indicator["indicator_id"])
    ids = explore.series_ids(indicator_id, result.mode)
    chart_q = {
        "page": "compare",
        "indicator": indicator_id,
        "period": result.period,
        "mode": result.mode,
        "view": view,
        "highlight": ",".join(result.highlight),
        "sort": sort,
        "lang": lang if lang == "en" else None,
    }
    return download_bar(
        t("ダウンロード（表示中の期間・全地域）:", "Download (this period, all regions):", lang),
        lang,
        "compare",
        data=DataQuery(ids, explore.ALL_REGIONS, result.period, result.period),
        full=DataQuery(ids, explore.ALL_REGIONS),
        chart=chart_q if view in ("map", "bar") else None,
    )


def _graph(result: CompareResult, view: str, sort: str, lang: str) -> Any:
    """The map or ranking with its summary and table, or the data grid."""
    unit, decimals = result.unit, result.decimals
    if view not in ("map", "bar"):
        grid = data_grid(result.cross, result.ranked, unit, decimals, lang)
        # The grid's box is drawn by its lazily loaded script: reserve its height here too (CLS).
        reserve = getattr(grid, "style", {}).get("minHeight", "0px")
        return html.Div(
            [html.H2(result.title, className="h-chart"), grid], style={"minHeight": f"calc({reserve} + 3rem)"}
        )
    kind = t("地図", "Map", lang) if view == "map" else t("ランキング", "Ranking", lang)
    return chart(
        dcc.Graph(
            figure=compare_figure(result, view, sort, lang),
            id="compare-graph",
            config={
                "displaylogo": False,
                "locale": "ja" if lang == "ja" else "en",
                "toImageButtonOptions": {"filename": f"{result.indicator['indicator_id']}_{result.period}"},
            },
        ),
        result.title,
        cross_summary(result.summary, result.ranked, unit, decimals, lang, kind, result.highlight),
        "compare-graph",
        cross_table(result.ranked, unit, decimals, lang),
    )


def _notes(result: CompareResult, lang: str) -> list[html.P]:
    notes = []
    if result.mode == "per_capita":
        notes.append(
            html.P(
                t(
                    "人口10万人当たり＝値÷総人口（人口推計10月1日、SSDSE-B）×10万。全国・東京圏は合計どうしの比。",
                    "Per 100,000 = value ÷ total population (1 Oct estimates, SSDSE-B) × 100,000; aggregates are ratios of sums.",
                    lang,
                ),
                className="small muted",
            )
        )
    if not result.indicator["additive"]:
        notes.append(
            html.P(
                t(
                    "この指標は合計できないため、東京圏・東京圏以外の値はありません。",
                    "Not additive: no Tokyo-area aggregates.",
                    lang,
                ),
                className="small muted",
            )
        )
    return notes


def compare_body(
    indicator_id: str, period: int | None, mode: str, highlight: list[str], view: str, sort: str, lang: str
) -> tuple[list[Any], dict[str, Any]]:
    """The page body for valid inputs, and what it shows: the period, the mode drawn and every period with data."""
    ind = explore.indicator(indicator_id)
    if ind is None:
        return [html.P(t("指標が見つかりません。", "Unknown indicator.", lang))], {}
    shown = explore.page_period(indicator_id, period)
    if shown is None:
        return [html.P(t("データがありません。", "No data.", lang))], {}
    if mode == "per_capita" and not ind["additive"]:
        mode = "value"
    result = explore.compare(indicator_id, shown, mode, highlight, lang)
    if result.cross.empty:
        fig = compare_figure(result, view, sort, lang)
        return [chart(dcc.Graph(figure=fig), result.title, no_cross_message(lang), "compare-graph")], {}
    bench_list = html.Ul(
        [
            html.Li(f"{label}: {format_number(v, result.decimals)} {result.unit}")
            for label, v in result.benchmarks.values()
        ],
        className="bench-list",
    )
    return [
        _graph(result, view, sort, lang),
        *([map_boundary_note(lang)] if view == "map" else []),
        html.Div([html.H2(t("比較の基準", "Benchmarks", lang)), bench_list], className="benchmarks"),
        *_notes(result, lang),
        _downloads(result, view, sort, lang),
        metadata_panel(ind, lang),
    ], {"period": shown, "mode": mode, "periods": explore.periods(indicator_id)}


@cache.per_warehouse()
def compare_view(
    indicator: Any, period: Any, mode: Any, highlight: Any, view: Any, sort: Any, lang: str
) -> tuple[list[Any], list[dict[str, Any]], int | None, dict[str, Any]]:
    """The /compare callback: validated inputs → body, period options, period, URL state."""
    ind = explore.valid_indicator(indicator)
    mode = choice(mode, MODES, "value")
    view = choice(view, VIEWS, "map")
    sort = choice(sort, SORTS, "value")
    hl = [c for c in (highlight or []) if c in config.PREFECTURE_CODES][:12]
    body, info = compare_body(ind, safe_int(period), mode, hl, view, sort, lang)
    meta = explore.indicator(ind) or {}
    opts = [
        {"label": period_label(p, str(meta.get("period_type", "")), lang), "value": p} for p in info.get("periods", [])
    ]
    state = {
        "indicator": ind,
        "period": info.get("period"),
        "mode": info.get("mode", mode),
        "highlight": ",".join(hl),
        "view": view,
        "sort": sort,
        "lang": lang if lang == "en" else None,
    }
    return body, opts, info.get("period"), state
