"""労働力調査 prefecture model estimates (quarterly 1997–2020) and 国勢調査 employed persons (2015, 2020)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.errors import EtlError
from etl.loaders.base import (
    LoadResult,
    check_pref_codes,
    check_unique,
    file_row,
    indicator,
    read_csv_strict,
    read_sidecar,
    to_number,
)

LFS_FILE = Path("labour_force_survey") / "lfs_pref_quarterly_model_estimates_1997q1_2020q2.csv"
CENSUS_FILE = Path("census_employment") / "pref_employed_census_2015_2020.csv"
LFS_MEASURES = {
    "employed_thousand": (
        "lfs_employed",
        "就業者数（労働力調査・モデル推計値）",
        "Employed persons (LFS model estimates)",
    ),
    "labour_force_thousand": (
        "lfs_labour_force",
        "労働力人口（労働力調査・モデル推計値）",
        "Labour force (LFS model estimates)",
    ),
    "unemployed_thousand": (
        "lfs_unemployed",
        "完全失業者数（労働力調査・モデル推計値）",
        "Unemployed (LFS model estimates)",
    ),
}
LFS_CAVEAT = (
    "居住地ベース（従業地ではありません）。都道府県別はモデル推計値で、毎年遡って改定されます（2020年8月公表版）。"
    "年値は4四半期の単純平均で、公式の年平均とは一致しないことがあります。全国・東京圏は都道府県推計値の合計です。"
)
CENSUS_MEASURES = {
    "employed_residence": (
        "census_employed_residence",
        "就業者数（常住地、国勢調査）",
        "Employed persons by residence (census)",
    ),
    "employed_place_of_work": (
        "census_employed_workplace",
        "就業者数（従業地、国勢調査）",
        "Employed persons by place of work (census)",
    ),
    "employees": ("census_employees", "雇用者数（役員を除く、国勢調査）", "Employees excl. executives (census)"),
    "primary_industry": (
        "census_employed_primary",
        "第1次産業就業者数（国勢調査）",
        "Employed in primary industry (census)",
    ),
    "secondary_industry": (
        "census_employed_secondary",
        "第2次産業就業者数（国勢調査）",
        "Employed in secondary industry (census)",
    ),
    "tertiary_industry": (
        "census_employed_tertiary",
        "第3次産業就業者数（国勢調査）",
        "Employed in tertiary industry (census)",
    ),
}


def load_lfs(raw_dir: Path) -> tuple[pd.DataFrame, list[dict], dict, pd.DataFrame]:
    path = raw_dir / LFS_FILE
    meta = read_sidecar(path)
    df = read_csv_strict(path, ["pref_code", "year", "quarter", *LFS_MEASURES])
    check_pref_codes(df["pref_code"], path)
    check_unique(df, ["pref_code", "year", "quarter"], path)
    df["year"] = to_number(df, "year", path).astype(int)
    df["quarter"] = to_number(df, "quarter", path).astype(int)
    if not df["quarter"].isin([1, 2, 3, 4]).all():
        i = int((~df["quarter"].isin([1, 2, 3, 4])).to_numpy().nonzero()[0][0])
        raise EtlError("quarter must be 1–4", file=path, row=file_row(df, i), key="quarter")
    for col in LFS_MEASURES:
        df[col] = to_number(df, col, path)
    quarterly = df[["pref_code", "year", "quarter", *LFS_MEASURES]].rename(columns={"pref_code": "region_code"})
    # Calendar-year means only where all four quarters exist: a partial year is a gap, not an estimate.
    g = quarterly.groupby(["region_code", "year"])
    annual = g[list(LFS_MEASURES)].mean()[g.size() == 4].reset_index()
    frames, inds = [], []
    for col, (ind_id, ja, en) in LFS_MEASURES.items():
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": ind_id,
                    "region_code": annual["region_code"],
                    "period": annual["year"],
                    "value": annual[col],
                    "source_id": meta["source_id"],
                }
            )
        )
        inds.append(
            indicator(
                indicator_id=ind_id,
                name_ja=ja,
                name_en=en,
                unit="千人",
                period_type="calendar_year",
                source_id=meta["source_id"],
                description=f"{ja}の暦年4四半期平均。",
                theme="経済・雇用",
                additive=True,
                decimals=1,
                caveats=LFS_CAVEAT,
            )
        )
    rate = annual["unemployed_thousand"] / annual["labour_force_thousand"] * 100
    frames.append(
        pd.DataFrame(
            {
                "indicator_id": "lfs_unemployment_rate",
                "region_code": annual["region_code"],
                "period": annual["year"],
                "value": rate,
                "source_id": meta["source_id"],
            }
        )
    )
    inds.append(
        indicator(
            indicator_id="lfs_unemployment_rate",
            name_ja="完全失業率（労働力調査・モデル推計値）",
            name_en="Unemployment rate (LFS model estimates)",
            unit="%",
            period_type="calendar_year",
            source_id=meta["source_id"],
            description="4四半期平均の完全失業者数÷4四半期平均の労働力人口×100。",
            theme="経済・雇用",
            additive=False,
            decimals=1,
            caveats=LFS_CAVEAT,
        )
    )
    return pd.concat(frames, ignore_index=True), inds, meta, quarterly


def load_census(raw_dir: Path) -> tuple[pd.DataFrame, list[dict], dict]:
    path = raw_dir / CENSUS_FILE
    meta = read_sidecar(path)
    df = read_csv_strict(path, ["pref_code", "census_year", *CENSUS_MEASURES])
    check_pref_codes(df["pref_code"], path, allow=("00",))
    check_unique(df, ["pref_code", "census_year"], path)
    df["census_year"] = to_number(df, "census_year", path).astype(int)
    frames, inds = [], []
    for col, (ind_id, ja, en) in CENSUS_MEASURES.items():
        values = to_number(df, col, path, allow_blank=True)
        keep = values.notna()  # e.g. place of work exists for 2020 only: the other year is a gap
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": ind_id,
                    "region_code": df.loc[keep, "pref_code"],
                    "period": df.loc[keep, "census_year"],
                    "value": values[keep],
                    "source_id": meta["source_id"],
                }
            )
        )
        inds.append(
            indicator(
                indicator_id=ind_id,
                name_ja=ja,
                name_en=en,
                unit="人",
                period_type="reference_date",
                source_id=meta["source_id"],
                description=f"{ja}。10月1日現在。",
                theme="経済・雇用",
                additive=True,
                decimals=0,
                caveats="原数値（労働力状態「不詳」を除く）。2020年の不詳補完値ではありません。",
            )
        )
    return pd.concat(frames, ignore_index=True), inds, meta


def load(raw_dir: Path) -> LoadResult:
    lfs_obs, lfs_inds, lfs_meta, quarterly = load_lfs(raw_dir)
    cen_obs, cen_inds, cen_meta = load_census(raw_dir)
    return LoadResult(
        name="labour",
        observations=pd.concat([lfs_obs, cen_obs], ignore_index=True),
        indicators=lfs_inds + cen_inds,
        sources=[lfs_meta, cen_meta],
        tables={"lfs_quarterly": quarterly},
    )
