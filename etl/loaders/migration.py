"""住民基本台帳人口移動報告: inter-prefectural migration by sex (2010–2025) and by age × sex (2025)."""

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

SEX_FILE = Path("migration") / "interpref_migration_sex_2010_2025.csv"
AGE_FILE = Path("migration") / "interpref_migration_age_sex_2025.csv"
NATIONALITY = {
    "japanese": ("jp", "日本人移動者", "Japanese movers"),
    "all": ("all", "移動者（日本人＋外国人）", "all movers"),
}
SEX = {"total": ("", "", ""), "female": ("_f", "女性", "women, "), "male": ("_m", "男性", "men, ")}
MEASURES = {
    "net_migration": ("net_migration", "転入超過数（他都道府県との移動）", "Net inter-prefectural migration"),
    "in_migrants": ("in_migration", "他都道府県からの転入者数", "In-migrants from other prefectures"),
    "out_migrants": ("out_migration", "他都道府県への転出者数", "Out-migrants to other prefectures"),
}
CAVEAT = "暦年。転入超過数は転入者数－転出者数（マイナスは転出超過）。東京圏・東京圏以外は都道府県の合計で、圏内の都県間移動を含みます。"


def _read(path: Path, extra: list[str]) -> pd.DataFrame:
    df = read_csv_strict(
        path,
        ["year", "area_type", "pref_code", "area_name", "sex", "in_migrants", "out_migrants", "net_migration", *extra],
    )
    for col in ("in_migrants", "out_migrants", "net_migration"):
        df[col] = to_number(df, col, path)
    df["year"] = to_number(df, "year", path).astype(int)
    bad = (df["in_migrants"] - df["out_migrants"]) != df["net_migration"]
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise EtlError(
            "net_migration differs from in_migrants − out_migrants", file=path, row=file_row(df, i), key="net_migration"
        )
    df.loc[df["area_type"] == "national", "pref_code"] = "00"
    return df


def load(raw_dir: Path) -> LoadResult:
    sex_path, age_path = raw_dir / SEX_FILE, raw_dir / AGE_FILE
    sex_meta, age_meta = read_sidecar(sex_path), read_sidecar(age_path)
    df = _read(sex_path, ["nationality"])
    prefs = df[df["area_type"].isin(["national", "prefecture"]) & df["nationality"].isin(list(NATIONALITY))].copy()
    check_pref_codes(prefs["pref_code"], sex_path, allow=("00",))
    check_unique(prefs, ["year", "nationality", "pref_code", "sex"], sex_path)
    frames, inds = [], []
    for nat, (nk, nja, nen) in NATIONALITY.items():
        for sex, (sk, sja, sen) in SEX.items():
            part = prefs[(prefs["nationality"] == nat) & (prefs["sex"] == sex)]
            for col, (stem, mja, men) in MEASURES.items():
                ind_id = f"{stem}_{nk}{sk}"
                frames.append(
                    pd.DataFrame(
                        {
                            "indicator_id": ind_id,
                            "region_code": part["pref_code"],
                            "period": part["year"],
                            "value": part[col],
                            "source_id": sex_meta["source_id"],
                        }
                    )
                )
                inds.append(
                    indicator(
                        indicator_id=ind_id,
                        name_ja=f"{mja}（{nja}{'・' + sja if sja else ''}）",
                        name_en=f"{men} ({sen}{nen})",
                        unit="人",
                        period_type="calendar_year",
                        source_id=sex_meta["source_id"],
                        description=f"住民基本台帳人口移動報告による{mja}。{nja}{('、' + sja) if sja else ''}、全年齢。",
                        theme="人口動態",
                        additive=True,
                        decimals=0,
                        caveats=CAVEAT,
                    )
                )
    # The published 東京圏 rows (from 2017) stay in staging so a check can compare them with our TKY sums.
    metro = df[
        (df["area_type"] == "metro_area") & (df["area_name"] == "東京圏") & df["nationality"].isin(list(NATIONALITY))
    ]
    published_tky = metro[["year", "nationality", "sex", "in_migrants", "out_migrants", "net_migration"]].reset_index(
        drop=True
    )

    age = _read(age_path, ["age_group"])
    age = age[age["area_type"].isin(["national", "prefecture", "metro_area"])].copy()
    age.loc[(age["area_type"] == "metro_area") & (age["area_name"] == "東京圏"), "pref_code"] = "TKY"
    age = age[age["pref_code"].notna()]
    check_pref_codes(age["pref_code"], age_path, allow=("00", "TKY"))
    check_unique(age, ["year", "pref_code", "sex", "age_group"], age_path)
    by_age = age.rename(columns={"pref_code": "region_code"})[
        ["region_code", "year", "sex", "age_group", "in_migrants", "out_migrants", "net_migration"]
    ].reset_index(drop=True)
    young = by_age[by_age["age_group"].isin(["15_19", "20_24", "25_29"]) & (by_age["region_code"] != "TKY")]
    for sex, (sk, sja, sen) in SEX.items():
        part = young[young["sex"] == sex].groupby(["region_code", "year"], as_index=False)["net_migration"].sum()
        ind_id = f"net_migration_all{sk}_15_29"
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": ind_id,
                    "region_code": part["region_code"],
                    "period": part["year"],
                    "value": part["net_migration"],
                    "source_id": age_meta["source_id"],
                }
            )
        )
        inds.append(
            indicator(
                indicator_id=ind_id,
                name_ja=f"15～29歳の転入超過数（移動者{('・' + sja) if sja else ''}）",
                name_en=f"Net inter-prefectural migration aged 15–29 ({sen}all movers)",
                unit="人",
                period_type="calendar_year",
                source_id=age_meta["source_id"],
                description="住民基本台帳人口移動報告の年齢5歳階級別転入超過数（15～19、20～24、25～29歳）の合計。日本人＋外国人。",
                theme="人口動態",
                additive=True,
                decimals=0,
                caveats=CAVEAT + " 年齢別の表は2025年分のみ収録しています。",
            )
        )
    obs = pd.concat(frames, ignore_index=True)
    return LoadResult(
        name="migration",
        observations=obs,
        indicators=inds,
        sources=[sex_meta, age_meta],
        tables={"migration_by_age": by_age, "migration_published_tky": published_tky},
    )
