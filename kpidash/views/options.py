"""Dropdown options of the exploration pages, from the service's catalogue."""

from __future__ import annotations

from kpidash.service import explore


def indicator_options(theme: str | None, lang: str) -> list[dict[str, str]]:
    return [{"label": name, "value": iid} for iid, name in explore.indicator_names(theme, lang)]


def theme_options() -> list[dict[str, str]]:
    return [{"label": x, "value": x} for x in explore.themes()]


def prefecture_options(lang: str, with_aggregates: bool = False) -> list[dict[str, str]]:
    return [{"label": f"{code} {name}", "value": code} for code, name in explore.region_names(lang, with_aggregates)]
