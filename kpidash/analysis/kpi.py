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
from kpidash.analysis.progress import STATUS_LABELS, Assessment, assess, choose_baseline
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


def growth_gap_series(area_vals: Series, ref_vals: Series, base: int) -> Series:
    """(A(t)/A(base) − 1)·100 − (B(t)/B(base) − 1)·100 for periods where both exist."""
    a, b = dict(area_vals), dict(ref_vals)
    if base not in a or base not in b:
        return []
    return [(t, (a[t] / a[base] - 1) * 100 - (b[t] / b[base] - 1) * 100) for t in sorted(a) if t in b and t >= base]


def _measure_series(measure: Any, inputs: KpiInputs) -> dict[str, Any]:
    """Compute a measure's main series; returns dict(series, proxy, note, extra…)."""
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
            "by_prefecture": df,
        }
    if isinstance(measure, GrowthGapMeasure):
        variants = []
        for v in measure.variants:
            used, proxy = (v.indicator, False) if v.indicator in inputs.available else (v.proxy_indicator, True)
            if used is None or used not in inputs.available:
                continue
            area, ref = inputs.series(used, measure.area), inputs.series(used, measure.reference)
            base = choose_baseline(
                sorted({t for t, _ in area} & {t for t, _ in ref}), measure.growth_base.rule, measure.growth_base.year
            )
            if base is None:
                continue
            variants.append(
                {
                    "key": v.key,
                    "label_ja": v.label_ja,
                    "label_en": v.label_en,
                    "indicator": used,
                    "proxy": proxy,
                    "growth_base": base,
                    "series": growth_gap_series(area, ref, base),
                    "area_series": area,
                    "reference_series": ref,
                }
            )
        headline = next((x for x in variants if not x["proxy"]), variants[0] if variants else None)
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


def _point(p: tuple[int, float] | None) -> dict[str, Any] | None:
    return {"period": p[0], "value": p[1]} if p else None


def compute_kpi(kpi: Kpi, inputs: KpiInputs) -> dict[str, Any]:
    m = _measure_series(kpi.measure, inputs)
    series: Series = m["series"]
    baseline = choose_baseline([t for t, _ in series], kpi.baseline.rule, kpi.baseline.year)
    a: Assessment = assess(
        series,
        baseline_period=baseline,
        target_year=kpi.target.year,
        target_value=kpi.target.value if kpi.target.kind == "value" else None,
        direction=kpi.target.direction if kpi.target.kind == "direction" else None,
        higher_is_better=kpi.direction == "higher_is_better",
        window=kpi.trend_window,
        unit=kpi.unit,
    )
    reason_ja, reason_en = a.reason_ja, a.reason_en
    if a.status == "no_data" and isinstance(kpi.measure, SurveyMeasure):
        if m.get("survey_error"):
            reason_ja = f"調査ファイルを読み込めませんでした: {m['survey_error']}"
            reason_en = f"The survey file was refused: {m['survey_error']}"
        elif m.get("survey_small"):
            reason_ja = f"調査データはありますが、回答者数が{m['min_n']}人未満の行しかないため判定に使えません。"
            reason_en = f"Survey rows are loaded but all have fewer than {m['min_n']} respondents, too few to judge."
        elif not m.get("survey_loaded"):
            reason_ja = f"調査データが読み込まれていません（data/{kpi.measure.file} を置くと表示されます）。"
            reason_en = f"No survey data loaded (place data/{kpi.measure.file} to show it)."
    headline = m.get("headline")
    proxy_note = ""
    if m.get("proxy") and headline:
        proxy_note = "代理指標で計算しています。"
    out: dict[str, Any] = {
        "id": kpi.id,
        "goal": kpi.goal,
        "name_ja": kpi.name_ja,
        "name_en": kpi.name_en,
        "definition_ja": kpi.definition_ja,
        "definition_en": kpi.definition_en,
        "unit": kpi.unit,
        "decimals": kpi.decimals,
        "direction": kpi.direction,
        "status": a.status,
        "status_label_ja": STATUS_LABELS[a.status][0],
        "status_label_en": STATUS_LABELS[a.status][1],
        "reason_ja": reason_ja,
        "reason_en": reason_en,
        "proxy": bool(m.get("proxy")),
        "proxy_note_ja": proxy_note,
        "baseline": _point(a.baseline),
        "latest": _point(a.latest),
        "target": {
            "year": kpi.target.year,
            "value": kpi.target.value,
            "direction": kpi.target.direction,
            "text_ja": kpi.target.text_ja,
            "source": kpi.target.source,
            "decided": kpi.target.decided.isoformat(),
        },
        "projection": asdict(a.projection) if a.projection else None,
        "ratio": a.ratio,
        "observed_rate": a.observed_rate,
        "required_rate": a.required_rate,
        "observed_from_trend": a.observed_from_trend,
        "series": [{"period": t, "value": v} for t, v in series],
        "required_path": [{"period": t, "value": v} for t, v in a.required_path],
        "trend_path": [{"period": t, "value": v} for t, v in a.trend_path],
        "note_ja": kpi.note_ja,
        "context_indicators": [i for i in kpi.context_indicators if i in inputs.available],
    }
    if "variants" in m:
        out["growth_base"] = headline["growth_base"] if headline else None
        out["headline_variant"] = headline["key"] if headline else None
        out["variants"] = [
            {k: v for k, v in x.items() if k in ("key", "label_ja", "label_en", "indicator", "proxy", "growth_base")}
            | {"series": [{"period": t, "value": y} for t, y in x["series"]]}
            for x in m["variants"]
        ]
    if "counts" in m:
        out["counts"] = [{"period": t, "value": v} for t, v in m["counts"]]
        if isinstance(kpi.measure, ShareMeasure):
            ms = kpi.measure
            out["measure_band"] = (ms.scope, ms.sex, ms.age_from, ms.age_to, kpi.trend_window)
    if "survey_rows" in m:
        out["survey_rows"] = m["survey_rows"]
    out["components"] = [_component(c, inputs) for c in kpi.components]
    return out


def _component(c: Any, inputs: KpiInputs) -> dict[str, Any]:
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
    m = _measure_series(c.measure, inputs)
    return {
        "key": c.key,
        "label_ja": c.label_ja,
        "label_en": c.label_en,
        "indicator": None,
        "region": c.measure.area,
        "unit": "%",
        "series": [{"period": t, "value": v} for t, v in m["series"]],
    }


def compute_all(defs: KpiDefs, inputs: KpiInputs) -> list[dict[str, Any]]:
    return [compute_kpi(k, inputs) for k in defs.kpis]


def headline_growth(kpi_result: dict[str, Any]) -> tuple[str, int, int] | None:
    """(indicator, base period, latest period) of a growth-gap KPI's headline variant; None for other KPIs."""
    if not kpi_result.get("variants"):
        return None
    head = next(v for v in kpi_result["variants"] if v["key"] == kpi_result["headline_variant"])
    return str(head["indicator"]), int(head["growth_base"]), int(head["series"][-1]["period"])


def growth_vs_reference(values: pd.DataFrame, prefectures: pd.DataFrame, base: int, latest: int) -> pd.DataFrame:
    """KPI 1 breakdown: each prefecture's growth from ``base`` to ``latest`` minus the Tokyo-area growth (points).

    ``values``: region_code, period, value for the 47 prefectures and TKY; ``prefectures``: region_code, name_ja,
    name_en."""
    wide = values.pivot(index="region_code", columns="period", values="value")
    growth = (wide[latest] / wide[base] - 1) * 100
    ref = growth.pop(config.TOKYO_AREA_CODE)
    regs = prefectures.set_index("region_code")
    out = pd.DataFrame({"growth": growth, "gap": growth - ref}).join(regs[["name_ja", "name_en"]])
    out["period"] = latest
    return out.reset_index()[["region_code", "name_ja", "name_en", "period", "growth", "gap"]]


Breakdown = tuple[pd.DataFrame, str, str, str]


def growth_breakdown(gaps: pd.DataFrame) -> Breakdown | None:
    """Per-prefecture view of a growth-gap KPI from :func:`growth_vs_reference`."""
    if gaps.empty:
        return None
    fy = int(gaps["period"].iloc[0])
    cross = gaps.rename(columns={"gap": "value"}).assign(level="prefecture")[
        ["region_code", "name_ja", "name_en", "level", "value"]
    ]
    return (
        cross,
        f"都道府県別：{fy}年度までの伸び率－東京圏の伸び率（ポイント）",
        f"By prefecture: growth minus Tokyo-area growth to FY{fy} (points)",
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
