"""HTTP replay on 127.0.0.1: sequential latency with one keep-alive connection, and concurrent load from threads."""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends


def _zstd_decompress(data: bytes) -> bytes:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python ≥ 3.14
    except ImportError:
        from backports import zstd  # type: ignore[import-not-found,no-redef]  # flask-compress depends on it
    return bytes(zstd.decompress(data))


def decode(body: bytes, encoding: str | None) -> bytes:
    enc = (encoding or "").strip().lower()
    if enc in ("", "identity"):
        return body
    if enc == "gzip":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if enc == "deflate":
        return zlib.decompress(body)
    if enc == "br":
        import brotli

        return bytes(brotli.decompress(body))
    if enc == "zstd":
        return _zstd_decompress(body)
    raise ValueError(f"unknown Content-Encoding {encoding!r}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return s[k]


@dataclass
class Sample:
    status: int
    seconds: float
    wire_bytes: int
    raw: bytes
    encoding: str | None


class Client:
    """One keep-alive connection (reopened transparently when the server closes it, as gunicorn's sync workers do)."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Sample:
        hdrs = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        dt = time.perf_counter() - t0
        if resp.will_close:
            self.conn.close()
        enc = resp.getheader("Content-Encoding")
        return Sample(resp.status, dt, len(data), decode(data, enc), enc)

    def close(self) -> None:
        self.conn.close()


def dash_post(client: Client, payload: dict[str, Any]) -> Sample:
    body = json.dumps(payload["body"], ensure_ascii=False).encode("utf-8")
    return client.request("POST", "/_dash-update-component", body, {**payload.get("headers", {})})


def callback_ok(sample: Sample) -> bool:
    if sample.status != 200:
        return False
    try:
        doc = json.loads(sample.raw)
    except ValueError:
        return False
    return isinstance(doc, dict) and "response" in doc


@dataclass
class LoadResult:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        lat = self.latencies or [float("nan")]
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "rps": round(self.rps, 1),
            "p50_ms": round(percentile(lat, 50) * 1000, 1),
            "p95_ms": round(percentile(lat, 95) * 1000, 1),
            "max_ms": round(max(lat) * 1000, 1),
        }


def load(host: str, port: int, payloads: list[dict[str, Any]], clients: int, seconds: float) -> LoadResult:
    """``clients`` threads, each with its own keep-alive connection, replay the payloads round-robin for ``seconds``.

    Every response is checked (HTTP 200 and a Dash response document); anything else counts as an error.
    """
    result = LoadResult(clients, seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def worker(i: int) -> None:
        c = Client(host, port)
        lat: list[float] = []
        errs: dict[str, int] = {}
        n = 0
        start.wait()
        k = i
        while time.perf_counter() < stop_at[0]:
            p = payloads[k % len(payloads)]
            k += 1
            try:
                s = dash_post(c, p)
                kind = None if callback_ok(s) else f"HTTP {s.status}"
                lat.append(s.seconds)
            except Exception as exc:  # connection refused/reset, timeout: an error, never a crash of the benchmark
                kind = type(exc).__name__
            n += 1
            if kind:
                errs[kind] = errs.get(kind, 0) + 1
        c.close()
        with lock:
            result.requests += n
            result.latencies.extend(lat)
            for key, v in errs.items():
                result.error_kinds[key] = result.error_kinds.get(key, 0) + v
                result.errors += v

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join(timeout=seconds + 60)
    result.seconds = time.perf_counter() - t0
    return result
