"""Industry loader (etl/loaders/industry.py) on synthetic files written to tmp_path, and the `sum` /
`location_quotient` formulas of etl/derived.py on a toy warehouse computed by hand.

The synthetic files have the real layouts and the real labels (from the YAML the loader reads), with values from
``va_value`` / ``emp_value``; the prefecture master is the project's own file."""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import yaml

from etl import derived
from etl.errors import EtlError
from etl.loaders import industry

REPO = Path(__file__).resolve().parents[2]
MASTER = REPO / "data" / "raw" / "prefecture_master" / "prefecture_master.csv"
YAML_DEFS = yaml.safe_load(industry.YAML_PATH.read_text(encoding="utf-8"))
VA, EMP = (next(m for m in YAML_DEFS["measures"] if m["measure"] == k) for k in ("va", "emp2015"))
VA_LABELS = [i["label"] for i in VA["industries"] + VA["aggregates"]]
EMP_LABELS = [i["label"] for i in EMP["industries"] + EMP["aggregates"]]
VA_FILE = Path(VA["file"])
EMP_FILE = Path(EMP["file"])
YEARS = (2021, 2022)

Rows = list[list[str]]


def master_rows() -> list[dict[str, str]]:
    with MASTER.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


PREFS = [(r["pref_code"], r["name_ja"]) for r in master_rows()]


def va_value(n: int, j: int, year: int) -> int:
    """Prefecture number n (1–47), item index j in VA_LABELS."""
    return 1000 * n + 10 * j + (year - 2020)


def emp_value(n: int, j: int) -> int:
    return 100_000 + 1000 * n + 7 * j


def short(name: str) -> str:
    return name if name == "北海道" else name[:-1]


def va_rows() -> Rows:
    rows = [["pref_code", "name_ja", "fiscal_year", "industry_ja", "value_million_yen"]]
    for n, (code, name) in enumerate(PREFS, start=1):
        for y in YEARS:
            rows += [[code, name, str(y), label, str(va_value(n, j, y))] for j, label in enumerate(VA_LABELS)]
    return rows


def emp_rows() -> Rows:
    head = ["表章項目", "男女別_2015", "時間軸（調査年）", "地域2015", "/産業大分類2015"]
    lead = ["就業者数【人】", "総数（男女別）", "2015年"]
    body = [[*lead, short(name), "", *(f"{emp_value(n, j):,}" for j in range(len(EMP_LABELS)))]
            for n, (_, name) in enumerate(PREFS, start=1)]  # fmt: skip
    national = [f"{sum(emp_value(n, j) for n in range(1, 48)):,}" for j in range(len(EMP_LABELS))]
    return [[*head, *EMP_LABELS], [*lead, "全国", "", *national], *body]


def write_csv(path: Path, rows: Rows, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def sidecar(path: Path, source_id: str) -> None:
    meta = dict.fromkeys(("publisher", "title", "table_name", "url", "vintage", "licence", "citation_ja"), "test")
    meta |= {"source_id": source_id, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")


def raw_dir(
    tmp_path: Path, va: Callable[[Rows], None] | None = None, emp: Callable[[Rows], None] | None = None
) -> Path:
    """A raw folder with the master and the two synthetic files (mutated by ``va`` / ``emp``, sidecars updated)."""
    root = tmp_path / "raw"
    (root / "prefecture_master").mkdir(parents=True)
    shutil.copy(MASTER, root / "prefecture_master" / MASTER.name)
    shutil.copy(MASTER.with_name(MASTER.name + ".meta.yaml"), root / "prefecture_master")
    for rel, rows_fn, mutate, enc, sid in (
        (VA_FILE, va_rows, va, "utf-8", VA["source_id"]),
        (EMP_FILE, emp_rows, emp, "cp932", EMP["source_id"]),
    ):
        rows = rows_fn()
        if mutate:
            mutate(rows)
        write_csv(root / rel, rows, enc)
        sidecar(root / rel, sid)
    return root


def load_error(tmp_path: Path, **mutations: Callable[[Rows], None]) -> EtlError:
    with pytest.raises(EtlError) as exc:
        industry.load(raw_dir(tmp_path, **mutations))
    return exc.value


# ------------------------------------------------------------------------------------------------ loading


def test_synthetic_files_load(tmp_path: Path) -> None:
    r = industry.load(raw_dir(tmp_path))
    obs = r.observations.set_index(["indicator_id", "region_code", "period"])["value"]
    n_va, n_emp = len(VA_LABELS), len(EMP_LABELS)
    assert len(obs) == 47 * len(YEARS) * n_va + 47 * n_emp
    aichi = [c for c, _ in PREFS].index("23") + 1
    assert obs[("va_manufacturing", "23", 2022)] == va_value(aichi, VA_LABELS.index("製造業"), 2022)
    assert obs[("va_total", "23", 2021)] == va_value(aichi, VA_LABELS.index("県内総生産（合計）"), 2021)
    assert obs[("emp2015_fisheries", "01", 2015)] == emp_value(1, EMP_LABELS.index("Ｂ漁業"))
    assert obs[("emp2015_total", "47", 2015)] == emp_value(47, EMP_LABELS.index("総数"))
    # only the 47 prefectures: the marts build 00/TKY/NTK
    assert set(r.observations["region_code"]) == {c for c, _ in PREFS}
    assert {s["source_id"] for s in r.sources} == {"esri2022_industry", "census2015_industry"}
    table = r.tables["industries"]
    assert list(table.loc[table["measure"] == "va", "key"])[:3] == ["agriculture", "mining", "manufacturing"]
    assert table.groupby("measure").size().to_dict() == {"emp2015": 20, "va": 16}
    assert {d.id for d in r.derived} >= {"va_subtotal", "va_share_ict", "va_lq_ict", "emp2015_lq_unclassified"}


def _set(rows: Rows, row: int, col: str, value: str) -> None:
    rows[row - 1][rows[0].index(col)] = value


def test_va_bad_number_names_file_row_and_column(tmp_path: Path) -> None:
    err = load_error(tmp_path, va=lambda rows: _set(rows, 5, "value_million_yen", "12x"))
    assert err.file and err.file.endswith(VA_FILE.name)
    assert (err.row, err.key) == (5, "value_million_yen")
    assert "'12x'" in str(err)


def test_va_missing_industry_names_prefecture_year_and_item(tmp_path: Path) -> None:
    def drop(rows: Rows) -> None:
        rows[:] = [r for r in rows if not (r[0] == "13" and r[2] == "2022" and r[3] == "製造業")]

    err = load_error(tmp_path, va=drop)
    assert err.file and err.file.endswith(VA_FILE.name)
    assert "'製造業'" in str(err) and "pref_code=13" in str(err) and "fiscal_year=2022" in str(err)


def test_va_unknown_item_and_duplicate_and_wrong_name(tmp_path: Path) -> None:
    err = load_error(tmp_path, va=lambda rows: _set(rows, 3, "industry_ja", "製造業（再掲）"))
    assert (err.row, err.key) == (3, "industry_ja") and "製造業（再掲）" in str(err)
    err = load_error(tmp_path / "dup", va=lambda rows: rows.append(list(rows[1])))
    assert "duplicated key" in str(err) and err.row == len(va_rows()) + 1
    err = load_error(tmp_path / "name", va=lambda rows: _set(rows, 2, "name_ja", "青森県"))
    assert (err.row, err.key) == (2, "name_ja")


def test_census_bad_number_names_row_and_column(tmp_path: Path) -> None:
    err = load_error(tmp_path, emp=lambda rows: _set(rows, 4, "Ｅ製造業", "12,3a4"))
    assert err.file and err.file.endswith(EMP_FILE.name)
    assert (err.row, err.key) == (4, "Ｅ製造業")


def test_census_national_row_must_equal_the_sum_of_prefectures(tmp_path: Path) -> None:
    def bump(rows: Rows) -> None:
        j = rows[0].index("Ｇ情報通信業")
        rows[1][j] = f"{int(rows[1][j].replace(',', '')) + 1:,}"  # 全国 one more than Σ47

    err = load_error(tmp_path, emp=bump)
    assert (err.row, err.key) == (2, "Ｇ情報通信業")
    assert "全国" in str(err) and "sum of the 47 prefectures" in str(err)


def test_census_missing_prefecture_unknown_region_and_unmapped_column(tmp_path: Path) -> None:
    err = load_error(tmp_path, emp=lambda rows: rows.pop(14))  # 東京 (row 15 of the file)
    assert "missing region row(s): 13 東京都" in str(err)
    err = load_error(tmp_path / "r", emp=lambda rows: _set(rows, 3, "地域2015", "北海道庁"))
    assert (err.row, err.key) == (3, "地域2015")

    def extra(rows: Rows) -> None:
        for r in rows:
            r.append("Ｕ新産業" if r is rows[0] else "1")

    err = load_error(tmp_path / "c", emp=extra)
    assert err.key == "Ｕ新産業" and "unmapped column" in str(err)


def test_census_missing_column_and_wrong_label(tmp_path: Path) -> None:
    def drop(rows: Rows) -> None:
        j = rows[0].index("Ｑ複合サービス事業")
        for r in rows:
            del r[j]

    err = load_error(tmp_path, emp=drop)
    assert "missing column(s) Ｑ複合サービス事業" in str(err)
    err = load_error(tmp_path / "y", emp=lambda rows: _set(rows, 6, "時間軸（調査年）", "2020年"))
    assert (err.row, err.key) == (6, "時間軸（調査年）")


def test_sidecar_source_id_must_match_the_yaml(tmp_path: Path) -> None:
    root = raw_dir(tmp_path)
    sidecar(root / VA_FILE, "esri2024_industry")
    with pytest.raises(EtlError, match="source_id must be 'esri2022_industry'"):
        industry.load(root)


# ------------------------------------------------------------------------------------------------ the YAML


def _yaml_error(tmp_path: Path, mutate: Callable[[dict], None]) -> str:
    data = yaml.safe_load(industry.YAML_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "defs.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(EtlError) as exc:
        industry.load_definitions(path)
    assert exc.value.file == str(path)
    return str(exc.value)


def test_yaml_family_expansion() -> None:
    defs = industry.load_definitions()
    ids = [s.id for s in defs.derived]
    assert ids[0] == "va_subtotal" and len(ids) == 1 + 16 * 2 + 20 * 2
    sub = defs.derived[0].formula
    assert isinstance(sub, derived.Sum) and sub.terms[0] == "va_agriculture" and len(sub.terms) == 16
    lq = next(s for s in defs.derived if s.id == "emp2015_lq_manufacturing")
    assert lq.formula == derived.LocationQuotient("emp2015_manufacturing", "emp2015_total", "00")
    assert "製造業" in lq.name_ja and lq.theme == "産業構造"


def test_yaml_errors_name_the_entry(tmp_path: Path) -> None:
    msg = _yaml_error(tmp_path, lambda d: d["derived"][1].update(colour="red"))
    assert "derived[2]" in msg and "colour" in msg
    msg = _yaml_error(tmp_path, lambda d: d["derived"][1].update(name_ja="{nme_ja}の構成比"))
    assert "derived[2]" in msg and "nme_ja" in msg
    msg = _yaml_error(tmp_path, lambda d: d["derived"][1]["formula"].update(denominator="va_subtotl"))
    assert "unknown indicator(s) va_subtotl" in msg
    msg = _yaml_error(tmp_path, lambda d: d["derived"][2]["formula"].update(type="quotient"))
    assert "formula.type must be one of" in msg
    msg = _yaml_error(tmp_path, lambda d: d["measures"][0]["industries"][2].update(order=7))
    assert "industries[3].order" in msg
    msg = _yaml_error(tmp_path, lambda d: d["measures"][1]["industries"][0].update(label="Ｂ漁業"))
    assert "duplicated label 'Ｂ漁業'" in msg


# ------------------------------------------------------------------------------------------------ formulas

# Toy warehouse: two indicators a (part) and d (whole) for prefectures 01, 11, 13 and the aggregates TKY (11 + 13)
# and 00 (all three), in 2020; prefecture 01 has no `b` (a gap for the sum).
TOY = {
    ("a", "01"): 10.0, ("a", "11"): 30.0, ("a", "13"): 60.0,
    ("d", "01"): 40.0, ("d", "11"): 60.0, ("d", "13"): 300.0,
    ("b", "11"): 5.0, ("b", "13"): 7.0,
}  # fmt: skip


@pytest.fixture()
def toy() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE staging.stg_indicators (indicator_id VARCHAR, name_ja VARCHAR, name_en VARCHAR, unit VARCHAR, "
        "period_type VARCHAR, source_id VARCHAR, description VARCHAR, theme VARCHAR, additive BOOLEAN, "
        "decimals BIGINT, caveats VARCHAR)"
    )
    for iid in ("a", "b", "d"):
        con.execute(
            "INSERT INTO staging.stg_indicators VALUES (?, ?, ?, '人', 'reference_date', 'src', '', 't', true, 0, '')",
            [iid, iid, iid],
        )
    con.execute("CREATE TABLE staging.stg_derived_indicators AS SELECT * FROM staging.stg_indicators WHERE false")
    con.execute(
        "CREATE VIEW staging.all_indicators AS SELECT * FROM staging.stg_indicators "
        "UNION ALL SELECT * FROM staging.stg_derived_indicators"
    )
    con.execute(
        "CREATE TABLE marts.observations (indicator_id VARCHAR, region_code VARCHAR, period BIGINT, value DOUBLE, "
        "source_id VARCHAR, derivation VARCHAR)"
    )
    rows = [(i, r, 2020, v, "src", "source") for (i, r), v in TOY.items()]
    for i in ("a", "d"):
        rows.append((i, "TKY", 2020, TOY[(i, "11")] + TOY[(i, "13")], "src", "sum_of_prefectures"))
        rows.append((i, "00", 2020, TOY[(i, "01")] + TOY[(i, "11")] + TOY[(i, "13")], "src", "sum_of_prefectures"))
    con.executemany("INSERT INTO marts.observations VALUES (?, ?, ?, ?, ?, ?)", rows)
    yield con
    con.close()


def spec(iid: str, formula: derived.Formula, unit: str = "") -> derived.Spec:
    return derived.Spec(iid, iid, iid, unit, 2, "産業構造", f"{iid}.", "", formula)


def values(con: duckdb.DuckDBPyConnection, iid: str) -> dict[str, float]:
    rows = con.execute(
        "SELECT region_code, value, derivation FROM marts.observations WHERE indicator_id = ?", [iid]
    ).fetchall()
    assert {d for _, _, d in rows} == {"derived"}
    return {r: v for r, v, _ in rows}


def test_location_quotient_by_hand(toy: duckdb.DuckDBPyConnection) -> None:
    made = derived.materialise_specs(toy, [spec("lq", derived.LocationQuotient("a", "d"))])
    assert made == ["lq"]
    lq = values(toy, "lq")
    national = (10 + 30 + 60) / (40 + 60 + 300)  # 0.25
    assert lq["00"] == 1.0  # exactly
    assert lq["TKY"] == pytest.approx(((30 + 60) / (60 + 300)) / national)  # Σ/Σ: 0.25 / 0.25 = 1.0
    assert lq["01"] == pytest.approx((10 / 40) / national)
    assert lq["11"] == pytest.approx((30 / 60) / national)  # 2.0
    assert lq["13"] == pytest.approx((60 / 300) / national)  # 0.8
    assert lq["TKY"] != pytest.approx((lq["11"] + lq["13"]) / 2)  # not a mean of prefecture quotients
    (desc, additive, ptype) = toy.execute(
        "SELECT description, additive, period_type FROM staging.stg_derived_indicators WHERE indicator_id = 'lq'"
    ).fetchone()  # type: ignore[misc]
    assert "(a ÷ d)[地域] ÷ (a ÷ d)[全国]" in desc and additive is False and ptype == "reference_date"


def test_location_quotient_against_another_reference(toy: duckdb.DuckDBPyConnection) -> None:
    derived.materialise_specs(toy, [spec("lq_tky", derived.LocationQuotient("a", "d", "TKY"))])
    lq = values(toy, "lq_tky")
    assert lq["TKY"] == 1.0
    assert lq["13"] == pytest.approx((60 / 300) / (90 / 360))


def test_sum_by_hand_keeps_gaps_and_is_additive(toy: duckdb.DuckDBPyConnection) -> None:
    derived.materialise_specs(toy, [spec("s", derived.Sum(("a", "b", "d")), unit="人")])
    s = values(toy, "s")
    assert s == {"11": 30 + 5 + 60, "13": 60 + 7 + 300}  # 01 lacks b; TKY/00 lack b: no rows, never a partial sum
    (additive, desc) = toy.execute(
        "SELECT additive, description FROM staging.stg_derived_indicators WHERE indicator_id = 's'"
    ).fetchone()  # type: ignore[misc]
    assert additive is True and "a + b + d" in desc


def test_chained_formulas_in_dependency_order(toy: duckdb.DuckDBPyConnection) -> None:
    """share of a in (a + d), declared before the sum it divides by; aggregates are Σ/Σ."""
    specs = [
        spec("share", derived.Ratio("a", "ad", 100), unit="%"),
        spec("ad", derived.Sum(("a", "d")), unit="人"),
        spec("lq", derived.LocationQuotient("a", "ad")),
    ]
    assert derived.materialise_specs(toy, specs) == ["ad", "share", "lq"]
    share, lq = values(toy, "share"), values(toy, "lq")
    assert share["TKY"] == pytest.approx(100 * 90 / (90 + 360))
    assert share["00"] == pytest.approx(100 * 100 / 500)
    assert lq["00"] == 1.0 and lq["TKY"] == pytest.approx((90 / 450) / (100 / 500))


def test_missing_input_is_skipped_and_cycles_fail(toy: duckdb.DuckDBPyConnection) -> None:
    assert derived.materialise_specs(toy, [spec("x", derived.Ratio("a", "zz"))]) == []
    with pytest.raises(EtlError, match="circular derived formula"):
        derived.materialise_specs(toy, [spec("p", derived.Sum(("a", "q"))), spec("q", derived.Sum(("a", "p")))])


def test_ratio_text_is_unchanged_for_kpi_defs() -> None:
    assert derived.formula_text(derived.Ratio("gdp_nominal_h30", "employed_workplace_h30", 1000)) == (
        "計算式: gdp_nominal_h30 ÷ employed_workplace_h30 × 1000（地域の合計どうしの比）。"
    )
    assert derived.formula_text(derived.Ratio("a", "b")) == "計算式: a ÷ b（地域の合計どうしの比）。"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"type": "sum", "terms": ["a"]}, "at least two"),
        ({"type": "sum", "terms": ["a", "a"]}, "repeats"),
        ({"type": "location_quotient", "numerator": "a"}, "formula.denominator"),
        ({"type": "ratio", "numerator": "a", "denominator": "b", "scale": 0}, "non-zero"),
        ({"type": "location_quotient", "numerator": "a", "denominator": "b", "scale": 2}, r"unknown field\(s\) scale"),
    ],
)
def test_parse_formula_errors(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        derived.parse_formula(raw, "entry 1")


# ------------------------------------------------------------------------------------------------ checks


def test_industry_checks_name_the_differences() -> None:
    """check_industry on a toy warehouse: a sector off by more than rounding, va_total ≠ gdp_nominal of the same
    release, emp2015_total ≠ the census total; a gdp_nominal of another release is not compared."""
    from etl import checks

    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.regions AS SELECT '01' AS region_code, '北海道' AS name_ja, 'prefecture' AS level")
    con.execute(
        "CREATE TABLE marts.industries AS SELECT * FROM (VALUES ('va', 'a', 1, 1, 'va_a', 'va_lq_a'), "
        "('va', 'b', 2, 1, 'va_b', 'va_lq_b'), ('emp2015', 'x', 1, NULL, 'emp2015_x', 'emp2015_lq_x')) "
        "t(measure, key, sort_order, sector, indicator_id, lq_id)"
    )
    obs = {
        ("va_a", 2020): 10.0, ("va_b", 2020): 20.0, ("va_sector1", 2020): 32.0,  # 30 ± 1 allowed (2 terms)
        ("va_subtotal", 2020): 30.0, ("va_total", 2020): 31.0, ("gdp_nominal", 2020): 33.0,
        ("va_lq_a", 2020): 0.0, ("emp2015_x", 2015): 5.0, ("emp2015_total", 2015): 5.0,
        ("census_employed_residence", 2015): 6.0,
    }  # fmt: skip
    con.execute("CREATE TABLE marts.observations (indicator_id VARCHAR, region_code VARCHAR, period BIGINT, "
                "value DOUBLE, source_id VARCHAR)")  # fmt: skip
    for (iid, p), v in obs.items():
        sid = "esri2022_soukatu1" if iid == "gdp_nominal" else "esri2022_industry"
        con.execute("INSERT INTO marts.observations VALUES (?, '01', ?, ?, ?)", [iid, p, v, sid])
    con.execute("CREATE TABLE marts.indicators AS SELECT DISTINCT indicator_id FROM marts.observations")
    failures = checks.check_industry(con)
    assert failures == [
        "va_sector1 / 01 / 2020: sector 32 ≠ Σ of its 2 industries 30",
        "va_total / 01 / 2020: 経済活動別 県内総生産（合計） 31 ≠ gdp_nominal (総括表1, esri2022_soukatu1) 33 "
        "(difference -2 百万円)",
        "emp2015_total / 01 / 2015: 5 ≠ census_employed_residence 6 (difference -1)",
        "va_lq_a / 01 / 2020: location quotient 0.0 is not positive",
    ]
    notes = checks.note_industry(con)
    assert any("is 0.9677 (北海道 2020) to 0.9677 (北海道 2020) over 1 prefecture-years;" in n for n in notes)  # 30/31
    assert any("va_total = gdp_nominal" in n and "0 of 1" in n for n in notes)
    con.execute("UPDATE marts.observations SET source_id = 'esri2024_soukatu1' WHERE indicator_id = 'gdp_nominal'")
    assert not any(f.startswith("va_total") for f in checks.check_industry(con))
    assert any("different ESRI releases: not compared" in n for n in checks.note_industry(con))
    con.close()
