"""Profile the benchmarked callbacks and API calls in-process with cProfile (py-spy is not installed).

    python -m bench.profile [NAME ...] [-n 20] [--top 25]

NAME is a payload in bench/payloads (compare_map, trends, muni_japan, …) or api_data / api_kpis; default: all.
Each is called ``n`` times through Flask's test client after one warm-up call; the report lists the mean time per
call and the functions with the largest cumulative time, and is written to bench/results/profile-<name>.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import pstats
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.views import API_CALLS, CALLBACKS

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.profile")
    ap.add_argument("names", nargs="*")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    app_module = importlib.import_module("app")  # the real app on KPI_WAREHOUSE (default data/warehouse.duckdb)

    tc = app_module.server.test_client()
    calls = {
        v.name: (
            "POST",
            "/_dash-update-component",
            json.loads((REPO / "bench" / "payloads" / f"{v.name}.json").read_text()),
        )
        for v in CALLBACKS
    }
    calls.update({k: ("GET", path, None) for k, _, path in API_CALLS})
    names = args.names or list(calls)
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        method, path, payload = calls[name]

        def once(method: str = method, path: str = path, payload: dict | None = payload) -> int:
            if method == "POST" and payload is not None:
                r = tc.post(path, json=payload["body"], headers=payload.get("headers", {}))
            else:
                r = tc.get(path)
            return r.status_code

        once()
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for _ in range(args.n):
            status = once()
        prof.disable()
        per_call = (time.perf_counter() - t0) / args.n * 1000
        buf = io.StringIO()
        buf.write(f"{name}: {per_call:.1f} ms per call under cProfile (n={args.n}, last status {status})\n")
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(args.top)
        text = buf.getvalue()
        (out_dir / f"profile-{name}.txt").write_text(text, encoding="utf-8")
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
