"""/industry: composition by industry, location quotients (heat map and map), and each industry's contribution to
nominal GDP growth, for a prefecture, the Tokyo area, outside it or the nation. Every chart has a table."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash import config
from kpidash.data import cache
from kpidash.figures import charts as figures
from kpidash.figures import industry as industry_figures
from kpidash.formatting import format_number, format_signed, t
from kpidash.params import choice, safe_int
from kpidash.service import industry as service
from kpidash.service.industry import IndustryResult
from kpidash.views.components import chart, data_table
from kpidash.views.downloads import DataQuery, chunks, download_bar
from kpidash.views.tables import cross_table
from kpidash.views.text import cross_summary, map_boundary_note

SORTS = ("code", "lq")
GRAPH: Any = {"displaylogo": False}


def normalise(region: Any, measure: Any, year0: Any, year1: Any, industry: Any, sort: Any) -> tuple[Any, ...]:
    """URL values → valid choices (a bad value falls back to the default, never an error page)."""
    measure = choice(measure, service.MEASURES, "va")
    region = choice(region, service.REGIONS, config.OUTSIDE_TOKYO_AREA_CODE)
    years = service.years(measure)
    y1 = safe_int(year1)
    y1 = y1 if y1 in years else years[-1]
    y0 = safe_int(year0)
    y0 = y0 if y0 in years and y0 <= y1 else years[0]
    keys = [i.key for i in service.industries(measure)]
    industry = choice(industry, tuple(keys), "manufacturing" if "manufacturing" in keys else keys[0])
    return region, measure, y0, y1, industry, choice(sort, SORTS, "code")


def _name(code: str, result: IndustryResult, lang: str) -> str:
    n = result.region_names.get(code, (code, code))
    return n[0] if lang == "ja" else n[1]


def _composition(r: IndustryResult, lang: str) -> html.Figure:
    c = r.composition
    unit = t("百万円", "million yen", lang) if r.measure == "va" else t("人", "persons", lang)
    rows = [
        [
            row.name_ja if lang == "ja" else row.name_en,
            format_number(row.value0, 0),
            format_number(row.share0, 2),
            format_number(row.value1, 0),
            format_number(row.share1, 2),
            format_signed(row.change_points, 2),
        ]
        for row in c.rows
    ]
    headers = [
        t("産業", "Industry", lang),
        f"{c.year0}（{unit}）",
        f"{c.year0}（%）",
        f"{c.year1}（{unit}）",
        f"{c.year1}（%）",
        t("構成比の変化（ポイント）", "Change (points)", lang),
    ]
    top = max(c.rows, key=lambda x: x.share1 or 0)
    summary = t(
        f"{_name(r.region, r, lang)}の{c.year1}年の構成比が最も大きいのは{top.name_ja}（{format_number(top.share1, 1)}%）。",
        f"In {_name(r.region, r, lang)} the largest share in {c.year1} is {top.name_en} ({format_number(top.share1, 1)}%).",
        lang,
    )
    return chart(
        dcc.Graph(figure=industry_figures.composition_figure(r, lang), config=GRAPH, id="industry-composition"),
        t("産業別の構成比", "Composition by industry", lang),
        summary,
        "industry-composition",
        data_table(headers, rows, lang),
    )


def _order(r: IndustryResult, sort: str) -> list[str]:
    codes = [*config.AGGREGATE_CODES[1:], *config.PREFECTURE_CODES]
    if sort == "lq" and r.industry.key in r.lq.columns:
        lq = r.lq[r.industry.key].dropna()
        return sorted(codes, key=lambda c: (c not in lq.index, -float(lq.get(c, 0.0))))  # highest first, gaps last
    return codes


def _heatmap(r: IndustryResult, sort: str, lang: str) -> html.Figure:
    inds = service.industries(r.measure)
    order = _order(r, sort)
    headers = [t("地域", "Region", lang), *((i.name_ja if lang == "ja" else i.name_en) for i in inds)]
    table = r.lq.to_dict(orient="index")
    rows = [[_name(c, r, lang), *(format_number(table.get(c, {}).get(i.key), 2) for i in inds)] for c in order]
    year = r.composition.year1
    return chart(
        dcc.Graph(figure=industry_figures.lq_heatmap(r, order, inds, lang), config=GRAPH, id="industry-heatmap"),
        t(f"特化係数（{year}年、全国=1）", f"Location quotients ({year}, Japan = 1)", lang),
        t(
            "特化係数＝地域の構成比÷全国の構成比。1より大きい産業ほど全国に比べて特化しています（色は対数目盛）。",
            "LQ = the region's share ÷ Japan's share; above 1 the region is specialised (colours on a log scale).",
            lang,
        ),
        "industry-heatmap",
        data_table(headers, rows, lang),
    )


def _map(r: IndustryResult, lang: str) -> html.Div:
    name = r.industry.name_ja if lang == "ja" else r.industry.name_en
    title = t(f"特化係数：{name}（{r.composition.year1}年）", f"LQ: {name} ({r.composition.year1})", lang)
    highlight = [r.region] if r.region in config.PREFECTURE_CODES else []
    return html.Div(
        [
            chart(
                dcc.Graph(figure=figures.choropleth(r.map_cross, title, "", highlight, lang), config=GRAPH),
                title,
                cross_summary(r.map_summary, r.map_ranked, "", 2, lang, t("地図", "Map", lang)),
                "industry-map",
            ),
            map_boundary_note(lang),
            cross_table(r.map_ranked, "LQ", 2, lang),
        ]
    )


def _waterfalls(r: IndustryResult, lang: str) -> html.Section:
    if r.measure != "va":
        return html.Section(
            html.P(
                t(
                    "成長への寄与は県内総生産（付加価値）でのみ計算します。",
                    "Contributions to growth are computed for value added only.",
                    lang,
                )
            )
        )
    if r.waterfall_error or not r.waterfalls:
        return html.Section(html.P(r.waterfall_error or "", className="reason"))
    parts = []
    for w in r.waterfalls:
        name = _name(w.region, r, lang)
        rows = [
            [i.name_ja if lang == "ja" else i.name_en, format_number(i.change, 0), format_signed(i.points, 2)]
            for i in w.items
        ]
        rows.append(
            [
                t("県内総生産（合計）", "GDP (total)", lang),
                format_number(w.gdp1 - w.gdp0, 0),
                format_signed(w.growth_pct, 2),
            ]
        )
        parts.append(
            chart(
                dcc.Graph(figure=industry_figures.waterfall_figure(w, name, lang), config=GRAPH),
                t(f"{name}：成長への寄与", f"{name}: contributions to growth", lang),
                t(
                    f"{name}の県内総生産（名目）は{w.year0}→{w.year1}年度に{format_signed(w.growth_pct, 2)}%。各棒は産業の寄与（ポイント）で、合計が伸び率に一致します。",
                    f"{name}: nominal GDP grew {format_signed(w.growth_pct, 2)}% FY{w.year0}→FY{w.year1}; each bar is an industry's contribution (points), adding up to the growth.",
                    lang,
                ),
                f"industry-waterfall-{w.region}",
                data_table(
                    [
                        t("産業", "Industry", lang),
                        t("増減（百万円）", "Change (million yen)", lang),
                        t("寄与（ポイント）", "Contribution (points)", lang),
                    ],
                    rows,
                    lang,
                ),
            )
        )
    note = t(
        "16経済活動の合計は「小計」で、輸入品に課される税・関税等を含む県内総生産（合計）とは一致しません。その差の増減を「差額」として示し、寄与の合計が伸び率に一致するようにしています。",
        "The 16 activities sum to the subtotal before import taxes and other adjustments, not to GDP; the change of the difference is shown as a residual so that the contributions add up to the growth.",
        lang,
    )
    return html.Section(
        [
            html.H2(t("産業別の成長への寄与", "Which industries drove growth", lang)),
            html.P(note, className="small"),
            html.Div(parts, className="two-col"),
        ],
        id="industry-contributions",
    )


@cache.per_warehouse(maxsize=64)  # as the other pages: a whole view per URL state
def industry_view(
    region: Any, measure: Any, year0: Any, year1: Any, industry: Any, sort: Any, lang: str
) -> tuple[Any, ...]:
    """(body, year options, from, to, industry options, industry, state) for the layout and the callback."""
    region, measure, y0, y1, key, sort = normalise(region, measure, year0, year1, industry, sort)
    r = service.industry(measure, region, y0, y1, key, lang)
    keys = [i.key for i in service.industries(measure)]
    totals = [i for i in r.indicator_ids if i.endswith(("_total", "_subtotal"))]
    groups = [
        (t("値", "values", lang), [f"{measure}_{k}" for k in keys] + totals),
        (t("構成比", "shares", lang), [f"{measure}_share_{k}" for k in keys]),
        (t("特化係数", "location quotients", lang), [f"{measure}_lq_{k}" for k in keys]),
    ]
    downloads = [
        download_bar(
            t(
                f"ダウンロード（{label}、{y0}～{y1}年{f'・{n + 1}' if len(chunks(ids)) > 1 else ''}）:",
                f"Download ({label}, {y0}–{y1}{f', {n + 1}' if len(chunks(ids)) > 1 else ''}):",
                lang,
            ),
            lang,
            f"industry-{g}-{n}",
            data=DataQuery(part, list(service.REGIONS), y0, y1),
        )
        for g, (label, ids) in enumerate(groups)
        for n, part in enumerate(chunks(ids))
    ]
    body = [
        html.H2(_name(region, r, lang)),
        _composition(r, lang),
        html.H2(t("特化係数", "Location quotients", lang)),
        html.Div([_heatmap(r, sort, lang), _map(r, lang)]),
        _waterfalls(r, lang),
        *downloads,
    ]
    year_opts = [{"label": str(y), "value": y} for y in service.years(measure)]
    ind_opts = [
        {"label": i.name_ja if lang == "ja" else i.name_en, "value": i.key} for i in service.industries(measure)
    ]
    state = {
        "region": region,
        "measure": measure,
        "from": y0,
        "to": y1,
        "industry": key,
        "sort": sort,
        "lang": lang if lang == "en" else None,
    }
    return body, year_opts, y0, y1, ind_opts, key, state
