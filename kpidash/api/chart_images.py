"""Server-side chart images (PNG, SVG) of the dashboard's figures, drawn by kaleido on the system Chromium.

- Chromium: kaleido finds ``/usr/bin/chromium`` itself, or uses ``BROWSER_PATH``. Nothing is ever downloaded (never
  ``kaleido_get_chrome``).
- One persistent kaleido (one headless Chromium, one tab) per process, started lazily by the first image (~2.5 s)
  and kept: an image then takes 0.2–0.5 s (the map, with its 1.3 MB of geometry, ~1 s). Renders are serialised by
  a lock; a Chromium that died is started again. ``kaleido.start_sync_server()`` is
  not used because it is not safe for concurrent callers and waits forever when Chromium fails to start; this module
  runs the same persistent ``kaleido.Kaleido`` on its own event-loop thread, with timeouts.
- No Chromium is left behind: :func:`shutdown` closes it and is registered with ``atexit``; a killed process closes
  Chromium's DevTools pipe, on which Chromium exits by itself.
- Offline: MathJax is a local stub file (``pio.defaults.mathjax``); geo traces get the shipped topojson if there is
  one (``pio.defaults.topojson``); a ``/geo/<name>.geojson`` URL in a figure is replaced by the GeoJSON object of
  the file :mod:`kpidash.web.geo` serves (Chromium cannot fetch the app's URLs).
- Every image carries the 出典 line in a strip under the chart (see :func:`chart_image`). Any failure of Chromium
  or kaleido raises :class:`ChartImageError` (the API answers 503).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import json
import logging
import re
import shutil
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly.io as pio

from kpidash import chart_params, config
from kpidash.api.chart_citation import add_citation, citation_height, citation_lines, font_family, xml_text
from kpidash.figures.style import EMPTY_TOPOLOGY

log = logging.getLogger(__name__)

MATHJAX_STUB = Path(__file__).resolve().parent / "kaleido_mathjax_stub.js"
FORMATS = ("png", "svg")
MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = chart_params.CHART_WIDTH  # px, as the API's width parameter accepts
MIN_HEIGHT, MAX_HEIGHT, DEFAULT_HEIGHT = chart_params.CHART_HEIGHT
START_TIMEOUT = 60.0  # seconds for Chromium to start
RENDER_TIMEOUT = 30.0  # seconds for one image
RETRY_AFTER_FAILURE = 10.0  # seconds during which a failed start is not retried (each request would wait for it)
GEO_URL = re.compile(r"^/geo/([A-Za-z0-9_-]{1,64})\.geojson$")
GEO_TRACES = {"choropleth", "scattergeo"}


class ChartImageError(RuntimeError):
    """Chromium or kaleido is missing or failed: no image can be drawn (the API answers 503)."""


def _topojson_dir() -> Path | None:
    """A shipped folder with plotly's ``world_110m.json`` (geo traces fetch it), if the app ships one."""
    for base in (config.ROOT / "assets", Path(__file__).resolve().parent.parent):
        for hit in sorted(base.rglob("world_110m.json")) if base.is_dir() else []:
            return hit.parent
    return None


pio.defaults.mathjax = str(MATHJAX_STUB)  # also for fig.to_image() elsewhere in the process: never the CDN
_TOPOJSON = _topojson_dir()
if _TOPOJSON is not None:
    pio.defaults.topojson = _TOPOJSON.as_uri() + "/"


# ----------------------------------------------------------------------------------------------- figure → image


@lru_cache(maxsize=4)
def _geojson_file(path: str, _mtime: float) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def geojson_for_url(url: str) -> Any | None:
    """The GeoJSON object behind a ``/geo/<name>.geojson`` URL of :mod:`kpidash.web.geo` (None for any other string)."""
    m = GEO_URL.match(url)
    path = config.BOUNDARY_FILES.get(m.group(1)) if m else None
    if path is None or not path.is_file():
        return None
    return _geojson_file(str(path), path.stat().st_mtime)


def inline_geojson(node: Any) -> Any:
    """The figure dict with every ``geojson``/``source`` value that is a ``/geo/...`` URL replaced by its GeoJSON
    (any trace type or map layer: the figure's structure is not assumed). Other values are returned unchanged."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("geojson", "source") and isinstance(value, str) and GEO_URL.match(value):
                loaded = geojson_for_url(value)
                if loaded is None:
                    raise ChartImageError(f"the figure refers to {value}, which this server does not have")
                out[key] = loaded
            else:
                out[key] = inline_geojson(value)
        return out
    if isinstance(node, list):
        return [inline_geojson(v) for v in node]
    return node


def prepare_figure(fig: Any, width: int, height: int, title: str | None = None) -> dict[str, Any]:
    """The page's figure as a plain JSON dict for kaleido: ``width`` × ``height``, geometry inlined, and ``title``
    where the figure has none (a chart whose title the page shows as HTML text). The figure is not changed."""
    d = json.loads(pio.to_json(fig, validate=False))  # go.Figure or dict → JSON types (numpy arrays → lists)
    d = inline_geojson(d)
    layout: dict[str, Any] = d.setdefault("layout", {})
    layout["width"], layout["height"] = width, height
    layout.pop("autosize", None)
    if title:
        current = layout.get("title")
        current = current if isinstance(current, dict) else {"text": current} if current else {}
        if not current.get("text"):
            layout["title"] = {"x": 0, "font": {"size": 15}, **current, "text": xml_text(title)}
    return d


def _raster_figure(svg: bytes, width: int, height: int) -> dict[str, Any]:
    """A figure that is only the given SVG, edge to edge (no margins, no axes): kaleido turns it into a PNG."""
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    hidden = {"visible": False, "range": [0, 1]}
    return {
        "data": [],
        "layout": {
            "width": width,
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0},
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "xaxis": hidden,
            "yaxis": hidden,
            "images": [
                {
                    "source": source,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": 1,
                    "sizex": 1,
                    "sizey": 1,
                    "xanchor": "left",
                    "yanchor": "top",
                    "sizing": "stretch",
                    "layer": "above",
                }
            ],
        },
    }


_topo_lock = threading.Lock()
_topo_dir: Path | None = None


def _empty_topojson_dir(names: set[str]) -> Path:
    """A private folder with an empty topology for each base-map file name (``<scope>_<resolution>m``): what the
    pages do in the browser too, so that a geo subplot with its base map hidden fetches nothing from the network."""
    global _topo_dir
    with _topo_lock:
        if _topo_dir is None or not _topo_dir.is_dir():
            _topo_dir = Path(tempfile.mkdtemp(prefix="kpidash-topojson-"))
        for name in names:
            path = _topo_dir / f"{name}.json"
            if not path.exists():
                path.write_text(json.dumps(EMPTY_TOPOLOGY), encoding="utf-8")
        return _topo_dir


def _remove_topojson_dir() -> None:
    global _topo_dir
    with _topo_lock:
        if _topo_dir is not None:
            shutil.rmtree(_topo_dir, ignore_errors=True)
            _topo_dir = None


def topojson_url(fig: dict[str, Any]) -> str | None:
    """The topojson folder for a figure with a geo subplot (None without one): the shipped Natural Earth files where
    the app ships them, else empty topologies (plotly.js would otherwise fetch them from its CDN and fail)."""
    layout = fig.get("layout") or {}
    geos = [v for k, v in layout.items() if re.fullmatch(r"geo[0-9]*", k) and isinstance(v, dict)]
    if not geos and not any(t.get("type") in GEO_TRACES for t in fig.get("data") or []):
        return None
    if pio.defaults.topojson:
        return str(pio.defaults.topojson)
    names = {f"{g.get('scope') or 'world'}_{g.get('resolution') or 110}m".replace(" ", "_") for g in geos or [{}]}
    return _empty_topojson_dir(names).as_uri() + "/"


# ----------------------------------------------------------------------------------------------- the renderer


class _Renderer:
    """One kaleido (one Chromium) on a private event-loop thread, started on first use; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._failed_at: float | None = None
        self._failure = ""

    def _start(self) -> None:
        import kaleido

        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE:
            raise ChartImageError(self._failure)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kpidash-kaleido", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread

        async def open_kaleido() -> Any:
            k = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT, mathjax=str(MATHJAX_STUB))
            try:
                await k.open()
            except BaseException:
                await _quiet_close(k)
                raise
            return k

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_kaleido(), loop).result(START_TIMEOUT)
        except Exception as exc:
            self._stop_loop()
            self._failed_at = time.monotonic()
            self._failure = f"headless Chromium for chart images could not be started ({type(exc).__name__})"
            log.warning("%s: %s", self._failure, exc)
            raise ChartImageError(self._failure) from None
        self._failed_at = None

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = self._kaleido = None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        if loop is not None and not loop.is_running():
            loop.close()

    def _close(self) -> None:
        k, loop = self._kaleido, self._loop
        if k is not None and loop is not None:
            try:
                asyncio.run_coroutine_threadsafe(_quiet_close(k), loop).result(15)
            except Exception as exc:  # the browser may already be gone
                log.warning("closing kaleido: %s", exc)
        self._stop_loop()

    def render(self, fig: dict[str, Any], fmt: str, width: int, height: int) -> bytes:
        from kaleido.errors import JavascriptError, KaleidoError

        opts = {"format": fmt, "width": width, "height": height, "scale": 1}
        topojson = topojson_url(fig)
        with self._lock:
            for attempt in (1, 2):
                fresh = self._kaleido is None
                if fresh:
                    self._start()
                assert self._loop is not None
                future = asyncio.run_coroutine_threadsafe(
                    self._kaleido.calc_fig(fig, opts=opts, topojson=topojson), self._loop
                )
                try:
                    out = future.result(RENDER_TIMEOUT + 5)
                except (KaleidoError, JavascriptError) as exc:
                    # plotly.js refused the figure: the browser is fine and kept.
                    log.warning("chart image failed (%s): %s", type(exc).__name__, exc)
                    raise ChartImageError(f"the chart image could not be drawn ({type(exc).__name__})") from None
                except Exception as exc:
                    # Chromium crashed, closed or hangs: drop it. One that had been running for a while is started
                    # again once for this request; one started for it has failed for good.
                    future.cancel()
                    log.warning("chart image failed (%s): %s", type(exc).__name__, exc)
                    self._close()
                    if fresh or attempt == 2:
                        raise ChartImageError(f"the chart image could not be drawn ({type(exc).__name__})") from None
                    continue
                return out if isinstance(out, bytes) else str(out).encode("utf-8")
        raise AssertionError("unreachable")

    def shutdown(self) -> None:
        with self._lock:
            self._close()
            self._failed_at = None

    def browser_pid(self) -> int | None:
        """Process id of the browser launcher (for tests that check nothing is left behind)."""
        proc = getattr(self._kaleido, "subprocess", None)
        return getattr(proc, "pid", None)

    def running(self) -> bool:
        return self._kaleido is not None


async def _quiet_close(k: Any) -> None:
    try:
        await k.close()
    except Exception as exc:  # best effort while closing
        log.debug("kaleido close: %s", exc)


_renderer = _Renderer()
atexit.register(_renderer.shutdown)
atexit.register(_remove_topojson_dir)


def render(fig: dict[str, Any], fmt: str, width: int, height: int) -> bytes:
    """PNG or SVG bytes of a prepared figure (see :func:`prepare_figure`); :class:`ChartImageError` on failure."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    return _renderer.render(fig, fmt, width, height)


def chart_image(fig: Any, fmt: str, width: int, height: int | None, citation: str, title: str | None = None) -> bytes:
    """The page's figure as a PNG or SVG of ``width`` × ``height`` px, the 出典 line in a strip at the bottom.

    ``height`` None: the figure's own height (as on the page) plus the strip. The chart is drawn as SVG, the strip
    added to the SVG; a PNG is that SVG rasterised by the same Chromium at the requested size (sharp text, and the
    two formats show the same)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    lines = citation_lines(citation, width)
    strip = citation_height(lines)
    chart_height = figure_height(fig) if height is None else height - strip
    height = chart_height + strip
    prepared = prepare_figure(fig, width, chart_height, title)
    svg = add_citation(render(prepared, "svg", width, chart_height), lines, width, chart_height, font_family(prepared))
    if fmt == "svg":
        return svg
    return render(_raster_figure(svg, width, height), "png", width, height)


def figure_height(fig: Any) -> int:
    """The figure's own height (what the page draws), DEFAULT_HEIGHT where it sets none."""
    layout = (fig if isinstance(fig, dict) else fig.to_dict()).get("layout") or {}
    h = layout.get("height")
    return int(h) if isinstance(h, int | float) and h > 0 else DEFAULT_HEIGHT


def shutdown() -> None:
    """Close the headless Chromium (it is started again by the next image)."""
    _renderer.shutdown()


def running() -> bool:
    return _renderer.running()


def browser_pid() -> int | None:
    return _renderer.browser_pid()
