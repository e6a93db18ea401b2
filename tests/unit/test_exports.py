"""Export renderers (CSV / XLSX / ZIP) on crafted frames, and the warehouse-backed helpers on the synthetic warehouse.

Expected values come from the frames built here or from the warehouse read independently with DuckDB / kpi_defs.yaml
read with PyYAML — never from constants copied out of the kpidash modules.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from kpidash.api import exports, exports_xlsx, exports_zip
from kpidash.data import observations
from kpidash.service import provenance

DANGEROUS = ["=1+1", "+81 3", "-x", "@SUM(A1:A9)", "\tHYPERLINK", "\rcmd", "=cmd|' /C calc'!A0"]
SAFE = ["東京圏", "a=b", "1-2", " =leading space", "m²", "総人口（住民基本台帳）"]


def crafted() -> pd.DataFrame:
    """A long-format frame with hostile text, negative numbers, non-integer floats, ints and a missing value."""
    return pd.DataFrame(
        {
            "indicator_id": ["net_migration_all"] * 4 + ["gdp_nominal"] * 3,
            "indicator_name_ja": ["転入超過数", "=1+1", "+81 3", "-x", "@SUM(A1:A9)", "名目GDP", "\tHYPERLINK"],
            "region_code": ["TKY", "NTK", "00", "13", "01", "13101", "47"],
            "region_name_ja": ["東京圏", "東京圏以外", "全国", "東京都", "北海道", "東京都 千代田区", "沖縄県"],
            "period": [2020, 2021, 2022, 2023, 2011, 2012, 2013],
            "value": [-148783.0, 0.1 + 0.2, 12345678901.0, float("nan"), -0.5, 1e-7, 524051006.0],
            "unit": ["人", "人", "人", "人", "百万円", "円/m²", "百万円"],
            "mixed": [-3, "-3", "=A1", 4.5, "ok", None, "@x"],
        }
    )


def _csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


# --------------------------------------------------------------------------------------------- formula injection


def test_csv_neutralises_formula_text_and_leaves_numbers():
    df = crafted()
    data = exports.to_csv_bytes(df)
    rows = _csv_rows(data, "utf-8-sig")
    header, body = rows[0], rows[1:]
    assert header == list(df.columns)
    assert len(body) == len(df)
    for i, row in enumerate(body):
        for j, col in enumerate(df.columns):
            v = df.iat[i, j]
            cell = row[j]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                assert cell == ""
            elif isinstance(v, str):
                expected = "'" + v if v[:1] in {"=", "+", "-", "@", "\t", "\r"} else v
                assert cell == expected, (col, v, cell)
            else:  # numbers are written as numbers: no apostrophe, the same value
                assert not cell.startswith("'")
                assert float(cell) == float(v)
    # negative numbers stay numbers; the text "-3" is neutralised but the number -3 is not
    mixed = [r[df.columns.get_loc("mixed")] for r in body]
    assert mixed[:3] == ["-3", "'-3", "'=A1"]
    assert body[0][df.columns.get_loc("value")] == "-148783"


def test_csv_reads_back_equal_with_pandas():
    df = pd.DataFrame(
        {
            "indicator_id": ["net_migration_all", "net_migration_all", "gdp_nominal", "ssdse_land_price", "x"],
            "region_code": ["TKY", "00", "01", "13101", "47"],
            "region_name_ja": ["東京圏", "全国", "北海道", "東京都 千代田区", "沖縄県"],
            "period": [2020, 2021, 2011, 2022, 2013],
            "value": [-148783.0, 0.1 + 0.2, 12345678901.0, float("nan"), 1e-7],
            "unit": ["人", "人", "百万円", "円/m²", "a=b"],
        }
    )
    data = exports.to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == len(df) + 1
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"region_code": str})
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert back["value"][1] == 0.1 + 0.2  # exact float round trip (repr), not rounded


def test_csv_empty_frame_has_header_only():
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in ["indicator_id", "value"]})
    assert exports.to_csv_bytes(df).decode("utf-8-sig") == "indicator_id,value\r\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8), st.lists(st.floats(allow_nan=False), max_size=8))
def test_csv_neutralisation_property(texts, numbers):
    n = max(len(texts), len(numbers))
    df = pd.DataFrame(
        {
            "t": texts + [""] * (n - len(texts)),
            "x": pd.Series(numbers + [0.0] * (n - len(numbers)), dtype="float64"),
        }
    )
    body = _csv_rows(exports.to_csv_bytes(df), "utf-8-sig")[1:]
    for (t, x), (ct, cx) in zip(df.itertuples(index=False, name=None), body, strict=True):
        assert ct == ("'" + t if t[:1] in {"=", "+", "-", "@", "\t", "\r"} else t)
        assert float(cx) == x


# ---------------------------------------------------------------------------------------------------------- cp932


def test_cp932_round_trip():
    df = pd.DataFrame(
        {
            "region_name_ja": ["東京都 千代田区", "北海道 札幌市", "髙根沢町", "東京圏以外"],
            "indicator_name_ja": ["0～14歳人口", "住宅地価格", "–5 (en dash)", "転入超過数〜"],
            "unit": ["人", "円/m²", "m²", "人"],
            "value": [1.5, -2.0, 3.25, 4.0],
        }
    )
    data = exports.to_csv_bytes(df, "cp932")
    assert not data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="cp932")
    assert back["region_name_ja"].tolist() == df["region_name_ja"].tolist()
    assert back["unit"].tolist() == ["人", "円/m2", "m2", "人"]  # ² has no cp932 code: documented replacement
    # the en dash becomes '-', and is then neutralised like any other leading '-'
    assert back["indicator_name_ja"].tolist() == ["0～14歳人口", "住宅地価格", "'-5 (en dash)", "転入超過数～"]
    assert back["value"].tolist() == df["value"].tolist()


def test_cp932_unrepresentable_character_is_a_clear_error():
    df = pd.DataFrame({"region_code": ["01", "02"], "region_name_ja": ["北海道", "𠮷野家町"], "value": [1.0, 2.0]})
    with pytest.raises(exports.CsvEncodingError) as exc:
        exports.to_csv_bytes(df, "cp932")
    msg = str(exc.value)
    assert "U+20BB7" in msg and "region_name_ja" in msg and "row 2" in msg and "cp932" in msg
    assert exc.value.char == "𠮷"
    exports.to_csv_bytes(df, "utf-8-sig")  # the same frame is fine in UTF-8


def test_unsupported_encoding_rejected():
    with pytest.raises(exports.ExportError, match="latin-1"):
        exports.to_csv_bytes(crafted(), "latin-1")


# ----------------------------------------------------------------------------------------------------------- xlsx

NOTES = {
    "citation_ja": "出典：総務省統計局「住民基本台帳人口移動報告」を加工して作成",
    "citation_en": "Source: created by processing 総務省統計局「住民基本台帳人口移動報告」",
    "licences": ["政府標準利用規約（第2.0版）"],
    "query_url": "http://127.0.0.1:8050/api/v1/data.xlsx?indicators=net_migration_all",
    "warehouse_built_at": "2026-01-01T00:00:00+00:00",
    "generated_at": "2026-01-02T00:00:00+00:00",
    "rows": 7,
    "indicators": [
        {"indicator_id": "net_migration_all", "name_ja": "転入超過数", "unit": "人", "decimals": 0, "caveats": "=x"},
        {"indicator_id": "gdp_nominal", "name_ja": "名目GDP", "unit": "百万円", "decimals": 1, "caveats": ""},
    ],
    "sources": [{"source_id": "migration_sex", "publisher": "総務省統計局", "title": "住民基本台帳人口移動報告"}],
    "columns": {"value": "値"},
}


def test_xlsx_types_layout_and_notes():
    df = crafted()
    wb = load_workbook(io.BytesIO(exports_xlsx.to_xlsx_bytes(df, NOTES)))
    assert wb.sheetnames == ["データ", "注記"]
    ws = wb["データ"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:H{len(df) + 1}"
    assert [c.value for c in ws[1]] == list(df.columns)
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(df)
    vcol, pcol = list(df.columns).index("value"), list(df.columns).index("period")
    for i, row in enumerate(rows):
        assert isinstance(row[pcol], int) and row[pcol] == df["period"][i]
        v = df["value"][i]
        if math.isnan(v):
            assert row[vcol] is None
        else:
            assert isinstance(row[vcol], int | float) and not isinstance(row[vcol], bool)
            assert row[vcol] == pytest.approx(v, rel=1e-15)
    for cell in ws["B"][1:]:  # hostile names are stored as text, never as formulas
        assert cell.data_type == "s"
    names = [c.value for c in ws["B"][1:]]
    assert names[1] == "'=1+1" and names[3] == "'-x" and names[6] == "'\tHYPERLINK"
    mixed = list(ws["H"][1:])
    assert mixed[0].value == -3 and mixed[0].data_type == "n"
    assert mixed[1].value == "'-3"
    assert ws["F2"].number_format == "#,##0" and ws["F6"].number_format == "#,##0.0"  # indicator decimals
    assert all((ws.column_dimensions[c].width or 0) >= 8 for c in "ABCDEFGH")
    assert ws.column_dimensions["D"].width > ws.column_dimensions["E"].width  # Japanese names are wider than years

    notes = "\n".join(str(v) for row in wb["注記"].iter_rows(values_only=True) for v in row if v is not None)
    assert "出典：" in notes and "を加工して作成" in notes
    assert NOTES["query_url"] in notes and NOTES["warehouse_built_at"] in notes
    assert "'=x" in notes  # notes are neutralised too


# ------------------------------------------------------------------------------------------------------------ zip


def test_zip_bundle_contents_and_hashes():
    df = crafted().drop(columns=["mixed"])
    meta = {k: v for k, v in NOTES.items() if k != "query_url"}
    meta["caveats"] = {"net_migration_all": "東京圏は都道府県の合計"}
    url = "http://127.0.0.1:8050/api/v1/data.zip?indicators=net_migration_all,gdp_nominal"
    zf = zipfile.ZipFile(io.BytesIO(exports_zip.zip_bundle(df, meta, url)))
    assert zf.testzip() is None
    assert sorted(zf.namelist()) == ["README.txt", "data.csv", "metadata.json"]
    data_csv, meta_json = zf.read("data.csv"), zf.read("metadata.json")
    readme = zf.read("README.txt").decode("utf-8")
    assert data_csv.startswith(b"\xef\xbb\xbf")
    assert data_csv == exports.to_csv_bytes(df)
    m = json.loads(meta_json)
    assert m["query_url"] == url and m["generated_at"] == NOTES["generated_at"]
    assert m["indicators"] == NOTES["indicators"] and m["licences"] == NOTES["licences"]
    hashes = {name: h for h, name in re.findall(r"^\s+([0-9a-f]{64})\s+(\S+)$", readme, flags=re.M)}
    assert hashes == {
        "data.csv": hashlib.sha256(data_csv).hexdigest(),
        "metadata.json": hashlib.sha256(meta_json).hexdigest(),
    }
    for text in (NOTES["citation_ja"], NOTES["citation_en"], NOTES["licences"][0], url, "東京圏は都道府県の合計"):
        assert text in readme


# ------------------------------------------------------------------------------------- on the real warehouse


def test_citation_line_from_marts_sources(use_fixture_warehouse, fixture_wh):
    cites = dict(fixture_wh.execute("SELECT source_id, citation_ja FROM marts.sources").fetchall())
    line = provenance.citation_line(["esri2022_soukatu1", "ssdse_b"])
    assert line == f"出典：{cites['esri2022_soukatu1']}、{cites['ssdse_b']}を加工して作成"
    # two sources with the same citation are cited once
    assert provenance.citation_line(["esri2022_soukatu1", "esri2022_soukatu2"]) == (
        f"出典：{cites['esri2022_soukatu1']}を加工して作成"
    )
    # same publisher, different titles: the publisher once, every title kept
    line = provenance.citation_line(["migration_sex", "lfs_pref_model"])
    pub = cites["migration_sex"].split("「")[0]
    assert line.startswith("出典：") and line.endswith("を加工して作成") and line.count(pub) == 1
    for s in ("migration_sex", "lfs_pref_model"):
        assert "「" + cites[s].split("「", 1)[1] in line
    with pytest.raises(exports.ExportError, match="no_such_source"):
        provenance.citation_line(["no_such_source"])


def test_long_data_matches_warehouse(use_fixture_warehouse, fixture_wh):
    ids, regions = ["pop_all_total", "gdp_nominal"], ["13", "TKY", "00", "01100", "NTK"]
    df = observations.long_data(ids, regions, 2015, 2020)
    assert list(df.columns) == list(observations.LONG_COLUMNS)
    expected = fixture_wh.execute(
        "SELECT o.indicator_id, o.region_code, o.period, o.value, o.source_id, o.derivation, i.unit, r.name_ja, "
        "r.sort_key FROM marts.observations o JOIN marts.indicators i USING (indicator_id) "
        "JOIN marts.regions r USING (region_code) "
        "WHERE o.indicator_id IN ('pop_all_total', 'gdp_nominal') AND o.region_code IN ('13', 'TKY', '00', '01100', "
        "'NTK') AND o.period BETWEEN 2015 AND 2020"
    ).df()
    assert len(df) == len(expected) > 0
    got = {(r.indicator_id, r.region_code, r.period): r.value for r in df.itertuples()}
    assert got == {(r.indicator_id, r.region_code, r.period): r.value for r in expected.itertuples()}
    # order: indicators as asked, then regions by sort_key, then period
    sort_key = dict(zip(expected["region_code"], expected["sort_key"], strict=False))
    keys = [(ids.index(r.indicator_id), sort_key[r.region_code], r.period) for r in df.itertuples()]
    assert keys == sorted(keys)
    names = dict(zip(expected["region_code"], expected["name_ja"], strict=False))
    assert all(df["region_name_ja"] == df["region_code"].map(names))


def test_metadata_cites_inputs_of_derived_series(use_fixture_warehouse, fixture_wh):
    import yaml

    from kpidash import config

    defs = yaml.safe_load(config.KPI_DEFS_PATH.read_text(encoding="utf-8"))
    d = next(x for x in defs["derived_indicators"] if x["id"] == "gdp_per_working_age_nominal")
    src_of = dict(fixture_wh.execute("SELECT indicator_id, source_id FROM marts.indicators").fetchall())
    expected = {src_of["gdp_per_working_age_nominal"], src_of[d["formula"]["numerator"]]}
    expected.add(src_of[d["formula"]["denominator"]])
    df = observations.long_data(["gdp_per_working_age_nominal"], ["TKY"])
    meta = provenance.metadata(["gdp_per_working_age_nominal"], df, "http://x/q")
    assert {s["source_id"] for s in meta["sources"]} == expected
    cites = dict(fixture_wh.execute("SELECT source_id, citation_ja FROM marts.sources").fetchall())
    for s in expected:
        assert cites[s] in meta["citation_ja"]
    caveat = fixture_wh.execute(
        "SELECT caveats FROM marts.indicators WHERE indicator_id = 'gdp_per_working_age_nominal'"
    ).fetchone()[0]
    assert meta["caveats"] == {"gdp_per_working_age_nominal": caveat} and "代理指標" in caveat
    wb = load_workbook(io.BytesIO(exports_xlsx.to_xlsx_bytes(df, meta)))
    notes = "\n".join(str(v) for row in wb["注記"].iter_rows(values_only=True) for v in row if v is not None)
    assert meta["citation_ja"] in notes and caveat in notes and "http://x/q" in notes
