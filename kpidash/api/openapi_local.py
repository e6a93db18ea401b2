"""The OpenAPI paths of /api/v1/local-kpis (the analyst's own KPIs; kpidash.api.local_routes)."""

from __future__ import annotations

from typing import Any

from kpidash.api.openapi_schemas import errors as _errors
from kpidash.api.openapi_schemas import json_200 as _json_200
from kpidash.api.openapi_schemas import ref as _ref


def _write_op(op_id: str, summary: str, body: str, mimetype: str) -> dict[str, Any]:
    return {
        "operationId": op_id,
        "tags": ["own KPIs"],
        "summary": summary,
        "description": (
            "Writing is on when the server is bound to a loopback address or started with KPIDASH_WRITE_TOKEN; then "
            "the header X-KPIDASH-Token must carry it. Every write needs the header X-KPIDASH-Write: 1 (CSRF guard). "
            "A refused body changes nothing (400 lists every issue with file, line and key)."
        ),
        "requestBody": {"required": True, "description": body, "content": {mimetype: {"schema": {"type": "string"}}}},
        "responses": {
            "200": _json_200("Saved", {"type": "object"}),
            "403": {
                "description": "Writing is off, or the token or CSRF header is missing or wrong",
                "content": {"application/json": {"schema": _ref("schemas", "Error")}},
            },
            "413": {
                "description": "Body too large; nothing changed",
                "content": {"application/json": {"schema": _ref("schemas", "Error")}},
            },
            **_errors(400, 503),
        },
    }


def _get(
    op_id: str, summary: str, ok: dict[str, Any], parameters: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": op_id,
        "tags": ["own KPIs"],
        "summary": summary,
        "responses": {"200": ok, **_errors(400, 404, 503)},
    }
    if parameters:
        op["parameters"] = parameters
    return op


def _file(description: str, mimetype: str) -> dict[str, Any]:
    # No type for YAML: a client may read the text as a document (mapping) or keep it as a string.
    schema: dict[str, Any] = {} if mimetype == "application/yaml" else {"type": "string"}
    return {"description": description, "content": {mimetype: {"schema": schema}}}


def local_paths() -> dict[str, Any]:
    """/api/v1/local-kpis: the analyst's own KPIs (kpidash.api.local_routes). Every path answers GET."""
    name = {"name": "name", "in": "path", "required": True, "description": "values CSV path in the user folder",
            "schema": {"type": "string"}}  # fmt: skip
    kpi = {"name": "kpi_id", "in": "path", "required": True, "description": "own KPI id", "schema": {"type": "string"}}
    return {
        "/api/v1/local-kpis": {
            "get": _get(
                "local_kpis",
                "Own KPIs (data/local/kpis.yaml) judged like the national ones, the errors of the files (file, line, "
                "key), and whether this server may write",
                _json_200("Own KPIs", {"type": "object"}),
            )
        },
        "/api/v1/local-kpis/definitions": {
            "get": _get("get_local_definitions", "kpis.yaml as stored", _file("kpis.yaml", "application/yaml")),
            "put": _write_op(
                "put_local_definitions", "Replace kpis.yaml (validated first)", "kpis.yaml", "application/yaml"
            ),
        },
        "/api/v1/local-kpis/values/{name}": {
            "get": _get("get_local_values", "A stored values CSV", _file("CSV", "text/csv"), [name]),
            "put": {
                **_write_op(
                    "put_local_values",
                    "Store a values CSV (region_code,year,value[,n,ci_low,ci_high]; UTF-8 or cp932)",
                    "CSV",
                    "text/csv",
                ),
                "parameters": [name],
            },
        },
        "/api/v1/local-kpis/kpis/{kpi_id}": {
            "get": _get("get_local_kpi", "One own KPI", _json_200("The KPI", _ref("schemas", "Kpi")), [kpi]),
            "delete": {
                **_write_op("delete_local_kpi", "Remove an own KPI", "(empty)", "text/plain"),
                "parameters": [kpi],
            },
        },
        "/api/v1/local-kpis/bundle": {
            "get": _get(
                "export_local_kpis",
                "Export: the whole set as one ZIP (kpis.yaml, values, manifest.json with SHA-256)",
                {
                    "description": "ZIP",
                    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                },
            ),
            "put": _write_op(
                "import_local_kpis", "Import an exported set (validated whole first)", "ZIP", "application/octet-stream"
            ),
        },
    }
