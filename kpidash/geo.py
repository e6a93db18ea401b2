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
    "municipalities": config.RAW_DIR / "geo_municipal" / "japan_municipalities_2021_designated_cities.geojson",
}


@geo.get("/geo/<name>.geojson")
def geojson(name: str) -> ResponseReturnValue:
    path = FILES.get(name)
    if path is None or not path.exists():
        abort(404)
    resp = send_file(path, mimetype="application/geo+json", max_age=7 * 24 * 3600, conditional=True)
    return resp
