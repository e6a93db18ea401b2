"""The own-KPI folder (issue #21): validate first, write atomically, keep history, export/import one bundle.

Every test runs in tmp_path (KPIDASH_LOCAL_DIR); config.LOCAL_DIR is pointed at a path that must never appear.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import threading
import zipfile
from pathlib import Path

import pytest

from kpidash import config
from kpidash.data import local_store
from kpidash.data.local_store import Known, LocalDataError, LocalStoreError

KNOWN = Known(reserved_ids={"u29_net_migration"}, regions={"00", "01", "13", "01100"}, indicators={"pop_all_total"})
CSV = b"region_code,year,value\n01100,2020,120\n01100,2021,135\n"
KPIS = """\
kpis:
  - id: town_migrants
    name_ja: 移住者数
    region: "01100"
    unit: 人
    direction: higher_is_better
    values: migrants.csv
    base_year: 2020
    target: {year: 2027, kind: value, value: 200}
    source: 町調べ
  - id: town_population
    name_ja: 人口
    region: "01100"
    unit: 人
    direction: higher_is_better
    indicator: pop_all_total
    base_year: 2020
    target: {year: 2030, kind: direction, direction: increase}
    source: 住民基本台帳
"""


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(config, "LOCAL_DIR", tmp_path / "must-not-be-used")
    monkeypatch.setenv("KPIDASH_LOCAL_DIR", str(tmp_path / "local"))
    yield tmp_path / "local"
    assert not (tmp_path / "must-not-be-used").exists()


@pytest.fixture()
def filled(folder: Path) -> Path:
    local_store.save_values("migrants.csv", CSV, "tester", KNOWN)
    local_store.save_definitions(KPIS, "tester", KNOWN)
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under the folder (history included) -> sha256."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def log(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "history" / "log.jsonl").read_text(encoding="utf-8").splitlines()]


def test_local_dir_follows_the_environment(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert local_store.local_dir() == folder
    monkeypatch.delenv("KPIDASH_LOCAL_DIR")
    assert local_store.local_dir() == config.LOCAL_DIR


def test_save_and_load(filled: Path) -> None:
    loaded = local_store.load(KNOWN)
    assert [k.id for k in loaded.kpis] == ["town_migrants", "town_population"] and loaded.errors == ()
    assert [r.value for r in loaded.values["town_migrants"]] == [
        120.0,
        135.0,
    ] and "town_population" not in loaded.values
    assert sorted(local_store.stored_files()) == ["kpis.yaml", "migrants.csv"]
    entries = log(filled)
    assert [(e["action"], e["file"], e["actor"], e["sha256_before"]) for e in entries] == [
        ("save_values", "migrants.csv", "tester", None),
        ("save_definitions", "kpis.yaml", "tester", None),
    ]
    assert entries[1]["sha256_after"] == hashlib.sha256(KPIS.encode()).hexdigest()
    assert entries[0]["time"].endswith("Z") and local_store.read_log()[0] == entries[1]


def test_nothing_stored_is_an_empty_set(folder: Path) -> None:
    loaded = local_store.load(KNOWN)
    assert (loaded.kpis, loaded.errors) == ((), ()) and not folder.exists()


BAD_YAML = {
    "syntax": (KPIS.replace("unit: 人\n    direction: higher", "unit: [人\n    direction: higher"), "malformed YAML"),
    "unknown key": (KPIS.replace("    source: 町調べ\n", "    source: 町調べ\n    colour: red\n"), "kpis[0].colour"),
    "target before base": (KPIS.replace("year: 2027", "year: 2019"), "kpis[0].target.year: target.year 2019"),
    "both sources": (
        KPIS.replace("    values: migrants.csv\n", "    values: migrants.csv\n    indicator: x\n"),
        "exactly",
    ),
    "traversal": (KPIS.replace("values: migrants.csv", "values: ../evil.csv"), "kpis[0].values: '../evil.csv'"),
    "national id": (KPIS.replace("id: town_population", "id: u29_net_migration"), "national KPI's id"),
    "missing values file": (KPIS.replace("migrants.csv", "other.csv"), "other.csv: no such values file"),
    "region not in values": (KPIS.replace('"01100"', '"13"', 1), "migrants.csv has no rows for region '13'"),
}


@pytest.mark.parametrize("case", BAD_YAML)
def test_refused_definitions_change_nothing(filled: Path, case: str) -> None:
    text, expected = BAD_YAML[case]
    before = snapshot(filled)
    with pytest.raises(LocalDataError) as info:
        local_store.save_definitions(text, "tester", KNOWN)
    assert expected in str(info.value) and str(info.value).startswith("kpis.yaml:")
    assert all(i.line for i in info.value.issues)
    assert snapshot(filled) == before


JUNK = bytes(range(1, 256)) * (10_000_000 // 255)
BAD_CSV = {
    "wrong encoding": (b"region_code,year,value\n01100,2020,\x81\x20\n", "neither UTF-8 nor cp932"),
    "duplicate": (CSV + b"01100,2021,140\n", "row 4: duplicate region_code/year 01100,2021"),
    "non-numeric": (CSV.replace(b"135", b"abc"), "row 3, column value: 'abc' is not a number"),
    "unknown region": (CSV + b"01202,2021,1\n", "row 4, column region_code: unknown region code '01202'"),
    "10 MB of junk": (JUNK, "file is larger than 1,000,000 bytes"),
    "drops the KPI's region": (b"region_code,year,value\n13,2020,1\n", "no rows for region '01100'"),
}


@pytest.mark.parametrize("case", BAD_CSV)
def test_refused_values_change_nothing(filled: Path, case: str) -> None:
    data, expected = BAD_CSV[case]
    before = snapshot(filled)
    with pytest.raises(LocalDataError) as info:
        local_store.save_values("migrants.csv", data, "tester", KNOWN)
    assert expected in str(info.value) and str(info.value).startswith("migrants.csv")
    assert snapshot(filled) == before


@pytest.mark.parametrize("name", ["../evil.csv", "/tmp/evil.csv", "history/x.csv", ".x.csv", "kpis.yaml"])
def test_values_names_stay_inside_the_folder(filled: Path, name: str) -> None:
    before = snapshot(filled)
    with pytest.raises(LocalStoreError):
        local_store.save_values(name, CSV, "tester", KNOWN)
    assert snapshot(filled) == before


def test_a_write_killed_half_way_leaves_the_previous_file(filled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = filled / "migrants.csv"
    real_replace = os.replace

    def killed(src, dst, *a, **kw):
        if Path(dst) == target:
            assert Path(src).read_bytes().endswith(b"01100,2022,150\n")  # the temporary file was written in full
            raise OSError("killed")
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", killed)
    entries = len(log(filled))
    with pytest.raises(OSError, match="killed"):
        local_store.save_values("migrants.csv", CSV + b"01100,2022,150\n", "tester", KNOWN)
    assert target.read_bytes() == CSV
    assert not [p for p in filled.rglob("*") if p.name.startswith(".")], "a temporary file survived"
    assert len(log(filled)) == entries  # nothing logged for a write that did not happen
    assert local_store.load(KNOWN).errors == ()


def test_history_keeps_the_previous_version(filled: Path) -> None:
    newer = CSV + b"01100,2022,150\n"
    local_store.save_values("migrants.csv", newer, "analyst@town", KNOWN)
    last = log(filled)[-1]
    assert (last["actor"], last["action"], last["file"]) == ("analyst@town", "save_values", "migrants.csv")
    assert last["sha256_before"] == hashlib.sha256(CSV).hexdigest()
    assert last["sha256_after"] == hashlib.sha256(newer).hexdigest()
    assert (filled / last["previous"]).read_bytes() == CSV and last["previous"].startswith("history/")
    assert (filled / "migrants.csv").read_bytes() == newer
    local_store.save_values("migrants.csv", newer, "analyst@town", KNOWN)  # unchanged: no new history
    assert log(filled)[-1] == last


def test_load_never_raises_and_names_every_error(filled: Path) -> None:
    (filled / "kpis.yaml").write_text(KPIS.replace("year: 2030", "year: 2010"), encoding="utf-8")  # a hand edit
    loaded = local_store.load(KNOWN)
    assert [k.id for k in loaded.kpis] == ["town_migrants"]
    assert [(e.file, e.line, e.key) for e in loaded.errors] == [("kpis.yaml", 18, "kpis[1].target.year")]
    (filled / "migrants.csv").write_bytes(CSV + b"01100,2021,1\n")
    loaded = local_store.load(KNOWN)
    assert loaded.kpis == () and {(e.file, e.line) for e in loaded.errors} >= {("migrants.csv", 4), ("kpis.yaml", 7)}
    (filled / "kpis.yaml").write_bytes(b"\xff\xfe junk")
    assert local_store.load(KNOWN).errors[0].message.startswith("not UTF-8")
    (filled / "kpis.yaml").unlink()
    (filled / "kpis.yaml").mkdir()  # unreadable
    assert "cannot read" in local_store.load(KNOWN).errors[0].message


def test_fingerprint_follows_the_files(filled: Path) -> None:
    first = local_store.load(KNOWN).fingerprint
    assert local_store.load(KNOWN).fingerprint == first
    local_store.save_values("migrants.csv", CSV + b"01100,2022,150\n", "tester", KNOWN)
    assert local_store.load(KNOWN).fingerprint != first


def test_export_then_import_into_a_fresh_folder_is_byte_identical(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_store.save_values("values/spare.csv", b"region_code,year,value\n13,2020,1\n", "tester", KNOWN)
    bundle = local_store.export_bundle()
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        assert sorted(zf.namelist()) == ["kpis.yaml", "manifest.json", "migrants.csv", "values/spare.csv"]
    originals = {rel: p.read_bytes() for rel, p in local_store.stored_files().items()}
    before = local_store.load(KNOWN)
    monkeypatch.setenv("KPIDASH_LOCAL_DIR", str(tmp_path / "fresh"))
    local_store.import_bundle(bundle, "restorer", KNOWN)
    assert {rel: p.read_bytes() for rel, p in local_store.stored_files().items()} == originals
    after = local_store.load(KNOWN)
    assert (after.kpis, after.values, after.fingerprint) == (before.kpis, before.values, before.fingerprint)
    assert {e["action"] for e in log(tmp_path / "fresh")} == {"import"}


def test_import_replaces_the_whole_set_with_history(filled: Path) -> None:
    bundle = local_store.export_bundle()
    local_store.save_values("extra.csv", b"region_code,year,value\n13,2020,1\n", "tester", KNOWN)
    local_store.import_bundle(bundle, "restorer", KNOWN)
    assert sorted(local_store.stored_files()) == ["kpis.yaml", "migrants.csv"]
    removed = log(filled)[-1]
    assert (removed["file"], removed["sha256_after"]) == ("extra.csv", None)
    assert (filled / removed["previous"]).read_bytes().startswith(b"region_code")


def make_bundle(files: dict[str, bytes], manifest: dict | None = None) -> bytes:
    listed = {n: {"sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)} for n, d in files.items()}
    manifest = manifest or {"format": "kpidash-local-kpis", "version": 1, "files": listed}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()


GOOD_FILES = {"kpis.yaml": KPIS.encode(), "migrants.csv": CSV}
BAD_BUNDLES = {
    "zip slip": (make_bundle({**GOOD_FILES, "../evil.csv": CSV}), "unexpected file '../evil.csv'"),
    "absolute": (make_bundle({**GOOD_FILES, "/etc/evil.csv": CSV}), "unexpected file '/etc/evil.csv'"),
    "extra file": (make_bundle({**GOOD_FILES, "notes.txt": b"hello"}), "unexpected file 'notes.txt'"),
    "not in manifest": (
        make_bundle({**GOOD_FILES, "x.csv": CSV}, {"format": "kpidash-local-kpis", "version": 1, "files": {}}),
        "manifest.json lists",
    ),
    "sha mismatch": (
        make_bundle(
            GOOD_FILES,
            {"format": "kpidash-local-kpis", "version": 1, "files": {n: {"sha256": "0" * 64} for n in GOOD_FILES}},
        ),
        "sha256 of",
    ),
    "foreign manifest": (make_bundle(GOOD_FILES, {"format": "other"}), "no valid manifest.json"),
    "not a zip": (b"hello, I am not a zip", "not a ZIP bundle"),
    "bad yaml inside": (make_bundle({**GOOD_FILES, "kpis.yaml": KPIS.replace("2027", "2019").encode()}), "target.year"),
    "bad csv inside": (make_bundle({**GOOD_FILES, "migrants.csv": CSV + CSV[-16:]}), "duplicate"),
    "bad unreferenced csv": (make_bundle({**GOOD_FILES, "spare.csv": b"a,b\n"}), "spare.csv: row 1: header"),
    "missing values": (make_bundle({"kpis.yaml": KPIS.encode()}), "migrants.csv: no such values file"),
    "no kpis.yaml": (make_bundle({"migrants.csv": CSV}), "no kpis.yaml in the bundle"),
    "zip bomb": (make_bundle({**GOOD_FILES, "big.csv": b"0" * 5_000_000}), "'big.csv' is larger than 1,000,000 bytes"),
}


@pytest.mark.parametrize("case", BAD_BUNDLES)
def test_bad_bundles_are_refused_and_change_nothing(filled: Path, case: str) -> None:
    data, expected = BAD_BUNDLES[case]
    before = snapshot(filled)
    with pytest.raises(LocalDataError) as info:
        local_store.import_bundle(data, "attacker", KNOWN)
    assert expected in str(info.value)
    assert snapshot(filled) == before
    assert not (filled.parent / "evil.csv").exists()


def test_duplicate_names_in_a_bundle_are_refused(filled: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("kpis.yaml", KPIS)
        zf.writestr("kpis.yaml", KPIS)
    with pytest.raises(LocalStoreError, match="appears twice"):
        local_store.import_bundle(out.getvalue(), "attacker", KNOWN)


def test_delete_kpi_removes_the_entry_and_its_orphan_values(filled: Path) -> None:
    local_store.delete_kpi("town_migrants", "tester", KNOWN)
    assert [k.id for k in local_store.load(KNOWN).kpis] == ["town_population"]
    assert not (filled / "migrants.csv").exists()
    kept = {e["file"]: e["previous"] for e in log(filled)[-2:]}
    assert (filled / kept["migrants.csv"]).read_bytes() == CSV
    assert (filled / kept["kpis.yaml"]).read_text(encoding="utf-8") == KPIS
    before = snapshot(filled)
    with pytest.raises(LocalDataError, match="no KPI with id 'nope'"):
        local_store.delete_kpi("nope", "tester", KNOWN)
    assert snapshot(filled) == before


def test_export_needs_definitions(folder: Path) -> None:
    with pytest.raises(LocalStoreError, match="nothing to export"):
        local_store.export_bundle()


def test_concurrent_writers_keep_a_complete_history(filled: Path) -> None:
    versions = [CSV + f"01100,{2030 + i},{i}\n".encode() for i in range(8)]
    threads = [
        threading.Thread(target=local_store.save_values, args=("migrants.csv", v, f"t{i}", KNOWN))
        for i, v in enumerate(versions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    chain = [e for e in log(filled) if e["file"] == "migrants.csv"][1:]
    assert len(chain) == 8
    for prev, nxt in itertools.pairwise(chain):
        assert nxt["sha256_before"] == prev["sha256_after"]  # every version was kept before being replaced
    assert (filled / "migrants.csv").read_bytes() in versions
