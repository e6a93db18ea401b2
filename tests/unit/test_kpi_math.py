"""KPI arithmetic: shares over the Tokyo-area split, growth gaps, age bands, and Σ/Σ (not a mean of ratios)."""

from __future__ import annotations

import pandas as pd
import pytest

from kpidash.analysis.kpi import age_groups, growth_gap_series, share_outside

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
