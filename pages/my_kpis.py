"""/my-kpis — the analyst's own KPIs: list, values upload with preview, add/update form with preview, export."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

import dash
from dash import Input, Output, State, callback, html

from kpidash import params
from kpidash.api import writes
from kpidash.data import local_store
from kpidash.data.survey import SurveyError
from kpidash.local_schema import LocalDataError
from kpidash.service import local_kpis
from kpidash.views import my_kpis as view
from kpidash.views.text import t

dash.register_page(__name__, path="/my-kpis", title="自分のKPI | 地域未来 KPI ダッシュボード", name="自分のKPI")

FOLDER_NOTE = (
    "保存先：data/local/（環境変数 KPIDASH_LOCAL_DIR で変更可）。ウェアハウスの再構築では消えません。"
    "kpis.yaml を直接編集しても同じように読み込まれます。"
)


def layout(lang="ja", **_):  # type: ignore[no-untyped-def]
    lang = params.norm_lang(lang)
    state = local_kpis.loaded()
    return view.layout(local_kpis.local_kpis(state), local_kpis.local_errors(state), writes.policy(), FOLDER_NOTE, lang)


FIELDS = [State(view.field_id(f), "value") for f in view.FORM_FIELDS]


def _entry(values: tuple, region_code: str | None) -> dict:  # type: ignore[type-arg]
    form = dict(zip(view.FORM_FIELDS, values, strict=True))
    if region_code and region_code.strip():
        form["region"] = region_code.strip()
    return local_kpis.entry_from_form(form)


@callback(
    Output("my-kpis-yaml", "children"),
    Output("my-kpis-result", "children"),
    Input("my-kpis-preview", "n_clicks"),
    *FIELDS,
    State(view.field_id("region_code"), "value"),
    State("app-url", "search"),
    prevent_initial_call=True,
)
def preview(_n, *values):  # type: ignore[no-untyped-def]
    *fields, region_code, search = values
    lang = params.lang_from_search(search)
    text = local_kpis.definitions_with(_entry(tuple(fields), region_code))
    issues = local_kpis.preview_definitions(text)
    ok = (
        html.P(t("この内容で保存できます。", "This can be saved.", lang))
        if not issues
        else view.issues_list(issues, lang)
    )
    return text, ok


@callback(
    Output("my-kpis-result", "children", allow_duplicate=True),
    Input("my-kpis-save", "n_clicks"),
    *FIELDS,
    State(view.field_id("region_code"), "value"),
    State(view.field_id("token"), "value"),
    State("app-url", "search"),
    prevent_initial_call=True,
)
def save(_n, *values):  # type: ignore[no-untyped-def]
    *fields, region_code, token, search = values
    lang = params.lang_from_search(search)

    def save_definitions() -> html.P:
        text = local_kpis.definitions_with(_entry(tuple(fields), region_code))
        local_store.save_definitions(text, writes.actor(), local_kpis.known())
        return html.P(
            [
                t("保存しました。", "Saved. ", lang),
                html.A(t("一覧を更新", "Reload the list", lang), href="/my-kpis" + search),
            ]
        )

    return _write(token, lang, save_definitions)


@callback(
    Output("my-kpis-upload-preview", "children"),
    Output("my-kpis-upload-data", "data"),
    Input("my-kpis-upload", "contents"),
    State("my-kpis-upload", "filename"),
    State("app-url", "search"),
    prevent_initial_call=True,
)
def upload(contents, filename, search):  # type: ignore[no-untyped-def]
    lang = params.lang_from_search(search)
    name = str(filename or "values.csv")
    data = _decode(contents)
    if data is None:
        return view.issues_list([{"text": f"{name}: not a file upload"}], lang), None
    rows, issues = local_kpis.preview_values(name, data)
    return view.values_preview(rows, issues, name, lang), (None if issues else {"name": name, "contents": contents})


@callback(
    Output("my-kpis-upload-result", "children"),
    Input("my-kpis-upload-save", "n_clicks"),
    State("my-kpis-upload-data", "data"),
    State(view.field_id("token"), "value"),
    State("app-url", "search"),
    prevent_initial_call=True,
)
def upload_save(_n, stored, token, search):  # type: ignore[no-untyped-def]
    lang = params.lang_from_search(search)
    if not stored:
        return html.P(t("先に有効なCSVを選んでください。", "Choose a valid CSV first.", lang), role="alert")
    name = str(stored.get("name"))

    def save_values() -> html.P:
        data = _decode(stored.get("contents")) or b""
        rows = local_store.save_values(name, data, writes.actor(), local_kpis.known())
        return html.P(t(f"{name} を保存しました（{len(rows)}行）。", f"Saved {name} ({len(rows)} rows).", lang))

    return _write(token, lang, save_values)


def _write(token: str | None, lang: str, save: Callable[[], html.P]) -> html.Component:
    """Run ``save`` if this request may write; a refusal (writing off, token, CSRF) or a refused file is said."""
    try:
        writes.check(token or "", api=False)
        return save()
    except writes.WriteRefused as exc:
        return html.P(exc.message, className="reason", role="alert")
    except LocalDataError as exc:
        return view.issues_list([local_kpis.issue_dict(i) for i in exc.issues], lang)


def _decode(contents: object) -> bytes | None:
    if not isinstance(contents, str) or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


@callback(
    Output("my-kpis-survey-result", "children"),
    Input("my-kpis-survey", "contents"),
    State("my-kpis-survey", "filename"),
    State(view.field_id("token"), "value"),
    State("app-url", "search"),
    prevent_initial_call=True,
)
def survey(contents, filename, token, search):  # type: ignore[no-untyped-def]
    lang = params.lang_from_search(search)
    data = _decode(contents)
    try:
        writes.check(token or "", api=False)
        n = local_kpis.install_survey(data or b"", str(filename or "living_outlook.csv"))
    except writes.WriteRefused as exc:
        return html.P(exc.message, className="reason", role="alert")
    except SurveyError as exc:
        return html.P(
            t(f"読み込めません（何も変更していません）：{exc}", f"Refused (nothing changed): {exc}", lang), role="alert"
        )
    return html.P(t(f"{n}行の調査結果を読み込みました。", f"Loaded {n} survey rows.", lang))
