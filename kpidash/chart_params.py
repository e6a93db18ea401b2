"""Parameters of the chart-image API (/api/v1/chart.{png,svg}) and the pages' mode, view and sort choices they share.

The definitions follow :mod:`kpidash.params` (same :class:`~kpidash.params.Param` type, strict parsing, OpenAPI
generated from them)."""

from __future__ import annotations

from typing import Any

from kpidash import config
from kpidash.params import ID, LANGS, REGION, Kind, Param

CHART_PAGES = ("compare", "trends", "region")
CHART_WIDTH = (320, 2400, 1000)  # min, max, default (px)
CHART_HEIGHT = (240, 2400, 500)
MAX_LINES = 12  # regions on /trends, highlighted prefectures on /compare (as the pages)
CHART_MAX_CHARS = 200  # any one parameter value

COMPARE_MODES = ("value", "per_capita", "growth")
TRENDS_MODES = (*COMPARE_MODES, "index")
CHART_VIEWS = ("map", "bar")
COMPARE_VIEWS = (*CHART_VIEWS, "table")  # the pages' choices; the table view has no chart image
SORTS = ("value", "code")


def _chart(name: str, kind: Kind, description: str, **kw: Any) -> Param:
    return Param(name, kind, description, max_chars=CHART_MAX_CHARS, if_empty="leave it out for the default", **kw)


def _codes(name: str, description: str, known: tuple[str, ...], example: str) -> Param:
    return _chart(
        name,
        "list",
        description,
        pattern=REGION,
        max_items=MAX_LINES,
        known=known,
        upper="as_read",
        malformed="has characters or a length that no region code has",
        too_many="lists {n} regions; the limit is {limit}",
        example=example,
    )


PAGE = _chart(
    "page",
    "choice",
    "The page whose chart to draw; the other parameters are those of that page's URL.",
    enum=CHART_PAGES,
    required=f": one of {', '.join(CHART_PAGES)}",
    example="compare",
)
LANG = _chart("lang", "choice", "ja (default) or en: labels of the chart", enum=LANGS, default="ja")
WIDTH = _chart(
    "width",
    "int",
    f"image width in px, {CHART_WIDTH[0]}–{CHART_WIDTH[1]} (default {CHART_WIDTH[2]})",
    low=CHART_WIDTH[0],
    high=CHART_WIDTH[1],
)
HEIGHT = _chart(
    "height",
    "int",
    f"image height in px, {CHART_HEIGHT[0]}–{CHART_HEIGHT[1]}, including the 出典 strip (default: the chart's height "
    "on the page plus the strip)",
    low=CHART_HEIGHT[0],
    high=CHART_HEIGHT[1],
)
INDICATOR = _chart(
    "indicator",
    "text",
    "indicator id from /api/v1/indicators (default gdp_nominal, as the pages)",
    pattern=ID,
    malformed="has characters or a length no id has",
    example="gdp_nominal",
)
PERIOD = _chart("period", "year", "year of the cross-section (default: the latest); no data → 404", example="2022")
COMPARE_MODE = _chart(
    "mode",
    "choice",
    "value, per_capita or growth; per_capita only for additive measures (400 otherwise)",
    enum=COMPARE_MODES,
    default="value",
)
TRENDS_MODE = _chart(
    "mode",
    "choice",
    "value, per_capita, growth or index; per_capita only for additive measures (400 otherwise)",
    enum=TRENDS_MODES,
    default="value",
)
VIEW = _chart("view", "choice", "map or bar (the table view has no chart)", enum=CHART_VIEWS, default="map")
HIGHLIGHT = _codes(
    "highlight", f"prefecture codes 01–47 to outline (at most {MAX_LINES})", config.PREFECTURE_CODES, "13,27"
)
SORT = _chart("sort", "choice", "bar view: by value or by JIS code", enum=SORTS, default="value")
TREND_REGIONS = _codes(
    "regions",
    f"region codes 00, TKY, NTK, 01–47 (at most {MAX_LINES}; default 00,TKY,NTK)",
    (*config.AGGREGATE_CODES, *config.PREFECTURE_CODES),
    "00,TKY,NTK,13",
)
BASE = _chart("base", "year", "index mode: base year = 100 (default: the first year); no data → 404")
REGION_CODE = _chart(
    "region",
    "text",
    "prefecture code 01–47",
    pattern=REGION,
    malformed="has characters no region code has",
    required=" (a prefecture code 01–47)",
    example="13",
)
THEME = _chart("theme", "text", "theme as on the page (default 経済・雇用); unknown → 404")

CHART_COMMON = (PAGE, LANG, WIDTH, HEIGHT)
CHART_PAGE_PARAMS: dict[str, tuple[Param, ...]] = {
    "compare": (INDICATOR, PERIOD, COMPARE_MODE, VIEW, HIGHLIGHT, SORT),
    "trends": (INDICATOR, TREND_REGIONS, TRENDS_MODE, BASE),
    "region": (REGION_CODE, THEME),
}
