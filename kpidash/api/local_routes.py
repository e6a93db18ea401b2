"""/api/v1/local-kpis: the analyst's own KPIs — read them with their errors, write definitions and values (validated
first, atomic, with history), export and import the whole set. Writes pass kpidash.api.writes.check."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from kpidash.api import writes
from kpidash.api.blueprint import api, error
from kpidash.api.kpi_json import public_kpi
from kpidash.data import local_store
from kpidash.local_schema import FILENAME, LocalDataError
from kpidash.params import only
from kpidash.service import local_kpis

MAX_BODY = 2 * 1024 * 1024


def _body() -> bytes:
    if (request.content_length or 0) > MAX_BODY:
        raise RequestEntityTooLarge()
    data = request.get_data(cache=False)
    if len(data) > MAX_BODY:
        raise RequestEntityTooLarge()
    return data


def _write(action: Any) -> Any:
    try:
        writes.check()
        result = action(_body())
    except writes.WriteRefused as exc:
        return error(exc.status, exc.message)
    except RequestEntityTooLarge:
        return error(413, f"the request body is larger than {MAX_BODY:,} bytes; nothing was changed")
    except LocalDataError as exc:
        issues = [local_kpis.issue_dict(i) for i in getattr(exc, "issues", ())]
        return error(400, f"refused, nothing was changed: {exc}", issues=issues)
    return jsonify({"ok": True, **(result or {})})


@api.get("/local-kpis")
def local_kpis_state() -> Any:
    only(request.args, ())
    state = local_kpis.loaded()
    p = writes.policy()
    return jsonify(
        {
            "writable": p.writable,
            "token_required": p.token_required,
            "write_policy_ja": p.reason_ja,
            "write_policy_en": p.reason_en,
            "kpis": [public_kpi(k) for k in local_kpis.local_kpis(state)],
            "errors": local_kpis.local_errors(state),
        }
    )


@api.get("/local-kpis/definitions")
def get_definitions() -> Any:
    only(request.args, ())
    path = local_store.local_dir() / FILENAME
    text = path.read_bytes() if path.exists() else b"kpis: []\n"
    return Response(text, mimetype="application/yaml")


@api.put("/local-kpis/definitions")
def put_definitions() -> Any:
    def save(data: bytes) -> dict[str, Any]:
        saved = local_store.save_definitions(data, writes.actor(), local_kpis.known())
        return {"kpis": [k.id for k in saved.kpis]}

    return _write(save)


@api.get("/local-kpis/values/<path:name>")
def get_values(name: str) -> Any:
    only(request.args, ())
    path = local_store.stored_files().get(name)
    if path is None:
        return error(404, f"no stored values file {name!r}", parameter="name", known=sorted(local_store.stored_files()))
    return Response(path.read_bytes(), mimetype="text/csv")


@api.put("/local-kpis/values/<path:name>")
def put_values(name: str) -> Any:
    def save(data: bytes) -> dict[str, Any]:
        rows = local_store.save_values(name, data, writes.actor(), local_kpis.known())
        return {"file": name, "rows": len(rows)}

    return _write(save)


@api.get("/local-kpis/kpis/<kpi_id>")
def get_local_kpi(kpi_id: str) -> Any:
    only(request.args, ())
    k = local_kpis.local_kpi_by_id(kpi_id)
    if k is None:
        return error(404, f"unknown own KPI id {kpi_id!r}", parameter="kpi_id")
    return jsonify(public_kpi(k))


@api.delete("/local-kpis/kpis/<kpi_id>")
def delete_local_kpi(kpi_id: str) -> Any:
    def delete(_data: bytes) -> dict[str, Any]:
        local_store.delete_kpi(kpi_id, writes.actor(), local_kpis.known())
        return {"deleted": kpi_id}

    return _write(delete)


@api.get("/local-kpis/bundle")
def export_local() -> Any:
    only(request.args, ())
    try:
        bundle = local_store.export_bundle()
    except LocalDataError as exc:
        return error(404, f"nothing to export: {exc}")
    return Response(
        bundle,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="kpidash_local_kpis.zip"'},
    )


@api.put("/local-kpis/bundle")
def import_local() -> Any:
    def install(data: bytes) -> dict[str, Any]:
        saved = local_store.import_bundle(data, writes.actor(), local_kpis.known())
        return {"kpis": [k.id for k in saved.kpis]}

    return _write(install)
