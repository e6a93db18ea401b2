"""``GET /api/v1/chart.png`` and ``GET /api/v1/chart.svg``: a page's chart drawn on the server (kaleido).

``page`` names the page (compare, trends, region) and the other parameters are those of that page's URL, so a chart
can be re-drawn from a permalink: the figure is built by the same functions the page uses
(:func:`kpidash.views_explore.compare_figure`, ``trends_figure``, ``region_figure``), then drawn with the 出典 line
by :mod:`kpidash.api.chart_images`. Parameters are checked strictly (the pages quietly repair a bad URL; the API says
what is wrong): 400 naming the parameter, 404 for an unknown indicator, region, theme or a period without data,
503 when Chromium or kaleido is missing or fails. Imported at the bottom of :mod:`kpidash.api.routes` (routes on its
blueprint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, request
from werkzeug.datastructures import MultiDict

from kpidash import config
from kpidash.api import chart_images, exports
from kpidash.api.routes import ID_RE, REGION_RE, YEAR_RE, ParamError, _error, _only, _short, api
from kpidash.data import queries
from kpidash.views import explore as views_explore
from kpidash.web import geo

PAGES = ("compare", "trends", "region")
COMMON_PARAMS = ("page", "lang", "width", "height")
PAGE_PARAMS: dict[str, tuple[str, ...]] = {
    "compare": ("indicator", "period", "mode", "view", "highlight", "sort"),
    "trends": ("indicator", "regions", "mode", "base"),
    "region": ("region", "theme"),
}
MODES = {"compare": ("value", "per_capita", "growth"), "trends": ("value", "per_capita", "growth", "index")}
VIEWS = ("map", "bar")
SORTS = ("value", "code")
LANGS = ("ja", "en")
MAX_LINES = 12  # regions on /trends, highlighted prefectures on /compare (as the pages)
MAX_CHARS = 200  # any one parameter value
INT_RE = re.compile(r"[0-9]{1,5}")
MIME = {"png": "image/png", "svg": "image/svg+xml"}
UNAVAILABLE = (
    "chart images are unavailable on this server just now: the headless Chromium that draws them could not be "
    "started or failed. The data downloads (/api/v1/data.*) still work."
)


@dataclass(frozen=True)
class ChartRequest:
    figure: Any
    citation_ids: list[str]
    stem: str  # file name without the extension, ASCII
    label: str = ""  # an extra, possibly non-ASCII, part of the file name (filename*)
    title: str | None = None  # for a chart whose title the page shows as HTML text
    boundaries: str | None = None  # the geo.FILES boundary file a map draws (cited after the statistics)


def _value(args: MultiDict[str, str], name: str) -> str | None:
    raw = args.get(name)
    if raw is None:
        return None
    if len(raw) > MAX_CHARS:
        raise ParamError(400, f"parameter {name!r} is too long ({len(raw)} characters; at most {MAX_CHARS})", name)
    value = raw.strip()
    if not value:
        raise ParamError(400, f"parameter {name!r} is empty; leave it out for the default", name)
    return value


def _choice(args: MultiDict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _value(args, name)
    if value is None:
        return default
    if value not in allowed:
        raise ParamError(
            400,
            f"parameter {name!r} must be one of {', '.join(allowed)}, not {_short(value)}",
            name,
            allowed=list(allowed),
        )
    return value


def _size(args: MultiDict[str, str], name: str, low: int, high: int) -> int | None:
    value = _value(args, name)
    if value is None:
        return None
    if not INT_RE.fullmatch(value) or not low <= int(value) <= high:
        raise ParamError(
            400, f"parameter {name!r} must be a whole number of pixels from {low} to {high}, not {_short(value)}", name
        )
    return int(value)


def _year(args: MultiDict[str, str], name: str) -> int | None:
    value = _value(args, name)
    if value is None:
        return None
    if not YEAR_RE.fullmatch(value):
        raise ParamError(400, f"parameter {name!r} must be a 4-digit year such as 2020, not {_short(value)}", name)
    return int(value)


def _codes(args: MultiDict[str, str], name: str, allowed: tuple[str, ...]) -> list[str] | None:
    value = _value(args, name)
    if value is None:
        return None
    items = [x.strip().upper() for x in value.split(",")]
    for x in items:
        if not x:
            raise ParamError(400, f"parameter {name!r} has an empty item (two commas or a trailing comma)", name)
        if not REGION_RE.fullmatch(x):
            raise ParamError(
                400, f"parameter {name!r}: {_short(x)} has characters or a length that no region code has", name
            )
    items = list(dict.fromkeys(items))
    if len(items) > MAX_LINES:
        raise ParamError(
            400, f"parameter {name!r} lists {len(items)} regions; the limit is {MAX_LINES}", name, limit=MAX_LINES
        )
    unknown = [x for x in items if x not in allowed]
    if unknown:
        raise ParamError(
            404,
            f"unknown region code(s) for {name!r}: {', '.join(unknown)}",
            name,
            unknown=unknown,
            allowed=list(allowed),
        )
    return items


def _indicator(args: MultiDict[str, str]) -> dict[str, Any]:
    value = _value(args, "indicator") or views_explore.valid_indicator(None)  # the pages' default
    if not ID_RE.fullmatch(value):
        raise ParamError(
            400, f"parameter 'indicator': {_short(value)} has characters or a length no id has", "indicator"
        )
    ind = queries.indicator(value)
    if ind is None:
        raise ParamError(404, f"unknown indicator id {value!r} (see /api/v1/indicators)", "indicator", unknown=[value])
    return ind


def _mode(args: MultiDict[str, str], page: str, ind: dict[str, Any]) -> str:
    mode = _choice(args, "mode", MODES[page], "value")
    if mode == "per_capita" and not ind["additive"]:
        raise ParamError(
            400,
            f"mode 'per_capita' needs an additive measure; {ind['indicator_id']!r} is not (a rate, ratio or index)",
            "mode",
        )
    return mode


def _compare(args: MultiDict[str, str], lang: str) -> ChartRequest:
    ind = _indicator(args)
    iid = str(ind["indicator_id"])
    periods = queries.periods(iid)
    period = _year(args, "period")
    if not periods:
        raise ParamError(404, f"indicator {iid!r} has no data for prefectures", "indicator")
    if period is None:
        period = periods[-1]
    elif period not in periods:
        raise ParamError(
            404,
            f"indicator {iid!r} has no data for period {period} (periods {periods[0]}–{periods[-1]})",
            "period",
            allowed=[str(p) for p in periods],
        )
    mode = _mode(args, "compare", ind)
    view = _choice(args, "view", VIEWS, "map")
    highlight = _codes(args, "highlight", config.PREFECTURE_CODES) or []
    sort = _choice(args, "sort", SORTS, "value")
    cross, unit, title, bench = views_explore.compare_data(ind, period, mode, highlight, lang)
    fig = views_explore.compare_figure(ind, cross, unit, title, bench, mode, highlight, view, sort, lang)
    return ChartRequest(
        fig,
        views_explore.series_ids(iid, mode),
        f"kpidash_{iid}_{period}_{mode}_{view}",
        boundaries="prefectures" if view == "map" and not cross.empty else None,
    )


def _trends(args: MultiDict[str, str], lang: str) -> ChartRequest:
    ind = _indicator(args)
    iid = str(ind["indicator_id"])
    regions = _codes(args, "regions", (*config.AGGREGATE_CODES, *config.PREFECTURE_CODES))
    regions = regions or list(views_explore.DEFAULT_TREND_REGIONS)
    mode = _mode(args, "trends", ind)
    base = _year(args, "base")
    panel, unit, drawn_mode, drawn_base = views_explore.trends_data(ind, regions, mode, base)
    if mode == "index" and base is not None and drawn_base != base:
        raise ParamError(404, f"the chosen regions have no data for base year {base}", "base")
    fig = views_explore.trends_figure(ind, panel, unit, lang)
    shown = "-".join(regions[:3]) + (f"_and_{len(regions) - 3}_more" if len(regions) > 3 else "")
    return ChartRequest(fig, views_explore.series_ids(iid, drawn_mode), f"kpidash_{iid}_{shown}_{mode}")


def _region(args: MultiDict[str, str], lang: str) -> ChartRequest:
    code = _value(args, "region")
    if code is None:
        raise ParamError(400, "parameter 'region' is required (a prefecture code 01–47)", "region")
    if not REGION_RE.fullmatch(code):
        raise ParamError(400, f"parameter 'region': {_short(code)} has characters no region code has", "region")
    if code not in config.PREFECTURE_CODES:
        raise ParamError(404, f"unknown prefecture code {code!r} (01–47)", "region", unknown=[code])
    theme = _value(args, "theme")
    sub, themes, current = views_explore.region_theme(code, theme)
    if theme is not None and theme != current:
        raise ParamError(404, f"unknown theme {_short(theme)}", "theme", unknown=[theme], allowed=themes)
    if sub.empty:
        raise ParamError(404, f"no indicator has data for prefecture {code}", "region")
    regs = queries.regions("prefecture").set_index("region_code")
    name = str(regs.loc[code, "name_ja" if lang == "ja" else "name_en"])
    return ChartRequest(
        views_explore.region_figure(sub, lang),
        [str(i) for i in sub["indicator_id"]],
        f"kpidash_region_{code}",
        label=current,
        title=views_explore.region_chart_title(name, current, lang),
    )


BUILDERS = {"compare": _compare, "trends": _trends, "region": _region}


def _disposition(stem: str, label: str, ext: str) -> str:
    ascii_name = f"{stem}.{ext}"
    if not label:
        return f'attachment; filename="{ascii_name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(f'{stem}_{label}.{ext}', safe='')}"


def _chart(fmt: str) -> Any:
    args = request.args
    page = _value(args, "page")
    if page is None:
        raise ParamError(400, f"parameter 'page' is required: one of {', '.join(PAGES)}", "page", allowed=list(PAGES))
    if page not in PAGES:
        raise ParamError(
            400, f"parameter 'page' must be one of {', '.join(PAGES)}, not {_short(page)}", "page", allowed=list(PAGES)
        )
    _only(args, (*COMMON_PARAMS, *PAGE_PARAMS[page]))
    lang = _choice(args, "lang", LANGS, "ja")
    width = _size(args, "width", chart_images.MIN_WIDTH, chart_images.MAX_WIDTH) or chart_images.DEFAULT_WIDTH
    height = _size(args, "height", chart_images.MIN_HEIGHT, chart_images.MAX_HEIGHT)
    req = BUILDERS[page](args, lang)
    extra = [geo.boundary_citation(req.boundaries)] if req.boundaries else []
    citation = exports.citation_line(exports.sources_used(req.citation_ids), extra=extra)
    try:
        body = chart_images.chart_image(req.figure, fmt, width, height, citation, req.title)
    except chart_images.ChartImageError:
        return _error(503, UNAVAILABLE, kind="chart_renderer")
    resp = Response(body, mimetype=MIME[fmt])
    resp.headers["Content-Disposition"] = _disposition(req.stem, req.label, fmt)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@api.get("/chart.png")
def chart_png() -> Any:
    return _chart("png")


@api.get("/chart.svg")
def chart_svg() -> Any:
    return _chart("svg")
