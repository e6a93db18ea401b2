"""OpenAPI 3.1 description of every /api/v1 endpoint (served at /api/v1/openapi.json).

The query parameters are generated from their definitions in :mod:`kpidash.params`, the ones the endpoints parse
requests with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kpidash import chart_params, params
from kpidash.api.openapi_local import local_paths
from kpidash.api.openapi_schemas import errors as _errors
from kpidash.api.openapi_schemas import json_200 as _json_200
from kpidash.api.openapi_schemas import ref as _ref
from kpidash.api.openapi_schemas import schemas

API_VERSION = "1.4.0"


def value_schema(p: params.Param) -> dict[str, Any]:
    """The JSON Schema of a parameter's value, as :meth:`kpidash.params.Param.parse` accepts it."""
    s: dict[str, Any]
    if p.kind == "choice":
        s = {"type": "string", "enum": list(p.enum)}
    elif p.kind == "int":
        s = {"type": "integer", "minimum": p.low, "maximum": p.high}
    elif p.kind == "year":
        s = {"type": "string", "pattern": f"^{params.YEAR}$"}
    elif p.kind == "list":  # the item count in the pattern: valid data is never over the limit
        more = "*" if p.max_items is None else f"{{0,{p.max_items - 1}}}"
        s = {"type": "string", "pattern": f"^{p.pattern}(,{p.pattern}){more}$"}
    elif p.pattern is not None:
        s = {"type": "string", "pattern": f"^{p.pattern}$"}
    else:  # free text: something other than blanks
        s = {"type": "string", "minLength": 1, "pattern": "\\S"}
    if p.max_chars is not None and p.kind in ("list", "text"):
        s["maxLength"] = p.max_chars
    if p.default is not None:
        s["default"] = p.default
    return s


def query_parameter(p: params.Param) -> dict[str, Any]:
    """The OpenAPI parameter object of a query parameter."""
    out: dict[str, Any] = {
        "name": p.name,
        "in": "query",
        "required": p.required is not None,
        "description": p.description,
        "schema": value_schema(p),
    }
    if p.example is not None:
        out["example"] = p.example
    return out


def _file_200(description: str, mimetype: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "Content-Disposition": {
                "description": 'attachment; filename="kpidash_<indicators>[_<from>-<to>].<ext>"',
                "schema": {"type": "string"},
            }
        },
        "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
    }


def _data_operation(fmt: str, summary: str, ok: dict[str, Any], extra: Sequence[params.Param] = ()) -> dict[str, Any]:
    return {
        "get": {
            "operationId": f"data_{fmt}",
            "tags": ["data"],
            "summary": summary,
            "description": (
                "Observations in long format (one row per indicator × region × period), ordered by the indicators as "
                "given, regions in JIS order (00, TKY, NTK, 01–47, municipalities) and period. "
                f"Limits: at most {params.MAX_INDICATORS} indicators and {params.MAX_ROWS:,} rows per request "
                "(400 naming the parameter and the limit). Unknown indicator ids or region codes: 404 naming them. "
                "Unknown or repeated parameters, and 'from' after 'to': 400."
            ),
            "parameters": [_ref("parameters", p.name) for p in (*params.DATA_PARAMS, *extra)],
            "responses": {"200": ok, **_errors(400, 404, 503)},
        }
    }


def _chart_query() -> dict[str, Any]:
    """The query of /api/v1/chart.{png,svg} as one form-exploded object: each page accepts its own parameters (plus
    page, lang, width and height), so the schema is one object per page and any other parameter is refused."""

    def page_schema(page: str, page_params: tuple[params.Param, ...]) -> dict[str, Any]:
        props = {
            p.name: value_schema(p) | {"description": p.description} for p in (*chart_params.CHART_COMMON, *page_params)
        }
        props["page"] = {"const": page, "description": chart_params.PAGE.description}
        needs = ["page", *(p.name for p in page_params if p.required is not None)]
        return {"title": page, "type": "object", "properties": props, "required": needs, "additionalProperties": False}

    return {
        "name": "chart",
        "in": "query",
        "style": "form",
        "explode": True,
        "required": True,
        "description": (
            "The page whose chart to draw (page=compare, trends or region) and the URL parameters of that page; a "
            "parameter of another page is a 400."
        ),
        "schema": {"oneOf": [page_schema(page, ps) for page, ps in chart_params.CHART_PAGE_PARAMS.items()]},
        "example": {"page": "compare", "indicator": "gdp_nominal", "period": "2022", "highlight": "13,27"},
    }


def _chart_operation(fmt: str, mimetype: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": f"chart_{fmt}",
            "tags": ["charts"],
            "summary": f"A page's chart as {fmt.upper()}, drawn on the server, with the 出典 line",
            "description": (
                "The very figure the page draws for the same URL parameters (compare: map or ranking; trends: lines; "
                "region: every indicator of a theme), drawn by kaleido on a headless Chromium, with the "
                "「出典：…を加工して作成」 line of the sources used in a strip at the bottom. Parameters are checked "
                "strictly: 400 naming the parameter (unknown or repeated parameter, malformed value, out-of-range "
                "size), 404 for an unknown indicator, region or theme or a period without data. 503 when the "
                "server cannot draw images (Chromium missing or failing); the data endpoints still work then."
            ),
            "parameters": [_chart_query()],
            "responses": {
                "200": {
                    "description": f"{fmt.upper()} image",
                    "headers": {
                        "Content-Disposition": {
                            "description": 'attachment; filename="kpidash_<indicator>_<period>_<mode>_<view>.'
                            + fmt
                            + '" (compare), "kpidash_<indicator>_<regions>_<mode>.'
                            + fmt
                            + '" (trends), "kpidash_region_<code>.'
                            + fmt
                            + '" with the theme in filename* (region)',
                            "schema": {"type": "string"},
                        }
                    },
                    "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
                },
                **_errors(400, 404, 503),
            },
        }
    }


def build(
    kpi_fields: Sequence[str], server_url: str | None = None, survey_columns: Sequence[str] = ()
) -> dict[str, Any]:
    """The OpenAPI document. ``kpi_fields`` are the public KPI fields of /kpis (kept in kpidash.api.routes)."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "地域未来 KPI Dashboard API",
            "version": API_VERSION,
            "summary": "KPIs and the official statistics behind them (Japanese prefectures, municipalities, 東京圏).",
            "description": (
                "Read-only JSON/CSV/XLSX/ZIP API over the dashboard's warehouse of Japanese official statistics. "
                "Every export carries the 出典 line 「出典：…を加工して作成」, licences and caveats. Errors are JSON "
                '`{"error": ..., "parameter": ...}`: 400 for malformed input or a limit, 404 for unknown ids.'
            ),
            "license": {"name": "MIT (code); data under the licences listed per source", "identifier": "MIT"},
        },
        "servers": [{"url": server_url or "/"}],
        "tags": [
            {"name": "kpis", "description": "KPI status computed from the warehouse"},
            {"name": "own KPIs", "description": "The analyst's own KPIs, stored outside the warehouse"},
            {"name": "catalogue", "description": "Indicators and regions"},
            {"name": "data", "description": "Observations in long format (EBPM exports)"},
            {"name": "charts", "description": "Chart images (PNG, SVG) of the pages, drawn on the server"},
            {"name": "meta", "description": "This document"},
        ],
        "paths": {
            "/api/v1/kpis": {
                "get": {
                    "operationId": "list_kpis",
                    "tags": ["kpis"],
                    "summary": "Every KPI with status, baseline, latest value, target and projection",
                    "responses": {
                        "200": _json_200("KPIs", {"type": "array", "items": _ref("schemas", "Kpi")}),
                        **_errors(503),
                    },
                }
            },
            "/api/v1/kpis/{kpi_id}": {
                "get": {
                    "operationId": "get_kpi",
                    "tags": ["kpis"],
                    "summary": "One KPI, with its growth (KPI 1) or groups (KPI 3) recomputed from a chosen base year",
                    "description": (
                        "Without parameters the base year is the strategy's (strategy_baseline.base_year). "
                        "base_year recomputes, for a growth KPI, the growth of each area from that year to the latest "
                        "(Σ GDP ÷ Σ persons employed per area, %), the gap in points, its log-point decomposition "
                        "into GDP and denominator growth, and each prefecture's gap ('growth'); for a share KPI, "
                        "the change of each group since that year ('groups'). The status always stays the "
                        "strategy's: a chosen base year gives context, never a verdict."
                    ),
                    "parameters": [
                        _ref("parameters", "kpi_id"),
                        *(query_parameter(p) for p in params.KPI_PARAMS),
                    ],
                    "responses": {"200": _json_200("The KPI", _ref("schemas", "Kpi")), **_errors(400, 404, 503)},
                }
            },
            "/api/v1/survey/living_outlook.template.csv": {
                "get": {
                    "operationId": "survey_template",
                    "tags": ["kpis"],
                    "summary": "The empty KPI 2 survey CSV template (header only) for `python -m kpidash survey-load`",
                    "responses": {
                        "200": {
                            "description": "CSV header: " + ",".join(survey_columns),
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        **_errors(400),
                    },
                }
            },
            **local_paths(),
            "/api/v1/indicators": {
                "get": {
                    "operationId": "list_indicators",
                    "tags": ["catalogue"],
                    "summary": "Every indicator in the warehouse (definitions, units, sources, caveats, coverage)",
                    "responses": {
                        "200": _json_200("Indicators", {"type": "array", "items": _ref("schemas", "Indicator")}),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/v1/regions": {
                "get": {
                    "operationId": "list_regions",
                    "tags": ["catalogue"],
                    "summary": "Region codes: 00 全国, TKY 東京圏, NTK 東京圏以外, 01–47 prefectures, municipalities",
                    "parameters": [_ref("parameters", "level")],
                    "responses": {
                        "200": _json_200("Regions in JIS order", {"type": "array", "items": _ref("schemas", "Region")}),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/v1/data.json": _data_operation(
                "json", "Observations as JSON (with citation)", _json_200("Data", _ref("schemas", "DataResponse"))
            ),
            "/api/v1/data.csv": _data_operation(
                "csv",
                "Observations as CSV (UTF-8 with BOM, or cp932)",
                {
                    **_file_200("CSV, CRLF line ends; text cells starting with = + - @ get a leading '", "text/csv"),
                },
                extra=(params.ENCODING,),
            ),
            "/api/v1/data.xlsx": _data_operation(
                "xlsx",
                "Observations as an Excel workbook (sheets データ and 注記)",
                _file_200(
                    "Workbook: 'データ' (typed numbers, frozen header, autofilter) and '注記' (出典, licences, "
                    "definitions, caveats, sources, permalink, vintage)",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            "/api/v1/data.zip": _data_operation(
                "zip",
                "Observations as a ZIP bundle (data.csv, metadata.json, README.txt)",
                _file_200(
                    "ZIP: data.csv (UTF-8 BOM), metadata.json, README.txt with citation, licence, caveats, query URL "
                    "and SHA-256 of data.csv and metadata.json",
                    "application/zip",
                ),
            ),
            "/api/v1/chart.png": _chart_operation("png", "image/png"),
            "/api/v1/chart.svg": _chart_operation("svg", "image/svg+xml"),
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "tags": ["meta"],
                    "summary": "This OpenAPI 3.1 document",
                    "responses": {"200": _json_200("OpenAPI document", {"type": "object"}), **_errors(400)},
                }
            },
        },
        "components": {
            "parameters": {
                "kpi_id": {
                    "name": "kpi_id",
                    "in": "path",
                    "required": True,
                    "description": "KPI id as listed by /api/v1/kpis",
                    "schema": {"type": "string"},
                },
                **{p.name: query_parameter(p) for p in (params.LEVEL, *params.DATA_PARAMS, params.ENCODING)},
            },
            "responses": {
                "BadRequest": {
                    "description": "Malformed parameter, unknown or repeated parameter, or a limit exceeded",
                    "content": {"application/json": {"schema": _ref("schemas", "Error")}},
                },
                "NotFound": {
                    "description": "Unknown indicator id, region code or KPI id (listed in 'unknown' / 'known')",
                    "content": {"application/json": {"schema": _ref("schemas", "Error")}},
                },
                "Unavailable": {
                    "description": (
                        "The data service failed (e.g. the warehouse is missing), or, for chart images, the headless "
                        "Chromium that draws them; never caused by input"
                    ),
                    "content": {"application/json": {"schema": _ref("schemas", "Error")}},
                },
            },
            "schemas": schemas(kpi_fields),
        },
    }
    return doc
