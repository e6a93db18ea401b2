"""The simplified prefecture borders the browser map draws (data/derived/geo, built by frontend/geometry)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from kpidash import geo

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "data" / "raw" / "geo" / "japan_prefectures_dataofjapan.geojson"
DERIVED = geo.FILES["prefectures"]


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _areas(path: Path) -> dict[str, float]:
    """Prefecture code → area in square degrees (exteriors minus holes), computed here from the coordinates."""
    out: dict[str, float] = {}
    for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
        code = f["properties"]["pref_code"]
        out[code] = out.get(code, 0.0) + sum(
            abs(_signed_area(poly[0])) - sum(abs(_signed_area(h)) for h in poly[1:])
            for poly in _polygons(f["geometry"])
        )
    return out


def test_served_file_is_the_recorded_derivation_of_the_raw_file() -> None:
    meta = yaml.safe_load(DERIVED.with_name(DERIVED.name + ".meta.yaml").read_text(encoding="utf-8"))
    assert hashlib.sha256(DERIVED.read_bytes()).hexdigest() == meta["sha256"]
    assert hashlib.sha256(RAW.read_bytes()).hexdigest() == meta["source_sha256"]  # rebuilt after a raw-file swap
    assert "を加工して作成" in meta["citation_ja"]


def test_every_prefecture_keeps_its_area_and_orientation() -> None:
    raw, simple = _areas(RAW), _areas(DERIVED)
    assert sorted(simple) == [f"{i:02d}" for i in range(1, 48)]
    for code, area in raw.items():
        assert simple[code] == pytest.approx(area, rel=0.03), code
    for f in json.loads(DERIVED.read_text(encoding="utf-8"))["features"]:
        for poly in _polygons(f["geometry"]):
            assert _signed_area(poly[0]) < 0  # exterior clockwise, as d3-geo (plotly geo) expects


def test_it_is_much_lighter_than_the_raw_file() -> None:
    def points(path: Path) -> int:
        feats = json.loads(path.read_text(encoding="utf-8"))["features"]
        return sum(len(r) for f in feats for poly in _polygons(f["geometry"]) for r in poly)

    assert points(DERIVED) < 0.4 * points(RAW)
