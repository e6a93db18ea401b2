"""Own KPIs end to end on the real warehouse, as a new user would: upload values, add two KPIs (one from the
catalogue, one from the uploaded values), see them judged, export, rebuild the warehouse, import elsewhere.

Every test has its own local folder (tests/conftest.py sets KPIDASH_LOCAL_DIR); the repository's data/local is never
touched. Expected statuses are worked out by hand from the values in the comments."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

import pytest

from kpidash import config

pytestmark = pytest.mark.integration

W = {"X-KPIDASH-Write": "1"}
# y = 100 + 5·(t − 2025) exactly, 2023–2028 (TEST-ONLY numbers, not statistics): the fit has no residual.
VALUES = "region_code,year,value\n" + "".join(f"13101,{y},{100 + 5 * (y - 2025)}\n" for y in range(2023, 2029))
DEFINITIONS = """kpis:
  - id: chiyoda_visitors
    name_ja: 千代田区の来訪者数（テスト）
    region: "13101"
    unit: 千人
    direction: higher_is_better
    values: visitors.csv
    base_year: 2025
    target: {year: 2029, kind: direction, direction: increase}
    source: テスト用の値
  - id: tokyo_population
    name_ja: 東京都の総人口
    region: "13"
    unit: 人
    direction: higher_is_better
    indicator: ssdse_pop_total
    base_year: 2015
    target: {year: 2029, kind: value, value: 20000000}
    source: SSDSE-B
"""


def listing(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def setup_two(client: Any) -> None:
    r = client.put("/api/v1/local-kpis/values/visitors.csv", data=VALUES.encode("cp932"), headers=W)
    assert r.status_code == 200, r.get_json()
    r = client.put("/api/v1/local-kpis/definitions", data=DEFINITIONS.encode(), headers=W)
    assert r.status_code == 200, r.get_json()


def by_id(client: Any) -> dict[str, dict[str, Any]]:
    return {k["id"]: k for k in client.get("/api/v1/kpis").get_json()}


def ssdse_tokyo() -> dict[int, float]:
    out: dict[int, float] = {}
    for name, skip in (("ssdse_b_2011_2022.csv", 0), ("SSDSE-B-2026.csv", 1)):
        with (config.ROOT / "data" / "raw" / "ssdse" / name).open(encoding="utf-8", newline="") as fh:
            for _ in range(skip):
                next(fh)
            for rec in csv.DictReader(fh):
                if rec["地域コード"] == "R13000":
                    out[int(rec["年度"])] = float(rec["総人口"])
    return out


def test_a_new_user_adds_two_kpis_and_sees_them_judged(client: Any) -> None:
    setup_two(client)
    kpis = by_id(client)
    assert {k["id"] for k in kpis.values() if not k["local"]} == {
        "productivity_growth",
        "living_outlook",
        "young_women_outside_tokyo",
    }
    own = kpis["chiyoda_visitors"]
    assert own["local"] is True and own["user_supplied"] is True
    assert "公的統計ではありません" in own["supplied_note_ja"]
    # Base 2025 = 100, latest 2028 = 115; the exact line projects 120 for 2029 with a zero-width interval > 100.
    assert own["baseline"] == {"period": 2025, "value": 100.0}
    assert own["latest"] == {"period": 2028, "value": 115.0}
    assert own["projection"]["value"] == pytest.approx(120.0)
    assert own["status"] == "on_track"
    assert [p["period"] for p in own["context"]["series"]] == [2023, 2024, 2025]
    tokyo = kpis["tokyo_population"]
    raw = ssdse_tokyo()
    assert tokyo["user_supplied"] is False
    assert tokyo["baseline"]["value"] == raw[2015]
    assert tokyo["latest"] == {"period": max(raw), "value": raw[max(raw)]}
    # Tokyo grew by well under the (2e7 − base)/(2029 − 2015) a year the made-up target needs: R < 0.60.
    assert tokyo["status"] == "off_track" and tokyo["ratio"] < 0.60


def test_own_kpis_survive_a_warehouse_rebuild_and_move_to_a_fresh_install(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _own_kpis_folder: Path
) -> None:
    from etl.pipeline import build

    setup_two(client)
    before = {k: (v["status"], v["latest"]) for k, v in by_id(client).items() if v["local"]}
    files = listing(_own_kpis_folder)
    bundle = client.get("/api/v1/local-kpis/bundle").data
    build(config.raw_dir(), tmp_path / "rebuilt.duckdb", out=None)  # a new warehouse from data/raw
    monkeypatch.setenv("KPI_WAREHOUSE", str(tmp_path / "rebuilt.duckdb"))
    after = {k: (v["status"], v["latest"]) for k, v in by_id(client).items() if v["local"]}
    assert after == before
    assert listing(_own_kpis_folder) == files  # the rebuild touched nothing of the user's
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("KPIDASH_LOCAL_DIR", str(fresh))
    assert client.get("/api/v1/local-kpis").get_json()["kpis"] == []
    r = client.put("/api/v1/local-kpis/bundle", data=bundle, headers=W)
    assert r.status_code == 200, r.get_json()
    moved = {k: (v["status"], v["latest"]) for k, v in by_id(client).items() if v["local"]}
    assert moved == before


def test_a_malformed_local_file_never_hides_the_national_kpis(client: Any, _own_kpis_folder: Path) -> None:
    (_own_kpis_folder / "kpis.yaml").write_text("kpis:\n  - id: x\n    bogus: [\n", encoding="utf-8")
    kpis = client.get("/api/v1/kpis")
    assert kpis.status_code == 200
    assert len([k for k in kpis.get_json() if not k["local"]]) == 3
    state = client.get("/api/v1/local-kpis").get_json()
    assert state["kpis"] == [] and state["errors"]
    assert state["errors"][0]["file"] == "kpis.yaml" and state["errors"][0]["line"]


@pytest.mark.parametrize(
    ("path", "body", "needle"),
    [
        ("values/visitors.csv", b"region_code,year,value\n13101,2020,1\n13101,2020,2\n", "duplicate"),
        ("values/visitors.csv", b"region_code,year,value\n13101,2020,abc\n", "row 2"),
        ("values/visitors.csv", b"region_code,year,value\n99999,2020,1\n", "99999"),
        ("values/visitors.csv", "region_code,year,value\n13101,2020,１\n".encode("utf-16"), "visitors.csv"),
        ("definitions", DEFINITIONS.replace("base_year: 2025", "base_year: 2030").encode(), "target.year"),
        ("definitions", b"kpis:\n  - id: a\n    region: '13'\n    nonsense: 1\n", "nonsense"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    client: Any, _own_kpis_folder: Path, path: str, body: bytes, needle: str
) -> None:
    setup_two(client)
    before = listing(_own_kpis_folder)
    r = client.put(f"/api/v1/local-kpis/{path}", data=body, headers=W)
    assert r.status_code == 400
    assert needle in r.get_json()["error"]
    assert listing(_own_kpis_folder) == before


def test_ten_megabytes_of_junk_is_refused_with_a_4xx(client: Any, _own_kpis_folder: Path) -> None:
    before = listing(_own_kpis_folder)
    r = client.put("/api/v1/local-kpis/values/junk.csv", data=b"\x00junk" * 2_000_000, headers=W)
    assert r.status_code == 413
    assert listing(_own_kpis_folder) == before


def test_writes_need_the_token_when_one_is_configured(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPIDASH_WRITE_TOKEN", "s3cret")
    put = "/api/v1/local-kpis/values/visitors.csv"
    assert client.put(put, data=VALUES.encode(), headers=W).status_code == 403
    assert client.put(put, data=VALUES.encode(), headers={**W, "X-KPIDASH-Token": "wrong"}).status_code == 403
    assert client.put(put, data=VALUES.encode(), headers={**W, "X-KPIDASH-Token": "s3cret"}).status_code == 200


def test_a_public_bind_without_a_token_is_read_only(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    state = client.get("/api/v1/local-kpis").get_json()
    assert state["writable"] is False and "KPIDASH_WRITE_TOKEN" in state["write_policy_en"]
    r = client.put("/api/v1/local-kpis/values/visitors.csv", data=VALUES.encode(), headers=W)
    assert r.status_code == 403


def test_csrf_guard(client: Any) -> None:
    put = "/api/v1/local-kpis/values/visitors.csv"
    assert client.put(put, data=VALUES.encode()).status_code == 403  # no custom header
    cross = {**W, "Origin": "https://evil.example"}
    assert client.put(put, data=VALUES.encode(), headers=cross).status_code == 403
