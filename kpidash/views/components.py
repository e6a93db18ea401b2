"""Dash component builders (no data access): KPI cards, status badges, source lines."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any
from urllib.parse import quote

from dash import dcc, html

from kpidash.data import cache as memo
from kpidash.formatting import format_number, format_signed, period_label
from kpidash.views.a11y import aria as _aria

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
    """Decorative trend line of a KPI card (the numbers are in the card text), drawn as a tiny inline SVG image.

    An <img> with a data: URL instead of a plotly graph: the overview then needs no plotly.js (1.4 MB compressed).
    """
    pts = [
        (float(p["period"]), float(p["value"]))
        for p in [*(k.get("context") or {}).get("series", []), *k["series"][1:]]
        if p.get("value") is not None and not (isinstance(p["value"], float) and math.isnan(p["value"]))
    ]
    if len(pts) < 2:
        return html.Div(className="spark-empty")
    w, h, pad = 300.0, 60.0, 4.0
    (x0, x1), (y0, y1) = (
        (min(x for x, _ in pts), max(x for x, _ in pts)),
        (min(y for _, y in pts), max(y for _, y in pts)),
    )
    path = " L".join(
        f"{(x - x0) / ((x1 - x0) or 1) * w:.1f},{h - pad - (y - y0) / ((y1 - y0) or 1) * (h - 2 * pad):.1f}"
        for x, y in pts
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" preserveAspectRatio="none">'
        f'<path d="M{path}" fill="none" stroke="#0b5cad" stroke-width="2" vector-effect="non-scaling-stroke"/></svg>'
    )
    img = html.Img(src="data:image/svg+xml;utf8," + quote(svg), alt="", className="sparkline")
    return html.Div(img, **_aria("hidden", "true"))


def kpi_card(k: dict[str, Any], lang: str = "ja") -> html.Article:
    ja = lang == "ja"
    d = k["decimals"]
    unit = k["unit"] if ja else k.get("unit_en") or k["unit"]
    latest, base, target = k["latest"], k["baseline"], k["target"]
    ctx = k.get("context") or {}

    period_type = k["strategy_baseline"]["period_type"]

    def val(p: dict[str, Any] | None) -> str:
        if not p:
            return "データなし" if ja else "no data"
        return f"{format_number(p['value'], d)} {unit} ({period_label(p['period'], period_type, lang)})"

    tgt = (
        f"{format_number(target['value'], d)} {unit}" if target["value"] is not None else target["text_" + lang]
    ) + f" ({target['year']})"
    base_label = period_label(k["base_year"], period_type, lang)
    base_text = val(base) if base else f"{base_label}（{'値は未読み込み' if ja else 'not loaded'}）"
    rows = [html.Div([html.Dt("基準年" if ja else "Base year"), html.Dd(base_text)])]
    if latest:
        rows.append(html.Div([html.Dt("基準年以降の最新値" if ja else "Latest since the base"), html.Dd(val(latest))]))
    elif k.get("variants"):
        for v in k["variants"]:  # growth KPIs: each release's growth up to the base, as context
            if not v["context_series"]:
                continue
            last = v["context_series"][-1]
            span = f"{period_label(v['context_base'], 'fiscal_year', lang)}→{period_label(last['period'], 'fiscal_year', lang)}"
            tag = ("・代理指標" if ja else ", proxy") if v["proxy"] else ""
            label = (
                f"参考：{span}（{v['label_ja'].split('（')[0]}{tag}）"
                if ja
                else f"Context: {span} ({v['label_en'].split(' (')[0]}{tag})"
            )
            rows.append(
                html.Div([html.Dt(label), html.Dd(f"{format_signed(last['value'], d)} {unit}")], className="context")
            )
    elif ctx.get("latest"):
        label = "基準年までの最新値（参考）" if ja else "Latest up to the base (context)"
        rows.append(html.Div([html.Dt(label), html.Dd(val(ctx["latest"]))], className="context"))
    rows.append(html.Div([html.Dt("2029年目標" if ja else "2029 target"), html.Dd(tgt)]))
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
    if k.get("user_supplied"):
        notes.append(html.P(k["supplied_note_ja"] if ja else k["supplied_note_en"], className="proxy-note"))
    if k["proxy"]:
        notes.append(
            html.P(
                "代理指標による値です（KPIそのものではありません）。" if ja else "Proxy value, not the KPI itself.",
                className="proxy-note",
            )
        )
    if k.get("variants"):
        v = max(k["variants"], key=lambda x: x["last_period"])
        href = f"/industry?region=NTK&from={v['context_base']}&to={v['last_period']}" + ("" if ja else "&lang=en")
        notes.append(
            html.P(
                dcc.Link(
                    "何が伸びを牽引したか（産業構造）→" if ja else "What drove the growth (industry) →", href=href
                ),
                className="small",
            )
        )
    rel = k.get("releases") or []
    if rel:
        notes.append(
            html.P(
                rel[0]["next_ja"] if ja else rel[0]["next_en"],
                className="muted small next-release",
            )
        )
    return html.Article(
        [
            html.Header(
                [
                    html.Span(
                        (f"目標{k['goal']}" if ja else f"Goal {k['goal']}")
                        if not k.get("local")
                        else (f"自分のKPI・{k['region_name_ja']}" if ja else f"Own KPI · {k['region_name_en']}"),
                        className="goal-tag",
                    ),
                    status_badge(k, lang),
                ]
            ),
            html.H3(
                dcc.Link(k["name_ja"] if ja else k["name_en"], href=f"/kpi/{k['id']}" + ("" if ja else "?lang=en"))
            ),
            sparkline(k),
            html.Dl(rows, className="kpi-facts"),
            html.P(k["reason_ja"] if ja else k["reason_en"], className="reason"),
            html.P(("根拠：" if ja else "Why: ") + (k["why_ja"] if ja else k["why_en"]), className="why small"),
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
        lang="ja",  # always Japanese, also on ?lang=en pages (WCAG 3.1.2 language of parts)
    )


@memo.per_warehouse(maxsize=512, catalogue=True)  # the indicator's definition and sources: not per selection
def metadata_panel(ind: dict[str, Any], lang: str = "ja", open_: bool = False) -> html.Details:
    """Definition, unit, source, vintage, licence, caveats and the 出典 line of one indicator (built once per
    indicator, language and warehouse version; shared, not to be mutated)."""
    from kpidash.service import sources  # local: components stay free of data access at import time

    s: dict[str, Any] = sources.source(str(ind["source_id"]))
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
            html.P(citation, className="citation", lang="ja"),
            html.P(html.A(s.get("url", ""), href=s.get("url", "")) if s.get("url") else ""),
        ],
        className="metadata-panel",
        open=open_,
    )


def chart(graph: dcc.Graph, name: str, summary: str, key: str, table: Any = None) -> html.Figure:
    """A chart with its text alternative (WCAG 1.1.1): a <figure> named by the chart title, described by a one-sentence
    summary of what it shows (aria-describedby → the visible caption) and, optionally, a table with the same numbers.

    The graph's box has the figure's height before plotly.js has drawn it, so nothing below it moves (CLS).
    """
    fig = getattr(graph, "figure", None) or {}
    layout = fig.get("layout", {}) if isinstance(fig, dict) else getattr(fig, "layout", None)
    height = (layout.get("height") if isinstance(layout, dict) else getattr(layout, "height", None)) or 450
    setattr(graph, "style", {"height": f"{height}px", **(getattr(graph, "style", None) or {})})  # noqa: B010
    desc_id = f"{key}-summary"
    children: list[Any] = [
        # min-height on a wrapper: dcc.Graph renders nothing until its lazy chunk and plotly.js have loaded.
        html.Div(graph, className="chart-graph", style={"minHeight": f"{height}px"}),
        html.Figcaption(summary, id=desc_id, className="chart-summary", **_aria("live", "polite")),
    ]
    if table is not None:
        children.append(table)
    return html.Figure(children, className="chart", **_aria("label", name), **_aria("describedby", desc_id))


LAZY_TABLE = "kpi-lazy-table"  # pattern-matching id type of a closed table's parts (assets/app.js fillTable)


def data_table(
    headers: list[str], rows: list[list[Any]], lang: str = "ja", caption: str | None = None, open_: bool = False
) -> html.Details:
    """A plain HTML table behind a "表で見る" disclosure: column headers with scope, the first cell a row header.

    A closed table is sent as data and built in the browser when it is first opened (a clientside callback on the
    summary's clicks, which keyboard activation of a <summary> fires too): a 47-row table is ~200 Dash components
    that every page view would otherwise build, send and render while nobody has asked to see them.
    """
    summary = "表で見る" if lang == "ja" else "Show as a table"
    if open_:
        body = [html.Tr([html.Th(r[0], scope="row"), *[html.Td(v, className="num") for v in r[1:]]]) for r in rows]
        table = html.Table(
            [
                *([html.Caption(caption)] if caption else []),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                html.Tbody(body),
            ],
            className="table",
        )
        return html.Details([html.Summary(summary), table], open=True)
    data = {"headers": [str(h) for h in headers], "rows": [[str(v) for v in r] for r in rows], "caption": caption}
    key = hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]  # unique per content
    return html.Details(
        [
            html.Summary(summary, id={"type": LAZY_TABLE, "part": "summary", "key": key}, n_clicks=0),
            html.Div(id={"type": LAZY_TABLE, "part": "body", "key": key}),
            dcc.Store(id={"type": LAZY_TABLE, "part": "data", "key": key}, data=data),
        ]
    )


def dropdown_labels(lang: str = "ja") -> dcc.Dropdown.Labels:
    """Texts inside dcc.Dropdown (its defaults are English)."""
    if lang != "ja":
        return {
            "select_all": "Select all",
            "deselect_all": "Deselect all",
            "selected_count": "{num_selected} selected",
            "search": "Search",
            "clear_search": "Clear search",
            "clear_selection": "Clear selection",
            "no_options_found": "No options found",
        }
    return {
        "select_all": "すべて選択",
        "deselect_all": "選択をすべて解除",
        "selected_count": "{num_selected}件を選択中",
        "search": "検索",
        "clear_search": "検索語を消去",
        "clear_selection": "選択を解除",
        "no_options_found": "該当するものがありません",
    }
