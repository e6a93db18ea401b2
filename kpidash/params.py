"""Every URL and API parameter, parsed and validated in one place.

Pages are lenient (a bad value falls back to the default: an address typed by hand never gives an error page); the
API is strict (a bad value is a 400 naming the parameter). Both read the same definitions, and the OpenAPI
description is generated from them. Imports only kpidash.config.
"""

from __future__ import annotations

from typing import Any
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
