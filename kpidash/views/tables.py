"""The tables of the exploration pages: a chart's numbers as a table, and the /compare data grid."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import html

from kpidash.analysis.explore import Line, RankedPrefecture, is_gap, lines_by_period
from kpidash.formatting import format_number, name_col
from kpidash.views.components import data_table
from kpidash.views.text import period_text, t


def cross_table(ranked: tuple[RankedPrefecture, ...], unit: str, decimals: int, lang: str) -> html.Details:
    """The numbers of a prefecture map or ranking, highest first, as a table."""
    rows = [[r.name, format_number(r.value, decimals), "—" if r.rank is None else str(r.rank)] for r in ranked]
    headers = [t("都道府県", "Prefecture", lang), f"{t('値', 'Value', lang)}（{unit}）", t("順位", "Rank", lang)]
    return data_table(headers, rows, lang)


def series_table(lines: dict[str, Line], decimals: int, period_type: str, lang: str) -> html.Details:
    """Lines of a chart as a table: one row per period, one column per line (a gap where a line has no value)."""
    shown, periods, by_line = lines_by_period(lines)  # a line with no value at all gets no column
    headers = [t("期間", "Period", lang), *[lines[c].name or c for c in shown]]
    rows = [
        [period_text(p, period_type, lang), *[format_number(by_line[c].get(p), decimals) for c in shown]]
        for p in periods
    ]
    return data_table(headers, rows, lang)


def data_grid(
    cross: pd.DataFrame, ranked: tuple[RankedPrefecture, ...], unit: str, decimals: int, lang: str
) -> dag.AgGrid:
    """Every region of a cross-section in a sortable grid, prefectures with their rank."""
    rank = {r.code: r.rank for r in ranked}
    names = cross[name_col(lang)].tolist()
    rows: list[dict[str, Any]] = [
        {
            "code": code,
            "name": name,
            "value": None if is_gap(value) else float(value),
            "rank": rank.get(str(code)) if level == "prefecture" else None,
        }
        for code, name, value, level in zip(
            cross["region_code"].tolist(), names, cross["value"].tolist(), cross["level"].tolist(), strict=True
        )
    ]
    cols = [
        {"field": "code", "headerName": t("コード", "Code", lang), "width": 90},
        {"field": "name", "headerName": t("地域", "Region", lang), "flex": 1},
        {
            "field": "value",
            "headerName": f"{t('値', 'Value', lang)}（{unit}）",
            "type": "numericColumn",
            "flex": 1,
            "valueFormatter": {"function": f"d3.format(',.{decimals}f')(params.value)"},
        },
        {"field": "rank", "headerName": t("順位", "Rank", lang), "width": 90, "type": "numericColumn"},
    ]
    return dag.AgGrid(
        rowData=rows,
        columnDefs=cols,
        defaultColDef={"sortable": True, "resizable": True},
        # No animations: columns sliding into their flex widths count as layout shifts (and may distract).
        dashGridOptions={
            "domLayout": "autoHeight",
            "ensureDomOrder": True,
            "suppressColumnMoveAnimation": True,
            "animateRows": False,
        },
        # AG Grid draws flex columns at 200 px in its first frame and at their flex widths in the next, moving the
        # columns after them (CLS 0.17): kpi-grid-hold keeps the cells hidden until the columns fill the grid's width
        # (assets/app.js, assets/style.css).
        className="ag-theme-alpine kpi-grid-hold",
        # The grid's height before its script has drawn it (alpine: 48 px header, 42 px rows), so the page below
        # does not jump (CLS).
        style={"width": "100%", "minHeight": f"{48 + 42 * len(rows) + 2}px"},
    )
