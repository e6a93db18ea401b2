"""/kpi/<id>: one KPI in depth: progress chart, breakdown by prefecture, components, method and sources."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash import config
from kpidash.figures import charts as figures
from kpidash.figures import kpi as kpi_figures
from kpidash.formatting import format_number
from kpidash.service import explore
from kpidash.service.explore import Breakdown, Component, KpiPage
from kpidash.views import kpi_sections
from kpidash.views.components import chart, data_table, status_badge
from kpidash.views.tables import cross_table, series_table
from kpidash.views.text import cross_summary, map_boundary_note, series_summary, t


def _kpi_summary(k: dict[str, Any], lang: str) -> str:
    """Base, latest after the base (or the latest context value), the target and the status, in one sentence."""
    d = k["decimals"]
    unit = k["unit"] if lang == "ja" else k["unit_en"]

    def val(p: dict[str, Any] | None) -> str:
        return f"{format_number(p['value'], d)} {unit}（{p['period']}）" if p else t("データなし", "no data", lang)

    tgt = k["target"]
    target = f"{format_number(tgt['value'], d)} {unit}" if tgt["value"] is not None else tgt["text_" + lang]
    status = k["status_label_ja"] if lang == "ja" else k["status_label_en"]
    ctx = k.get("context") or {}
    if k["latest"] is None and ctx.get("latest"):
        return t(
            f"基準年 {k['base_year']} より後の実績はまだありません。基準年までの最新値（参考）{val(ctx['latest'])}、"
            f"{tgt['year']}年の目標 {target}。判定：{status}。",
            f"No observation after the base year {k['base_year']} yet. Latest up to the base (context) "
            f"{val(ctx['latest'])}; target for {tgt['year']}: {target}. Status: {status}.",
            lang,
        )
    return t(
        f"基準値 {val(k['baseline'])}、最新値 {val(k['latest'])}、{tgt['year']}年の目標 {target}。判定：{status}。",
        f"Base {val(k['baseline'])}, latest {val(k['latest'])}, target for {tgt['year']}: {target}. Status: {status}.",
        lang,
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
    return html.Section(
        [
            html.H2(t("進捗判定の方法", "How status is judged", lang)),
            html.P(t(f"予測：{k['projection_method_ja']}。", f"Projection: {k['projection_method_en']}.", lang)),
            html.P(html.A(t("判定のルール（全ステータス）", "The rules of every status", lang), href="/about#method")),
        ]
    )


def _path(page: KpiPage, lang: str) -> Any:
    k = page.kpi
    ctx = k.get("context") or {}
    points = [*ctx.get("series", []), *k["series"][1:]] if ctx else k["series"]
    if not points:
        return html.Div(t("データが読み込まれていません。", "No data loaded.", lang), className="card no-data")
    rows = [[str(p["period"]), format_number(p["value"], k["decimals"])] for p in points]
    unit = k["unit"] if lang == "ja" else k["unit_en"]
    return chart(
        dcc.Graph(figure=kpi_figures.kpi_path(k, lang), id="kpi-progress", config={"displaylogo": False}),
        t(f"{k['name_ja']}：2029年への経路", f"{k['name_en']}: the path to 2029", lang),
        _kpi_summary(k, lang),
        "kpi-progress",
        data_table([t("期間", "Period", lang), unit], rows, lang),
    )


def _growth(page: KpiPage, lang: str) -> html.Section:
    k, g = page.kpi, page.growth
    variants = k["variants"]
    chosen = next((v for v in variants if v["key"] == page.variant), variants[0])
    years = list(range(chosen["first_period"], chosen["last_period"]))
    if page.base_year not in years:
        years = sorted({*years, page.base_year})
    parts: list[Any] = [
        html.H2(t("基準年度を選んで伸び率を計算", "Growth from a chosen base year", lang)),
        html.P(
            t(
                "総合戦略の基準年度以外を選んだ場合の値は参考で、判定には使いません。",
                "A base year other than the strategy's gives context, never a status.",
                lang,
            ),
            className="small",
        ),
        kpi_sections.base_year_form(k["id"], years, page.base_year, variants, page.variant, lang),
    ]
    if g is not None:
        parts.append(kpi_sections.growth_table(g, lang))
    else:
        parts.append(html.P(page.growth_error or "", className="reason", id="kpi-growth-error"))
    releases_fig = kpi_figures.kpi_releases(k, g, lang)
    rows = [
        [
            str(p["period"]),
            *(
                format_number({q["period"]: q["value"] for q in v["context_series"]}.get(p["period"]), 2)
                for v in variants
            ),
        ]
        for p in sorted(
            {q["period"]: q for v in variants for q in v["context_series"]}.values(), key=lambda q: q["period"]
        )
    ]
    parts.append(
        chart(
            dcc.Graph(figure=releases_fig, id="kpi-releases-chart", config={"displaylogo": False}),
            t("公表系列別の伸び率の差（参考）", "Growth gap by release (context)", lang),
            t(
                "二つのESRI公表系列（基準年が異なり水準は比較できません）を同じ図に示し、系列の断層を縦線で示します。",
                "Both ESRI releases (different base years, levels not comparable) on one chart, the break marked.",
                lang,
            ),
            "kpi-releases-chart",
            data_table(
                [t("年度", "FY", lang), *((v["label_ja"] if lang == "ja" else v["label_en"]) for v in variants)],
                rows,
                lang,
            ),
        )
    )
    last = max(variants, key=lambda x: x["last_period"])
    href = f"/industry?region=NTK&from={last['context_base']}&to={last['last_period']}" + (
        "&lang=en" if lang == "en" else ""
    )
    parts.append(
        html.P(
            html.A(
                t(
                    "何が伸びを牽引したか：産業別の寄与（産業構造）",
                    "What drove the growth: contributions by industry",
                    lang,
                ),
                href=href,
            )
        )
    )
    return html.Section(parts, id="kpi-growth")


def kpi_body(kpi_id: str, lang: str, base_year: int | None = None, variant: str | None = None) -> list[Any]:
    page = explore.kpi_page(kpi_id, lang, base_year, variant)
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
        html.P([html.Strong(t("根拠：", "Why: ", lang)), k["why_ja"] if ja else k["why_en"]], className="why"),
        html.P(k["definition_ja"] if ja else k["definition_en"]),
    ]
    if k.get("note_ja"):
        parts.append(html.P(k["note_ja"] if ja else k["note_en"] or k["note_ja"], className="proxy-note"))
    if k["proxy"]:
        parts.append(
            html.P(
                t(
                    "代理指標による値です（KPIそのものではなく、「達成」にはなりません）。",
                    "Proxy value: not the KPI itself, and never 'achieved'.",
                    lang,
                ),
                className="proxy-note",
            )
        )
    parts.append(kpi_sections.strategy_base(k, lang))
    parts.append(_path(page, lang))
    rel = kpi_sections.releases(k, lang)
    if rel is not None:
        parts.append(rel)
    if k.get("survey"):
        parts.append(kpi_sections.survey_help(k, lang))
    if k.get("variants"):
        parts.append(_growth(page, lang))
    if page.groups:
        years = sorted({p["period"] for p in k.get("counts", [])})[:-1]
        form = kpi_sections.base_year_form(k["id"], years, page.base_year, [], None, lang) if years else None
        parts.append(kpi_sections.groups_table(page.groups, lang, form))
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
