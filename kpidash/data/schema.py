"""The warehouse file against its contract (docs/architecture.md, "Warehouse contract").

``check_warehouse_schema(path)`` lists what is missing, so an older warehouse is refused with a message that says to
rebuild it; ``ensure_warehouse_schema(path)`` raises with that list.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from kpidash.config import WAREHOUSE_CONTRACT
from kpidash.data.connection import WarehouseMissing, query


class WarehouseSchemaError(WarehouseMissing):
    """The warehouse exists but lacks a table or column of the contract (built by an older version).

    A subclass of ``WarehouseMissing`` so that every caller that already refuses to start on a missing warehouse
    (app.py, ``python -m kpidash kpi-status``) refuses an outdated one with the same clear message.
    """


# The contract of docs/architecture.md ("Warehouse contract"); tests/unit/test_security.py checks the two agree.
REBUILD_HINT = "rebuild it with `make etl` (or `python -m etl build`)"


def check_warehouse_schema(path: Path | str) -> list[str]:
    """Problems of the warehouse at ``path`` against the contract; an empty list means it is usable.

    Each problem is a sentence naming the file and the missing table or column. ``region_block_*`` in the contract
    means at least one column with that prefix.
    """
    path = Path(path)
    if not path.is_file():
        return [f"warehouse {path} not found: run `make setup` or `python -m etl build`"]
    try:
        columns = query(
            "SELECT table_schema || '.' || table_name AS t, column_name AS c FROM information_schema.columns "
            "WHERE table_schema = 'marts'",
            path=path,
        )
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [f"warehouse {path} cannot be opened as a DuckDB database ({first}); {REBUILD_HINT}"]
    rows = zip(columns["t"].tolist(), columns["c"].tolist(), strict=True)
    present: dict[str, set[str]] = {}
    for table, column in rows:
        present.setdefault(table, set()).add(column)
    problems: list[str] = []
    for table, columns in WAREHOUSE_CONTRACT.items():
        have = present.get(table)
        if have is None:
            problems.append(f"warehouse {path}: table {table} is missing (older schema); {REBUILD_HINT}")
            continue
        for col in columns:
            ok = any(c.startswith(col[:-1]) for c in have) if col.endswith("*") else col in have
            if not ok:
                problems.append(f"warehouse {path}: column {table}.{col} is missing (older schema); {REBUILD_HINT}")
    return problems


def ensure_warehouse_schema(path: Path | str) -> None:
    """Raise ``WarehouseSchemaError`` (a ``WarehouseMissing``) with every problem when the warehouse is unusable."""
    problems = check_warehouse_schema(path)
    if problems:
        raise WarehouseSchemaError("\n".join(problems))
