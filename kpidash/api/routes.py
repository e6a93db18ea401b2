"""JSON API under /api/v1 (Flask blueprint on Dash's server). Errors are JSON, never a 5xx traceback.

Bad input is answered with 400 (malformed, over a limit) or 404 (unknown ids) and a body
``{"error": <message>, "parameter": <name>, ...}``; the 503 handler is only for the data service itself failing.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import Blueprint, Response, jsonify, request
from werkzeug.datastructures import MultiDict

from kpidash.api import exports, openapi
from kpidash.data import cache as memo
from kpidash.service import kpis as service

log = logging.getLogger(__name__)
MEMO_MAX_BODY = 1_000_000  # characters: responses up to this size are kept for repeated requests
api = Blueprint("api_v1", __name__, url_prefix="/api/v1")

PUBLIC_KPI_FIELDS = (
    "id",
    "goal",
    "name_ja",
    "name_en",
    "definition_ja",
    "definition_en",
    "unit",
    "decimals",
    "direction",
    "status",
    "status_label_ja",
    "status_label_en",
    "reason_ja",
    "reason_en",
    "proxy",
    "proxy_note_ja",
    "baseline",
    "latest",
    "target",
    "projection",
    "ratio",
    "observed_rate",
    "required_rate",
    "observed_from_trend",
    "growth_base",
    "headline_variant",
    "series",
    "note_ja",
)


def public_kpi(k: dict[str, Any]) -> dict[str, Any]:
    return {f: k.get(f) for f in PUBLIC_KPI_FIELDS}


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": message, **extra}), status


@api.get("/kpis")
def list_kpis() -> Any:
    return jsonify([public_kpi(k) for k in service.kpis()])


@api.get("/kpis/<kpi_id>")
def get_kpi(kpi_id: str) -> Any:
    k = service.kpi_by_id(kpi_id)
    if k is None:
        return _error(404, f"unknown KPI id {kpi_id!r}", parameter="kpi_id", known=[x["id"] for x in service.kpis()])
    return jsonify(public_kpi(k))


# ------------------------------------------------------------------------------------------- catalogue and data API

MAX_INDICATORS = exports.MAX_INDICATORS
MAX_ROWS = exports.MAX_ROWS
MAX_REGIONS = 2000  # more than every region code in the warehouse (00, TKY, NTK, 47 prefectures, 1,741 municipalities)
MAX_CHARS = {"indicators": 2000, "regions": 20_000}
ID_RE = re.compile(r"[A-Za-z0-9_]{1,64}")
REGION_RE = re.compile(r"[A-Za-z0-9]{1,8}")
YEAR_RE = re.compile(r"[0-9]{4}")
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}  # parameter value → exports.to_csv_bytes encoding
CSV_CHARSET = {"utf-8-sig": "utf-8", "cp932": "Windows-31J"}
DATA_PARAMS = ("indicators", "regions", "from", "to")
MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


class ParamError(Exception):
    """A request parameter is malformed (400) or names something unknown (404)."""

    def __init__(self, status: int, message: str, parameter: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter, self.extra = status, message, parameter, extra


@api.errorhandler(ParamError)
def _param_error(exc: ParamError) -> Any:
    return _error(exc.status, exc.message, parameter=exc.parameter, **exc.extra)


@dataclass(frozen=True)
class DataRequest:
    indicators: list[str]
    regions: list[str] | None
    period_from: int | None
    period_to: int | None
    encoding: str = "utf-8-sig"


def _short(text: str, n: int = 40) -> str:
    return repr(text if len(text) <= n else text[:n] + "…")


def _only(args: MultiDict[str, str], allowed: tuple[str, ...]) -> None:
    extra = [k for k in args if k not in allowed]
    if extra:
        raise ParamError(
            400,
            f"unknown parameter {_short(extra[0])}; this endpoint accepts: {', '.join(allowed) or 'no parameters'}",
            extra[0][:64],
            allowed=list(allowed),
        )
    for k in allowed:
        if len(args.getlist(k)) > 1:
            raise ParamError(
                400, f"parameter {k!r} is given more than once; give it once (lists are comma-separated)", k
            )


def _list(
    args: MultiDict[str, str], name: str, pattern: re.Pattern[str], max_items: int, upper: bool
) -> list[str] | None:
    raw = args.get(name)
    if raw is None:
        return None
    if len(raw) > MAX_CHARS[name]:
        raise ParamError(
            400, f"parameter {name!r} is too long ({len(raw)} characters; at most {MAX_CHARS[name]})", name
        )
    if not raw.strip():
        raise ParamError(400, f"parameter {name!r} is empty; give a comma-separated list", name)
    items = [x.strip() for x in raw.split(",")]
    for x in items:
        if not x:
            raise ParamError(400, f"parameter {name!r} has an empty item (two commas or a trailing comma)", name)
        if not pattern.fullmatch(x):
            raise ParamError(
                400, f"parameter {name!r}: {_short(x)} has characters or a length that no id can have", name
            )
    items = list(dict.fromkeys(x.upper() if upper else x for x in items))
    if len(items) > max_items:
        raise ParamError(
            400,
            f"parameter {name!r} lists {len(items)} ids; the limit is {max_items} per request",
            name,
            limit=max_items,
        )
    return items


def _year(args: MultiDict[str, str], name: str) -> int | None:
    raw = args.get(name)
    if raw is None:
        return None
    if not YEAR_RE.fullmatch(raw.strip()):
        raise ParamError(400, f"parameter {name!r} must be a 4-digit year such as 2015, not {_short(raw)}", name)
    return int(raw.strip())


def _data_request(csv_encoding: bool = False) -> DataRequest:
    args = request.args
    _only(args, (*DATA_PARAMS, "encoding") if csv_encoding else DATA_PARAMS)
    indicators = _list(args, "indicators", ID_RE, MAX_INDICATORS, upper=False)
    if indicators is None:
        raise ParamError(
            400, "parameter 'indicators' is required (comma-separated ids from /api/v1/indicators)", "indicators"
        )
    regions = _list(args, "regions", REGION_RE, MAX_REGIONS, upper=True)
    period_from, period_to = _year(args, "from"), _year(args, "to")
    if period_from is not None and period_to is not None and period_from > period_to:
        raise ParamError(400, f"'from' ({period_from}) is after 'to' ({period_to})", "from")
    encoding = "utf-8-sig"
    if csv_encoding and "encoding" in args:
        value = args["encoding"].strip().lower()
        if value not in CSV_ENCODINGS:
            raise ParamError(
                400, f"parameter 'encoding' must be utf-8 or cp932, not {_short(args['encoding'])}", "encoding"
            )
        encoding = CSV_ENCODINGS[value]
    known_indicators = exports.indicator_ids()
    unknown = [i for i in indicators if i not in known_indicators]
    if unknown:
        raise ParamError(404, f"unknown indicator id(s): {', '.join(unknown)}", "indicators", unknown=unknown)
    if regions is not None:
        known_regions = exports.region_codes()
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
    n = exports.count_rows(req.indicators, req.regions, req.period_from, req.period_to)
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
    df = exports.long_data(req.indicators, req.regions, req.period_from, req.period_to, limit=limit + 1)
    if len(df) > limit:
        raise _over_limit(req, limit)
    return df


def _fetch_records(req: DataRequest) -> list[dict[str, Any]]:
    """The rows of data.json as JSON-ready dicts, read the same way (no pandas on this path)."""
    limit = MAX_ROWS
    rows = exports.long_records(req.indicators, req.regions, req.period_from, req.period_to, limit=limit + 1)
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
    _only(request.args, ())
    out = []
    for row in exports.records(exports.catalogue()[0]):
        iid = row.pop("indicator_id")
        caveats = row.get("caveats") or ""
        out.append({"id": iid, **row, "proxy": "【代理指標】" in caveats})
    return _json(out)


@api.get("/regions")
def list_regions() -> Any:
    _only(request.args, ("level",))
    regions = exports.catalogue()[1]
    level = request.args.get("level")
    if level is not None:
        levels = exports.region_levels()
        if level not in levels:
            raise ParamError(
                400,
                f"parameter 'level' must be one of {', '.join(levels)}, not {_short(level)}",
                "level",
                allowed=levels,
            )
        regions = regions[regions["level"] == level]
    cols = ["region_code", "name_ja", "name_en", "level", "parent_code"]
    return _json(exports.records(regions.loc[:, cols]))


@api.get("/data.json")
def data_json() -> Any:
    req = _data_request()
    return Response(_data_json_body(req, request.url), mimetype="application/json")


@memo.per_warehouse(maxsize=64, keep=lambda body: len(body) <= MEMO_MAX_BODY)
def _data_json_body(req: DataRequest, url: str) -> str:
    """The data.json body of one request (pure in the request and the warehouse version, hence memoised).

    Built without pandas: the rows come from one query on the observations (exports.long_records) and the citation,
    licences and caveats from the catalogue index (exports.json_provenance) — the same body as
    ``exports.records(long_data(...))`` and ``exports.metadata(...)`` would give, in a third of the time.
    """
    rows = _fetch_records(req)
    prov = exports.json_provenance(req.indicators, rows)
    payload = {
        "query": {
            "indicators": req.indicators,
            "regions": req.regions,
            "from": req.period_from,
            "to": req.period_to,
        },
        "count": len(rows),
        "columns": list(exports.LONG_COLUMNS),
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
        exports.to_xlsx_bytes(df, exports.metadata(req.indicators, df, request.url)), req, "xlsx", MIME["xlsx"]
    )


@api.get("/data.zip")
def data_zip() -> Any:
    req = _data_request()
    df = _fetch(req)
    meta = exports.metadata(req.indicators, df, request.url)
    return _file(exports.zip_bundle(df, meta, request.url), req, "zip", MIME["zip"])


@api.get("/openapi.json")
def openapi_json() -> Any:
    _only(request.args, ())
    return _json(openapi.build(PUBLIC_KPI_FIELDS, server_url=request.host_url.rstrip("/")))


@api.errorhandler(Exception)
def _unexpected(exc: Exception) -> Any:
    log.exception("API error")
    return _error(503, "the data service is unavailable; see the server log", kind=type(exc).__name__)


from kpidash.api import charts as api_charts  # noqa: E402, F401  - /chart.png, /chart.svg on this blueprint
