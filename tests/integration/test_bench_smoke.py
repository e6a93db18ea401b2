"""The benchmark runs end to end in its quick setting and reports every metric (timings are never asserted here:
targets live in the benchmark's table, see docs/performance.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import UNCACHED_VIEWS, lighthouse_rows
from bench.views import API_CALLS, CALLBACKS, NAVIGATIONS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def expected_ids() -> set[str]:
    ids = {"app_start", "app_peak_rss", "etl_build", "geometry_in_callbacks", "gunicorn_peak_rss"}
    ids |= {f"callback_{v.name}_p95" for v in CALLBACKS}
    ids |= {f"bytes_{v.name}" for v in CALLBACKS if v.name != "muni_rows"}
    ids |= {f"{key}_p95" for key, _, _ in API_CALLS}
    ids |= {key for _, key, _, _, _ in lighthouse_rows()}
    ids |= {f"callback_{name}_p95_uncached" for name in UNCACHED_VIEWS} | {f"{API_CALLS[0][0]}_p95_uncached"}
    ids |= {f"nav_{n.name}_{kind}" for n in NAVIGATIONS for kind in ("warm", "cold")}
    ids |= {f"gunicorn_{v}_{k}" for v in ("compare", "muni") for k in ("rps", "p95", "errors")}
    ids |= {f"load50_{k}" for k in ("rps", "p95", "errors")}
    return ids


def test_bench_small_prints_table_and_writes_json(warehouse_path: Path, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (see .ci/run)")
    out = tmp_path / "latest.json"
    env = {**os.environ, "BENCH_SMALL": "1", "BENCH_OUT": str(out), "KPI_WAREHOUSE": str(warehouse_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["setting"] == "small"
    assert doc["warehouse"] == str(warehouse_path)
    assert {"nproc", "cpu_model", "ram_gb"} <= set(doc["machine"])
    rows = {r["id"]: r for r in doc["metrics"]}
    assert set(rows) == expected_ids()
    for r in rows.values():
        assert r["status"] in ("pass", "FAIL", "info", "skip"), r
        assert r["metric"] and "unit" in r
        if r["status"] == "skip":
            assert r["value"] is None and "BENCH_SMALL" in r["detail"]
        else:
            assert isinstance(r["value"], int | float), r
        if r["target"] is not None and r["status"] != "skip":
            assert r["status"] in ("pass", "FAIL"), r
    # The gunicorn load runs only in the full setting.
    assert rows["load50_errors"]["status"] == "skip" and rows["gunicorn_muni_rps"]["status"] == "skip"
    # The table is printed: a header and one line per metric.
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("metric") and "status" in line)
    body = lines[header + 2 : header + 2 + len(rows)]
    assert len(body) == len(rows)
    for r in doc["metrics"]:
        assert any(line.startswith(r["metric"]) for line in body), r["metric"]
    assert str(out) in proc.stdout
