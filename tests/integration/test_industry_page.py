"""/industry on the real warehouse: the numbers the page shows, recomputed from the raw ESRI industry table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kpidash import config

pytestmark = pytest.mark.integration

RAW = config.ROOT / "data" / "raw" / "prefectural_gdp" / "pref_gdp_nominal_by_industry_esri_fy2011_2022.csv"
TOKYO_AREA = ("11", "12", "13", "14")


def raw_values() -> dict[tuple[str, int, str], float]:
    """(pref_code, fiscal year, industry_ja) → 百万円, read with csv only."""
    with RAW.open(encoding="utf-8", newline="") as fh:
        return {
            (r["pref_code"], int(r["fiscal_year"]), r["industry_ja"]): float(r["value_million_yen"])
            for r in csv.DictReader(fh)
        }


@pytest.mark.parametrize("region", ["13", "NTK"])
def test_contributions_match_the_raw_table_and_add_up(use_warehouse: Path, region: str) -> None:
    from kpidash.service import industry

    raw = raw_values()
    codes = [f"{i:02d}" for i in range(1, 48)]
    members = [region] if region != "NTK" else [c for c in codes if c not in TOKYO_AREA]

    def total(year: int, item: str) -> float:
        return sum(raw[(c, year, item)] for c in members)

    r = industry.industry("va", region, 2011, 2022, "manufacturing", "ja")
    w = r.waterfalls[0]
    gdp11, gdp22 = total(2011, "県内総生産（合計）"), total(2022, "県内総生産（合計）")
    assert w.gdp0 == pytest.approx(gdp11) and w.gdp1 == pytest.approx(gdp22)
    manufacturing = next(i for i in w.items if i.key == "manufacturing")
    assert manufacturing.points == pytest.approx(
        (total(2022, "製造業") - total(2011, "製造業")) / gdp11 * 100, rel=1e-9
    )
    assert sum(i.points for i in w.items) == pytest.approx((gdp22 / gdp11 - 1) * 100, rel=1e-9)
    assert r.waterfalls[1].region == ("TKY" if region != "TKY" else "NTK")


def test_composition_shares_sum_to_100_and_match_the_raw_table(use_warehouse: Path) -> None:
    from kpidash.service import industry

    raw = raw_values()
    r = industry.industry("va", "23", 2011, 2022, "manufacturing", "ja")
    shares = [row.share1 for row in r.composition.rows]
    assert sum(shares) == pytest.approx(100.0, abs=1e-9)
    activities = [row.name_ja for row in r.composition.rows]
    subtotal = sum(raw[("23", 2022, a)] for a in activities)
    aichi = next(row for row in r.composition.rows if row.key == "manufacturing")
    assert aichi.share1 == pytest.approx(raw[("23", 2022, "製造業")] / subtotal * 100, rel=1e-9)


@pytest.mark.parametrize(
    "args",
    [
        ("99", "va", "abcd", "1800", "ict", "lq"),
        ("<script>", "x", None, None, "../x", "\x00"),
        ("13", "emp2015", "2011", "2022", "", ""),
    ],
)
def test_bad_url_values_fall_back_to_the_default_view(use_warehouse: Path, args: tuple) -> None:  # type: ignore[type-arg]
    from kpidash.views import industry

    _body, years, y0, y1, options, key, state = industry.industry_view(*args, "ja")
    assert state["region"] in ("NTK", "13") and state["measure"] in ("va", "emp2015")
    assert y0 <= y1 and y0 in [o["value"] for o in years]
    assert key in [o["value"] for o in options]
