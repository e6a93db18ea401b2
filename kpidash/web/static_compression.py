"""Static files are compressed once per content, not once per request.

flask-compress compresses every response on every request. A first visit to /municipalities loads ~4 MB of scripts
and boundaries: compressing them again for each visitor costs the server ~20 ms (zstd, what Chromium asks for) to
~120 ms (brotli) of CPU, on a 2-core machine the same CPU that the other requests, and a browser on the same
machine, are waiting for. Static responses (Dash's bundles and lazy chunks, the plotly.js bundle, /assets/, the
boundary files) are the same bytes each time, so their compressed bodies are kept here, keyed by the encoding and a
hash of the uncompressed body: a file that changes is compressed again, never served stale. Everything else (pages,
layouts, callbacks, the API) is left to flask-compress, as before.

The encoding is chosen and the body compressed by flask-compress's own functions, with its settings (its
``COMPRESS_*`` configuration, its enabled algorithms and mimetypes), so a response is the same whichever of the two
compressed it; the strong ETag gets the encoding appended, as flask-compress does. (flask-compress's own cache is keyed
by the request, not the content: a boundary file rebuilt while the app runs would be served stale.)
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from flask import Flask, Response, request
from flask_compress import Compress

# flask-compress is pinned (pyproject.toml): its module-level helpers are what its after_request uses.
from flask_compress.flask_compress import _choose_algorithm, _compress_data

EXTENSION = "kpidash_static_compression"  # app.extensions key of the cache
MAX_CACHE_BYTES = 64 * 1024 * 1024  # compressed bytes kept; a first visit needs ~1.5 MB


class CompressedCache:
    """Compressed bodies by (encoding, hash of the body), least recently used dropped beyond ``max_bytes``."""

    def __init__(self, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.misses = 0

    def get(self, encoding: str, body: bytes, compress: Callable[[bytes, str], bytes]) -> bytes:
        key = (encoding, hashlib.blake2b(body, digest_size=20).digest())
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
            self.misses += 1
        data = compress(body, encoding)  # outside the lock: two first requests may both compress (same result)
        with self._lock:
            if key not in self._items and len(data) <= self.max_bytes:
                self._items[key] = data
                self._size += len(data)
                while self._size > self.max_bytes:
                    _, dropped = self._items.popitem(last=False)
                    self._size -= len(dropped)
        return data

    def __len__(self) -> int:
        return len(self._items)


def install(app: Flask, prefixes: Iterable[str], compress: Compress) -> CompressedCache:
    """Compress GET responses under ``prefixes`` (URL paths) with a cached body, as ``compress`` (flask-compress's
    ``Compress(app)``) would. Register after it: Flask runs after-request functions in reverse order, so this one runs
    first and flask-compress then leaves the response alone (it skips responses that already have a
    Content-Encoding)."""
    cache = CompressedCache()
    starts = tuple(prefixes)

    def compressed(body: bytes, encoding: str) -> bytes:
        return _compress_data(app, body, encoding)

    def after(response: Response) -> Response:
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or not request.path.startswith(starts)
            or response.mimetype not in compress.compress_mimetypes_set
            or "Content-Encoding" in response.headers
        ):
            return response
        encoding = _choose_algorithm(compress.enabled_algorithms, request.headers.get("Accept-Encoding", ""))
        if encoding is None:
            return response
        response.direct_passthrough = False  # a file response: read it (flask-compress does the same)
        body = response.get_data()
        if len(body) < app.config["COMPRESS_MIN_SIZE"]:
            return response
        response.set_data(cache.get(encoding, body, compressed))
        response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(f"{etag}:{encoding}")
        response.make_conditional(request)
        return response

    app.after_request(after)
    app.extensions[EXTENSION] = cache
    return cache
