"""``GET /api/v1/chart.png`` and ``GET /api/v1/chart.svg``: a page's chart drawn on the server (kaleido).

``page`` names the page (compare, trends, region) and the other parameters are those of that page's URL, so a chart
can be re-drawn from a permalink: the figure is built by the same functions the page uses
(:func:`kpidash.figures.explore.compare_figure`, ``trends_figure``, ``region_figure``), then drawn with the 出典 line
by :mod:`kpidash.api.chart_images`. Parameters are checked strictly (the pages quietly repair a bad URL; the API says
what is wrong, by the definitions in :mod:`kpidash.params`): 400 naming the parameter, 404 for an unknown
indicator, region, theme or a period without data, 503 when Chromium or kaleido is missing or fails. The routes are on
the blueprint of :mod:`kpidash.api.blueprint`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, request
from werkzeug.datastructures import MultiDict

from kpidash import chart_params, config, params
from kpidash.api import chart_images
from kpidash.api.blueprint import api, error
from kpidash.data import queries
from kpidash.data.boundaries import boundary_citation
from kpidash.figures import explore as explore_figures
from kpidash.formatting import name_col
from kpidash.params import ParamError, only, short
from kpidash.service import explore, provenance

PAGES = chart_params.CHART_PAGES
ACCEPTED = {
    page: tuple(p.name for p in (*chart_params.CHART_COMMON, *ps))
    for page, ps in chart_params.CHART_PAGE_PARAMS.items()
}
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
    boundaries: str | None = None  # the config.BOUNDARY_FILES boundary file a map draws (cited after the statistics)


def _indicator(args: MultiDict[str, str]) -> dict[str, Any]:
    value = chart_params.INDICATOR.parse(args) or explore.valid_indicator(None)  # the pages' default
    ind = queries.indicator(value)
    if ind is None:
        raise ParamError(404, f"unknown indicator id {value!r} (see /api/v1/indicators)", "indicator", unknown=[value])
    return ind


def _mode(args: MultiDict[str, str], mode_param: params.Param, ind: dict[str, Any]) -> str:
    mode = mode_param.parse(args) or "value"
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
    period = chart_params.PERIOD.parse(args)
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
    mode = _mode(args, chart_params.COMPARE_MODE, ind)
    view = chart_params.VIEW.parse(args) or "map"
    highlight = chart_params.HIGHLIGHT.parse(args) or []
    sort = chart_params.SORT.parse(args) or "value"
    result = explore.compare(iid, period, mode, highlight, lang)
    cross = result.cross
    fig = explore_figures.compare_figure(result, view, sort, lang)
    return ChartRequest(
        fig,
        explore.series_ids(iid, mode),
        f"kpidash_{iid}_{period}_{mode}_{view}",
        boundaries="prefectures" if view == "map" and not cross.empty else None,
    )


def _trends(args: MultiDict[str, str], lang: str) -> ChartRequest:
    ind = _indicator(args)
    iid = str(ind["indicator_id"])
    regions = chart_params.TREND_REGIONS.parse(args)
    regions = regions or list(explore.DEFAULT_TREND_REGIONS)
    mode = _mode(args, chart_params.TRENDS_MODE, ind)
    base = chart_params.BASE.parse(args)
    result = explore.trends(iid, regions, mode, base, lang)
    drawn_mode, drawn_base = result.mode, result.base
    if mode == "index" and base is not None and drawn_base != base:
        raise ParamError(404, f"the chosen regions have no data for base year {base}", "base")
    fig = explore_figures.trends_figure(result, lang)
    shown = "-".join(regions[:3]) + (f"_and_{len(regions) - 3}_more" if len(regions) > 3 else "")
    return ChartRequest(fig, explore.series_ids(iid, drawn_mode), f"kpidash_{iid}_{shown}_{mode}")


def _region(args: MultiDict[str, str], lang: str) -> ChartRequest:
    code = chart_params.REGION_CODE.parse(args)
    if code not in config.PREFECTURE_CODES:
        raise ParamError(404, f"unknown prefecture code {code!r} (01–47)", "region", unknown=[code])
    theme = chart_params.THEME.parse(args)
    sub, themes, current = explore.region_theme(code, theme)
    if theme is not None and theme != current:
        raise ParamError(404, f"unknown theme {short(theme)}", "theme", unknown=[theme], allowed=themes)
    if sub.empty:
        raise ParamError(404, f"no indicator has data for prefecture {code}", "region")
    regs = queries.regions("prefecture").set_index("region_code")
    name = str(regs.loc[code, name_col(lang)])
    return ChartRequest(
        explore_figures.region_figure(sub, lang),
        [str(i) for i in sub["indicator_id"]],
        f"kpidash_region_{code}",
        label=current,
        title=explore_figures.region_chart_title(name, current, lang),
    )


BUILDERS = {"compare": _compare, "trends": _trends, "region": _region}


def _disposition(stem: str, label: str, ext: str) -> str:
    ascii_name = f"{stem}.{ext}"
    if not label:
        return f'attachment; filename="{ascii_name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(f'{stem}_{label}.{ext}', safe='')}"


def _chart(fmt: str) -> Any:
    args = request.args
    page = chart_params.PAGE.parse(args)
    only(args, ACCEPTED[page])
    lang = chart_params.LANG.parse(args) or "ja"
    width = chart_params.WIDTH.parse(args) or chart_images.DEFAULT_WIDTH
    height = chart_params.HEIGHT.parse(args)
    req = BUILDERS[page](args, lang)
    extra = [boundary_citation(req.boundaries)] if req.boundaries else []
    citation = provenance.citation_line(provenance.sources_used(req.citation_ids), extra=extra)
    try:
        body = chart_images.chart_image(req.figure, fmt, width, height, citation, req.title)
    except chart_images.ChartImageError:
        return error(503, UNAVAILABLE, kind="chart_renderer")
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
