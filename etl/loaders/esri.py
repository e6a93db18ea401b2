"""ESRI 県民経済計算 総括表 (``soukatu*.xlsx``), read in ESRI's own Excel layout.

Each ``data/raw/esri_kenmin_<last fiscal year>/`` folder holds one release. The latest release's series get plain ids
(``gdp_nominal``); older releases get a suffix naming their last fiscal year in the Japanese era (``_h30``), so two
releases are never mixed in one series. Dropping ESRI's ``soukatu10.xlsx`` of the latest release into its folder makes
``employed_workplace`` appear, which the KPI engine then uses instead of its proxy.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from etl.errors import EtlError
from etl.loaders.base import LoadResult, indicator, read_sidecar
from kpidash.config import PREFECTURE_CODES

# 総括表 number -> (id stem, name_en, additive, decimals, description_ja, caveats)
TABLES: dict[int, tuple[str, str, bool, int, str, str]] = {
    1: (
        "gdp_nominal",
        "Gross prefectural product (production side, nominal)",
        True,
        0,
        "県内総生産（生産側、名目）。県内の生産活動による付加価値の合計。",
        "",
    ),
    2: (
        "gdp_real",
        "Gross prefectural product (production side, real, chain-linked)",
        False,
        0,
        "県内総生産（生産側、実質：連鎖方式）。",
        "連鎖方式の実質値は加法整合性がないため、都道府県を合計できません（全国・東京圏の合計値は表示しません）。",
    ),
    3: (
        "gdp_deflator",
        "GPP deflator (chain-linked)",
        False,
        1,
        "県内総生産デフレーター（連鎖方式）。",
        "比率のため合計できません。",
    ),
    4: (
        "net_product_factor_cost",
        "Net prefectural product (factor cost)",
        True,
        0,
        "県内純生産（要素費用表示）。",
        "",
    ),
    5: ("pref_income", "Prefectural income", True, 0, "県民所得（要素費用表示）。企業所得・財産所得を含む。", ""),
    6: ("compensation_employees", "Compensation of employees (residents)", True, 0, "県民雇用者報酬。", ""),
    7: (
        "income_per_capita",
        "Prefectural income per capita",
        False,
        0,
        "1人当たり県民所得（県民所得÷総人口）。",
        "個人の所得水準ではなく、企業所得等を含む県経済全体の所得水準です。",
    ),
    8: ("compensation_per_employee", "Compensation per employee", False, 0, "1人当たり県民雇用者報酬。", ""),
    9: (
        "population_esri",
        "Total population (ESRI, 1 October)",
        True,
        0,
        "総人口（各年10月1日、総務省「人口推計」、国勢調査年は国勢調査）。",
        "",
    ),
    10: (
        "employed_workplace",
        "Persons employed in the prefecture (place of work)",
        True,
        0,
        "県内就業者数（従業地ベース。雇用者・自営業主・家族従業者を含む）。",
        "複数の仕事を持つ人は双方の県で計上されることがあります。",
    ),
    11: ("employees_residents", "Employees resident in the prefecture", True, 0, "県民雇用者数（居住地ベース）。", ""),
}

FILE_RE = re.compile(r"^soukatu(\d{1,2})(?:_\d{4})?\.xlsx$")
TITLE_RE = re.compile(r"^\s*(\d{1,2})\s*[.．]\s*(.+?)\s*$")
UNIT_RE = re.compile(r"単位\s*[:：]\s*(.+?)\s*[)）]")
INDEX_UNIT_RE = re.compile(r"^\s*\((.+=\s*100)\)\s*$")
UNIT_NORMALISE = {"100万円": "百万円"}


def era_suffix(last_fiscal_year: int) -> str:
    """Fiscal year -> short Japanese-era tag: 2018 -> 'h30', 2022 -> 'r4'."""
    if last_fiscal_year >= 2019:
        return f"r{last_fiscal_year - 2018}"
    return f"h{last_fiscal_year - 1988}"


def parse_soukatu(path: Path) -> dict[str, Any]:
    """Read one 総括表 workbook (sheet 実数). Returns table number, title, unit, years and a long DataFrame."""
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip/xml errors of a truncated or non-Excel file
        raise EtlError(f"cannot open as an Excel workbook ({type(exc).__name__}: {exc})", file=path) from exc
    try:
        if "実数" not in wb.sheetnames:
            raise EtlError(f"sheet 実数 not found (sheets: {wb.sheetnames})", file=path)
        rows = list(wb["実数"].iter_rows(values_only=True))
    finally:
        wb.close()
    title = unit = None
    for r in rows[:4]:
        for cell in r:
            if isinstance(cell, str):
                text = unicodedata.normalize("NFKC", cell)
                if title is None and (m := TITLE_RE.match(text)):
                    original = re.split(r"[.．]", cell.strip(), maxsplit=1)[-1]  # keep ESRI's full-width brackets
                    title = (int(m.group(1)), original.strip())
                if unit is None and (m := UNIT_RE.search(text)):
                    unit = UNIT_NORMALISE.get(m.group(1), m.group(1))
                elif unit is None and (m := INDEX_UNIT_RE.match(text)) and "実数" not in text:
                    unit = m.group(1)  # deflators: '（平成23暦年=100）'
    if title is None:
        raise EtlError("title row 'N．表名' not found in the first rows of sheet 実数", file=path)
    if unit is None:
        raise EtlError("unit '（単位：…）' not found in the first rows of sheet 実数", file=path)
    # The year header row: the first row with at least 5 integer years; it gives the column of each fiscal year.
    year_row_idx, year_cols = None, {}
    for i, r in enumerate(rows[:10]):
        cols = {
            j: int(v)
            for j, v in enumerate(r)
            if isinstance(v, int | float) and 1950 <= v <= 2100 and float(v).is_integer()
        }
        if len(cols) >= 5:
            year_row_idx, year_cols = i, cols
            break
    if year_row_idx is None:
        raise EtlError("fiscal-year header row (2011, 2012, …) not found", file=path)
    years = sorted(year_cols.values())
    if years != list(range(years[0], years[-1] + 1)):
        raise EtlError(f"fiscal-year columns are not consecutive: {years}", file=path, row=year_row_idx + 1)
    records: list[tuple[str, int, float]] = []
    seen: set[str] = set()
    national_row = None
    for i, r in enumerate(rows[year_row_idx + 1 :], start=year_row_idx + 2):
        code = r[0]
        name = r[1] if len(r) > 1 else None
        if isinstance(name, str) and name.strip() == "全県計":
            national_row = (i, r)
            continue
        if isinstance(code, str) and code.strip() == "地域ブロック":
            break  # block and city rows follow; they are not loaded
        if code is None or name is None:
            continue
        code_s = str(code).strip()
        if not re.fullmatch(r"\d{1,2}", code_s) or code_s.zfill(2) not in PREFECTURE_CODES:
            raise EtlError(f"unknown prefecture code {code_s!r}", file=path, row=i, key="A")
        code_s = code_s.zfill(2)
        if code_s in seen:
            raise EtlError(f"duplicated prefecture code {code_s}", file=path, row=i, key="A")
        seen.add(code_s)
        for j, year in year_cols.items():
            records.append((code_s, year, _cell_number(r, j, path, i)))
    if seen != set(PREFECTURE_CODES):
        raise EtlError(
            f"expected 47 prefecture rows, found {len(seen)} (missing {sorted(set(PREFECTURE_CODES) - seen)[:5]})",
            file=path,
        )
    if national_row is not None:
        i, r = national_row
        for j, year in year_cols.items():
            records.append(("00", year, _cell_number(r, j, path, i)))
    df = pd.DataFrame.from_records(records, columns=["region_code", "period", "value"])
    clean_title = re.sub(r"\s*※支出側も同じ\s*", "", title[1]).strip()
    return {
        "table_no": title[0],
        "title": clean_title,
        "unit": unit,
        "years": years,
        "data": df,
        "has_national": national_row is not None,
    }


def _cell_number(row: tuple[Any, ...], j: int, path: Path, row_no: int) -> float:
    v = row[j] if j < len(row) else None
    if isinstance(v, bool) or not isinstance(v, int | float):
        col = openpyxl.utils.get_column_letter(j + 1)
        raise EtlError(f"non-numeric cell {v!r}", file=path, row=row_no, key=f"column {col}")
    return float(v)


def release_dirs(raw_dir: Path) -> list[Path]:
    return sorted(p for p in raw_dir.glob("esri_kenmin_*") if p.is_dir())


def load(raw_dir: Path) -> LoadResult:
    dirs = release_dirs(raw_dir)
    if not dirs:
        raise EtlError("no ESRI release folder data/raw/esri_kenmin_<year>/ found", file=raw_dir)
    releases = []
    for d in dirs:
        files = sorted(p for p in d.iterdir() if FILE_RE.match(p.name))
        if not files:
            raise EtlError("folder holds no soukatu*.xlsx file", file=d)
        parsed = []
        for f in files:
            meta = read_sidecar(f)
            t = parse_soukatu(f)
            expected_no = int(FILE_RE.match(f.name).group(1))  # type: ignore[union-attr]
            if t["table_no"] != expected_no or t["table_no"] not in TABLES:
                raise EtlError(
                    f"workbook title says table {t['table_no']} ({t['title']}), file name says {expected_no}", file=f
                )
            parsed.append((f, meta, t))
        year_sets = {tuple(t["years"]) for _, _, t in parsed}
        if len(year_sets) != 1:
            detail = ", ".join(f"{f.name}: {t['years'][0]}–{t['years'][-1]}" for f, _, t in parsed)
            raise EtlError(f"one release folder mixes tables covering different years ({detail})", file=d)
        releases.append((d, parsed, parsed[0][2]["years"]))
    latest_end = max(r[2][-1] for r in releases)
    if sum(1 for r in releases if r[2][-1] == latest_end) > 1:
        raise EtlError(f"two release folders both end in FY{latest_end}", file=raw_dir)
    obs, inds, sources = [], [], []
    for _folder, parsed, years in releases:
        suffix = "" if years[-1] == latest_end else "_" + era_suffix(years[-1])
        release_label = f"FY{years[0]}–{years[-1]} release"
        for _f, meta, t in parsed:
            stem, name_en, additive, decimals, desc, caveat = TABLES[t["table_no"]]
            ind_id = stem + suffix
            data = t["data"]
            if not additive:
                data = data[data["region_code"] != "00"]
            data = data.assign(indicator_id=ind_id, source_id=meta["source_id"])
            obs.append(data)
            sources.append(meta)
            era = f"（{meta['title'].split('（')[-1]}" if "（" in meta["title"] else ""
            inds.append(
                indicator(
                    indicator_id=ind_id,
                    name_ja=f"{t['title']}{era if suffix else ''}",
                    name_en=f"{name_en}{' (' + release_label + ')' if suffix else ''}",
                    unit=t["unit"],
                    period_type="fiscal_year",
                    source_id=meta["source_id"],
                    description=desc + f" {meta['title']}、{release_label}。",
                    theme="経済・雇用",
                    additive=additive,
                    decimals=decimals,
                    caveats=caveat
                    + ("" if not suffix else " 旧基準の系列です。最新の公表系列と混ぜて使わないでください。"),
                )
            )
    observations = pd.concat(obs, ignore_index=True)[["indicator_id", "region_code", "period", "value", "source_id"]]
    return LoadResult(name="esri", observations=observations, indicators=inds, sources=sources)
