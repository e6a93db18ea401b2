"""The ESRI loader on three releases made from the real workbooks under data/raw (the newest one a copy shifted by a
year): the newest release gets the plain ids, and the series of different releases are never mixed."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from etl.loaders import esri
from etl.loaders.base import LoadResult, sha256_of
from kpidash.config import RAW_DIR

pytestmark = pytest.mark.integration


def copy_release(src: Path, dst: Path, *, shift_years: int = 0, new_release: str | None = None) -> None:
    """Copy a release folder; optionally shift its fiscal-year header row and give it its own sidecars."""
    dst.mkdir(parents=True)
    for f in sorted(src.glob("*.xlsx")):
        target = dst / f.name
        shutil.copy2(f, target)
        meta = yaml.safe_load(f.with_name(f.name + ".meta.yaml").read_text(encoding="utf-8"))
        if shift_years:
            wb = openpyxl.load_workbook(target)
            ws = wb["実数"]
            shifted = 0
            for cell in ws[5]:
                if isinstance(cell.value, int) and 1990 < cell.value < 2100:
                    cell.value += shift_years
                    shifted += 1
            assert shifted >= 5
            wb.save(target)
        if new_release:
            meta["source_id"] = meta["source_id"].replace("esri2022", new_release)
        meta["sha256"] = sha256_of(target)
        target.with_name(target.name + ".meta.yaml").write_text(
            yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )


@pytest.fixture(scope="module")
def three_releases(tmp_path_factory: pytest.TempPathFactory) -> LoadResult:
    raw = tmp_path_factory.mktemp("esri3") / "raw"
    copy_release(RAW_DIR / "esri_kenmin_2018", raw / "esri_kenmin_2018")
    copy_release(RAW_DIR / "esri_kenmin_2022", raw / "esri_kenmin_2022")
    copy_release(RAW_DIR / "esri_kenmin_2022", raw / "esri_kenmin_2023", shift_years=1, new_release="esri2023")
    return esri.load(raw)


def test_newest_release_gets_plain_ids(three_releases: LoadResult) -> None:
    inds = {d["indicator_id"]: d for d in three_releases.indicators}
    assert {"gdp_nominal", "gdp_nominal_r4", "gdp_nominal_h30"} <= set(inds)
    assert inds["gdp_nominal"]["source_id"] == "esri2023_soukatu1"
    assert inds["gdp_nominal_r4"]["source_id"] == "esri2022_soukatu1"
    assert inds["gdp_nominal_h30"]["source_id"] == "esri2018_soukatu1"
    assert "FY2011–2022" in inds["gdp_nominal_r4"]["name_en"]
    # every table of the 2022 release moved to the _r4 suffix; nothing else carries it
    stems_2022 = {"gdp_nominal", "gdp_real", "income_per_capita", "population_esri"}
    assert {i for i in inds if i.endswith("_r4")} == {f"{s}_r4" for s in stems_2022}
    assert stems_2022 <= set(inds)


def test_release_series_are_not_mixed(three_releases: LoadResult) -> None:
    obs = three_releases.observations

    def periods(ind: str) -> set[int]:
        return set(obs.loc[obs["indicator_id"] == ind, "period"].astype(int))

    def sources(ind: str) -> set[str]:
        return set(obs.loc[obs["indicator_id"] == ind, "source_id"])

    assert periods("gdp_nominal") == set(range(2012, 2024))
    assert periods("gdp_nominal_r4") == set(range(2011, 2023))
    assert periods("gdp_nominal_h30") == set(range(2006, 2019))
    assert sources("gdp_nominal") == {"esri2023_soukatu1"}
    assert sources("gdp_nominal_r4") == {"esri2022_soukatu1"}

    def v(ind: str, region: str, year: int) -> float:
        sel = obs[(obs["indicator_id"] == ind) & (obs["region_code"] == region) & (obs["period"] == year)]
        assert len(sel) == 1
        return float(sel["value"].iloc[0])

    # published FY2022 values stay on the r4 series; the patched copy carries them as FY2023
    assert v("gdp_nominal_r4", "13", 2022) == 120_219_929
    assert v("gdp_nominal_r4", "00", 2022) == 595_919_672
    assert v("gdp_nominal", "13", 2023) == 120_219_929
