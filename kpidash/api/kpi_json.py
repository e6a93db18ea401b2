"""The JSON of a KPI in the API: the public fields of a national KPI, and an own KPI's extra ones."""

from __future__ import annotations

from typing import Any

PUBLIC_KPI_FIELDS = (
    "id",
    "local",
    "goal",
    "name_ja",
    "name_en",
    "definition_ja",
    "definition_en",
    "unit",
    "unit_en",
    "decimals",
    "direction",
    "status",
    "status_label_ja",
    "status_label_en",
    "reason_ja",
    "reason_en",
    "why_ja",
    "why_en",
    "proxy",
    "proxy_note_ja",
    "strategy_baseline",
    "base_year",
    "baseline",
    "latest",
    "target",
    "projection",
    "projection_method_ja",
    "projection_method_en",
    "ratio",
    "observed_rate",
    "required_rate",
    "gap",
    "headline_variant",
    "series",
    "required_path",
    "context",
    "releases",
    "note_ja",
    "note_en",
)


# An own KPI's extra fields: where it applies and where its values come from.
LOCAL_KPI_FIELDS = (
    "region",
    "region_name_ja",
    "indicator",
    "values_file",
    "user_supplied",
    "supplied_note_ja",
    "source",
)


def public_kpi(k: dict[str, Any]) -> dict[str, Any]:
    out = {f: k.get(f) for f in PUBLIC_KPI_FIELDS}
    return out | {f: k.get(f) for f in LOCAL_KPI_FIELDS} if k.get("local") else out
