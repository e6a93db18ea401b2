"""Public data API (/api/v1 indicators, regions, data.{json,csv,xlsx,zip}, openapi.json) on the real warehouse.

Expected values are read independently from the warehouse file with DuckDB (read-only), never copied from the code.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import urllib.parse
import zipfile
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.conftest import open_readonly

pytestmark = pytest.mark.integration

DATA_ENDPOINTS = ["data.json", "data.csv", "data.xlsx", "data.zip"]


def _wh_df(path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = open_readonly(path)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _expected_query(ids: list[str], regions: list[str] | None, lo: int | None, hi: int | None) -> tuple[str, list[Any]]:
    """An independent query for the rows the API should return (plain IN lists, BETWEEN, no shared code), with every
    column a row has and the region's sort_key."""
    sql = (
        "SELECT o.indicator_id, i.name_ja AS indicator_name_ja, o.region_code, r.name_ja AS region_name_ja, o.period, "
        "i.period_type, o.value, i.unit, o.source_id, o.derivation, r.sort_key "
        "FROM marts.observations o, marts.indicators i, marts.regions r "
        "WHERE o.indicator_id = i.indicator_id AND o.region_code = r.region_code "
        f"AND o.indicator_id IN ({', '.join('?' * len(ids))})"
    )
    params: list[Any] = list(ids)
    if regions is not None:
        sql += f" AND o.region_code IN ({', '.join('?' * len(regions))})"
        params += regions
    sql += " AND o.period BETWEEN ? AND ?"
    params += [lo if lo is not None else -1, hi if hi is not None else 99999]
    return sql, params


def _expected(path, ids: list[str], regions: list[str] | None, lo: int | None, hi: int | None) -> pd.DataFrame:
    """The rows the API should return, by an independent query."""
    return _wh_df(path, *_expected_query(ids, regions, lo, hi))


def _by_key(rows) -> dict[tuple[str, str, int], float]:
    return {(r["indicator_id"], r["region_code"], int(r["period"])): r["value"] for r in rows}


# ----------------------------------------------------------------------------------------------- parameter errors

BAD_400 = [
    ("", "indicators"),  # required
    ("indicators=", "indicators"),  # empty list
    ("indicators=%20", "indicators"),
    ("indicators=gdp_nominal,", "indicators"),  # empty item
    ("indicators=gdp_nominal,,pop_all_total", "indicators"),
    ("indicators=gdp_nominal;DROP%20TABLE", "indicators"),  # bad characters
    ("indicators=gdp_nominal'--", "indicators"),
    ("indicators=%E7%B7%8F%E4%BA%BA%E5%8F%A3", "indicators"),  # 総人口 (names are not ids)
    ("indicators=" + "a" * 65, "indicators"),  # id too long
    ("indicators=" + ",".join(["a" * 60] * 40), "indicators"),  # parameter too long
    ("indicators=" + ",".join(f"x{i}" for i in range(21)), "indicators"),  # over the 20-indicator limit
    ("indicators=gdp_nominal&indicators=pop_all_total", "indicators"),  # repeated
    ("indicators=gdp_nominal&regions=", "regions"),
    ("indicators=gdp_nominal&regions=TKY,,NTK", "regions"),
    ("indicators=gdp_nominal&regions=TKY;NTK", "regions"),
    ("indicators=gdp_nominal&regions=%00", "regions"),
    ("indicators=gdp_nominal&regions=123456789", "regions"),
    ("indicators=gdp_nominal&regions=" + ",".join(["01"] * 8000), "regions"),
    ("indicators=gdp_nominal&from=abc", "from"),
    ("indicators=gdp_nominal&from=2015.5", "from"),
    ("indicators=gdp_nominal&from=20150", "from"),
    ("indicators=gdp_nominal&from=", "from"),
    ("indicators=gdp_nominal&to=-2015", "to"),
    ("indicators=gdp_nominal&to=1e3", "to"),
    ("indicators=gdp_nominal&from=2020&to=2015", "from"),  # from > to
    ("indicators=gdp_nominal&region=TKY", "region"),  # unknown parameter (typo of regions)
    ("indicators=gdp_nominal&%FF=1", "%FF"),  # undecodable parameter name
]


@pytest.mark.parametrize("endpoint", DATA_ENDPOINTS)
@pytest.mark.parametrize(("qs", "parameter"), BAD_400)
def test_malformed_parameters_are_400(client, endpoint, qs, parameter):
    r = client.get(f"/api/v1/{endpoint}?{qs}")
    assert r.status_code == 400, r.data[:300]
    body = r.get_json()
    assert body["parameter"] == parameter
    assert body["error"]


@pytest.mark.parametrize("endpoint", DATA_ENDPOINTS)
def test_limits_named_in_400(client, endpoint, warehouse_path, monkeypatch):
    ids = _wh_df(warehouse_path, "SELECT indicator_id FROM marts.indicators ORDER BY indicator_id LIMIT 21")
    r = client.get(f"/api/v1/{endpoint}?indicators={','.join(ids['indicator_id'])}")
    assert r.status_code == 400
    assert r.get_json()["parameter"] == "indicators" and r.get_json()["limit"] == 20 and "20" in r.get_json()["error"]

    # the row limit: lowered here, because no 20 real indicators reach 200,000 rows in this warehouse
    from kpidash.api import routes as api_module

    n = int(
        _wh_df(warehouse_path, "SELECT count(*) AS n FROM marts.observations WHERE indicator_id = 'pop_all_total'")[
            "n"
        ][0]
    )
    monkeypatch.setattr(api_module, "MAX_ROWS", n - 1)
    r = client.get(f"/api/v1/{endpoint}?indicators=pop_all_total")
    assert r.status_code == 400
    body = r.get_json()
    assert body["limit"] == n - 1 and body["rows"] == n and body["parameter"] == "indicators"
    monkeypatch.setattr(api_module, "MAX_ROWS", n)
    assert client.get(f"/api/v1/{endpoint}?indicators=pop_all_total").status_code == 200


@pytest.mark.parametrize("endpoint", DATA_ENDPOINTS)
def test_unknown_ids_are_404_naming_them(client, endpoint):
    r = client.get(f"/api/v1/{endpoint}?indicators=gdp_nominal,no_such_indicator")
    assert r.status_code == 404
    body = r.get_json()
    assert body["parameter"] == "indicators" and body["unknown"] == ["no_such_indicator"]
    assert "no_such_indicator" in body["error"]
    r = client.get(f"/api/v1/{endpoint}?indicators=gdp_nominal&regions=TKY,48,99999")
    assert r.status_code == 404
    body = r.get_json()
    assert body["parameter"] == "regions" and body["unknown"] == ["48", "99999"]


def test_encoding_parameter(client):
    r = client.get("/api/v1/data.csv?indicators=gdp_nominal&encoding=latin-1")
    assert r.status_code == 400 and r.get_json()["parameter"] == "encoding"
    # encoding is a CSV option only
    r = client.get("/api/v1/data.json?indicators=gdp_nominal&encoding=utf-8")
    assert r.status_code == 400 and r.get_json()["parameter"] == "encoding"


def test_regions_level(client, warehouse_path):
    expected = _wh_df(warehouse_path, "SELECT region_code, level, sort_key FROM marts.regions ORDER BY sort_key")
    r = client.get("/api/v1/regions")
    assert r.status_code == 200
    rows = r.get_json()
    assert [x["region_code"] for x in rows] == expected["region_code"].tolist()
    assert {"region_code", "name_ja", "name_en", "level"} <= set(rows[0])
    for level, group in expected.groupby("level"):
        got = client.get(f"/api/v1/regions?level={level}").get_json()
        assert [x["region_code"] for x in got] == group["region_code"].tolist()
        assert {x["level"] for x in got} == {level}
    for bad in ("county", "", "PREFECTURE", "prefecture'"):
        r = client.get("/api/v1/regions", query_string={"level": bad})
        assert r.status_code == 400 and r.get_json()["parameter"] == "level"
    r = client.get("/api/v1/regions?levels=prefecture")
    assert r.status_code == 400 and r.get_json()["parameter"] == "levels"


def test_indicators_catalogue(client, warehouse_path):
    expected = _wh_df(warehouse_path, "SELECT * FROM marts.indicators")
    r = client.get("/api/v1/indicators")
    assert r.status_code == 200
    rows = r.get_json()
    assert sorted(x["id"] for x in rows) == sorted(expected["indicator_id"])
    by_id = {x["id"]: x for x in rows}
    for e in expected.itertuples():
        got = by_id[e.indicator_id]
        assert (got["name_ja"], got["unit"], got["period_type"], got["source_id"], got["theme"]) == (
            e.name_ja,
            e.unit,
            e.period_type,
            e.source_id,
            e.theme,
        )
        assert (got["first_period"], got["last_period"], got["additive"]) == (
            e.first_period,
            e.last_period,
            e.additive,
        )
        assert got["caveats"] == (e.caveats if isinstance(e.caveats, str) else None)
        assert got["proxy"] == (isinstance(e.caveats, str) and "代理指標" in e.caveats)


# --------------------------------------------------------------------------------------------------- values


def test_data_json_equals_warehouse_with_aggregates_and_municipalities(client, warehouse_path):
    munis = _wh_df(
        warehouse_path,
        "SELECT region_code FROM marts.regions WHERE level = 'municipality' ORDER BY sort_key LIMIT 2",
    )["region_code"].tolist()
    ids = ["pop_all_total", "gdp_nominal", "net_migration_all"]
    regions = ["TKY", "NTK", "00", "13", "01", *munis]
    r = client.get(f"/api/v1/data.json?indicators={','.join(ids)}&regions={','.join(regions)}&from=2015&to=2023")
    assert r.status_code == 200
    body = r.get_json()
    exp = _expected(warehouse_path, ids, regions, 2015, 2023)
    assert body["count"] == len(body["data"]) == len(exp) > 0
    assert _by_key(body["data"]) == _by_key(exp.to_dict("records"))  # exact float equality
    got_regions = {x["region_code"] for x in body["data"]}
    assert {"TKY", "NTK", "00", *munis} <= got_regions  # aggregates and municipalities are returned when asked
    row = next(x for x in body["data"] if x["region_code"] == munis[0])
    e = exp[exp["region_code"] == munis[0]].iloc[0]
    assert (row["region_name_ja"], row["unit"], row["source_id"]) == (e.region_name_ja, e.unit, e.source_id)
    # order: indicators as asked, then JIS/sort_key order of regions, then period
    sort_key = dict(zip(exp["region_code"], exp["sort_key"], strict=False))
    keys = [(ids.index(x["indicator_id"]), sort_key[x["region_code"]], x["period"]) for x in body["data"]]
    assert keys == sorted(keys)
    # the 出典 line is built from marts.sources of the sources used
    cites = _wh_df(warehouse_path, "SELECT source_id, citation_ja FROM marts.sources").set_index("source_id")
    for s in exp["source_id"].unique():
        assert cites.at[s, "citation_ja"] in body["citation_ja"]
    assert body["citation_ja"].startswith("出典：") and body["citation_ja"].endswith("を加工して作成")


def test_aggregates_are_sums_and_absent_for_non_additive(client, warehouse_path):
    r = client.get("/api/v1/data.json?indicators=net_migration_all&regions=TKY,11,12,13,14&from=2020&to=2020")
    rows = {x["region_code"]: x["value"] for x in r.get_json()["data"]}
    assert rows["TKY"] == sum(rows[c] for c in ("11", "12", "13", "14"))
    non_additive = _wh_df(
        warehouse_path, "SELECT indicator_id FROM marts.indicators WHERE NOT additive AND NOT has_aggregates LIMIT 1"
    )["indicator_id"][0]
    r = client.get(f"/api/v1/data.json?indicators={non_additive}&regions=TKY,NTK")
    assert r.status_code == 200 and r.get_json()["count"] == 0 == len(
        _expected(warehouse_path, [non_additive], ["TKY", "NTK"], None, None)
    )


def test_regions_omitted_means_all_and_lowercase_codes_accepted(client, warehouse_path):
    r = client.get("/api/v1/data.json?indicators=gdp_real&from=2022")
    exp = _expected(warehouse_path, ["gdp_real"], None, 2022, None)
    assert _by_key(r.get_json()["data"]) == _by_key(exp.to_dict("records")) and len(exp) > 0
    r = client.get("/api/v1/data.json?indicators=gdp_nominal&regions=tky,ntk&to=2012")
    assert {x["region_code"] for x in r.get_json()["data"]} == {"TKY", "NTK"}


def test_data_csv_utf8_bom_equals_warehouse(client, warehouse_path):
    url = "/api/v1/data.csv?indicators=gdp_nominal,net_migration_all&regions=TKY,NTK,00,13&from=2014&to=2022"
    r = client.get(url)
    assert r.status_code == 200
    assert r.data.startswith(b"\xef\xbb\xbf")
    assert r.headers["Content-Type"].startswith("text/csv")
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment;") and re.search(r'filename="[A-Za-z0-9_.\-]+\.csv"', cd)
    df = pd.read_csv(io.BytesIO(r.data), encoding="utf-8-sig", dtype={"region_code": str})
    assert {"indicator_id", "region_code", "region_name_ja", "period", "value", "unit", "source_id"} <= set(df.columns)
    exp = _expected(warehouse_path, ["gdp_nominal", "net_migration_all"], ["TKY", "NTK", "00", "13"], 2014, 2022)
    assert _by_key(df.to_dict("records")) == _by_key(exp.to_dict("records"))
    assert (df["value"] < 0).any()  # net migration has negative values: numbers, not neutralised text


def test_data_csv_cp932(client, warehouse_path):
    ind = _wh_df(warehouse_path, "SELECT indicator_id, unit FROM marts.indicators WHERE unit LIKE '%²%' LIMIT 1")
    iid, unit = ind["indicator_id"][0], ind["unit"][0]
    r = client.get(f"/api/v1/data.csv?indicators={iid},pop_all_total&regions=13,01&encoding=cp932")
    assert r.status_code == 200 and "Windows-31J" in r.headers["Content-Type"]
    assert not r.data.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(r.data), encoding="cp932", dtype={"region_code": str})
    exp = _expected(warehouse_path, [iid, "pop_all_total"], ["13", "01"], None, None)
    assert _by_key(df.to_dict("records")) == _by_key(exp.to_dict("records"))
    assert set(df.loc[df["indicator_id"] == iid, "unit"]) == {unit.replace("²", "2")}
    names = dict(zip(exp["region_code"], exp["region_name_ja"], strict=False))
    assert all(df["region_name_ja"] == df["region_code"].map(names))


def test_data_xlsx(client, warehouse_path):
    url = "/api/v1/data.xlsx?indicators=gdp_per_working_age_nominal,pop_all_total&regions=TKY,NTK,13&from=2015&to=2020"
    r = client.get(url)
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith('.xlsx"')
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb["データ"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)]
    exp = _expected(warehouse_path, ["gdp_per_working_age_nominal", "pop_all_total"], ["TKY", "NTK", "13"], 2015, 2020)
    assert len(rows) == len(exp) > 0
    assert all(isinstance(x["value"], int | float) and isinstance(x["period"], int) for x in rows)
    got = _by_key(rows)
    for k, v in _by_key(exp.to_dict("records")).items():
        assert got[k] == pytest.approx(v, rel=1e-15)
    notes = "\n".join(str(v) for row in wb["注記"].iter_rows(values_only=True) for v in row if v is not None)
    cites = _wh_df(warehouse_path, "SELECT source_id, citation_ja FROM marts.sources").set_index("source_id")
    for s in exp["source_id"].unique():
        assert cites.at[s, "citation_ja"] in notes
    assert "出典：" in notes and "を加工して作成" in notes and "代理指標" in notes
    assert "http://localhost" + url in notes  # the permalink


def test_data_zip(client, warehouse_path):
    url = "/api/v1/data.zip?indicators=net_migration_all_f&regions=TKY,NTK&from=2015"
    r = client.get(url)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.data))
    assert sorted(zf.namelist()) == ["README.txt", "data.csv", "metadata.json"]
    data_csv, meta_json, readme = zf.read("data.csv"), zf.read("metadata.json"), zf.read("README.txt").decode()
    for name, blob in (("data.csv", data_csv), ("metadata.json", meta_json)):
        assert re.search(rf"^\s+{hashlib.sha256(blob).hexdigest()}\s+{re.escape(name)}$", readme, flags=re.M)
    meta = json.loads(meta_json)
    assert meta["query_url"] == "http://localhost" + url and meta["query_url"] in readme
    assert meta["generated_at"] and meta["licences"] and meta["indicators"][0]["indicator_id"] == "net_migration_all_f"
    df = pd.read_csv(io.BytesIO(data_csv), encoding="utf-8-sig")
    exp = _expected(warehouse_path, ["net_migration_all_f"], ["TKY", "NTK"], 2015, None)
    assert _by_key(df.to_dict("records")) == _by_key(exp.to_dict("records"))
    lic = _wh_df(warehouse_path, "SELECT licence FROM marts.sources WHERE source_id = ?", [exp["source_id"][0]])
    assert lic["licence"][0] in readme and "出典：" in readme and "Citation (English)" in readme


def test_existing_kpis_unchanged(client):
    r = client.get("/api/v1/kpis")
    assert r.status_code == 200 and isinstance(r.get_json(), list)
    assert client.get("/api/v1/kpis/no_such").status_code == 404


# ------------------------------------------------------------------------------------------------------ openapi


def test_openapi_describes_every_route(client):
    from kpidash.api.routes import api

    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = json.loads(r.data)
    assert doc["openapi"].startswith("3.1")
    app = client.application
    routes = {
        re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(api.name + ".")
    }
    assert routes == set(doc["paths"])
    assert {"/api/v1/kpis", "/api/v1/kpis/{kpi_id}", "/api/v1/data.csv", "/api/v1/openapi.json"} <= routes

    def resolve(ref: str):
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(node["$ref"])  # KeyError if dangling
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    for path, item in doc["paths"].items():
        for op in item.values():
            assert "200" in op["responses"]
            params = [resolve(p["$ref"]) if "$ref" in p else p for p in op.get("parameters", [])]
            for name in re.findall(r"{(\w+)}", path):
                assert any(p["name"] == name and p["in"] == "path" for p in params)
            if params:
                assert {"400", "404"} & set(op["responses"])
    data_params = {
        resolve(p["$ref"])["name"] for p in doc["paths"]["/api/v1/data.csv"]["get"]["parameters"] if "$ref" in p
    }
    assert data_params == {"indicators", "regions", "from", "to", "encoding"}
    assert {"400", "404"} <= set(doc["paths"]["/api/v1/data.json"]["get"]["responses"])


# ------------------------------------------------------------------------------------------------------- fuzzing

_TEXT = st.text(max_size=30)
_IDS = st.lists(
    st.sampled_from(["gdp_nominal", "pop_all_total", "net_migration_all", "gdp_real", "lfs_unemployment_rate", "x"]),
    min_size=1,
    max_size=4,
).map(",".join)
_REGIONS = st.lists(
    st.sampled_from(["TKY", "NTK", "00", "13", "01", "01100", "tky", "48"]), min_size=1, max_size=4
).map(",".join)
_YEAR = st.integers(1990, 2030).map(str)
_YEARS = st.one_of(_YEAR, _YEAR, _YEAR, st.integers(-100_000, 100_000).map(str), _TEXT)
_EXTRA = st.one_of(st.just({}), st.dictionaries(_TEXT, _TEXT, max_size=1))  # sometimes an unknown parameter
_DATA_QUERY = st.tuples(
    st.fixed_dictionaries(
        {"indicators": st.one_of(_IDS, _IDS, _TEXT)},
        optional={"regions": st.one_of(_REGIONS, _REGIONS, _TEXT), "from": _YEARS, "to": _YEARS},
    ),
    st.one_of(st.just({}), st.just({}), _EXTRA),
).map(lambda t: {**t[1], **t[0]})
_REGIONS_QUERY = st.fixed_dictionaries(
    {},
    optional={
        "level": st.one_of(st.sampled_from(["national", "aggregate", "prefecture", "municipality"]), _TEXT),
    },
)
_QUERY = st.one_of(
    st.tuples(st.just("/api/v1/data.json"), _DATA_QUERY.map(urllib.parse.urlencode)),
    st.tuples(st.just("/api/v1/regions"), _REGIONS_QUERY.map(urllib.parse.urlencode)),
    st.tuples(  # raw, possibly malformed query strings (bad percent escapes, repeated keys, stray separators)
        st.sampled_from(["/api/v1/data.json", "/api/v1/regions"]),
        st.text(max_size=60).map(lambda t: urllib.parse.quote(t, safe="=&,%")),
    ),
)


FUZZED_ACCEPTED = {  # the parameters each fuzzed endpoint accepts (docs/api.md)
    "/api/v1/data.json": ("indicators", "regions", "from", "to"),
    "/api/v1/regions": ("level",),
}


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=_QUERY)
def test_fuzzed_parameters_never_5xx(client, query):
    path, qs = query
    r = client.get(f"{path}?{qs}")
    assert r.status_code in (200, 400, 404), (qs, r.status_code, r.data[:300])
    if r.status_code == 200:
        return
    body = r.get_json()
    # The error names a parameter of the request, or one the endpoint requires, and says what is wrong with it.
    given_names = {k[:64] for k, _ in urllib.parse.parse_qsl(qs, keep_blank_values=True)}
    parameter = body["parameter"]
    assert parameter in given_names | set(FUZZED_ACCEPTED[path]), (qs, body)
    assert isinstance(body["error"], str) and body["error"].strip(), (qs, body)
    if parameter in FUZZED_ACCEPTED[path]:
        own_words = {  # errors about the named things rather than the value's form
            "indicators": ("unknown indicator id(s): ", "the request selects "),
            "regions": ("unknown region code(s): ",),
        }.get(parameter, ())
        assert repr(parameter) in body["error"] or body["error"].startswith(own_words), (qs, body)
    else:
        assert body["error"].startswith("unknown parameter "), (qs, body)
        assert body["allowed"] == list(FUZZED_ACCEPTED[path]), (qs, body)


# ------------------------------------------------------------------------------- data.json body, the row limit

BODY_KEYS = [
    "query",
    "count",
    "columns",
    "citation_ja",
    "licences",
    "caveats",
    "warehouse_built_at",
    "permalink",
    "data",
]
ROW_KEYS = [
    "indicator_id",
    "indicator_name_ja",
    "region_code",
    "region_name_ja",
    "period",
    "period_type",
    "value",
    "unit",
    "source_id",
    "derivation",
]


def _expected_rows(path, ids: list[str], regions: list[str] | None, lo: int | None, hi: int | None) -> list[dict]:
    """Every field of the rows data.json should return, in its order: indicators as asked, regions by sort_key,
    periods ascending (joined and sorted here, independently of the API's code)."""
    sql, params = _expected_query(ids, regions, lo, hi)
    con = open_readonly(path)
    try:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, t, strict=True)) for t in cur.fetchall()]
    finally:
        con.close()
    rows.sort(key=lambda r: (ids.index(r["indicator_id"]), r["sort_key"], r["period"]))
    return [{k: r[k] for k in ROW_KEYS} for r in rows]


def _expected_sources(path, ids: list[str], rows: list[dict]) -> list[str]:
    """Sources an export cites, in order of first appearance: per indicator asked, its catalogue source, the sources
    of its rows, then (for a derived series, from kpi_defs.yaml read with PyYAML) those of its inputs, recursively."""
    import yaml

    from kpidash import config

    defs = yaml.safe_load(config.KPI_DEFS_PATH.read_text(encoding="utf-8"))
    parts = {d["id"]: (d["formula"]["numerator"], d["formula"]["denominator"]) for d in defs["derived_indicators"]}
    catalogue_source = dict(_wh_df(path, "SELECT indicator_id, source_id FROM marts.indicators").values.tolist())
    out: list[str] = []

    def add(s: str) -> None:
        if s not in out:
            out.append(s)

    def visit(iid: str, seen: set[str]) -> None:
        if iid in seen or iid not in catalogue_source:
            return
        add(catalogue_source[iid])
        for r in rows:
            if r["indicator_id"] == iid:
                add(r["source_id"])
        for part in parts.get(iid, ()):
            visit(part, seen | {iid})

    for iid in ids:
        visit(iid, set())
    return out


def _munis(path, n: int) -> list[str]:
    sql = "SELECT region_code FROM marts.regions WHERE level = 'municipality' ORDER BY sort_key LIMIT ?"
    return _wh_df(path, sql, [n])["region_code"].tolist()


PREFS = [f"{i:02d}" for i in range(1, 48)]
BODY_CASES = {
    "benchmark": (["gdp_nominal"], PREFS, 2011, 2022),
    "derived per-capita, rate, proxy": (["gdp_per_working_age_nominal", "lfs_unemployment_rate"], None, None, None),
    "aggregates, municipalities, three indicators": (
        ["net_migration_all", "pop_all_total", "gdp_nominal"],
        ["NTK", "TKY", "00", "13", "01", "MUNI2"],
        2015,
        2023,
    ),
    "all regions of a municipal series": (["pop_all_65plus"], None, 2020, None),
    "nothing selected": (["gdp_nominal"], ["TKY"], 1990, 1991),
}


@pytest.mark.parametrize("case", list(BODY_CASES))
def test_data_json_body_equals_independent_computation(client, warehouse_path, case):
    import os
    from datetime import UTC, datetime

    ids, regions, lo, hi = BODY_CASES[case]
    if regions is not None and "MUNI2" in regions:
        regions = [r for r in regions if r != "MUNI2"] + _munis(warehouse_path, 2)
    qs = {"indicators": ",".join(ids)}
    if regions is not None:
        qs["regions"] = ",".join(regions)
    if lo is not None:
        qs["from"] = str(lo)
    if hi is not None:
        qs["to"] = str(hi)
    url = "/api/v1/data.json?" + urllib.parse.urlencode(qs, safe=",")
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/json"
    text = r.data.decode("utf-8")
    body = json.loads(text)
    # the serialisation: standard separators, non-ASCII as is, keys in the documented order
    assert text == json.dumps(body, ensure_ascii=False, allow_nan=False)
    assert list(body) == BODY_KEYS

    rows = _expected_rows(warehouse_path, ids, regions, lo, hi)
    assert body["data"] == rows  # every field, exact floats, in order
    assert all(list(row) == ROW_KEYS for row in body["data"])
    assert body["count"] == len(rows) and body["columns"] == ROW_KEYS
    assert body["query"] == {"indicators": ids, "regions": regions, "from": lo, "to": hi}
    assert body["permalink"] == "http://localhost" + url
    mtime = os.stat(warehouse_path).st_mtime
    assert body["warehouse_built_at"] == datetime.fromtimestamp(mtime, UTC).isoformat(timespec="seconds")

    sources = _expected_sources(warehouse_path, ids, rows)
    cat = _wh_df(warehouse_path, "SELECT source_id, citation_ja, licence FROM marts.sources").set_index("source_id")
    licences = [cat.at[s, "licence"] for s in sources if cat.at[s, "licence"]]
    assert body["licences"] == list(dict.fromkeys(licences))
    line = body["citation_ja"]
    assert line.startswith("出典：") and line.endswith("を加工して作成")
    for s in sources:  # publisher and title of every source used (several titles of one publisher are merged)
        publisher, title = cat.at[s, "citation_ja"].split("「", 1)
        assert publisher in line and "「" + title in line
    for s in set(cat.index) - set(sources):  # and nothing else (titles unique to a source that is not used)
        title = "「" + cat.at[s, "citation_ja"].split("「", 1)[-1]
        if sum(t.endswith(title) for t in cat["citation_ja"]) == 1:
            assert title not in line, s
    caveats = _wh_df(warehouse_path, "SELECT indicator_id, caveats FROM marts.indicators").set_index("indicator_id")
    expected_caveats = {i: caveats.at[i, "caveats"] for i in ids if isinstance(caveats.at[i, "caveats"], str)}
    assert body["caveats"] == {i: c for i, c in expected_caveats.items() if c}
    if case == "derived per-capita, rate, proxy":
        assert "代理指標" in body["caveats"]["gdp_per_working_age_nominal"] and len(sources) > 1


def test_data_json_rows_equal_the_csv_download(client):
    """data.json and data.csv read their rows by different code paths: same rows, same order, same numbers."""
    qs = "indicators=gdp_per_working_age_nominal,net_migration_all&regions=TKY,NTK,00,13,27&from=2012"
    rows = client.get(f"/api/v1/data.json?{qs}").get_json()["data"]
    df = pd.read_csv(
        io.BytesIO(client.get(f"/api/v1/data.csv?{qs}").data), encoding="utf-8-sig", dtype={"region_code": str}
    )
    assert len(rows) == len(df) > 0
    assert [list(r.values()) for r in rows] == df.astype(object).values.tolist()


def _count(path, ids: list[str], regions: list[str] | None = None) -> int:
    sql = f"SELECT count(*) AS n FROM marts.observations WHERE indicator_id IN ({', '.join('?' * len(ids))})"
    params = list(ids)
    if regions is not None:
        sql += f" AND region_code IN ({', '.join('?' * len(regions))})"
        params += regions
    return int(_wh_df(path, sql, params)["n"][0])


@pytest.mark.parametrize("endpoint", DATA_ENDPOINTS)
def test_row_limit_boundary(client, endpoint, warehouse_path, monkeypatch):
    """Exactly at the limit is answered; one row over is refused with the exact number of rows selected."""
    from kpidash.api import routes as api_module

    monkeypatch.setenv("KPIDASH_VIEW_CACHE", "0")  # a memoised body would be answered whatever the limit is now
    ids, regions = ["gdp_nominal", "pop_all_total"], ["TKY", "NTK", "13", "27"]
    n = _count(warehouse_path, ids, regions)
    assert n > 20
    qs = f"indicators={','.join(ids)}&regions={','.join(regions)}"
    monkeypatch.setattr(api_module, "MAX_ROWS", n)
    r = client.get(f"/api/v1/{endpoint}?{qs}")
    assert r.status_code == 200
    if endpoint == "data.json":
        assert r.get_json()["count"] == len(r.get_json()["data"]) == n
    for limit in (n - 1, n // 2, 1, 0):  # the 400 states the count, not the limit + 1 rows read to detect it
        monkeypatch.setattr(api_module, "MAX_ROWS", limit)
        r = client.get(f"/api/v1/{endpoint}?{qs}")
        assert r.status_code == 400, limit
        body = r.get_json()
        assert (body["rows"], body["limit"], body["parameter"]) == (n, limit, "indicators")
        assert f"selects {n:,} rows" in body["error"] and f"limit is {limit:,} rows" in body["error"]


def test_row_limit_zero_still_answers_an_empty_selection(client, warehouse_path, monkeypatch):
    from kpidash.api import routes as api_module

    monkeypatch.setenv("KPIDASH_VIEW_CACHE", "0")
    assert _count(warehouse_path, ["lfs_unemployment_rate"], ["TKY"]) == 0
    monkeypatch.setattr(api_module, "MAX_ROWS", 0)
    r = client.get("/api/v1/data.json?indicators=lfs_unemployment_rate&regions=TKY")
    assert r.status_code == 200 and r.get_json()["count"] == 0 and r.get_json()["data"] == []


def test_data_json_rows_when_the_catalogue_lags_the_rows(client, warehouse_path, monkeypatch):
    """If the warehouse is swapped between reading the (cached) catalogue and the rows, a row whose region or
    indicator the cached catalogue lacks is still returned, named and ordered, as the warehouse has it."""
    import dataclasses

    from kpidash.data import catalogue

    real = catalogue.index()
    lagging = dataclasses.replace(real, regions={k: v for k, v in real.regions.items() if k not in ("13", "NTK")})
    monkeypatch.setattr(catalogue, "index", lambda path=None: lagging)
    regions = ["NTK", "13", "01", "TKY"]
    r = client.get(f"/api/v1/data.json?indicators=gdp_nominal&regions={','.join(regions)}&from=2015&to=2020")
    assert r.status_code == 200
    rows = _expected_rows(warehouse_path, ["gdp_nominal"], regions, 2015, 2020)
    assert r.get_json()["data"] == rows and {x["region_code"] for x in rows} >= {"13", "NTK"}
