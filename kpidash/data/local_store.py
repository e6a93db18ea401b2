"""The user data folder of own KPIs (issue #21): ``kpis.yaml``, the values CSVs it names, and ``history/``.

The folder is env ``KPIDASH_LOCAL_DIR`` or config.LOCAL_DIR (``data/local``), outside the warehouse the ETL rebuilds.
:func:`load` never raises for bad content: the valid KPIs, their values and the errors (file, line, key) of the rest,
so the app keeps serving the national KPIs. A write validates first (a refused input changes nothing), then installs
each file atomically (temporary file beside it, fsync, os.replace, fsync of the folder: a crash leaves the old or the
new file, never a torn one), keeping the previous bytes under ``history/<UTC stamp>/<file>`` and appending a line to
``history/log.jsonl`` (time, actor, action, file, sha256 before/after, where the previous version is kept).

Concurrency: writers are serialised by a threading.Lock (threads) and an flock on the folder itself (the 2 gunicorn
workers of ``make serve`` are processes: without it both could keep the same "previous" version and one write would
be missing from history; flocking the folder creates no file). Readers take no lock: os.replace switches each file at
once, so a reader sees only whole, valid files (an import writes values before the kpis.yaml naming them) and the
settled state on its next load (``LoadedSet.fingerprint`` changes with any file).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kpidash import config
from kpidash.data.local_values import MAX_BYTES as MAX_VALUES_BYTES
from kpidash.data.local_values import LocalValuesError, ValueRow, parse_values
from kpidash.local_schema import (
    FILENAME,
    MAX_YAML_BYTES,
    Issue,
    Known,
    LocalDataError,
    LocalKpi,
    LocalKpiSet,
    check_local_kpis,
    parse_local_kpis,
    values_path_problem,
    without_kpi,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the process lock only
    fcntl = None  # type: ignore[assignment]

HISTORY = "history"
LOG = "log.jsonl"
MANIFEST = "manifest.json"
BUNDLE_FORMAT = "kpidash-local-kpis"
MAX_FILES = 200  # values files in a folder or bundle
MAX_BUNDLE_BYTES = 20_000_000
_LIMITS = {FILENAME: MAX_YAML_BYTES, MANIFEST: 1_000_000}  # bytes per bundle entry; a values CSV: MAX_VALUES_BYTES
_LOCK = threading.Lock()


class LocalStoreError(LocalDataError):
    """A refused store operation (a bad name, a bundle, a missing file); nothing was changed."""


@dataclass(frozen=True)
class LoadedSet:
    folder: Path
    kpis: tuple[LocalKpi, ...] = ()
    values: dict[str, tuple[ValueRow, ...]] = field(default_factory=dict)  # KPI id -> rows (values: KPIs)
    errors: tuple[Issue, ...] = ()
    fingerprint: str = ""  # sha256 over the files read: a cache key


def local_dir() -> Path:
    return Path(os.environ.get("KPIDASH_LOCAL_DIR") or config.LOCAL_DIR)


def _sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def stored_files(folder: Path | None = None) -> dict[str, Path]:
    """kpis.yaml and every values CSV of the folder (history/ and dot files excluded), by relative name."""
    folder = folder or local_dir()
    out = {FILENAME: folder / FILENAME} if (folder / FILENAME).is_file() else {}
    if folder.is_dir():
        for p in sorted(folder.rglob("*.csv")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and values_path_problem(rel) is None:
                out[rel] = p
    return out


def _evaluate(
    yaml_bytes: bytes, read: Callable[[str], bytes | None], known: Known
) -> tuple[LocalKpiSet, dict[str, tuple[ValueRow, ...]], list[Issue], dict[str, bytes]]:
    """(valid KPIs, their values, every issue, the values files read); never raises for bad content."""
    kpis, issues = check_local_kpis(yaml_bytes, FILENAME, known.reserved(), known.regions, known.indicators)
    cache: dict[str, tuple[tuple[ValueRow, ...] | None, str]] = {}  # file -> (rows, why not)
    read_files: dict[str, bytes] = {}
    values: dict[str, tuple[ValueRow, ...]] = {}
    good: list[LocalKpi] = []

    def rows_of(rel: str) -> tuple[tuple[ValueRow, ...] | None, str]:
        if rel not in cache:
            try:
                data = read(rel)
            except OSError as exc:
                data, cache[rel] = None, (None, f"{rel}: cannot read ({exc.strerror})")
            if data is None:
                cache.setdefault(rel, (None, f"{rel}: no such values file (upload it first)"))
                return cache[rel]
            read_files[rel] = data
            try:
                cache[rel] = (parse_values(data, rel, known.regions), "")
            except LocalValuesError as exc:
                issues.extend(exc.issues)
                cache[rel] = (None, f"{rel} was refused (see its errors)")
        return cache[rel]

    for kpi in kpis.kpis:
        if kpi.values is None:
            good.append(kpi)
            continue
        line, key = kpis.line(kpi.id, "values"), kpis.key(kpi.id, "values")
        rows, why = rows_of(kpi.values)
        if rows is None:
            issues.append(Issue(FILENAME, line, key, f"{why}: KPI {kpi.id!r} is not loaded"))
        elif not any(r.region_code == kpi.region for r in rows):
            issues.append(Issue(FILENAME, line, key, f"{kpi.values} has no rows for region {kpi.region!r}"))
        else:
            values[kpi.id] = rows
            good.append(kpi)
    return LocalKpiSet(tuple(good), kpis.lines, kpis.index, kpis.key_lines), values, issues, read_files


def _fingerprint(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(f"{name}\0{_sha(files[name])}\n".encode())
    return h.hexdigest()


def load(known: Known | None = None) -> LoadedSet:
    """The valid own KPIs, their values and the errors of the rest; never raises for bad content."""
    folder, known = local_dir(), known or Known()
    try:
        data = _read(folder / FILENAME)
    except OSError as exc:
        return LoadedSet(folder, errors=(Issue(FILENAME, None, "", f"cannot read: {exc.strerror}"),))
    if data is None:
        return LoadedSet(folder, fingerprint=_fingerprint({}))
    kpis, values, issues, read_files = _evaluate(data, lambda rel: _read(folder / rel), known)
    return LoadedSet(folder, kpis.kpis, values, tuple(issues), _fingerprint({FILENAME: data, **read_files}))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with _LOCK:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the flock


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` all or nothing: temporary file beside it, fsync, os.replace; no temporary file survives."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _stamp(history: Path) -> str:
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    n = 0
    while (history / (stamp := f"{base}-{n}" if n else base)).exists():
        n += 1
    return stamp


def _install(folder: Path, changes: list[tuple[str, bytes | None]], actor: str, action: str) -> None:
    """Apply (name, bytes or None to remove) in order, keeping each previous version and logging it. Under the lock."""
    history = folder / HISTORY
    stamp = _stamp(history)
    for rel, after in changes:
        target = folder / rel
        before = _read(target)
        if before == after:
            continue
        kept = None
        if before is not None:
            kept = f"{HISTORY}/{stamp}/{rel}"
            atomic_write(folder / kept, before)
        if after is None:
            target.unlink()
            _fsync_dir(target.parent)
        else:
            atomic_write(target, after)
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "actor": str(actor)[:200],
            "action": action,
            "file": rel,
            "sha256_before": _sha(before),
            "sha256_after": _sha(after),
            "previous": kept,
        }
        history.mkdir(parents=True, exist_ok=True)
        with open(history / LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())


def read_log(limit: int = 100) -> list[dict[str, Any]]:
    """The last ``limit`` history entries, newest first."""
    lines = (_read(local_dir() / HISTORY / LOG) or b"").decode("utf-8").splitlines()
    return [json.loads(line) for line in reversed(lines[-limit:]) if line.strip()]


def _refuse(issues: list[Issue]) -> None:
    if issues:
        raise LocalStoreError(issues)


def save_definitions(text: str | bytes, actor: str, known: Known | None = None) -> LocalKpiSet:
    """Validate a whole kpis.yaml (its values files must be stored already) and install it."""
    known, folder = known or Known(), local_dir()
    data = text.encode("utf-8") if isinstance(text, str) else text
    parse_local_kpis(data, FILENAME, known.reserved(), known.regions, known.indicators)  # before touching the folder
    with _locked(folder):
        kpis, _, issues, _ = _evaluate(data, lambda rel: _read(folder / rel), known)
        _refuse(issues)
        _install(folder, [(FILENAME, data)], actor, "save_definitions")
    return kpis


def save_values(name: str, data: bytes, actor: str, known: Known | None = None) -> tuple[ValueRow, ...]:
    """Validate a values CSV and install it as ``name`` (a path relative to the folder)."""
    known, folder = known or Known(), local_dir()
    problem = values_path_problem(name)
    if problem:
        raise LocalStoreError([Issue(name, None, "", problem)])
    rows = parse_values(data, name, known.regions)
    with _locked(folder):
        current = _read(folder / FILENAME)
        readers = check_local_kpis(current, FILENAME)[0].kpis if current is not None else ()
        _refuse(  # a KPI that reads this file must still find its region in it
            [
                Issue(name, None, "region_code", f"no rows for region {k.region!r}, which KPI {k.id!r} needs")
                for k in readers
                if k.values == name and not any(r.region_code == k.region for r in rows)
            ]
        )
        if len(stored_files(folder)) > MAX_FILES and not (folder / name).exists():
            _refuse([Issue(name, None, "", f"the folder already holds {MAX_FILES} values files")])
        _install(folder, [(name, data)], actor, "save_values")
    return rows


def delete_kpi(kpi_id: str, actor: str, known: Known | None = None) -> None:
    """Remove one entry from kpis.yaml (re-serialised; the previous text stays in history) and its values file when
    no other KPI reads it. Refused when the rest of the file does not validate."""
    known, folder = known or Known(), local_dir()
    with _locked(folder):
        new_text, entry = without_kpi(_read(folder / FILENAME) or b"", kpi_id)  # no file: "no KPI with id …"
        new = new_text.encode("utf-8")
        kpis, _, issues, _ = _evaluate(new, lambda rel: _read(folder / rel), known)
        _refuse(issues)
        changes: list[tuple[str, bytes | None]] = [(FILENAME, new)]
        orphan = entry.get("values")
        if isinstance(orphan, str) and orphan not in kpis.values_files() and orphan in stored_files(folder):
            changes.append((orphan, None))
        _install(folder, changes, actor, "delete_kpi")


def export_bundle() -> bytes:
    """One ZIP: kpis.yaml, every values CSV of the folder, and manifest.json with each file's sha256 and size."""
    folder = local_dir()
    with _locked(folder):
        files = {rel: p.read_bytes() for rel, p in stored_files(folder).items()}
    if FILENAME not in files:
        raise LocalStoreError([Issue(FILENAME, None, "", f"no {FILENAME} in {folder}: nothing to export")])
    manifest = {
        "format": BUNDLE_FORMAT,
        "version": 1,
        "exported": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "files": {rel: {"sha256": _sha(data), "bytes": len(data)} for rel, data in sorted(files.items())},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel, data in [(FILENAME, files[FILENAME]), *sorted((r, d) for r, d in files.items() if r != FILENAME)]:
            zf.writestr(rel, data)
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return out.getvalue()


def read_bundle(data: bytes, name: str = "bundle.zip") -> dict[str, bytes]:
    """The files of a bundle, by name, after the checks that need no parsing (names, sizes, manifest, sha256)."""

    def bad(message: str, file: str = name) -> LocalStoreError:
        return LocalStoreError([Issue(file, None, "", message)])

    if len(data) > MAX_BUNDLE_BYTES:
        raise bad(f"bundle is larger than {MAX_BUNDLE_BYTES:,} bytes")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise bad(f"not a ZIP bundle ({exc})") from None
    if len(infos) > MAX_FILES + 2:
        raise bad(f"more than {MAX_FILES + 2} files")
    files: dict[str, bytes] = {}
    for info in infos:
        entry = info.filename
        if entry in files:
            raise bad(f"{entry!r} appears twice")
        if entry not in (FILENAME, MANIFEST) and values_path_problem(entry) is not None:
            raise bad(f"unexpected file {entry!r}: a bundle holds only {FILENAME}, {MANIFEST} and values .csv files")
        if info.flag_bits & 0x1:
            raise bad(f"{entry!r} is encrypted")
        limit = _LIMITS.get(entry, MAX_VALUES_BYTES)
        try:  # a bounded read: the sizes in a ZIP's directory may lie (a zip bomb inflates far beyond them)
            with zf.open(info) as f:
                content = f.read(limit + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
            raise bad(f"{entry!r} cannot be read ({exc})") from None
        if len(content) > limit:
            raise bad(f"{entry!r} is larger than {limit:,} bytes")
        files[entry] = content
    try:
        manifest = json.loads(files.pop(MANIFEST))
        listed = {str(k): v["sha256"] for k, v in manifest["files"].items()}
        ok = manifest.get("format") == BUNDLE_FORMAT and manifest.get("version") == 1
    except (KeyError, TypeError, AttributeError, ValueError):
        raise bad(f"no valid {MANIFEST} (not a bundle exported by this dashboard)") from None
    if not ok:
        raise bad(f"{MANIFEST}: format must be {BUNDLE_FORMAT!r} version 1")
    if set(listed) != set(files):
        raise bad(f"{MANIFEST} lists {sorted(listed)} but the bundle holds {sorted(files)}")
    for entry, content in files.items():
        if _sha(content) != listed[entry]:
            raise bad(f"sha256 of {entry!r} does not match {MANIFEST}")
    if FILENAME not in files:
        raise bad(f"no {FILENAME} in the bundle")
    return files


def import_bundle(data: bytes, actor: str, known: Known | None = None) -> LocalKpiSet:
    """Validate a whole bundle (every file parsed), then make the folder hold exactly its files, with history."""
    known, folder = known or Known(), local_dir()
    files = read_bundle(data)
    kpis, _, issues, read = _evaluate(files[FILENAME], files.get, known)
    for rel in sorted(set(files) - {FILENAME} - set(read)):  # the values files no KPI reads are checked too
        try:
            parse_values(files[rel], rel, known.regions)
        except LocalValuesError as exc:
            issues += exc.issues
    _refuse(issues)
    with _locked(folder):
        gone = [(rel, None) for rel in stored_files(folder) if rel not in files]
        values = [(rel, files[rel]) for rel in sorted(files) if rel != FILENAME]
        # Values before the kpis.yaml that names them, removals last: every moment in between is a valid folder.
        _install(folder, [*values, (FILENAME, files[FILENAME]), *gone], actor, "import")
    return kpis
