"""SSDSE-B loader on a 3-prefecture × 2-year fixture cut from the real file; corrupted copies go to tmp_path."""

from __future__ import annotations

import copy
import csv
import functools
import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from etl.errors import EtlError
from etl.loaders import ssdse_b
from etl.loaders.base import LoadResult

FIXTURE_ROOT = Path(__file__).resolve().parent.parent / "data" / "ssdse_b_small"
FILE_NAME = "ssdse_b_2011_2022.csv"
FIXTURE = FIXTURE_ROOT / "ssdse" / FILE_NAME
YAML_FILE = Path(ssdse_b.__file__).with_name("ssdse_b_indicators.yaml")

Rows = list[list[str]]


def read_rows(path: Path = FIXTURE) -> Rows:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def column_to_id() -> dict[str, str]:
    entries = yaml.safe_load(YAML_FILE.read_text(encoding="utf-8"))
    return {e["column"]: e["indicator_id"] for e in entries}


def write_copy(tmp_path: Path, mutate: Callable[[Rows], None] | None = None, *, update_sha: bool = True) -> Path:
    """Copy the fixture (and sidecar) under tmp_path, apply ``mutate`` to the csv rows, return the raw_dir."""
    raw_dir = tmp_path / "raw"
    target = raw_dir / "ssdse" / FILE_NAME
    target.parent.mkdir(parents=True)
    shutil.copy(FIXTURE, target)
    side_src = FIXTURE.with_name(FILE_NAME + ".meta.yaml")
    side_dst = target.with_name(FILE_NAME + ".meta.yaml")
    shutil.copy(side_src, side_dst)
    if mutate is not None:
        rows = read_rows()
        mutate(rows)
        with target.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    if update_sha:
        sha = hashlib.sha256(target.read_bytes()).hexdigest()
        text = re.sub(r"(?m)^sha256: .*$", f"sha256: {sha}", side_dst.read_text(encoding="utf-8"))
        side_dst.write_text(text, encoding="utf-8")
    return raw_dir


@pytest.fixture(scope="module")
def result() -> LoadResult:
    return ssdse_b.load(FIXTURE_ROOT)


def test_values_equal_fixture_cells(result: LoadResult) -> None:
    rows = read_rows()
    header, data = rows[0], rows[1:]
    ids = column_to_id()
    expected = {}
    for row in data:
        cells = dict(zip(header, row, strict=True))
        for col, iid in ids.items():
            expected[(iid, cells["地域コード"][1:3], int(cells["年度"]))] = float(cells[col])
    obs = result.observations
    got = {(r.indicator_id, r.region_code, r.period): r.value for r in obs.itertuples(index=False)}
    assert got == expected
    assert len(obs) == 6 * 109
    assert list(obs.columns) == ["indicator_id", "region_code", "period", "value", "source_id"]
    assert set(obs["source_id"]) == {"ssdse_b"}


def test_spot_values(result: LoadResult) -> None:
    obs = result.observations.set_index(["indicator_id", "region_code", "period"])["value"]
    # Cells of the fixture, read by eye from the real file.
    assert obs[("ssdse_pop_total", "13", 2022)] == 14038000
    assert obs[("ssdse_pop_total", "01", 2021)] == 5183000
    assert obs[("ssdse_total_fertility_rate", "01", 2022)] == pytest.approx(1.12)
    assert obs[("ssdse_hh_spend_other", "47", 2022)] > 0


def test_period_is_int_and_codes_are_prefectures(result: LoadResult) -> None:
    obs = result.observations
    assert pd.api.types.is_integer_dtype(obs["period"])
    assert pd.api.types.is_float_dtype(obs["value"])
    assert set(obs["period"]) == {2021, 2022}
    assert set(obs["region_code"]) == {"01", "13", "47"}
    assert all(re.fullmatch(r"(0[1-9]|[1-3]\d|4[0-7])", c) for c in obs["region_code"])


def test_indicators_and_sources(result: LoadResult) -> None:
    assert result.name == "ssdse_b"
    assert len(result.indicators) == 109
    ids = [d["indicator_id"] for d in result.indicators]
    assert len(set(ids)) == 109
    assert ids == list(column_to_id().values())  # file order
    for d in result.indicators:
        assert "column" not in d
        assert d["source_id"] == "ssdse_b"
        assert re.fullmatch(r"ssdse_[a-z0-9_]+", d["indicator_id"])
        assert isinstance(d["additive"], bool)
        assert isinstance(d["decimals"], int)
        assert d["name_ja"] and d["name_en"] and d["description"]
    by_id = {d["indicator_id"]: d for d in result.indicators}
    assert by_id["ssdse_pop_total"]["additive"] is True
    assert by_id["ssdse_total_fertility_rate"]["additive"] is False
    assert by_id["ssdse_total_fertility_rate"]["unit"] == ""
    assert by_id["ssdse_hotel_guest_nights"]["unit"] == "人泊"
    assert "ssdse_nursery_waiting_children" in by_id
    assert "ssdse_births" in by_id
    [src] = result.sources
    assert src["source_id"] == "ssdse_b"
    assert src["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()


def test_yaml_columns_match_real_header_order() -> None:
    header = read_rows()[0]
    assert list(column_to_id()) == header[3:]


def test_blank_cell_gives_no_row(tmp_path: Path) -> None:
    def blank(rows: Rows) -> None:
        rows[3][rows[0].index("出生数")] = ""  # 東京都 2022

    result = ssdse_b.load(write_copy(tmp_path, blank))
    obs = result.observations
    births = obs[obs["indicator_id"] == "ssdse_births"]
    assert ("13", 2022) not in set(zip(births["region_code"], births["period"], strict=True))
    assert len(births) == 5
    assert len(obs) == 6 * 109 - 1
    assert obs["value"].notna().all()


def test_non_numeric_cell_names_file_row_and_column(tmp_path: Path) -> None:
    def bad(rows: Rows) -> None:
        rows[4][rows[0].index("婚姻件数")] = "x12"  # 4th data row = line 5 of the file

    with pytest.raises(EtlError) as exc:
        ssdse_b.load(write_copy(tmp_path, bad))
    msg = str(exc.value)
    assert FILE_NAME in msg
    assert "row 5" in msg
    assert "婚姻件数" in msg


def test_unknown_region_code(tmp_path: Path) -> None:
    def bad(rows: Rows) -> None:
        rows[2][1] = "R99000"

    with pytest.raises(EtlError, match=r"row 3.*'99'"):
        ssdse_b.load(write_copy(tmp_path, bad))


def test_malformed_region_code(tmp_path: Path) -> None:
    def bad(rows: Rows) -> None:
        rows[6][1] = "01000"

    with pytest.raises(EtlError) as exc:
        ssdse_b.load(write_copy(tmp_path, bad))
    msg = str(exc.value)
    assert FILE_NAME in msg and "row 7" in msg and "地域コード" in msg


def test_duplicated_key(tmp_path: Path) -> None:
    def dup(rows: Rows) -> None:
        rows[2][0] = rows[1][0]  # 北海道 2021 becomes a second 北海道 2022

    with pytest.raises(EtlError, match="duplicated key"):
        ssdse_b.load(write_copy(tmp_path, dup))


def test_extra_unmapped_column(tmp_path: Path) -> None:
    def extra(rows: Rows) -> None:
        rows[0].append("新しい指標")
        for row in rows[1:]:
            row.append("1")

    with pytest.raises(EtlError, match="新しい指標"):
        ssdse_b.load(write_copy(tmp_path, extra))


def test_missing_mapped_column(tmp_path: Path) -> None:
    def drop(rows: Rows) -> None:
        i = rows[0].index("離婚件数")
        for row in rows:
            del row[i]

    with pytest.raises(EtlError, match="離婚件数"):
        ssdse_b.load(write_copy(tmp_path, drop))


def test_truncated_file_fails_sha_check(tmp_path: Path) -> None:
    raw_dir = write_copy(tmp_path, update_sha=False)
    target = raw_dir / "ssdse" / FILE_NAME
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(EtlError, match="sha256") as exc:
        ssdse_b.load(raw_dir)
    assert FILE_NAME in str(exc.value)


def test_missing_sidecar(tmp_path: Path) -> None:
    raw_dir = write_copy(tmp_path)
    (raw_dir / "ssdse" / (FILE_NAME + ".meta.yaml")).unlink()
    with pytest.raises(EtlError, match="sidecar"):
        ssdse_b.load(raw_dir)


# --- YAML validation -------------------------------------------------------------------------------------------


@functools.cache
def _shipped_entries() -> list[dict]:
    return list(yaml.load(YAML_FILE.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def _bad_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mutate: Callable[[list[dict]], object]) -> None:
    entries = copy.deepcopy(_shipped_entries())
    mutate(entries)
    bad = tmp_path / "bad_indicators.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    bad.write_text(yaml.dump(entries, Dumper=dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(ssdse_b, "YAML_PATH", bad)


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda e: e[5].update(indicator_id=e[0]["indicator_id"]), r"entry 6 .*duplicated indicator_id"),
        (lambda e: e[2].update(indicator_id="ssdse_人口"), r"entry 3 .*snake_case"),
        (lambda e: e[2].update(indicator_id="pop_total_x"), r"entry 3 .*snake_case"),
        (lambda e: e[7].update(additive="yes"), r"entry 8 .*additive"),
        (lambda e: e[7].update(decimals=True), r"entry 8 .*decimals"),
        (lambda e: e[9].pop("unit"), r"entry 10 .*unit"),
        (lambda e: e[9].update(extra_field=1), r"entry 10 .*extra_field"),
        (lambda e: e[10].update(theme="経済"), r"entry 11 .*theme"),
        (lambda e: e[10].update(period_type="month"), r"entry 11 .*period_type"),
        (lambda e: e[11].update(name_en=""), r"entry 12 .*name_en"),
    ],
)
def test_yaml_validation_names_file_and_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mutate: Callable[[list[dict]], object], pattern: str
) -> None:
    _bad_yaml(tmp_path, monkeypatch, mutate)
    with pytest.raises(EtlError, match=pattern) as exc:
        ssdse_b.load(FIXTURE_ROOT)
    assert "bad_indicators.yaml" in str(exc.value)


def test_yaml_entry_removed_makes_column_unmapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _bad_yaml(tmp_path, monkeypatch, lambda e: e.pop(20))
    with pytest.raises(EtlError, match="unmapped column '死亡数（男）'"):
        ssdse_b.load(FIXTURE_ROOT)


@pytest.mark.parametrize("delta", [-1, 1])
def test_row_with_wrong_field_count(tmp_path: Path, delta: int) -> None:
    def ragged(rows: Rows) -> None:
        if delta < 0:
            rows[1].pop()
        else:
            rows[1].append("1")

    with pytest.raises(EtlError, match=r"row 2: line has \d+ fields, the header has 112"):
        ssdse_b.load(write_copy(tmp_path, ragged))
