"""/region/<code>: one prefecture across every indicator of a theme, against the nation and its peers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from kpidash import config
from kpidash.figures.explore import region_chart_title, region_figure
from kpidash.formatting import format_number, period_label
from kpidash.service import explore
from kpidash.service.explore import PeerBasis, RegionProfile
from kpidash.views.components import chart
from kpidash.views.downloads import DataQuery, chunks, download_bar
from kpidash.views.text import spine_summary, t

TABLE_HEADERS = {
    "ja": ["指標", "この県", "全国", "47県の中央値", "順位（大きい順）", "期間"],
    "en": ["Indicator", "Value", "Japan", "Median of 47", "Rank (desc.)", "Period"],
}


def _peer_reason(basis: PeerBasis | None, lang: str) -> str:
    if lang != "ja":
        return (
            "Nearest five on standardised population size, ageing rate, income per capita and tertiary-industry share."
        )
    if basis is None:
        return ""
    return (
        f"人口規模（総人口 {basis.population}年）、高齢化率（{basis.ageing}年）、1人当たり県民所得（{basis.income}年度）、"
        f"第3次産業就業者の割合（国勢調査{basis.census}年）を標準化し、距離が近い順に5県を選んでいます。"
    )


def _downloads(p: RegionProfile, lang: str) -> list[html.Div]:
    """Links for the theme on screen: its indicators at the periods shown for 全国 and the 47 prefectures (the
    chart places the prefecture among them), one request per period and per 20 indicators (the API's limit)."""
    regions = [config.NATIONAL_CODE, *config.PREFECTURE_CODES]
    groups = [(period, part) for period, ids in p.by_period for part in chunks(ids)]
    chart_q = {"page": "region", "region": p.code, "theme": p.theme, "lang": lang if lang == "en" else None}
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


def _peers(p: RegionProfile, lang: str) -> html.Section:
    return html.Section(
        [
            html.H2(t("似た県（比較の相手）", "Similar prefectures", lang)),
            html.Ul([html.Li(html.A(peer.name, href=f"/region/{peer.code}?lang={lang}")) for peer in p.peers]),
            html.P(_peer_reason(p.basis, lang), className="small muted"),
            html.P(
                html.A(
                    t("似た県と推移を比べる", "Compare trends with these", lang),
                    href="/trends?"
                    + urlencode(
                        {
                            "indicator": "income_per_capita",
                            "regions": ",".join([p.code, *[peer.code for peer in p.peers], "00"]),
                            "lang": lang,
                        }
                    ),
                )
            ),
        ],
        className="card",
    )


def _table(rows: pd.DataFrame, lang: str) -> html.Details:
    body = [
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
        for x in rows.itertuples()
    ]
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in TABLE_HEADERS["ja" if lang == "ja" else "en"]]))
    return html.Details(
        [html.Summary(t("表で見る", "Show as a table", lang)), html.Table([head, html.Tbody(body)], className="table")],
        open=False,
    )


def region_body(region_code: str, theme: str | None, lang: str) -> tuple[list[Any], list[str], str]:
    """The page body, every theme with data for the prefecture and the theme shown."""
    p = explore.region_profile(region_code, theme, lang)
    if p is None:
        return (
            [
                html.H1(t("地域が見つかりません", "Region not found", lang)),
                html.P(html.A(t("概要へ", "Back", lang), href="/")),
            ],
            [],
            "",
        )
    return (
        [
            html.H1(f"{p.name}（{p.block}）"),
            _peers(p, lang),
            html.H2(t(f"全指標の位置（分野: {p.theme}）", f"Position on every indicator (theme: {p.theme})", lang)),
            html.P(
                t(
                    "横棒は47都道府県の中央50%、縦線は中央値、点がこの県です（左端＝最小、右端＝最大）。",
                    "Bar: middle 50 % of prefectures; tick: median; dot: this prefecture (left = min, right = max).",
                    lang,
                ),
                className="small",
            ),
            chart(
                dcc.Graph(figure=region_figure(p.rows, lang), id="region-spine", config={"displaylogo": False}),
                region_chart_title(p.name, p.theme, lang),
                spine_summary(p.summary, p.name, lang),
                "region-spine",
                _table(p.rows, lang),
            ),
            *_downloads(p, lang),
        ],
        p.themes,
        p.theme,
    )
