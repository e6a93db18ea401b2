"""Bodies of the exploration pages (/compare, /trends, /region, /indicator, /kpi): data → components."""

from __future__ import annotations

import statistics
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from kpidash import config
from kpidash.analysis import explore as compute
from kpidash.api.exports import CITATION_PREFIX, CITATION_SUFFIX
from kpidash.data import cache as memo
from kpidash.data import queries
from kpidash.figures import charts as figures
from kpidash.formatting import format_number, period_label
from kpidash.params import safe_int
from kpidash.service import kpis as service
from kpidash.views.components import chart, data_table, metadata_panel, status_badge
from kpidash.views.downloads import DataQuery, chunks, download_bar
from kpidash.web import geo

AGGREGATES = [config.NATIONAL_CODE, config.TOKYO_AREA_CODE, config.OUTSIDE_TOKYO_AREA_CODE]
MODE_LABELS = {
    "value": ("値", "Value"),
    "per_capita": ("人口10万人当たり", "Per 100,000 residents"),
    "growth": ("前年（度）比 %", "Change on previous period, %"),
    "index": ("基準年=100", "Index, base year = 100"),
}


def t(ja: str, en: str, lang: str) -> str:
    return ja if lang == "ja" else en


def _name_col(lang: str) -> str:
    return "name_ja" if lang == "ja" else "name_en"


def _ranked_prefectures(cross: pd.DataFrame, lang: str) -> list[tuple[str, str, Any, int | None]]:
    """(code, name, value, rank) of the prefectures, highest first, gaps last; rank 1 = highest, ties share the best
    rank (competition ranking), a gap has none. Plain Python: 47 rows cost less than pandas' per-call overhead."""
    rows = [
        (str(code), str(name), value)
        for code, name, value, level in zip(
            cross["region_code"].tolist(),
            cross[_name_col(lang)].tolist(),
            cross["value"].tolist(),
            cross["level"].tolist(),
            strict=True,
        )
        if level == "prefecture"
    ]
    observed = sorted((r for r in rows if not _is_gap(r[2])), key=lambda r: -r[2])  # stable: ties keep JIS order
    values = [r[2] for r in observed]
    ranked = [(c, n, v, 1 + sum(1 for x in values if x > v)) for c, n, v in observed]
    return ranked + [(c, n, None, None) for c, n, v in rows if _is_gap(v)]


def _cross_summary(
    cross: pd.DataFrame, unit: str, decimals: int, lang: str, kind: str, highlight: list[str] | None = None
) -> str:
    """One sentence saying what a map or ranking of the prefectures shows (its text alternative)."""
    prefs = [r for r in _ranked_prefectures(cross, lang) if r[3] is not None]
    if not prefs:
        return t(f"{kind}：データがありません。", f"{kind}: no data.", lang)

    def v(x: float) -> str:
        return f"{format_number(x, decimals)} {unit}".strip()

    med = statistics.median(r[2] for r in prefs)
    n = len(prefs)
    (_, top, top_v, _), (_, last, last_v, _) = prefs[0], prefs[-1]
    if lang == "ja":
        text = f"{kind}：最も高いのは{top}（{v(top_v)}）、最も低いのは{last}（{v(last_v)}）、{n}都道府県の中央値は{v(med)}。"
    else:
        text = f"{kind}: highest {top} ({v(top_v)}), lowest {last} ({v(last_v)}), median of {n}: {v(med)}."
    by_code = {c: (name, rank) for c, name, _, rank in prefs}
    marked = [f"{by_code[c][0]} {by_code[c][1]}" for c in (highlight or []) if c in by_code]
    if marked and lang == "ja":
        text += f"強調した県の順位（高い順）：{'、'.join(m + '位' for m in marked)}。"
    elif marked:
        text += f" Rank of the highlighted (highest first): {', '.join(marked)}."
    return text


def _cross_table(cross: pd.DataFrame, unit: str, decimals: int, lang: str) -> html.Details:
    """The numbers of a prefecture map or ranking, highest first, as a table."""
    rows = [
        [name, format_number(val, decimals), "—" if rank is None else str(rank)]
        for _, name, val, rank in _ranked_prefectures(cross, lang)
    ]
    headers = [t("都道府県", "Prefecture", lang), f"{t('値', 'Value', lang)}（{unit}）", t("順位", "Rank", lang)]
    return data_table(headers, rows, lang)


def map_boundary_note(lang: str) -> html.P:
    """The prefecture map's own 出典 (its borders are simplified 地球地図日本 data, not a statistical source)."""
    cite = f"{CITATION_PREFIX}{geo.boundary_citation('prefectures')}{CITATION_SUFFIX}"
    return html.P(f"{t('地図の境界', 'Map boundaries', lang)}：{cite}", className="small muted citation-map", lang="ja")


def _plabel(period: Any, period_type: str, lang: str) -> str:
    """Period label; a bare number where the period type is unknown (KPI component series)."""
    return period_label(int(period), period_type, lang) if period_type else str(int(period))


def _lines_of(panel: pd.DataFrame, lang: str) -> dict[str, tuple[str, list[tuple[Any, Any]]]]:
    """region code → (name, [(period, value), …] sorted by period), in the order the lines appear (plain Python:
    a pandas groupby per line costs more than the whole chart)."""
    col = _name_col(lang)
    names = panel[col].tolist() if col in panel else [""] * len(panel)
    out: dict[str, tuple[str, list[tuple[Any, Any]]]] = {}
    for code, name, period, value in zip(
        panel["region_code"].tolist(), names, panel["period"].tolist(), panel["value"].tolist(), strict=True
    ):
        out.setdefault(str(code), (str(name), []))[1].append((period, value))
    for _, points in out.values():
        points.sort(key=lambda pv: pv[0])
    return out


def _is_gap(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _series_summary(panel: pd.DataFrame, unit: str, decimals: int, period_type: str, lang: str) -> str:
    """One sentence per chart of lines: each line's first and last observed value."""
    parts = []
    for name, points in _lines_of(panel, lang).values():
        observed = [(p, v) for p, v in points if not _is_gap(v)]
        if not observed:
            continue
        (p0, v0), (p1, v1) = observed[0], observed[-1]
        a, b = format_number(v0, decimals), format_number(v1, decimals)
        pa, pb = _plabel(p0, period_type, lang), _plabel(p1, period_type, lang)
        parts.append(t(f"{name}は{pa}の{a}から{pb}の{b}", f"{name} from {a} ({pa}) to {b} ({pb})", lang))
    if not parts:
        return t("推移：データがありません。", "Trend: no data.", lang)
    if lang == "ja":
        return f"推移（{unit}）：" + "、".join(parts) + "。"
    return f"Trend ({unit}): " + "; ".join(parts) + "."


def _series_table(panel: pd.DataFrame, decimals: int, period_type: str, lang: str) -> html.Details:
    """Lines of a chart as a table: one row per period, one column per line (a gap where a line has no value)."""
    lines = _lines_of(panel, lang)
    by_line = {code: {p: v for p, v in points if not _is_gap(v)} for code, (_, points) in lines.items()}
    shown = [code for code in lines if by_line[code]]  # a line with no value at all gets no column
    periods = sorted({p for code in shown for p in by_line[code]})
    headers = [t("期間", "Period", lang), *[lines[c][0] or c for c in shown]]
    rows = [
        [_plabel(p, period_type, lang), *[format_number(by_line[c].get(p), decimals) for c in shown]] for p in periods
    ]
    return data_table(headers, rows, lang)


def indicator_options(theme: str | None, lang: str) -> list[dict[str, str]]:
    cat = service.catalogue()
    cat = cat[cat["n_prefectures"] == 47]
    if theme:
        cat = cat[cat["theme"] == theme]
    col = "name_ja" if lang == "ja" else "name_en"
    return [{"label": r[col], "value": r["indicator_id"]} for _, r in cat.sort_values(["theme", col]).iterrows()]


def theme_options() -> list[dict[str, str]]:
    cat = service.catalogue()
    return [{"label": x, "value": x} for x in sorted(cat[cat["n_prefectures"] == 47]["theme"].unique())]


def valid_indicator(raw: str | None, default: str = "gdp_nominal") -> str:
    ids = set(service.catalogue()["indicator_id"])
    return raw if isinstance(raw, str) and raw in ids else default


def prefecture_options(lang: str, with_aggregates: bool = False) -> list[dict[str, str]]:
    regs = queries.regions()
    levels = ["prefecture"] + (["national", "aggregate"] if with_aggregates else [])
    regs = regs[regs["level"].isin(levels)]
    col = "name_ja" if lang == "ja" else "name_en"
    return [{"label": f"{r['region_code']} {r[col]}", "value": r["region_code"]} for _, r in regs.iterrows()]


def transformed_cross(indicator_id: str, period: int, mode: str) -> tuple[pd.DataFrame, str]:
    """Cross-section in the chosen mode and the unit label to show."""
    ind = queries.indicator(indicator_id) or {}
    unit = str(ind.get("unit", ""))
    cross = queries.cross_section(indicator_id, period)
    if mode == "per_capita" and ind.get("additive"):
        pop = queries.cross_section(compute.PER_CAPITA_DENOMINATOR, period).assign(period=period)
        meta = cross.drop(columns=["value"])
        vals = compute.per_capita(cross.assign(period=period)[["region_code", "period", "value"]], pop)
        return meta.merge(vals[["region_code", "value"]], on="region_code"), f"{unit}（人口10万人当たり）"
    if mode == "growth":
        prev = [p for p in queries.periods(indicator_id) if p < period]
        if not prev:
            return cross.iloc[0:0], "%"
        before = queries.cross_section(indicator_id, prev[-1])
        both = pd.concat([before.assign(period=prev[-1]), cross.assign(period=period)])
        g = compute.growth(both[["region_code", "period", "value"]], base_period=prev[-1])
        g = g[g["period"] == period]
        return cross.drop(columns=["value"]).merge(
            g[["region_code", "value"]], on="region_code"
        ), f"%（{prev[-1]}→{period}）"
    return cross, unit


Benchmarks = dict[str, tuple[str, float]]


def _no_cross_message(lang: str) -> str:
    return t("この期間・表示方法のデータはありません。", "No data for this period and mode.", lang)


def compare_data(
    ind: dict[str, Any], period: int, mode: str, highlight: list[str], lang: str
) -> tuple[pd.DataFrame, str, str, Benchmarks]:
    """What the /compare chart shows for valid inputs: the cross-section in the mode, its unit, the chart title and
    the benchmarks (全国, 東京圏, 東京圏以外 where they exist, and the median of the highlighted or of all 47)."""
    cross, unit = transformed_cross(str(ind["indicator_id"]), period, mode)
    name = ind["name_ja"] if lang == "ja" else ind["name_en"]
    plabel = period_label(period, ind["period_type"], lang)
    title = f"{name}（{plabel}、{MODE_LABELS[mode][0 if lang == 'ja' else 1]}）"
    bench: Benchmarks = {}
    if cross.empty:
        return cross, unit, title, bench
    rows = list(
        zip(cross["region_code"].tolist(), cross[_name_col(lang)].tolist(), cross["value"].tolist(), strict=True)
    )
    by_code = {code: (name, value) for code, name, value in reversed(rows)}  # the first row of a code, as .iloc[0]
    for code in AGGREGATES:
        if code in by_code:
            bench[code] = (by_code[code][0], float(by_code[code][1]))
    prefs = cross[cross["level"] == "prefecture"]
    med = compute.peer_median(prefs, highlight or prefs["region_code"].tolist())
    if med is not None:
        bench["peer"] = (
            t(
                "選択県の中央値" if highlight else "47都道府県の中央値",
                "Median of selected" if highlight else "Median of 47",
                lang,
            ),
            med,
        )
    return cross, unit, title, bench


def compare_figure(
    ind: dict[str, Any],
    cross: pd.DataFrame,
    unit: str,
    title: str,
    bench: Benchmarks,
    mode: str,
    highlight: list[str],
    view: str,
    sort: str,
    lang: str,
) -> Any:
    """The /compare chart (``view`` 'map' or 'bar'), from :func:`compare_data`. The page and the chart images of
    /api/v1/chart.{png,svg} both draw this figure."""
    if cross.empty:
        return figures.empty(_no_cross_message(lang))
    if view == "map":
        return figures.choropleth(cross, title, unit, highlight, lang)
    # Sums (全国, 東京圏) are not on the scale of one prefecture's count: draw them only for comparable measures.
    comparable = mode != "value" or not ind["additive"]
    drawn = bench if comparable else {k: v for k, v in bench.items() if k == "peer"}
    return figures.ranking_bar(cross, title, unit, highlight, drawn, sort, lang)


ALL_REGIONS = [*AGGREGATES, *config.PREFECTURE_CODES]


def series_ids(indicator_id: str, mode: str) -> list[str]:
    """The indicator, and the population it is divided by in the per-capita mode (to reproduce the numbers)."""
    return [indicator_id, *([compute.PER_CAPITA_DENOMINATOR] if mode == "per_capita" else [])]


def _compare_downloads(
    indicator_id: str, period: int, mode: str, highlight: list[str], view: str, sort: str, lang: str
) -> html.Div:
    ids = series_ids(indicator_id, mode)
    chart_q = {
        "page": "compare",
        "indicator": indicator_id,
        "period": period,
        "mode": mode,
        "view": view,
        "highlight": ",".join(highlight),
        "sort": sort,
        "lang": lang if lang == "en" else None,
    }
    return download_bar(
        t("ダウンロード（表示中の期間・全地域）:", "Download (this period, all regions):", lang),
        lang,
        "compare",
        data=DataQuery(ids, ALL_REGIONS, period, period),
        full=DataQuery(ids, ALL_REGIONS),
        chart=chart_q if view in ("map", "bar") else None,
    )


def compare_body(
    indicator_id: str, period: int | None, mode: str, highlight: list[str], view: str, sort: str, lang: str
) -> tuple[list[Any], dict[str, Any]]:
    ind = queries.indicator(indicator_id)
    if ind is None:
        return [html.P(t("指標が見つかりません。", "Unknown indicator.", lang))], {}
    periods = queries.periods(indicator_id)
    period = period if period in periods else (periods[-1] if periods else None)
    if period is None:
        return [html.P(t("データがありません。", "No data.", lang))], {}
    if mode == "per_capita" and not ind["additive"]:
        mode = "value"
    cross, unit, title, bench = compare_data(ind, period, mode, highlight, lang)
    if cross.empty:
        fig = compare_figure(ind, cross, unit, title, bench, mode, highlight, view, sort, lang)
        return [chart(dcc.Graph(figure=fig), title, _no_cross_message(lang), "compare-graph")], {}
    decimals = int(ind["decimals"]) if mode == "value" else 1
    if view in ("map", "bar"):
        fig = compare_figure(ind, cross, unit, title, bench, mode, highlight, view, sort, lang)
        kind = t("地図", "Map", lang) if view == "map" else t("ランキング", "Ranking", lang)
        body: Any = chart(
            dcc.Graph(
                figure=fig,
                id="compare-graph",
                config={
                    "displaylogo": False,
                    "locale": "ja" if lang == "ja" else "en",
                    "toImageButtonOptions": {"filename": f"{indicator_id}_{period}"},
                },
            ),
            title,
            _cross_summary(cross, unit, decimals, lang, kind, highlight),
            "compare-graph",
            _cross_table(cross, unit, decimals, lang),
        )
    else:
        grid = data_grid(cross, unit, decimals, lang)
        # The grid's box is drawn by its lazily loaded script: reserve its height here too (CLS).
        reserve = getattr(grid, "style", {}).get("minHeight", "0px")
        body = html.Div([html.H2(title, className="h-chart"), grid], style={"minHeight": f"calc({reserve} + 3rem)"})
    bench_list = html.Ul(
        [html.Li(f"{label}: {format_number(v, decimals)} {unit}") for label, v in bench.values()],
        className="bench-list",
    )
    downloads = _compare_downloads(indicator_id, period, mode, highlight, view, sort, lang)
    notes = []
    if mode == "per_capita":
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
    if not ind["additive"]:
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
    return [
        body,
        *([map_boundary_note(lang)] if view == "map" else []),
        html.Div([html.H2(t("比較の基準", "Benchmarks", lang)), bench_list], className="benchmarks"),
        *notes,
        downloads,
        metadata_panel(ind, lang),
    ], {"period": period, "mode": mode, "periods": periods}


def data_grid(cross: pd.DataFrame, unit: str, decimals: int, lang: str) -> dag.AgGrid:
    df = cross.copy()
    df["name"] = df["name_ja"] if lang == "ja" else df["name_en"]
    prefs = df["level"] == "prefecture"
    df.loc[prefs, "rank"] = df.loc[prefs, "value"].rank(ascending=False, method="min")
    rows = [
        {
            "code": r.region_code,
            "name": r.name,
            "value": None if pd.isna(r.value) else float(r.value),
            "rank": None if pd.isna(r.rank) else int(r.rank),
        }
        for r in df.itertuples()
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


DEFAULT_TREND_REGIONS = ["00", "TKY", "NTK"]


def trends_data(
    ind: dict[str, Any], regions: list[str], mode: str, base: int | None
) -> tuple[pd.DataFrame, str, str, int | None]:
    """The lines of the /trends chart for valid inputs, in the lines' order: (panel, unit, the mode drawn — 'value'
    for per capita of a non-additive measure —, the base year drawn in the index mode)."""
    indicator_id = str(ind["indicator_id"])
    panel = queries.panel([indicator_id], regions)
    unit = str(ind["unit"])
    drawn_base: int | None = None
    if mode == "per_capita" and not ind["additive"]:
        mode = "value"
    if mode == "per_capita":
        pop = queries.panel([compute.PER_CAPITA_DENOMINATOR], regions)
        vals = compute.per_capita(panel[["region_code", "period", "value"]], pop[["region_code", "period", "value"]])
        panel = panel.drop(columns=["value"]).merge(
            vals[["region_code", "period", "value"]], on=["region_code", "period"]
        )
        unit = f"{unit}（人口10万人当たり）"
    elif mode == "growth":
        g = compute.growth(panel[["region_code", "period", "value"]])
        panel = panel.drop(columns=["value"]).merge(g[["region_code", "period", "value"]], on=["region_code", "period"])
        unit = "%"
    elif mode == "index":
        periods = sorted(panel["period"].unique())
        base = base if base in periods else (int(periods[0]) if periods else None)
        if base is not None:
            idx = compute.index_to_base(panel[["region_code", "period", "value"]], base)
            panel = panel.drop(columns=["value"]).merge(
                idx[["region_code", "period", "value"]], on=["region_code", "period"]
            )
            unit = f"{base}=100"
            drawn_base = base
    order = {c: i for i, c in enumerate(regions)}
    panel = panel.sort_values(["region_code", "period"], key=lambda s: s.map(order) if s.name == "region_code" else s)
    return panel, unit, mode, drawn_base


def _no_trend_message(lang: str) -> str:
    return t("選んだ地域・表示方法のデータはありません。", "No data for this selection.", lang)


def trends_figure(ind: dict[str, Any], panel: pd.DataFrame, unit: str, lang: str) -> Any:
    """The /trends chart from :func:`trends_data`; the page and /api/v1/chart.{png,svg} both draw this figure."""
    if panel.empty:
        return figures.empty(_no_trend_message(lang))
    return figures.lines(
        panel,
        ind["name_ja"] if lang == "ja" else ind["name_en"],
        unit,
        t(
            "年度" if ind["period_type"] == "fiscal_year" else "年",
            "Fiscal year" if ind["period_type"] == "fiscal_year" else "Year",
            lang,
        ),
        lang,
    )


def _trends_downloads(indicator_id: str, regions: list[str], mode: str, base: int | None, lang: str) -> html.Div:
    ids = series_ids(indicator_id, mode)
    chart_q = {
        "page": "trends",
        "indicator": indicator_id,
        "regions": ",".join(regions),
        "mode": mode,
        "base": base if mode == "index" else None,
        "lang": lang if lang == "en" else None,
    }
    return download_bar(
        t("ダウンロード（表示中の地域・全期間）:", "Download (these regions, every period):", lang),
        lang,
        "trends",
        data=DataQuery(ids, regions),
        full=DataQuery(ids, ALL_REGIONS),
        full_label=t("全地域CSV", "All regions CSV", lang),
        chart=chart_q,
    )


def trends_body(indicator_id: str, regions: list[str], mode: str, base: int | None, lang: str) -> list[Any]:
    ind = queries.indicator(indicator_id)
    if ind is None:
        return [html.P(t("指標が見つかりません。", "Unknown indicator.", lang))]
    regions = regions or DEFAULT_TREND_REGIONS
    panel, unit, drawn_mode, drawn_base = trends_data(ind, regions, mode, base)
    name = ind["name_ja"] if lang == "ja" else ind["name_en"]
    fig = trends_figure(ind, panel, unit, lang)
    if panel.empty:
        return [chart(dcc.Graph(figure=fig), name, _no_trend_message(lang), "trends-graph")]
    decimals = 1 if mode != "value" else int(ind["decimals"])
    tbl = _series_table(panel, decimals, str(ind["period_type"]), lang)
    missing = [c for c in regions if c not in set(panel["region_code"])]
    notes = (
        [
            html.P(
                t(
                    f"データのない地域: {', '.join(missing)}（合計できない指標では東京圏・全国の値はありません）",
                    f"No data for: {', '.join(missing)}",
                    lang,
                ),
                className="small muted",
            )
        ]
        if missing
        else []
    )
    return [
        chart(
            dcc.Graph(
                figure=fig, id="trends-graph", config={"displaylogo": False, "locale": "ja" if lang == "ja" else "en"}
            ),
            t(f"{name}の推移（{unit}）", f"{name}: trend ({unit})", lang),
            _series_summary(panel, unit, decimals, str(ind["period_type"]), lang),
            "trends-graph",
            tbl,
        ),
        *notes,
        _trends_downloads(indicator_id, regions, drawn_mode, drawn_base, lang),
        metadata_panel(ind, lang),
    ]


def peer_group(region_code: str) -> tuple[list[tuple[str, float]], str]:
    vals = queries.values_for_period_or_latest(
        [
            compute.PER_CAPITA_DENOMINATOR,
            "ssdse_pop_age_65_over",
            "income_per_capita",
            "census_employed_tertiary",
            "census_employed_residence",
        ]
    )
    by = {i: df for i, df in vals.groupby("indicator_id")}  # noqa: C416 - dict(groupby) calls groupby.keys (a str)
    needed = [
        compute.PER_CAPITA_DENOMINATOR,
        "ssdse_pop_age_65_over",
        "income_per_capita",
        "census_employed_tertiary",
        "census_employed_residence",
    ]
    if any(n not in by for n in needed):
        return [], ""
    feats = compute.structural_features(by[needed[0]], by[needed[1]], by[needed[2]], by[needed[3]], by[needed[4]])
    peers = compute.nearest_peers(feats, region_code)
    periods = {i: int(df["period"].iloc[0]) for i, df in by.items()}
    reason = (
        f"人口規模（総人口 {periods[needed[0]]}年）、高齢化率（{periods[needed[1]]}年）、1人当たり県民所得（{periods[needed[2]]}年度）、第3次産業就業者の割合（国勢調査{periods[needed[3]]}年）"
        "を標準化し、距離が近い順に5県を選んでいます。"
    )
    return peers, reason


def _spine_summary(sub: pd.DataFrame, name: str, lang: str) -> str:
    """What the spine chart of one prefecture shows, in one sentence."""
    ranked = sub.dropna(subset=["rank_desc"]).sort_values("rank_desc", kind="stable")
    if ranked.empty:
        return t("データがありません。", "No data.", lang)
    col = _name_col(lang)
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    above = int((sub["value"] > sub["med"]).sum())
    n = len(sub)
    if lang == "ja":
        return (
            f"{name}の{n}指標：47都道府県の中で値が大きい順の順位が最も高いのは「{top[col]}」（{int(top['rank_desc'])}位）、"
            f"最も低いのは「{bottom[col]}」（{int(bottom['rank_desc'])}位）。中央値より大きい指標は{n}個中{above}個。"
        )
    return (
        f"{name}, {n} indicators: highest rank among the 47 is {top[col]} ({int(top['rank_desc'])}), "
        f"lowest {bottom[col]} ({int(bottom['rank_desc'])}); {above} of {n} are above the median."
    )


def region_theme(region_code: str, theme: str | None) -> tuple[pd.DataFrame, list[str], str]:
    """The /region chart's rows: each indicator of the theme (default 経済・雇用) at its latest period with 47
    prefectures, with the distribution over the prefectures; and every theme with data for the prefecture."""
    profile = queries.latest_profile(region_code)
    themes = [str(x) for x in sorted(profile["theme"].unique())]
    if not themes:
        return profile, [], ""
    theme = str(theme if theme in themes else ("経済・雇用" if "経済・雇用" in themes else themes[0]))
    return profile[profile["theme"] == theme], themes, theme


def region_figure(sub: pd.DataFrame, lang: str) -> Any:
    """The /region spine chart from :func:`region_theme` (page and /api/v1/chart.{png,svg})."""
    return figures.spine(sub, lang)


def region_chart_title(name: str, theme: str, lang: str) -> str:
    return t(f"{name}：全指標の位置（分野: {theme}）", f"{name}: position on every indicator ({theme})", lang)


def _region_downloads(region_code: str, theme: str, sub: pd.DataFrame, lang: str) -> list[html.Div]:
    """Links for the theme on screen: its indicators at the periods shown for 全国 and the 47 prefectures (the
    chart places the prefecture among them), one request per period and per 20 indicators (the API's limit)."""
    regions = [config.NATIONAL_CODE, *config.PREFECTURE_CODES]
    groups = [
        (int(period), part)
        for period, rows in sub.groupby("period", sort=True)
        for part in chunks([str(i) for i in rows["indicator_id"]])
    ]
    chart_q = {"page": "region", "region": region_code, "theme": theme, "lang": lang if lang == "en" else None}
    bars = []
    for n, (period, ids) in enumerate(groups):
        label = t(
            f"ダウンロード（期間{period}の{len(ids)}指標、全国・47都道府県）:",
            f"Download ({len(ids)} indicators, {period}, Japan and 47 prefectures):",
            lang,
        )
        bars.append(
            download_bar(
                label,
                lang,
                f"region-{n}",
                data=DataQuery(ids, regions, period, period),
                full=DataQuery(ids, regions),
                chart=chart_q if len(groups) == 1 else None,
            )
        )
    if len(groups) > 1:
        bars.append(download_bar(t("グラフ画像:", "Chart image:", lang), lang, "region-chart", chart=chart_q))
    return bars


def region_body(region_code: str, theme: str | None, lang: str) -> tuple[list[Any], list[str], str]:
    regs = queries.regions("prefecture").set_index("region_code")
    if region_code not in regs.index:
        return (
            [
                html.H1(t("地域が見つかりません", "Region not found", lang)),
                html.P(html.A(t("概要へ", "Back", lang), href="/")),
            ],
            [],
            "",
        )
    r = regs.loc[region_code]
    name = r["name_ja"] if lang == "ja" else r["name_en"]
    sub, themes, theme = region_theme(region_code, theme)
    peers, reason = peer_group(region_code)
    peer_links = html.Ul(
        [
            html.Li(
                html.A(
                    regs.loc[c, "name_ja"] if lang == "ja" else regs.loc[c, "name_en"], href=f"/region/{c}?lang={lang}"
                )
            )
            for c, _ in peers
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(
                    html.A(x.name_ja if lang == "ja" else x.name_en, href=f"/indicator/{x.indicator_id}?lang={lang}")
                ),
                html.Td(f"{format_number(x.value, int(x.decimals))} {x.unit}"),
                html.Td(format_number(x.national, int(x.decimals)) if pd.notna(x.national) else "—"),
                html.Td(format_number(x.med, int(x.decimals))),
                html.Td(f"{int(x.rank_desc)}/47"),
                html.Td(period_label(int(x.period), x.period_type, lang)),
            ]
        )
        for x in sub.itertuples()
    ]
    return (
        [
            html.H1(f"{name}（{r['region_block_ja'] if lang == 'ja' else r['region_block_en']}）"),
            html.Section(
                [
                    html.H2(t("似た県（比較の相手）", "Similar prefectures", lang)),
                    peer_links,
                    html.P(
                        reason
                        if lang == "ja"
                        else "Nearest five on standardised population size, ageing rate, "
                        "income per capita and tertiary-industry share.",
                        className="small muted",
                    ),
                    html.P(
                        html.A(
                            t("似た県と推移を比べる", "Compare trends with these", lang),
                            href="/trends?"
                            + urlencode(
                                {
                                    "indicator": "income_per_capita",
                                    "regions": ",".join([region_code, *[c for c, _ in peers], "00"]),
                                    "lang": lang,
                                }
                            ),
                        )
                    ),
                ],
                className="card",
            ),
            html.H2(t(f"全指標の位置（分野: {theme}）", f"Position on every indicator (theme: {theme})", lang)),
            html.P(
                t(
                    "横棒は47都道府県の中央50%、縦線は中央値、点がこの県です（左端＝最小、右端＝最大）。",
                    "Bar: middle 50 % of prefectures; tick: median; dot: this prefecture (left = min, right = max).",
                    lang,
                ),
                className="small",
            ),
            chart(
                dcc.Graph(figure=region_figure(sub, lang), id="region-spine", config={"displaylogo": False}),
                region_chart_title(name, theme, lang),
                _spine_summary(sub, name, lang),
                "region-spine",
                html.Details(
                    [
                        html.Summary(t("表で見る", "Show as a table", lang)),
                        html.Table(
                            [
                                html.Thead(
                                    html.Tr(
                                        [
                                            html.Th(h, scope="col")
                                            for h in (
                                                ["指標", "この県", "全国", "47県の中央値", "順位（大きい順）", "期間"]
                                                if lang == "ja"
                                                else [
                                                    "Indicator",
                                                    "Value",
                                                    "Japan",
                                                    "Median of 47",
                                                    "Rank (desc.)",
                                                    "Period",
                                                ]
                                            )
                                        ]
                                    )
                                ),
                                html.Tbody(rows),
                            ],
                            className="table",
                        ),
                    ],
                    open=False,
                ),
            ),
            *_region_downloads(region_code, theme, sub, lang),
        ],
        themes,
        theme,
    )


def indicator_body(indicator_id: str, lang: str) -> list[Any]:
    ind = queries.indicator(indicator_id)
    if ind is None:
        return [html.H1(t("指標が見つかりません", "Indicator not found", lang))]
    panel = queries.panel([indicator_id], AGGREGATES)
    name = ind["name_ja"] if lang == "ja" else ind["name_en"]
    parts: list[Any] = [html.H1(name)]
    if not panel.empty:
        title = t("全国・東京圏・東京圏以外", "Japan, Tokyo area, rest", lang)
        decimals, ptype = int(ind["decimals"]), str(ind["period_type"])
        parts.append(
            chart(
                dcc.Graph(
                    figure=figures.lines(panel, title, str(ind["unit"]), "", lang), config={"displaylogo": False}
                ),
                f"{name}：{title}",
                _series_summary(panel, str(ind["unit"]), decimals, ptype, lang),
                "indicator-graph",
                _series_table(panel, decimals, ptype, lang),
            )
        )
    else:
        parts.append(
            html.P(
                t(
                    "この指標は合計できないため、全国・東京圏の系列はありません。都道府県の比較をご覧ください。",
                    "Not additive: no aggregate series; see the prefecture comparison.",
                    lang,
                )
            )
        )
    parts.append(
        html.P(
            [
                html.A(
                    t("都道府県を比較する", "Compare prefectures", lang),
                    href=f"/compare?indicator={indicator_id}&lang={lang}",
                ),
                " ・ ",
                html.A(t("推移を見る", "See trends", lang), href=f"/trends?indicator={indicator_id}&lang={lang}"),
            ]
        )
    )
    parts.append(metadata_panel(ind, lang, open_=True))
    return parts


def _decimals_of(values: pd.Series) -> int:
    """Decimals to show for a series without metadata: none for whole numbers, else one (two for small values)."""
    v = values.dropna()
    if v.empty or (v == v.round()).all():
        return 0
    return 2 if v.abs().max() < 10 else 1


def _kpi_summary(k: dict[str, Any], lang: str) -> str:
    """Latest value against the baseline and the 2029 target, and the status, in one sentence."""
    ja = lang == "ja"
    d, unit = k["decimals"], k["unit"]

    def val(p: dict[str, Any] | None) -> str:
        return f"{format_number(p['value'], d)} {unit}（{p['period']}）" if p else t("データなし", "no data", lang)

    tgt = k["target"]
    target = f"{format_number(tgt['value'], d)} {unit}" if tgt["value"] is not None else tgt["text_ja"]
    status = k["status_label_ja"] if ja else k["status_label_en"]
    if ja:
        return (
            f"実績の推移：最新値 {val(k['latest'])}、基準値 {val(k['baseline'])}、"
            f"{tgt['year']}年の目標 {target}。判定：{status}。"
        )
    return (
        f"Observed: latest {val(k['latest'])}, baseline {val(k['baseline'])}, "
        f"target for {tgt['year']}: {target}. Status: {status}."
    )


def kpi_body(kpi_id: str, lang: str) -> list[Any]:
    k = service.kpi_by_id(kpi_id)
    if k is None:
        return [
            html.H1(t("KPIが見つかりません", "KPI not found", lang)),
            html.P(html.A(t("概要へ", "Back", lang), href="/")),
        ]
    ja = lang == "ja"
    parts: list[Any] = [
        html.P(html.A(t("← 概要", "← Overview", lang), href=f"/?lang={lang}")),
        html.H1([k["name_ja"] if ja else k["name_en"], " ", status_badge(k, lang)]),
        html.P(k["reason_ja"] if ja else k["reason_en"], className="reason"),
        html.P(k["definition_ja"] if ja else k["definition_en"]),
    ]
    if k.get("note_ja"):
        parts.append(html.P(k["note_ja"], className="proxy-note"))
    if k["series"]:
        rows = [[str(p["period"]), format_number(p["value"], k["decimals"])] for p in k["series"]]
        parts.append(
            chart(
                dcc.Graph(figure=figures.kpi_progress(k, lang), id="kpi-progress", config={"displaylogo": False}),
                t(f"{k['name_ja']}の進捗", f"{k['name_en']}: progress", lang),
                _kpi_summary(k, lang),
                "kpi-progress",
                data_table([t("期間", "Period", lang), k["unit"]], rows, lang),
            )
        )
    else:
        parts.append(html.Div(t("データが読み込まれていません。", "No data loaded.", lang), className="card no-data"))
    if k.get("variants"):
        items = [
            html.Li(
                f"{v['label_ja'] if ja else v['label_en']}: {v['indicator']}{'（代理指標）' if v['proxy'] else ''}"
                f" — {t('基準年度', 'base FY', lang)} {v['growth_base']}"
            )
            for v in k["variants"]
        ]
        parts.append(html.Section([html.H2(t("計算に使った系列", "Series used", lang)), html.Ul(items)]))
    from kpidash.analysis.kpi import prefecture_breakdown

    bd = prefecture_breakdown(k)
    if bd is not None:
        cross, title_ja, title_en, bunit = bd
        if not cross.empty:
            title = t(title_ja, title_en, lang)
            parts.append(
                html.Section(
                    [
                        html.H2(t("都道府県別の内訳", "Breakdown by prefecture", lang)),
                        html.Div(
                            [
                                chart(
                                    dcc.Graph(
                                        figure=figures.choropleth(cross, title, bunit, [], lang),
                                        config={"displaylogo": False},
                                    ),
                                    title,
                                    _cross_summary(cross, bunit, 1, lang, t("地図", "Map", lang)),
                                    "kpi-breakdown-map",
                                ),
                                chart(
                                    dcc.Graph(
                                        figure=figures.ranking_bar(
                                            cross, title, bunit, list(config.TOKYO_AREA_CODES), {}, "value", lang
                                        ),
                                        config={"displaylogo": False},
                                    ),
                                    title,
                                    _cross_summary(cross, bunit, 1, lang, t("ランキング", "Ranking", lang)),
                                    "kpi-breakdown-bar",
                                ),
                            ],
                            className="two-col",
                        ),
                        map_boundary_note(lang),
                        _cross_table(cross, bunit, 1, lang),
                    ]
                )
            )
    comps = [c for c in k.get("components", []) if c["series"]]
    if comps:
        parts.append(html.H2(t("構成要素・関連系列", "Components", lang)))
        cards = []
        units = service.catalogue().set_index("indicator_id")["unit"].to_dict()
        for i, c in enumerate(comps):
            c = {**c, "unit": c.get("unit") or units.get(c.get("indicator") or "", "")}
            df = pd.DataFrame(c["series"]).assign(region_code=c["region"], name_ja=c["label_ja"], name_en=c["label_en"])
            label = c["label_ja"] if ja else c["label_en"]
            decimals = _decimals_of(df["value"])
            cards.append(
                chart(
                    dcc.Graph(
                        figure=figures.lines(df, label, c.get("unit", ""), "", lang),
                        config={"displaylogo": False},
                    ),
                    label,
                    _series_summary(df, str(c.get("unit", "")), decimals, "", lang),
                    f"kpi-component-{i}",
                    _series_table(df, decimals, "", lang),
                )
            )
        parts.append(html.Div(cards, className="two-col"))
    if k.get("context_indicators"):
        cat = service.catalogue().set_index("indicator_id")
        parts.append(
            html.Section(
                [
                    html.H2(t("文脈指標（KPIそのものではありません）", "Context indicators (not the KPI)", lang)),
                    html.Ul(
                        [
                            html.Li(
                                html.A(
                                    cat.loc[i, "name_ja"] if ja else cat.loc[i, "name_en"],
                                    href=f"/compare?indicator={i}&lang={lang}",
                                )
                            )
                            for i in k["context_indicators"]
                            if i in cat.index
                        ]
                    ),
                ]
            )
        )
    tgt = k["target"]
    parts.append(
        html.Section(
            [
                html.H2(t("目標と方法", "Target and method", lang)),
                html.P(
                    f"{t('目標', 'Target', lang)}: {tgt['text_ja']}（{tgt['year']}年、{tgt['source']} {tgt['decided']}）"
                ),
                html.P(
                    t(
                        "基準値はデータから決めています（2025年12月の閣議決定時点で利用できた最新の期間）。",
                        "The baseline is chosen from the data (latest period available at the decision).",
                        lang,
                    )
                ),
                html.P(html.A(t("進捗判定の方法", "How status is judged", lang), href="/about#method")),
            ]
        )
    )
    return parts


@memo.per_warehouse()
def compare_view(
    indicator: Any, period: Any, mode: Any, highlight: Any, view: Any, sort: Any, lang: str
) -> tuple[list[Any], list[dict[str, Any]], int | None, dict[str, Any]]:
    """The /compare callback: validated inputs → body, period options, period, URL state."""
    ind = valid_indicator(indicator)
    mode = mode if mode in ("value", "per_capita", "growth") else "value"
    view = view if view in ("map", "bar", "table") else "map"
    sort = sort if sort in ("value", "code") else "value"
    hl = [c for c in (highlight or []) if c in config.PREFECTURE_CODES][:12]
    body, info = compare_body(ind, safe_int(period), mode, hl, view, sort, lang)
    meta = queries.indicator(ind) or {}
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


@memo.per_warehouse()
def trends_view(indicator: Any, regions: Any, mode: Any, base: Any, lang: str) -> tuple[list[Any], dict[str, Any]]:
    ind = valid_indicator(indicator)
    allowed = {*config.PREFECTURE_CODES, *config.AGGREGATE_CODES}
    regs = [c for c in (regions or []) if c in allowed][:12]
    mode = mode if mode in ("value", "per_capita", "growth", "index") else "value"
    b = safe_int(base)
    body = trends_body(ind, regs, mode, b, lang)
    return body, {
        "indicator": ind,
        "regions": ",".join(regs),
        "mode": mode,
        "base": b,
        "lang": lang if lang == "en" else None,
    }
