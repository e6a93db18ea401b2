"""One error type for bad input, always naming where the problem is."""

from __future__ import annotations

from pathlib import Path


class EtlError(Exception):
    """Bad input or a failed check. The message names the file, row and key so a user can fix it."""

    def __init__(self, message: str, *, file: Path | str | None = None, row: int | None = None, key: str | None = None):
        self.file = str(file) if file is not None else None
        self.row = row
        self.key = key
        where = []
        if self.file:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if key:
            where.append(key)
        prefix = ": ".join([", ".join(where)]) + ": " if where else ""
        super().__init__(prefix + message)
