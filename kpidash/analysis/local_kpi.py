"""An analyst's own KPI (data/local/kpis.yaml) judged by the same engine as the national KPIs.

The result has the public fields of a national KPI (same status rules, reasons, why line, projection, context) plus
``local: true``, the region, and where the values come from: a catalogue indicator (official statistics) or the
analyst's own CSV, labelled 「利用者が提供した値（公的統計ではありません）」 wherever it appears."""

from __future__ import annotations

from typing import Any

from kpidash.analysis.kpi_result import assessment_fields, context_fields
from kpidash.analysis.progress import assess
from kpidash.local_schema import LocalKpi

USER_SUPPLIED_JA = "利用者が提供した値（公的統計ではありません）"
USER_SUPPLIED_EN = "Values supplied by the user (not official statistics)"
WINDOW = 5


def compute_local_kpi(
    k: LocalKpi,
    series: list[tuple[int, float]],
    *,
    region_name: tuple[str, str],
    indicator_name: tuple[str, str] | None = None,
    decided: str = "",
) -> dict[str, Any]:
    t = k.target
    # Display precision from the values themselves: whole numbers stay whole, others get two decimals.
    decimals = (
        0 if all(float(v).is_integer() for _, v in series) and (t.value is None or float(t.value).is_integer()) else 2
    )
    a = assess(
        series,
        base_year=k.base_year,
        target_year=t.year,
        target_value=t.value if t.kind == "value" else None,
        direction=t.direction if t.kind == "direction" else None,
        higher_is_better=k.direction == "higher_is_better",
        window=WINDOW,
        unit="" if k.unit == "%" else f" {k.unit}",
        decimals=decimals,
    )
    user = k.values is not None
    target_ja = (
        f"{t.value:g} {k.unit}".strip()
        if t.kind == "value"
        else {"increase": "向上", "decrease": "低下"}[t.direction or "increase"]
    )
    target_en = f"{t.value:g} {k.unit}".strip() if t.kind == "value" else (t.direction or "increase").capitalize()
    return {
        "id": k.id,
        "local": True,
        "goal": None,
        "name_ja": k.name_ja,
        "name_en": k.name_en or k.name_ja,
        "definition_ja": f"{region_name[0]}：{k.name_ja}（出典：{k.source}）",
        "definition_en": f"{region_name[1]}: {k.name_en or k.name_ja} (source: {k.source})",
        "unit": k.unit,
        "unit_en": k.unit,
        "decimals": decimals,
        "direction": k.direction,
        "region": k.region,
        "region_name_ja": region_name[0],
        "region_name_en": region_name[1],
        "indicator": k.indicator,
        "indicator_name_ja": indicator_name[0] if indicator_name else None,
        "values_file": k.values,
        "user_supplied": user,
        "supplied_note_ja": USER_SUPPLIED_JA if user else "",
        "supplied_note_en": USER_SUPPLIED_EN if user else "",
        "source": k.source,
        **assessment_fields(a, WINDOW),
        "proxy": False,
        "proxy_note_ja": "",
        "strategy_baseline": {
            "decided": decided,
            "base_year": k.base_year,
            "period_type": "calendar_year",
            "rule_ja": "利用者が定めた基準年",
            "rule_en": "Base year set by the user",
        },
        "base_year": k.base_year,
        "target": {
            "year": t.year,
            "kind": t.kind,
            "value": t.value,
            "direction": t.direction,
            "text_ja": target_ja,
            "text_en": target_en,
            "source": k.source,
            "decided": decided,
        },
        "context": context_fields(a.context, WINDOW),
        "note_ja": USER_SUPPLIED_JA if user else "",
        "note_en": USER_SUPPLIED_EN if user else "",
        "context_indicators": [],
        "release_series": [],
        "releases": [],
        "components": [],
    }
