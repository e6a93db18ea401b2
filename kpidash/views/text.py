"""Shared words of the exploration pages: the language switch, period labels and the one-sentence summaries that are
the charts' text alternatives (from the numbers in the service results)."""

from __future__ import annotations

from typing import Any

from dash import html

from kpidash.analysis.explore import CrossSummary, Line, RankedPrefecture, SpineSummary, line_ends
from kpidash.formatting import format_number, period_label, t
from kpidash.service.explore import map_boundary_citation


def period_text(period: Any, period_type: str, lang: str) -> str:
    """Period label; a bare number where the period type is unknown (KPI component series)."""
    return period_label(int(period), period_type, lang) if period_type else str(int(period))


def cross_summary(
    summary: CrossSummary | None,
    ranked: tuple[RankedPrefecture, ...],
    unit: str,
    decimals: int,
    lang: str,
    kind: str,
    highlight: list[str] | tuple[str, ...] = (),
) -> str:
    """What a map or ranking of the prefectures shows, in one sentence."""
    if summary is None:
        return t(f"{kind}：データがありません。", f"{kind}: no data.", lang)

    def v(x: float) -> str:
        return f"{format_number(x, decimals)} {unit}".strip()

    top, last, med, n = summary.top.name, summary.last.name, summary.median, summary.size
    if lang == "ja":
        text = (
            f"{kind}：最も高いのは{top}（{v(summary.top.value)}）、最も低いのは{last}（{v(summary.last.value)}）、"
            f"{n}都道府県の中央値は{v(med)}。"
        )
    else:
        text = (
            f"{kind}: highest {top} ({v(summary.top.value)}), lowest {last} ({v(summary.last.value)}), "
            f"median of {n}: {v(med)}."
        )
    by_code = {r.code: r for r in ranked if r.rank is not None}
    marked = [f"{by_code[c].name} {by_code[c].rank}" for c in highlight if c in by_code]
    if marked and lang == "ja":
        text += f"強調した県の順位（高い順）：{'、'.join(m + '位' for m in marked)}。"
    elif marked:
        text += f" Rank of the highlighted (highest first): {', '.join(marked)}."
    return text


def series_summary(lines: dict[str, Line], unit: str, decimals: int, period_type: str, lang: str) -> str:
    """One sentence per chart of lines: each line's first and last observed value."""
    parts = []
    for name, (p0, v0), (p1, v1) in line_ends(lines):
        a, b = format_number(v0, decimals), format_number(v1, decimals)
        pa, pb = period_text(p0, period_type, lang), period_text(p1, period_type, lang)
        parts.append(t(f"{name}は{pa}の{a}から{pb}の{b}", f"{name} from {a} ({pa}) to {b} ({pb})", lang))
    if not parts:
        return t("推移：データがありません。", "Trend: no data.", lang)
    if lang == "ja":
        return f"推移（{unit}）：" + "、".join(parts) + "。"
    return f"Trend ({unit}): " + "; ".join(parts) + "."


def spine_summary(summary: SpineSummary | None, name: str, lang: str) -> str:
    """What the spine chart of one prefecture shows, in one sentence."""
    if summary is None:
        return t("データがありません。", "No data.", lang)
    s = summary
    if lang == "ja":
        return (
            f"{name}の{s.size}指標：47都道府県の中で値が大きい順の順位が最も高いのは「{s.top_name}」（{s.top_rank}位）、"
            f"最も低いのは「{s.bottom_name}」（{s.bottom_rank}位）。中央値より大きい指標は{s.size}個中{s.above_median}個。"
        )
    return (
        f"{name}, {s.size} indicators: highest rank among the 47 is {s.top_name} ({s.top_rank}), "
        f"lowest {s.bottom_name} ({s.bottom_rank}); {s.above_median} of {s.size} are above the median."
    )


def map_boundary_note(lang: str) -> html.P:
    """The prefecture map's own 出典 (its borders are simplified 地球地図日本 data, not a statistical source)."""
    return html.P(
        f"{t('地図の境界', 'Map boundaries', lang)}：{map_boundary_citation()}",
        className="small muted citation-map",
        lang="ja",
    )
