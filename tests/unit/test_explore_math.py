"""The exploration arithmetic (kpidash/analysis/explore.py) on small frames whose results are worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpidash.analysis.explore import (
    growth,
    growth_cross,
    index_to_base,
    nearest_peers,
    panel_in_mode,
    peer_median,
    per_capita,
    per_capita_cross,
)


def frame(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region_code", "period", "value"])


def as_dict(df: pd.DataFrame) -> dict[tuple[str, int], float]:
    return {(str(c), int(p)): float(v) for c, p, v in zip(df["region_code"], df["period"], df["value"], strict=True)}


def test_per_capita_is_per_100000_residents_and_drops_regions_without_population() -> None:
    values = frame([("13", 2020, 50.0), ("TKY", 2020, 300.0), ("27", 2020, 7.0), ("13", 2021, 60.0)])
    population = frame([("13", 2020, 1_000_000.0), ("TKY", 2020, 2_000_000.0), ("13", 2021, 1_200_000.0)])
    got = as_dict(per_capita(values, population))
    # 50 / 1,000,000 × 100,000 = 5; 300 / 2,000,000 × 100,000 = 15; 60 / 1,200,000 × 100,000 = 5; 27 has none
    assert got == pytest.approx({("13", 2020): 5.0, ("TKY", 2020): 15.0, ("13", 2021): 5.0})


def test_per_capita_of_an_aggregate_is_the_ratio_of_its_sums() -> None:
    # Two regions, 10 per 1,000 and 30 per 9,000 residents; the aggregate row holds the sums, 40 per 10,000.
    values = frame([("A", 2020, 10.0), ("B", 2020, 30.0), ("AB", 2020, 40.0)])
    population = frame([("A", 2020, 1_000.0), ("B", 2020, 9_000.0), ("AB", 2020, 10_000.0)])
    got = as_dict(per_capita(values, population))
    assert got[("A", 2020)] == pytest.approx(1_000.0)  # 10 / 1,000 × 100,000
    assert got[("B", 2020)] == pytest.approx(333.3333333)  # 30 / 9,000 × 100,000
    assert got[("AB", 2020)] == pytest.approx(400.0)  # 40 / 10,000 × 100,000, not (1,000 + 333.3) / 2


def test_per_capita_cross_keeps_the_other_columns() -> None:
    cross = pd.DataFrame({"region_code": ["01", "02"], "name_ja": ["北海道", "青森県"], "value": [25.0, 3.0]})
    population = pd.DataFrame({"region_code": ["01", "02"], "value": [500_000.0, 200_000.0]})
    got = per_capita_cross(cross, population, 2020)
    assert got.to_dict("list") == {"region_code": ["01", "02"], "name_ja": ["北海道", "青森県"], "value": [5.0, 1.5]}


def test_growth_against_the_previous_period_with_data() -> None:
    values = frame([("A", 2021, 99.0), ("A", 2019, 100.0), ("A", 2020, 110.0), ("B", 2019, 50.0), ("B", 2022, 75.0)])
    got = growth(values)
    # A: 2020 vs 2019 = +10 %, 2021 vs 2020 = 99/110 − 1 = −10 %; B: 2022 vs 2019 (the gap years skipped) = +50 %
    assert as_dict(got) == pytest.approx({("A", 2020): 10.0, ("A", 2021): -10.0, ("B", 2022): 50.0})
    assert dict(zip(zip(got["region_code"], got["period"], strict=True), got["base_period"], strict=True)) == {
        ("A", 2020): 2019,
        ("A", 2021): 2020,
        ("B", 2022): 2019,
    }


def test_growth_against_a_base_period_drops_regions_without_it() -> None:
    values = frame([("A", 2019, 200.0), ("A", 2020, 250.0), ("A", 2021, 150.0), ("B", 2020, 5.0)])
    got = growth(values, base_period=2019)
    assert as_dict(got) == pytest.approx({("A", 2019): 0.0, ("A", 2020): 25.0, ("A", 2021): -25.0})
    assert set(got["base_period"]) == {2019}


def test_growth_cross_between_two_cross_sections() -> None:
    before = pd.DataFrame({"region_code": ["01", "02", "03"], "value": [80.0, 40.0, 10.0]})
    cross = pd.DataFrame({"region_code": ["01", "02", "04"], "name_ja": ["a", "b", "d"], "value": [100.0, 30.0, 1.0]})
    got = growth_cross(cross, before, 2022, 2015)
    # 100/80 − 1 = +25 %; 30/40 − 1 = −25 %; 04 has no base value
    assert got.to_dict("list") == {"region_code": ["01", "02"], "name_ja": ["a", "b"], "value": [25.0, -25.0]}


def test_index_to_base_is_100_in_the_base_year() -> None:
    values = frame([("A", 2019, 200.0), ("A", 2020, 250.0), ("A", 2021, 50.0), ("B", 2020, 9.0)])
    got = as_dict(index_to_base(values, 2019))
    assert got == {("A", 2019): 100.0, ("A", 2020): 125.0, ("A", 2021): 25.0}  # B has no 2019 value


def test_index_mode_falls_back_to_the_first_period_without_base_data() -> None:
    panel = frame([("A", 2015, 4.0), ("A", 2016, 5.0), ("B", 2015, 10.0), ("B", 2016, 8.0)]).assign(name_ja="x")
    got, base = panel_in_mode(panel, "index", 1990)
    assert base == 2015
    assert as_dict(got) == {("A", 2015): 100.0, ("A", 2016): 125.0, ("B", 2015): 100.0, ("B", 2016): 80.0}
    got, base = panel_in_mode(panel, "index", 2016)
    assert base == 2016 and as_dict(got)[("A", 2015)] == 80.0  # 4 / 5 × 100
    same, base = panel_in_mode(panel, "value", None)
    assert base is None and same is panel


def test_peer_median_by_hand() -> None:
    cross = pd.DataFrame({"region_code": ["01", "02", "03", "04", "05"], "value": [3.0, 1.0, 2.0, None, 10.0]})
    assert peer_median(cross, ["01", "02", "03"]) == 2.0  # 1, 2, 3
    assert peer_median(cross, ["01", "02", "03", "05"]) == 2.5  # 1, 2, 3, 10 → (2 + 3) / 2
    assert peer_median(cross, ["01", "04"]) == 3.0  # the gap is skipped
    assert math.isnan(peer_median(cross, ["04"]))  # a peer, but no value
    assert peer_median(cross, ["99"]) is None  # no peer at all


def test_nearest_peers_on_one_feature() -> None:
    # x = 0, 1, 3, 10: mean 3.5, population s.d. √((12.25 + 6.25 + 0.25 + 42.25) / 4) = √15.25.
    features = pd.DataFrame({"x": [0.0, 1.0, 3.0, 10.0]}, index=["A", "B", "C", "D"])
    sd = math.sqrt(15.25)
    got = nearest_peers(features, "A", k=2)
    assert [c for c, _ in got] == ["B", "C"]
    assert [d for _, d in got] == pytest.approx([1 / sd, 3 / sd])
    assert [c for c, _ in nearest_peers(features, "D", k=5)] == ["C", "B", "A"]  # never itself
    assert nearest_peers(features, "Z") == []


def test_nearest_peers_standardise_each_feature() -> None:
    # y varies a thousand times more than x in raw units; after z-scores both count alike.
    # x = 0, 0, 2, 2 (mean 1, s.d. 1); y = 0, 2000, 0, 2000 (mean 1000, s.d. 1000): z-scores ±1 on both.
    features = pd.DataFrame({"x": [0.0, 0.0, 2.0, 2.0], "y": [0.0, 2000.0, 0.0, 2000.0]}, index=["P", "Q", "R", "S"])
    got = dict(nearest_peers(features, "P", k=3))
    assert got == pytest.approx({"Q": 2.0, "R": 2.0, "S": math.sqrt(8)})
    assert [c for c, _ in nearest_peers(features, "P", k=3)] == ["Q", "R", "S"]  # ties keep the frame's order
