"""The partial plotly.js bundle of the prefecture pages: shipped file, provenance, and how the app serves it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, plotly_meta

VENDOR = REPO / "kpidash" / "vendor" / "plotly"
BUNDLE = VENDOR / "plotly-kpidash.min.js"


def _plotly_python_bundle() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_bundle_provenance_matches_the_file():
    prov = json.loads((VENDOR / "provenance.json").read_text(encoding="utf-8"))
    data = BUNDLE.read_bytes()
    assert prov["sha256"] == hashlib.sha256(data).hexdigest()
    assert prov["bytes"] == len(data)
    assert prov["traces"] == ["scatter", "bar", "choropleth"]
    # The same plotly.js version as the full bundle of the plotly Python package (read from that file's banner).
    full_banner = _plotly_python_bundle().read_text(encoding="utf-8")[:200]
    full_version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", full_banner)
    assert full_version is not None
    assert prov["plotly_js"]["version"] == full_version.group(1) == "4.1.1"
    assert data[:200].decode().count(f"v{full_version.group(1)}") == 1
    assert "MIT" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    # The recipe is in the repository, pinned by a lock file.
    lock = json.loads((REPO / "frontend" / "plotly" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/plotly.js"]["version"] == "4.1.1"
    assert lock["packages"]["node_modules/plotly.js"]["integrity"] == prov["plotly_js"]["npm_integrity"]


def test_bundle_starts_with_the_compile_hint():
    """V8's explicit compile hint must be the bundle's first line (frontend/plotly/build.mjs): Chromium then compiles
    plotly.js's functions on the background thread that streams it, not lazily on the main thread of a first visit."""
    assert BUNDLE.read_bytes().split(b"\n", 1)[0] == b"//# allFunctionsCalledOnLoad"


def test_bundle_is_much_smaller_and_not_auto_loaded():
    assert BUNDLE.stat().st_size < 0.35 * _plotly_python_bundle().stat().st_size
    # Dash adds every .js under assets/ to every page: the bundle must not be there.
    assert not [p for p in (REPO / "assets").rglob("*.js") if "plotly" in p.name.lower()]


@pytest.fixture()
def served(use_fixture_warehouse: Path) -> tuple[Any, dict[str, Any]]:
    import app as app_module

    client = app_module.app.server.test_client()
    return client, plotly_meta(client.get("/compare").get_data(as_text=True))


def _get(client: Any, url: str, **headers: str) -> Any:
    resp = client.get(url, headers=headers)
    resp.get_data()
    resp.close()
    return resp


def test_partial_bundle_is_served_fingerprinted_and_cached(served):
    client, cfg = served
    digest = hashlib.sha256(BUNDLE.read_bytes()).hexdigest()[:12]
    assert cfg["url"] == f"/_kpidash/plotly/plotly-kpidash.{digest}.min.js"
    resp = _get(client, cfg["url"], **{"Accept-Encoding": "identity"})
    assert resp.status_code == 200
    assert resp.get_data() == BUNDLE.read_bytes()
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.mimetype in ("application/javascript", "text/javascript")
    assert _get(client, cfg["url"], **{"Accept-Encoding": "br"}).headers.get("Content-Encoding") == "br"
    assert _get(client, cfg["url"], **{"If-None-Match": f'"{digest}"'}).status_code == 304
    # A page opened before an upgrade asks for the previous build: it gets the current one, revalidated.
    old = _get(client, "/_kpidash/plotly/plotly-kpidash.000000000000.min.js", **{"Accept-Encoding": "identity"})
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"
    assert _get(client, "/_kpidash/plotly/other.js").status_code == 404


def test_the_shell_points_dcc_graph_at_the_partial_bundle(served):
    from kpidash.web import scripts

    _, cfg = served
    assert set(cfg) == {"url", "topojsonName", "topojson"}
    # assets/app.js answers dcc.Graph's question with the meta's URL whatever Dash's renderer assigns later.
    script = (REPO / "assets" / "app.js").read_text(encoding="utf-8")
    assert "document.querySelector('meta[name=\"kpidash-plotly\"]')" in script
    assert 'Object.defineProperty(window, "_dashPlotlyJSURL"' in script
    assert scripts.PLOTLY_META == "kpidash-plotly"


def _trace_types_in_code() -> dict[str, set[str]]:
    """Trace types the app's figure code builds: go.<Trace>(...) constructors and "type": "<trace>" in dict figures
    (only names that are plotly trace types), per file of kpidash/ and pages/."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    classes = {
        name: obj().type
        for name in dir(go)
        if isinstance(obj := getattr(go, name), type) and issubclass(obj, BaseTraceType) and obj is not BaseTraceType
    }
    trace_types = set(classes.values())
    found: dict[str, set[str]] = {}
    for path in [*(REPO / "kpidash").rglob("*.py"), *(REPO / "pages").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used = {classes[m] for m in re.findall(r"\bgo\.([A-Z]\w*)\(", text) if m in classes}
        used |= {t for t in re.findall(r"[\"']type[\"']\s*:\s*[\"'](\w+)[\"']", text) if t in trace_types}
        used |= {f"px.{m}" for m in re.findall(r"\bpx\.(\w+)\(", text)}  # plotly express: not checked, not allowed
        if used:
            found[str(path.relative_to(REPO))] = used
    return found


def test_every_trace_type_the_app_draws_is_in_the_partial_bundle():
    """dcc.Graph loads the partial bundle on every page: a trace type outside it (a pie, a MapLibre choroplethmap…)
    would not be drawn. Rebuild the bundle with that trace (frontend/plotly) if a figure needs one."""
    prov = json.loads((VENDOR / "provenance.json").read_text(encoding="utf-8"))
    found = _trace_types_in_code()
    assert found, "no figure code found"
    assert "kpidash/figures/charts.py" in found and "kpidash/figures/maps.py" in found
    outside = {f: sorted(t - set(prov["traces"])) for f, t in found.items() if t - set(prov["traces"])}
    assert outside == {}, f"trace types not in the partial plotly.js bundle: {outside}"


# plotly.js projection types that d3-geo itself provides (plots/geo/constants.js projNames whose d3 function is in
# d3-geo 3): the others come from d3-geo-projection, which the bundle leaves out (frontend/plotly/build.mjs).
D3_GEO_PROJECTIONS = {
    "albers usa", "albers", "azimuthal equal area", "azimuthal equidistant", "conic conformal", "conic equal area",
    "conic equidistant", "equal earth", "equirectangular", "gnomonic", "mercator", "natural earth1", "orthographic",
    "stereographic", "transverse mercator",
}  # fmt: skip


def _figure_code() -> dict[str, str]:
    return {
        str(p.relative_to(REPO)): p.read_text(encoding="utf-8")
        for p in [*(REPO / "kpidash").rglob("*.py"), *(REPO / "pages").rglob("*.py")]
    }


def test_no_figure_uses_what_the_bundle_leaves_out():
    """The bundle leaves out layout components, the country-name lookup and d3-geo-projection (its provenance lists
    them): no figure of the app may use them (plotly.js would silently not draw them, or fail to project)."""
    prov = json.loads((VENDOR / "provenance.json").read_text(encoding="utf-8"))
    assert prov["omitted_components"] and prov["stubbed_modules"]
    code = _figure_code()
    # Chart images are drawn by kaleido with the plotly Python package's full plotly.js, not by the pages' bundle
    # (the PNG export wraps the chart's SVG in a layout image).
    del code["kpidash/api/chart_images.py"]
    uses: dict[str, list[str]] = {}
    for path, text in code.items():
        found = [c for c in prov["omitted_components"] if re.search(rf"[\"']{c}[\"']\s*:|\b{c}\s*=", text)]
        if "country-iso-search" in prov["stubbed_modules"]:
            found += [m for m in re.findall(r"locationmode[\"']?\s*[:=]\s*[\"']([^\"']+)", text) if m != "geojson-id"]
        if "d3-geo-projection" in prov["stubbed_modules"]:
            types = re.findall(r"[\"']projection[\"']\s*:\s*\{\s*[\"']type[\"']\s*:\s*[\"']([^\"']+)", text)
            found += [f"projection {t}" for t in types if t not in D3_GEO_PROJECTIONS]
        if found:
            uses[path] = found
    assert uses == {}, f"figures use what the partial plotly.js bundle leaves out: {uses}"
    # The scan sees the maps' projection (so a new one outside d3-geo would be caught).
    assert re.search(
        r"[\"']projection[\"']\s*:\s*\{\s*[\"']type[\"']\s*:\s*[\"']mercator", code["kpidash/figures/maps.py"]
    )
