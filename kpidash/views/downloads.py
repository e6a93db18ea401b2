"""Download links under a chart (one component for /compare, /trends and /region).

A bar offers the data on screen as CSV, Excel and a ZIP bundle (``/api/v1/data.*``), a wider CSV (the full series, or
every region), and the chart itself as PNG and SVG drawn on the server (``/api/v1/chart.{png,svg}``, the same figure
as on the page, with the 出典 line). Links only: no data access here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from dash import html

from kpidash.formatting import t
from kpidash.views.a11y import aria

API = "/api/v1"
MAX_INDICATORS_PER_LINK = 20  # the data API's limit per request (kpidash.exports.MAX_INDICATORS)


@dataclass(frozen=True)
class DataQuery:
    """A request of the data API: indicator ids, region codes (None: every region) and an optional period range."""

    indicators: Sequence[str]
    regions: Sequence[str] | None = None
    period_from: int | None = None
    period_to: int | None = None

    def params(self) -> dict[str, str]:
        q = {"indicators": ",".join(self.indicators)}
        if self.regions is not None:
            q["regions"] = ",".join(self.regions)
        if self.period_from is not None:
            q["from"] = str(self.period_from)
        if self.period_to is not None:
            q["to"] = str(self.period_to)
        return q


def data_url(fmt: str, query: DataQuery) -> str:
    """``/api/v1/data.<fmt>?…`` for csv, xlsx, zip or json."""
    return f"{API}/data.{fmt}?{urlencode(query.params())}"


def chart_url(fmt: str, params: Mapping[str, Any]) -> str:
    """``/api/v1/chart.<fmt>?…`` (png or svg); parameters that are None or empty are left out, as in page URLs."""
    q = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    return f"{API}/chart.{fmt}?{urlencode(q)}"


def chunks(ids: Sequence[str], size: int = MAX_INDICATORS_PER_LINK) -> list[list[str]]:
    """Indicator ids in groups the data API accepts in one request."""
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def download_bar(
    label: str,
    lang: str,
    key: str,
    data: DataQuery | None = None,
    full: DataQuery | None = None,
    full_label: str | None = None,
    chart: Mapping[str, Any] | None = None,
) -> html.Div:
    """A labelled group of download links.

    ``data``: what is on screen → CSV, Excel, ZIP; ``full``: a wider CSV named ``full_label`` (default 全期間CSV);
    ``chart``: query parameters of /api/v1/chart.{png,svg} (page, and that page's URL parameters) → PNG and SVG of
    the chart. ``key`` makes the label's id unique on the page (the group is named by it for screen readers).
    """
    label_id = f"{key}-downloads-label"
    links: list[Any] = []
    if data is not None:
        links += [
            html.A("CSV", href=data_url("csv", data), download=""),
            html.A("Excel", href=data_url("xlsx", data), download=""),
        ]
    if full is not None:
        links.append(
            html.A(full_label or t("全期間CSV", "Full series CSV", lang), href=data_url("csv", full), download="")
        )
    if data is not None:
        links.append(html.A("ZIP", href=data_url("zip", data), download=""))
    if chart is not None:
        links += [
            # Visible text names the link (WCAG 2.4.4, 2.5.3): the chart, and the format.
            html.A(t("グラフ（PNG）", "Chart (PNG)", lang), href=chart_url("png", chart), download=""),
            html.A(t("グラフ（SVG）", "Chart (SVG)", lang), href=chart_url("svg", chart), download=""),
        ]
    return html.Div(
        [html.Span(label, id=label_id), *links],
        className="downloads",
        role="group",
        **aria("labelledby", label_id),
    )
