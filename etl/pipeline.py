"""The ordered ETL: loaders -> staging -> marts -> checks, built into a new file and renamed into place."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import duckdb
import pandas as pd

from etl import checks, marts, parquet
from etl.errors import EtlError
from etl.loaders import esri, industry, jukiban, labour, migration, prefectures, ssdse_b
from etl.loaders.base import LoadResult
from kpidash import config

Loader = Callable[[Path], LoadResult]
LOADERS: list[tuple[str, Loader]] = [
    ("prefecture master", prefectures.load),
    ("ESRI 県民経済計算 (総括表)", esri.load),
    ("住民基本台帳 人口", jukiban.load),
    ("住民基本台帳人口移動報告", migration.load),
    ("労働力調査・国勢調査 就業者", labour.load),
    ("SSDSE-B 県別推移", ssdse_b.load),
    ("産業構造 (経済活動別県内総生産・産業別就業者数)", industry.load),
]


@dataclass
class BuildReport:
    warehouse: Path
    elapsed_s: float
    size_bytes: int
    summary: pd.DataFrame
    steps: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Progress:
    def __init__(self, out: TextIO | None) -> None:
        self.out = out
        self.steps: list[tuple[str, float]] = []
        self.t0 = time.perf_counter()

    def run(self, label: str, fn: Callable[[], Any]) -> Any:
        if self.out:
            print(f"  … {label}", end="", flush=True, file=self.out)
        t = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t
        self.steps.append((label, dt))
        if self.out:
            print(f"\r  ✓ {label} ({dt:.2f} s)", file=self.out, flush=True)
        return result


def build(
    raw_dir: Path | None = None,
    warehouse: Path | None = None,
    *,
    out: TextIO | None = sys.stderr,
    loaders: list[tuple[str, Loader]] | None = None,
    kpi_defs_path: Path | None = None,
) -> BuildReport:
    """Build the warehouse. On any error the previous file is untouched and the temporary file removed."""
    raw_dir = raw_dir or config.raw_dir()
    warehouse = warehouse or config.warehouse_path()
    try:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EtlError(f"cannot create the warehouse folder: {exc.strerror or exc}", file=warehouse.parent) from None
    tmp = warehouse.with_name(f".{warehouse.name}.building-{os.getpid()}")
    remove_stale_building_files(warehouse)
    progress = Progress(out)
    if out:
        print(f"Building {warehouse} from {raw_dir}", file=out)
    try:
        results: list[LoadResult] = []
        for label, fn in loaders or LOADERS:
            results.append(progress.run(f"load {label}", partial(fn, raw_dir)))
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            progress.run("staging tables", lambda: marts.write_staging(con, results))
            progress.run("marts", lambda: marts.build_marts(con, results))
            progress.run(
                "derived series (loader YAMLs, kpi_defs.yaml)", lambda: marts.build_derived(con, kpi_defs_path, results)
            )
            failures = progress.run("checks", lambda: checks.run_all(con))
            if failures:
                shown = "\n".join(f"  - {f}" for f in failures[:20])
                more = f"\n  … and {len(failures) - 20} more" if len(failures) > 20 else ""
                raise EtlError(f"{len(failures)} check(s) failed; the previous warehouse is kept:\n{shown}{more}")
            notes = checks.notes(con)  # informational (e.g. SSDSE-B edition differences), never a failure
            if out:
                for n in notes:
                    print(f"  note {n}", file=out)
            summary = marts.summary(con)
            progress.run("export marts to Parquet", lambda: parquet.export_marts(con, parquet.parquet_dir(warehouse)))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, warehouse)  # atomic on one filesystem: readers see the old or the new file, never half
    except (OSError, duckdb.Error) as exc:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        cause = getattr(exc, "strerror", None) or str(exc)
        raise EtlError(
            f"cannot write the warehouse ({type(exc).__name__}: {cause}); the previous warehouse is kept",
            file=warehouse,
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
    elapsed = time.perf_counter() - progress.t0
    return BuildReport(warehouse, elapsed, warehouse.stat().st_size, summary, progress.steps, notes)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_building_files(warehouse: Path) -> list[Path]:
    """Delete temporary files left by builds that were killed (their pid no longer runs)."""
    removed = []
    for f in warehouse.parent.glob(f".{warehouse.name}.building-*"):
        m = re.fullmatch(rf"\.{re.escape(warehouse.name)}\.building-(\d+)(\.wal)?", f.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            f.unlink(missing_ok=True)
            removed.append(f)
    return removed


def check(warehouse: Path | None = None) -> list[str]:
    """The failing checks of a built warehouse (see :func:`check_with_notes` for the informational notes too)."""
    return check_with_notes(warehouse)[0]


def check_with_notes(warehouse: Path | None = None) -> tuple[list[str], list[str]]:
    """(failing checks, informational notes) of a built warehouse."""
    warehouse = warehouse or config.warehouse_path()
    if not warehouse.exists():
        raise EtlError("warehouse not found; run `python -m etl build`", file=warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return checks.run_all(con), checks.notes(con)
    finally:
        con.close()
