"""/municipalities — one population indicator across Japan's 1,741 municipalities: map, ranking and table.

The data and its arithmetic come from kpidash/service/municipal.py (pages/municipalities.py only wires callbacks):

- ``muni_layout``: the page, with its first view;
- ``muni_render``: the /municipalities callback. A change of indicator or mode keeps the same municipalities on the
  map, so the map is updated with a ``dash.Patch`` (colours and hover only, no names or codes again); the full
  figure is sent when the page loads or the prefecture changes;
- the table uses AG Grid's infinite row model: it asks service.municipal.muni_rows for 50 rows at a time with its
  sort order, so a sort or a page turn never ships 1,741 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash_ag_grid as dag
from dash import Patch, dcc, html

from kpidash.analysis.municipal import BLOCK_ROWS, RANKING_N, RankedMunicipality
from kpidash.data.cache import per_warehouse
from kpidash.figures import municipal as figures_muni
from kpidash.service import municipal as service
from kpidash.service.municipal import MODES, Selection
from kpidash.views.a11y import aria, data_attrs
from kpidash.views.options import prefecture_options
from kpidash.views.text import t

MODE_LABELS = {"value": ("人数", "Number"), "share": ("総人口に占める割合 %", "Share of total population, %")}
GRID_PAGE_ROWS = 20  # rows per page of the table
GRID_PAGING_PX = 48  # height of its paging bar (measured in Chromium)

# Component ids (page-prefixed kebab-case, like kpidash/views/ids.py).
INDICATOR = "muni-indicator"
PREF = "muni-pref"
MODE = "muni-mode"
MAP = "muni-map"
RANKING = "muni-ranking"
RANKING_TITLE = "muni-ranking-title"
TABLE = "muni-table"
GRID = "muni-grid"
INFO = "muni-info"
STATE = "muni-state"
SYNC = "muni-sync"


@dataclass(frozen=True)
class Ranking:
    """The ranking panel's content."""

    title: str
    unit: str
    top: list[RankedMunicipality]
    bottom: list[RankedMunicipality]


@dataclass(frozen=True)
class Parts:
    """Everything muni_render shows for one selection and language."""

    title: str  # of the map
    colours: dict[str, Any]  # what a change of mode or indicator changes on the same municipalities (a Patch)
    customdata: list[float | None]  # the numbers on hover
    map: dict[str, Any]  # the full figure
    ranking: Ranking
    notes: list[tuple[str, str]]  # (text, class) of the paragraphs above the map
    citation: str
    unit: str
    decimals: int
    has_share: bool
    rows: int


# ---------------------------------------------------------------- layout


def _labelled(label: str, control: Any, for_id: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=for_id), control], className="control")


def indicator_options(lang: str) -> list[dict[str, str]]:
    return [{"label": label, "value": ind} for ind, label in service.indicator_choices(lang)]


def _graph_box(figure: Any, graph_id: str, lang: str) -> html.Div:
    """A graph in a box that keeps its height while dcc.Graph's script loads (it renders nothing until then), so the
    table below does not jump when the charts appear (CLS)."""
    height = f"{figures_muni.MAP_HEIGHT}px"
    return html.Div(
        dcc.Graph(
            figure=figure,
            id=graph_id,
            config={"displaylogo": False, "locale": "ja" if lang == "ja" else "en"},
            style={"height": height},
        ),
        style={"minHeight": height},
    )


def muni_layout(indicator: Any, pref: Any, mode: Any, lang: str) -> html.Div:
    sel = service.selection(indicator, pref, mode)
    ind, p, m = sel.indicator, sel.pref, sel.mode
    # The first view is part of the layout (the callback runs only when a control changes): one round trip less.
    fig, ranking, table, info, state = muni_render(ind, p, m, lang)
    return html.Div(
        [
            html.H1(t("市区町村を比べる", "Compare municipalities", lang)),
            html.Div(
                [
                    _labelled(
                        t("指標", "Indicator", lang),
                        dcc.Dropdown(id=INDICATOR, options=indicator_options(lang), value=ind, clearable=False),
                        INDICATOR,
                    ),
                    _labelled(
                        t("都道府県（空欄＝全国）", "Prefecture (empty = all Japan)", lang),
                        dcc.Dropdown(
                            id=PREF,
                            options=prefecture_options(lang),
                            value=p,
                            clearable=True,
                            placeholder=t("全国", "All Japan", lang),
                        ),
                        PREF,
                    ),
                    _labelled(
                        t("表示", "Measure", lang),
                        dcc.RadioItems(
                            id=MODE,
                            options=[{"label": MODE_LABELS[k][0 if lang == "ja" else 1], "value": k} for k in MODES],
                            value=m,
                            inline=True,
                        ),
                        MODE,
                    ),
                ],
                className="controls",
            ),
            html.Div(info, id=INFO),
            html.Div(
                [
                    _graph_box(fig, MAP, lang),
                    html.Section(ranking, id=RANKING, className="rank-panel", **aria("labelledby", RANKING_TITLE)),
                ],
                className="two-col",
            ),
            html.Div(table, id=TABLE),
            dcc.Store(id=STATE, data=state),
            dcc.Store(id=SYNC),
        ],
        className="page",
    )


# ---------------------------------------------------------------- callbacks


def _grid(unit: str, decimals: int, has_share: bool, lang: str, rows: int) -> dag.AgGrid:
    num = "numericColumn"
    cols: list[dict[str, Any]] = [
        {"field": "rank", "headerName": t("順位", "Rank", lang), "width": 90, "type": num},
        {"field": "region_code", "headerName": t("コード", "Code", lang), "width": 100},
        {"field": "name", "headerName": t("市区町村", "Municipality", lang), "flex": 2, "minWidth": 160},
        {
            "field": "value",
            "headerName": f"{t('人数', 'Number', lang)}（{unit}）",
            "type": num,
            "flex": 1,
            "valueFormatter": {"function": f"params.value == null ? '' : d3.format(',.{decimals}f')(params.value)"},
        },
        {
            "field": "total",
            "headerName": f"{t('総人口', 'Total population', lang)}（{unit}）",
            "type": num,
            "flex": 1,
            "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.0f')(params.value)"},
        },
    ]
    if has_share:
        cols.append(
            {
                "field": "share",
                # Short enough for the column's width at 1366 px (the full wording was cut to "総人口に占める割合（…").
                "headerName": t("総人口比（%）", "Share of total (%)", lang),
                "headerTooltip": t("総人口に占める割合（%）", "Share of the total population (%)", lang),
                "type": num,
                "flex": 1,
                "valueFormatter": {"function": "params.value == null ? '' : d3.format('.2f')(params.value)"},
            }
        )
    return dag.AgGrid(
        id=GRID,
        rowModelType="infinite",
        columnDefs=cols,
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions={
            "cacheBlockSize": BLOCK_ROWS,
            "maxBlocksInCache": 20,
            "pagination": True,
            "paginationPageSize": GRID_PAGE_ROWS,
            "paginationPageSizeSelector": False,
            "domLayout": "autoHeight",
            "ensureDomOrder": True,
        },
        className="ag-theme-alpine kpi-grid-defer",  # loads once the map is drawn (assets/app.js)
        # Its height before the deferred script draws it (alpine: 48 px header, 42 px rows, the paging bar), so the
        # page below does not jump (CLS).
        style={"width": "100%", "minHeight": f"{48 + 42 * min(rows, GRID_PAGE_ROWS) + GRID_PAGING_PX + 2}px"},
    )


@per_warehouse(maxsize=256)
def _parts(sel: Selection, lang: str) -> Parts:
    ja = lang == "ja"
    s = service.summary(sel)
    df = s.frame
    label = s.label_ja if ja else s.label_en
    region = (s.prefecture[0] if ja else s.prefecture[1]) if s.prefecture else t("全国", "All Japan", lang)
    when = s.reference_date if ja and s.reference_date else ("" if s.period is None else str(s.period))
    # Two lines, the second smaller: plotly titles do not wrap, and one line was cut on a phone.
    about = (region, when, MODE_LABELS[sel.mode][0 if ja else 1])
    detail = f"（{'、'.join(about)}）" if ja else f"({', '.join(about)})"
    title = f"{label}<br><span style='font-size:12px'>{detail}</span>"
    # Counts span 15 to 3.7 million people: colour on a log scale; the hover shows the number itself.
    log = not s.share
    hover = figures_muni.hovertemplate(label, s.unit, s.share)
    notes = [
        (
            t(
                f"{region}の{len(df):,}市区町村（政令指定都市は市全体）、住民基本台帳{when}現在。",
                f"{len(df):,} municipalities of {region} (designated cities as a whole); basic resident register, "
                f"{when}.",
                lang,
            ),
            "lead",
        ),
        (
            t(
                "割合＝人数÷その市区町村の総人口（日本人住民＋外国人住民）×100。",
                "Share = number ÷ the municipality's total population (Japanese + foreign residents) × 100.",
                lang,
            )
            if s.share
            else t(
                "地図の色は対数目盛です（人数が数十人から数百万人まで開くため）。",
                "Map colours use a log scale (numbers range from tens to millions).",
                lang,
            ),
            "small muted",
        ),
    ]
    view = figures_muni.pref_view(sel.pref, frozenset(df["region_code"])) if sel.pref else None
    if view is not None and view.n_outside:
        notes.append(
            (
                t(
                    f"離島など{view.n_outside}市町村は初期表示の範囲外です（地図を縮小すると表示されます）。",
                    f"{view.n_outside} municipalities (remote islands) lie outside the initial view; zoom out to see "
                    "them.",
                    lang,
                ),
                "small muted",
            )
        )
    if not ja:
        notes.append(("Municipality names are shown in Japanese (as published).", "small muted"))
    n = RANKING_N
    return Parts(
        title=title,
        colours={**figures_muni.choropleth_colours(df, "measure", s.measure_unit, log), "hovertemplate": hover},
        customdata=figures_muni.muni_choropleth_customdata(df),
        map=figures_muni.muni_choropleth(df, list(df["name"]), title, "measure", s.measure_unit, hover, log, sel.pref),
        ranking=Ranking(
            t(f"上位・下位{n}市区町村（{region}）", f"Top and bottom {n} municipalities ({region})", lang),
            s.measure_unit,
            s.top,
            s.bottom,
        ),
        notes=notes,
        citation=s.citation,
        unit=s.unit,
        decimals=s.decimals,
        has_share=s.has_share,
        rows=len(df),
    )


def ranking_panel(ranking: Ranking, lang: str) -> list[Any]:
    """The highest and lowest municipalities as two lists, each row a name, its rank and value, and a bar under it.

    HTML, with the values printed (no plotly chart to draw), and one component per row: the rank and the value are
    the row's ``data-`` attributes, shown by CSS (assets/style.css ``.rank-list``; generated content is part of the
    row's accessible name), the bar is its background, sized by ``--f``. Dash's renderer spends ~0.5 ms per
    component on a first visit: five per row would cost as much as the chart they replace."""
    top, bottom, unit = ranking.top, ranking.bottom, ranking.unit

    def section(label: str, rows: list[RankedMunicipality], colour: str) -> list[Any]:
        items = [
            html.Li(
                r.name,
                style={"--f": f"{r.bar_pct / 100:.4f}"},
                **data_attrs(rank=f"{r.rank:,}", value=f"{r.value}{unit}"),
            )
            for r in rows
        ]
        return [html.H3(label, className="rank-head"), html.Ol(items, className=f"rank-list {colour}")]

    lists = section(t(f"上位{len(top)}", f"Top {len(top)}", lang), top, "rank-top")
    if bottom:
        lists += section(t(f"下位{len(bottom)}", f"Bottom {len(bottom)}", lang), bottom, "rank-bottom")
    return [
        html.H2(ranking.title, id=RANKING_TITLE, className="h-chart"),
        *lists,
        html.P(
            t(
                "順位は大きい順（同じ値は同順位）。棒の長さはそれぞれのリストの最大値が基準です。",
                "Ranked from the highest (equal values share a rank). Bars are scaled to each list's largest value.",
                lang,
            ),
            className="small muted",
        ),
    ]


def muni_render(
    indicator: Any, pref: Any, mode: Any, lang: str, shown: dict[str, Any] | None = None
) -> tuple[Any, list[Any], list[Any], list[Any], dict[str, Any]]:
    """Validated inputs → (map figure or Patch, ranking lists, table, info, URL state).

    ``shown``: the state store as the browser has it, i.e. what its map currently draws (None on page load). The
    store is written in the same response as the map, so a response the browser drops leaves both unchanged. When the
    map already shows this prefecture's municipalities, only colours, numbers and title are sent (a Patch); the
    codes, names and view are not sent again.
    """
    sel = service.selection(indicator, pref, mode)
    ind, p, m = sel.indicator, sel.pref, sel.mode
    parts = _parts(sel, lang)
    if (
        isinstance(shown, dict)
        and "pref" in shown
        and shown.get("pref") == p
        and shown.get("lang") == (lang if lang == "en" else None)
    ):
        fig: Any = Patch()
        for k, v in parts.colours.items():
            fig["data"][0][k] = v
        if shown.get("indicator") != ind:  # the numbers on hover; a change of mode keeps them
            fig["data"][0]["customdata"] = parts.customdata
        fig["layout"]["title"]["text"] = parts.title
    else:
        fig = parts.map
    info = [html.P(text, className=cls) for text, cls in parts.notes]
    info.append(html.P(parts.citation, className="citation"))
    table = [
        html.H2(t("市区町村の一覧", "All municipalities", lang), className="h-chart"),
        html.P(t("列見出しで並べ替えできます。", "Sort by clicking a column header.", lang), className="small muted"),
        _grid(parts.unit, parts.decimals, parts.has_share, lang, parts.rows),
    ]
    state = {"indicator": ind, "pref": p, "mode": m, "lang": lang if lang == "en" else None}
    return fig, ranking_panel(parts.ranking, lang), table, info, state
