"""KPI engine: each KPI of kpi_defs.yaml from its input series, with baseline, target and progress status.

Pure: the series come through a :class:`KpiInputs` (the service layer's implementation reads the warehouse and the
survey files; :class:`FrameInputs` holds frames in memory), so the engine runs on any frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import pandas as pd

from kpidash import config
from kpidash.analysis.kpi_growth import growth_gap_series
from kpidash.analysis.kpi_result import assessment_fields, context_fields, pairs
from kpidash.analysis.progress import Assessment, Context, assess
from kpidash.kpi_schema import GrowthGapMeasure, Kpi, KpiDefs, ShareMeasure, SurveyMeasure

Series = list[tuple[int, float]]


@dataclass(frozen=True)
class SurveyInput:
    """The survey file of a survey measure: its rows (objects with region_code, year, share, n…), or why none."""

    rows: Sequence[Any] = ()
    error: str | None = None
    loaded: bool = False


class KpiInputs(Protocol):
    """What the engine reads: indicator series, prefecture frames of the population register, survey files."""

    available: set[str]

    def series(self, indicator_id: str, region: str) -> Series: ...

    def prefecture_values(self, indicator_id: str) -> pd.DataFrame: ...

    def population_band(self, scope: str, sex: str, age_groups: list[str]) -> pd.DataFrame: ...

    def survey(self, file: str) -> SurveyInput: ...


@dataclass
class FrameInputs:
    """:class:`KpiInputs` over frames held in memory (long format: indicator_id, region_code, period, value)."""

    observations: pd.DataFrame
    population: pd.DataFrame = field(default_factory=pd.DataFrame)
    surveys: dict[str, SurveyInput] = field(default_factory=dict)
    available: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.available = self.available or set(self.observations["indicator_id"].unique())

    def series(self, indicator_id: str, region: str) -> Series:
        o = self.observations
        df = o[(o["indicator_id"] == indicator_id) & (o["region_code"] == region)].sort_values("period")
        return [(int(p), float(v)) for p, v in zip(df["period"], df["value"], strict=True)]

    def prefecture_values(self, indicator_id: str) -> pd.DataFrame:
        o = self.observations
        keep = (o["indicator_id"] == indicator_id) & o["region_code"].isin(config.PREFECTURE_CODES)
        return o[keep][["region_code", "period", "value"]].reset_index(drop=True)

    def population_band(self, scope: str, sex: str, age_groups: list[str]) -> pd.DataFrame:
        p = self.population
        p = p[(p["scope"] == scope) & (p["sex"] == sex) & p["age_group"].isin(age_groups)]
        return p.groupby(["region_code", "period"], as_index=False)["value"].sum()

    def survey(self, file: str) -> SurveyInput:
        return self.surveys.get(file, SurveyInput())


def age_groups(age_from: int, age_to: int | None) -> list[str]:
    """5-year groups of the register covering [age_from, age_to] ('80_plus' is the open top group)."""
    groups = [f"{a:02d}_{a + 4:02d}" for a in range(0, 80, 5)] + ["80_plus"]
    out = []
    for g in groups:
        lo = int(g[:2])
        hi = None if g == "80_plus" else int(g[3:])
        if lo >= age_from and (age_to is None or (hi is not None and hi <= age_to)):
            out.append(g)
    return out


def share_outside(values: pd.DataFrame, area: str) -> pd.DataFrame:
    """Σ over the area's prefectures and its share (%) of Σ over all 47, per period. Input: region_code, period, value."""
    prefs = values[values["region_code"].isin(config.PREFECTURE_CODES)]
    in_tky = prefs["region_code"].isin(config.TOKYO_AREA_CODES)
    mask = (
        in_tky
        if area == config.TOKYO_AREA_CODE
        else ~in_tky
        if area == config.OUTSIDE_TOKYO_AREA_CODE
        else in_tky | ~in_tky
    )
    total = prefs.groupby("period")["value"].sum()
    part = prefs[mask].groupby("period")["value"].sum()
    complete = prefs.groupby("period")["region_code"].nunique() == 47
    out = pd.DataFrame({"count": part, "total": total})[complete]
    out["share"] = out["count"] / out["total"] * 100
    return out.reset_index()


def _headline(variants: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The variant the status uses: one that covers the base year (not a proxy if possible), else one with data."""
    ranked = sorted(variants, key=lambda v: (not v["covers_base"], v["proxy"]))
    return ranked[0] if ranked else None


def _measure_series(measure: Any, inputs: KpiInputs, base_year: int) -> dict[str, Any]:
    """Compute a measure's main series; returns dict(series, proxy, extra…)."""
    if isinstance(measure, ShareMeasure):
        if measure.age_from == 0 and measure.age_to is None:
            sx = {"total": "", "female": "_f", "male": "_m"}[measure.sex]
            ind = f"pop_{'jp' if measure.scope == 'japanese' else 'all'}{sx}_total"
            df = inputs.prefecture_values(ind)
        else:
            df = inputs.population_band(measure.scope, measure.sex, age_groups(measure.age_from, measure.age_to))
        sh = share_outside(df, measure.area)
        return {
            "series": [(int(p), float(v)) for p, v in zip(sh["period"], sh["share"], strict=True)],
            "counts": [(int(p), float(v)) for p, v in zip(sh["period"], sh["count"], strict=True)],
            "proxy": False,
        }
    if isinstance(measure, GrowthGapMeasure):
        variants = []
        for v in measure.variants:
            used, proxy = (v.indicator, False) if v.indicator in inputs.available else (v.proxy_indicator, True)
            if used is None or used not in inputs.available:
                continue
            area, ref = inputs.series(used, measure.area), inputs.series(used, measure.reference)
            common = sorted({t for t, _ in area} & {t for t, _ in ref})
            if not common:
                continue
            context_base = next((t for t in common if t >= measure.context_base_year), None)
            context = growth_gap_series(area, ref, context_base) if context_base is not None else []
            variants.append(
                {
                    "key": v.key,
                    "label_ja": v.label_ja,
                    "label_en": v.label_en,
                    "indicator": used,
                    "proxy": proxy,
                    "first_period": common[0],
                    "last_period": common[-1],
                    "covers_base": base_year in common,
                    "series": growth_gap_series(area, ref, base_year),
                    "context_base": context_base,
                    "context_series": [(t, y) for t, y in context if t <= base_year],
                }
            )
        headline = _headline(variants)
        return {
            "series": headline["series"] if headline else [],
            "proxy": bool(headline and headline["proxy"]),
            "variants": variants,
            "headline": headline,
        }
    if isinstance(measure, SurveyMeasure):
        survey = inputs.survey(measure.file)
        if survey.error is not None:
            return {"series": [], "proxy": False, "survey_error": survey.error, "survey_rows": []}
        rows = [r for r in survey.rows if r.region_code == measure.region]
        usable = [r for r in rows if r.n >= measure.min_n]
        return {
            "series": [(r.year, r.share) for r in usable],
            "proxy": False,
            "survey_rows": [asdict(r) for r in rows],
            "survey_loaded": survey.loaded,
            "survey_small": bool(rows) and not usable,
            "min_n": measure.min_n,
        }
    raise TypeError(type(measure))


def _survey_reason(kpi: Kpi, m: dict[str, Any]) -> tuple[str, str] | None:
    assert isinstance(kpi.measure, SurveyMeasure)
    if m.get("survey_error"):
        return (
            f"調査ファイルを読み込めませんでした: {m['survey_error']}",
            f"The survey file was refused: {m['survey_error']}",
        )
    if m.get("survey_small"):
        return (
            f"調査データはありますが、回答者数が{m['min_n']}人未満の行しかないため判定に使えません。",
            f"Survey rows are loaded but all have fewer than {m['min_n']} respondents, too few to judge.",
        )
    if not m.get("survey_loaded"):
        return (
            f"調査データが読み込まれていません（data/{kpi.measure.file} を置くと表示されます）。",
            f"No survey data loaded (place data/{kpi.measure.file} to show it).",
        )
    return None


def compute_kpi(kpi: Kpi, inputs: KpiInputs) -> dict[str, Any]:
    """One KPI judged from its strategy base year (kpi_defs.yaml ``strategy_baseline``)."""
    sb = kpi.strategy_baseline
    m = _measure_series(kpi.measure, inputs, sb.base_year)
    series: Series = m["series"]
    growth = isinstance(kpi.measure, GrowthGapMeasure)
    a: Assessment = assess(
        series,
        base_year=sb.base_year,
        target_year=kpi.target.year,
        target_value=kpi.target.value if kpi.target.kind == "value" else None,
        direction=kpi.target.direction if kpi.target.kind == "direction" else None,
        higher_is_better=kpi.direction == "higher_is_better",
        window=kpi.trend_window,
        unit="" if kpi.unit == "%" else f" {kpi.unit}",
        decimals=kpi.decimals,
        proxy=bool(m.get("proxy")),
        fiscal=sb.period_type == "fiscal_year",
    )
    reason_ja, reason_en = a.reason_ja, a.reason_en
    if a.status == "no_data" and isinstance(kpi.measure, SurveyMeasure):
        reason_ja, reason_en = _survey_reason(kpi, m) or (reason_ja, reason_en)
    headline = m.get("headline")
    context = a.context
    if growth:  # the growth since the context base, up to the strategy's base year
        pre = headline["context_series"] if headline else []
        context = Context(pre[-1], pre) if pre else None
    out: dict[str, Any] = {
        "id": kpi.id,
        "local": False,
        "goal": kpi.goal,
        "name_ja": kpi.name_ja,
        "name_en": kpi.name_en,
        "definition_ja": kpi.definition_ja,
        "definition_en": kpi.definition_en,
        "unit": kpi.unit,
        "unit_en": kpi.unit_en,
        "decimals": kpi.decimals,
        "direction": kpi.direction,
        **assessment_fields(a, kpi.trend_window),
        "reason_ja": reason_ja,
        "reason_en": reason_en,
        "proxy": bool(m.get("proxy")),
        "proxy_note_ja": "代理指標で計算しています。" if m.get("proxy") else "",
        "strategy_baseline": {
            "decided": sb.decided.isoformat(),
            "base_year": sb.base_year,
            "period_type": sb.period_type,
            "rule_ja": sb.rule_ja,
            "rule_en": sb.rule_en,
        },
        "base_year": sb.base_year,
        "target": {
            "year": kpi.target.year,
            "kind": kpi.target.kind,
            "value": kpi.target.value,
            "direction": kpi.target.direction,
            "text_ja": kpi.target.text_ja,
            "text_en": kpi.target.text_en,
            "source": kpi.target.source,
            "decided": kpi.target.decided.isoformat(),
        },
        "context": context_fields(context, kpi.trend_window, growth),
        "note_ja": kpi.note_ja,
        "note_en": kpi.note_en,
        "context_indicators": [i for i in kpi.context_indicators if i in inputs.available],
        "release_series": list(kpi.release_series),
    }
    if "variants" in m:
        out["headline_variant"] = headline["key"] if headline else None
        out["variants"] = [
            {k: v for k, v in x.items() if k not in ("series", "context_series")}
            | {"series": pairs(x["series"]), "context_series": pairs(x["context_series"])}
            for x in m["variants"]
        ]
    if "counts" in m:
        out["counts"] = pairs(m["counts"])
        if isinstance(kpi.measure, ShareMeasure):
            ms = kpi.measure
            out["measure_band"] = (ms.scope, ms.sex, ms.age_from, ms.age_to, kpi.trend_window)
    if "survey_rows" in m:
        out["survey_rows"] = m["survey_rows"]
    if isinstance(kpi.measure, SurveyMeasure):
        out["survey"] = {
            "file": kpi.measure.file,
            "min_n": kpi.measure.min_n,
            "note_ja": kpi.measure.survey_note_ja,
            "note_en": kpi.measure.survey_note_en,
        }
    out["components"] = [_component(c, inputs, sb.base_year) for c in kpi.components]
    return out


def _component(c: Any, inputs: KpiInputs, base_year: int) -> dict[str, Any]:
    if c.indicator is not None:
        s = inputs.series(c.indicator, c.region) if c.indicator in inputs.available else []
        return {
            "key": c.key,
            "label_ja": c.label_ja,
            "label_en": c.label_en,
            "indicator": c.indicator,
            "region": c.region,
            "series": [{"period": t, "value": v} for t, v in s],
        }
    m = _measure_series(c.measure, inputs, base_year)
    return {
        "key": c.key,
        "label_ja": c.label_ja,
        "label_en": c.label_en,
        "indicator": None,
        "region": c.measure.area,
        "unit": "%",
        "series": pairs(m["series"]),
        "counts": pairs(m.get("counts", [])),
    }


def compute_all(defs: KpiDefs, inputs: KpiInputs) -> list[dict[str, Any]]:
    return [compute_kpi(k, inputs) for k in defs.kpis]


Breakdown = tuple[pd.DataFrame, str, str, str]


def growth_breakdown(gaps: pd.DataFrame) -> Breakdown | None:
    """Per-prefecture view of a growth-gap KPI from :func:`growth_vs_reference`."""
    if gaps.empty:
        return None
    fy, base = int(gaps["period"].iloc[0]), int(gaps["base"].iloc[0])
    cross = gaps.rename(columns={"gap": "value"}).assign(level="prefecture")[
        ["region_code", "name_ja", "name_en", "level", "value"]
    ]
    return (
        cross,
        f"都道府県別：{base}年度から{fy}年度までの伸び率－東京圏の伸び率（ポイント）",
        f"By prefecture: growth FY{base}–FY{fy} minus the Tokyo-area growth (points)",
        "pt",
    )


def band_breakdown(band: pd.DataFrame, prefectures: pd.DataFrame, window: int) -> Breakdown | None:
    """Per-prefecture change of a share KPI's population in scope over its trend window (%)."""
    prefs = band[band["region_code"].isin(config.PREFECTURE_CODES)]
    periods = sorted(prefs["period"].unique())
    if len(periods) < 2:
        return None
    latest = int(periods[-1])
    base = int(periods[max(0, len(periods) - window)])
    wide = prefs.pivot(index="region_code", columns="period", values="value")
    change = (wide[latest] / wide[base] - 1) * 100
    regs = prefectures.set_index("region_code")
    cross = pd.DataFrame({"value": change}).join(regs[["name_ja", "name_en"]]).reset_index()
    cross["level"] = "prefecture"
    return (
        cross[["region_code", "name_ja", "name_en", "level", "value"]],
        f"都道府県別：対象人口の増減率（{base}年→{latest}年、%）",
        f"By prefecture: change of the population in scope ({base}→{latest}, %)",
        "%",
    )
