"""Static files compressed once per content (kpidash/web/static_compression.py): the bodies decompress to the files
themselves, a second request compresses nothing, a changed body is compressed again, and dynamic responses are
left to flask-compress."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import brotli
import pytest

from kpidash.web.static_compression import EXTENSION, CompressedCache
from tests.conftest import REPO, plotly_meta

try:
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:
    from backports import zstd  # type: ignore[no-redef]

DECOMPRESS = {"zstd": zstd.decompress, "br": brotli.decompress, "gzip": gzip.decompress}
BOUNDARIES = REPO / "data" / "derived" / "geo" / "japan_municipalities_simplified.geojson"


def _counting_compressor(calls: list[tuple[bytes, str]]) -> Any:
    def compress(body: bytes, encoding: str) -> bytes:
        calls.append((body, encoding))
        return gzip.compress(body)

    return compress


def test_cache_compresses_each_content_once():
    calls: list[tuple[bytes, str]] = []
    cache = CompressedCache()
    compress = _counting_compressor(calls)
    a = cache.get("gzip", b"a" * 1000, compress)
    assert cache.get("gzip", b"a" * 1000, compress) is a
    assert len(calls) == 1 and gzip.decompress(a) == b"a" * 1000
    cache.get("br", b"a" * 1000, compress)  # another encoding is another body
    changed = cache.get("gzip", b"b" * 1000, compress)  # the same file, changed: compressed again, not stale
    assert len(calls) == 3 and gzip.decompress(changed) == b"b" * 1000


def test_cache_keeps_at_most_max_bytes_dropping_the_least_recently_used():
    calls: list[tuple[bytes, str]] = []
    compress = _counting_compressor(calls)
    bodies = [bytes([i]) * 50_000 for i in range(3)]
    one = len(gzip.compress(bodies[0]))
    cache = CompressedCache(max_bytes=2 * one + 10)
    cache.get("gzip", bodies[0], compress)
    cache.get("gzip", bodies[1], compress)
    cache.get("gzip", bodies[0], compress)  # used again: now the most recent
    cache.get("gzip", bodies[2], compress)  # drops bodies[1]
    assert len(cache) == 2 and len(calls) == 3
    cache.get("gzip", bodies[0], compress)
    assert len(calls) == 3
    cache.get("gzip", bodies[1], compress)
    assert len(calls) == 4


@pytest.fixture()
def server(use_fixture_warehouse: Path) -> Any:
    import app as app_module

    return app_module.app.server


def _get(client: Any, url: str, **headers: str) -> Any:
    resp = client.get(url, headers=headers)
    resp.get_data()
    resp.close()
    return resp


@pytest.mark.parametrize("encoding", ["zstd", "br", "gzip"])
def test_static_files_decompress_to_the_files_and_are_compressed_once(server, encoding):
    client = server.test_client()
    cache = server.extensions[EXTENSION]
    plotly_url = plotly_meta(client.get("/municipalities").get_data(as_text=True))["url"]
    urls = [plotly_url, "/geo/municipalities.geojson", "/_dash-component-suites/dash/dcc/async-graph.js"]
    for url in urls:
        plain = _get(client, url, **{"Accept-Encoding": "identity"})
        assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
        first = _get(client, url, **{"Accept-Encoding": f"identity;q=0.1, {encoding}"})
        assert first.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in first.headers["Vary"]
        assert DECOMPRESS[encoding](first.get_data()) == plain.get_data()
        misses = cache.misses
        again = _get(client, url, **{"Accept-Encoding": encoding})
        assert again.get_data() == first.get_data() and cache.misses == misses  # served from the cache
        # The ETag names the encoding (as flask-compress's does): a revalidation gets 304, no body.
        etag = again.headers["ETag"]
        assert etag.endswith(f':{encoding}"')
        assert _get(client, url, **{"Accept-Encoding": encoding, "If-None-Match": etag}).status_code == 304
    assert DECOMPRESS[encoding](_get(client, urls[1], **{"Accept-Encoding": encoding}).get_data()) == (
        BOUNDARIES.read_bytes()
    )


def test_dynamic_responses_are_compressed_but_not_kept(server):
    client = server.test_client()
    cache = server.extensions[EXTENSION]
    _get(client, "/_dash-layout?page=/about", **{"Accept-Encoding": "br"})
    kept = len(cache)
    for url in ("/_dash-layout?page=/about", "/_dash-layout?page=/municipalities", "/api/v1/kpis"):
        resp = _get(client, url, **{"Accept-Encoding": "br"})
        assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "br"  # flask-compress
        assert brotli.decompress(resp.get_data())
    assert len(cache) == kept
