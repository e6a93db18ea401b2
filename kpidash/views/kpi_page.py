"""/kpi/<id>: one KPI in depth: progress chart, breakdown by prefecture, components, method and sources."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash import config
from kpidash.figures import charts as figures
from kpidash.formatting import format_number
from kpidash.service import explore
from kpidash.service.explore import Breakdown, Component
from kpidash.views.components import chart, data_table, status_badge
from kpidash.views.tables import cross_table, series_table
from kpidash.views.text import cross_summary, map_boundary_note, series_summary, t


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


def _breakdown(bd: Breakdown, lang: str) -> html.Section:
    title = t(bd.title_ja, bd.title_en, lang)

    def graph(figure: Any, kind: str, key: str) -> html.Figure:
        summary = cross_summary(bd.summary, bd.ranked, bd.unit, 1, lang, kind)
        return chart(dcc.Graph(figure=figure, config={"displaylogo": False}), title, summary, key)

    tokyo_area = list(config.TOKYO_AREA_CODES)
    return html.Section(
        [
            html.H2(t("都道府県別の内訳", "Breakdown by prefecture", lang)),
            html.Div(
                [
                    graph(
                        figures.choropleth(bd.cross, title, bd.unit, [], lang),
                        t("地図", "Map", lang),
                        "kpi-breakdown-map",
                    ),
                    graph(
                        figures.ranking_bar(bd.cross, title, bd.unit, tokyo_area, {}, "value", lang),
                        t("ランキング", "Ranking", lang),
                        "kpi-breakdown-bar",
                    ),
                ],
                className="two-col",
            ),
            map_boundary_note(lang),
            cross_table(bd.ranked, bd.unit, 1, lang),
        ]
    )


def _component(c: Component, i: int, lang: str) -> html.Figure:
    label = c.label_ja if lang == "ja" else c.label_en
    return chart(
        dcc.Graph(figure=figures.lines(c.frame, label, c.unit, "", lang), config={"displaylogo": False}),
        label,
        series_summary(c.lines, str(c.unit), c.decimals, "", lang),
        f"kpi-component-{i}",
        series_table(c.lines, c.decimals, "", lang),
    )


def _method(k: dict[str, Any], lang: str) -> html.Section:
    tgt = k["target"]
    return html.Section(
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


def kpi_body(kpi_id: str, lang: str) -> list[Any]:
    page = explore.kpi_page(kpi_id, lang)
    if page is None:
        return [
            html.H1(t("KPIが見つかりません", "KPI not found", lang)),
            html.P(html.A(t("概要へ", "Back", lang), href="/")),
        ]
    k = page.kpi
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
    if page.breakdown is not None:
        parts.append(_breakdown(page.breakdown, lang))
    if page.components:
        parts.append(html.H2(t("構成要素・関連系列", "Components", lang)))
        parts.append(html.Div([_component(c, i, lang) for i, c in enumerate(page.components)], className="two-col"))
    if k.get("context_indicators"):
        links = [html.Li(html.A(name, href=f"/compare?indicator={i}&lang={lang}")) for i, name in page.context]
        parts.append(
            html.Section(
                [
                    html.H2(t("文脈指標（KPIそのものではありません）", "Context indicators (not the KPI)", lang)),
                    html.Ul(links),
                ]
            )
        )
    parts.append(_method(k, lang))
    return parts
