"""JSON API under /api/v1 (Flask blueprint on Dash's server). Errors are JSON, never a 5xx traceback."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from kpidash import service

log = logging.getLogger(__name__)
api = Blueprint("api_v1", __name__, url_prefix="/api/v1")

PUBLIC_KPI_FIELDS = (
    "id",
    "goal",
    "name_ja",
    "name_en",
    "definition_ja",
    "definition_en",
    "unit",
    "decimals",
    "direction",
    "status",
    "status_label_ja",
    "status_label_en",
    "reason_ja",
    "reason_en",
    "proxy",
    "proxy_note_ja",
    "baseline",
    "latest",
    "target",
    "projection",
    "ratio",
    "observed_rate",
    "required_rate",
    "observed_from_trend",
    "growth_base",
    "headline_variant",
    "series",
    "note_ja",
)


def public_kpi(k: dict[str, Any]) -> dict[str, Any]:
    return {f: k.get(f) for f in PUBLIC_KPI_FIELDS}


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": message, **extra}), status


@api.get("/kpis")
def list_kpis() -> Any:
    return jsonify([public_kpi(k) for k in service.kpis()])


@api.get("/kpis/<kpi_id>")
def get_kpi(kpi_id: str) -> Any:
    k = service.kpi_by_id(kpi_id)
    if k is None:
        return _error(404, f"unknown KPI id {kpi_id!r}", parameter="kpi_id", known=[x["id"] for x in service.kpis()])
    return jsonify(public_kpi(k))


@api.errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    log.exception("API error")
    return _error(503, "the data service is unavailable; see the server log", kind=type(exc).__name__)
