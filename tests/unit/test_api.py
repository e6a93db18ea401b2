"""API contract on the synthetic warehouse (and data.json on a small crafted one), called through Flask's test client."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

REQUIRED = {
    "id",
    "goal",
    "name_ja",
    "name_en",
    "unit",
    "status",
    "reason_ja",
    "proxy",
    "baseline",
    "latest",
    "target",
    "projection",
}


def test_kpis_list(fixture_client):
    r = fixture_client.get("/api/v1/kpis")
    assert r.status_code == 200
    data = r.get_json()
    assert [k["id"] for k in data] == ["productivity_growth", "living_outlook", "young_women_outside_tokyo"]
    for k in data:
        assert REQUIRED <= set(k)
        assert k["status"] in {"achieved", "on_track", "needs_acceleration", "off_track", "cannot_tell", "no_data"}
        assert isinstance(k["proxy"], bool)
        assert k["target"]["year"] == 2029


def test_kpi_one_and_unknown(fixture_client):
    assert fixture_client.get("/api/v1/kpis/young_women_outside_tokyo").get_json()["goal"] == 3
    r = fixture_client.get("/api/v1/kpis/no_such_kpi")
    assert r.status_code == 404
    assert "no_such_kpi" in r.get_json()["error"]


def test_cli_kpi_status_json(use_fixture_warehouse, capsys):
    import json

    from kpidash.__main__ import main

    assert main(["kpi-status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == {"productivity_growth", "living_outlook", "young_women_outside_tokyo"}


def test_app_refuses_invalid_defs(tmp_path, use_fixture_warehouse, monkeypatch, capsys):
    import app as app_module  # the valid app first; then the same factory with broken definitions
    from kpidash import config

    bad = tmp_path / "kpi_defs.yaml"
    bad.write_text(
        config.KPI_DEFS_PATH.read_text(encoding="utf-8").replace("year: 2029", "year: 2001", 1), encoding="utf-8"
    )
    monkeypatch.setattr(config, "KPI_DEFS_PATH", bad)
    with pytest.raises(SystemExit) as exc:
        app_module.create_app()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "target.year 2001" in err and "kpi_defs.yaml:" in err


# ------------------------------------------------------------------------------- data.json on a crafted warehouse
# What the real warehouse cannot show (the ETL refuses it): missing and non-finite values, names and units missing
# from the catalogue, a region without a sort key, rows from another source than their indicator's catalogue source.

CRAFTED_INDICATORS = [  # indicator_id, name_ja, unit, period_type, source_id, caveats, theme
    ("alpha", "アルファ指標", "人", "calendar_year", "s_a", "【代理指標】アルファの注記", "t1"),
    ("beta", "ベータ指標", None, "fiscal_year", "s_b", None, "t0"),
]
CRAFTED_REGIONS = [  # region_code, name_ja, level, sort_key
    ("00", "全国", "national", 0),
    ("TKY", "東京圏", "aggregate", 1),
    ("X1", None, "aggregate", 5),
    ("01", "北海道", "prefecture", 11),
    ("13", "東京都", "prefecture", 23),
    ("Z9", "未整列", "municipality", None),
]
CRAFTED_SOURCES = [  # source_id, publisher, title, citation_ja, licence
    ("s_a", "公表者A", "表A", "公表者A「表A」", "ライセンスA"),
    ("s_b", "公表者B", "表B", "公表者B「表B」", None),
    ("s_c", "公表者C", "表C", "公表者C「表C」", "ライセンスA"),
]
CRAFTED_OBSERVATIONS = [  # indicator_id, region_code, period, value, source_id, derivation
    ("alpha", "13", 2020, None, "s_a", "source"),
    ("alpha", "01", 2020, math.nan, "s_a", "source"),
    ("alpha", "00", 2020, math.inf, "s_c", "sum_of_prefectures"),
    ("alpha", "TKY", 2020, -0.0, "s_c", "sum_of_prefectures"),
    ("alpha", "13", 2019, 0.1 + 0.2, "s_a", "source"),
    ("alpha", "01", 2019, 1e-7, "s_a", "source"),
    ("alpha", "X1", 2019, 123456789012.5, "s_a", None),
    ("alpha", "Z9", 2019, -5.0, "s_a", "source"),
    ("beta", "13", 2021, 2.0, "s_b", None),
    ("beta", "13", 2022, -math.inf, "s_b", "derived"),
]


@pytest.fixture()
def crafted_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from flask import Flask

    from kpidash.api.routes import api

    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.indicators (indicator_id VARCHAR, name_ja VARCHAR, name_en VARCHAR, unit VARCHAR, "
        "period_type VARCHAR, source_id VARCHAR, description VARCHAR, theme VARCHAR, additive BOOLEAN, "
        "decimals BIGINT, caveats VARCHAR, first_period BIGINT, last_period BIGINT)"
    )
    con.executemany(
        "INSERT INTO marts.indicators VALUES (?, ?, NULL, ?, ?, ?, NULL, ?, TRUE, 0, ?, 2019, 2022)",
        [(i, n, u, p, s, t, c) for i, n, u, p, s, c, t in CRAFTED_INDICATORS],
    )
    con.execute(
        "CREATE TABLE marts.regions (region_code VARCHAR, name_ja VARCHAR, name_en VARCHAR, level VARCHAR, "
        "parent_code VARCHAR, sort_key INTEGER)"
    )
    con.executemany("INSERT INTO marts.regions VALUES (?, ?, NULL, ?, NULL, ?)", CRAFTED_REGIONS)
    con.execute(
        "CREATE TABLE marts.sources (source_id VARCHAR, publisher VARCHAR, title VARCHAR, table_name VARCHAR, "
        "url VARCHAR, licence VARCHAR, vintage VARCHAR, citation_ja VARCHAR, sha256 VARCHAR, accessed VARCHAR)"
    )
    con.executemany(
        "INSERT INTO marts.sources VALUES (?, ?, ?, NULL, NULL, ?, NULL, ?, NULL, NULL)",
        [(s, p, t, lic, c) for s, p, t, c, lic in CRAFTED_SOURCES],
    )
    con.execute(
        "CREATE TABLE marts.observations (indicator_id VARCHAR, region_code VARCHAR, period BIGINT, value DOUBLE, "
        "source_id VARCHAR, derivation VARCHAR)"
    )
    con.executemany("INSERT INTO marts.observations VALUES (?, ?, ?, ?, ?, ?)", CRAFTED_OBSERVATIONS)
    con.close()
    monkeypatch.setenv("KPI_WAREHOUSE", str(path))
    monkeypatch.setenv("KPIDASH_VIEW_CACHE", "0")
    app = Flask(__name__)
    app.register_blueprint(api)
    return app.test_client(), path


def test_data_json_on_crafted_warehouse(crafted_client):
    client, path = crafted_client
    r = client.get("/api/v1/data.json?indicators=beta,alpha")
    assert r.status_code == 200
    text = r.data.decode("utf-8")
    body = json.loads(text)
    assert text == json.dumps(body, ensure_ascii=False, allow_nan=False)

    ind = {i[0]: i for i in CRAFTED_INDICATORS}
    reg = {g[0]: g for g in CRAFTED_REGIONS}

    def row(iid: str, code: str, period: int, value: float | None, source: str, derivation: str | None) -> dict:
        return {
            "indicator_id": iid,
            "indicator_name_ja": ind[iid][1],
            "region_code": code,
            "region_name_ja": reg[code][1],
            "period": period,
            "period_type": ind[iid][3],
            "value": value,
            "unit": ind[iid][2],
            "source_id": source,
            "derivation": derivation,
        }

    # indicators in the order asked; regions by sort_key (none: last); periods ascending; null for NaN/±inf/NULL
    assert body["data"] == [
        row("beta", "13", 2021, 2.0, "s_b", None),
        row("beta", "13", 2022, None, "s_b", "derived"),
        row("alpha", "00", 2020, None, "s_c", "sum_of_prefectures"),
        row("alpha", "TKY", 2020, -0.0, "s_c", "sum_of_prefectures"),
        row("alpha", "X1", 2019, 123456789012.5, "s_a", None),
        row("alpha", "01", 2019, 1e-7, "s_a", "source"),
        row("alpha", "01", 2020, None, "s_a", "source"),
        row("alpha", "13", 2019, 0.1 + 0.2, "s_a", "source"),
        row("alpha", "13", 2020, None, "s_a", "source"),
        row("alpha", "Z9", 2019, -5.0, "s_a", "source"),
    ]
    assert '"value": -0.0,' in text and '"value": 0.30000000000000004,' in text and '"value": 1e-07,' in text
    assert body["count"] == 10
    # sources in order of first appearance: beta's, then alpha's catalogue source, then the other source of its rows
    assert body["citation_ja"] == "出典：公表者B「表B」、公表者A「表A」、公表者C「表C」を加工して作成"
    assert body["licences"] == ["ライセンスA"]  # s_b has none; s_a and s_c share one
    assert body["caveats"] == {"alpha": "【代理指標】アルファの注記"}
    mtime = path.stat().st_mtime
    assert body["warehouse_built_at"] == datetime.fromtimestamp(mtime, UTC).isoformat(timespec="seconds")

    r = client.get("/api/v1/data.json?indicators=alpha&regions=13,z9&from=2020")
    assert [(x["region_code"], x["period"]) for x in r.get_json()["data"]] == [("13", 2020)]
    assert r.get_json()["citation_ja"] == "出典：公表者A「表A」を加工して作成"  # s_c has no row in this selection
