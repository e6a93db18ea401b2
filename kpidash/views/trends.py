"""/trends: one indicator over time for up to 12 regions, as values, per capita, growth or an index."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash import chart_params, config
from kpidash.analysis.explore import TrendsResult
from kpidash.data import cache
from kpidash.figures.explore import no_trend_message, trends_figure
from kpidash.params import choice, safe_int
from kpidash.service import explore
from kpidash.views.components import chart, metadata_panel
from kpidash.views.downloads import DataQuery, download_bar
from kpidash.views.tables import series_table
from kpidash.views.text import series_summary, t

MODES = chart_params.TRENDS_MODES


def _downloads(result: TrendsResult, lang: str) -> html.Div:
    indicator_id = str(result.indicator["indicator_id"])
    ids = explore.series_ids(indicator_id, result.mode)
    chart_q = {
        "page": "trends",
        "indicator": indicator_id,
        "regions": ",".join(result.regions),
        "mode": result.mode,
        "base": result.base if result.mode == "index" else None,
        "lang": lang if lang == "en" else None,
    }
    return download_bar(
        t("ダウンロード（表示中の地域・全期間）:", "Download (these regions, every period):", lang),
        lang,
        "trends",
        data=DataQuery(ids, list(result.regions)),
        full=DataQuery(ids, explore.ALL_REGIONS),
        full_label=t("全地域CSV", "All regions CSV", lang),
        chart=chart_q,
    )


def trends_body(indicator_id: str, regions: list[str], mode: str, base: int | None, lang: str) -> list[Any]:
    ind = explore.indicator(indicator_id)
    if ind is None:
        return [html.P(t("指標が見つかりません。", "Unknown indicator.", lang))]
    result = explore.trends(indicator_id, regions or explore.DEFAULT_TREND_REGIONS, mode, base, lang)
    name = ind["name_ja"] if lang == "ja" else ind["name_en"]
    fig = trends_figure(result, lang)
    if result.panel.empty:
        return [chart(dcc.Graph(figure=fig), name, no_trend_message(lang), "trends-graph")]
    period_type, unit, decimals = str(ind["period_type"]), result.unit, result.decimals
    notes = (
        [
            html.P(
                t(
                    f"データのない地域: {', '.join(result.missing)}（合計できない指標では東京圏・全国の値はありません）",
                    f"No data for: {', '.join(result.missing)}",
                    lang,
                ),
                className="small muted",
            )
        ]
        if result.missing
        else []
    )
    return [
        chart(
            dcc.Graph(
                figure=fig, id="trends-graph", config={"displaylogo": False, "locale": "ja" if lang == "ja" else "en"}
            ),
            t(f"{name}の推移（{unit}）", f"{name}: trend ({unit})", lang),
            series_summary(result.lines, unit, decimals, period_type, lang),
            "trends-graph",
            series_table(result.lines, decimals, period_type, lang),
        ),
        *notes,
        _downloads(result, lang),
        metadata_panel(ind, lang),
    ]


@cache.per_warehouse()
def trends_view(indicator: Any, regions: Any, mode: Any, base: Any, lang: str) -> tuple[list[Any], dict[str, Any]]:
    """The /trends callback: validated inputs → body, URL state."""
    ind = explore.valid_indicator(indicator)
    allowed = {*config.PREFECTURE_CODES, *config.AGGREGATE_CODES}
    regs = [c for c in (regions or []) if c in allowed][:12]
    mode = choice(mode, MODES, "value")
    b = safe_int(base)
    body = trends_body(ind, regs, mode, b, lang)
    return body, {
        "indicator": ind,
        "regions": ",".join(regs),
        "mode": mode,
        "base": b,
        "lang": lang if lang == "en" else None,
    }
