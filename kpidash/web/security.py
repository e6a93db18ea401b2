"""HTTP hardening of the Dash/Flask server and the warehouse schema check.

``install(app)`` adds, on the Flask server behind the Dash app:

- security headers on every response (Content-Security-Policy with the SHA-256 hashes of Dash's own inline scripts
  instead of ``'unsafe-inline'``, ``frame-ancestors 'none'``, nosniff, a referrer policy, ``X-Frame-Options``);
- error handlers: an unexpected exception on a page route gives a plain Japanese 503 page (no traceback), on the API
  or a Dash endpoint a JSON 503; an unknown ``/api/...`` path a JSON 404 (Dash would otherwise answer any path with
  its HTML shell and status 200);
- a request-body limit (Dash callbacks are small JSON documents).

``check_warehouse_schema(path)`` compares a warehouse file with the contract of docs/architecture.md and returns what
is missing, so an older warehouse is refused with a message that says to rebuild it.

``python -m kpidash.web.security audit`` runs pip-audit (``make audit``) and separates real findings (exit 1) from an
unreachable or incomplete advisory service (a clear note, exit 0).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import dash
import duckdb
from dash import html
from dash.exceptions import DependencyException
from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from kpidash.config import WAREHOUSE_CONTRACT
from kpidash.data.connection import WarehouseMissing

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
    "worker-src": ["'self'", "blob:"],  # maplibre (Choroplethmap) starts its workers from blob: URLs
    "child-src": ["'self'", "blob:"],
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
                return jsonify({"error": exc.description or exc.name, "status": code}), code
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


# ------------------------------------------------------------------------------------------ warehouse schema


class WarehouseSchemaError(WarehouseMissing):
    """The warehouse exists but lacks a table or column of the contract (built by an older version).

    A subclass of ``WarehouseMissing`` so that every caller that already refuses to start on a missing warehouse
    (app.py, ``python -m kpidash kpi-status``) refuses an outdated one with the same clear message.
    """


# The contract of docs/architecture.md ("Warehouse contract"); tests/unit/test_security.py checks the two agree.
REBUILD_HINT = "rebuild it with `make etl` (or `python -m etl build`)"


def check_warehouse_schema(path: Path | str) -> list[str]:
    """Problems of the warehouse at ``path`` against the contract; an empty list means it is usable.

    Each problem is a sentence naming the file and the missing table or column. ``region_block_*`` in the contract
    means at least one column with that prefix.
    """
    path = Path(path)
    if not path.is_file():
        return [f"warehouse {path} not found: run `make setup` or `python -m etl build`"]
    try:
        con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [f"warehouse {path} cannot be opened as a DuckDB database ({first}); {REBUILD_HINT}"]
    try:
        rows = con.execute(
            "SELECT table_schema || '.' || table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts'"
        ).fetchall()
    finally:
        con.close()
    present: dict[str, set[str]] = {}
    for table, column in rows:
        present.setdefault(table, set()).add(column)
    problems: list[str] = []
    for table, columns in WAREHOUSE_CONTRACT.items():
        have = present.get(table)
        if have is None:
            problems.append(f"warehouse {path}: table {table} is missing (older schema); {REBUILD_HINT}")
            continue
        for col in columns:
            ok = any(c.startswith(col[:-1]) for c in have) if col.endswith("*") else col in have
            if not ok:
                problems.append(f"warehouse {path}: column {table}.{col} is missing (older schema); {REBUILD_HINT}")
    return problems


def ensure_warehouse_schema(path: Path | str) -> None:
    """Raise ``WarehouseSchemaError`` (a ``WarehouseMissing``) with every problem when the warehouse is unusable."""
    problems = check_warehouse_schema(path)
    if problems:
        raise WarehouseSchemaError("\n".join(problems))


# ------------------------------------------------------------------------------------------ make audit

AUDIT_ARGS = ["--skip-editable", "--local", "--vulnerability-service", "pypi", "--progress-spinner", "off"]


def summarise_audit(returncode: int, report_json: str | None, stderr: str) -> tuple[int, str]:
    """Turn one pip-audit run into (exit code, message): 1 only for real findings.

    ``report_json`` is pip-audit's ``--format json`` output (None or empty when it wrote none, e.g. the advisory
    service was unreachable). Packages pip-audit could not look up are listed, never reported as "no findings".
    """
    report: dict[str, Any] | None = None
    if report_json:
        try:
            report = json.loads(report_json)
        except json.JSONDecodeError:
            report = None
    if report is None:
        last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "no output")
        return 0, (
            "audit: NOT DONE — pip-audit could not query the vulnerability service (PyPI advisory data).\n"
            f"  cause: {last[:300]}\n"
            "  Nothing was checked; run `make audit` again where https://pypi.org is reachable."
        )
    deps = report.get("dependencies", [])
    findings = [(d["name"], d.get("version", "?"), v) for d in deps for v in d.get("vulns", [])]
    skipped = [d for d in deps if d.get("skip_reason") and "editable" not in d["skip_reason"]]
    audited = [d for d in deps if not d.get("skip_reason")]
    lines = [f"audit: {len(audited)} package(s) checked against PyPI's advisory data, {len(skipped)} not checked."]
    if skipped:
        reasons: dict[str, list[str]] = {}
        for d in skipped:
            reason = str(d["skip_reason"]).split(":")[0]
            reasons.setdefault(reason, []).append(d["name"])
        for reason, names in reasons.items():
            lines.append(f"  not checked ({reason}): {', '.join(names)}")
        if not audited:
            lines.append("  NOTE: no package could be checked, so this is NOT evidence of zero vulnerabilities.")
    if findings:
        lines.append(f"  {len(findings)} known vulnerability(ies):")
        for name, version, v in findings:
            fixes = ", ".join(v.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"    - {name} {version}: {v.get('id')} (fixed in: {fixes})")
        return 1, "\n".join(lines)
    if audited:
        lines.append(f"  no known vulnerability in the {len(audited)} package(s) checked.")
    if returncode not in (0, 1):
        lines.append(f"  (pip-audit exited with {returncode}: {stderr.strip()[-300:]})")
    return 0, "\n".join(lines)


def run_audit(extra_args: list[str] | None = None) -> int:
    """Run pip-audit on this environment and print a summary; the return value is the exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [sys.executable, "-m", "pip_audit", *AUDIT_ARGS, "--format", "json", "--output", str(out)]
        try:
            proc = subprocess.run([*cmd, *(extra_args or [])], capture_output=True, text=True, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            print("audit: NOT DONE — pip-audit did not finish within 10 minutes (network?).", file=sys.stderr)
            return 0
        report = out.read_text(encoding="utf-8") if out.exists() else None
        code, message = summarise_audit(proc.returncode, report, proc.stderr)
    print(message, file=sys.stderr if code else sys.stdout)
    return code


def _main(argv: list[str]) -> int:
    if argv[:1] != ["audit"]:
        print("usage: python -m kpidash.web.security audit [pip-audit options]", file=sys.stderr)
        return 2
    return run_audit(argv[1:])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))


__all__ = [
    "WAREHOUSE_CONTRACT",
    "WarehouseSchemaError",
    "check_warehouse_schema",
    "content_security_policy",
    "debug_enabled",
    "ensure_warehouse_schema",
    "install",
    "summarise_audit",
]
