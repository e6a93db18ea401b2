"""Sections of the /kpi/<id> page: the strategy's base, the next releases, the base-year form, KPI 1's growth
table and decomposition, KPI 3's groups, and what would fill KPI 2 (survey template, rules, command)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from kpidash.formatting import format_number, format_signed, period_label
from kpidash.service import kpis as survey
from kpidash.views.components import data_table
from kpidash.views.text import t


def strategy_base(k: dict[str, Any], lang: str) -> html.Section:
    sb, tgt = k["strategy_baseline"], k["target"]
    b = k["baseline"]
    value = format_number(b["value"], k["decimals"]) if b else t("値は未読み込み", "not loaded", lang)
    base = period_label(sb["base_year"], sb["period_type"], lang)
    own = bool(k.get("local"))  # an own KPI: the user's base and target, no Cabinet decision
    decided = [] if own else [html.Div([html.Dt(t("閣議決定", "Decided", lang)), html.Dd(sb["decided"])])]
    return html.Section(
        [
            html.H2(
                t("基準と目標", "Base and target", lang)
                if own
                else t("総合戦略の基準と目標", "The strategy's base and target", lang)
            ),
            html.Dl(
                [
                    *decided,
                    html.Div([html.Dt(t("基準年", "Base year", lang)), html.Dd(f"{base}（{value}）")]),
                    html.Div([html.Dt(t("目標", "Target", lang)), html.Dd(f"{tgt['text_' + lang]}（{tgt['year']}）")]),
                ],
                className="kpi-facts",
            ),
            html.P(sb["rule_ja"] if lang == "ja" else sb["rule_en"], className="small"),
        ],
        id="strategy-base",
    )


def releases(k: dict[str, Any], lang: str) -> html.Section | None:
    rel = k.get("releases") or []
    if not rel:
        return None
    items = []
    for r in rel:
        latest = r["latest_loaded"]
        loaded = t(f"読み込み済みの最新：{latest}", f"latest loaded: {latest}", lang) if latest else ""
        parts: list[Any] = [
            html.Strong(r["title_ja"] if lang == "ja" else r["title_en"]),
            f"（{r['publisher']}）",
            html.Br(),
            loaded,
            html.Br() if loaded else "",
            r["next_ja"] if lang == "ja" else r["next_en"],
        ]
        unloaded = r["known_unloaded_ja"] if lang == "ja" else r["known_unloaded_en"]
        if unloaded:
            parts += [html.Br(), html.Span(unloaded, className="muted")]
        if r["vintages"]:
            parts.append(
                html.Details(
                    [
                        html.Summary(t("読み込み済みの版", "Loaded vintages", lang)),
                        html.Ul([html.Li(v) for v in r["vintages"]]),
                    ]
                )
            )
        items.append(html.Li(parts))
    return html.Section(
        [
            html.H2(t("次の統計（公表時期の目安）", "Next data (usual release timing)", lang)),
            html.Ul(items),
            html.P(
                t(
                    "公表時期は作成機関の過去の公表に基づく目安で、release_calendar.yaml に記録しています。",
                    "The timing is a guide from the publishers' past releases, recorded in release_calendar.yaml.",
                    lang,
                ),
                className="small muted",
            ),
        ],
        id="kpi-releases",
    )


def base_year_form(
    kpi_id: str, years: list[int], base: int, variants: list[dict[str, Any]], variant: str | None, lang: str
) -> html.Form:
    """A plain GET form: the choice is the page's URL (?base_year=…&variant=…), shareable and reloadable."""
    fields: list[Any] = [
        html.Label(t("基準年", "Base year", lang), htmlFor="kpi-base-year"),
        html.Select(
            [html.Option(str(y), value=str(y), selected=(y == base)) for y in years],
            id="kpi-base-year",
            name="base_year",
        ),
    ]
    if variants:
        fields += [
            html.Label(t("系列", "Series", lang), htmlFor="kpi-variant"),
            html.Select(
                [
                    html.Option(
                        (v["label_ja"] if lang == "ja" else v["label_en"]) + ("（代理指標）" if v["proxy"] else ""),
                        value=v["key"],
                        selected=(v["key"] == variant),
                    )
                    for v in variants
                ],
                id="kpi-variant",
                name="variant",
            ),
        ]
    if lang == "en":
        fields.append(dcc.Input(type="hidden", name="lang", value="en"))
    fields.append(html.Button(t("再計算", "Recompute", lang), type="submit"))
    return html.Form(fields, method="get", action=f"/kpi/{kpi_id}", className="base-year-form")


def growth_table(g: dict[str, Any], lang: str) -> html.Div:
    """Growth of each area from the chosen base year, and the gap's decomposition (log points)."""
    names = {"NTK": t("東京圏以外", "Outside the Tokyo area", lang), "TKY": t("東京圏", "Tokyo area", lang)}
    den = t("分母（就業者数）", "Denominator (persons employed)", lang)
    if g["proxy"]:
        den = t("分母（代理指標：15～64歳人口）", "Denominator (proxy: residents aged 15–64)", lang)
    headers = [
        t("地域", "Area", lang),
        t("県内総生産の伸び（%）", "GDP growth (%)", lang),
        f"{den} %",
        t("労働生産性の伸び（%）", "Productivity growth (%)", lang),
    ]
    rows = [
        [
            names.get(a["region_code"], a["region_code"]),
            format_signed(a["numerator_growth_pct"], 2),
            format_signed(a["denominator_growth_pct"], 2),
            format_signed(a["growth_pct"], 2),
        ]
        for a in g["areas"]
    ]
    d = g["decomposition"]
    span = f"{g['base_year']}→{g['latest_year']}"
    return html.Div(
        [
            html.P(
                t(
                    f"{span}年度：伸び率の差 {format_signed(g['gap_points'], 2)} ポイント。対数で分解すると、差 {format_signed(d['gap_log_points'], 2)} ＝ 県内総生産の伸びの差 {format_signed(d['numerator_log_points'], 2)} － 分母の伸びの差 {format_signed(d['denominator_log_points'], 2)}（対数ポイント＝100×ln(比)）。",
                    f"FY{span}: growth gap {format_signed(g['gap_points'], 2)} points. In log points the gap {format_signed(d['gap_log_points'], 2)} = GDP growth gap {format_signed(d['numerator_log_points'], 2)} − denominator growth gap {format_signed(d['denominator_log_points'], 2)} (log points = 100 × ln ratio).",
                    lang,
                ),
                id="kpi-growth-summary",
            ),
            data_table(headers, rows, lang, open_=True),
        ]
    )


def groups_table(groups: tuple[dict[str, Any], ...], lang: str, form: html.Form | None = None) -> html.Section:
    headers = [
        t("対象", "Group", lang),
        t("期間", "Period", lang),
        t("東京圏以外の人数", "Number outside the Tokyo area", lang),
        t("全国に占める割合（%）", "Share of Japan (%)", lang),
        t("基準年からの割合の変化（ポイント）", "Share change since the base (points)", lang),
    ]
    rows = [
        [
            (g["label_ja"] if lang == "ja" else g["label_en"])
            + (t("（判定に使用）", " (used for the status)", lang) if g["status_measure"] else ""),
            str(g["latest"]["period"]),
            format_number(g["latest"]["count"], 0),
            format_number(g["latest"]["share"], 2),
            format_signed(g["share_change_points"], 2),
        ]
        for g in groups
    ]
    title = t("若者・女性・若い女性の人数と割合", "Young people, women and young women: numbers and shares", lang)
    note = t(
        "基準年（既定は総合戦略の基準年）からの変化。基準年の値が読み込まれていない場合は「—」です。",
        "Change since the base year (by default the strategy's); '—' where that year is not loaded.",
        lang,
    )
    return html.Section(
        [
            html.H2(title),
            html.P(note, className="small"),
            *([form] if form else []),
            data_table(headers, rows, lang, open_=True),
        ],
        id="kpi-groups",
    )


def survey_help(k: dict[str, Any], lang: str) -> html.Section:
    s = k["survey"]
    rules_ja = [
        f"列：{', '.join(survey.SURVEY_COLUMNS)}（必須：{', '.join(survey.SURVEY_REQUIRED)}）。UTF-8。",
        "region_code は 00（全国）、TKY、NTK、01～47。year は西暦の整数。share は 0～100 の%。n は回答者数（正の整数）。",
        "ci_low と ci_high は両方か、どちらも空欄。ci_low ≤ share ≤ ci_high。",
        "同じ region_code と year の行は1行まで。=、+、@ で始まるセルは受け付けません。",
        f"ファイルは {survey.SURVEY_MAX_BYTES:,} バイト、{survey.SURVEY_MAX_ROWS:,} 行まで。回答者数が {s['min_n']} 人未満の行は判定に使いません。",
    ]
    rules_en = [
        f"Columns: {', '.join(survey.SURVEY_COLUMNS)} (required: {', '.join(survey.SURVEY_REQUIRED)}); UTF-8.",
        "region_code 00 (Japan), TKY, NTK or 01–47; year an integer; share a percentage 0–100; n respondents (> 0).",
        "ci_low and ci_high both or neither, with ci_low ≤ share ≤ ci_high.",
        "At most one row per region_code and year; cells starting with =, + or @ are refused.",
        f"At most {survey.SURVEY_MAX_BYTES:,} bytes and {survey.SURVEY_MAX_ROWS:,} rows; rows with fewer than {s['min_n']} respondents are not used for the status.",
    ]
    return html.Section(
        [
            html.H2(t("このKPIを埋めるには", "How to fill this KPI", lang)),
            html.P(s["note_ja"] if lang == "ja" else s["note_en"]),
            html.P(
                html.A(
                    t("CSVテンプレートをダウンロード", "Download the CSV template", lang),
                    href="/api/v1/survey/living_outlook.template.csv",
                    download="living_outlook.template.csv",
                )
            ),
            html.H3(t("検証ルール", "Validation rules", lang)),
            html.Ul([html.Li(r) for r in (rules_ja if lang == "ja" else rules_en)]),
            html.H3(t("読み込み方", "How to load a file", lang)),
            html.Pre(html.Code("python -m kpidash survey-load living_outlook.csv")),
            html.P(
                t(
                    "不正なファイルは行と列を示して拒否され、読み込み済みのファイルは変わりません。",
                    "A bad file is refused with its row and column named; the loaded file stays as it was.",
                    lang,
                ),
                className="small",
            ),
        ],
        id="kpi-survey-help",
    )
