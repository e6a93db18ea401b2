"""Number formatting in Japanese conventions (万・億) and period labels (年度 vs 年)."""

from __future__ import annotations

import math


def format_number(value: float | None, decimals: int = 0, unit: str = "") -> str:
    """Plain thousands-separated number with its unit; '—' for a gap."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{decimals}f}{unit}"


def format_signed(value: float | None, decimals: int = 1, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:+,.{decimals}f}{unit}"


def period_label(period: int | None, period_type: str, lang: str = "ja") -> str:
    if period is None:
        return "—"
    if lang == "en":
        return f"FY{period}" if period_type == "fiscal_year" else str(period)
    return f"{period}年度" if period_type == "fiscal_year" else f"{period}年"


def t(ja: str, en: str, lang: str) -> str:
    """The Japanese or the English text, by the page language."""
    return ja if lang == "ja" else en


def name_col(lang: str) -> str:
    """The name column of a catalogue frame in the page language (name_ja or name_en)."""
    return "name_ja" if lang == "ja" else "name_en"
