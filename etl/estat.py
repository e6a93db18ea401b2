"""Client for the e-Stat API 3.0 (政府統計の総合窓口), JSON endpoints.

Only the standard library talks to the network; pandas shapes the result.

- ``EstatClient.get_stats_data`` calls getStatsData, follows ``RESULT_INF.NEXT_KEY`` paging and returns a
  long DataFrame: one column per ``@`` attribute of VALUE (``tab``, ``cat01``…, ``area``, ``time``, ``unit``),
  ``<dim>_name`` columns from CLASS_INF, ``value_raw`` (the ``$`` string as served) and ``value`` (float; NaN
  for special symbols such as ``-``, ``***``, ``X`` and for the table's NOTE symbols — never a made-up number).
- ``get_meta_info`` and ``get_stats_list`` return the response object under the root key, after checking
  ``RESULT.STATUS``.
- Network errors, timeouts and HTTP 5xx are retried with exponential backoff (``backoff * 2**attempt``);
  HTTP 4xx is not retried. ``RESULT.STATUS`` other than 0 raises ``EstatError`` (status 1, "no data", is not
  an error for getStatsData/getStatsList: it yields an empty result).
- The appId never appears in error messages, logs or ``repr``: it is replaced by ``***``.

Response format reference: https://www.e-stat.go.jp/api/api-info/e-stat-manual3-0 and
``tests/data/estat/README.md``.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

Opener = Callable[[str, float], bytes]

DEFAULT_BASE_URL = "https://api.e-stat.go.jp/rest/3.0/app/json"
APP_ID_ENV = "ESTAT_APP_ID"
USER_AGENT = "kpidash-estat-client/0.1 (python urllib)"
MASK = "***"

STATUS_OK = 0
STATUS_NO_DATA = 1  # 正常に終了しましたが、該当データはありませんでした。

# Symbols e-Stat puts in ``$`` instead of a number (the table's own DATA_INF.NOTE is added to these).
SPECIAL_SYMBOLS = frozenset(
    {"", "-", "－", "‐", "―", "—", "***", "＊＊＊", "**", "*", "x", "X", "ｘ", "Ｘ", "…", "...", "・"}
)
# Plain decimal numbers only (optionally with 3-digit comma grouping); anything else is not a number.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)?(?:\.\d+)?(?:[eE][+-]?\d+)?")
_HAS_DIGIT_RE = re.compile(r"\d")
_CLASS_DIM_RE = re.compile(r"tab|cat\d{2}|area|time")


class EstatError(Exception):
    """A failed e-Stat call: transport error, HTTP error or ``RESULT.STATUS`` != 0. Never contains the appId."""

    def __init__(
        self, message: str, *, status: int | None = None, http_status: int | None = None, url: str | None = None
    ):
        super().__init__(message)
        self.status = status  # RESULT.STATUS from the API, when known
        self.http_status = http_status  # HTTP status code, when the failure was an HTTP error
        self.url = url  # request URL with the appId masked


def _default_opener(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read()
    return body


def _as_list(obj: Any) -> list[Any]:
    """e-Stat gives an object for one item and an array for several; normalise to a list."""
    if obj is None:
        return []
    if isinstance(obj, list):
        return obj
    return [obj]


def _format_param(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    return str(value)


def parse_number(raw: Any, symbols: Iterable[str] = SPECIAL_SYMBOLS) -> float:
    """The number in an e-Stat ``$`` string, or NaN for a symbol / anything that is not plainly a number."""
    if not isinstance(raw, str):
        return math.nan
    text = raw.strip()
    if text in symbols or not _HAS_DIGIT_RE.search(text) or not _NUMBER_RE.fullmatch(text):
        return math.nan
    return float(text.replace(",", ""))


def _result_of(body: bytes) -> tuple[int | None, str | None]:
    """(STATUS, ERROR_MSG) from a JSON or XML e-Stat body, or (None, None) if it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if isinstance(payload, dict):
        for inner in payload.values():
            if isinstance(inner, dict) and isinstance(inner.get("RESULT"), dict):
                result = inner["RESULT"]
                try:
                    status = int(result.get("STATUS"))
                except (TypeError, ValueError):
                    status = None
                msg = result.get("ERROR_MSG")
                return status, str(msg) if msg is not None else None
        return None, None
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None, None
    status_text = root.findtext("./RESULT/STATUS")
    msg = root.findtext("./RESULT/ERROR_MSG")
    try:
        xml_status = int(status_text) if status_text is not None else None
    except ValueError:
        xml_status = None
    return xml_status, msg


class EstatClient:
    """Minimal e-Stat API 3.0 client (JSON). Inject ``opener``/``sleep`` in tests so nothing touches the network."""

    def __init__(
        self,
        app_id: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        opener: Opener | None = None,
        sleep: Callable[[float], Any] = time.sleep,
    ):
        app_id = app_id if app_id is not None and app_id.strip() else os.environ.get(APP_ID_ENV)
        if app_id is None or not app_id.strip():
            raise EstatError(
                f"e-Stat appId (アプリケーションID) is missing: pass EstatClient(app_id=...) or set the "
                f"{APP_ID_ENV} environment variable (register at https://www.e-stat.go.jp/api/)."
            )
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if backoff < 0:
            raise ValueError("backoff must be >= 0")
        self._app_id = app_id.strip()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._opener: Opener = opener if opener is not None else _default_opener
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"EstatClient(app_id={MASK!r}, base_url={self.base_url!r})"

    # ------------------------------------------------------------------ public API

    def get_stats_data(self, stats_data_id: str, **params: Any) -> pd.DataFrame:
        """All rows of getStatsData for ``stats_data_id`` (following NEXT_KEY paging) as a long DataFrame.

        ``params`` are e-Stat request parameters (``cdCat01="A1101"``, ``cdArea=["01000", "13000"]``,
        ``limit=100000``, ``lang="J"`` …); lists are joined with commas. STATUS 1 (no data) gives an empty frame.
        """
        query: dict[str, Any] = dict(params)
        query["statsDataId"] = stats_data_id
        values: list[Any] = []
        names: dict[str, dict[str, str]] = {}
        units: dict[str, dict[str, str]] = {}
        class_order: list[str] = []
        notes: dict[str, str] = {}
        total_number: int | None = None
        pages = 0
        while True:
            data = self._call("getStatsData", "GET_STATS_DATA", query, allow_no_data=True)
            pages += 1
            if int(data["RESULT"]["STATUS"]) == STATUS_NO_DATA:
                break
            stat = data.get("STATISTICAL_DATA") or {}
            self._collect_classes(stat.get("CLASS_INF"), names, units, class_order)
            data_inf = stat.get("DATA_INF") or {}
            for note in _as_list(data_inf.get("NOTE")):
                if isinstance(note, dict) and "@char" in note:
                    notes[str(note["@char"])] = str(note.get("$", ""))
            values.extend(_as_list(data_inf.get("VALUE")))
            result_inf = stat.get("RESULT_INF") or {}
            if total_number is None and result_inf.get("TOTAL_NUMBER") is not None:
                total_number = int(result_inf["TOTAL_NUMBER"])
            next_key = result_inf.get("NEXT_KEY")
            if next_key is None or str(next_key).strip() == "":
                break
            current = int(query.get("startPosition", 1))
            if int(next_key) <= current:
                raise EstatError(
                    f"e-Stat getStatsData {stats_data_id}: NEXT_KEY {next_key} does not advance past "
                    f"startPosition {current}; stopping to avoid an endless paging loop"
                )
            query["startPosition"] = next_key
            if names:
                query["metaGetFlg"] = "N"  # CLASS_INF already read from the first page
        if total_number is not None and total_number != len(values):
            log.warning(
                "e-Stat getStatsData %s: TOTAL_NUMBER is %d but %d values were read in %d page(s)",
                stats_data_id,
                total_number,
                len(values),
                pages,
            )
        frame = self._values_frame(values, names, units, class_order, set(notes) | SPECIAL_SYMBOLS, stats_data_id)
        frame.attrs["estat_notes"] = notes
        return frame

    def get_meta_info(self, stats_data_id: str, **params: Any) -> dict[str, Any]:
        """The ``GET_META_INFO`` object (RESULT, PARAMETER, METADATA_INF) for ``stats_data_id``."""
        query: dict[str, Any] = dict(params)
        query["statsDataId"] = stats_data_id
        return self._call("getMetaInfo", "GET_META_INFO", query, allow_no_data=False)

    def get_stats_list(self, **params: Any) -> dict[str, Any]:
        """The ``GET_STATS_LIST`` object (one page; DATALIST_INF.RESULT_INF.NEXT_KEY tells if more remain)."""
        return self._call("getStatsList", "GET_STATS_LIST", dict(params), allow_no_data=True)

    # ------------------------------------------------------------------ transport

    def _mask(self, text: str) -> str:
        for form in {self._app_id, urllib.parse.quote_plus(self._app_id), urllib.parse.quote(self._app_id)}:
            text = text.replace(form, MASK)
        return text

    def _url(self, endpoint: str, params: Mapping[str, Any]) -> str:
        if "appId" in params:
            raise ValueError("pass the appId to EstatClient(app_id=...), not as a request parameter")
        query = {"appId": self._app_id}
        query.update({key: _format_param(value) for key, value in params.items() if value is not None})
        return f"{self.base_url}/{endpoint}?{urllib.parse.urlencode(query, safe=',')}"

    def _fetch(self, endpoint: str, url: str) -> bytes:
        """GET ``url``; retry network errors, timeouts and HTTP 5xx; raise EstatError otherwise."""
        safe_url = self._mask(url)
        attempts = self.max_retries + 1
        last_problem = ""
        last_http: int | None = None
        for attempt in range(attempts):
            log.debug("e-Stat GET %s (attempt %d/%d)", safe_url, attempt + 1, attempts)
            try:
                return self._opener(url, self.timeout)
            except urllib.error.HTTPError as exc:
                code = int(exc.code)
                try:
                    body = exc.read() or b""
                except Exception:
                    body = b""
                finally:
                    exc.close()
                status, msg = _result_of(body)
                reason = self._mask(str(exc.reason or exc.msg or ""))
                if status is not None and status != STATUS_OK:
                    detail = f"; e-Stat STATUS {status}: {self._mask(msg or '')}"
                elif body and status is None:
                    snippet = " ".join(body[:200].decode("utf-8", "replace").split())
                    detail = f"; body: {self._mask(snippet)}"
                else:
                    detail = ""
                if not 500 <= code < 600:
                    raise EstatError(
                        f"e-Stat {endpoint} failed: HTTP {code} {reason}{detail} ({safe_url})",
                        status=status,
                        http_status=code,
                        url=safe_url,
                    ) from None
                last_problem, last_http = f"HTTP {code} {reason}{detail}", code
            except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, connection resets
                last_problem, last_http = self._mask(f"{type(exc).__name__}: {exc}"), None
            if attempt < self.max_retries:
                delay = self.backoff * 2**attempt
                log.warning(
                    "e-Stat %s: %s; retry %d/%d in %.1f s", endpoint, last_problem, attempt + 1, self.max_retries, delay
                )
                self._sleep(delay)
        raise EstatError(
            f"e-Stat {endpoint} failed after {attempts} attempt(s): {last_problem} ({safe_url})",
            http_status=last_http,
            url=safe_url,
        )

    def _call(self, endpoint: str, root_key: str, params: Mapping[str, Any], *, allow_no_data: bool) -> dict[str, Any]:
        url = self._url(endpoint, params)
        safe_url = self._mask(url)
        body = self._fetch(endpoint, url)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            snippet = " ".join(body[:120].decode("utf-8", "replace").split())
            raise EstatError(
                f"e-Stat {endpoint} returned a body that is not JSON ({self._mask(snippet)!r}…) ({safe_url})",
                url=safe_url,
            ) from None
        data = payload.get(root_key) if isinstance(payload, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("RESULT"), dict):
            keys = list(payload) if isinstance(payload, dict) else type(payload).__name__
            raise EstatError(
                f"e-Stat {endpoint} returned an unexpected JSON shape (expected {root_key}.RESULT, got {keys}) "
                f"({safe_url})",
                url=safe_url,
            )
        result = data["RESULT"]
        try:
            status = int(result.get("STATUS"))
        except (TypeError, ValueError):
            raise EstatError(
                f"e-Stat {endpoint} returned no valid RESULT.STATUS ({result.get('STATUS')!r}) ({safe_url})",
                url=safe_url,
            ) from None
        message = self._mask(str(result.get("ERROR_MSG", "")))
        if status == STATUS_OK:
            return data
        if status == STATUS_NO_DATA and allow_no_data:
            log.info("e-Stat %s: STATUS 1 (no data): %s (%s)", endpoint, message, safe_url)
            return data
        raise EstatError(
            f"e-Stat {endpoint} error: STATUS {status}: {message} ({safe_url})", status=status, url=safe_url
        )

    # ------------------------------------------------------------------ shaping

    @staticmethod
    def _collect_classes(
        class_inf: Any,
        names: dict[str, dict[str, str]],
        units: dict[str, dict[str, str]],
        class_order: list[str],
    ) -> None:
        if not isinstance(class_inf, dict):
            return
        for obj in _as_list(class_inf.get("CLASS_OBJ")):
            if not isinstance(obj, dict) or "@id" not in obj:
                continue
            dim = str(obj["@id"])
            if dim not in class_order:
                class_order.append(dim)
            dim_names = names.setdefault(dim, {})
            dim_units = units.setdefault(dim, {})
            for item in _as_list(obj.get("CLASS")):
                if not isinstance(item, dict) or "@code" not in item:
                    continue
                code = str(item["@code"])
                if "@name" in item:
                    dim_names[code] = str(item["@name"])
                if item.get("@unit") not in (None, ""):
                    dim_units[code] = str(item["@unit"])

    @staticmethod
    def _values_frame(
        values: list[Any],
        names: dict[str, dict[str, str]],
        units: dict[str, dict[str, str]],
        class_order: list[str],
        symbols: set[str] | frozenset[str],
        stats_data_id: str,
    ) -> pd.DataFrame:
        records: list[dict[str, Any]] = []
        for i, item in enumerate(values):
            if not isinstance(item, dict):
                raise EstatError(f"e-Stat getStatsData {stats_data_id}: VALUE #{i} is not an object: {item!r}")
            record = {key[1:]: item[key] for key in item if key.startswith("@")}
            record["value_raw"] = item.get("$")
            records.append(record)
        if not records:
            return pd.DataFrame(
                {"value_raw": pd.Series([], dtype="str"), "value": pd.Series([], dtype="float64")},
            )
        frame = pd.DataFrame.from_records(records)
        attr_cols = [c for c in frame.columns if c != "value_raw"]

        # Unit: VALUE/@unit when served, else the @unit of the row's tab/cat CLASS item (e.g. cat01 in getMetaInfo).
        unit_dims = [d for d in class_order if d == "tab" or d.startswith("cat")]
        if any(units.get(d) for d in unit_dims):
            unit = frame["unit"] if "unit" in frame.columns else pd.Series(math.nan, index=frame.index, dtype="str")
            for dim in unit_dims:
                if units.get(dim) and dim in frame.columns:
                    unit = unit.fillna(frame[dim].map(units[dim]))
            frame["unit"] = unit
            if "unit" not in attr_cols:
                attr_cols.append("unit")

        columns: list[str] = []
        for col in attr_cols:
            columns.append(col)
            if _CLASS_DIM_RE.fullmatch(col) and names.get(col):
                frame[f"{col}_name"] = frame[col].map(names[col])
                columns.append(f"{col}_name")
        frame["value"] = pd.Series([parse_number(raw, symbols) for raw in frame["value_raw"]], dtype="float64")
        frame["value_raw"] = frame["value_raw"].astype("str")
        return frame[[*columns, "value_raw", "value"]]
