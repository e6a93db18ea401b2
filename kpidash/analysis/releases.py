"""When the next statistics of a series are expected: from its usual timing (release_calendar.yaml) and the latest
period loaded. The result is a guide (目安): publishers move dates, and a release may be out but not yet loaded."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from kpidash.formatting import period_label
from kpidash.release_calendar import ReleaseSeries

STEP = {"annual": 1, "quarterly": 1, "quinquennial": 5}


@dataclass(frozen=True)
class ReleaseStatus:
    id: str
    title_ja: str
    title_en: str
    publisher: str
    url: str
    usual_ja: str
    usual_en: str
    latest_loaded: int | None
    vintages: list[str]
    next_period: int | None
    expected_year: int | None
    expected_month: int | None
    expected_passed: bool
    next_ja: str
    next_en: str
    known_unloaded_ja: str
    known_unloaded_en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def release_status(s: ReleaseSeries, latest_loaded: int | None, vintages: list[str], today: dt.date) -> ReleaseStatus:
    step = STEP.get(s.frequency)
    next_period = latest_loaded + step if latest_loaded is not None and step else None
    year = next_period + s.lag_years if next_period is not None else None
    passed = False
    if year is not None:
        month = s.usual_month or 12
        passed = today > dt.date(year, month, calendar.monthrange(year, month)[1])
    if next_period is None or year is None:
        next_ja, next_en = s.usual_ja, s.usual_en
    else:
        when_ja = f"{year}年{s.usual_month}月頃" if s.usual_month else f"{year}年中"
        when_en = f"around {calendar.month_name[s.usual_month]} {year}" if s.usual_month else f"during {year}"
        next_ja = (
            f"次の統計（{period_label(next_period, s.period_type, 'ja')}分）は例年どおりなら{when_ja}の公表（目安）。"
        )
        next_en = (
            f"The next data ({period_label(next_period, s.period_type, 'en')}) would usually be published {when_en} "
            "(a guide)."
        )
        if passed:
            next_ja += "目安の時期を過ぎており、公表済みでこのダッシュボードに未読み込みの可能性があります。"
            next_en += " That time has passed: they may be out but not yet loaded here."
    return ReleaseStatus(
        s.id,
        s.title_ja,
        s.title_en,
        s.publisher,
        s.url,
        s.usual_ja,
        s.usual_en,
        latest_loaded,
        vintages,
        next_period,
        year,
        s.usual_month,
        passed,
        next_ja,
        next_en,
        s.known_unloaded_ja,
        s.known_unloaded_en,
    )
