"""The parts of a KPI result that come from its :class:`~kpidash.analysis.progress.Assessment` — the same for the
national KPIs (:mod:`kpidash.analysis.kpi`) and the analyst's own (:mod:`kpidash.analysis.local_kpi`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kpidash.analysis import progress
from kpidash.analysis.progress import STATUS_LABELS, Assessment, Context


def pairs(points: list[tuple[int, float]]) -> list[dict[str, Any]]:
    return [{"period": t, "value": v} for t, v in points]


def point(p: tuple[int, float] | None) -> dict[str, Any] | None:
    return {"period": p[0], "value": p[1]} if p else None


def context_fields(c: Context | None, window: int, growth: bool = False) -> dict[str, Any] | None:
    """The pre-base context of a result (a growth KPI's context has no projection: growth since an old base is not a level)."""
    if c is None or c.latest is None:
        return None
    method = (progress.CONTEXT_METHOD_JA, progress.CONTEXT_METHOD_EN)
    return {
        "label_ja": "基準年までの推移（参考。進捗ではありません）",
        "label_en": "Up to the base year (context, not progress)",
        "latest": point(c.latest),
        "series": pairs(c.series),
        "projection": asdict(c.projection) if c.projection and not growth else None,
        "trend_path": pairs(c.trend_path) if not growth else [],
        "method_ja": method[0].format(window=window) if not growth else "",
        "method_en": method[1].format(window=window) if not growth else "",
    }


def assessment_fields(a: Assessment, window: int) -> dict[str, Any]:
    """The fields every KPI result takes from its assessment: status, reasons, why line, base, latest, projection and
    its method, rates, gap and the paths (national and own KPIs alike)."""
    return {
        "status": a.status,
        "status_label_ja": STATUS_LABELS[a.status][0],
        "status_label_en": STATUS_LABELS[a.status][1],
        "reason_ja": a.reason_ja,
        "reason_en": a.reason_en,
        "why_ja": a.why_ja,
        "why_en": a.why_en,
        "baseline": point(a.baseline),
        "latest": point(a.latest),
        "projection": asdict(a.projection) if a.projection else None,
        "projection_method_ja": progress.PROJECTION_METHOD_JA.format(window=window),
        "projection_method_en": progress.PROJECTION_METHOD_EN.format(window=window),
        "ratio": a.ratio,
        "observed_rate": a.observed_rate,
        "required_rate": a.required_rate,
        "gap": a.gap,
        "series": pairs(a.observed),
        "required_path": pairs(a.required_path),
        "trend_path": pairs(a.trend_path),
    }
