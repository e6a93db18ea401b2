"""/municipalities — one population indicator across Japan's 1,741 municipalities: map, ranking and table.

Everything the page shows is computed here (pages/municipalities.py only wires callbacks):

- ``muni_frame``: the municipalities of Japan or of one prefecture with the value, the municipality's total population
  and the share (value ÷ total × 100), cached per warehouse file version;
- ``muni_render``: the /municipalities callback. A change of indicator or mode keeps the same municipalities on the
  map, so the map is updated with a ``dash.Patch`` (colours and hover only, no names or codes again); the full
  figure is sent when the page loads or the prefecture changes;
- ``muni_rows``: the table uses AG Grid's infinite row model: it asks for 50 rows at a time with its sort order,
  so a sort or a page turn never ships 1,741 rows.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import Patch, dcc, html

from kpidash import config
from kpidash.data import queries
from kpidash.figures import municipal as figures_muni
from kpidash.views.a11y import aria, data_attrs
from kpidash.views.explore import prefecture_options, t
from kpidash.web import geo

DENOMINATOR = "pop_all_total"  # 総人口 of the municipality (住民基本台帳, 日本人住民＋外国人住民)
DEFAULT_INDICATOR = "pop_all_65plus"
MODES = ("value", "share")
MODE_LABELS = {"value": ("人数", "Number"), "share": ("総人口に占める割合 %", "Share of total population, %")}
BLOCK_ROWS = 50  # rows per request of the table (AG Grid cacheBlockSize)
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

GRID_FIELDS = ("rank", "region_code", "name", "value", "total", "share")


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


# ---------------------------------------------------------------- data


@functools.lru_cache(maxsize=4)
def _static(path: str, _mtime: float) -> dict[str, Any]:
    """Small tables read once per warehouse version: the catalogue, the sources and the prefecture names."""
    regs = queries.regions("prefecture", path=Path(path))
    return {
        "catalogue": queries.muni_indicators(Path(path)),
        "sources": queries.sources(path=Path(path)).set_index("source_id"),
        "prefectures": {str(r.region_code): (str(r.name_ja), str(r.name_en)) for r in regs.itertuples()},
    }


def _wh() -> tuple[str, float]:
    wh = config.warehouse_path()
    return str(wh), _stamp(wh)


def catalogue() -> pd.DataFrame:
    """Indicators with municipal observations (indicator_id, name_ja, name_en, unit, decimals, period, …)."""
    return _static(*_wh())["catalogue"]


def valid_indicator(raw: Any) -> str:
    ids = set(catalogue()["indicator_id"])
    if isinstance(raw, str) and raw in ids:
        return raw
    return DEFAULT_INDICATOR if DEFAULT_INDICATOR in ids else sorted(ids)[0]


def valid_pref(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw in config.PREFECTURE_CODES else None


def valid_mode(raw: Any, indicator: str) -> str:
    """``share`` of the total population; for the total itself that is 100 % everywhere, so ``value``."""
    return "share" if raw == "share" and indicator != DENOMINATOR else "value"


def shares(values: pd.Series, totals: pd.Series) -> pd.Series:
    """value ÷ total population × 100 (NaN where the total is missing or zero)."""
    return values / totals.where(totals > 0) * 100


def short_name(name: str) -> str:
    """The register's long indicator name without the common scope prefix and source suffix."""
    s = re.sub(r"^総人口（日本人住民＋外国人住民）", "", name)
    s = re.sub(r"（住民基本台帳）$", "", s)
    s = re.sub(r"^Population: ", "", s)
    s = re.sub(r" \(basic resident register\)$", "", s)
    return {"人口": "総人口", "residents (Japanese + foreign)": "total residents"}.get(s, s)


@functools.lru_cache(maxsize=16)
def _japan(path: str, _mtime: float, indicator: str) -> pd.DataFrame:
    """All municipalities with the indicator, the total population and the share (one query per indicator)."""
    period = int(_static(path, _mtime)["catalogue"].set_index("indicator_id").loc[indicator, "period"])
    df = queries.muni_values(indicator, DENOMINATOR, period, Path(path)).rename(columns={"denominator": "total"})
    df["share"] = shares(df["value"], df["total"]) if indicator != DENOMINATOR else float("nan")
    df["period"] = period
    return df


@functools.lru_cache(maxsize=64)
def _frame(path: str, _mtime: float, indicator: str, pref: str | None, mode: str) -> pd.DataFrame:
    df = _japan(path, _mtime, indicator)
    if pref:
        df = df[df["pref_code"] == pref]
    df = df.reset_index(drop=True)
    df["measure"] = df["share"] if mode == "share" else df["value"]
    df["rank"] = df["measure"].rank(ascending=False, method="min").astype("Int64")
    # "北海道 札幌市" → "札幌市" inside one prefecture; the prefecture stays in the name for all of Japan.
    df["name"] = df["name_ja"].str.split(" ", n=1).str[-1] if pref else df["name_ja"]
    return df


def muni_frame(indicator: str, pref: str | None, mode: str) -> pd.DataFrame:
    """region_code, name_ja, name, pref_code, entity_type, value, total, share, measure, rank, period, source_id."""
    return _frame(*_wh(), indicator, pref, mode)


def boundary_citation() -> str:
    """The municipal boundaries' original source (geo.boundary_citation); it joins the page's 出典 line, which ends
    in 「を加工して作成」: the boundaries, too, are processed (simplified) data of that source."""
    return geo.boundary_citation("municipalities")


def reference_date(vintage: str) -> str | None:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", vintage or "")
    return f"{int(m[1])}年{int(m[2])}月{int(m[3])}日" if m else None


def source_line(source_ids: list[str]) -> tuple[str, str | None]:
    """(出典 line, reference date) from marts.sources for the statistics and the boundary sidecar."""
    src = _static(*_wh())["sources"]
    parts: list[str] = []
    date: str | None = None
    for sid in dict.fromkeys(source_ids):
        if sid not in src.index:
            continue
        row = src.loc[sid]
        date = date or reference_date(str(row["vintage"]))
        parts.append(str(row["citation_ja"]) + (f"（{date}現在）" if date else ""))
    parts.append(boundary_citation())
    return "出典：" + "、".join(parts) + "を加工して作成", date


# ---------------------------------------------------------------- layout


def _labelled(label: str, control: Any, for_id: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=for_id), control], className="control")


def indicator_options(lang: str) -> list[dict[str, str]]:
    cat = catalogue()
    col = "name_ja" if lang == "ja" else "name_en"
    return [{"label": short_name(str(r[col])), "value": str(r["indicator_id"])} for _, r in cat.iterrows()]


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
    ind = valid_indicator(indicator)
    p = valid_pref(pref)
    m = valid_mode(mode, ind)
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


@functools.lru_cache(maxsize=256)
def _parts(path: str, mtime: float, ind: str, p: str | None, m: str, lang: str) -> dict[str, Any]:
    """Everything muni_render shows for one selection, as plain data (cached per warehouse version)."""
    ja = lang == "ja"
    meta = _static(path, mtime)["catalogue"].set_index("indicator_id").loc[ind]
    df = _frame(path, mtime, ind, p, m)
    unit = str(meta["unit"])
    label = short_name(str(meta["name_ja"] if ja else meta["name_en"]))
    citation, date = source_line([str(s) for s in df["source_id"].dropna().unique()])
    region = prefecture_name(p, lang) if p else t("全国", "All Japan", lang)
    when = date if ja and date else (str(int(df["period"].iloc[0])) if len(df) else "")
    share = m == "share"
    # Two lines, the second smaller: plotly titles do not wrap, and one line was cut on a phone.
    about = (region, when, MODE_LABELS[m][0 if ja else 1])
    detail = f"（{'、'.join(about)}）" if ja else f"({', '.join(about)})"
    title = f"{label}<br><span style='font-size:12px'>{detail}</span>"
    # Counts span 15 to 3.7 million people: colour on a log scale; the hover shows the number itself.
    log = not share
    hover = figures_muni.hovertemplate(label, unit, share)
    ranked = df.dropna(subset=["measure"]).sort_values(["rank", "region_code"], kind="stable")
    n = figures_muni.RANKING_N
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
            if share
            else t(
                "地図の色は対数目盛です（人数が数十人から数百万人まで開くため）。",
                "Map colours use a log scale (numbers range from tens to millions).",
                lang,
            ),
            "small muted",
        ),
    ]
    view = figures_muni.pref_view(p, frozenset(df["region_code"])) if p else None
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
    return {
        "title": title,
        # What a change of mode or indicator changes on the same municipalities (sent as a Patch):
        "colours": {
            **figures_muni.choropleth_colours(df, "measure", "%" if share else unit, log),
            "hovertemplate": hover,
        },
        "customdata": figures_muni.muni_choropleth_customdata(df),
        "map": figures_muni.muni_choropleth(
            df, list(df["name"]), title, "measure", "%" if share else unit, hover, log, p
        ),
        "ranking": {
            "title": t(f"上位・下位{n}市区町村（{region}）", f"Top and bottom {n} municipalities ({region})", lang),
            "unit": "%" if share else unit,
            "lists": figures_muni.ranking_lists(ranked, "measure", 2 if share else int(meta["decimals"]), n),
        },
        "notes": notes,
        "citation": citation,
        "unit": unit,
        "decimals": int(meta["decimals"]),
        "has_share": ind != DENOMINATOR,
        "rows": len(df),
    }


def ranking_panel(ranking: dict[str, Any], lang: str) -> list[Any]:
    """The highest and lowest municipalities as two lists, each row a name, its rank and value, and a bar under it.

    HTML, with the values printed (no plotly chart to draw), and one component per row: the rank and the value are
    the row's ``data-`` attributes, shown by CSS (assets/style.css ``.rank-list``; generated content is part of the
    row's accessible name), the bar is its background, sized by ``--f``. Dash's renderer spends ~0.5 ms per
    component on a first visit: five per row would cost as much as the chart they replace."""
    top, bottom = ranking["lists"]
    unit = ranking["unit"]

    def section(label: str, rows: list[figures_muni.RankedMunicipality], colour: str) -> list[Any]:
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
        html.H2(ranking["title"], id=RANKING_TITLE, className="h-chart"),
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
    ind = valid_indicator(indicator)
    p = valid_pref(pref)
    m = valid_mode(mode, ind)
    parts = _parts(*_wh(), ind, p, m, lang)
    if (
        isinstance(shown, dict)
        and "pref" in shown
        and shown.get("pref") == p
        and shown.get("lang") == (lang if lang == "en" else None)
    ):
        fig: Any = Patch()
        for k, v in parts["colours"].items():
            fig["data"][0][k] = v
        if shown.get("indicator") != ind:  # the numbers on hover; a change of mode keeps them
            fig["data"][0]["customdata"] = parts["customdata"]
        fig["layout"]["title"]["text"] = parts["title"]
    else:
        fig = parts["map"]
    info = [html.P(text, className=cls) for text, cls in parts["notes"]]
    info.append(html.P(parts["citation"], className="citation"))
    table = [
        html.H2(t("市区町村の一覧", "All municipalities", lang), className="h-chart"),
        html.P(t("列見出しで並べ替えできます。", "Sort by clicking a column header.", lang), className="small muted"),
        _grid(parts["unit"], parts["decimals"], parts["has_share"], lang, parts["rows"]),
    ]
    state = {"indicator": ind, "pref": p, "mode": m, "lang": lang if lang == "en" else None}
    return fig, ranking_panel(parts["ranking"], lang), table, info, state


def prefecture_name(code: str, lang: str) -> str:
    ja, en = _static(*_wh())["prefectures"].get(code, (code, code))
    return ja if lang == "ja" else en


def _int(raw: Any, default: int) -> int:
    try:
        return int(raw) if raw is not None and not isinstance(raw, bool) else default
    except (TypeError, ValueError, OverflowError):
        return default


def muni_rows(request: dict[str, Any] | None, state: dict[str, Any] | None) -> dict[str, Any]:
    """One block of table rows for AG Grid's infinite model, sorted as the grid asks (server-side)."""
    request = request if isinstance(request, dict) else {}
    state = state if isinstance(state, dict) else {}
    ind = valid_indicator(state.get("indicator"))
    p = valid_pref(state.get("pref"))
    m = valid_mode(state.get("mode"), ind)
    df = muni_frame(ind, p, m)
    model = request.get("sortModel")
    sort = [
        s for s in (model if isinstance(model, list) else []) if isinstance(s, dict) and s.get("colId") in GRID_FIELDS
    ]
    sort = sort[:3]
    if sort:
        df = df.sort_values(
            [s["colId"] for s in sort],
            ascending=[s.get("sort") != "desc" for s in sort],
            kind="stable",
            na_position="last",
        )
    else:
        df = df.sort_values(["rank", "region_code"], kind="stable", na_position="last")
    start = max(0, _int(request.get("startRow"), 0))
    end = min(len(df), max(start, _int(request.get("endRow"), start + BLOCK_ROWS)), start + 10 * BLOCK_ROWS)
    block = df.iloc[start:end]
    rows = [
        {
            "rank": None if pd.isna(r.rank) else int(r.rank),
            "region_code": r.region_code,
            "name": r.name,
            "value": None if pd.isna(r.value) else float(r.value),
            "total": None if pd.isna(r.total) else float(r.total),
            "share": None if pd.isna(r.share) else round(float(r.share), 2),
        }
        for r in block.itertuples()
    ]
    return {"rowData": rows, "rowCount": len(df)}
