"""The municipality view's data (/municipalities): its catalogue, the municipalities of one selection with values,
shares and ranks, what the page says about them, and the table's rows; cached per warehouse version.

The data caches are ``catalogue=True`` (kept with KPIDASH_VIEW_CACHE=0): the table asks for 50 rows at a time, and
every block, sort and page turn reads the same frame of its selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from kpidash import config, params
from kpidash.analysis import municipal as analysis
from kpidash.analysis.municipal import RankedMunicipality
from kpidash.data import queries
from kpidash.data.boundaries import boundary_citation
from kpidash.data.cache import per_warehouse
from kpidash.formatting import name_col

DENOMINATOR = "pop_all_total"  # 総人口 of the municipality (住民基本台帳, 日本人住民＋外国人住民)
DEFAULT_INDICATOR = "pop_all_65plus"
MODES = ("value", "share")


@dataclass(frozen=True)
class Tables:
    """Small tables read once per warehouse version."""

    catalogue: pd.DataFrame  # indicator_id, name_ja, name_en, unit, decimals, additive, period, n_municipalities
    sources: pd.DataFrame  # marts.sources indexed by source_id
    prefectures: dict[str, tuple[str, str]]  # code → (name_ja, name_en)


@dataclass(frozen=True)
class Selection:
    """A valid selection of the page: indicator, prefecture (None: all of Japan) and mode (``value`` or ``share``)."""

    indicator: str
    pref: str | None
    mode: str


@dataclass(frozen=True)
class MunicipalSummary:
    """One selection as the page shows it: the municipalities (``frame``, see :func:`muni_frame`) and what is said
    about them."""

    selection: Selection
    frame: pd.DataFrame
    label_ja: str  # the indicator's short name
    label_en: str
    unit: str
    decimals: int  # of the indicator's values
    period: int | None  # None when no municipality has a value
    reference_date: str | None  # 「2023年1月1日」 of the statistics' source
    citation: str  # the 出典 line
    prefecture: tuple[str, str] | None  # (name_ja, name_en); None for all of Japan
    top: list[RankedMunicipality]
    bottom: list[RankedMunicipality]  # never repeats ``top``

    @property
    def share(self) -> bool:
        return self.selection.mode == "share"

    @property
    def has_share(self) -> bool:
        """False for the total population itself (its share is 100 % everywhere)."""
        return self.selection.indicator != DENOMINATOR

    @property
    def measure_unit(self) -> str:
        return "%" if self.share else self.unit


@per_warehouse(maxsize=4, catalogue=True)
def tables() -> Tables:
    regs = queries.regions("prefecture")
    return Tables(
        catalogue=queries.muni_indicators(),
        sources=queries.sources().set_index("source_id"),
        prefectures={str(r.region_code): (str(r.name_ja), str(r.name_en)) for r in regs.itertuples()},
    )


def catalogue() -> pd.DataFrame:
    """Indicators with municipal observations (indicator_id, name_ja, name_en, unit, decimals, period, …)."""
    return tables().catalogue


def indicator_choices(lang: str) -> list[tuple[str, str]]:
    """(indicator_id, short name) of every indicator of the catalogue."""
    col = name_col(lang)
    return [(str(r["indicator_id"]), analysis.short_name(str(r[col]))) for _, r in catalogue().iterrows()]


def valid_indicator(raw: Any) -> str:
    ids = tuple(catalogue()["indicator_id"])
    return params.choice(raw, ids, DEFAULT_INDICATOR if DEFAULT_INDICATOR in ids else sorted(ids)[0])


def valid_pref(raw: Any) -> str | None:
    return params.choice(raw, config.PREFECTURE_CODES, "") or None


def valid_mode(raw: Any, indicator: str) -> str:
    """``share`` of the total population; for the total itself that is 100 % everywhere, so ``value``."""
    mode = params.choice(raw, MODES, "value")
    return "value" if indicator == DENOMINATOR else mode


def selection(indicator: Any, pref: Any, mode: Any) -> Selection:
    """The page's parameters, validated (anything unknown falls back to the default)."""
    ind = valid_indicator(indicator)
    return Selection(ind, valid_pref(pref), valid_mode(mode, ind))


@per_warehouse(maxsize=16, catalogue=True)
def _japan(indicator: str) -> pd.DataFrame:
    """All municipalities with the indicator, the total population and the share (one query per indicator)."""
    period = int(catalogue().set_index("indicator_id").loc[indicator, "period"])
    values = queries.muni_values(indicator, DENOMINATOR, period)
    return analysis.with_shares(values, period, has_share=indicator != DENOMINATOR)


@per_warehouse(maxsize=64, catalogue=True)
def muni_frame(indicator: str, pref: str | None, mode: str) -> pd.DataFrame:
    """region_code, name_ja, name, pref_code, entity_type, value, total, share, measure, rank, period, source_id."""
    return analysis.ranked_frame(_japan(indicator), pref, mode)


@per_warehouse(maxsize=128)
def summary(sel: Selection) -> MunicipalSummary:
    t = tables()
    meta = t.catalogue.set_index("indicator_id").loc[sel.indicator]
    df = muni_frame(sel.indicator, sel.pref, sel.mode)
    source_ids = [str(s) for s in df["source_id"].dropna().unique()]
    citation, date = analysis.source_line(t.sources, source_ids, boundary_citation("municipalities"))
    decimals = int(meta["decimals"])
    top, bottom = analysis.ranking_lists(df, "measure", 2 if sel.mode == "share" else decimals)
    return MunicipalSummary(
        selection=sel,
        frame=df,
        label_ja=analysis.short_name(str(meta["name_ja"])),
        label_en=analysis.short_name(str(meta["name_en"])),
        unit=str(meta["unit"]),
        decimals=decimals,
        period=int(df["period"].iloc[0]) if len(df) else None,
        reference_date=date,
        citation=citation,
        prefecture=t.prefectures.get(sel.pref, (sel.pref, sel.pref)) if sel.pref else None,
        top=top,
        bottom=bottom,
    )


def muni_rows(request: Any, state: Any) -> dict[str, Any]:
    """One block of table rows for AG Grid's infinite model, for the selection in the page's state store."""
    state = state if isinstance(state, dict) else {}
    sel = selection(state.get("indicator"), state.get("pref"), state.get("mode"))
    return analysis.grid_rows(muni_frame(sel.indicator, sel.pref, sel.mode), request)
