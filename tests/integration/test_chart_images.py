"""/api/v1/chart.png and chart.svg on the real warehouse, drawn by kaleido on the system Chromium.

The images are read with real readers (xml.etree for SVG, the PNG header for PNG) and what they show is compared with
independent queries of the warehouse file (read-only DuckDB, plain SQL, nothing shared with the code under test).
"""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from kpidash.config import RAW_DIR
from tests.conftest import REPO
from tests.conftest import fetch_rows as _sql

pytestmark = pytest.mark.integration

SVG_NS = "{http://www.w3.org/2000/svg}"
VIRIDIS_MIN, VIRIDIS_MAX = "rgb(68, 1, 84)", "rgb(253, 231, 37)"


def _classes(el: ET.Element) -> list[str]:
    return (el.get("class") or "").split()


def _all(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if cls in _classes(el)]


def _text(el: ET.Element) -> str:
    return "".join(el.itertext())


def _svg(client, query: str) -> ET.Element:
    r = client.get("/api/v1/chart.svg?" + query)
    assert r.status_code == 200, r.data[:500]
    assert r.mimetype == "image/svg+xml"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="kpidash_')
    assert r.headers["Content-Disposition"].split('filename="')[1].split('"')[0].endswith(".svg")
    return ET.fromstring(r.data)


def _citation_text(root: ET.Element) -> str:
    [group] = _all(root, "citation")
    return "".join(_text(t) for t in group.iter(SVG_NS + "text"))


def _expected_citation(path: Path, indicator_ids: list[str]) -> list[str]:
    """The 「…」 titles of the sources of the indicators (each must be in the 出典 line)."""
    rows = _sql(
        path,
        "SELECT DISTINCT s.citation_ja FROM marts.indicators i JOIN marts.sources s ON s.source_id = i.source_id "
        f"WHERE i.indicator_id IN ({', '.join('?' * len(indicator_ids))})",
        indicator_ids,
    )
    return [c[c.index("「") :] for (c,) in rows]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


# ----------------------------------------------------------------------------------------------------- compare


def test_compare_bar_svg_shows_every_prefecture_in_value_order(client, warehouse_path):
    root = _svg(client, "page=compare&indicator=gdp_nominal&period=2020&view=bar")
    rows = _sql(
        warehouse_path,
        "SELECT r.name_ja, o.value FROM marts.observations o JOIN marts.regions r ON r.region_code = o.region_code "
        "WHERE o.indicator_id = 'gdp_nominal' AND o.period = 2020 AND r.level = 'prefecture' ORDER BY o.value",
    )
    assert len(rows) == 47
    [bars] = _all(root, "bars")
    points = _all(bars, "point")
    assert len(points) == 47
    # Category order: the smallest value first (at the bottom), as the independent ORDER BY.
    assert [_text(t) for t in _all(root, "ytick")] == [name for name, _ in rows]
    # Bar lengths are proportional to the values (the axis starts at 0): width of each path's rectangle.
    widths = []
    for p in points:
        d = p.find(SVG_NS + "path").get("d")
        m = re.fullmatch(r"M([\d.]+),[\d.]+V[\d.]+H([\d.]+)V[\d.]+Z", d)
        assert m, d
        widths.append(float(m.group(2)) - float(m.group(1)))
    top = rows[-1][1]
    for w, (_, v) in zip(widths, rows, strict=True):
        assert w / max(widths) == pytest.approx(v / top, abs=0.01)
    [name_ja] = _sql(warehouse_path, "SELECT name_ja FROM marts.indicators WHERE indicator_id = 'gdp_nominal'")[0]
    [title] = _all(root, "gtitle")
    assert name_ja in _text(title) and "2020" in _text(title)
    citation = _citation_text(root)
    assert citation.startswith("出典：") and citation.endswith("を加工して作成")
    for part in _expected_citation(warehouse_path, ["gdp_nominal"]):
        assert part in citation
    assert _raw_boundary_citation() not in citation  # a ranking draws no boundaries


def test_compare_map_svg_draws_each_prefecture_with_data(client, warehouse_path):
    root = _svg(client, "page=compare&indicator=gdp_nominal&period=2022&view=map&highlight=13,27")
    rows = _sql(
        warehouse_path,
        "SELECT o.region_code, o.value FROM marts.observations o JOIN marts.regions r ON r.region_code = o.region_code "
        "WHERE o.indicator_id = 'gdp_nominal' AND o.period = 2022 AND r.level = 'prefecture' AND o.value IS NOT NULL",
    )
    shapes = _all(root, "choroplethlocation")
    assert len(shapes) == len(rows) == 47
    values = sorted(v for _, v in rows)
    assert values[0] < values[1] and values[-2] < values[-1]  # one smallest, one largest prefecture
    fills = [s.get("fill") for s in shapes]
    assert fills.count(VIRIDIS_MAX) == 1 and fills.count(VIRIDIS_MIN) == 1
    # The two highlighted prefectures are outlined (wider stroke), the others not.
    widths = [re.search(r"stroke-width: ([\d.]+)px", s.get("style", "")).group(1) for s in shapes]
    assert sorted(widths).count("2.5") == 2
    # The map's borders are simplified 地球地図日本 data: cited after the statistics, as the raw file's sidecar says.
    citation = _citation_text(root)
    assert citation.startswith("出典：") and citation.endswith(f"、{_raw_boundary_citation()}を加工して作成")
    for part in _expected_citation(warehouse_path, ["gdp_nominal"]):
        assert part in citation
    [title] = _all(root, "gtitle")
    assert "2022" in _text(title)


def _raw_boundary_citation() -> str:
    meta = yaml.safe_load((RAW_DIR / "geo" / "japan_prefectures_dataofjapan.geojson.meta.yaml").read_text("utf-8"))
    return str(meta["citation_ja"]).removeprefix("出典：")


def test_per_capita_cites_the_population_source_too(client, warehouse_path):
    root = _svg(client, "page=compare&indicator=gdp_nominal&period=2020&view=bar&mode=per_capita")
    citation = _citation_text(root)
    parts = _expected_citation(warehouse_path, ["gdp_nominal", "ssdse_pop_total"])
    assert len(parts) == 2
    for part in parts:
        assert part in citation


def test_english_labels(client, warehouse_path):
    root = _svg(client, "page=compare&indicator=gdp_nominal&period=2020&view=bar&sort=code&lang=en")
    names = _sql(
        warehouse_path, "SELECT name_en FROM marts.regions WHERE level = 'prefecture' ORDER BY region_code DESC"
    )
    assert [_text(t) for t in _all(root, "ytick")] == [n for (n,) in names]  # JIS order from the top


# ------------------------------------------------------------------------------------------------------ trends


def test_trends_svg_draws_one_line_per_region(client, warehouse_path):
    root = _svg(client, "page=trends&indicator=gdp_nominal&regions=00,TKY,13")
    [layer] = _all(root, "scatterlayer")
    traces = [t for t in layer if "trace" in _classes(t)]
    assert len(traces) == 3
    for trace, code in zip(traces, ["00", "TKY", "13"], strict=True):
        [(n,)] = _sql(
            warehouse_path,
            "SELECT count(value) FROM marts.observations WHERE indicator_id = 'gdp_nominal' AND region_code = ?",
            [code],
        )
        assert n > 5
        assert len(_all(trace, "point")) == n
    names = _sql(
        warehouse_path,
        "SELECT name_ja FROM marts.regions WHERE region_code IN ('00', 'TKY', '13') "
        "ORDER BY list_position(['00', 'TKY', '13'], region_code)",
    )
    assert [_text(t) for t in _all(root, "legendtext")] == [n for (n,) in names]
    [name_ja] = _sql(warehouse_path, "SELECT name_ja FROM marts.indicators WHERE indicator_id = 'gdp_nominal'")[0]
    assert _text(_all(root, "gtitle")[0]) == name_ja
    citation = _citation_text(root)
    for part in _expected_citation(warehouse_path, ["gdp_nominal"]):
        assert part in citation


def test_trends_index_is_100_in_the_base_year(client, warehouse_path):
    root = _svg(client, "page=trends&indicator=gdp_nominal&regions=13&mode=index&base=2015")
    [ytitle] = _all(root, "ytitle")
    assert _text(ytitle) == "2015=100"


# --------------------------------------------------------------------------------------------------- region


def test_region_svg_has_a_title_and_one_row_per_indicator(client, warehouse_path):
    root = _svg(client, "page=region&region=13")
    # Indicators of the default theme with all 47 prefectures in their latest period, counted independently.
    [(n,)] = _sql(
        warehouse_path,
        """
        WITH latest AS (
            SELECT o.indicator_id, max(o.period) AS period FROM marts.observations o
            JOIN marts.regions r ON r.region_code = o.region_code WHERE r.level = 'prefecture'
            GROUP BY o.indicator_id
        )
        SELECT count(*) FROM latest l JOIN marts.indicators i ON i.indicator_id = l.indicator_id
        WHERE i.theme = '経済・雇用'
          AND (SELECT count(*) FROM marts.observations o JOIN marts.regions r ON r.region_code = o.region_code
               WHERE o.indicator_id = l.indicator_id AND o.period = l.period AND r.level = 'prefecture') = 47
        """,
    )
    assert n > 5
    assert len(_all(root, "ytick")) == n
    title = _text(_all(root, "gtitle")[0])
    assert "東京都" in title and "経済・雇用" in title
    assert _citation_text(root).startswith("出典：")


# ------------------------------------------------------------------------------------------------------ PNG


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("page=compare&indicator=gdp_nominal&view=bar&width=640&height=480", (640, 480)),
        ("page=compare&indicator=gdp_nominal&view=map&width=800&height=700", (800, 700)),
        ("page=trends&indicator=gdp_nominal&regions=TKY,NTK&width=1200&height=500", (1200, 500)),
    ],
)
def test_png_has_the_requested_size(client, query, size):
    r = client.get("/api/v1/chart.png?" + query)
    assert r.status_code == 200, r.data[:300]
    assert r.mimetype == "image/png"
    assert r.headers["Content-Disposition"].endswith('.png"')
    assert _png_size(r.data) == size
    assert len(r.data) > 10_000  # a drawn chart, not an empty canvas


def test_default_size_is_the_page_chart_plus_the_citation_strip(client):
    r = client.get("/api/v1/chart.png?page=trends&indicator=gdp_nominal")
    w, h = _png_size(r.data)
    assert w == 1000 and 460 < h < 560  # the page draws the trend chart 460 px high
    svg = ET.fromstring(client.get("/api/v1/chart.svg?page=trends&indicator=gdp_nominal").data)
    assert (svg.get("width"), svg.get("height")) == ("1000", str(h))


# ----------------------------------------------------------------------------------------------------- errors

ERRORS = [
    ("", 400, "page"),
    ("page=", 400, "page"),
    ("page=ranking", 400, "page"),
    ("page=compare&page=trends", 400, "page"),
    ("page=compare&region=13", 400, "region"),  # a parameter of another page
    ("page=compare&indicators=gdp_nominal", 400, "indicators"),
    ("page=compare&indicator=gdp_nominal&indicator=pop_all_total", 400, "indicator"),
    ("page=compare&indicator=", 400, "indicator"),
    ("page=compare&indicator=gdp%20nominal", 400, "indicator"),
    ("page=compare&indicator=" + "x" * 300, 400, "indicator"),
    ("page=compare&indicator=no_such_indicator", 404, "indicator"),
    ("page=compare&period=22", 400, "period"),
    ("page=compare&period=1900", 404, "period"),
    ("page=compare&mode=index", 400, "mode"),
    ("page=compare&mode=share", 400, "mode"),
    ("page=compare&indicator=lfs_unemployment_rate&mode=per_capita", 400, "mode"),
    ("page=compare&view=table", 400, "view"),
    ("page=compare&highlight=13,,27", 400, "highlight"),
    ("page=compare&highlight=13;27", 400, "highlight"),
    ("page=compare&highlight=" + ",".join(f"{i:02d}" for i in range(1, 14)), 400, "highlight"),
    ("page=compare&highlight=48", 404, "highlight"),
    ("page=compare&highlight=TKY", 404, "highlight"),
    ("page=compare&sort=name", 400, "sort"),
    ("page=compare&lang=fr", 400, "lang"),
    ("page=compare&width=100", 400, "width"),
    ("page=compare&width=5000", 400, "width"),
    ("page=compare&width=1e3", 400, "width"),
    ("page=compare&height=-5", 400, "height"),
    ("page=compare&height=99999", 400, "height"),
    ("page=trends&regions=", 400, "regions"),
    ("page=trends&regions=00,TOKYO-AREA", 400, "regions"),
    ("page=trends&regions=00,99", 404, "regions"),
    ("page=trends&regions=01100", 404, "regions"),  # a municipality: not on /trends
    ("page=trends&mode=rank", 400, "mode"),
    ("page=trends&base=15", 400, "base"),
    ("page=trends&mode=index&base=1950", 404, "base"),
    ("page=trends&indicator=nope", 404, "indicator"),
    ("page=trends&period=2020", 400, "period"),
    ("page=region", 400, "region"),
    ("page=region&region=1-3", 400, "region"),
    ("page=region&region=48", 404, "region"),
    ("page=region&region=13&theme=no_such_theme", 404, "theme"),
    ("page=region&region=13&view=map", 400, "view"),
]


@pytest.mark.parametrize(("query", "status", "parameter"), ERRORS)
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_parameter_errors_name_the_parameter(client, fmt, query, status, parameter):
    r = client.get(f"/api/v1/chart.{fmt}?{query}")
    assert r.status_code == status, r.data
    assert r.mimetype == "application/json"
    body = json.loads(r.data)
    assert body["parameter"] == parameter
    assert body["error"] and "Traceback" not in body["error"]


# ------------------------------------------------------------------------------------ Chromium missing or failing


def test_broken_browser_gives_503_json(client, monkeypatch, tmp_path):
    from kpidash.api import chart_images

    not_executable = tmp_path / "chromium"
    not_executable.write_text("#!/bin/sh\nexit 0\n")
    not_executable.chmod(0o644)
    chart_images.shutdown()  # the next image starts a browser, with the environment below
    monkeypatch.setenv("BROWSER_PATH", str(not_executable))
    try:
        for fmt in ("png", "svg"):
            t0 = time.monotonic()
            r = client.get(f"/api/v1/chart.{fmt}?page=compare&indicator=gdp_nominal&view=bar")
            assert r.status_code == 503
            assert r.mimetype == "application/json"
            body = json.loads(r.data)
            assert body["kind"] == "chart_renderer"
            assert "Chromium" in body["error"] and "Traceback" not in r.data.decode()
            assert time.monotonic() - t0 < 60
        # The data API is unaffected.
        assert client.get("/api/v1/data.csv?indicators=gdp_nominal&regions=13").status_code == 200
    finally:
        monkeypatch.undo()
        chart_images.shutdown()  # forget the failure: the next test starts the real browser
    r = client.get("/api/v1/chart.svg?page=compare&indicator=gdp_nominal&view=bar")
    assert r.status_code == 200


def test_missing_browser_gives_503_json(client, monkeypatch, tmp_path):
    from kpidash.api import chart_images

    chart_images.shutdown()
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    try:
        r = client.get("/api/v1/chart.png?page=trends&indicator=gdp_nominal")
        assert r.status_code == 503 and json.loads(r.data)["kind"] == "chart_renderer"
    finally:
        monkeypatch.undo()
        chart_images.shutdown()


# ---------------------------------------------------------------------------------- no Chromium left behind


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` that still run (a zombie has ended; only its exit status waits to be collected)."""
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


def _wait_gone(pids: set[int], seconds: float = 15) -> set[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _alive(pids)


def test_shutdown_ends_every_chromium_process(client):
    from kpidash.api import chart_images

    assert client.get("/api/v1/chart.svg?page=trends&indicator=gdp_nominal").status_code == 200
    launcher = chart_images.browser_pid()
    assert launcher is not None
    procs = {launcher} | _descendants(launcher)
    cmdlines = [Path(f"/proc/{p}/cmdline").read_bytes() for p in _alive(procs)]
    assert any(b"chromium" in c for c in cmdlines), cmdlines
    chart_images.shutdown()
    assert not chart_images.running()
    assert _wait_gone(procs) == set()


def test_a_chromium_that_died_is_started_again(client):
    from kpidash.api import chart_images

    assert client.get("/api/v1/chart.svg?page=trends&indicator=gdp_nominal").status_code == 200
    launcher = chart_images.browser_pid()
    procs = {launcher} | _descendants(launcher)
    for pid in _alive(procs - {launcher}):  # the browser this process started, by pid
        os.kill(pid, signal.SIGKILL)
    assert _wait_gone(procs - {launcher}) == set()
    r = client.get("/api/v1/chart.svg?page=trends&indicator=gdp_nominal")
    assert r.status_code == 200, r.data[:300]
    assert chart_images.browser_pid() not in (None, launcher)
    assert _wait_gone(procs) == set()


CHILD = """
import os, sys
from flask import Flask
from kpidash.api import chart_images
from kpidash.api.routes import api
app = Flask(__name__)
app.register_blueprint(api)
r = app.test_client().get("/api/v1/chart.png?page=trends&indicator=gdp_nominal")
assert r.status_code == 200, r.data
launcher = chart_images.browser_pid()
print(launcher, flush=True)
if sys.argv[1] == "kill":
    print("ready", flush=True)
    sys.stdin.read()  # killed here
"""


def _child_procs(out_line: str) -> set[int]:
    launcher = int(out_line)
    return {launcher} | _descendants(launcher)


def test_app_exit_leaves_no_chromium(use_warehouse):
    """A process that drew an image and exits normally (no explicit shutdown): atexit closes Chromium."""
    env = {**os.environ, "KPI_WAREHOUSE": str(use_warehouse)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "exit"], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    procs = _child_procs(proc.stdout.readline())  # read while the child still runs
    assert len(procs) > 1
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert _wait_gone(procs) == set()


def test_killed_app_leaves_no_chromium(use_warehouse):
    """A process killed without any clean-up: Chromium ends when its DevTools pipe closes."""
    env = {**os.environ, "KPI_WAREHOUSE": str(use_warehouse)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "kill"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        procs = _child_procs(proc.stdout.readline())
        assert proc.stdout.readline().strip() == "ready"
        assert len(_alive(procs)) > 1
    finally:
        proc.kill()  # our own child, by its pid
        proc.communicate(timeout=10)
    assert _wait_gone(procs) == set()
