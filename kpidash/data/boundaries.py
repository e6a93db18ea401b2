"""The provenance of the boundary files the maps draw (config.BOUNDARY_FILES), read from their YAML sidecars."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from kpidash import config


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
    path = config.BOUNDARY_FILES[name]
    meta = _sidecar(path)
    if meta.get("source_file"):
        meta = _sidecar(config.ROOT / str(meta["source_file"]))
    citation = str(meta.get("citation_ja") or "").strip()
    if not citation:
        raise RuntimeError(f"no citation_ja in the sidecar of the {name} boundary file ({path})")
    return citation.removeprefix("出典：")
