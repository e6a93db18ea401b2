"""Industry structure (産業構造), prefecture level: value added by economic activity and employment by industry.

Two raw files, both described in ``industry_indicators.yaml`` (industries, labels, sectors, catalogue texts and the
derived formulas — data, not code):

- ``va``: ESRI 経済活動別県内総生産（名目）, a long UTF-8 table ``pref_code,name_ja,fiscal_year,industry_ja,
  value_million_yen`` (16 activities, 3 sectors, 県内総生産（合計）; 47 prefectures × FY2011–2022). Every
  (prefecture, year) must have every item exactly once, and no other item; ``name_ja`` must be the master's name.
- ``emp2015``: the e-Stat export of the 2015 census, employed persons by 産業大分類 (cp932, one header row: five
  label columns, then 総数, A–T and the three (再掲) sectors; a 全国 row and 47 prefectures by short name, numbers
  with thousands separators). The five label columns must say 就業者数【人】 / 総数（男女別） / 2015年; every number
  column must be mapped in the YAML; the 全国 row must equal the sum of the 47 prefectures in every column (the error
  names the column); only the 47 prefectures are loaded (the marts build 00/TKY/NTK as sums).

Every problem is an EtlError naming the file, the row (1-based, header counted) and the column. The derived series
(``va_subtotal``, shares, location quotients) are handed to etl/derived.py as ``LoadResult.derived``; the industry
list becomes ``staging.stg_industries`` → ``marts.industries``. Cross-checks against the totals already loaded
(gdp_nominal, census_employed_residence) are in etl/checks.py.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from etl import derived
from etl.errors import EtlError
from etl.loaders.base import (
    OBSERVATION_COLUMNS,
    LoadResult,
    check_pref_codes,
    check_unique,
    file_row,
    indicator,
    read_csv_strict,
    read_sidecar,
    to_number,
)
from kpidash.config import NATIONAL_CODE, PREFECTURE_CODES

NAME = "industry"
YAML_PATH = Path(__file__).with_name("industry_indicators.yaml")
MASTER_FILE = Path("prefecture_master") / "prefecture_master.csv"
PERIOD_TYPES = frozenset({"calendar_year", "fiscal_year", "reference_date"})
_ID_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

TOP_FIELDS = {"theme", "measures", "derived"}
MEASURE_FIELDS = {
    "measure",
    "source_id",
    "file",
    "unit",
    "period_type",
    "decimals",
    "industry",
    "industries",
    "aggregates",
}
TEMPLATE_FIELDS = {"name_ja", "name_en", "description", "caveats"}
INDUSTRY_FIELDS = {"key", "order", "code", "name_ja", "name_en", "sector", "label"}
AGGREGATE_FIELDS = {"key", "name_ja", "name_en", "label", "description"}
DERIVED_FIELDS = {"id", "over", "name_ja", "name_en", "unit", "decimals", "description", "caveats", "formula"}


@dataclass(frozen=True)
class Item:
    """One item of a measure's file: an industry (with order and sector) or an aggregate (sector, total)."""

    measure: str
    key: str
    name_ja: str
    name_en: str
    label: str
    order: int | None = None  # industries only: 1, 2, … in display order
    code: str | None = None  # e.g. the census letter A–T
    sector: int | None = None  # 1, 2, 3 or None (分類不能)
    description: str | None = None  # aggregates may replace the measure's description template

    @property
    def indicator_id(self) -> str:
        return f"{self.measure}_{self.key}"

    def fields(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "code": self.code or "",
            "name_ja": self.name_ja,
            "name_en": self.name_en,
            "label": self.label,
        }


@dataclass(frozen=True)
class Measure:
    measure: str
    source_id: str
    file: Path
    unit: str
    period_type: str
    decimals: int
    templates: dict[str, str]
    industries: tuple[Item, ...]
    aggregates: tuple[Item, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return self.industries + self.aggregates


@dataclass(frozen=True)
class Definitions:
    theme: str
    measures: dict[str, Measure]
    derived: list[derived.Spec]


# ---------------------------------------------------------------------------------------------------- the YAML


def _fail(path: Path, where: str, message: str) -> EtlError:
    return EtlError(f"{where}: {message}", file=path)


def _mapping(value: Any, fields: set[str], required: set[str], path: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, where, f"must be a mapping, got {value!r}")
    unknown = sorted(set(value) - fields, key=str)
    if unknown:
        raise _fail(path, where, f"unknown field(s) {', '.join(map(str, unknown))}")
    missing = sorted(required - set(value))
    if missing:
        raise _fail(path, where, f"missing field(s) {', '.join(missing)}")
    return value


def _text(value: Any, path: Path, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise _fail(path, where, f"must be a {'' if empty else 'non-empty '}string, got {value!r}")
    return value


def _format(template: str, values: dict[str, Any], path: Path, where: str) -> str:
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        raise _fail(path, where, f"bad placeholder in {template!r} ({exc}); known: {', '.join(values)}") from None


def _items(raw: Any, measure: str, path: Path, where: str, *, industries: bool) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, where, "must be a non-empty list")
    out = []
    for n, entry in enumerate(raw, start=1):
        w = f"{where}[{n}]"
        fields = INDUSTRY_FIELDS if industries else AGGREGATE_FIELDS
        required = {"key", "name_ja", "name_en", "label"} | ({"order", "sector"} if industries else set())
        e = _mapping(entry, fields, required, path, w)
        key = _text(e["key"], path, f"{w}.key")
        if not _ID_RE.fullmatch(key):
            raise _fail(path, f"{w}.key", f"must be ascii snake_case, got {key!r}")
        if industries:
            if e["order"] != n or type(e["order"]) is not int:
                raise _fail(path, f"{w}.order", f"must be {n} (the position in the list), got {e['order']!r}")
            if e["sector"] not in (1, 2, 3, None) or type(e["sector"]) is bool:
                raise _fail(path, f"{w}.sector", f"must be 1, 2, 3 or null, got {e['sector']!r}")
        out.append(
            Item(
                measure=measure,
                key=key,
                name_ja=_text(e["name_ja"], path, f"{w}.name_ja"),
                name_en=_text(e["name_en"], path, f"{w}.name_en"),
                label=_text(e["label"], path, f"{w}.label"),
                order=e.get("order"),
                code=_text(e["code"], path, f"{w}.code") if e.get("code") is not None else None,
                sector=e.get("sector"),
                description=_text(e["description"], path, f"{w}.description") if "description" in e else None,
            )
        )
    return tuple(out)


def _measure(raw: Any, path: Path, where: str) -> Measure:
    e = _mapping(raw, MEASURE_FIELDS, MEASURE_FIELDS, path, where)
    name = _text(e["measure"], path, f"{where}.measure")
    where = f"{where} ({name})"
    if name not in READERS:
        raise _fail(path, f"{where}.measure", f"no reader for measure {name!r} (known: {', '.join(READERS)})")
    if e["period_type"] not in PERIOD_TYPES:
        raise _fail(path, f"{where}.period_type", f"must be one of {', '.join(sorted(PERIOD_TYPES))}")
    if type(e["decimals"]) is not int or not 0 <= e["decimals"] <= 6:
        raise _fail(path, f"{where}.decimals", f"must be an integer 0..6, got {e['decimals']!r}")
    tpl = _mapping(e["industry"], TEMPLATE_FIELDS, TEMPLATE_FIELDS, path, f"{where}.industry")
    templates = {k: _text(v, path, f"{where}.industry.{k}", empty=k == "caveats") for k, v in tpl.items()}
    m = Measure(
        measure=name,
        source_id=_text(e["source_id"], path, f"{where}.source_id"),
        file=Path(_text(e["file"], path, f"{where}.file")),
        unit=_text(e["unit"], path, f"{where}.unit"),
        period_type=e["period_type"],
        decimals=e["decimals"],
        templates=templates,
        industries=_items(e["industries"], name, path, f"{where}.industries", industries=True),
        aggregates=_items(e["aggregates"], name, path, f"{where}.aggregates", industries=False),
    )
    for attr in ("key", "label"):
        seen: set[str] = set()
        for it in m.items:
            if getattr(it, attr) in seen:
                raise _fail(path, where, f"duplicated {attr} {getattr(it, attr)!r}")
            seen.add(getattr(it, attr))
    for it in m.items:  # every template must format for every item
        for k, t in templates.items():
            _format(t, it.fields(), path, f"{where}.industry.{k}")
    return m


def _expand_formula(raw: Any, values: dict[str, Any] | None, measures: dict[str, Measure], path: Path, where: str):
    """The formula mapping with its templates filled in (``values``) and ``terms: {over, id}`` listed out."""
    if not isinstance(raw, dict):
        raise _fail(path, f"{where}.formula", f"must be a mapping, got {raw!r}")
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k == "terms" and isinstance(v, dict):
            spec = _mapping(v, {"over", "id"}, {"over", "id"}, path, f"{where}.formula.terms")
            if spec["over"] not in measures:
                raise _fail(path, f"{where}.formula.terms.over", f"unknown measure {spec['over']!r}")
            tpl = _text(spec["id"], path, f"{where}.formula.terms.id")
            out[k] = [
                _format(tpl, it.fields(), path, f"{where}.formula.terms.id") for it in measures[spec["over"]].industries
            ]
        elif isinstance(v, str) and values is not None:
            out[k] = _format(v, values, path, f"{where}.formula.{k}")
        else:
            out[k] = v
    return out


def _derived(raw: Any, theme: str, measures: dict[str, Measure], path: Path) -> list[derived.Spec]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "derived", "must be a non-empty list")
    known = {it.indicator_id for m in measures.values() for it in m.items}
    specs: list[derived.Spec] = []
    for n, entry in enumerate(raw, start=1):
        where = f"derived[{n}]"
        e = _mapping(entry, DERIVED_FIELDS, DERIVED_FIELDS - {"over"}, path, where)
        if isinstance(e["id"], str):
            where += f" ({e['id']})"
        if type(e["decimals"]) is not int or not 0 <= e["decimals"] <= 6:
            raise _fail(path, f"{where}.decimals", f"must be an integer 0..6, got {e['decimals']!r}")
        texts = {
            k: _text(e[k], path, f"{where}.{k}", empty=k in ("unit", "caveats"))
            for k in ("id", "name_ja", "name_en", "unit", "description", "caveats")
        }
        if "over" in e:
            if e["over"] not in measures:
                raise _fail(path, f"{where}.over", f"unknown measure {e['over']!r} (known: {', '.join(measures)})")
            expansions: list[dict[str, Any] | None] = [it.fields() for it in measures[e["over"]].industries]
        else:
            expansions = [None]
        for values in expansions:
            t = {k: _format(v, values, path, f"{where}.{k}") if values is not None else v for k, v in texts.items()}
            iid = t["id"]
            if not _ID_RE.fullmatch(iid):
                raise _fail(path, f"{where}.id", f"must be ascii snake_case, got {iid!r}")
            if iid in known:
                raise _fail(path, f"{where}.id", f"duplicated indicator id {iid!r}")
            try:
                formula = derived.parse_formula(_expand_formula(e["formula"], values, measures, path, where), where)
            except ValueError as exc:
                raise EtlError(str(exc), file=path) from None
            unknown = [i for i in derived.inputs(formula) if i not in known]
            if unknown:
                raise _fail(path, f"{where}.formula", f"unknown indicator(s) {', '.join(unknown)} (for {iid})")
            known.add(iid)
            specs.append(
                derived.Spec(
                    iid,
                    t["name_ja"],
                    t["name_en"],
                    t["unit"],
                    e["decimals"],
                    theme,
                    t["description"],
                    t["caveats"],
                    formula,
                )
            )
    return specs


def load_definitions(path: Path | None = None) -> Definitions:
    """Read and validate the YAML; any problem is an EtlError naming the file and the entry."""
    path = path or YAML_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EtlError(f"cannot read industry definitions: {exc}", file=path) from exc
    except yaml.YAMLError as exc:
        raise EtlError(f"industry definitions are not valid YAML: {exc}", file=path) from exc
    top = _mapping(raw, TOP_FIELDS, TOP_FIELDS, path, "top level")
    theme = _text(top["theme"], path, "theme")
    if not isinstance(top["measures"], list) or not top["measures"]:
        raise _fail(path, "measures", "must be a non-empty list")
    measures: dict[str, Measure] = {}
    for n, m in enumerate(top["measures"], start=1):
        parsed = _measure(m, path, f"measures[{n}]")
        if parsed.measure in measures:
            raise _fail(path, f"measures[{n}]", f"duplicated measure {parsed.measure!r}")
        measures[parsed.measure] = parsed
    return Definitions(theme, measures, _derived(top["derived"], theme, measures, path))


# ---------------------------------------------------------------------------------------------------- the files


def _check_field_counts(path: Path, encoding: str) -> None:
    """Every line must have as many fields as the header (pandas would pad a short row with blanks)."""
    try:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.reader(fh)
            width = len(next(reader, []))
            for line_no, fields in enumerate(reader, start=2):
                if fields and len(fields) != width:
                    raise EtlError(f"line has {len(fields)} fields, the header has {width}", file=path, row=line_no)
    except UnicodeDecodeError as exc:
        raise EtlError(f"not {encoding} text ({exc.reason} at byte {exc.start})", file=path) from None


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.asarray(mask).nonzero()[0][0])


def _source(raw_dir: Path, m: Measure) -> tuple[Path, dict[str, Any]]:
    path = raw_dir / m.file
    meta = read_sidecar(path)
    if meta["source_id"] != m.source_id:
        side = path.with_name(path.name + ".meta.yaml")
        raise EtlError(f"source_id must be {m.source_id!r} ({YAML_PATH.name}), got {meta['source_id']!r}", file=side)
    return path, meta


def _observations(ids: pd.Series, codes: pd.Series, periods: pd.Series, values: pd.Series, sid: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": ids.to_numpy(),
            "region_code": codes.to_numpy(),
            "period": periods.to_numpy(dtype="int64"),
            "value": values.to_numpy(dtype=float),
            "source_id": sid,
        },
        columns=OBSERVATION_COLUMNS,
    )


VA_COLUMNS = ["pref_code", "name_ja", "fiscal_year", "industry_ja", "value_million_yen"]


def read_value_added(raw_dir: Path, m: Measure, names: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The long ESRI table: every prefecture × year × item exactly once; returns observations and the sidecar."""
    path, meta = _source(raw_dir, m)
    _check_field_counts(path, "utf-8-sig")
    df = read_csv_strict(path, VA_COLUMNS, encoding="utf-8-sig")
    check_pref_codes(df["pref_code"], path)
    wrong = df["name_ja"] != df["pref_code"].map(names)
    if wrong.any():
        i = _first(wrong)
        code = df["pref_code"].iloc[i]
        raise EtlError(
            f"name {df['name_ja'].iloc[i]!r} is not prefecture {code} ({names[code]})",
            file=path,
            row=file_row(df, i),
            key="name_ja",
        )
    years = to_number(df, "fiscal_year", path)
    bad = (years % 1 != 0) | (years < 1900) | (years > 2100)
    if bad.any():
        i = _first(bad)
        raise EtlError(
            f"fiscal year {df['fiscal_year'].iloc[i]!r} is not a plausible integer",
            file=path,
            row=file_row(df, i),
            key="fiscal_year",
        )
    by_label = {it.label: it for it in m.items}
    unknown = ~df["industry_ja"].isin(list(by_label))
    if unknown.any():
        i = _first(unknown)
        raise EtlError(
            f"unknown item {df['industry_ja'].iloc[i]!r} (not in {YAML_PATH.name})",
            file=path,
            row=file_row(df, i),
            key="industry_ja",
        )
    check_unique(df, ["pref_code", "fiscal_year", "industry_ja"], path)
    values = to_number(df, "value_million_yen", path)
    if not np.isfinite(values).all():
        i = _first(~np.isfinite(values))
        raise EtlError(
            f"non-finite value {df['value_million_yen'].iloc[i]!r}",
            file=path,
            row=file_row(df, i),
            key="value_million_yen",
        )
    # Complete grid: every prefecture and every item in every year of the file.
    have = set(zip(df["pref_code"], years.astype(int), df["industry_ja"], strict=True))
    for y in sorted(set(years.astype(int))):
        for code in PREFECTURE_CODES:
            for it in m.items:
                if (code, y, it.label) not in have:
                    raise EtlError(
                        f"missing item {it.label!r} for pref_code={code}, fiscal_year={y}", file=path, key="industry_ja"
                    )
    ids = df["industry_ja"].map(lambda label: by_label[label].indicator_id)
    return _observations(ids, df["pref_code"], years, values, meta["source_id"]), meta


CENSUS_LABELS = {  # the label columns of the e-Stat export and the value each row must have
    "表章項目": "就業者数【人】",
    "男女別_2015": "総数（男女別）",
    "時間軸（調査年）": "2015年",
}
CENSUS_REGION = "地域2015"
CENSUS_EMPTY = "/産業大分類2015"  # the e-Stat export's (blank) classification column
CENSUS_YEAR = 2015
NATIONAL_NAME = "全国"


def short_name(name_ja: str) -> str:
    """e-Stat's short prefecture name: 東京都 → 東京, 京都府 → 京都, 青森県 → 青森, 北海道 unchanged."""
    return name_ja[:-1] if name_ja != "北海道" and name_ja[-1] in "都府県" else name_ja


def read_census_2015(raw_dir: Path, m: Measure, names: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The e-Stat export (cp932): 47 prefectures loaded, the 全国 row checked against their sum in every column."""
    path, meta = _source(raw_dir, m)
    _check_field_counts(path, "cp932")
    labels = [it.label for it in m.items]
    df = read_csv_strict(path, [*CENSUS_LABELS, CENSUS_REGION, *labels], encoding="cp932")
    extra = [c for c in df.columns if c not in {*CENSUS_LABELS, CENSUS_REGION, CENSUS_EMPTY, *labels}]
    if extra:
        raise EtlError(
            f"unmapped column {extra[0]!r} (add it to {YAML_PATH.name} or check the file)",
            file=path,
            row=1,
            key=extra[0],
        )
    for col, want in CENSUS_LABELS.items():
        bad = df[col] != want
        if bad.any():
            i = _first(bad)
            raise EtlError(f"expected {want!r}, got {df[col].iloc[i]!r}", file=path, row=file_row(df, i), key=col)
    code_of = {short_name(n): c for c, n in names.items()} | {n: c for c, n in names.items()}
    code_of[NATIONAL_NAME] = NATIONAL_CODE
    region = df[CENSUS_REGION].map(code_of)
    if region.isna().any():
        i = _first(region.isna())
        raise EtlError(
            f"unknown region {df[CENSUS_REGION].iloc[i]!r}", file=path, row=file_row(df, i), key=CENSUS_REGION
        )
    df["region_code"] = region
    check_unique(df, ["region_code"], path)
    missing = sorted((set(PREFECTURE_CODES) | {NATIONAL_CODE}) - set(region))
    if missing:
        shown = ", ".join(f"{c} {names.get(c, NATIONAL_NAME)}" for c in missing)
        raise EtlError(f"missing region row(s): {shown}", file=path, key=CENSUS_REGION)
    values = pd.DataFrame({c: to_number(df, c, path) for c in labels})
    nat = region == NATIONAL_CODE
    prefs = values[~nat.to_numpy()]
    for c in labels:  # the file's own 全国 row must be the sum of its 47 prefectures
        national, total = float(values.loc[nat.to_numpy(), c].iloc[0]), float(prefs[c].sum())
        if national != total:
            raise EtlError(
                f"全国 {national:,.0f} ≠ sum of the 47 prefectures {total:,.0f}",
                file=path,
                row=file_row(df, _first(nat)),
                key=c,
            )
    frames = [
        _observations(
            pd.Series(it.indicator_id, index=prefs.index),
            region[~nat],
            pd.Series(CENSUS_YEAR, index=prefs.index),
            prefs[it.label],
            meta["source_id"],
        )
        for it in m.items
    ]
    return pd.concat(frames, ignore_index=True), meta


Reader = Callable[[Path, Measure, dict[str, str]], tuple[pd.DataFrame, dict[str, Any]]]
READERS: dict[str, Reader] = {"va": read_value_added, "emp2015": read_census_2015}


# ---------------------------------------------------------------------------------------------------- load

INDUSTRY_COLUMNS = {  # staging.stg_industries -> marts.industries (kpidash.config.WAREHOUSE_CONTRACT)
    "measure": "string",
    "key": "string",
    "sort_order": "int64",
    "code": "string",
    "name_ja": "string",
    "name_en": "string",
    "sector": "Int64",
    "raw_label": "string",
    "indicator_id": "string",
    "share_id": "string",
    "lq_id": "string",
}


def industries_table(defs: Definitions) -> pd.DataFrame:
    made = {s.id for s in defs.derived}
    rows = [
        {
            "measure": it.measure,
            "key": it.key,
            "sort_order": it.order,
            "code": it.code,
            "name_ja": it.name_ja,
            "name_en": it.name_en,
            "sector": it.sector,
            "raw_label": it.label,
            "indicator_id": it.indicator_id,
            "share_id": f"{it.measure}_share_{it.key}" if f"{it.measure}_share_{it.key}" in made else None,
            "lq_id": f"{it.measure}_lq_{it.key}" if f"{it.measure}_lq_{it.key}" in made else None,
        }
        for m in defs.measures.values()
        for it in m.industries
    ]
    return pd.DataFrame(rows, columns=list(INDUSTRY_COLUMNS)).astype(INDUSTRY_COLUMNS)


def prefecture_names(raw_dir: Path) -> dict[str, str]:
    """pref_code -> name_ja from the prefecture master (its own loader validates it fully)."""
    path = raw_dir / MASTER_FILE
    read_sidecar(path)
    df = read_csv_strict(path, ["pref_code", "name_ja"])
    return dict(zip(df["pref_code"], df["name_ja"], strict=True))


def load(raw_dir: Path, definitions: Path | None = None) -> LoadResult:
    defs = load_definitions(definitions)
    names = prefecture_names(raw_dir)
    frames, metas, inds = [], [], []
    for m in defs.measures.values():
        obs, meta = READERS[m.measure](raw_dir, m, names)
        frames.append(obs)
        metas.append(meta)
        for it in m.items:
            t = {k: _format(v, it.fields(), YAML_PATH, m.measure) for k, v in m.templates.items()}
            inds.append(
                indicator(
                    indicator_id=it.indicator_id,
                    name_ja=t["name_ja"],
                    name_en=t["name_en"],
                    unit=m.unit,
                    period_type=m.period_type,
                    source_id=m.source_id,
                    description=it.description or t["description"],
                    theme=defs.theme,
                    additive=True,
                    decimals=m.decimals,
                    caveats=t["caveats"],
                )
            )
    obs = pd.concat(frames, ignore_index=True)
    obs = obs.sort_values(["indicator_id", "region_code", "period"], kind="stable", ignore_index=True)
    return LoadResult(NAME, obs, inds, metas, tables={"industries": industries_table(defs)}, derived=defs.derived)
