"""The simplified borders the browser maps draw (data/derived/geo, built by frontend/geometry), checked against the raw
files they were made from (data/raw/geo, data/raw/geo_municipal). Areas, neighbours and extents are computed here from
the coordinates of both files, never taken from the build script or its sidecars."""

from __future__ import annotations

import collections
import hashlib
import itertools
import json
import math
import statistics
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpidash.config import BOUNDARY_FILES

pytestmark = pytest.mark.integration  # the shipped boundary files against the raw ones (real data)

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "data" / "raw" / "geo" / "japan_prefectures_dataofjapan.geojson"
DERIVED = BOUNDARY_FILES["prefectures"]
RAW_MUNI = REPO / "data" / "raw" / "geo_municipal" / "japan_municipalities_2021_designated_cities.geojson"
DERIVED_MUNI = BOUNDARY_FILES["municipalities"]
EARTH_RADIUS_KM = 6378.137  # WGS 84 equatorial radius


def _polygons(geometry: dict) -> list[list[list[list[float]]]]:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _sidecar(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.with_name(path.name + ".meta.yaml").read_text(encoding="utf-8"))


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
    meta = _sidecar(DERIVED)
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


# ------------------------------------------------------------------------------------------------ municipalities


@cache
def _munis(path: Path) -> dict[str, dict[str, Any]]:
    """muni_code_5 → {properties, polygons} of a municipal file; features without a code (所属未定地) are skipped."""
    out: dict[str, dict[str, Any]] = {}
    for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
        code = f["properties"].get("muni_code_5")
        if code is None:
            continue
        assert code not in out, f"{code} twice in {path.name}"
        out[code] = {"properties": f["properties"], "polygons": _polygons(f["geometry"])}
    return out


def _ring_km2(ring: list[list[float]]) -> float:
    """Area of a ring on the sphere, km² (the 'line integral' formula of Chamberlain & Duquette, as geojson-area)."""
    s = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(ring, ring[1:] + ring[:1], strict=True):
        s += math.radians(lon2 - lon1) * (2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
    return abs(s) * EARTH_RADIUS_KM**2 / 2


def _km2(polygons: list[list[list[list[float]]]]) -> float:
    return sum(_ring_km2(poly[0]) - sum(_ring_km2(h) for h in poly[1:]) for poly in polygons)


def _names() -> dict[str, str]:
    return {c: m["properties"]["name_ja"] for c, m in _munis(RAW_MUNI).items()}


def test_municipal_file_is_the_recorded_derivation_of_the_raw_file() -> None:
    meta, raw_meta = _sidecar(DERIVED_MUNI), _sidecar(RAW_MUNI)
    assert DERIVED_MUNI.parent == REPO / "data" / "derived" / "geo"  # the raw file stays the provenance record
    assert hashlib.sha256(DERIVED_MUNI.read_bytes()).hexdigest() == meta["sha256"]
    assert hashlib.sha256(RAW_MUNI.read_bytes()).hexdigest() == meta["source_sha256"] == raw_meta["sha256"]
    assert REPO / meta["source_file"] == RAW_MUNI
    # The original source, marked as processed (国土数値情報's terms: 出典記載・加工明示), under the same licence.
    assert meta["citation_ja"] == f"出典：{raw_meta['citation_ja']}を加工して作成"
    assert meta["licence"] == raw_meta["licence"]
    assert str(len(_munis(DERIVED_MUNI))) in meta["derived"]


def test_same_municipalities_and_only_the_properties_the_map_needs() -> None:
    raw, simple = _munis(RAW_MUNI), _munis(DERIVED_MUNI)
    assert set(simple) == set(raw)
    assert len(simple) == 1747  # 1,741 of the register + the 6 villages of the 北方領土
    for code, m in simple.items():
        # featureidkey (muni_code_5) and the prefecture of the zoom; names come with the data, not the geometry.
        assert m["properties"] == {"muni_code_5": code, "pref_code": raw[code]["properties"]["pref_code"]}


def test_every_municipality_keeps_its_islands_area_and_orientation() -> None:
    """Areas on the sphere, computed here for both files.

    Tolerance per municipality: 10 % of its area, or 0.25 km² for the smallest (3–5 km²). 10 % is a border shifted
    by ~2.5 % of the municipality's width all around — a fraction of a pixel for a ward 15 px wide on the 東京都 map
    — while what a coarse simplification does is far outside it: one keep percentage for all (20 %) turns island
    villages and small towns into triangles (渡名喜村 −57 %, 早島町 −38 %), and a dropped island of a small
    municipality takes a third or more of its area. 0.25 km² (a 500 m square, ~7 px² at the closest prefecture zoom,
    ≈ 190 m per pixel) is what moving one vertex of a ten-vertex outline of a 3 km² village costs.
    Across all municipalities the errors must also cancel: median under 2 %, total within 0.5 %.
    """
    raw, simple, names = _munis(RAW_MUNI), _munis(DERIVED_MUNI), _names()
    rel: list[float] = []
    for code, m in raw.items():
        a_raw, a_simple = _km2(m["polygons"]), _km2(simple[code]["polygons"])
        assert abs(a_simple - a_raw) <= max(0.10 * a_raw, 0.25), (code, names[code], a_raw, a_simple)
        rel.append(abs(a_simple - a_raw) / a_raw)
        # Every island kept, as a polygon of its own (keep-shapes protects one polygon per feature only).
        assert len(simple[code]["polygons"]) == len(m["polygons"]), (code, names[code])
        for poly in simple[code]["polygons"]:
            assert len(poly[0]) >= 4 and poly[0][0] == poly[0][-1]
            assert _signed_area(poly[0]) < 0, (code, names[code])  # exterior clockwise, as d3-geo expects
            assert all(_signed_area(h) > 0 for h in poly[1:]), (code, names[code])  # holes counter-clockwise
    assert statistics.median(rel) < 0.02
    total_raw = sum(_km2(m["polygons"]) for m in raw.values())
    total_simple = sum(_km2(m["polygons"]) for m in simple.values())
    assert total_simple == pytest.approx(total_raw, rel=0.005)


def _borders(path: Path) -> tuple[set[frozenset[str]], int]:
    """(pairs of municipalities sharing at least one boundary segment, segments used by more than two)."""
    owners: dict[frozenset[tuple[float, float]], set[str]] = collections.defaultdict(set)
    for code, m in _munis(path).items():
        for poly in m["polygons"]:
            for ring in poly:
                for a, b in itertools.pairwise(ring):
                    owners[frozenset((tuple(a), tuple(b)))].add(code)
    pairs = {frozenset(o) for o in owners.values() if len(o) == 2}
    return pairs, sum(len(o) > 2 for o in owners.values())


def test_neighbours_still_share_their_borders() -> None:
    """Each border simplified once for both sides: every pair of neighbours of the raw file still shares identical
    segments (a per-polygon simplification opens gaps and slivers along every border, and no pair would), and no two
    municipalities that were apart now touch."""
    raw_pairs, raw_multi = _borders(RAW_MUNI)
    pairs, multi = _borders(DERIVED_MUNI)
    assert len(raw_pairs) > 4000 and raw_multi == 0
    assert pairs == raw_pairs
    assert multi == 0


def test_prefecture_extents_kept() -> None:
    """The map zooms to the bounding box of a prefecture's municipalities (kpidash/figures/municipal.py reads them from
    the served file): each side within 1 % of the raw box's span (about 4 px of the zoomed map), so a simplification
    that clips peninsulas or islands shows up here."""

    def boxes(path: Path) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for m in _munis(path).values():
            for poly in m["polygons"]:
                for x, y in poly[0]:
                    b = out.setdefault(m["properties"]["pref_code"], [x, y, x, y])
                    b[:] = [min(b[0], x), min(b[1], y), max(b[2], x), max(b[3], y)]
        return out

    raw, simple = boxes(RAW_MUNI), boxes(DERIVED_MUNI)
    assert set(simple) == set(raw) and len(raw) == 47
    for pref, r in raw.items():
        span = max(r[2] - r[0], r[3] - r[1])
        assert all(abs(a - b) <= 0.01 * span for a, b in zip(r, simple[pref], strict=True)), pref


def test_municipal_file_is_much_lighter() -> None:
    def points(path: Path) -> int:
        return sum(len(r) for m in _munis(path).values() for poly in m["polygons"] for r in poly)

    assert points(DERIVED_MUNI) < 0.35 * points(RAW_MUNI)
    assert DERIVED_MUNI.stat().st_size < 1_500_000 < RAW_MUNI.stat().st_size / 3  # the budget of the page's draw
