"""kpidash.analysis.industry on hand-made frames: composition, LQ matrix, contributions that add up to GDP growth."""

from __future__ import annotations

import pandas as pd
import pytest

from kpidash.analysis.industry import (
    RESIDUAL_KEY,
    Industry,
    IndustryDataError,
    composition,
    contributions,
    lq_matrix,
)

INDS = [
    Industry("agriculture", "農林水産業", "Agriculture", "1"),
    Industry("manufacturing", "製造業", "Manufacturing", "2"),
]


def frame(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "region_code", "period", "value"])


# Region 01: agriculture 20 → 30, manufacturing 80 → 90, GDP (va_total) 110 → 130 (so the residual is 10 → 10).
ROWS = [
    ("va_agriculture", "01", 2011, 20.0),
    ("va_agriculture", "01", 2012, 30.0),
    ("va_manufacturing", "01", 2011, 80.0),
    ("va_manufacturing", "01", 2012, 90.0),
    ("va_total", "01", 2011, 110.0),
    ("va_total", "01", 2012, 130.0),
    ("va_share_agriculture", "01", 2011, 20.0),
    ("va_share_agriculture", "01", 2012, 25.0),
    ("va_share_manufacturing", "01", 2011, 80.0),
    ("va_share_manufacturing", "01", 2012, 75.0),
    ("va_lq_agriculture", "01", 2012, 2.5),
    ("va_lq_manufacturing", "01", 2012, 0.8),
    ("va_lq_agriculture", "00", 2012, 1.0),
]


def test_contributions_add_up_to_gdp_growth() -> None:
    w = contributions(frame(ROWS), INDS, "01", 2011, 2012)
    # GDP growth (130/110 − 1)·100 = 18.18…; agriculture +10/110·100 = 9.09…, manufacturing +10/110·100 = 9.09…,
    # residual (130 − 120) − (110 − 100) = 0.
    assert w.growth_pct == pytest.approx(20 / 110 * 100)
    points = {i.key: i.points for i in w.items}
    assert points["agriculture"] == pytest.approx(10 / 110 * 100)
    assert points["manufacturing"] == pytest.approx(10 / 110 * 100)
    assert points[RESIDUAL_KEY] == pytest.approx(0.0)
    assert sum(points.values()) == pytest.approx(w.growth_pct)


def test_residual_carries_the_taxes_and_still_adds_up() -> None:
    rows = [r if r[0] != "va_total" or r[2] != 2012 else ("va_total", "01", 2012, 140.0) for r in ROWS]
    w = contributions(frame(rows), INDS, "01", 2011, 2012)
    # Residual 140 − 120 = 20 in 2012 vs 10 in 2011: +10/110·100 points.
    assert {i.key: i.points for i in w.items}[RESIDUAL_KEY] == pytest.approx(10 / 110 * 100)
    assert sum(i.points for i in w.items) == pytest.approx((140 / 110 - 1) * 100)


def test_missing_values_are_named() -> None:
    rows = [r for r in ROWS if not (r[0] == "va_manufacturing" and r[2] == 2012)]
    with pytest.raises(IndustryDataError, match=r"va_manufacturing \(2012\)"):
        contributions(frame(rows), INDS, "01", 2011, 2012)


def test_composition_reads_values_and_shares() -> None:
    c = composition(frame(ROWS), INDS, "va", "01", 2011, 2012)
    agri = c.rows[0]
    assert (agri.value0, agri.value1, agri.share0, agri.share1) == (20.0, 30.0, 20.0, 25.0)
    assert agri.change_points == pytest.approx(5.0)
    assert sum(r.share1 for r in c.rows if r.share1 is not None) == pytest.approx(100.0)


def test_lq_matrix_has_one_column_per_industry_in_order() -> None:
    m = lq_matrix(frame(ROWS), INDS, "va", 2012)
    assert list(m.columns) == ["agriculture", "manufacturing"]
    assert m.at["01", "agriculture"] == 2.5
    assert m.at["00", "agriculture"] == 1.0
    assert pd.isna(m.at["00", "manufacturing"])  # a gap stays a gap
