"""Dash component builders (no data access): KPI cards, status badges, source lines."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash.a11y import aria as _aria
from kpidash.formatting import format_number, format_signed

STATUS_ICON = {
    "achieved": "★",
    "on_track": "▲",
    "needs_acceleration": "◆",
    "off_track": "▼",
    "cannot_tell": "？",
    "no_data": "－",
}
CITATION = (
    "出典：総務省「住民基本台帳に基づく人口、人口動態及び世帯数」、総務省統計局「住民基本台帳人口移動報告」「労働力調査」"
    "「国勢調査」、内閣府経済社会総合研究所「県民経済計算」、独立行政法人統計センター「SSDSE」を加工して作成"
)


def status_badge(k: dict[str, Any], lang: str = "ja") -> html.Span:
    label = k["status_label_ja"] if lang == "ja" else k["status_label_en"]
    # Icon + text: the status is never conveyed by colour alone.
    return html.Span(
        [html.Span(STATUS_ICON[k["status"]], **_aria("hidden", "true")), f" {label}"],
        className=f"badge status-{k['status']}",
    )


def sparkline(k: dict[str, Any]) -> dcc.Graph | html.Div:
    pts = k["series"]
    if len(pts) < 2:
        return html.Div(className="spark-empty")
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Scatter(
            x=[p["period"] for p in pts],
            y=[p["value"] for p in pts],
            mode="lines",
            line={"color": "#0b5cad", "width": 2},
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        height=60,
        margin={"l": 0, "r": 0, "t": 4, "b": 4},
        xaxis={"visible": False},
        yaxis={"visible": False},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        showlegend=False,
    )
    graph = dcc.Graph(figure=fig, config={"displayModeBar": False, "staticPlot": True}, className="sparkline")
    return html.Div(graph, **_aria("hidden", "true"))  # decorative: the numbers are in the card text


def kpi_card(k: dict[str, Any], lang: str = "ja") -> html.Article:
    ja = lang == "ja"
    d = k["decimals"]
    unit = k["unit"]
    latest, base, target = k["latest"], k["baseline"], k["target"]

    def val(p: dict[str, Any] | None) -> str:
        return f"{format_number(p['value'], d)} {unit} ({p['period']})" if p else ("データなし" if ja else "no data")

    tgt = (
        f"{format_number(target['value'], d)} {unit}" if target["value"] is not None else target["text_ja"]
    ) + f" ({target['year']})"
    rows = [
        html.Div([html.Dt("最新値" if ja else "Latest"), html.Dd(val(latest))]),
        html.Div([html.Dt("基準値" if ja else "Baseline"), html.Dd(val(base))]),
        html.Div([html.Dt("2029年目標" if ja else "2029 target"), html.Dd(tgt)]),
    ]
    if k.get("projection"):
        p = k["projection"]
        rows.append(
            html.Div(
                [
                    html.Dt("2029年予測" if ja else "2029 projection"),
                    html.Dd(
                        f"{format_number(p['value'], d)} ({format_number(p['low'], d)}～{format_number(p['high'], d)}) {unit}"
                    ),
                ]
            )
        )
    notes = []
    if k["proxy"]:
        notes.append(
            html.P(
                "代理指標による値です（KPIそのものではありません）。" if ja else "Proxy value, not the KPI itself.",
                className="proxy-note",
            )
        )
    if k.get("headline_variant") == "h30_release":
        notes.append(
            html.P(
                "県内就業者数のある平成30年度版（〜2018年度）で計算。最新公表系列（〜2022年度）は代理指標として別掲。"
                if ja
                else "Computed on the FY2006–2018 release (with persons employed); the latest release is shown as a proxy.",
                className="muted small",
            )
        )
    return html.Article(
        [
            html.Header(
                [
                    html.Span(f"目標{k['goal']}" if ja else f"Goal {k['goal']}", className="goal-tag"),
                    status_badge(k, lang),
                ]
            ),
            html.H3(
                dcc.Link(k["name_ja"] if ja else k["name_en"], href=f"/kpi/{k['id']}" + ("" if ja else "?lang=en"))
            ),
            sparkline(k),
            html.Dl(rows, className="kpi-facts"),
            html.P(k["reason_ja"] if ja else k["reason_en"], className="reason"),
            *notes,
        ],
        className=f"kpi-card card status-border-{k['status']}",
        **_aria("label", k["name_ja"] if ja else k["name_en"]),
    )


def source_footer() -> html.Footer:
    return html.Footer(
        [
            html.P(CITATION, className="citation"),
            html.P(
                ["ライセンス：政府標準利用規約（第2.0版）等 ・ ", html.A("データと出典について", href="/about")],
                className="muted small",
            ),
        ],
        className="site-footer",
    )


def growth_text(value: float | None) -> str:
    return format_signed(value, 1, "ポイント")


def metadata_panel(ind: dict[str, Any], lang: str = "ja", open_: bool = False) -> html.Details:
    """Definition, unit, source, vintage, licence, caveats and the 出典 line of one indicator."""
    from kpidash import queries  # local: components stay free of data access at import time

    src = queries.sources()
    row = src[src["source_id"] == ind["source_id"]]
    s = row.iloc[0].to_dict() if not row.empty else {}
    ja = lang == "ja"
    items = [
        ("定義" if ja else "Definition", ind.get("description") or "—"),
        ("単位" if ja else "Unit", ind.get("unit") or "—"),
        (
            "期間" if ja else "Periods",
            f"{ind.get('first_period')}–{ind.get('last_period')}（{ind.get('period_type')}）",
        ),
        ("作成者" if ja else "Publisher", s.get("publisher", "—")),
        ("統計表" if ja else "Table", f"{s.get('title', '')} {s.get('table_name', '')}"),
        ("版" if ja else "Vintage", s.get("vintage", "—")),
        ("ライセンス" if ja else "Licence", s.get("licence", "—")),
        ("注意" if ja else "Caveats", ind.get("caveats") or "—"),
    ]
    citation = f"出典：{s.get('citation_ja', '')}を加工して作成" if s else ""
    return html.Details(
        [
            html.Summary(
                ("指標の説明と出典" if ja else "About this indicator and its source") + f"（{ind['indicator_id']}）"
            ),
            html.Dl([html.Div([html.Dt(k), html.Dd(v)]) for k, v in items], className="meta-list"),
            html.P(citation, className="citation"),
            html.P(html.A(s.get("url", ""), href=s.get("url", "")) if s.get("url") else ""),
        ],
        className="metadata-panel",
        open=open_,
    )
