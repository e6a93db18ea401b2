"""/indicator/<id>: definition, source and the aggregate series of one indicator."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash.figures import charts as figures
from kpidash.service import explore
from kpidash.views.components import chart, metadata_panel
from kpidash.views.tables import series_table
from kpidash.views.text import series_summary, t


def indicator_body(indicator_id: str, lang: str) -> list[Any]:
    page = explore.indicator_page(indicator_id, lang)
    if page is None:
        return [html.H1(t("指標が見つかりません", "Indicator not found", lang))]
    ind = page.indicator
    name = ind["name_ja"] if lang == "ja" else ind["name_en"]
    parts: list[Any] = [html.H1(name)]
    if not page.panel.empty:
        title = t("全国・東京圏・東京圏以外", "Japan, Tokyo area, rest", lang)
        decimals, ptype = int(ind["decimals"]), str(ind["period_type"])
        parts.append(
            chart(
                dcc.Graph(
                    figure=figures.lines(page.panel, title, str(ind["unit"]), "", lang), config={"displaylogo": False}
                ),
                f"{name}：{title}",
                series_summary(page.lines, str(ind["unit"]), decimals, ptype, lang),
                "indicator-graph",
                series_table(page.lines, decimals, ptype, lang),
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
