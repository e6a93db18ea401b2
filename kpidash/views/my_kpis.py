"""/my-kpis: the analyst's own KPIs — what is loaded and what was refused, a form that adds a KPI, a CSV upload of
values with a preview, export / import of the whole set, and how writing is turned on. Nothing is stored before the
preview validates; saving goes through kpidash.data.local_store (atomic, with history)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash.formatting import format_number, t
from kpidash.views.components import dropdown_labels, status_badge
from kpidash.views.options import indicator_options, prefecture_options

FORM_FIELDS = (
    "id",
    "name_ja",
    "name_en",
    "region",
    "unit",
    "direction",
    "source_kind",
    "indicator",
    "values",
    "base_year",
    "target_year",
    "target_kind",
    "target_value",
    "target_direction",
    "source",
)


def field_id(name: str) -> str:
    return f"my-kpis-{name.replace('_', '-')}"


def _input(label: str, name: str, lang: str, **props: Any) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=field_id(name), className="control-label"), dcc.Input(id=field_id(name), **props)],
        className="control",
    )


def _radio(label: str, name: str, options: list[tuple[str, str, str]], value: str, lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(label, id=f"{field_id(name)}-label", className="control-label"),
            dcc.RadioItems(
                id=field_id(name),
                options=[{"label": t(ja, en, lang), "value": v} for ja, en, v in options],
                value=value,
                inline=True,
            ),
        ],
        className="control",
    )


def issues_list(issues: list[dict[str, Any]], lang: str) -> html.Div:
    if not issues:
        return html.Div()
    return html.Div(
        [
            html.P(t("次の理由で保存できません（何も変更していません）：", "Refused (nothing was changed):", lang)),
            html.Ul([html.Li(i["text"]) for i in issues]),
        ],
        className="local-errors",
        role="alert",
    )


def own_list(kpis: list[dict[str, Any]], errors: list[dict[str, Any]], lang: str) -> html.Div:
    rows: list[Any] = [
        html.Li(
            [
                dcc.Link(
                    k["name_ja"] if lang == "ja" else k["name_en"],
                    href=f"/kpi/{k['id']}" + ("?lang=en" if lang == "en" else ""),
                ),
                f"（{k['region_name_ja']}）",
                " ",
                status_badge(k, lang),
                html.Span(
                    " " + (k["supplied_note_ja"] if lang == "ja" else k["supplied_note_en"]), className="small muted"
                )
                if k["user_supplied"]
                else "",
            ]
        )
        for k in kpis
    ]
    body: list[Any] = [html.Ul(rows) if rows else html.P(t("まだ登録されていません。", "None yet.", lang))]
    if errors:
        body.append(html.H3(t("読み込めなかった項目", "Not loaded", lang)))
        body.append(
            html.Ul(
                [html.Li(e["text"]) for e in errors],
                className="local-errors",
            )
        )
    return html.Div(body, id="my-kpis-list")


def layout(
    kpis: list[dict[str, Any]], errors: list[dict[str, Any]], policy: Any, folder_note: str, lang: str
) -> html.Div:
    ja = lang == "ja"
    write_note = html.P(
        policy.reason_ja if ja else policy.reason_en, className="small" if policy.writable else "reason"
    )
    token = (
        [_input(t("書き込みトークン", "Write token", lang), "token", lang, type="password", autoComplete="off")]
        if policy.token_required
        else [dcc.Input(id=field_id("token"), type="hidden", value="")]
    )
    form = [
        _input("ID（英小文字・数字・_）" if ja else "Id (a–z, 0–9, _)", "id", lang, type="text", maxLength=64),
        _input("名称（日本語）" if ja else "Name (Japanese)", "name_ja", lang, type="text"),
        _input("名称（英語、任意）" if ja else "Name (English, optional)", "name_en", lang, type="text"),
        html.Div(
            [
                html.Label(
                    t("地域", "Region", lang),
                    htmlFor=field_id("region"),
                    id=f"{field_id('region')}-label",
                    className="control-label",
                ),
                dcc.Dropdown(
                    id=field_id("region"),
                    options=prefecture_options(lang, with_aggregates=True),
                    labels=dropdown_labels(lang),
                ),
                html.Span(
                    t("市区町村は5桁のコードを入力", "Municipalities: type the 5-digit code", lang),
                    className="small muted",
                ),
                dcc.Input(id=field_id("region_code"), type="text", maxLength=5, placeholder="13101"),
            ],
            className="control control-wide",
        ),
        _input(t("単位", "Unit", lang), "unit", lang, type="text", maxLength=50),
        _radio(
            t("望ましい方向", "Better when", lang),
            "direction",
            [("高いほど良い", "Higher", "higher_is_better"), ("低いほど良い", "Lower", "lower_is_better")],
            "higher_is_better",
            lang,
        ),
        _radio(
            t("値の出所", "Values from", lang),
            "source_kind",
            [
                ("カタログの指標", "A catalogue indicator", "indicator"),
                ("アップロードしたCSV", "An uploaded CSV", "values"),
            ],
            "indicator",
            lang,
        ),
        html.Div(
            [
                html.Label(
                    t("指標", "Indicator", lang),
                    htmlFor=field_id("indicator"),
                    id=f"{field_id('indicator')}-label",
                    className="control-label",
                ),
                dcc.Dropdown(
                    id=field_id("indicator"), options=indicator_options(None, lang), labels=dropdown_labels(lang)
                ),
            ],
            className="control control-wide",
        ),
        _input(
            t("値のCSVファイル名（アップロード済み）", "Values CSV name (uploaded)", lang), "values", lang, type="text"
        ),
        _input(t("基準年", "Base year", lang), "base_year", lang, type="number", min=1900, max=2100),
        _input(t("目標年", "Target year", lang), "target_year", lang, type="number", min=1900, max=2100),
        _radio(
            t("目標の種類", "Target kind", lang),
            "target_kind",
            [("値", "A value", "value"), ("方向", "A direction", "direction")],
            "direction",
            lang,
        ),
        _input(t("目標値", "Target value", lang), "target_value", lang, type="number"),
        _radio(
            t("目標の方向", "Target direction", lang),
            "target_direction",
            [("向上", "Increase", "increase"), ("低下", "Decrease", "decrease")],
            "increase",
            lang,
        ),
        _input(t("出典（自由記述）", "Source (text)", lang), "source", lang, type="text"),
    ]
    upload = [
        dcc.Upload(
            html.Div(
                t(
                    "CSVファイルを選ぶ（region_code,year,value[,n,ci_low,ci_high]、UTF-8 または cp932）",
                    "Choose a CSV (region_code,year,value[,n,ci_low,ci_high]; UTF-8 or cp932)",
                    lang,
                )
            ),
            id="my-kpis-upload",
            max_size=1_000_000,
            className="upload",
        ),
        html.Div(id="my-kpis-upload-preview"),
        html.Button(
            t("このCSVを保存", "Save this CSV", lang),
            id="my-kpis-upload-save",
            n_clicks=0,
            disabled=not policy.writable,
        ),
        html.Div(id="my-kpis-upload-result", role="status"),
    ]
    return html.Div(
        [
            html.H1(t("自分のKPI", "Own KPIs", lang)),
            html.P(
                t(
                    "地方版総合戦略などのKPIを、国のKPIと同じ方法（基準年・目標・判定・予測）で追跡します。登録した値は利用者の提供によるもので、公的統計ではありません。",
                    "Track your own strategy's KPIs with the national KPIs' method (base year, target, status, projection). Values you supply are not official statistics.",
                    lang,
                )
            ),
            write_note,
            html.P(folder_note, className="small muted"),
            html.H2(t("登録済みのKPI", "Own KPIs", lang)),
            own_list(kpis, errors, lang),
            html.H2(t("値のCSVをアップロード", "Upload values (CSV)", lang)),
            *upload,
            html.H2(t("KPIを追加・更新", "Add or update a KPI", lang)),
            html.Div([*token, *form], className="controls"),
            html.Button(t("確認（プレビュー）", "Preview", lang), id="my-kpis-preview", n_clicks=0),
            html.Button(t("保存", "Save", lang), id="my-kpis-save", n_clicks=0, disabled=not policy.writable),
            html.Pre(id="my-kpis-yaml", className="small"),
            html.Div(id="my-kpis-result", role="status"),
            html.H2(t("KPI 2 の調査結果を読み込む", "Load KPI 2 survey results", lang)),
            html.P(
                t(
                    "「地域での生活がこれから良くなっていくと思う人の割合」の調査結果CSV（テンプレートはKPI 2のページ）。python -m kpidash survey-load と同じ検証で、不正なファイルは何も変えません。",
                    "Survey results for KPI 2 (template on the KPI 2 page), checked as python -m kpidash survey-load checks them; a bad file changes nothing.",
                    lang,
                ),
                className="small",
            ),
            dcc.Upload(
                html.Div(t("調査結果のCSVを選んで読み込む", "Choose the survey CSV to load", lang)),
                id="my-kpis-survey",
                max_size=1_000_000,
                className="upload",
            ),
            html.Div(id="my-kpis-survey-result", role="status"),
            html.H2(t("バックアップと移行", "Backup and moving", lang)),
            html.P(
                [
                    html.A(
                        t("全体をZIPでエクスポート", "Export everything as a ZIP", lang),
                        href="/api/v1/local-kpis/bundle",
                        download="",
                    ),
                    t("。別の環境では次のコマンドで読み込めます：", ". Import it elsewhere with:", lang),
                ]
            ),
            html.Pre(
                html.Code(
                    'curl -X PUT -H "X-KPIDASH-Write: 1" --data-binary @kpidash_local_kpis.zip http://127.0.0.1:8050/api/v1/local-kpis/bundle'
                )
            ),
            dcc.Store(id="my-kpis-upload-data"),
        ],
        className="page",
    )


def values_preview(rows: list[dict[str, Any]], issues: list[dict[str, Any]], name: str, lang: str) -> html.Div:
    if issues:
        return issues_list(issues, lang)
    head = [t("地域", "Region", lang), t("年", "Year", lang), t("値", "Value", lang)]
    body = [
        html.Tr([html.Td(r["region_code"]), html.Td(r["year"]), html.Td(format_number(r["value"], 2), className="num")])
        for r in rows[:20]
    ]
    return html.Div(
        [
            html.P(
                t(
                    f"{name}：{len(rows)}行を確認しました（先頭20行）。保存するまで何も変わりません。",
                    f"{name}: {len(rows)} rows checked (first 20 shown). Nothing is stored until you save.",
                    lang,
                )
            ),
            html.Table(
                [html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body)], className="table"
            ),
        ]
    )
