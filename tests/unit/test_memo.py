"""kpidash.data.cache: a memoised view is recomputed when the warehouse file is swapped, and only then."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kpidash.data import cache as memo


@pytest.fixture()
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"version 1")
    monkeypatch.setenv("KPI_WAREHOUSE", str(path))
    monkeypatch.delenv("KPIDASH_VIEW_CACHE", raising=False)
    return path


def counting(maxsize: int = 256, keep=None, catalogue: bool = False):  # type: ignore[no-untyped-def]
    calls: list[tuple] = []

    @memo.per_warehouse(maxsize=maxsize, keep=keep, catalogue=catalogue)
    def view(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((args, kwargs))
        return {"args": args, "n": len(calls)}

    return view, calls


def test_same_selection_is_computed_once(warehouse: Path) -> None:
    view, calls = counting()
    first = view("gdp_nominal", ["13", "27"], lang="ja")
    again = view("gdp_nominal", ["13", "27"], lang="ja")
    assert again is first and len(calls) == 1
    view("gdp_nominal", ["27", "13"], lang="ja")  # another order is another selection
    view("gdp_nominal", ["13", "27"], lang="en")
    assert len(calls) == 3


def test_a_swapped_warehouse_invalidates(warehouse: Path) -> None:
    view, calls = counting()
    view("x")
    # The ETL writes a new file and renames it into place: another inode (and here another size).
    new = warehouse.with_name("new.duckdb")
    new.write_bytes(b"version 2, rebuilt")
    os.replace(new, warehouse)
    view("x")
    assert len(calls) == 2


def test_env_switch_turns_the_cache_off(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPIDASH_VIEW_CACHE", "0")
    view, calls = counting()
    view("x")
    view("x")
    assert len(calls) == 2


def test_catalogue_results_stay_cached_with_the_switch_off(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPIDASH_VIEW_CACHE", "0")
    view, calls = counting(catalogue=True)
    view("gdp_nominal", "ja")
    view("gdp_nominal", "ja")
    assert len(calls) == 1
    new = warehouse.with_name("new.duckdb")  # and a new warehouse still invalidates them
    new.write_bytes(b"version 2, rebuilt")
    os.replace(new, warehouse)
    view("gdp_nominal", "ja")
    assert len(calls) == 2


def test_least_recently_used_is_dropped(warehouse: Path) -> None:
    view, calls = counting(maxsize=2)
    view("a")
    view("b")
    view("a")  # a is now the most recent
    view("c")  # drops b
    view("a")
    assert len(calls) == 3
    view("b")
    assert len(calls) == 4


def test_keep_predicate_and_clear_all(warehouse: Path) -> None:
    view, calls = counting(keep=lambda result: result["args"] != ("big",))
    view("big")
    view("big")
    assert len(calls) == 2  # not kept
    view("small")
    memo.clear_all()
    view("small")
    assert len(calls) == 4


def test_unhashable_inputs_are_keys_too(warehouse: Path) -> None:
    view, calls = counting()
    view({"b": [1, 2], "a": {3}})
    view({"a": {3}, "b": [1, 2]})
    assert len(calls) == 1
    view({"a": {3}, "b": [2, 1]})
    assert len(calls) == 2


def test_missing_warehouse_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPI_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    view, calls = counting()
    view("x")
    view("x")
    assert len(calls) == 2
