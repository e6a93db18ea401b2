"""The first view of a page is part of its layout (its callback has prevent_initial_call): it must be exactly what the
callback returns for the controls' values in that layout, or the page would change the moment a control is touched
without a change of selection. Checked on the synthetic warehouse for /compare, /trends and /municipalities, with
default, explicit, English and hostile query strings."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from plotly.io.json import to_json_plotly


@pytest.fixture()
def pages(use_fixture_warehouse) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    import importlib

    import app  # noqa: F401  (registers the pages and their callbacks)

    return {name: importlib.import_module(f"pages.{name}") for name in ("compare", "trends", "municipalities")}


def components_by_id(tree: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    stack = [tree]
    while stack:
        c = stack.pop()
        if isinstance(c, list | tuple):
            stack.extend(c)
            continue
        cid = getattr(c, "id", None)
        if isinstance(cid, str):
            assert cid not in found, f"two components with id {cid}"
            found[cid] = c
        children = getattr(c, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return found


def same(a: Any, b: Any) -> bool:
    return bool(to_json_plotly(a) == to_json_plotly(b))


def query(search: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(search.lstrip("?")))


COMPARE_URLS = [
    "",
    "?indicator=gdp_nominal&period=2019&mode=value&highlight=13,27&view=bar&sort=code",
    "?indicator=ssdse_births&mode=per_capita&view=table&lang=en",
    "?indicator=gdp_nominal&mode=growth&period=2022",
    "?indicator=x%27;DROP&period=abc&mode=evil&highlight=99,%3Cscript%3E&view=nope&sort=%3F&lang=zz",
]


@pytest.mark.parametrize("search", COMPARE_URLS)
def test_compare_first_view_is_the_callback_output(pages, search: str) -> None:  # type: ignore[no-untyped-def]
    from kpidash.views import ids

    compare = pages["compare"]
    found = components_by_id(compare.layout(**query(search)))
    controls = [
        found[i].value
        for i in (
            ids.COMPARE_INDICATOR,
            ids.COMPARE_PERIOD,
            ids.COMPARE_MODE,
            ids.COMPARE_HIGHLIGHT,
            ids.COMPARE_VIEW,
            ids.COMPARE_SORT,
        )
    ]
    body, period_options, period, state = compare.render(*controls, search)
    assert same(body, found[ids.COMPARE_BODY].children)
    assert period_options == found[ids.COMPARE_PERIOD].options
    assert period == found[ids.COMPARE_PERIOD].value
    assert state == found[ids.COMPARE_STATE].data


TRENDS_URLS = [
    "",
    "?indicator=gdp_nominal&regions=TKY,NTK,13&mode=index&base=2015",
    "?indicator=ssdse_births&regions=00,47&mode=per_capita&lang=en",
    "?indicator=income_per_capita&mode=growth",
    "?indicator=%3Cb%3E&regions=zz,,13&mode=x&base=1800&lang=%00",
]


@pytest.mark.parametrize("search", TRENDS_URLS)
def test_trends_first_view_is_the_callback_output(pages, search: str) -> None:  # type: ignore[no-untyped-def]
    from kpidash.views import ids

    trends = pages["trends"]
    found = components_by_id(trends.layout(**query(search)))
    controls = [found[i].value for i in (ids.TRENDS_INDICATOR, ids.TRENDS_REGIONS, ids.TRENDS_MODE, ids.TRENDS_BASE)]
    body, state = trends.render(*controls, search)
    assert same(body, found[ids.TRENDS_BODY].children)
    assert state == found[ids.TRENDS_STATE].data


MUNI_URLS = [
    "",
    "?indicator=pop_all_65plus&pref=13&mode=share",
    "?indicator=pop_all_total&pref=01&lang=en",
    "?indicator=nope&pref=99&mode=%27",
]


def patched(figure: dict[str, Any], patch: Any) -> dict[str, Any]:
    """``figure`` with a dash.Patch's assignments applied (what the browser does with it)."""
    import copy

    out = copy.deepcopy(figure)
    for op in patch.to_plotly_json()["operations"]:
        assert op["operation"] == "Assign", op
        *path, last = op["location"]
        target: Any = out
        for key in path:
            target = target[key]
        target[last] = op["params"]["value"]
    return out


@pytest.mark.parametrize("search", MUNI_URLS)
def test_municipalities_first_view_is_the_callback_output(pages, search: str) -> None:  # type: ignore[no-untyped-def]
    from dash import Patch

    from kpidash.views import municipal as views_muni

    muni = pages["municipalities"]
    found = components_by_id(muni.layout(**query(search)))
    controls = [found[i].value for i in (views_muni.INDICATOR, views_muni.PREF, views_muni.MODE)]
    shown = found[views_muni.STATE].data
    layout_figure = found[views_muni.MAP].figure
    # On page load nothing is drawn yet: the callback sends the whole figure.
    figure, ranking, table, info, state = muni.render(*controls, search, None)
    assert same(figure, layout_figure)
    assert same(ranking, found[views_muni.RANKING].children)
    assert same(table, found[views_muni.TABLE].children)
    assert same(info, found[views_muni.INFO].children)
    assert state == shown
    # With the layout's map already drawn, the callback's Patch changes nothing on it.
    patch, *rest = muni.render(*controls, search, shown)
    assert isinstance(patch, Patch)
    assert same(patched(layout_figure, patch), layout_figure)
    assert same(rest, [ranking, table, info, state])
