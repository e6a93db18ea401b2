"""What the benchmark measures: the pages, their main callbacks and the API calls (one place, used by every step)."""

from __future__ import annotations

from dataclasses import dataclass

PREFS = ",".join(f"{i:02d}" for i in range(1, 48))


@dataclass(frozen=True)
class CallbackView:
    """One callback as the browser calls it: captured on ``page`` (after ``action``, if any) from the request whose
    ``output`` contains ``output``; ``target_ms`` is the p95 target of its server-side latency."""

    name: str
    label: str
    page: str
    output: str
    target_ms: float
    action: str | None = None  # "muni_mode": click the 人数 radio after the page has drawn
    interaction: bool = True  # counts as a user interaction for the bytes target (the rows call is part of one)
    from_browser: bool = False  # always the browser's own request (a component asks on load, e.g. the grid's rows)


CALLBACKS: list[CallbackView] = [
    CallbackView("compare_map", "/compare map", "/compare?indicator=gdp_nominal&view=map", "compare-body.children", 25),
    CallbackView("compare_bar", "/compare bar", "/compare?indicator=gdp_nominal&view=bar", "compare-body.children", 25),
    CallbackView(
        "compare_table", "/compare table", "/compare?indicator=gdp_nominal&view=table", "compare-body.children", 25
    ),
    CallbackView(
        "trends", "/trends", "/trends?indicator=gdp_nominal&regions=00,TKY,NTK,13,27", "trends-body.children", 25
    ),
    CallbackView(
        "muni_japan",
        "/municipalities all Japan",
        "/municipalities?indicator=pop_all_65plus&mode=share",
        "muni-map.figure",
        60,
    ),
    CallbackView(
        "muni_pref",
        "/municipalities 北海道 (179)",
        "/municipalities?indicator=pop_all_65plus&mode=share&pref=01",
        "muni-map.figure",
        60,
    ),
    CallbackView(
        "muni_mode",
        "/municipalities all Japan, mode change",
        "/municipalities?indicator=pop_all_65plus&mode=share",
        "muni-map.figure",
        60,
        action="muni_mode",
    ),
    CallbackView(
        "muni_rows",
        "/municipalities table rows (50)",
        "/municipalities?indicator=pop_all_65plus&mode=share",
        "muni-grid.getRowsResponse",
        60,
        from_browser=True,
    ),
    CallbackView("industry", "/industry", "/industry?region=13&from=2011&to=2022", "industry-body.children", 60),
]

# The render callback and the table's first rows arrive together: bytes of one municipality interaction = both.
INTERACTION_PARTS = {"muni_japan": ["muni_rows"], "muni_pref": ["muni_rows"], "muni_mode": ["muni_rows"]}


@dataclass(frozen=True)
class NavView:
    name: str
    label: str
    page: str
    graph_id: str
    is_map: bool


NAVIGATIONS: list[NavView] = [
    NavView("compare_map", "/compare map", "/compare?indicator=gdp_nominal&view=map", "compare-graph", True),
    NavView("compare_bar", "/compare bar", "/compare?indicator=gdp_nominal&view=bar", "compare-graph", False),
    NavView("trends", "/trends", "/trends?indicator=gdp_nominal&regions=00,TKY,NTK,13,27", "trends-graph", False),
    NavView(
        "muni_japan",
        "/municipalities all Japan",
        "/municipalities?indicator=pop_all_65plus&mode=share",
        "muni-map",
        True,
    ),
    NavView(
        "muni_pref",
        "/municipalities 北海道",
        "/municipalities?indicator=pop_all_65plus&mode=share&pref=01",
        "muni-map",
        True,
    ),
    NavView("industry", "/industry", "/industry?region=13&from=2011&to=2022", "industry-composition", False),
]

API_CALLS: list[tuple[str, str, str]] = [
    (
        "api_data",
        "/api/v1/data.json gdp_nominal × 47 × 2011–2022",
        f"/api/v1/data.json?indicators=gdp_nominal&regions={PREFS}&from=2011&to=2022",
    ),
    ("api_kpis", "/api/v1/kpis", "/api/v1/kpis"),
]
