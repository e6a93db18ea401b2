"""Every URL and API parameter, parsed and validated in one place.

Pages are lenient (a bad value falls back to the default: an address typed by hand never gives an error page); the
API is strict (a bad value is a :class:`ParamError` naming the parameter, answered as a 400 or 404). The API's
parameters are declared here as :class:`Param` definitions: the API parses requests with them and the OpenAPI
description is generated from them, so the two cannot disagree. Imports only kpidash.config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs

LANGS = ("ja", "en")
MAX_URL_CODES = 100  # parts of a comma list looked at, before the per-parameter limit


def norm_lang(lang: Any) -> str:
    return "en" if lang == "en" else "ja"


def lang_from_search(search: str | None) -> str:
    """The page language from a query string (``?lang=en``); Japanese otherwise."""
    q = parse_qs((search or "").lstrip("?"))
    return "en" if q.get("lang", ["ja"])[0] == "en" else "ja"


def clean_codes(raw: str | None, allowed: set[str], limit: int = 12) -> list[str]:
    """Comma list from a URL → known codes only, de-duplicated, bounded (bad input is dropped, never an error page)."""
    if not raw or not isinstance(raw, str):
        return []
    out: list[str] = []
    for part in raw.split(",")[:MAX_URL_CODES]:
        code = part.strip()
        if code in allowed and code not in out:
            out.append(code)
    return out[:limit]


def safe_int(raw: Any, default: int | None = None) -> int | None:
    """An integer from a URL or a control, or ``default`` for anything else."""
    try:
        return int(str(raw)) if raw not in (None, "") else default
    except ValueError:
        return default


def choice(raw: Any, allowed: tuple[str, ...], default: str) -> str:
    """``raw`` if it is one of ``allowed``, else ``default``."""
    return raw if isinstance(raw, str) and raw in allowed else default


# ------------------------------------------------------------------------------------------- strict (API) parsing

ID = "[A-Za-z0-9_]{1,64}"  # an indicator id
REGION = "[A-Za-z0-9]{1,8}"  # a region code as typed (any case)
YEAR = "[0-9]{4}"
PIXELS = "[0-9]{1,5}"


class ParamError(Exception):
    """A request parameter is malformed (400) or names something unknown (404)."""

    def __init__(self, status: int, message: str, parameter: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter, self.extra = status, message, parameter, extra


def short(text: str, n: int = 40) -> str:
    """``text`` quoted for an error message, cut after ``n`` characters."""
    return repr(text if len(text) <= n else text[:n] + "…")


Kind = Literal["text", "choice", "list", "year", "int"]


@dataclass(frozen=True)
class Param:
    """One query parameter of the API: what it accepts (for the parser and the OpenAPI schema) and how its errors
    read. A value is given at most once; ``parse`` returns None when the parameter is absent and not required."""

    name: str
    kind: Kind
    description: str
    pattern: str | None = None  # a whole value ("text", "year", "int") or one item of a "list", unanchored
    enum: tuple[str, ...] = ()  # "choice"
    low: int | None = None  # "int": inclusive bounds
    high: int | None = None
    max_chars: int | None = None  # of the raw value
    max_items: int | None = None  # "list", after de-duplication
    known: tuple[str, ...] = ()  # "list": the only codes there are (others are a 404)
    upper: Literal["", "as_read", "when_valid"] = ""  # "list": upper-case the items (before or after the checks)
    strip: bool = True  # surrounding blanks ignored
    lower: bool = False  # "choice": case ignored
    required: str | None = None  # the message's end when the parameter is missing; None: optional
    default: str | int | None = None  # documented default (what the endpoint uses when it is absent)
    example: str | None = None
    # wording of the errors
    if_empty: str | None = None  # the advice when the value is empty; None: an empty value is just malformed
    malformed: str = "has characters or a length that no id can have"  # "text" and each "list" item
    too_many: str = "lists {n} ids; the limit is {limit} per request"
    year_example: str = "2020"
    invalid: str | None = None  # "choice": replaces "must be one of …" (and then no 'allowed' list is given)

    # ------------------------------------------------------------------------------------------------- parsing

    def raw(self, args: Mapping[str, str]) -> str | None:
        """The value as given, after the length and emptiness checks; None if absent."""
        raw = args.get(self.name)
        if raw is None:
            if self.required is not None:
                extra = {"allowed": list(self.enum)} if self.enum else {}
                raise ParamError(400, f"parameter {self.name!r} is required{self.required}", self.name, **extra)
            return None
        if self.max_chars is not None and len(raw) > self.max_chars:
            raise ParamError(
                400,
                f"parameter {self.name!r} is too long ({len(raw)} characters; at most {self.max_chars})",
                self.name,
            )
        if self.if_empty is not None and not raw.strip():
            raise ParamError(400, f"parameter {self.name!r} is empty; {self.if_empty}", self.name)
        return raw.strip() if self.strip else raw

    def parse(self, args: Mapping[str, str]) -> Any:
        """The typed value (str, int or list of str), None if absent; ParamError if malformed."""
        value = self.raw(args)
        if value is None:
            return None
        if self.kind == "text":
            return self._text(value)
        if self.kind == "choice":
            return self._choice(value, args[self.name])
        if self.kind == "year":
            return self._year(value)
        if self.kind == "int":
            return self._int(value)
        return self._list(value)

    def _text(self, value: str) -> str:
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise ParamError(400, f"parameter {self.name!r}: {short(value)} {self.malformed}", self.name)
        return value

    def _choice(self, value: str, raw: str) -> str:
        value = value.lower() if self.lower else value
        if value in self.enum:
            return value
        if self.invalid is not None:
            raise ParamError(400, f"parameter {self.name!r} {self.invalid}, not {short(raw)}", self.name)
        raise ParamError(
            400,
            f"parameter {self.name!r} must be one of {', '.join(self.enum)}, not {short(value)}",
            self.name,
            allowed=list(self.enum),
        )

    def _year(self, value: str) -> int:
        if not re.fullmatch(YEAR, value.strip()):  # a year given with strip=False is still read without blanks
            raise ParamError(
                400,
                f"parameter {self.name!r} must be a 4-digit year such as {self.year_example}, not {short(value)}",
                self.name,
            )
        return int(value.strip())

    def _int(self, value: str) -> int:
        assert self.low is not None and self.high is not None
        if not re.fullmatch(PIXELS, value) or not self.low <= int(value) <= self.high:
            raise ParamError(
                400,
                f"parameter {self.name!r} must be a whole number of pixels from {self.low} to {self.high}, "
                f"not {short(value)}",
                self.name,
            )
        return int(value)

    def _list(self, value: str) -> list[str]:
        items = [x.strip() for x in value.split(",")]
        if self.upper == "as_read":
            items = [x.upper() for x in items]
        for x in items:
            if not x:
                raise ParamError(
                    400, f"parameter {self.name!r} has an empty item (two commas or a trailing comma)", self.name
                )
            if self.pattern is not None and not re.fullmatch(self.pattern, x):
                raise ParamError(400, f"parameter {self.name!r}: {short(x)} {self.malformed}", self.name)
        items = list(dict.fromkeys(x.upper() if self.upper == "when_valid" else x for x in items))
        if self.max_items is not None and len(items) > self.max_items:
            raise ParamError(
                400,
                f"parameter {self.name!r} {self.too_many.format(n=len(items), limit=self.max_items)}",
                self.name,
                limit=self.max_items,
            )
        unknown = [x for x in items if self.known and x not in self.known]
        if unknown:
            raise ParamError(
                404,
                f"unknown region code(s) for {self.name!r}: {', '.join(unknown)}",
                self.name,
                unknown=unknown,
                allowed=list(self.known),
            )
        return items


def only(args: Any, allowed: tuple[str, ...]) -> None:
    """ParamError unless every parameter in ``args`` (a MultiDict) is one of ``allowed``, each given once."""
    extra = [k for k in args if k not in allowed]
    if extra:
        raise ParamError(
            400,
            f"unknown parameter {short(extra[0])}; this endpoint accepts: {', '.join(allowed) or 'no parameters'}",
            extra[0][:64],
            allowed=list(allowed),
        )
    for k in allowed:
        if len(args.getlist(k)) > 1:
            raise ParamError(
                400, f"parameter {k!r} is given more than once; give it once (lists are comma-separated)", k
            )


# ------------------------------------------------------------------------------------------ data API (/data.*)

MAX_INDICATORS = 20
MAX_ROWS = 200_000
MAX_REGIONS = 2000  # more than every region code in the warehouse (00, TKY, NTK, 47 prefectures, 1,741 municipalities)
REGION_LEVELS = ("national", "aggregate", "prefecture", "municipality")
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}  # parameter value → the CSV writer's encoding

INDICATORS = Param(
    "indicators",
    "list",
    f"Comma-separated indicator ids from /api/v1/indicators; at most {MAX_INDICATORS}, duplicates ignored",
    pattern=ID,
    max_chars=2000,
    max_items=MAX_INDICATORS,
    required=" (comma-separated ids from /api/v1/indicators)",
    if_empty="give a comma-separated list",
    example="gdp_nominal,net_migration_all",
)
REGIONS = Param(
    "regions",
    "list",
    "Comma-separated region codes from /api/v1/regions (00, TKY, NTK, 01–47, 5-digit municipality codes; "
    f"case-insensitive; at most {MAX_REGIONS}). Omitted: every region with data.",
    pattern=REGION,
    max_chars=20_000,
    max_items=MAX_REGIONS,
    upper="when_valid",
    if_empty="give a comma-separated list",
    example="TKY,NTK,00",
)
PERIOD_FROM = Param(
    "from",
    "year",
    "First period (4-digit year, inclusive). It must not be after 'to': from > to is a 400 naming 'from' "
    "(a rule between two parameters, which the schema cannot state)",
    strip=False,  # the message quotes the value as given
    year_example="2015",
    example="2015",
)
PERIOD_TO = Param(
    "to", "year", "Last period (4-digit year, inclusive)", strip=False, year_example="2015", example="2022"
)
ENCODING = Param(
    "encoding",
    "choice",
    "utf-8 (default, written with a BOM) or cp932 (Windows Shift_JIS; m² becomes m2, and a character cp932 cannot "
    "represent gives 400 naming it)",
    enum=tuple(CSV_ENCODINGS),
    lower=True,
    default="utf-8",
    invalid="must be utf-8 or cp932",
)
LEVEL = Param(
    "level", "choice", "Only regions of this level (400 for any other value)", enum=REGION_LEVELS, strip=False
)
DATA_PARAMS = (INDICATORS, REGIONS, PERIOD_FROM, PERIOD_TO)

# --------------------------------------------------------------------------------------- KPIs (/kpis/<id>, /kpi/<id>)

KPI_BASE_YEAR = Param(
    "base_year",
    "year",
    "Base year of the growth or change (default: the strategy's base year; "
    "a year the series lacks is a 400 naming the years it has)",
    year_example="2015",
    example="2015",
)
KPI_VARIANT = Param(
    "variant",
    "text",
    "Growth KPIs: the series variant (default: the one the status uses); an "
    "unknown variant is a 400 listing the known ones",
    pattern=ID,
    max_chars=64,
    example="h30_release",
)
KPI_PARAMS = (KPI_BASE_YEAR, KPI_VARIANT)
