"""Every cache follows a warehouse file swapped in place (the ETL writes a new file and renames it over the old one):
the catalogue queries, the catalogue lookups, the memoised results of kpidash.data.cache and the KPI results.

The second version of the file differs from the first in one value of gdp_nominal, in that indicator's name and by
one more indicator, so each cache is seen to change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.fixtures.warehouse import prefecture_value

EXTRA = "swap_probe"


def second_version(first: Path, path: Path) -> Path:
    shutil.copyfile(first, path)
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE marts.observations SET value = 1.0 WHERE indicator_id = 'gdp_nominal' AND period = 2019")
        con.execute("UPDATE marts.indicators SET name_ja = '県内総生産（第2版）' WHERE indicator_id = 'gdp_nominal'")
        con.execute(
            "INSERT INTO marts.indicators SELECT * REPLACE (? AS indicator_id) FROM marts.indicators "
            "WHERE indicator_id = 'ssdse_births'",
            [EXTRA],
        )
    finally:
        con.close()
    return path


def read_everything() -> dict[str, object]:
    """What the app's caches answer for the configured warehouse."""
    from kpidash.data import catalogue, queries
    from kpidash.service import explore
    from kpidash.service import kpis as service

    compare = explore.compare("gdp_nominal", 2019, "value", [], "ja")
    return {
        "indicators": sorted(queries.indicators()["indicator_id"]),
        "indicator_name": (queries.indicator("gdp_nominal") or {}).get("name_ja"),
        "cross_13": float(queries.cross_section("gdp_nominal", 2019).set_index("region_code").at["13", "value"]),
        "catalogue": sorted(catalogue.catalogue()[0]["indicator_id"]),
        "index": sorted(catalogue.index().indicator_ids),
        "compare_13": float(compare.cross.set_index("region_code").at["13", "value"]),
        "compare_title": compare.title,
        "service_catalogue": sorted(service.catalogue()["indicator_id"]),
    }


@pytest.fixture()
def live(fixture_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the synthetic warehouse that the test may replace."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse, path)
    monkeypatch.setenv("KPI_WAREHOUSE", str(path))
    monkeypatch.delenv("KPIDASH_VIEW_CACHE", raising=False)
    return path


def expect_first(got: dict[str, object]) -> None:
    assert EXTRA not in got["indicators"]  # type: ignore[operator]
    assert got["indicator_name"] == "県内総生産（名目）"
    assert got["cross_13"] == got["compare_13"] == prefecture_value("gdp_nominal", 13, 2019)  # 5000 × 23 + 800
    assert got["compare_title"] == "県内総生産（名目）（2019年度、値）"


def expect_second(got: dict[str, object]) -> None:
    for key in ("indicators", "catalogue", "index", "service_catalogue"):
        assert EXTRA in got[key], key  # type: ignore[operator]
    assert got["indicator_name"] == "県内総生産（第2版）"
    assert got["cross_13"] == got["compare_13"] == 1.0
    assert got["compare_title"] == "県内総生産（第2版）（2019年度、値）"


def test_a_swapped_file_changes_every_cached_answer(live: Path, fixture_warehouse: Path) -> None:
    first = read_everything()
    expect_first(first)
    assert read_everything() == first  # served from the caches
    new = second_version(fixture_warehouse, live.with_name("next.duckdb"))
    os.replace(new, live)
    expect_second(read_everything())


def test_a_swapped_file_with_the_old_mtime_changes_every_cached_answer(live: Path, fixture_warehouse: Path) -> None:
    """A copy that keeps the file times (cp -p, rsync -a, an unpacked archive) is another file all the same: another
    inode and content. A cache keyed on the mtime alone would keep serving the old catalogue."""
    expect_first(read_everything())
    new = second_version(fixture_warehouse, live.with_name("next.duckdb"))
    st = live.stat()
    os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(new, live)
    expect_second(read_everything())


def test_kpis_follow_a_swapped_file(live: Path) -> None:
    from kpidash.service import kpis as service

    # The fixture's register ends in 2024, before the strategy's base year: the latest value is context.
    before = service.kpi_by_id("young_women_outside_tokyo")
    assert before is not None and before["context"]["latest"]["period"] == 2024
    new = live.with_name("next.duckdb")
    shutil.copyfile(live, new)
    con = duckdb.connect(str(new))
    try:
        con.execute("DELETE FROM marts.population_by_age WHERE period = 2024")
    finally:
        con.close()
    os.replace(new, live)
    after = service.kpi_by_id("young_women_outside_tokyo")
    assert after is not None and after["context"]["latest"]["period"] == 2023
