"""The exploration pages' results (/compare, /trends, /region, /indicator, /kpi): fetched from the query layer,
computed by :mod:`kpidash.analysis.explore`, memoised per warehouse. A page body and its chart image
(/api/v1/chart.{png,svg}) render the same result objects, so they cannot disagree. Results are shared between
requests: callers must not mutate them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd

from kpidash import config
from kpidash.analysis import explore as compute
from kpidash.analysis.explore import CompareResult, Line, RankedPrefecture, SpineSummary, TrendsResult
from kpidash.data import cache, queries
from kpidash.data.boundaries import boundary_citation
from kpidash.formatting import name_col, period_label, t
from kpidash.params import choice
from kpidash.service import kpis
from kpidash.service.provenance import CITATION_PREFIX, CITATION_SUFFIX

DEFAULT_INDICATOR = "gdp_nominal"
DEFAULT_TREND_REGIONS = ["00", "TKY", "NTK"]
DEFAULT_THEME = "経済・雇用"
ALL_REGIONS = [*compute.AGGREGATES, *config.PREFECTURE_CODES]
MODE_LABELS = {
    "value": ("値", "Value"),
    "per_capita": ("人口10万人当たり", "Per 100,000 residents"),
    "growth": ("前年（度）比 %", "Change on previous period, %"),
    "index": ("基準年=100", "Index, base year = 100"),
}
PEER_INPUTS = (  # the structural features' inputs, in compute.structural_features' order
    compute.PER_CAPITA_DENOMINATOR,
    "ssdse_pop_age_65_over",
    "income_per_capita",
    "census_employed_tertiary",
    "census_employed_residence",
)


# The catalogue: option lists and parameter checks.


def indicator(indicator_id: str) -> dict[str, Any] | None:
    """The catalogue row of an indicator (a copy), or None."""
    return queries.indicator(indicator_id)


def valid_indicator(raw: Any, default: str = DEFAULT_INDICATOR) -> str:
    """``raw`` if it is a catalogue indicator id, else ``default`` (pages are lenient)."""
    return choice(raw, tuple(kpis.catalogue()["indicator_id"]), default)


def theme_of(indicator_id: str) -> str | None:
    cat = kpis.catalogue().set_index("indicator_id")
    return str(cat.loc[indicator_id, "theme"]) if indicator_id in cat.index else None


def _with_47() -> pd.DataFrame:
    cat = kpis.catalogue()
    return cat[cat["n_prefectures"] == 47]


def indicator_names(theme: str | None, lang: str) -> list[tuple[str, str]]:
    """(id, name) of the indicators with all 47 prefectures, of one theme if given, by theme and name."""
    cat = _with_47()
    if theme:
        cat = cat[cat["theme"] == theme]
    col = name_col(lang)
    return [(r["indicator_id"], r[col]) for _, r in cat.sort_values(["theme", col]).iterrows()]


def themes() -> list[str]:
    """The themes of the indicators with all 47 prefectures, sorted."""
    return sorted(_with_47()["theme"].unique())


def region_names(lang: str, with_aggregates: bool = False) -> list[tuple[str, str]]:
    """(code, name) of the prefectures in JIS order (and the nation and aggregates, in the catalogue's order)."""
    regs = queries.regions()
    levels = ["prefecture"] + (["national", "aggregate"] if with_aggregates else [])
    regs = regs[regs["level"].isin(levels)]
    col = name_col(lang)
    return [(r["region_code"], r[col]) for _, r in regs.iterrows()]


def page_period(indicator_id: str, period: int | None) -> int | None:
    """``period`` if the indicator has data for it, else its latest period (None without any)."""
    periods = queries.periods(indicator_id)
    return period if period in periods else (periods[-1] if periods else None)


def periods(indicator_id: str) -> list[int]:
    return queries.periods(indicator_id)


def map_boundary_citation() -> str:
    """The 出典 line of the prefecture map's borders (simplified 地球地図日本 data, not a statistical source)."""
    return f"{CITATION_PREFIX}{boundary_citation('prefectures')}{CITATION_SUFFIX}"


def series_ids(indicator_id: str, mode: str) -> list[str]:
    """The indicator, and the population it is divided by in the per-capita mode (to reproduce the numbers)."""
    return [indicator_id, *([compute.PER_CAPITA_DENOMINATOR] if mode == "per_capita" else [])]


# /compare


def _cross_in_mode(ind: dict[str, Any], period: int, mode: str) -> tuple[pd.DataFrame, str]:
    """Cross-section in the chosen mode and the unit label to show."""
    indicator_id = str(ind["indicator_id"])
    unit = str(ind.get("unit", ""))
    cross = queries.cross_section(indicator_id, period)
    if mode == "per_capita" and ind.get("additive"):
        pop = queries.cross_section(compute.PER_CAPITA_DENOMINATOR, period)
        return compute.per_capita_cross(cross, pop, period), f"{unit}（人口10万人当たり）"
    if mode == "growth":
        prev = [p for p in queries.periods(indicator_id) if p < period]
        if not prev:
            return cross.iloc[0:0], "%"
        before = queries.cross_section(indicator_id, prev[-1])
        return compute.growth_cross(cross, before, period, prev[-1]), f"%（{prev[-1]}→{period}）"
    return cross, unit


# 64 results: the pages memoise their whole views (views/compare.py); these serve the chart images and view misses.
@cache.per_warehouse(maxsize=64)
def compare(indicator_id: str, period: int, mode: str, highlight: list[str], lang: str) -> CompareResult:
    """/compare for valid inputs: the cross-section in the mode, its unit and title, and the benchmarks (全国, 東京圏,
    東京圏以外 where they exist, and the median of the highlighted or of all 47)."""
    ind = queries.indicator(indicator_id) or {}
    cross, unit = _cross_in_mode(ind, period, mode)
    name = ind["name_ja"] if lang == "ja" else ind["name_en"]
    plabel = period_label(period, ind["period_type"], lang)
    title = f"{name}（{plabel}、{MODE_LABELS[mode][0 if lang == 'ja' else 1]}）"
    decimals = int(ind["decimals"]) if mode == "value" else 1
    bench: compute.Benchmarks = {}
    ranked: list[RankedPrefecture] = []
    if not cross.empty:
        col = name_col(lang)
        bench = compute.aggregate_values(cross, col, compute.AGGREGATES)
        med = compute.prefecture_median(cross, highlight)
        if med is not None:
            bench["peer"] = (
                t(
                    "選択県の中央値" if highlight else "47都道府県の中央値",
                    "Median of selected" if highlight else "Median of 47",
                    lang,
                ),
                med,
            )
        ranked = compute.ranked_prefectures(cross, col)
    return CompareResult(
        indicator=ind,
        period=period,
        mode=mode,
        unit=unit,
        title=title,
        cross=cross,
        benchmarks=bench,
        highlight=tuple(highlight),
        decimals=decimals,
        ranked=tuple(ranked),
        summary=compute.cross_summary(ranked),
    )


# /trends


@cache.per_warehouse(maxsize=64)  # as compare
def trends(indicator_id: str, regions: list[str], mode: str, base: int | None, lang: str) -> TrendsResult:
    """/trends for valid inputs: the lines of ``regions`` (in their order) in the mode; per capita of a non-additive
    measure is drawn as values, and the index falls back to the first period when ``base`` has no data."""
    ind = queries.indicator(indicator_id) or {}
    decimals = 1 if mode != "value" else int(ind["decimals"])
    panel = queries.panel([indicator_id], regions)
    unit = str(ind["unit"])
    if mode == "per_capita" and not ind["additive"]:
        mode = "value"
    population = queries.panel([compute.PER_CAPITA_DENOMINATOR], regions) if mode == "per_capita" else None
    panel, drawn_base = compute.panel_in_mode(panel, mode, base, population)
    if mode == "per_capita":
        unit = f"{unit}（人口10万人当たり）"
    elif mode == "growth":
        unit = "%"
    elif drawn_base is not None:
        unit = f"{drawn_base}=100"
    panel = compute.in_region_order(panel, regions)
    present = set(panel["region_code"])
    return TrendsResult(
        indicator=ind,
        regions=tuple(regions),
        panel=panel,
        unit=unit,
        mode=mode,
        base=drawn_base,
        decimals=decimals,
        lines=compute.lines_of(panel, name_col(lang)),
        missing=tuple(c for c in regions if c not in present),
    )


# /region


class RegionTheme(NamedTuple):
    rows: pd.DataFrame  # one per indicator of the theme: value, national, med, quartiles, rank_desc, period, …
    themes: list[str]  # every theme with data for the prefecture
    theme: str  # the theme shown


class Peer(NamedTuple):
    code: str
    name: str
    distance: float


class PeerBasis(NamedTuple):
    """The periods of the features the peers were chosen on."""

    population: int
    ageing: int
    income: int
    census: int


@dataclass(frozen=True)
class RegionProfile:
    code: str
    name: str
    block: str
    rows: pd.DataFrame
    themes: list[str]
    theme: str
    peers: tuple[Peer, ...]
    basis: PeerBasis | None  # None when a feature has no data (and there are no peers)
    summary: SpineSummary | None
    by_period: tuple[tuple[int, list[str]], ...]  # the indicator ids shown, per period, periods ascending


def region_theme(region_code: str, theme: str | None) -> RegionTheme:
    """Each indicator of the theme (default 経済・雇用) at its latest period with 47 prefectures, with the distribution
    over the prefectures; and every theme with data for the prefecture."""
    profile = queries.latest_profile(region_code)
    found = [str(x) for x in sorted(profile["theme"].unique())]
    if not found:
        return RegionTheme(profile, [], "")
    shown = str(theme if theme in found else (DEFAULT_THEME if DEFAULT_THEME in found else found[0]))
    return RegionTheme(profile[profile["theme"] == shown], found, shown)


@cache.per_warehouse(maxsize=64)
def peer_group(region_code: str) -> tuple[list[tuple[str, float]], PeerBasis | None]:
    """The five prefectures most like this one on standardised population size, ageing rate, income per capita and
    tertiary-industry share (with their distance), and the periods of those features."""
    vals = queries.values_for_period_or_latest(list(PEER_INPUTS))
    by = {i: df for i, df in vals.groupby("indicator_id")}  # noqa: C416 - dict(groupby) calls groupby.keys (a str)
    if any(n not in by for n in PEER_INPUTS):
        return [], None
    feats = compute.structural_features(*(by[n] for n in PEER_INPUTS))
    periods = {i: int(df["period"].iloc[0]) for i, df in by.items()}
    basis = PeerBasis(*(periods[n] for n in PEER_INPUTS[:4]))
    return compute.nearest_peers(feats, region_code), basis


def region_profile(region_code: str, theme: str | None, lang: str) -> RegionProfile | None:
    """One prefecture across the indicators of a theme, with its peers; None for an unknown prefecture."""
    regs = queries.regions("prefecture").set_index("region_code")
    if region_code not in regs.index:
        return None
    col = name_col(lang)
    r = regs.loc[region_code]
    rows, found, shown = region_theme(region_code, theme)
    nearest, basis = peer_group(region_code)
    peers = tuple(Peer(c, str(regs.loc[c, col]), d) for c, d in nearest)
    block = r["region_block_ja"] if lang == "ja" else r["region_block_en"]
    by_period = tuple((int(p), [str(i) for i in same["indicator_id"]]) for p, same in rows.groupby("period", sort=True))
    summary = compute.spine_summary(rows, col)
    return RegionProfile(region_code, str(r[col]), str(block), rows, found, shown, peers, basis, summary, by_period)


# /indicator and /kpi


@dataclass(frozen=True)
class IndicatorPage:
    indicator: dict[str, Any]
    panel: pd.DataFrame  # 全国, 東京圏, 東京圏以外 (empty for a measure that cannot be summed)
    lines: dict[str, Line]


def indicator_page(indicator_id: str, lang: str) -> IndicatorPage | None:
    ind = queries.indicator(indicator_id)
    if ind is None:
        return None
    panel = queries.panel([indicator_id], list(compute.AGGREGATES))
    return IndicatorPage(ind, panel, compute.lines_of(panel, name_col(lang)))


@dataclass(frozen=True)
class Breakdown:
    """A KPI per prefecture (one value per prefecture, its titles and unit)."""

    cross: pd.DataFrame
    title_ja: str
    title_en: str
    unit: str
    ranked: tuple[RankedPrefecture, ...]
    summary: compute.CrossSummary | None


@dataclass(frozen=True)
class Component:
    """A component or related series of a KPI, as one line."""

    label_ja: str
    label_en: str
    unit: str
    frame: pd.DataFrame  # period, value, region_code, name_ja, name_en
    decimals: int
    lines: dict[str, Line]


@dataclass(frozen=True)
class KpiPage:
    kpi: dict[str, Any]
    breakdown: Breakdown | None
    components: tuple[Component, ...]
    context: tuple[tuple[str, str], ...]  # (indicator id, name) of the context indicators in the catalogue
    base_year: int = 0  # the base year shown (the strategy's unless chosen)
    variant: str | None = None
    growth: dict[str, Any] | None = None  # KPI 1 from base_year (kpis.growth_at_base)
    growth_error: str | None = None  # why it cannot be computed for that base year
    groups: tuple[dict[str, Any], ...] = ()


def kpi_page(kpi_id: str, lang: str, base_year: int | None = None, variant: str | None = None) -> KpiPage | None:
    k = kpis.kpi_by_id(kpi_id)
    if k is None:
        return None
    col = name_col(lang)
    base = base_year or k["base_year"]
    growth = growth_error = None
    if k.get("variants") is not None:
        if variant not in {v["key"] for v in k["variants"]}:
            variant = k.get("headline_variant")
        try:
            growth = kpis.growth_at_base(k, base, variant)
        except kpis.BaseYearError as exc:
            growth_error = str(exc)
    bd = kpis.prefecture_breakdown(k, growth=growth)
    breakdown = None
    if bd is not None and not bd[0].empty:
        ranked = compute.ranked_prefectures(bd[0], col)
        breakdown = Breakdown(*bd, tuple(ranked), compute.cross_summary(ranked))
    cat = kpis.catalogue().set_index("indicator_id")
    components = []
    for c in (c for c in k.get("components", []) if c["series"]):
        unit = c.get("unit") or cat["unit"].get(c.get("indicator") or "", "")
        df = pd.DataFrame(c["series"]).assign(region_code=c["region"], name_ja=c["label_ja"], name_en=c["label_en"])
        lines = compute.lines_of(df, col)
        components.append(Component(c["label_ja"], c["label_en"], unit, df, compute.decimals_of(df["value"]), lines))
    context = tuple((i, str(cat.loc[i, col])) for i in k.get("context_indicators") or [] if i in cat.index)
    groups = tuple(kpis.groups_at_base(k, base)) if k.get("counts") else ()
    return KpiPage(k, breakdown, tuple(components), context, base, variant, growth, growth_error, groups)
