"""Whether this server may write the analyst's own KPIs, and the checks every write request passes.

Writing is on when the server is bound to a loopback address (HOST, as set by ``make run`` / ``make serve``; default
127.0.0.1) or when a write token is configured (``KPIDASH_WRITE_TOKEN``). With a token, every write must carry it
(header ``X-KPIDASH-Token``, or the page's token field); without one, only requests from loopback are accepted.
CSRF guard: a write must come from this origin (the ``Origin`` header, when the browser sends it, must equal the
server's), and API writes need the custom header ``X-KPIDASH-Write: 1``, which a cross-site form cannot set and a
cross-site script cannot send without a CORS preflight this server never grants. The warehouse is never written.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import request

TOKEN_ENV = "KPIDASH_WRITE_TOKEN"
HOST_ENV = "HOST"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
TOKEN_HEADER = "X-KPIDASH-Token"
WRITE_HEADER = "X-KPIDASH-Write"


@dataclass(frozen=True)
class Policy:
    writable: bool
    token_required: bool
    reason_ja: str
    reason_en: str


def policy() -> Policy:
    host = os.environ.get(HOST_ENV, "127.0.0.1")
    if os.environ.get(TOKEN_ENV):
        return Policy(True, True, "書き込みには書き込みトークンが必要です。", "Writing needs the write token.")
    if host in LOOPBACK:
        return Policy(
            True, False, f"このサーバーは {host} で動いているため書き込みできます。", f"Writable: bound to {host}."
        )
    return Policy(
        False,
        False,
        f"このサーバーは {host} で公開されており、書き込みトークンが設定されていないため書き込みはできません。"
        f"{TOKEN_ENV} を設定して起動するか、127.0.0.1 で起動してください。",
        f"Writing is off: bound to {host} without a write token. Start with {TOKEN_ENV} set, or on 127.0.0.1.",
    )


class WriteRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def check(token: str | None = None, api: bool = True) -> None:
    """Raise WriteRefused (403) unless this request may write. ``token``: from the page; else the header."""
    p = policy()
    if not p.writable:
        raise WriteRefused(403, p.reason_en)
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise WriteRefused(403, f"cross-origin write refused (Origin {origin!r})")
    if api and request.headers.get(WRITE_HEADER) != "1":
        raise WriteRefused(403, f"write requests need the header {WRITE_HEADER}: 1 (CSRF guard)")
    if p.token_required:
        given = token if token is not None else request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), os.environ.get(TOKEN_ENV, "").encode()):
            raise WriteRefused(403, f"missing or wrong write token ({TOKEN_HEADER})")
    elif request.remote_addr not in ("127.0.0.1", "::1"):
        raise WriteRefused(403, "without a write token only requests from this machine may write")


def actor() -> str:
    """Who made a change, for the history: the configured name (KPIDASH_ACTOR), else the client address."""
    return os.environ.get("KPIDASH_ACTOR") or f"web {request.remote_addr or '?'}"
