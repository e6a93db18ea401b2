"""The component schemas of the OpenAPI document (kpidash.api.openapi): errors, KPIs, indicators, regions, data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kpidash import params
from kpidash.analysis.progress import STATUS_RULES
from kpidash.data.observations import LONG_COLUMNS

KPI_STATUSES = ("achieved", "on_track", "needs_acceleration", "off_track", "cannot_tell", "no_data")


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


_ref = ref


def json_200(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def errors(*codes: int) -> dict[str, Any]:
    return {str(c): ref("responses", {400: "BadRequest", 404: "NotFound", 503: "Unavailable"}[c]) for c in codes}


def schemas(kpi_fields: Sequence[str]) -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string"},
                "parameter": {"type": "string", "description": "The parameter at fault"},
                "unknown": {"type": "array", "items": {"type": "string"}},
                "known": {"type": "array", "items": {"type": "string"}},
                "allowed": {"type": "array", "items": {"type": "string"}},
                "limit": {"type": "integer"},
                "rows": {"type": "integer"},
                "kind": {"type": "string", "description": "What failed (503 only)"},
            },
        },
        "Kpi": {
            "type": "object",
            "required": ["id", "goal", "name_ja", "status"],
            "properties": {f: {} for f in kpi_fields}
            | {
                "id": {"type": "string"},
                "goal": {"type": "integer"},
                "name_ja": {"type": "string"},
                "name_en": {"type": "string"},
                "unit": {"type": ["string", "null"]},
                "status": {
                    "type": "string",
                    "enum": list(KPI_STATUSES),
                    "description": "Judged only from observations after the strategy's base year. "
                    + " ".join(f"{k}: {v[1]}" for k, v in STATUS_RULES.items()),
                },
                "why_ja": {"type": "string", "description": "The numbers behind the status, checkable by hand"},
                "base_year": {"type": "integer", "description": "The strategy's base year"},
                "growth": {"type": ["object", "null"], "description": "KPI 1 from the chosen base_year"},
                "groups": {"type": ["array", "null"], "description": "KPI 3's groups and their change"},
                "proxy": {"type": "boolean"},
            },
        },
        "Indicator": {
            "type": "object",
            "required": ["id", "name_ja", "unit", "period_type", "source_id"],
            "properties": {
                "id": {"type": "string"},
                "name_ja": {"type": "string"},
                "name_en": {"type": ["string", "null"]},
                "unit": {"type": "string"},
                "period_type": {"type": "string", "enum": ["fiscal_year", "calendar_year", "reference_date"]},
                "source_id": {"type": "string"},
                "description": {"type": ["string", "null"]},
                "theme": {"type": ["string", "null"]},
                "additive": {"type": "boolean"},
                "decimals": {"type": ["integer", "null"]},
                "caveats": {"type": ["string", "null"]},
                "proxy": {"type": "boolean", "description": "The caveats mark it as a 代理指標 (proxy)"},
                "first_period": {"type": ["integer", "null"]},
                "last_period": {"type": ["integer", "null"]},
                "n_periods": {"type": ["integer", "null"]},
                "n_prefectures": {"type": ["integer", "null"]},
                "n_municipalities": {"type": ["integer", "null"]},
                "has_aggregates": {"type": ["boolean", "null"]},
            },
        },
        "Region": {
            "type": "object",
            "required": ["region_code", "name_ja", "level"],
            "properties": {
                "region_code": {"type": "string"},
                "name_ja": {"type": "string"},
                "name_en": {"type": ["string", "null"]},
                "level": {"type": "string", "enum": list(params.REGION_LEVELS)},
                "parent_code": {"type": ["string", "null"]},
            },
        },
        "Observation": {
            "type": "object",
            "required": list(LONG_COLUMNS),
            "properties": {
                "indicator_id": {"type": "string"},
                "indicator_name_ja": {"type": "string"},
                "region_code": {"type": "string"},
                "region_name_ja": {"type": "string"},
                "period": {"type": "integer"},
                "period_type": {"type": "string"},
                "value": {"type": ["number", "null"]},
                "unit": {"type": "string"},
                "source_id": {"type": "string"},
                "derivation": {"type": "string", "enum": ["source", "sum_of_prefectures", "derived"]},
            },
        },
        "DataResponse": {
            "type": "object",
            "required": ["query", "count", "data", "citation_ja"],
            "properties": {
                "query": {"type": "object"},
                "count": {"type": "integer"},
                "columns": {"type": "array", "items": {"type": "string"}},
                "citation_ja": {"type": "string", "description": "出典：…を加工して作成"},
                "licences": {"type": "array", "items": {"type": "string"}},
                "caveats": {"type": "object", "additionalProperties": {"type": "string"}},
                "warehouse_built_at": {"type": "string", "format": "date-time"},
                "permalink": {"type": "string", "format": "uri"},
                "data": {"type": "array", "items": _ref("schemas", "Observation")},
            },
        },
    }
