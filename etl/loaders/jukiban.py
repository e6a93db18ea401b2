"""住民基本台帳に基づく人口: prefecture × sex × 5-year age (1995–2024) and the 2023 municipality table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

PREF_FILE = Path("population_jukiban") / "pref_population_age_sex_jukiban_1995_2024.csv"
MUNI_FILE = Path("population_jukiban") / "muni_population_age_sex_jukiban_2023-01-01.csv"
# The age groups present in every edition (the 80+ detail exists only from 2015).
AGE_GROUPS = [f"{a:02d}_{a + 4:02d}" for a in range(0, 80, 5)] + ["80_plus"]
AGE_COLUMNS = [f"age_{g}" for g in AGE_GROUPS]
SCOPES = {"japanese": "jp", "total": "all", "foreign": "fn"}
SEXES = {"total": "", "female": "_f", "male": "_m"}
SCOPE_JA = {"japanese": "日本人住民", "total": "総人口（日本人住民＋外国人住民）", "foreign": "外国人住民"}
SEX_JA = {"total": "", "female": "女性", "male": "男性"}
SEX_EN = {"total": "", "female": "women ", "male": "men "}
SCOPE_EN = {"japanese": "Japanese residents", "total": "residents (Japanese + foreign)", "foreign": "foreign residents"}
# Derived age bands published as indicators (inclusive lower, upper); the KPI engine can sum any band itself.
BANDS: dict[str, tuple[int, int | None]] = {
    "total": (0, None),
    "15_29": (15, 29),
    "15_64": (15, 64),
    "0_14": (0, 14),
    "65plus": (65, None),
}
REF_DATE_CAVEAT = (
    "基準日は2013年まで3月31日、2014年から1月1日（2013年と2014年の間は9か月）。2012年以前は日本人住民のみ。"
)


def band_columns(lo: int, hi: int | None) -> list[str]:
    cols = []
    for g in AGE_GROUPS:
        a = int(g[:2])
        top = 200 if g == "80_plus" else int(g[3:])
        if a >= lo and (hi is None or top <= hi):
            if hi is not None and g == "80_plus":
                continue
            cols.append(f"age_{g}")
    return cols


def _read(path: Path, extra_key: list[str]) -> pd.DataFrame:
    df = read_csv_strict(path, ["ref_date", "scope", "pref_code", "sex", "total", *AGE_COLUMNS, *extra_key])
    bad_scope = ~df["scope"].isin(list(SCOPES))
    if bad_scope.any():
        i = int(bad_scope.to_numpy().nonzero()[0][0])
        raise EtlError(f"unknown scope {df['scope'].iloc[i]!r}", file=path, row=file_row(df, i), key="scope")
    bad_sex = ~df["sex"].isin(list(SEXES))
    if bad_sex.any():
        i = int(bad_sex.to_numpy().nonzero()[0][0])
        raise EtlError(f"unknown sex {df['sex'].iloc[i]!r}", file=path, row=file_row(df, i), key="sex")
    for col in ["total", *AGE_COLUMNS]:
        df[col] = to_number(df, col, path)
    return df


def _indicator_defs(source_id: str, scope: str, level_note: str = "") -> list[dict[str, Any]]:
    out = []
    for sex, sx in SEXES.items():
        for band, (lo, hi) in BANDS.items():
            if band in ("0_14", "65plus", "15_64") and sex != "total":
                continue
            age_ja = "" if band == "total" else (f"{lo}～{hi}歳" if hi is not None else f"{lo}歳以上")
            age_en = "" if band == "total" else (f" aged {lo}–{hi}" if hi is not None else f" aged {lo}+")
            out.append(
                indicator(
                    indicator_id=f"pop_{SCOPES[scope]}{sx}_{band}",
                    name_ja=f"{SCOPE_JA[scope]}{SEX_JA[sex]}{'人口' if not age_ja else age_ja + '人口'}（住民基本台帳）",
                    name_en=f"Population: {SEX_EN[sex]}{SCOPE_EN[scope]}{age_en} (basic resident register)",
                    unit="人",
                    period_type="reference_date",
                    source_id=source_id,
                    description=f"住民基本台帳に記録された{SCOPE_JA[scope]}の{SEX_JA[sex]}{age_ja or '総'}人口。期間は基準日の属する年。"
                    + level_note,
                    theme="人口",
                    additive=True,
                    decimals=0,
                    caveats=REF_DATE_CAVEAT
                    + " 年齢階級の合計は年齢不詳等により総数と一致しないことがあります。"
                    + (
                        " 全国値は都道府県の合計です（外国人住民の年齢秘匿のため、公表の全国値と数千人程度異なります）。"
                        if scope != "japanese" and band != "total"
                        else ""
                    ),
                )
            )
    return out


def _observations(df: pd.DataFrame, region_col: str, source_id: str) -> pd.DataFrame:
    frames = []
    for band, (lo, hi) in BANDS.items():
        values = df["total"] if band == "total" else df[band_columns(lo, hi)].sum(axis=1)
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": "pop_" + df["scope"].map(SCOPES) + df["sex"].map(SEXES) + f"_{band}",
                    "region_code": df[region_col],
                    "period": df["year"].astype(int),
                    "value": values,
                    "source_id": source_id,
                }
            )
        )
    obs = pd.concat(frames, ignore_index=True)
    return obs


def load(raw_dir: Path) -> LoadResult:
    pref_path, muni_path = raw_dir / PREF_FILE, raw_dir / MUNI_FILE
    pref_meta, muni_meta = read_sidecar(pref_path), read_sidecar(muni_path)
    pref = _read(pref_path, ["year"])
    check_pref_codes(pref["pref_code"], pref_path, allow=("00",))
    check_unique(pref, ["ref_date", "scope", "pref_code", "sex"], pref_path)
    years = pd.to_numeric(pref["year"], errors="coerce")
    if years.isna().any() or (years != pd.to_datetime(pref["ref_date"], errors="coerce").dt.year).any():
        i = int(
            (years.isna() | (years != pd.to_datetime(pref["ref_date"], errors="coerce").dt.year))
            .to_numpy()
            .nonzero()[0][0]
        )
        raise EtlError("year does not match ref_date", file=pref_path, row=file_row(pref, i), key="year")
    pref["year"] = years.astype(int)
    check_unique(pref, ["year", "scope", "pref_code", "sex"], pref_path)

    muni = _read(muni_path, ["muni_code_5", "muni_name_short_ja", "entity_type"])
    muni = muni[muni["entity_type"].isin(["municipality", "designated_city"])].copy()
    check_pref_codes(muni["pref_code"], muni_path)
    check_unique(muni, ["muni_code_5", "sex"], muni_path)
    bad = ~muni["muni_code_5"].str.fullmatch(r"\d{5}") | (muni["muni_code_5"].str[:2] != muni["pref_code"])
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise EtlError(
            f"bad municipality code {muni['muni_code_5'].iloc[i]!r}",
            file=muni_path,
            row=file_row(muni, i),
            key="muni_code_5",
        )
    muni["year"] = pd.to_datetime(muni["ref_date"]).dt.year.astype(int)

    obs = pd.concat(
        [
            _observations(pref, "pref_code", pref_meta["source_id"]),
            _observations(muni, "muni_code_5", muni_meta["source_id"]),
        ],
        ignore_index=True,
    )
    indicators = []
    for scope in SCOPES:
        indicators += _indicator_defs(pref_meta["source_id"], scope)
    # Only the published combinations become observations (municipality rows share the ids of the 'total' scope).
    obs = obs[obs["indicator_id"].isin({d["indicator_id"] for d in indicators})].reset_index(drop=True)
    # Foreign residents' ages are suppressed in small municipalities, so for scopes that include them the published
    # national age counts exceed the sum of prefectures by up to a few thousand. Keep 00 = Σ prefectures (the
    # warehouse contract) by dropping those national rows; totals (no age band) are consistent and kept.
    has_foreign = obs["indicator_id"].str.match(r"pop_(all|fn)") & ~obs["indicator_id"].str.endswith("_total")
    obs = obs[~(has_foreign & (obs["region_code"] == "00"))].reset_index(drop=True)
    long_age = pref.melt(
        id_vars=["year", "ref_date", "scope", "pref_code", "sex"],
        value_vars=AGE_COLUMNS,
        var_name="age_group",
        value_name="value",
    )
    long_age["age_group"] = long_age["age_group"].str.removeprefix("age_")
    long_age = long_age.rename(columns={"pref_code": "region_code"})
    long_age["ref_date"] = pd.to_datetime(long_age["ref_date"]).dt.date
    ref_dates = pref[["year", "ref_date"]].drop_duplicates().astype({"ref_date": "datetime64[s]"})
    municipalities = (
        muni[muni["sex"] == "total"][["muni_code_5", "pref_code", "muni_name_short_ja", "entity_type"]]
        .rename(columns={"muni_code_5": "region_code", "muni_name_short_ja": "name_ja"})
        .sort_values("region_code")
    )
    return LoadResult(
        name="jukiban",
        observations=obs,
        indicators=indicators,
        sources=[pref_meta, muni_meta],
        tables={"population_by_age": long_age, "population_ref_dates": ref_dates, "municipalities": municipalities},
    )
