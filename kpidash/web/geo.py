"""Boundary files served once as static JSON (plotly fetches them by URL; figures never embed geometry)."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask.typing import ResponseReturnValue

from kpidash.config import BOUNDARY_FILES

geo = Blueprint("geo", __name__)


@geo.get("/geo/<name>.geojson")
def geojson(name: str) -> ResponseReturnValue:
    path = BOUNDARY_FILES.get(name)
    if path is None or not path.exists():
        abort(404)
    resp = send_file(path, mimetype="application/geo+json", max_age=7 * 24 * 3600, conditional=True)
    return resp
