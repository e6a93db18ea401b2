"""Prefecture master: JIS codes 01–47, names, region blocks, Tokyo-area flag."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.errors import EtlError
from etl.loaders.base import LoadResult, check_pref_codes, check_unique, file_row, read_csv_strict, read_sidecar
from kpidash.config import PREFECTURE_CODES, TOKYO_AREA_CODES

REL_PATH = Path("prefecture_master") / "prefecture_master.csv"
COLUMNS = ["pref_code", "lg_code_6", "name_ja", "name_en", "region8_id", "region8_ja", "region8_en", "tokyo_area"]


def load(raw_dir: Path) -> LoadResult:
    path = raw_dir / REL_PATH
    meta = read_sidecar(path)
    df = read_csv_strict(path, [*COLUMNS, "capital_lat", "capital_lon"])
    check_pref_codes(df["pref_code"], path)
    check_unique(df, ["pref_code"], path)
    if set(df["pref_code"]) != set(PREFECTURE_CODES):
        missing = sorted(set(PREFECTURE_CODES) - set(df["pref_code"]))
        raise EtlError(f"prefecture master must list all 47 prefectures; missing {missing}", file=path)
    flagged = tuple(sorted(df.loc[df["tokyo_area"] == "1", "pref_code"]))
    if flagged != TOKYO_AREA_CODES:
        raise EtlError(f"tokyo_area flags {flagged} differ from 東京圏 {TOKYO_AREA_CODES}", file=path, key="tokyo_area")
    for col in ("name_ja", "name_en", "region8_ja"):
        if df[col].isna().any():
            i = int(df[col].isna().to_numpy().nonzero()[0][0])
            raise EtlError("empty value", file=path, row=file_row(df, i), key=col)
    prefs = pd.DataFrame(
        {
            "pref_code": df["pref_code"],
            "name_ja": df["name_ja"],
            "name_en": df["name_en"],
            "region_block_id": df["region8_id"].astype(int),
            "region_block_ja": df["region8_ja"],
            "region_block_en": df["region8_en"],
            "tokyo_area": df["tokyo_area"] == "1",
            "capital_lat": df["capital_lat"].astype(float),
            "capital_lon": df["capital_lon"].astype(float),
        }
    ).sort_values("pref_code")
    empty = pd.DataFrame(columns=["indicator_id", "region_code", "period", "value", "source_id"])
    return LoadResult(
        name="prefectures", observations=empty, indicators=[], sources=[meta], tables={"prefectures": prefs}
    )
