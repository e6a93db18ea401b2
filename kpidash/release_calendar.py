"""Typed contract for ``release_calendar.yaml``: when the statistics behind the KPIs are usually published.

Only the usual timing is typed in; what is loaded (latest period, vintage) is read from the warehouse by the service
layer, and the expected date of the next release is computed by :mod:`kpidash.analysis.releases`.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpidash.kpi_schema import schema_text

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Frequency = Literal["annual", "quarterly", "quinquennial", "irregular"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReleaseSeries(_Strict):
    id: Id
    publisher: str
    title_ja: str
    title_en: str
    url: str
    frequency: Frequency
    period_type: Literal["fiscal_year", "calendar_year", "reference_date"]
    # Years from the reference period to its publication (FY2022 published in 2025 → 3), and the usual month.
    lag_years: int = Field(ge=0, le=10)
    usual_month: int | None = Field(default=None, ge=1, le=12)
    usual_ja: str
    usual_en: str
    indicators: list[Id]
    # marts.sources ids starting with one of these are this series' loaded vintages.
    source_prefixes: list[str]
    known_unloaded_ja: str = ""
    known_unloaded_en: str = ""


class ReleaseCalendar(_Strict):
    version: Literal[1]
    reviewed: dt.date
    series: list[ReleaseSeries] = Field(min_length=1)

    def get(self, series_id: str) -> ReleaseSeries | None:
        return next((s for s in self.series if s.id == series_id), None)


class ReleaseCalendarError(Exception):
    """Invalid release_calendar.yaml; the message names the file, key path and problem."""


def parse_release_calendar(text: str, filename: str = "release_calendar.yaml") -> ReleaseCalendar:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReleaseCalendarError(f"{filename}: malformed YAML: {exc}") from exc
    try:
        cal = ReleaseCalendar.model_validate(raw)
    except ValidationError as exc:
        msgs = [f"{filename} {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()]
        raise ReleaseCalendarError("\n".join(msgs)) from None
    ids = [s.id for s in cal.series]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ReleaseCalendarError(f"{filename} series: duplicate id(s) {dup}")
    return cal


def load_release_calendar(path: Path | None = None) -> ReleaseCalendar:
    from kpidash import config

    path = path or config.RELEASE_CALENDAR_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReleaseCalendarError(f"{path}: cannot read: {exc.strerror}") from exc
    return _parse_cached(text, path.name)


@functools.lru_cache(maxsize=4)
def _parse_cached(text: str, name: str) -> ReleaseCalendar:
    return parse_release_calendar(text, name)


def json_schema() -> str:
    return schema_text(ReleaseCalendar, "release_calendar.yaml")
