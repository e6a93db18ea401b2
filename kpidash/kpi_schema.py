"""Typed contract for ``kpi_defs.yaml`` (pydantic, unknown keys rejected); errors name the key path and line."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
RegionCode = Annotated[str, Field(pattern=r"^(00|TKY|NTK|0[1-9]|[1-3][0-9]|4[0-7])$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RatioFormula(Strict):
    """numerator / denominator × scale, evaluated on sums over each area (Σ/Σ, never a mean of ratios)."""

    type: Literal["ratio"]
    numerator: Id
    denominator: Id
    scale: float = 1.0


class DerivedIndicator(Strict):
    """A series computed from warehouse indicators and materialised into marts.observations by the ETL."""

    id: Id
    name_ja: str
    name_en: str
    unit: str
    decimals: int = Field(0, ge=0, le=6)
    theme: str = "経済・雇用"
    description: str
    caveats: str = ""
    proxy: bool = False
    proxy_note_ja: str = ""
    # Optional: its inputs may legitimately be absent (e.g. an official file an analyst has not dropped in yet).
    optional: bool = False
    formula: RatioFormula

    @model_validator(mode="after")
    def _proxy_needs_note(self) -> DerivedIndicator:
        if self.proxy and not self.proxy_note_ja:
            raise ValueError("a proxy indicator needs proxy_note_ja saying what it stands in for")
        return self


class StrategyBaseline(Strict):
    """The strategy's base: the target is measured from ``base_year``; status uses only observations after it."""

    decided: dt.date
    base_year: int = Field(ge=1900, le=2100)
    period_type: Literal["fiscal_year", "calendar_year", "reference_date"]
    rule_ja: str
    rule_en: str


class Target(Strict):
    year: int = Field(ge=2000, le=2100)
    kind: Literal["value", "direction"]
    value: float | None = None
    direction: Literal["increase", "decrease"] | None = None
    source: str
    decided: dt.date
    text_ja: str
    text_en: str

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.kind == "value" and self.value is None:
            raise ValueError("kind 'value' needs value")
        if self.kind == "direction" and self.direction is None:
            raise ValueError("kind 'direction' needs direction")
        return self


class SeriesVariant(Strict):
    """One way to compute a growth-gap KPI; the status uses one covering the base year (a non-proxy one first)."""

    key: Id
    label_ja: str
    label_en: str
    indicator: Id
    proxy_indicator: Id | None = None


class GrowthGapMeasure(Strict):
    """Growth of ``area`` minus ``reference`` from the base year (points); ``context_base_year`` starts the context."""

    type: Literal["growth_gap"]
    variants: list[SeriesVariant] = Field(min_length=1)
    area: RegionCode
    reference: RegionCode
    context_base_year: int = Field(ge=1900, le=2100)


class ShareMeasure(Strict):
    """Residents of an age band living in ``area`` and their share (%) of the national total (住基)."""

    type: Literal["population_share"]
    area: RegionCode
    scope: Literal["japanese", "total"]
    sex: Literal["total", "female", "male"]
    age_from: int = Field(ge=0, le=80)
    age_to: int | None = Field(default=None, ge=4, le=84)

    @model_validator(mode="after")
    def _five_year_band(self) -> ShareMeasure:
        if self.age_from % 5 != 0 or (self.age_to is not None and (self.age_to + 1) % 5 != 0):
            raise ValueError("age band must follow the 5-year groups of the source (e.g. 15–29)")
        if self.age_to is not None and self.age_to < self.age_from:
            raise ValueError("age_to must not be below age_from")
        return self


class SurveyMeasure(Strict):
    """Share of respondents from a survey CSV (documented template under data/survey/)."""

    type: Literal["survey_share"]
    file: str
    region: RegionCode = "00"
    min_n: int = Field(100, ge=1)
    # What survey would fill the KPI and what was searched for (shown on the empty card).
    survey_note_ja: str = ""
    survey_note_en: str = ""


Measure = Annotated[GrowthGapMeasure | ShareMeasure | SurveyMeasure, Field(discriminator="type")]


class Component(Strict):
    """A series shown with the KPI: either a warehouse indicator for a region, or another measure."""

    key: Id
    label_ja: str
    label_en: str
    indicator: Id | None = None
    region: RegionCode | None = None
    measure: Measure | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Component:
        if (self.indicator is None) == (self.measure is None):
            raise ValueError("give exactly one of indicator (+ region) or measure")
        if self.indicator is not None and self.region is None:
            raise ValueError("an indicator component needs region")
        return self


class Kpi(Strict):
    id: Id
    goal: Literal[1, 2, 3]
    name_ja: str
    name_en: str
    definition_ja: str
    definition_en: str
    unit: str
    unit_en: str
    decimals: int = Field(1, ge=0, le=6)
    direction: Literal["higher_is_better", "lower_is_better"]
    measure: Measure
    strategy_baseline: StrategyBaseline
    target: Target
    # Ids of release_calendar.yaml: the statistics the KPI waits for (the card says when they are next expected).
    release_series: list[Id] = []
    trend_window: int = Field(5, ge=3, le=30)  # a projection interval needs ≥ 3 points
    components: list[Component] = []
    context_indicators: list[Id] = []
    note_ja: str = ""
    note_en: str = ""


class Goal(Strict):
    id: Literal[1, 2, 3]
    name_ja: str
    name_en: str
    statement_ja: str


class KpiDefs(Strict):
    version: Literal[1]
    goals: list[Goal]
    derived_indicators: list[DerivedIndicator] = []
    kpis: list[Kpi]

    @model_validator(mode="after")
    def _unique_ids(self) -> KpiDefs:
        for name, ids in (
            ("kpis", [k.id for k in self.kpis]),
            ("derived_indicators", [d.id for d in self.derived_indicators]),
        ):
            dup = {i for i in ids if ids.count(i) > 1}
            if dup:
                raise ValueError(f"duplicate {name} id(s): {sorted(dup)}")
        return self


class KpiDefsError(Exception):
    """Invalid kpi_defs.yaml; the message names the key path and line."""


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    mapping["__lines__"] = lines  # removed before validation
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _strip(v) for k, v in obj.items() if k not in ("__lines__", "__line__")}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


_TAGS = ("growth_gap", "population_share", "survey_share", "ratio")  # pydantic's union tags in error locations


def _line_of(raw: Any, loc: tuple[Any, ...]) -> int | None:
    node, line = raw, raw.get("__line__") if isinstance(raw, dict) else None
    for part in loc:
        if isinstance(node, dict):
            if isinstance(part, str) and part in node.get("__lines__", {}):
                line = node["__lines__"][part]
                node = node.get(part)
            elif part in _TAGS:
                continue  # not a YAML key: the node stays the same
            else:
                break
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict):
                line = node.get("__line__", line)
        else:
            break
    return line


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in (p for p in loc if p not in _TAGS):
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def parse_kpi_defs(text: str, filename: str = "kpi_defs.yaml") -> KpiDefs:
    try:
        raw = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise KpiDefsError(f"{where}: malformed YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, dict):
        raise KpiDefsError(f"{filename}: the top level must be a mapping")
    try:
        defs = KpiDefs.model_validate(_strip(raw))
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _line_of(raw, loc)
            msgs.append(f"{filename}:{line or '?'} {_path(loc) or '(top level)'}: {err['msg']}")
        raise KpiDefsError("\n".join(msgs)) from None
    _check_references(defs, raw, filename)
    return defs


def _check_references(defs: KpiDefs, raw: dict[str, Any], filename: str) -> None:
    """Cross-field rules: the target year follows the base year; derived formulas never form a cycle."""
    for i, k in enumerate(defs.kpis):
        base = k.strategy_baseline.base_year
        if k.target.year <= base:
            loc = ("kpis", i, "target", "year")
            raise KpiDefsError(
                f"{filename}:{_line_of(raw, loc)} {_path(loc)}: target.year {k.target.year} must be after "
                f"strategy_baseline.base_year {base}"
            )
        if isinstance(k.measure, GrowthGapMeasure) and k.measure.context_base_year >= base:
            loc = ("kpis", i, "measure", "context_base_year")
            raise KpiDefsError(
                f"{filename}:{_line_of(raw, loc)} {_path(loc)}: context_base_year {k.measure.context_base_year} "
                f"must be before strategy_baseline.base_year {base}"
            )
    graph = {d.id: {d.formula.numerator, d.formula.denominator} for d in defs.derived_indicators}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 1:
            cycle = " → ".join([*trail[trail.index(node) :], node])
            idx = [d.id for d in defs.derived_indicators].index(trail[-1])
            line = _line_of(raw, ("derived_indicators", idx, "formula"))
            raise KpiDefsError(f"{filename}:{line} derived_indicators[{idx}].formula: circular formula {cycle}")
        if state.get(node) == 2 or node not in graph:
            return
        state[node] = 1
        for dep in sorted(graph[node]):
            visit(dep, [*trail, node])
        state[node] = 2

    for d in defs.derived_indicators:
        visit(d.id, [])


def derived_order(defs: KpiDefs) -> list[DerivedIndicator]:
    """Derived indicators in dependency order (inputs first)."""
    by_id = {d.id: d for d in defs.derived_indicators}
    done: list[str] = []

    def add(i: str) -> None:
        if i in done or i not in by_id:
            return
        for dep in (by_id[i].formula.numerator, by_id[i].formula.denominator):
            add(dep)
        done.append(i)

    for d in defs.derived_indicators:
        add(d.id)
    return [by_id[i] for i in done]


def load_kpi_defs(path: Path | None = None) -> KpiDefs:
    from kpidash import config

    path = path or config.KPI_DEFS_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KpiDefsError(f"{path}: cannot read: {exc.strerror}") from exc
    return _parse_cached(text, path.name)


@functools.lru_cache(maxsize=8)
def _parse_cached(text: str, name: str) -> KpiDefs:
    # Keyed on the text itself: an edited file is parsed again; the models are frozen, so sharing is safe.
    return parse_kpi_defs(text, name)


def referenced_indicators(defs: KpiDefs) -> dict[str, tuple[Any, ...]]:
    """Every warehouse indicator the YAML needs -> the key path naming it (optional derived inputs excluded)."""
    out: dict[str, tuple[Any, ...]] = {}
    derived = {d.id: d for d in defs.derived_indicators}
    for i, d in enumerate(defs.derived_indicators):
        if d.optional:
            continue
        for part in ("numerator", "denominator"):
            out.setdefault(getattr(d.formula, part), ("derived_indicators", i, "formula", part))
    for k_i, k in enumerate(defs.kpis):
        if isinstance(k.measure, GrowthGapMeasure):
            for v_i, v in enumerate(k.measure.variants):
                out.setdefault(v.indicator, ("kpis", k_i, "measure", "variants", v_i, "indicator"))
                if v.proxy_indicator:
                    out.setdefault(v.proxy_indicator, ("kpis", k_i, "measure", "variants", v_i, "proxy_indicator"))
        for c_i, c in enumerate(k.components):
            if c.indicator:
                out.setdefault(c.indicator, ("kpis", k_i, "components", c_i, "indicator"))
        for x_i, x in enumerate(k.context_indicators):
            out.setdefault(x, ("kpis", k_i, "context_indicators", x_i))
    # A reference to an optional derived indicator is satisfied by its declaration.
    return {ref: loc for ref, loc in out.items() if not (ref in derived and derived[ref].optional)}


def check_against_catalogue(path: Path, available: set[str]) -> None:
    """Raise KpiDefsError naming key path and line for every id that is neither in the warehouse nor derived here."""
    text = path.read_text(encoding="utf-8")
    defs = parse_kpi_defs(text, path.name)
    raw = yaml.load(text, Loader=_LineLoader)
    declared = {d.id for d in defs.derived_indicators}
    errors = []
    for ref, loc in referenced_indicators(defs).items():
        if ref not in available and ref not in declared:
            errors.append(f"{path.name}:{_line_of(raw, loc) or '?'} {_path(loc)}: unknown indicator id {ref!r}")
    if errors:
        raise KpiDefsError("\n".join(errors))


def schema_text(model: type[BaseModel], title: str) -> str:
    """The JSON Schema (2020-12) of a YAML file's model, as written to schemas/."""
    schema = model.model_json_schema() | {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title}
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def json_schema() -> str:
    return schema_text(KpiDefs, "kpi_defs.yaml")
