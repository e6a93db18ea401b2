"""Faults from outside the code: a killed build, corrupt input, an unwritable target, a full disk, no or an outdated
warehouse, a rebuild while the app is serving, a hostile survey file.

The invariant checked everywhere: the last good warehouse stays byte-identical, and the user gets a clear message
that names the cause — never a Python traceback.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

import etl.__main__ as etl_cli
import etl.pipeline
from etl.errors import EtlError
from kpidash import config
from kpidash.data import connection as db
from kpidash.data import schema
from kpidash.kpi_schema import load_kpi_defs
from kpidash.service import kpis as service

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MIGRATION_SEX = "migration/interpref_migration_sex_2010_2025.csv"
SURVEY_KPI = "living_outlook"
SURVEY_HEADER = "region_code,year,share,n,ci_low,ci_high,source,note\n"
GOOD_SURVEY = (
    # After the strategy's base year 2025, so that the latest row counts as progress.
    SURVEY_HEADER + "00,2025,51.0,1800,48.0,54.0,テスト調査（架空）,\n00,2026,55.0,1500,52.0,58.0,テスト調査（架空）,\n"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def building_files(warehouse: Path) -> list[Path]:
    return sorted(warehouse.parent.glob(f".{warehouse.name}.building-*"))


def run(args: list[str], env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_clear_cli_error(proc: subprocess.CompletedProcess[str], *must_contain: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-2000:]
    assert "Traceback" not in out, out[-3000:]
    for text in must_contain:
        assert text in out, f"{text!r} not in:\n{out[-2000:]}"


@dataclass
class Site:
    """A raw-data copy and a good warehouse next to it, built from that copy."""

    raw: Path
    warehouse: Path
    good_sha: str

    def intact(self) -> bool:
        return sha256(self.warehouse) == self.good_sha


@pytest.fixture(scope="module")
def pristine_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("faults_raw") / "raw"
    shutil.copytree(config.RAW_DIR, raw)
    return raw


@pytest.fixture()
def site(pristine_raw: Path, warehouse_path: Path, tmp_path: Path) -> Site:
    raw = tmp_path / "raw"
    shutil.copytree(pristine_raw, raw)
    wh = tmp_path / "wh" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copyfile(warehouse_path, wh)  # the session warehouse was built from the same raw files
    return Site(raw, wh, sha256(wh))


def build_args(site: Site, warehouse: Path | None = None) -> list[str]:
    return ["-m", "etl", "build", "--raw", str(site.raw), "--warehouse", str(warehouse or site.warehouse)]


# ------------------------------------------------------------------------------------------------ killed build


def start_build(site: Site, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as fh:  # a file, not a pipe: nobody reads a pipe while we wait
        return subprocess.Popen([sys.executable, *build_args(site)], cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)


def kill_when(site: Site, log: Path, ready: Any, attempts: int = 5) -> tuple[int, list[Path]]:
    """Start a build and SIGKILL it as soon as ``ready()`` is true; retried if the build finished first."""
    for _ in range(attempts):
        proc = start_build(site, log)
        deadline = time.monotonic() + 60
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if ready():
                    proc.kill()  # SIGKILL: no finally block, no cleanup
                    break
                time.sleep(0.002)
        finally:
            if proc.poll() is None and time.monotonic() >= deadline:
                proc.kill()
            proc.wait(timeout=30)
        if proc.returncode == -signal.SIGKILL:
            return proc.pid, building_files(site.warehouse)
        assert site.intact() or proc.returncode == 0, log.read_text(errors="replace")
        site.good_sha = sha256(site.warehouse)  # the build completed: that is now the last good file; try again
    pytest.fail(f"could not kill the build before it completed in {attempts} attempts")


def test_sigkill_while_loading_keeps_the_old_warehouse(site: Site, tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    # Kill during the loaders (before any DuckDB file is written): the progress line "  … load <label>" is on stderr.
    _, leftovers = kill_when(site, log, lambda: log.exists() and "… load " in log.read_text(errors="replace"))
    assert "… load " in log.read_text(errors="replace")
    assert site.intact()
    assert leftovers == []  # nothing is written before the loaders finish


def test_sigkill_while_writing_keeps_the_old_warehouse_and_the_next_build_works(site: Site, tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    # Kill while the temporary DuckDB file is being written (staging, marts, checks).
    pid, leftovers = kill_when(site, log, lambda: bool(building_files(site.warehouse)))
    assert site.intact(), "the killed build damaged the previous warehouse"
    assert schema.check_warehouse_schema(site.warehouse) == []
    # SIGKILL leaves the temporary file behind: this is the evidence for the stale-file test below.
    assert [p.name for p in leftovers if p.name.endswith(f".building-{pid}")], leftovers

    done = run(build_args(site))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert schema.check_warehouse_schema(site.warehouse) == []
    assert run(["-m", "etl", "check", "--warehouse", str(site.warehouse)]).returncode == 0


def test_next_build_removes_stale_building_files_of_dead_processes(site: Site) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # its pid now belongs to no running process, like a killed build's
    stale = site.warehouse.with_name(f".{site.warehouse.name}.building-{proc.pid}")
    stale.write_bytes(b"half-written DuckDB file of a killed build")
    Path(str(stale) + ".wal").write_bytes(b"wal")
    etl.pipeline.build(site.raw, site.warehouse, out=io.StringIO())
    assert building_files(site.warehouse) == []
    assert not Path(str(stale) + ".wal").exists()


# ------------------------------------------------------------------------------------------------ bad input


def test_corrupt_raw_file_is_named_and_the_old_warehouse_kept(site: Site) -> None:
    path = site.raw / MIGRATION_SEX
    path.write_bytes(b"\x00\xff\xfe garbage \x00" * 50)
    proc = run(build_args(site))
    assert_clear_cli_error(proc, str(path), "sha256")  # the provenance check catches a replaced file first
    assert proc.returncode == 2
    assert site.intact() and building_files(site.warehouse) == []

    assert etl_cli.main(["register", str(path)]) == 0  # as if replaced on purpose: now the parser sees it
    proc = run(build_args(site))
    assert_clear_cli_error(proc, str(path))
    assert proc.returncode == 2
    assert site.intact() and building_files(site.warehouse) == []


def test_unwritable_target_fails_without_touching_anything(site: Site, tmp_path: Path) -> None:
    afile = tmp_path / "afile"  # a regular file where a directory is needed (chmod is not enforced for root)
    afile.write_text("not a directory")
    proc = run(build_args(site, afile / "warehouse.duckdb"))
    assert proc.returncode != 0
    assert afile.read_text() == "not a directory"
    assert site.intact()


def test_unwritable_target_gives_a_clear_message(site: Site, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    target = afile / "warehouse.duckdb"
    proc = run(build_args(site, target))
    assert_clear_cli_error(proc, str(afile))
    assert proc.returncode == 2


def _no_space(*_: Any, **__: Any) -> Any:
    raise duckdb.IOException("IO Error: Could not write file: No space left on device")


def test_full_disk_keeps_the_old_warehouse(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etl.pipeline.duckdb, "connect", _no_space)
    with pytest.raises((duckdb.Error, EtlError), match="No space left on device"):
        etl.pipeline.build(site.raw, site.warehouse, out=io.StringIO())
    assert site.intact() and building_files(site.warehouse) == []


def test_disk_full_while_writing_removes_the_temporary_file(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def write_staging(con: Any, results: Any) -> None:
        seen.extend(building_files(site.warehouse))  # the temporary file exists at this point
        _no_space()

    monkeypatch.setattr(etl.pipeline.marts, "write_staging", write_staging)
    with pytest.raises((duckdb.Error, EtlError), match="No space left on device"):
        etl.pipeline.build(site.raw, site.warehouse, out=io.StringIO())
    assert seen, "the failure was injected before the temporary file existed"
    assert site.intact() and building_files(site.warehouse) == []
    assert not list(site.warehouse.parent.glob("*.wal"))


def test_full_disk_cli_names_the_cause(
    site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(etl.pipeline.duckdb, "connect", _no_space)
    code = etl_cli.main(["build", "--raw", str(site.raw), "--warehouse", str(site.warehouse)])
    assert code == 2
    assert "No space left on device" in capsys.readouterr().err
    assert site.intact()


# ------------------------------------------------------------------------------------------------ no warehouse


def test_app_refuses_to_start_without_a_warehouse(tmp_path: Path) -> None:
    proc = run(["app.py"], env={"KPI_WAREHOUSE": str(tmp_path / "nonexistent" / "warehouse.duckdb"), "PORT": "1"})
    assert_clear_cli_error(proc, "make setup", "cannot start the dashboard")


def test_kpi_status_without_a_warehouse(tmp_path: Path) -> None:
    proc = run(["-m", "kpidash", "kpi-status"], env={"KPI_WAREHOUSE": str(tmp_path / "nonexistent.duckdb")})
    assert_clear_cli_error(proc, "make setup")
    assert proc.returncode == 2


@pytest.fixture()
def older_warehouse(site: Site) -> Path:
    """A warehouse of an 'older version': one contract column missing."""
    con = duckdb.connect(str(site.warehouse))
    try:
        con.execute("ALTER TABLE marts.indicators DROP COLUMN theme")
    finally:
        con.close()
    assert schema.check_warehouse_schema(site.warehouse)
    return site.warehouse


def test_kpi_status_with_an_older_warehouse(older_warehouse: Path) -> None:
    proc = run(["-m", "kpidash", "kpi-status"], env={"KPI_WAREHOUSE": str(older_warehouse)})
    assert_clear_cli_error(proc, "marts.indicators.theme", "make etl")
    assert proc.returncode == 2


def test_app_with_an_older_warehouse(older_warehouse: Path) -> None:
    proc = run(["app.py"], env={"KPI_WAREHOUSE": str(older_warehouse), "PORT": "1"})
    assert_clear_cli_error(proc, "marts.indicators.theme", "make etl")


# ------------------------------------------------------------------------------------------------ live rebuild

# Exact and independent of scan order (a float sum() is not: its last digits vary between runs).
SERVING_QUERY = (
    "SELECT indicator_id, count(*) AS n, bit_xor(hash(region_code, period, value)) AS h FROM marts.observations "
    "GROUP BY ALL ORDER BY indicator_id"
)


def test_serving_continues_from_the_old_file_while_a_rebuild_replaces_it(site: Site, tmp_path: Path) -> None:
    before = db.query(SERVING_QUERY, path=site.warehouse)
    inode_before = site.warehouse.stat().st_ino
    during = []
    with db.connect(site.warehouse) as held:  # a request in flight while the file is swapped
        with (tmp_path / "rebuild.log").open("wb") as log:
            proc = subprocess.Popen([sys.executable, *build_args(site)], cwd=REPO, stdout=log, stderr=log)
        try:
            while proc.poll() is None:
                during.append(db.query(SERVING_QUERY, path=site.warehouse))  # new requests keep being answered
                time.sleep(0.01)
        finally:
            proc.wait(timeout=120)
        assert proc.returncode == 0, (tmp_path / "rebuild.log").read_text(errors="replace")[-2000:]
        assert site.warehouse.stat().st_ino != inode_before, "the rebuild did not replace the file"
        still_old = held.execute(SERVING_QUERY).df()  # the open connection keeps reading the old file
    after = db.query(SERVING_QUERY, path=site.warehouse)
    assert len(during) >= 3, "the rebuild was too quick to overlap with any query"
    for frame in [*during, still_old, after]:
        assert frame.equals(before)
    assert building_files(site.warehouse) == []


# ------------------------------------------------------------------------------------------------ survey file


@pytest.fixture()
def survey_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """kpi.py reads config.DATA_DIR / 'survey/living_outlook.csv': point DATA_DIR at an empty folder."""
    data = tmp_path / "data"
    (data / "survey").mkdir(parents=True)
    monkeypatch.setattr(config, "DATA_DIR", data)
    return data / "survey" / "living_outlook.csv"


def _by_id(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k["id"]: k for k in results}


def _without_survey(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        k: {f: v.get(f) for f in ("status", "latest", "baseline", "projection")}
        for k, v in _by_id(results).items()
        if k != SURVEY_KPI
    }


HOSTILE_SURVEYS = {
    "wrong columns": (SURVEY_HEADER.replace("share", "percent") + "00,2024,55.0,1500,,,x,\n", "header must be"),
    "share 120": (SURVEY_HEADER + "00,2024,120,1500,,,x,\n", "row 2, column share"),
    "n -5": (SURVEY_HEADER + "00,2024,55.0,-5,,,x,\n", "row 2, column n"),
    "formula cell": (SURVEY_HEADER + "00,2024,55.0,1500,,,=cmd|' /C calc'!A0,\n", "row 2, column source"),
    "2 MB": (SURVEY_HEADER + ("00,2024,55.0,1500,,,x," + "y" * 200 + "\n") * 10_000, "larger than 1,000,000 bytes"),
}


@pytest.mark.parametrize("case", list(HOSTILE_SURVEYS))
def test_hostile_survey_file_is_refused_with_the_row_named(case: str, survey_dir: Path, warehouse_path: Path) -> None:
    text, expected = HOSTILE_SURVEYS[case]
    defs = load_kpi_defs()
    reference = _without_survey(service.compute_all(defs, warehouse_path))
    before = sha256(warehouse_path)

    survey_dir.write_text(text, encoding="utf-8")
    results = service.compute_all(defs, warehouse_path)
    k = _by_id(results)[SURVEY_KPI]
    assert k["status"] == "no_data"
    assert k["latest"] is None and k["series"] == []
    assert "living_outlook.csv" in k["reason_ja"] and expected in k["reason_ja"], k["reason_ja"]
    assert "調査ファイルを読み込めませんでした" in k["reason_ja"]
    assert _without_survey(results) == reference  # the other KPIs are not affected
    assert sha256(warehouse_path) == before


def test_good_survey_then_bad_one_current_behaviour(survey_dir: Path, warehouse_path: Path) -> None:
    """Documented behaviour (docs/security-and-operations.md): a refused file is not merged with, and does not fall
    back to, what was shown before — the KPI says 'no data' and why. (data/survey/README.md promises the opposite.)"""
    defs = load_kpi_defs()
    survey_dir.write_text(GOOD_SURVEY, encoding="utf-8")
    good = _by_id(service.compute_all(defs, warehouse_path))[SURVEY_KPI]
    assert good["latest"] == {"period": 2026, "value": 55.0}
    assert good["status"] != "no_data"

    survey_dir.write_text(GOOD_SURVEY + "00,2025,120,1500,,,x,\n", encoding="utf-8")
    bad = _by_id(service.compute_all(defs, warehouse_path))[SURVEY_KPI]
    assert bad["status"] == "no_data" and bad["latest"] is None
    assert "row 4, column share" in bad["reason_ja"]


def test_service_shows_a_survey_file_placed_while_running(
    survey_dir: Path, use_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service._kpis.cache_clear()
    try:
        assert service.kpi_by_id(SURVEY_KPI)["status"] == "no_data"  # type: ignore[index]
        survey_dir.write_text(GOOD_SURVEY, encoding="utf-8")
        assert service.kpi_by_id(SURVEY_KPI)["latest"] == {"period": 2026, "value": 55.0}  # type: ignore[index]
    finally:
        service._kpis.cache_clear()
