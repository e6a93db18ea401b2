"""JSON API under /api/v1 (Flask blueprint on Dash's server). Errors are JSON, never a 5xx traceback.

Bad input is answered with 400 (malformed, over a limit) or 404 (unknown ids) and a body
``{"error": <message>, "parameter": <name>, ...}``; the 503 handler is only for the data service itself failing.
Parameters are parsed by their definitions in :mod:`kpidash.params`, from which the OpenAPI description is built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import Response, jsonify, request

from kpidash import config, params
from kpidash.api import charts, exports, exports_xlsx, exports_zip, local_routes, openapi  # noqa: F401 (routes)
from kpidash.api.blueprint import api, error
from kpidash.api.kpi_json import PUBLIC_KPI_FIELDS, public_kpi
from kpidash.data import cache as memo
from kpidash.data import catalogue, observations
from kpidash.data.rows import records
from kpidash.params import ParamError, only
from kpidash.service import kpis as service
from kpidash.service import local_kpis, provenance

__all__ = ["api", "charts"]  # charts: its routes are on the same blueprint

MEMO_MAX_BODY = 1_000_000  # characters: responses up to this size are kept for repeated requests
MAX_ROWS = params.MAX_ROWS
CSV_CHARSET = {"utf-8-sig": "utf-8", "cp932": "Windows-31J"}
MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


@api.get("/kpis")
def list_kpis() -> Any:
    """The national KPIs, then the analyst's own (``local: true``); a broken local file never hides the national."""
    return jsonify([public_kpi(k) for k in (*service.kpis(), *local_kpis.local_kpis())])


@api.get("/survey/living_outlook.template.csv")
def survey_template() -> Any:
    """The empty KPI 2 survey CSV (header only) that `python -m kpidash survey-load` accepts."""
    only(request.args, ())
    body = (config.SURVEY_DIR / "living_outlook.template.csv").read_bytes()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="living_outlook.template.csv"'},
    )


@api.get("/kpis/<kpi_id>")
def get_kpi(kpi_id: str) -> Any:
    only(request.args, tuple(p.name for p in params.KPI_PARAMS))
    k = service.kpi_by_id(kpi_id)
    if k is None:
        return error(404, f"unknown KPI id {kpi_id!r}", parameter="kpi_id", known=[x["id"] for x in service.kpis()])
    base_year = params.KPI_BASE_YEAR.parse(request.args)
    variant = params.KPI_VARIANT.parse(request.args)
    out = public_kpi(k) | {"variants": k.get("variants"), "growth": None, "growth_error": None, "groups": None}
    if k.get("variants") is not None:
        try:
            out["growth"] = service.growth_at_base(k, base_year or k["base_year"], variant)
        except service.BaseYearError as exc:
            if base_year is not None or variant is not None:
                name = "variant" if str(exc).startswith("unknown variant") else "base_year"
                return error(400, str(exc), parameter=name)
            out["growth_error"] = str(exc)  # the strategy's base has no later year yet: said, not an error
    elif variant is not None:
        return error(400, f"KPI {kpi_id!r} has no series variants; leave 'variant' out", parameter="variant")
    if k.get("counts") is not None:
        out["groups"] = service.groups_at_base(k, base_year or k["base_year"])
        if base_year is not None and not any(g["base"] for g in out["groups"]):
            years = sorted({p["period"] for p in k.get("counts", [])})
            span = f"{years[0]}–{years[-2]}" if len(years) > 1 else "none"
            return error(
                400,
                f"base_year {base_year} is not available (available {span}, before the latest)",
                parameter="base_year",
            )
    elif base_year is not None and k.get("variants") is None:
        return error(400, f"KPI {kpi_id!r} has no observations to recompute from a base year", parameter="base_year")
    return jsonify(out)


# ------------------------------------------------------------------------------------------- catalogue and data API


@dataclass(frozen=True)
class DataRequest:
    indicators: list[str]
    regions: list[str] | None
    period_from: int | None
    period_to: int | None
    encoding: str = "utf-8-sig"


def _data_request(csv_encoding: bool = False) -> DataRequest:
    args = request.args
    accepted = (*params.DATA_PARAMS, params.ENCODING) if csv_encoding else params.DATA_PARAMS
    only(args, tuple(p.name for p in accepted))
    indicators = params.INDICATORS.parse(args)
    regions = params.REGIONS.parse(args)
    period_from, period_to = params.PERIOD_FROM.parse(args), params.PERIOD_TO.parse(args)
    if period_from is not None and period_to is not None and period_from > period_to:
        raise ParamError(400, f"'from' ({period_from}) is after 'to' ({period_to})", "from")
    encoding = params.CSV_ENCODINGS[params.ENCODING.parse(args) or "utf-8"] if csv_encoding else "utf-8-sig"
    known_indicators = catalogue.indicator_ids()
    unknown = [i for i in indicators if i not in known_indicators]
    if unknown:
        raise ParamError(404, f"unknown indicator id(s): {', '.join(unknown)}", "indicators", unknown=unknown)
    if regions is not None:
        known_regions = catalogue.region_codes()
        unknown = [r for r in regions if r not in known_regions]
        if unknown:
            shown = unknown[:20]
            raise ParamError(
                404,
                f"unknown region code(s): {', '.join(shown)}{' …' if len(unknown) > 20 else ''}",
                "regions",
                unknown=shown,
            )
    return DataRequest(indicators, regions, period_from, period_to, encoding)


def _over_limit(req: DataRequest, limit: int) -> ParamError:
    """The 400 for a selection of more than ``limit`` rows; it states the exact number, so it is counted here — only
    for a request that is refused (the answered ones learn that they are within the limit from their own rows)."""
    n = observations.count_rows(req.indicators, req.regions, req.period_from, req.period_to)
    return ParamError(
        400,
        f"the request selects {n:,} rows; the limit is {limit:,} rows per request: "
        "ask for fewer indicators or regions, or a shorter from/to range",
        "indicators",
        limit=limit,
        rows=n,
    )


def _fetch(req: DataRequest) -> pd.DataFrame:
    """The rows of a CSV / XLSX / ZIP download: one query for at most MAX_ROWS + 1 rows instead of a count first."""
    limit = MAX_ROWS
    df = observations.long_data(req.indicators, req.regions, req.period_from, req.period_to, limit=limit + 1)
    if len(df) > limit:
        raise _over_limit(req, limit)
    return df


def _fetch_records(req: DataRequest) -> list[dict[str, Any]]:
    """The rows of data.json as JSON-ready dicts, read the same way (no pandas on this path)."""
    limit = MAX_ROWS
    rows = observations.long_records(req.indicators, req.regions, req.period_from, req.period_to, limit=limit + 1)
    if len(rows) > limit:
        raise _over_limit(req, limit)
    return rows


def _filename(req: DataRequest, ext: str) -> str:
    ids = req.indicators[:3]
    stem = "_".join(ids) + (f"_and_{len(req.indicators) - 3}_more" if len(req.indicators) > 3 else "")
    if req.period_from is not None or req.period_to is not None:
        stem += f"_{req.period_from or ''}-{req.period_to or ''}"
    return f"kpidash_{stem}.{ext}"


def _file(body: bytes, req: DataRequest, ext: str, mimetype: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{_filename(req, ext)}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _json(payload: Any) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False, allow_nan=False), mimetype="application/json")


@api.get("/indicators")
def list_indicators() -> Any:
    only(request.args, ())
    out = []
    for row in records(catalogue.catalogue()[0]):
        iid = row.pop("indicator_id")
        caveats = row.get("caveats") or ""
        out.append({"id": iid, **row, "proxy": "【代理指標】" in caveats})
    return _json(out)


@api.get("/regions")
def list_regions() -> Any:
    only(request.args, (params.LEVEL.name,))
    regions = catalogue.catalogue()[1]
    level = params.LEVEL.parse(request.args)
    if level is not None:
        regions = regions[regions["level"] == level]
    cols = ["region_code", "name_ja", "name_en", "level", "parent_code"]
    return _json(records(regions.loc[:, cols]))


@api.get("/data.json")
def data_json() -> Any:
    req = _data_request()
    return Response(_data_json_body(req, request.url), mimetype="application/json")


@memo.per_warehouse(maxsize=64, keep=lambda body: len(body) <= MEMO_MAX_BODY)
def _data_json_body(req: DataRequest, url: str) -> str:
    """The data.json body of one request (pure in the request and the warehouse version, hence memoised).

    Built without pandas: the rows come from one query on the observations (observations.long_records) and the
    citation, licences and caveats from the catalogue index (provenance.json_provenance) — the same body as
    ``records(long_data(...))`` and ``provenance.metadata(...)`` would give, in a third of the time.
    """
    rows = _fetch_records(req)
    prov = provenance.json_provenance(req.indicators, rows)
    payload = {
        "query": {
            "indicators": req.indicators,
            "regions": req.regions,
            "from": req.period_from,
            "to": req.period_to,
        },
        "count": len(rows),
        "columns": list(observations.LONG_COLUMNS),
        "citation_ja": prov["citation_ja"],
        "licences": prov["licences"],
        "caveats": prov["caveats"],
        "warehouse_built_at": prov["warehouse_built_at"],
        "permalink": url,
        "data": rows,
    }
    return json.dumps(payload, ensure_ascii=False, allow_nan=False)


@api.get("/data.csv")
def data_csv() -> Any:
    req = _data_request(csv_encoding=True)
    df = _fetch(req)
    try:
        body = exports.to_csv_bytes(df, req.encoding)
    except exports.CsvEncodingError as exc:
        raise ParamError(400, str(exc), "encoding", character=exc.char) from None
    return _file(body, req, "csv", f"{MIME['csv']}; charset={CSV_CHARSET[req.encoding]}")


@api.get("/data.xlsx")
def data_xlsx() -> Any:
    req = _data_request()
    df = _fetch(req)
    return _file(
        exports_xlsx.to_xlsx_bytes(df, provenance.metadata(req.indicators, df, request.url)), req, "xlsx", MIME["xlsx"]
    )


@api.get("/data.zip")
def data_zip() -> Any:
    req = _data_request()
    df = _fetch(req)
    meta = provenance.metadata(req.indicators, df, request.url)
    return _file(exports_zip.zip_bundle(df, meta, request.url), req, "zip", MIME["zip"])


@api.get("/openapi.json")
def openapi_json() -> Any:
    only(request.args, ())
    return _json(
        openapi.build(PUBLIC_KPI_FIELDS, server_url=request.host_url.rstrip("/"), survey_columns=service.SURVEY_COLUMNS)
    )
