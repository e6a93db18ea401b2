"""Boundary files served once as static JSON (plotly fetches them by URL; figures never embed geometry)."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask.typing import ResponseReturnValue

from kpidash import config

geo = Blueprint("geo", __name__)
FILES = {
    # Shared borders simplified to 30 % of the points by frontend/geometry (0.44 MB instead of 1.34 MB): the browser
    # draws the prefecture map in half the time, and at this scale the difference is not visible.
    "prefectures": config.DATA_DIR / "derived" / "geo" / "japan_prefectures_simplified.geojson",
    # Every island simplified on its own scale by frontend/geometry (1.39 MB instead of 4.56 MB, 62,060 of 211,005
    # points): the browser parses and draws it in half the time, and small wards keep their shape. The raw file
    # (data/raw/geo_municipal) stays the provenance record; views_muni cites its source.
    "municipalities": config.DATA_DIR / "derived" / "geo" / "japan_municipalities_simplified.geojson",
}


@geo.get("/geo/<name>.geojson")
def geojson(name: str) -> ResponseReturnValue:
    path = FILES.get(name)
    if path is None or not path.exists():
        abort(404)
    resp = send_file(path, mimetype="application/geo+json", max_age=7 * 24 * 3600, conditional=True)
    return resp
