"""API contract on the real warehouse, called through Flask's test client."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

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


def test_kpis_list(client):
    r = client.get("/api/v1/kpis")
    assert r.status_code == 200
    data = r.get_json()
    assert [k["id"] for k in data] == ["productivity_growth", "living_outlook", "young_women_outside_tokyo"]
    for k in data:
        assert REQUIRED <= set(k)
        assert k["status"] in {"achieved", "on_track", "needs_acceleration", "off_track", "cannot_tell", "no_data"}
        assert isinstance(k["proxy"], bool)
        assert k["target"]["year"] == 2029


def test_kpi_one_and_unknown(client):
    assert client.get("/api/v1/kpis/young_women_outside_tokyo").get_json()["goal"] == 3
    r = client.get("/api/v1/kpis/no_such_kpi")
    assert r.status_code == 404
    assert "no_such_kpi" in r.get_json()["error"]


def test_cli_kpi_status_json(use_warehouse, capsys):
    import json

    from kpidash.__main__ import main

    assert main(["kpi-status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == {"productivity_growth", "living_outlook", "young_women_outside_tokyo"}


def test_app_refuses_invalid_defs(tmp_path, use_warehouse, monkeypatch, capsys):
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
