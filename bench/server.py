"""Start and stop the servers the benchmark measures (our own child processes only, stopped by their pid)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(warehouse: Path, port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "KPI_WAREHOUSE": str(warehouse), "HOST": "127.0.0.1", "PORT": str(port), **(extra or {})}


def start_app(
    warehouse: Path, port: int, log: IO[bytes], extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``python app.py`` (Dash's development server, as ``make run``)."""
    return subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=REPO,
        env=_env(warehouse, port, extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_gunicorn(warehouse: Path, port: int, log: IO[bytes], workers: int = 2) -> subprocess.Popen[bytes]:
    """``gunicorn -w 2 -b 127.0.0.1:PORT app:server`` (as ``make serve``)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "app:server"],
        cwd=REPO,
        env=_env(warehouse, port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float = 60.0) -> float:
    """Seconds until ``/api/v1/kpis`` answers 200; raises with the server log if the process exits or times out."""
    t0 = time.perf_counter()
    url = f"http://127.0.0.1:{port}/api/v1/kpis"
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early (code {proc.returncode}):\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{log_path.read_text(errors='replace')}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()  # our own child, by its pid
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident set size) of a process in MB, from /proc (no psutil)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
