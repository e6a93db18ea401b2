"""The charts of /compare, /trends and /region from their results (:mod:`kpidash.analysis.explore`): the pages and
the chart images of /api/v1/chart.{png,svg} both draw these figures."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpidash.analysis.explore import CompareResult, TrendsResult
from kpidash.figures import charts
from kpidash.formatting import t


def no_cross_message(lang: str) -> str:
    return t("この期間・表示方法のデータはありません。", "No data for this period and mode.", lang)


def no_trend_message(lang: str) -> str:
    return t("選んだ地域・表示方法のデータはありません。", "No data for this selection.", lang)


def compare_figure(result: CompareResult, view: str, sort: str, lang: str) -> Any:
    """The /compare chart (``view`` 'map' or 'bar')."""
    if result.cross.empty:
        return charts.empty(no_cross_message(lang))
    highlight = list(result.highlight)
    if view == "map":
        return charts.choropleth(result.cross, result.title, result.unit, highlight, lang)
    # Sums (全国, 東京圏) are not on the scale of one prefecture's count: draw them only for comparable measures.
    comparable = result.mode != "value" or not result.indicator["additive"]
    drawn = result.benchmarks if comparable else {k: v for k, v in result.benchmarks.items() if k == "peer"}
    return charts.ranking_bar(result.cross, result.title, result.unit, highlight, drawn, sort, lang)


def trends_figure(result: TrendsResult, lang: str) -> Any:
    """The /trends chart."""
    if result.panel.empty:
        return charts.empty(no_trend_message(lang))
    ind = result.indicator
    fiscal = ind["period_type"] == "fiscal_year"
    return charts.lines(
        result.panel,
        ind["name_ja"] if lang == "ja" else ind["name_en"],
        result.unit,
        t("年度" if fiscal else "年", "Fiscal year" if fiscal else "Year", lang),
        lang,
    )


def region_figure(rows: pd.DataFrame, lang: str) -> Any:
    """The /region spine chart from the rows of :func:`kpidash.service.explore.region_theme`."""
    return charts.spine(rows, lang)


def region_chart_title(name: str, theme: str, lang: str) -> str:
    return t(f"{name}：全指標の位置（分野: {theme}）", f"{name}: position on every indicator ({theme})", lang)
