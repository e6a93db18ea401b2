"""Page bodies built from computed data (pages/ only pick parameters and call these)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from kpidash.analysis import progress
from kpidash.service import sources
from kpidash.views import components
from kpidash.views.a11y import aria as _aria


def own_kpis(kpis: list[dict[str, Any]], errors: list[dict[str, Any]], lang: str) -> html.Section | None:
    """The analyst's own KPIs (data/local/kpis.yaml) in their own section, labelled as such; None when there are none."""
    if not kpis and not errors:
        return None
    ja = lang == "ja"
    parts: list[Any] = [
        html.H2("自分のKPI（利用者が登録）" if ja else "Own KPIs (added by the user)"),
        html.P(
            "利用者が登録したKPIです。国の総合戦略のKPIではなく、利用者が提供した値は公的統計ではありません。"
            if ja
            else "KPIs added by the user: not the strategy's KPIs; values supplied by the user are not official statistics.",
            className="small",
        ),
        html.Div([components.kpi_card(k, lang) for k in kpis], className="card-row"),
    ]
    if errors:
        parts.append(
            html.Details(
                [
                    html.Summary(f"読み込めなかった項目（{len(errors)}件）" if ja else f"Not loaded ({len(errors)})"),
                    html.Ul([html.Li(e["text"]) for e in errors]),
                ],
                open=True,
                className="local-errors",
            )
        )
    parts.append(
        html.P(
            html.A("自分のKPIを管理する →" if ja else "Manage own KPIs →", href="/my-kpis" + ("" if ja else "?lang=en"))
        )
    )
    return html.Section(parts, className="goal own-kpis", id="own-kpis")


def overview(
    kpis: list[dict[str, Any]], catalogue: pd.DataFrame, lang: str = "ja", own: html.Section | None = None
) -> html.Div:
    ja = lang == "ja"
    goals: dict[int, list[dict[str, Any]]] = {}
    for k in kpis:
        goals.setdefault(k["goal"], []).append(k)
    goal_names = {
        1: ("強い経済", "A strong economy"),
        2: ("豊かな生活環境", "A rich living environment"),
        3: ("選ばれる地方", "Regions people choose"),
    }
    sections = [
        html.Section(
            [
                html.H2(f"目標{g}　{goal_names[g][0]}" if ja else f"Goal {g}: {goal_names[g][1]}"),
                html.Div([components.kpi_card(k, lang) for k in goals[g]], className="card-row"),
            ],
            className="goal",
            **_aria("label", goal_names[g][0]),
        )
        for g in sorted(goals)
    ]
    themes = catalogue.groupby("theme", sort=True)
    cat = html.Section(
        [
            html.H2("読み込まれている指標" if ja else "Loaded indicators"),
            html.P(
                f"{len(catalogue)} 指標（分野別）。期間は年度または年、地域数は都道府県の数です。"
                if ja
                else f"{len(catalogue)} indicators by theme."
            ),
            *[
                html.Details(
                    [
                        html.Summary(f"{theme}（{len(df)}）"),
                        html.Table(
                            [
                                html.Thead(
                                    html.Tr(
                                        [
                                            html.Th("指標" if ja else "Indicator", scope="col"),
                                            html.Th("単位" if ja else "Unit", scope="col"),
                                            html.Th("期間" if ja else "Periods", scope="col"),
                                            html.Th("都道府県" if ja else "Prefectures", scope="col"),
                                            html.Th("出典ID" if ja else "Source ID", scope="col"),
                                        ]
                                    )
                                ),
                                html.Tbody(
                                    [
                                        html.Tr(
                                            [
                                                html.Td(r.name_ja if ja else r.name_en),
                                                html.Td(r.unit),
                                                html.Td(f"{r.first_period}–{r.last_period}"),
                                                html.Td(r.n_prefectures),
                                                html.Td(html.Code(r.source_id)),
                                            ]
                                        )
                                        for r in df.itertuples()
                                    ]
                                ),
                            ],
                            className="table",
                        ),
                    ]
                )
                for theme, df in themes
            ],
        ],
        className="catalogue",
    )
    method = html.Section(
        [
            html.H2("進捗判定の方法" if ja else "How status is judged"),
            html.P(progress.METHOD_JA if ja else progress.METHOD_EN),
        ],
        className="method",
    )
    return html.Div(
        [
            html.H1("地域未来 KPI ダッシュボード" if ja else "Regional Future KPI Dashboard"),
            html.P(
                "総合戦略（2025年12月23日閣議決定）の3つの政策目標とKPIの進捗（2029年目標）。"
                if ja
                else "Progress of the strategy's three goals towards their 2029 targets.",
                className="lead",
            ),
            *sections,
            *([own] if own is not None else []),
            method,
            cat,
        ],
        className="page",
    )


def about() -> html.Div:
    src = sources.sources_with_coverage()  # data freshness: the periods each source's indicators cover
    rows = [
        html.Tr(
            [
                html.Td(html.Code(r.source_id)),
                html.Td(r.publisher),
                html.Td(f"{r.title} {r.table_name}"),
                html.Td(r.vintage),
                html.Td(f"{int(r.first)}–{int(r.last)}（{int(r.n)}指標）" if r.n == r.n else "—"),
                html.Td(r.licence),
                html.Td(html.A("URL", href=r.url, **_aria("label", f"{r.source_id} のURL")) if r.url else ""),
            ]
        )
        for r in src.itertuples()
    ]
    return html.Div(
        [
            html.H1("データと出典"),
            html.P(
                "すべての値は公的統計の公表値を加工したものです。推計・補間・穴埋めは行っていません。欠測は欠測のまま表示します。"
            ),
            html.P(components.CITATION, className="citation"),
            html.P(
                f"ウェアハウス作成: {sources.warehouse_built()}。収録期間は各出典の指標が持つ最初と最後の期間（年度または年）です。",
                className="small",
            ),
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(h, scope="col")
                                for h in ("ID", "作成者", "統計表", "版", "収録期間", "ライセンス", "URL")
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                className="table",
            ),
            html.H2("進捗判定の方法", id="method"),  # target of the KPI pages' "進捗判定の方法" link
            html.P(progress.METHOD_JA),
            html.Dl(
                [
                    html.Div([html.Dt(html.Code(status)), html.Dd(f"{progress.STATUS_LABELS[status][0]}：{rule[0]}")])
                    for status, rule in progress.STATUS_RULES.items()
                ],
                className="status-rules",
            ),
        ],
        className="page",
    )
