"""HTTP hardening of the Dash/Flask server.

``install(app)`` adds, on the Flask server behind the Dash app:

- security headers on every response (Content-Security-Policy with the SHA-256 hashes of Dash's own inline scripts
  instead of ``'unsafe-inline'``, ``frame-ancestors 'none'``, nosniff, a referrer policy, ``X-Frame-Options``);
- error handlers: an unexpected exception on a page route gives a plain Japanese 503 page (no traceback), on the API
  or a Dash endpoint a JSON 503; an unknown ``/api/...`` path a JSON 404 (Dash would otherwise answer any path with
  its HTML shell and status 200);
- a request-body limit (Dash callbacks are small JSON documents).
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

import dash
from dash import html
from dash.exceptions import DependencyException
from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

DEBUG_ENV = "KPIDASH_DEBUG"
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # callbacks are small JSON; a 1 MB survey CSV base64-encoded still fits
API_PREFIX = "/api"

# Static part of the policy. script-src gets the hashes of Dash's inline scripts per request (see _csp).
CSP_DIRECTIVES: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],  # plotly and React set style attributes / <style> elements
    "img-src": ["'self'", "data:", "blob:"],  # plotly's modebar icons and PNG download
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],  # callbacks, /api, /geo/*.geojson
    "worker-src": ["'self'"],
    "child-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
STATIC_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

UNAVAILABLE_TITLE = "サービスを一時的に利用できません"
UNAVAILABLE_HTML = f"""<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{UNAVAILABLE_TITLE} | 地域未来 KPI ダッシュボード</title></head>
<body>
<main>
<h1>{UNAVAILABLE_TITLE}</h1>
<p>データの読み込み中に問題が発生しました。しばらく待ってから、もう一度お試しください。</p>
<p>問題が続く場合は管理者にお問い合わせください（詳細はサーバーのログに記録されています）。</p>
<p><a href="/">概要へ戻る</a></p>
</main>
</body>
</html>
"""
NOT_FOUND_HTML = """<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8"><title>ページが見つかりません | 地域未来 KPI ダッシュボード</title></head>
<body><main><h1>ページが見つかりません</h1><p><a href="/">概要へ戻る</a></p></main></body>
</html>
"""
RETRY_AFTER_S = "30"


def debug_enabled() -> bool:
    """Debug (Dash dev tools, tracebacks in the browser) only when ``KPIDASH_DEBUG=1`` is set explicitly."""
    return os.environ.get(DEBUG_ENV, "").strip() == "1"


def content_security_policy(script_hashes: list[str] | tuple[str, ...] = ()) -> str:
    directives = {**CSP_DIRECTIVES, "script-src": [*CSP_DIRECTIVES["script-src"], *script_hashes]}
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _is_dash_endpoint(path: str) -> bool:
    return path.startswith(("/_dash-", "/_reload-hash"))


def _api_endpoints(app: dash.Dash) -> list[str]:
    rules = {r.rule for r in app.server.url_map.iter_rules() if _is_api(r.rule) and r.endpoint != "kpidash_api_404"}
    return sorted(rules)


def install(app: dash.Dash) -> None:
    """Add security headers, error pages, the unknown-API 404 and a body limit to the app's Flask server."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    if not debug_enabled():
        server.debug = False
        server.config["PROPAGATE_EXCEPTIONS"] = False

    def _csp() -> str:
        try:
            hashes = list(dict.fromkeys(app.csp_hashes("sha256")))  # Dash may list one script twice
        except Exception:  # never let the header builder break a response; fall back to 'self' only
            log.exception("could not compute the CSP hashes of Dash's inline scripts")
            hashes = []
        return content_security_policy(hashes)

    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _csp()
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def _api_404(rest: str = "") -> Any:
        resp = jsonify(
            {"error": f"unknown API path {request.path!r}", "parameter": "path", "endpoints": _api_endpoints(app)}
        )
        return resp, 404

    def _on_exception(exc: Exception) -> Any:
        path = request.path
        if isinstance(exc, HTTPException):
            code = exc.code or 500
            if _is_api(path):
                # the exception's own headers (a 405's Allow, RFC 9110) with the JSON body instead of its HTML page
                headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
                return jsonify({"error": exc.description or exc.name, "status": code}), code, headers
            if code == 404:
                return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")
            return exc
        if isinstance(exc, DependencyException):  # a bad /_dash-component-suites/ path is the client's error
            return Response("not found", status=404, mimetype="text/plain")
        log.exception("unexpected error on %s %s", request.method, path)
        if _is_api(path) or _is_dash_endpoint(path):
            resp = jsonify({"error": "the data service is unavailable; see the server log", "kind": type(exc).__name__})
            resp.status_code = 503
        else:
            resp = Response(UNAVAILABLE_HTML, status=503, mimetype="text/html")
        resp.headers["Retry-After"] = RETRY_AFTER_S
        return resp

    server.after_request(_headers)
    server.register_error_handler(Exception, _on_exception)
    guard_page_layouts()
    # GET only: another method on a known endpoint then stays a 405 (answered as JSON by _on_exception).
    for rule in (API_PREFIX, f"{API_PREFIX}/", f"{API_PREFIX}/<path:rest>"):
        server.add_url_rule(rule, "kpidash_api_404", _api_404, methods=["GET"])


def page_error() -> html.Div:
    """What a page shows instead of its content when building it failed (the cause is in the server log)."""
    return html.Div(
        [
            html.H1(UNAVAILABLE_TITLE),
            html.P("このページの表示中に問題が発生しました。しばらく待ってから、もう一度お試しください。"),
            html.P("問題が続く場合は管理者にお問い合わせください（詳細はサーバーのログに記録されています）。"),
            html.P(html.A("概要へ戻る", href="/")),
        ],
        className="page page-error",
        role="alert",
    )


def guard_page_layouts() -> None:
    """Wrap every registered page's ``layout`` so an unexpected exception renders ``page_error()``.

    Dash builds a page inside its routing callback; an exception there leaves the user with a half-rendered page and
    a failed request in the console. The exception is logged with its traceback; the page modules keep their own
    ``layout`` (tests call those directly), only the registry entry Dash calls is wrapped.
    """
    for module, page in dash.page_registry.items():
        layout = page.get("layout")
        if callable(layout) and not getattr(layout, "_kpidash_guarded", False):
            page["layout"] = _guarded(layout, module)


def _guarded(layout: Any, module: str) -> Any:
    # A closure, not default arguments: any query parameter name reaches the layout as a keyword.
    @functools.wraps(layout)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return layout(*args, **kwargs)
        except Exception:
            log.exception("page %s failed to render (parameters %r)", module, sorted(kwargs))
            return page_error()

    guarded._kpidash_guarded = True  # type: ignore[attr-defined]
    return guarded


__all__ = ["content_security_policy", "debug_enabled", "install"]
