"""The /api/v1 blueprint and its error answers: a :class:`~kpidash.params.ParamError` is a 400 or 404 naming the
parameter, anything else a 503 (never a traceback). :mod:`kpidash.api.routes` and :mod:`kpidash.api.charts` add
their routes to it."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from kpidash.params import ParamError

log = logging.getLogger(__name__)
api = Blueprint("api_v1", __name__, url_prefix="/api/v1")


def error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    """The JSON error body ``{"error": <message>, **extra}`` with its status."""
    return jsonify({"error": message, **extra}), status


@api.errorhandler(ParamError)
def _param_error(exc: ParamError) -> Any:
    return error(exc.status, exc.message, parameter=exc.parameter, **exc.extra)


@api.errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    log.exception("API error")
    return error(503, "the data service is unavailable; see the server log", kind=type(exc).__name__)
