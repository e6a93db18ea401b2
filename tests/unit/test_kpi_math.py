"""KPI arithmetic: shares over the Tokyo-area split, growth gaps, growth from a base year and its decomposition, the
groups of KPI 3, age bands, and Σ/Σ (not a mean of ratios). Expected values are worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from kpidash.analysis.kpi import age_groups, share_outside
from kpidash.analysis.kpi_groups import share_groups
from kpidash.analysis.kpi_growth import BaseYearError, growth_from_base, growth_gap_series

TOKYO_AREA = {"11", "12", "13", "14"}
PREFS = [f"{i:02d}" for i in range(1, 48)]


def _frame(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region_code", "period", "value"])


@pytest.fixture()
def three_periods() -> pd.DataFrame:
    rows: list[tuple[str, int, float]] = []
    # 2020: 10 in each Tokyo-area prefecture (40), 1 elsewhere (43) → total 83, outside share 43/83.
    rows += [(c, 2020, 10.0 if c in TOKYO_AREA else 1.0) for c in PREFS]
    # 2021: 2 everywhere → outside 86 of 94 = 43/47.
    rows += [(c, 2021, 2.0) for c in PREFS]
    # 2022: prefecture 47 missing → the period must be absent (an incomplete sum is no share).
    rows += [(c, 2022, 5.0) for c in PREFS if c != "47"]
    # A national row must not be counted as a prefecture.
    rows += [("00", p, 1_000_000.0) for p in (2020, 2021, 2022)]
    return _frame(rows)


def test_share_outside_tokyo_area(three_periods: pd.DataFrame) -> None:
    out = share_outside(three_periods, "NTK").set_index("period")
    assert list(out.index) == [2020, 2021]
    assert out.loc[2020, "count"] == 43.0
    assert out.loc[2020, "total"] == 83.0
    assert out.loc[2020, "share"] == pytest.approx(43 / 83 * 100)
    assert out.loc[2021, "count"] == 86.0
    assert out.loc[2021, "total"] == 94.0
    assert out.loc[2021, "share"] == pytest.approx(43 / 47 * 100)


def test_share_inside_tokyo_area(three_periods: pd.DataFrame) -> None:
    out = share_outside(three_periods, "TKY").set_index("period")
    assert list(out.index) == [2020, 2021]
    assert out.loc[2020, "count"] == 40.0
    assert out.loc[2020, "share"] == pytest.approx(40 / 83 * 100)
    assert out.loc[2021, "share"] == pytest.approx(8 / 94 * 100)


def test_share_national_is_everything(three_periods: pd.DataFrame) -> None:
    out = share_outside(three_periods, "00").set_index("period")
    assert list(out["share"]) == pytest.approx([100.0, 100.0])
    assert out.loc[2020, "count"] == 83.0


def test_growth_gap_by_hand() -> None:
    area = [(2010, 90.0), (2011, 100.0), (2012, 110.0), (2013, 120.0), (2014, 130.0)]
    ref = [(2010, 180.0), (2011, 200.0), (2012, 210.0), (2013, 200.0)]
    # 2011: 0 − 0 = 0; 2012: +10 % − (+5 %) = 5; 2013: +20 % − 0 % = 20; 2010 precedes the base; 2014 has no reference.
    got = growth_gap_series(area, ref, 2011)
    assert [t for t, _ in got] == [2011, 2012, 2013]
    assert [v for _, v in got] == pytest.approx([0.0, 5.0, 20.0])


def test_growth_gap_negative_and_unsorted() -> None:
    # Area falls 10 % while the reference rises 25 %: −10 − 25 = −35 points.
    got = growth_gap_series([(2016, 45.0), (2015, 50.0)], [(2016, 5.0), (2015, 4.0)], 2015)
    assert got == [(2015, 0.0), (2016, pytest.approx(-35.0))]


def test_growth_gap_without_base_is_empty() -> None:
    assert growth_gap_series([(2012, 1.0)], [(2011, 1.0), (2012, 1.0)], 2011) == []
    assert growth_gap_series([(2011, 1.0), (2012, 1.0)], [(2012, 1.0)], 2011) == []


# --------------------------------------------------------------------------------------------------------------------
# growth_from_base: growth of each area from a base year, the gap, and its log decomposition

# NTK: GDP 100 → 110, persons employed 10 → 10 → productivity 10 → 11 (+10 %: all from GDP).
# TKY: GDP 200 → 210, persons employed 20 → 21 → productivity 10 → 10 (0 %: GDP +5 %, employed +5 %).
# 2019 is an earlier year both have (productivity 9 and 8); 2022 is in NTK only, so the latest common year is 2021.
GDP = {
    "NTK": [(2019, 90.0), (2020, 100.0), (2021, 110.0), (2022, 120.0)],
    "TKY": [(2019, 160.0), (2020, 200.0), (2021, 210.0)],
}
EMP = {
    "NTK": [(2019, 10.0), (2020, 10.0), (2021, 10.0), (2022, 10.0)],
    "TKY": [(2019, 20.0), (2020, 20.0), (2021, 21.0)],
}
RATIO = {r: [(t, g / e) for (t, g), (_, e) in zip(GDP[r], EMP[r], strict=True)] for r in ("NTK", "TKY")}
PARTS = {r: (GDP[r], EMP[r]) for r in ("NTK", "TKY")}


def _growth(base: int = 2020, parts: Any = PARTS, formula: Any = ("gdp", "emp")) -> Any:
    return growth_from_base("v1", "prod", False, RATIO, parts, ("NTK", "TKY"), base, formula)


def test_growth_from_base_by_hand() -> None:
    g = _growth()
    assert (g.base_year, g.latest_year) == (2020, 2021)
    assert (g.variant, g.indicator, g.proxy, g.numerator, g.denominator) == ("v1", "prod", False, "gdp", "emp")
    ntk, tky = g.areas
    assert (ntk.region_code, tky.region_code) == ("NTK", "TKY")
    assert (ntk.base_value, ntk.latest_value) == (pytest.approx(10.0), pytest.approx(11.0))
    assert (tky.base_value, tky.latest_value) == (pytest.approx(10.0), pytest.approx(10.0))
    # Growth (%): NTK 11/10 − 1 = 10; TKY 10/10 − 1 = 0. Parts: NTK GDP +10, employed 0; TKY GDP +5, employed +5.
    assert ntk.growth_pct == pytest.approx(10.0)
    assert (ntk.numerator_growth_pct, ntk.denominator_growth_pct) == (pytest.approx(10.0), pytest.approx(0.0))
    assert tky.growth_pct == pytest.approx(0.0, abs=1e-12)
    assert (tky.numerator_growth_pct, tky.denominator_growth_pct) == (pytest.approx(5.0), pytest.approx(5.0))
    # Gap: 10 − 0 = 10 points.
    assert g.gap_points == pytest.approx(10.0)
    # Log points: NTK 100·ln 1.1 ≈ 9.531 (GDP 100·ln 1.1, employed 0); TKY 0 (GDP 100·ln 1.05 ≈ 4.879, employed the same).
    assert ntk.log_points == pytest.approx(100 * math.log(1.1))
    assert ntk.numerator_log_points == pytest.approx(100 * math.log(1.1))
    assert ntk.denominator_log_points == pytest.approx(0.0, abs=1e-12)
    assert tky.log_points == pytest.approx(0.0, abs=1e-12)
    assert tky.numerator_log_points == pytest.approx(100 * math.log(1.05))
    assert tky.denominator_log_points == pytest.approx(100 * math.log(1.05))
    assert g.gap_log_points == pytest.approx(100 * math.log(1.1))
    d = g.as_dict()["decomposition"]
    # GDP part: 100·ln 1.1 − 100·ln 1.05 ≈ 4.652; employed part: 0 − 100·ln 1.05 ≈ −4.879; they sum to the gap (exact
    # in log points): 4.652 − (−4.879) = 9.531.
    assert d["numerator_log_points"] == pytest.approx(100 * math.log(1.1) - 100 * math.log(1.05))
    assert d["denominator_log_points"] == pytest.approx(-100 * math.log(1.05))
    assert d["numerator_log_points"] - d["denominator_log_points"] == pytest.approx(d["gap_log_points"])
    assert d["numerator_log_points"] == pytest.approx(4.652, abs=1e-3)
    # The gap series from the base: 2020 → 0, 2021 → 10 (2022 has no TKY value).
    assert g.series == [(2020, 0.0), (2021, pytest.approx(10.0))]
    assert g.as_dict()["series"] == [{"period": 2020, "value": 0.0}, {"period": 2021, "value": pytest.approx(10.0)}]


def test_growth_from_an_earlier_base() -> None:
    # Base 2019: NTK 9 → 11 (+22.2 %), TKY 8 → 10 (+25 %) → gap 200/9 − 25 = −25/9 ≈ −2.78 points.
    # Series: 2020 → (10/9 − 1)·100 − (10/8 − 1)·100 = 11.11 − 25 = −13.89; 2021 → −2.78.
    g = _growth(2019)
    assert g.latest_year == 2021
    assert g.areas[0].growth_pct == pytest.approx(200 / 9)
    assert g.areas[1].growth_pct == pytest.approx(25.0)
    assert g.gap_points == pytest.approx(200 / 9 - 25)
    assert [t for t, _ in g.series] == [2019, 2020, 2021]
    assert [v for _, v in g.series] == pytest.approx([0.0, 100 / 9 - 25, 200 / 9 - 25])


def test_growth_without_parts_has_no_decomposition() -> None:
    g = _growth(parts=None, formula=None)
    assert g.gap_points == pytest.approx(10.0)
    assert g.areas[0].numerator_growth_pct is None and g.areas[0].denominator_log_points is None
    assert (g.numerator, g.denominator) == (None, None)
    d = g.as_dict()["decomposition"]
    assert d["numerator_log_points"] is None and d["denominator_log_points"] is None
    assert d["gap_log_points"] == pytest.approx(100 * math.log(1.1))


def test_growth_parts_missing_the_base_year_give_no_decomposition_for_that_area() -> None:
    parts = {"NTK": PARTS["NTK"], "TKY": ([(2021, 210.0)], [(2021, 21.0)])}
    g = _growth(parts=parts)
    assert g.areas[0].numerator_growth_pct == pytest.approx(10.0)
    assert g.areas[1].numerator_growth_pct is None
    assert g.as_dict()["decomposition"]["numerator_log_points"] is None


def test_base_year_not_in_the_series() -> None:
    # Common years of NTK and TKY: 2019–2021.
    with pytest.raises(BaseYearError) as info:
        _growth(2018)
    assert str(info.value) == "base_year 2018 is not available for variant 'v1' (available 2019–2021)"
    with pytest.raises(BaseYearError, match=r"base_year 2022 is not available .*\(available 2019–2021\)"):
        _growth(2022)  # NTK has 2022, TKY does not


def test_base_year_equal_to_the_latest_year() -> None:
    with pytest.raises(BaseYearError) as info:
        _growth(2021)
    msg = str(info.value)
    assert "base_year 2021 is the latest year of variant 'v1'" in msg
    assert "no later year" in msg and "(available 2019–2021)" in msg


def test_growth_without_common_years() -> None:
    ratio = {"NTK": [(2020, 1.0)], "TKY": [(2021, 1.0)]}
    with pytest.raises(BaseYearError, match="no data for both areas"):
        growth_from_base("v1", "prod", False, ratio, None, ("NTK", "TKY"), 2020)
    assert issubclass(BaseYearError, ValueError)


# --------------------------------------------------------------------------------------------------------------------
# share_groups: the groups of KPI 3 with shares, counts and change since the base


def _share_kpi() -> dict[str, Any]:
    def pairs(d: dict[int, float]) -> list[dict[str, Any]]:
        return [{"period": t, "value": v} for t, v in d.items()]

    return {
        "id": "young_women",
        "name_ja": "若い女性",
        "name_en": "Young women",
        # The headline's series is split into its context (up to the base 2025) and the observed series (from it).
        "context": {"series": pairs({2024: 40.0, 2025: 41.0})},
        "series": pairs({2025: 41.0, 2026: 42.0}),
        "counts": pairs({2024: 380.0, 2025: 400.0, 2026: 410.0}),
        "components": [
            {
                "key": "young_all",
                "label_ja": "若者",
                "label_en": "Young people",
                "series": pairs({2025: 50.0, 2026: 49.5}),
                "counts": pairs({2025: 1000.0, 2026: 980.0}),
            },
            # An indicator component: no counts → not a group.
            {"key": "net_mig", "label_ja": "転入超過", "label_en": "Net migration", "series": pairs({2026: -5.0})},
            # Counts but no period shared with the shares → left out.
            {
                "key": "disjoint",
                "label_ja": "重ならない",
                "label_en": "Disjoint",
                "series": pairs({2020: 1.0}),
                "counts": pairs({2021: 1.0}),
            },
        ],
    }


def test_share_groups_change_since_the_base() -> None:
    groups = share_groups(_share_kpi(), 2025)
    assert [g["key"] for g in groups] == ["young_women", "young_all"]
    head, young = groups
    assert head["status_measure"] is True and young["status_measure"] is False
    assert (head["label_ja"], head["label_en"]) == ("若い女性", "Young women")
    assert head["latest"] == {"period": 2026, "share": 42.0, "count": 410.0}
    assert head["base"] == {"period": 2025, "share": 41.0, "count": 400.0}
    # Share 41 → 42: +1 point; count 400 → 410: +2.5 %.
    assert head["share_change_points"] == pytest.approx(1.0)
    assert head["count_change_pct"] == pytest.approx(2.5)
    # Young people: 50 → 49.5 = −0.5 points; 1,000 → 980 = −2 %.
    assert young["share_change_points"] == pytest.approx(-0.5)
    assert young["count_change_pct"] == pytest.approx(-2.0)


def test_share_groups_from_a_context_year() -> None:
    # The headline's context points count too: from 2024, share 40 → 42 (+2 points), count 380 → 410 (+7.89 %).
    head, young = share_groups(_share_kpi(), 2024)
    assert head["base"] == {"period": 2024, "share": 40.0, "count": 380.0}
    assert head["share_change_points"] == pytest.approx(2.0)
    assert head["count_change_pct"] == pytest.approx((410 / 380 - 1) * 100)
    # The component has no 2024 value: no change shown.
    assert young["base"] is None and young["share_change_points"] is None


@pytest.mark.parametrize("base_year", [None, 2023, 2026], ids=["no-base", "base-not-observed", "base-is-latest"])
def test_share_groups_without_a_usable_base(base_year: int | None) -> None:
    for g in share_groups(_share_kpi(), base_year):
        assert g["base"] is None
        assert g["share_change_points"] is None and g["count_change_pct"] is None
        assert g["latest"]["period"] == 2026


def test_share_groups_without_counts_is_empty() -> None:
    k = _share_kpi() | {"counts": [], "components": []}
    assert share_groups(k, 2025) == []


def test_age_groups() -> None:
    assert age_groups(15, 29) == ["15_19", "20_24", "25_29"]
    assert age_groups(0, 4) == ["00_04"]
    everything = age_groups(0, None)
    assert len(everything) == 17
    assert everything[0] == "00_04" and everything[-1] == "80_plus"
    assert age_groups(65, None) == ["65_69", "70_74", "75_79", "80_plus"]
    # A closed band never includes the open top group.
    assert "80_plus" not in age_groups(60, 84)


def test_peer_median_matches_pandas_and_skips_gaps() -> None:
    import math

    from kpidash.analysis.explore import peer_median

    cross = pd.DataFrame({"region_code": ["01", "02", "03", "04", "13"], "value": [5.0, float("nan"), 1.0, 2.5, 100.0]})
    for peers in (["01", "02", "03"], ["01", "03", "04", "13"], ["13"], ["02", "03", "99"]):
        expected = cross[cross["region_code"].isin(peers)]["value"].median()  # pandas skips NaN
        assert peer_median(cross, peers) == pytest.approx(float(expected))
    assert peer_median(cross, ["99"]) is None  # no peer in the cross-section
    assert math.isnan(peer_median(cross, ["02"]))  # peers present, all gaps
