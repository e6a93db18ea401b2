"""Benchmark of the dashboard on the real warehouse: prints a table and writes bench/results/latest.json.

    python -m bench.run            # or: python bench/run.py, make bench
    BENCH_SMALL=1 python -m bench.run   # quick setting (< 60 s): few iterations, no gunicorn runs

Steps (one server at a time, each our own child process, stopped by its pid):

1. ``python app.py`` on a free 127.0.0.1 port. Callback payloads are the exact JSON the browser POSTs to
   ``/_dash-update-component``, captured once per view (bench/payloads/*.json; ``--recapture`` records them again:
   with Playwright, or for a render callback that no longer runs on load, as the renderer would build its first
   call from ``_dash-dependencies`` and the page's first layout — bench.browser.initial_request). After a warm-up
   each is replayed N times in sequence over one keep-alive connection: latency p50/p95 and the bytes of the
   response (on the wire with the browser's Accept-Encoding, and decoded). The same for the JSON API. Then
   navigation → chart drawn in headless Chromium, and the app's peak RSS (VmHWM).
2. ``python -m etl build`` into a temporary folder (full rebuild, wall time).
3. ``gunicorn -w 2``: 20 concurrent clients replaying the callback payloads for 15 s (req/s, p95, errors) and, in
   the full setting, 50 clients for 60 s (reliability: zero errors expected).

Every row has a target from docs/performance.md and pass/FAIL; rows without a target are ``info``. Timings are
never asserted by tests; tests/integration/test_bench_smoke.py only checks that this runs and writes every metric.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/run.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import browser, client, server
from bench.views import API_CALLS, CALLBACKS, INTERACTION_PARTS, NAVIGATIONS

REPO = Path(__file__).resolve().parent.parent
PAYLOADS = REPO / "bench" / "payloads"
RESULTS = REPO / "bench" / "results"
# Views memoised by kpidash.data.cache (the municipality view keeps its own data caches): measured again with it off.
UNCACHED_VIEWS = ("compare_map", "compare_bar", "compare_table", "trends", "industry")
GEOMETRY_MARKERS = (b'"coordinates"', b'"FeatureCollection"', b'"MultiPolygon"')


@dataclass(frozen=True)
class Settings:
    small: bool
    callback_n: int
    api_n: int
    warmup: int
    nav_runs: int
    etl_runs: int
    throughput_clients: int
    throughput_s: float
    load_clients: int
    load_s: float

    @classmethod
    def make(cls, small: bool) -> Settings:
        if small:
            return cls(True, 8, 8, 2, 1, 1, 20, 0, 50, 0)
        return cls(False, 200, 200, 10, 5, 3, 20, 15, 50, 60)


# ---------------------------------------------------------------- results table


class Report:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        key: str,
        label: str,
        value: float | None,
        unit: str,
        target: float | None = None,
        op: str = "<=",
        detail: str = "",
        extra: dict[str, Any] | None = None,
        skipped: str | None = None,
    ) -> None:
        if skipped is not None:
            status = "skip"
        elif target is None:
            status = "info"
        elif value is None:
            status = "FAIL"
        else:
            ok = value <= target if op == "<=" else value >= target
            status = "pass" if ok else "FAIL"
        self.rows.append(
            {
                "id": key,
                "metric": label,
                "value": None if value is None else round(float(value), 3),
                "unit": unit,
                "target": None if target is None else f"{op} {target:g} {unit}".strip(),
                "status": status,
                "detail": skipped if skipped is not None else detail,
                **({"extra": extra} if extra else {}),
            }
        )

    def table(self) -> str:
        def val(r: dict[str, Any]) -> str:
            if r["value"] is None:
                return "—"
            v = r["value"]
            s = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"
            return f"{s} {r['unit']}".strip()

        head = ("metric", "value", "target", "status", "detail")
        lines = [(r["metric"], val(r), r["target"] or "—", r["status"], r["detail"]) for r in self.rows]
        widths = [max(_w(x[i]) for x in [head, *lines]) for i in range(4)]
        out = []
        for i, row in enumerate([head, *lines]):
            cells = [_pad(row[j], widths[j]) for j in range(4)] + [row[4]]
            out.append("  ".join(cells).rstrip())
            if i == 0:
                out.append("  ".join("-" * w for w in widths) + "  ------")
        return "\n".join(out)


def _w(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _w(s))


# ---------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu,
        "ram_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# ---------------------------------------------------------------- steps


def load_payloads(base_url: str, recapture: bool) -> dict[str, dict[str, Any]]:
    missing = [v for v in CALLBACKS if recapture or not (PAYLOADS / f"{v.name}.json").exists()]
    if missing:
        print(f"  capturing {len(missing)} callback payload(s) with Chromium → bench/payloads/", flush=True)
        browser.capture(base_url, missing, PAYLOADS)
    return {v.name: json.loads((PAYLOADS / f"{v.name}.json").read_text(encoding="utf-8")) for v in CALLBACKS}


def _latency(c: client.Client, p: dict[str, Any], s: Settings) -> tuple[list[float], int, Any]:
    for _ in range(s.warmup):
        client.dash_post(c, p)
    lat: list[float] = []
    errors = 0
    sample = None
    for _ in range(s.callback_n):
        sample = client.dash_post(c, p)
        lat.append(sample.seconds)
        errors += 0 if client.callback_ok(sample) else 1
    return lat, errors, sample


def _api_latency(c: client.Client, path: str, s: Settings) -> tuple[list[float], int, Any]:
    for _ in range(s.warmup):
        c.request("GET", path)
    lat: list[float] = []
    errors = 0
    sample = None
    for _ in range(s.api_n):
        sample = c.request("GET", path)
        lat.append(sample.seconds)
        errors += 0 if sample.status == 200 else 1
    return lat, errors, sample


def measure_callbacks(
    port: int, payloads: dict[str, dict[str, Any]], s: Settings, report: Report
) -> dict[str, dict[str, Any]]:
    c = client.Client("127.0.0.1", port)
    stats: dict[str, dict[str, Any]] = {}
    try:
        for v in CALLBACKS:
            p = payloads[v.name]
            if not client.callback_ok(client.dash_post(c, p)):
                # The callback changed since the payload was captured (other inputs or outputs): capture it again.
                print(f"  payload {v.name} is stale: capturing it again", flush=True)
                browser.capture(f"http://127.0.0.1:{port}", [v], PAYLOADS)
                p = payloads[v.name] = json.loads((PAYLOADS / f"{v.name}.json").read_text(encoding="utf-8"))
            lat, errors, sample = _latency(c, p, s)
            assert sample is not None
            geometry = any(m in sample.raw for m in GEOMETRY_MARKERS)
            stats[v.name] = {
                "p50_ms": client.percentile(lat, 50) * 1000,
                "p95_ms": client.percentile(lat, 95) * 1000,
                "n": len(lat),
                "errors": errors,
                "wire_bytes": sample.wire_bytes,
                "raw_bytes": len(sample.raw),
                "encoding": sample.encoding,
                "geometry": geometry,
            }
    finally:
        c.close()
    for v in CALLBACKS:
        st = stats[v.name]
        report.add(
            f"callback_{v.name}_p95",
            f"callback {v.label} p95",
            st["p95_ms"] if st["errors"] == 0 else None,  # timings of error responses are not a result
            "ms",
            v.target_ms,
            detail=f"p50 {st['p50_ms']:.1f} ms, n={st['n']}, errors={st['errors']}",
            extra={"p50_ms": round(st["p50_ms"], 2), "n": st["n"], "errors": st["errors"]},
        )
    for v in CALLBACKS:
        if v.name == "muni_rows":
            continue  # counted inside the municipality interactions
        parts = [v.name, *INTERACTION_PARTS.get(v.name, [])]
        wire = sum(stats[n]["wire_bytes"] for n in parts) / 1024
        raw = sum(stats[n]["raw_bytes"] for n in parts) / 1024
        report.add(
            f"bytes_{v.name}",
            f"bytes per interaction {v.label}",
            wire,
            "KB",
            30,
            detail=f"on the wire ({stats[v.name]['encoding'] or 'identity'}); {raw:.1f} KB decoded; "
            + ("+".join(parts) if len(parts) > 1 else "one callback"),
            extra={"wire_kb": round(wire, 2), "raw_kb": round(raw, 2), "callbacks": parts},
        )
    with_geometry = [n for n, st in stats.items() if st["geometry"]]
    report.add(
        "geometry_in_callbacks",
        "callback responses containing geometry",
        len(with_geometry),
        "",
        0,
        detail=", ".join(with_geometry) or "none (maps reference /geo/*.geojson by URL)",
    )
    return stats


def measure_uncached(
    warehouse: Path, payloads: dict[str, dict[str, Any]], s: Settings, report: Report, logdir: Path
) -> None:
    """The same prefecture callbacks and data API on a server started with KPIDASH_VIEW_CACHE=0: every request
    computes its selection from the warehouse (what the first analyst to open a selection waits for)."""
    port = server.free_port()
    log_path = logdir / "app-nocache.log"
    names = [v for v in CALLBACKS if v.name in UNCACHED_VIEWS]
    with log_path.open("wb") as log:
        proc = server.start_app(warehouse, port, log, {"KPIDASH_VIEW_CACHE": "0"})
        try:
            server.wait_ready(proc, port, log_path)
            c = client.Client("127.0.0.1", port)
            try:
                for v in names:
                    lat, errors, _ = _latency(c, payloads[v.name], s)
                    _uncached_row(report, f"callback_{v.name}", f"callback {v.label}", lat, errors, v.target_ms)
                key, label, path = API_CALLS[0]
                lat, errors, _ = _api_latency(c, path, s)
                _uncached_row(report, key, f"API {label}", lat, errors, 25)
            finally:
                c.close()
        finally:
            server.stop(proc)


def _uncached_row(report: Report, key: str, label: str, lat: list[float], errors: int, target_ms: float) -> None:
    """The p95 row of a call measured on the server with KPIDASH_VIEW_CACHE=0 (no result when a call failed)."""
    p50 = client.percentile(lat, 50) * 1000
    report.add(
        f"{key}_p95_uncached",
        f"{label} p95, view cache off",
        client.percentile(lat, 95) * 1000 if errors == 0 else None,
        "ms",
        target_ms,
        detail=f"p50 {p50:.1f} ms, n={len(lat)}, errors={errors}; KPIDASH_VIEW_CACHE=0",
        extra={"p50_ms": round(p50, 2), "n": len(lat), "errors": errors},
    )


def measure_api(port: int, s: Settings, report: Report) -> None:
    c = client.Client("127.0.0.1", port)
    try:
        for key, label, path in API_CALLS:
            lat, errors, sample = _api_latency(c, path, s)
            assert sample is not None
            p50 = client.percentile(lat, 50) * 1000
            report.add(
                f"{key}_p95",
                f"API {label} p95",
                client.percentile(lat, 95) * 1000,
                "ms",
                25,
                detail=f"p50 {p50:.1f} ms, n={len(lat)}, errors={errors}, {sample.wire_bytes / 1024:.1f} KB wire",
                extra={"p50_ms": round(p50, 2), "errors": errors, "wire_bytes": sample.wire_bytes},
            )
    finally:
        c.close()


def measure_navigation(base_url: str, s: Settings, report: Report) -> None:
    res = browser.navigation_times(base_url, NAVIGATIONS, s.nav_runs)
    for nav in NAVIGATIONS:
        r = res[nav.name]
        for kind in ("warm", "cold"):
            vals = r[f"{kind}_s"]
            med = sorted(vals)[len(vals) // 2]
            report.add(
                f"nav_{nav.name}_{kind}",
                f"navigation → chart drawn {nav.label} ({kind})",
                med,
                "s",
                1.0,
                detail=f"median of {len(vals)}: "
                + ", ".join(f"{x:.2f}" for x in vals)
                + (f"; page errors: {r['page_errors'][:2]}" if r["page_errors"] else ""),
                extra={"runs_s": [round(x, 3) for x in vals]},
            )


LIGHTHOUSE_PAGES = ["/", "/compare", "/compare?view=bar", "/compare?view=table", "/trends", "/municipalities"]


def lighthouse_rows() -> list[tuple[str, str, str, str, float | None]]:
    """(page, id, label, unit, target) of the Lighthouse rows: performance ≥ 90 on the overview and every view of the
    compare page, accessibility ≥ 95 everywhere (issue #8), transferred bytes for information."""
    rows: list[tuple[str, str, str, str, float | None]] = []
    for path in LIGHTHOUSE_PAGES:
        key = "lighthouse_" + (path.strip("/") or "overview").replace("?view=", "_")
        perf_target = 90.0 if path == "/" or path.startswith("/compare") else None
        rows += [
            (path, f"{key}_performance", f"Lighthouse performance {path}", "", perf_target),
            (path, f"{key}_accessibility", f"Lighthouse accessibility {path}", "", 95.0),
            (path, f"{key}_transfer", f"bytes transferred, first visit {path}", "KiB", None),
        ]
    return rows


def measure_lighthouse(base_url: str, s: Settings, report: Report) -> None:
    """Lighthouse 12.8 (desktop preset, median of 3 runs by performance) on the main pages. Full setting only (it
    installs Lighthouse from npm into bench/.node on first use and takes a few minutes)."""
    rows = lighthouse_rows()
    reason = "BENCH_SMALL=1: no Lighthouse run" if s.small else None
    if reason is None:
        proc = subprocess.run(
            ["bash", str(REPO / "bench" / "lighthouse.sh"), base_url, *LIGHTHOUSE_PAGES],
            cwd=REPO,
            env={**os.environ, "LH_RUNS": "3"},
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            reason = (proc.stderr.strip().splitlines() or ["lighthouse failed"])[-1]
    if reason is not None:
        for _, key, label, unit, target in rows:
            report.add(key, label, None, unit, target, ">=", skipped=reason)
        return
    pages = {r["path"]: r for r in json.loads((RESULTS / "lighthouse.json").read_text(encoding="utf-8"))["pages"]}
    for path, key, label, unit, target in rows:
        r = pages[path]
        field = {"performance": "performance", "accessibility": "accessibility", "transfer": "transfer_kib"}[
            key.rsplit("_", 1)[1]
        ]
        detail = (
            f"best practices {r['best_practices']}; TBT {r['tbt_ms']} ms, LCP {r['lcp_ms']} ms, CLS {r['cls']}"
            if field == "performance"
            else ""
        )
        report.add(key, label, r[field], unit, target, ">=", detail)


def measure_etl(s: Settings, report: Report) -> None:
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp:
        for _ in range(s.etl_runs):
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "etl", "build", "--warehouse", str(Path(tmp) / "warehouse.duckdb")],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise RuntimeError(f"ETL build failed:\n{proc.stdout}\n{proc.stderr}")
    med = sorted(times)[len(times) // 2]
    report.add(
        "etl_build",
        "ETL full rebuild (python -m etl build, wall)",
        med,
        "s",
        20,
        detail=f"median of {len(times)}: " + ", ".join(f"{x:.2f}" for x in times) + " (incl. Parquet export)",
    )


THROUGHPUT = [("compare", "compare_map", "/compare map"), ("muni", "muni_japan", "/municipalities all Japan")]


def measure_gunicorn(
    warehouse: Path, payloads: dict[str, dict[str, Any]], s: Settings, report: Report, logdir: Path
) -> None:
    """Throughput of one prefecture view and one municipality view (20 clients each), then the reliability load:
    50 clients replaying all eight callbacks round-robin (full setting only)."""
    mix = [payloads[v.name] for v in CALLBACKS]
    rows: list[tuple[str, str, str, float | None, str]] = []
    for key, _, label in THROUGHPUT:
        rows += [
            (f"gunicorn_{key}_rps", f"gunicorn -w 2, 20 clients, {label}: throughput", "req/s", 150.0, ">="),
            (f"gunicorn_{key}_p95", f"gunicorn -w 2, 20 clients, {label}: p95", "ms", 300.0, "<="),
            (f"gunicorn_{key}_errors", f"gunicorn -w 2, 20 clients, {label}: errors", "", 0.0, "<="),
        ]
    rows += [
        ("load50_rps", "load 50 clients × 60 s (all callbacks): throughput", "req/s", None, ">="),
        ("load50_p95", "load 50 clients × 60 s (all callbacks): p95", "ms", None, "<="),
        ("load50_errors", "load 50 clients × 60 s (all callbacks): errors", "", 0.0, "<="),
        ("gunicorn_peak_rss", "gunicorn peak RSS (largest worker)", "MB", None, "<="),
    ]
    if s.small:
        for key, label, unit, target, op in rows:
            report.add(key, label, None, unit, target, op, skipped="BENCH_SMALL=1: no gunicorn runs")
        return
    labels = {r[0]: r[1] for r in rows}
    port = server.free_port()
    log_path = logdir / "gunicorn.log"
    with log_path.open("wb") as log:
        proc = server.start_gunicorn(warehouse, port, log)
        try:
            server.wait_ready(proc, port, log_path)
            c = client.Client("127.0.0.1", port)
            for p in mix * 3:  # warm both workers' caches
                client.dash_post(c, p)
            c.close()
            for key, name, _ in THROUGHPUT:
                r = client.load("127.0.0.1", port, [payloads[name]], s.throughput_clients, s.throughput_s).summary()
                d = f"{r['requests']} requests in {r['seconds']} s; p50 {r['p50_ms']} ms; payload {name}"
                report.add(f"gunicorn_{key}_rps", labels[f"gunicorn_{key}_rps"], r["rps"], "req/s", 150, ">=", d, r)
                report.add(f"gunicorn_{key}_p95", labels[f"gunicorn_{key}_p95"], r["p95_ms"], "ms", 300, "<=", d)
                report.add(
                    f"gunicorn_{key}_errors",
                    labels[f"gunicorn_{key}_errors"],
                    r["errors"],
                    "",
                    0,
                    "<=",
                    str(r["error_kinds"]),
                )
            r = client.load("127.0.0.1", port, mix, s.load_clients, s.load_s).summary()
            d = f"{r['requests']} requests in {r['seconds']} s; p50 {r['p50_ms']} ms, max {r['max_ms']} ms"
            report.add("load50_rps", labels["load50_rps"], r["rps"], "req/s", detail=d, extra=r)
            report.add("load50_p95", labels["load50_p95"], r["p95_ms"], "ms", detail=d)
            report.add("load50_errors", labels["load50_errors"], r["errors"], "", 0, detail=str(r["error_kinds"]))
            rss = [x for x in (server.peak_rss_mb(pid) for pid in server.children(proc.pid)) if x is not None]
            report.add(
                "gunicorn_peak_rss",
                labels["gunicorn_peak_rss"],
                max(rss) if rss else None,
                "MB",
                detail=f"{len(rss)} workers: " + ", ".join(f"{x:.0f}" for x in rss),
            )
        finally:
            server.stop(proc)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", action="store_true", help="quick setting (also BENCH_SMALL=1)")
    ap.add_argument("--out", help="JSON output (default bench/results/latest.json; env BENCH_OUT)")
    ap.add_argument("--recapture", action="store_true", help="record the callback payloads again with Chromium")
    args = ap.parse_args(argv)
    small = args.small or os.environ.get("BENCH_SMALL", "") not in ("", "0")
    s = Settings.make(small)
    out = Path(args.out or os.environ.get("BENCH_OUT") or RESULTS / "latest.json")
    from kpidash import config

    warehouse = config.warehouse_path()
    if not warehouse.exists():
        print(f"error: {warehouse} not found: run `make setup` (or `python -m etl build`) first", file=sys.stderr)
        return 2
    report = Report()
    t_start = time.perf_counter()
    info = machine()
    print(
        f"Benchmark ({'BENCH_SMALL' if small else 'full'}) on {warehouse} — {info['nproc']} CPU "
        f"({info['cpu_model']}), {info['ram_gb']} GB RAM",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        logdir = Path(tmp)
        port = server.free_port()
        log_path = logdir / "app.log"
        with log_path.open("wb") as log:
            print("  app.py: latency, bytes, API, browser", flush=True)
            proc = server.start_app(warehouse, port, log)
            try:
                ready_s = server.wait_ready(proc, port, log_path)
                base = f"http://127.0.0.1:{port}"
                report.add("app_start", "app start → first API answer", ready_s, "s", detail="python app.py")
                payloads = load_payloads(base, args.recapture)
                measure_callbacks(port, payloads, s, report)
                measure_api(port, s, report)
                measure_navigation(base, s, report)
                if not small:
                    print("  Lighthouse (3 runs per page)", flush=True)
                measure_lighthouse(base, s, report)
                report.add(
                    "app_peak_rss", "app.py peak RSS (VmHWM)", server.peak_rss_mb(proc.pid), "MB", detail="after all"
                )
            finally:
                server.stop(proc)
        print("  app.py with KPIDASH_VIEW_CACHE=0: first-request latency", flush=True)
        measure_uncached(warehouse, payloads, s, report, logdir)
        print("  ETL rebuild", flush=True)
        measure_etl(s, report)
        if not small:
            print("  gunicorn: 20 clients × 15 s per view, then 50 clients × 60 s", flush=True)
        measure_gunicorn(warehouse, payloads, s, report, logdir)
    elapsed = time.perf_counter() - t_start
    doc = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "setting": "small" if small else "full",
        "settings": s.__dict__,
        "machine": info,
        "warehouse": str(warehouse),
        "elapsed_s": round(elapsed, 1),
        "metrics": report.rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print()
    print(report.table())
    fails = [r["metric"] for r in report.rows if r["status"] == "FAIL"]
    print(f"\n{len(report.rows)} metrics, {len(fails)} below target; {elapsed:.0f} s; written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
