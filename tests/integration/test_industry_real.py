"""Industry-structure indicators in the real warehouse, against the raw files read here independently (csv module,
no code of the ETL): value added by economic activity (ESRI, FY2011–2022) and employed persons by industry (2015
census, cp932 e-Stat export)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from kpidash.config import TOKYO_AREA_CODES

pytestmark = pytest.mark.integration

RAW = Path(__file__).resolve().parents[2] / "data" / "raw"
VA_CSV = RAW / "prefectural_gdp" / "pref_gdp_nominal_by_industry_esri_fy2011_2022.csv"
EMP_CSV = RAW / "census_employment" / "census2015_pref_employed_by_industry_estat.csv"

# The ids other code relies on (issue 20), in display order, with the raw label of each.
VA_KEYS = {
    "agriculture": "農林水産業",
    "mining": "鉱業",
    "manufacturing": "製造業",
    "utilities": "電気・ガス・水道・廃棄物処理業",
    "construction": "建設業",
    "wholesale_retail": "卸売・小売業",
    "transport": "運輸・郵便業",
    "accommodation_food": "宿泊・飲食サービス業",
    "ict": "情報通信業",
    "finance": "金融・保険業",
    "real_estate": "不動産業",
    "professional": "専門・科学技術、業務支援サービス業",
    "public_admin": "公務",
    "education": "教育",
    "health_social": "保健衛生・社会事業",
    "other_services": "その他のサービス",
}
EMP_KEYS = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRST",
        [
            "agriculture_forestry", "fisheries", "mining", "construction", "manufacturing", "utilities", "ict",
            "transport", "wholesale_retail", "finance", "real_estate", "professional", "accommodation_food",
            "living_services", "education", "health_welfare", "compound_services", "other_services", "public_admin",
            "unclassified",
        ],
        strict=True,
    )
)  # fmt: skip


def raw_va() -> dict[tuple[str, int, str], float]:
    """(pref_code, fiscal_year, industry_ja) -> 百万円."""
    with VA_CSV.open(encoding="utf-8", newline="") as fh:
        return {
            (r["pref_code"], int(r["fiscal_year"]), r["industry_ja"]): float(r["value_million_yen"])
            for r in csv.DictReader(fh)
        }


def raw_emp() -> dict[str, dict[str, float]]:
    """region name (全国, 北海道, 青森, …) -> {column header: persons}."""
    with EMP_CSV.open(encoding="cp932", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    return {r[3]: {h: float(v.replace(",", "")) for h, v in zip(header[5:], r[5:], strict=True)} for r in rows[1:]}


def emp_column(letter: str) -> str:
    return next(h for h in raw_emp()["全国"] if h.startswith(chr(ord("Ａ") + ord(letter) - ord("A"))))


def value(wh: duckdb.DuckDBPyConnection, iid: str, region: str, period: int) -> float:
    rows = wh.execute(
        "SELECT value FROM marts.observations WHERE indicator_id = ? AND region_code = ? AND period = ?",
        [iid, region, period],
    ).fetchall()
    assert len(rows) == 1, (iid, region, period, rows)
    return float(rows[0][0])


# ---------------------------------------------------------------- catalogue and marts.industries


def test_industry_table_lists_the_ids_in_order(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        "SELECT measure, key, sort_order, code, raw_label, indicator_id, share_id, lq_id, sector "
        "FROM marts.industries ORDER BY measure, sort_order"
    ).fetchall()
    va = [r for r in rows if r[0] == "va"]
    emp = [r for r in rows if r[0] == "emp2015"]
    assert [(r[1], r[4]) for r in va] == list(VA_KEYS.items())
    assert [(r[3], r[1]) for r in emp] == list(EMP_KEYS.items())
    assert [r[2] for r in va] == list(range(1, 17)) and [r[2] for r in emp] == list(range(1, 21))
    for m, key, *_, iid, share, lq, _sector in rows:
        assert (iid, share, lq) == (f"{m}_{key}", f"{m}_share_{key}", f"{m}_lq_{key}")
    assert {r[8] for r in emp if r[1] == "unclassified"} == {None}
    catalogue = {i for (i,) in wh.execute("SELECT indicator_id FROM marts.indicators").fetchall()}
    wanted = {x for r in rows for x in r[5:8]}
    wanted |= {f"{m}_{k}" for m in ("va", "emp2015") for k in ("sector1", "sector2", "sector3", "total")}
    assert wanted | {"va_subtotal"} <= catalogue


@pytest.mark.parametrize(
    ("iid", "unit", "period_type", "additive", "derivation"),
    [
        ("va_manufacturing", "百万円", "fiscal_year", True, "source"),
        ("va_total", "百万円", "fiscal_year", True, "source"),
        ("va_subtotal", "百万円", "fiscal_year", True, "derived"),
        ("va_share_manufacturing", "%", "fiscal_year", False, "derived"),
        ("va_lq_manufacturing", "", "fiscal_year", False, "derived"),
        ("emp2015_agriculture_forestry", "人", "reference_date", True, "source"),
        ("emp2015_share_agriculture_forestry", "%", "reference_date", False, "derived"),
        ("emp2015_lq_agriculture_forestry", "", "reference_date", False, "derived"),
    ],
)
def test_catalogue_entries(
    wh: duckdb.DuckDBPyConnection, iid: str, unit: str, period_type: str, additive: bool, derivation: str
) -> None:
    row = wh.execute(
        "SELECT unit, period_type, additive, theme, name_ja, name_en, description, source_id FROM marts.indicators "
        "WHERE indicator_id = ?",
        [iid],
    ).fetchone()
    assert row is not None
    assert row[:4] == (unit, period_type, additive, "産業構造")
    assert row[4] and row[5]
    assert row[7] == ("esri2022_industry" if iid.startswith("va_") else "census2015_industry")
    if derivation == "derived":
        assert "計算式" in row[6]
    prefecture_derivations = {
        d for (d,) in wh.execute(
            "SELECT DISTINCT derivation FROM marts.observations WHERE indicator_id = ? AND length(region_code) = 2 "
            "AND region_code <> '00'", [iid]
        ).fetchall()
    }  # fmt: skip
    assert prefecture_derivations == {derivation}


# ---------------------------------------------------------------- spot values by hand


def test_aichi_manufacturing_fy2022(wh: duckdb.DuckDBPyConnection) -> None:
    raw = raw_va()
    mfg = raw[("23", 2022, "製造業")]
    subtotal = sum(raw[("23", 2022, label)] for label in VA_KEYS.values())
    nat_mfg = sum(raw[(f"{n:02d}", 2022, "製造業")] for n in range(1, 48))
    nat_sub = sum(raw[(f"{n:02d}", 2022, label)] for n in range(1, 48) for label in VA_KEYS.values())
    assert value(wh, "va_manufacturing", "23", 2022) == mfg == 15_573_557
    assert value(wh, "va_subtotal", "23", 2022) == subtotal
    assert value(wh, "va_share_manufacturing", "23", 2022) == pytest.approx(100 * mfg / subtotal, rel=1e-12)
    lq = value(wh, "va_lq_manufacturing", "23", 2022)
    assert lq == pytest.approx((mfg / subtotal) / (nat_mfg / nat_sub), rel=1e-12)
    assert 1.5 < lq < 2.0  # 愛知 is specialised in manufacturing (36 % of its value added vs 21 % nationally)
    assert value(wh, "va_total", "23", 2022) == raw[("23", 2022, "県内総生産（合計）")]


def test_hokkaido_agriculture_2015(wh: duckdb.DuckDBPyConnection) -> None:
    raw = raw_emp()
    a = emp_column("A")
    part, total = raw["北海道"][a], raw["北海道"]["総数"]
    assert value(wh, "emp2015_agriculture_forestry", "01", 2015) == part == 138_740
    assert value(wh, "emp2015_total", "01", 2015) == total == 2_435_098
    assert value(wh, "emp2015_share_agriculture_forestry", "01", 2015) == pytest.approx(100 * part / total, rel=1e-12)
    national = raw["全国"][a] / raw["全国"]["総数"]
    assert value(wh, "emp2015_lq_agriculture_forestry", "01", 2015) == pytest.approx(
        (part / total) / national, rel=1e-12
    )
    # the file's 全国 row is what the marts' sum of the 47 prefectures gives
    assert value(wh, "emp2015_agriculture_forestry", "00", 2015) == raw["全国"][a] == 2_067_952
    assert value(wh, "emp2015_total", "00", 2015) == raw["全国"]["総数"] == 58_919_036


def test_every_census_cell_loaded(wh: duckdb.DuckDBPyConnection) -> None:
    raw = raw_emp()
    names = dict(wh.execute("SELECT region_code, name_ja FROM marts.regions WHERE level = 'prefecture'").fetchall())
    got = {
        (i, r): v
        for i, r, v in wh.execute(
            "SELECT indicator_id, region_code, value FROM marts.observations WHERE indicator_id LIKE 'emp2015_%' "
            "AND indicator_id NOT LIKE 'emp2015_share_%' AND indicator_id NOT LIKE 'emp2015_lq_%' AND period = 2015 "
            "AND length(region_code) = 2 AND region_code <> '00'"
        ).fetchall()
    }
    columns = {f"emp2015_{key}": emp_column(letter) for letter, key in EMP_KEYS.items()}
    columns |= {"emp2015_total": "総数"}
    columns |= {f"emp2015_sector{k}": f"（再掲）第{'１２３'[k - 1]}次産業" for k in (1, 2, 3)}
    expected = {}
    for code, name in names.items():
        short = name if name == "北海道" else name[:-1]
        for iid, col in columns.items():
            expected[(iid, code)] = raw[short][col]
    assert got == expected


def test_tokyo_area_manufacturing_is_the_sum_of_11_to_14(wh: duckdb.DuckDBPyConnection) -> None:
    raw = raw_va()
    assert TOKYO_AREA_CODES == ("11", "12", "13", "14")
    for year in range(2011, 2023):
        expected = sum(raw[(c, year, "製造業")] for c in TOKYO_AREA_CODES)
        assert value(wh, "va_manufacturing", "TKY", year) == expected, year


def test_va_total_equals_gdp_nominal(wh: duckdb.DuckDBPyConnection) -> None:
    """Same ESRI release: the industry table's 県内総生産（合計） is 総括表1's 県内総生産 (incl. 佐賀 FY2022)."""
    raw = raw_va()
    for (code, year, label), v in raw.items():
        if label == "県内総生産（合計）":
            assert value(wh, "gdp_nominal", code, year) == v, (code, year)
    assert raw[("41", 2022, "県内総生産（合計）")] == 3_279_773


# ---------------------------------------------------------------- identities


def _shares(wh: duckdb.DuckDBPyConnection, measure: str) -> dict[tuple[str, int], list[float]]:
    out: dict[tuple[str, int], list[float]] = defaultdict(list)
    for r, p, v in wh.execute(
        "SELECT o.region_code, o.period, o.value FROM marts.observations o "
        "JOIN marts.industries i ON o.indicator_id = i.share_id WHERE i.measure = ?",
        [measure],
    ).fetchall():
        out[(r, p)].append(v)
    return out


@pytest.mark.parametrize(("measure", "n", "periods"), [("va", 16, 12), ("emp2015", 20, 1)])
def test_shares_sum_to_100_in_every_region_and_year(
    wh: duckdb.DuckDBPyConnection, measure: str, n: int, periods: int
) -> None:
    shares = _shares(wh, measure)
    assert len(shares) == 50 * periods  # 47 prefectures, TKY, NTK, 00
    for key, values in shares.items():
        assert len(values) == n, key
        assert sum(values) == pytest.approx(100, abs=1e-9), key
        assert all(0 <= v <= 100 for v in values), key


def test_national_location_quotient_is_one(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        "SELECT i.measure, i.key, o.period, o.value FROM marts.observations o "
        "JOIN marts.industries i ON o.indicator_id = i.lq_id WHERE o.region_code = '00'"
    ).fetchall()
    assert len(rows) == 16 * 12 + 20
    assert all(v == 1.0 for *_, v in rows), [r for r in rows if r[3] != 1.0][:5]


def test_tokyo_area_location_quotient_is_a_ratio_of_sums(wh: duckdb.DuckDBPyConnection) -> None:
    raw = raw_va()
    prefs = [f"{n:02d}" for n in range(1, 48)]

    def share(codes: list[str] | tuple[str, ...]) -> float:
        part = sum(raw[(c, 2022, "情報通信業")] for c in codes)
        return part / sum(raw[(c, 2022, label)] for c in codes for label in VA_KEYS.values())

    assert value(wh, "va_lq_ict", "TKY", 2022) == pytest.approx(share(TOKYO_AREA_CODES) / share(prefs), rel=1e-12)


def test_location_quotients_positive(wh: duckdb.DuckDBPyConnection) -> None:
    (n, low) = wh.execute(  # type: ignore[misc]
        "SELECT count(*), min(o.value) FROM marts.observations o JOIN marts.industries i ON o.indicator_id = i.lq_id"
    ).fetchone()
    assert n == 50 * (16 * 12 + 20)
    assert low > 0


def test_check_notes_name_the_subtotal_difference(warehouse_path: Path) -> None:
    from etl.pipeline import check_with_notes

    failures, notes = check_with_notes(warehouse_path)
    assert failures == []
    industry = [n for n in notes if n.startswith("[industry]")]
    assert any("va_subtotal" in n and "va_total" in n and "564 prefecture-years" in n for n in industry), industry
    assert any("va_total = gdp_nominal" in n and "564 of 564" in n for n in industry), industry
    assert any("emp2015_total = census_employed_residence" in n and "50 of 50" in n for n in industry), industry


def test_queries_industries(use_warehouse: Path) -> None:
    from kpidash.data import queries

    df = queries.industries()
    assert list(df.columns) == [
        "measure", "key", "sort_order", "code", "name_ja", "name_en", "sector", "raw_label", "indicator_id",
        "share_id", "lq_id",
    ]  # fmt: skip
    assert df.groupby("measure").size().to_dict() == {"emp2015": 20, "va": 16}
    assert list(df.loc[df["measure"] == "va", "key"]) == list(VA_KEYS)
