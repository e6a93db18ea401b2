"""Export of the marts to Parquet (``data/parquet/`` next to the warehouse), swapped in atomically.

Any engine (DuckDB, Polars, pandas, Spark, R arrow) can read the marts from these files without DuckDB's file
format. The build writes every ``marts.*`` table into a new version folder ``.parquet-<stamp>-<pid>/`` and then points
``parquet`` at it by replacing a symbolic link with ``os.replace`` — one atomic rename: a reader sees the complete
previous set or the complete new one, never a mix. The previous version folder is removed afterwards (open files
stay readable until closed). On any error the new folder is removed and the current export is untouched.

Each export has ``_manifest.json``: table, file, rows and columns, and the build time.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import duckdb

LINK_NAME = "parquet"


def parquet_dir(warehouse: Path) -> Path:
    """``data/parquet`` for ``data/warehouse.duckdb``."""
    return warehouse.parent / LINK_NAME


def marts_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _write(con: duckdb.DuckDBPyConnection, folder: Path) -> list[dict[str, object]]:
    manifest: list[dict[str, object]] = []
    for table in marts_tables(con):
        out = folder / f"{table}.parquet"
        # Table names come from the catalogue (not user input); the path is a bound literal via the quoted string.
        target = str(out).replace("'", "''")
        con.execute(f"COPY marts.\"{table}\" TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
        cols = [str(r[0]) for r in con.execute(f'DESCRIBE marts."{table}"').fetchall()]
        (rows,) = con.execute(f'SELECT count(*) FROM marts."{table}"').fetchone() or (0,)
        manifest.append({"table": f"marts.{table}", "file": out.name, "rows": int(rows), "columns": cols})
    return manifest


def export_marts(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Write every marts table to ``<target>/<table>.parquet`` and swap ``target`` atomically. Returns the folder."""
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    version = parent / f".{target.name}-{stamp}-{os.getpid()}"
    link_tmp = parent / f".{target.name}.link-{os.getpid()}"
    try:
        version.mkdir()
        manifest = _write(con, version)
        (version / "_manifest.json").write_text(
            json.dumps(
                {"built": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "tables": manifest}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
        previous = target.resolve() if target.is_symlink() else None
        if target.exists() and not target.is_symlink():
            # An older layout had a real folder here: move it aside (the one non-atomic step, first run only).
            shutil.rmtree(target)
        link_tmp.unlink(missing_ok=True)
        link_tmp.symlink_to(version.name)  # relative: the data folder can be moved or mounted elsewhere
        os.replace(link_tmp, target)  # atomic swap of the link
    except BaseException:
        link_tmp.unlink(missing_ok=True)
        shutil.rmtree(version, ignore_errors=True)
        raise
    if previous is not None and previous != version.resolve() and previous.parent == parent.resolve():
        shutil.rmtree(previous, ignore_errors=True)
    return version
