"""Boundary files served once as static JSON (plotly fetches them by URL; figures never embed geometry)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
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


def _sidecar(path: Path) -> dict[str, Any]:
    side = path.with_name(path.name + ".meta.yaml")
    meta = yaml.safe_load(side.read_text(encoding="utf-8")) if side.is_file() else None
    return meta if isinstance(meta, dict) else {}


@functools.cache
def boundary_citation(name: str) -> str:
    """The publisher and title of a boundary file's original source, e.g. 地球地図日本（国土地理院）, for a 出典 line
    that ends in 「を加工して作成」 (the maps draw simplified derivatives; boundaries are not sources in the marts).

    The derived file's sidecar names the raw file it was made from (``source_file``); that file's sidecar cites the
    publisher (with or without a leading 「出典：」, which is dropped here).
    """
    meta = _sidecar(FILES[name])
    if meta.get("source_file"):
        meta = _sidecar(config.ROOT / str(meta["source_file"]))
    citation = str(meta.get("citation_ja") or "").strip()
    if not citation:
        raise RuntimeError(f"no citation_ja in the sidecar of the {name} boundary file ({FILES[name]})")
    return citation.removeprefix("出典：")


@geo.get("/geo/<name>.geojson")
def geojson(name: str) -> ResponseReturnValue:
    path = FILES.get(name)
    if path is None or not path.exists():
        abort(404)
    resp = send_file(path, mimetype="application/geo+json", max_age=7 * 24 * 3600, conditional=True)
    return resp
