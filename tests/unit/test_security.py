"""Security properties of the served app and the repository.

- every response carries the security headers; the CSP allows Dash's inline scripts by hash, never 'unsafe-inline';
- unknown API paths answer JSON 404, unexpected errors a Japanese 503 without a traceback;
- the query layer opens the warehouse read-only, and no request input ever becomes SQL text (a recording wrapper
  around DuckDB sees every statement while the API, the pages and the Dash callbacks are driven with a marker);
- no secret is committed, and the e-Stat appId is only ever read from the environment;
- the warehouse schema check names what an older warehouse lacks; ``make audit`` reports honestly.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import inspect
import json
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import duckdb
import pytest
from plotly.io.json import to_json_plotly

from kpidash import audit, config
from kpidash.data import schema
from kpidash.data.connection import WarehouseMissing
from kpidash.web import security

REPO = Path(__file__).resolve().parents[2]
MARKER = "ZZMARKERZZ"
HOSTILE = f"{MARKER}'; DROP TABLE marts.regions;--"
# Names a page, the API or a callback might read from a query string; the layouts' own parameters are added.
EXTRA_PARAMS = (
    "lang",
    "kpi",
    "kpi_id",
    "region",
    "region_code",
    "indicator",
    "indicator_id",
    "period",
    "year",
    "q",
    "sort",
    "mode",
    "theme",
    "view",
    "highlight",
    "regions",
    "base",
    "format",
    "fields",
)


@pytest.fixture()
def dash_app(use_fixture_warehouse: Path) -> dash.Dash:
    """The real app (app.py), pointed at the synthetic warehouse."""
    import app as app_module

    return app_module.app


class Client:
    """Flask's test client, with each response read and closed (file responses would otherwise leak a handle)."""

    def __init__(self, app: dash.Dash) -> None:
        self._client = app.server.test_client()

    def _done(self, resp: Any) -> Any:
        resp.get_data()  # buffers the body
        resp.close()
        return resp

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._done(self._client.get(*args, **kwargs))

    def post(self, *args: Any, **kwargs: Any) -> Any:
        return self._done(self._client.post(*args, **kwargs))


@pytest.fixture()
def client(dash_app: dash.Dash) -> Client:
    return Client(dash_app)


# ------------------------------------------------------------------------------------------------ headers


def _first_component_script(client: Any) -> str:
    html_text = client.get("/").get_data(as_text=True)
    m = re.search(r'<script src="(/_dash-component-suites/[^"]+)"', html_text)
    assert m, "the index page lists no Dash component script"
    return m.group(1)


def _assert_security_headers(resp: Any, where: str) -> None:
    csp = resp.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"], (where, csp)
    assert directives.get("frame-ancestors") == ["'none'"], (where, csp)
    assert directives.get("object-src") == ["'none'"], (where, csp)
    assert directives.get("connect-src") == ["'self'"], (where, csp)
    script = directives.get("script-src", [])
    assert script[:1] == ["'self'"] and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, (where, csp)
    assert all(s.startswith("'sha256-") for s in script[1:]), (where, csp)
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", where
    assert resp.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert resp.headers.get("X-Frame-Options") == "DENY", where


@pytest.mark.parametrize(
    "path,status",
    [
        ("/", 200),
        ("/about", 200),
        ("/api/v1/kpis", 200),
        ("/api/v1/kpis/no_such_kpi", 404),
        ("/api/v1/no-such-endpoint", 404),
        ("/assets/style.css", 200),
        ("/assets/no-such-file.css", 404),
        ("/_dash-layout", 200),
        ("/_dash-dependencies", 200),
        ("/_favicon.ico", 200),
    ],
)
def test_security_headers_on_every_kind_of_response(client: Any, path: str, status: int) -> None:
    resp = client.get(path)
    assert resp.status_code == status, (path, resp.get_data(as_text=True)[:300])
    _assert_security_headers(resp, path)


def test_security_headers_on_component_scripts(client: Any) -> None:
    path = _first_component_script(client)
    resp = client.get(path)
    assert resp.status_code == 200
    _assert_security_headers(resp, path)


def test_csp_hashes_cover_exactly_the_inline_scripts_dash_renders(client: Any) -> None:
    """Every executable inline <script> of the page is allowed by its hash (else the browser would refuse it)."""
    resp = client.get("/")
    page = resp.get_data(as_text=True)
    csp = resp.headers["Content-Security-Policy"]
    inline = [
        body
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
        if "src=" not in attrs and "application/json" not in attrs
    ]
    assert any("DashRenderer" in body for body in inline), "the renderer script is no longer inline?"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp, f"inline script not allowed by the CSP:\n{body[:200]}"


def test_content_security_policy_builder() -> None:
    csp = security.content_security_policy(["'sha256-abc='"])
    assert "script-src 'self' 'sha256-abc='" in csp
    assert "worker-src 'self';" in csp and "child-src 'self';" in csp  # no map library starts blob: workers
    assert "img-src 'self' data: blob:" in csp
    assert "'unsafe-eval'" not in csp


# ------------------------------------------------------------------------------------------------ error pages


def test_unknown_api_paths_answer_json_404(client: Any) -> None:
    for path in ("/api", "/api/", "/api/v1/no-such-endpoint", "/api/v2/kpis", "/api/v1/kpis/"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        data = resp.get_json()
        assert data is not None, f"{path} did not answer JSON: {resp.get_data(as_text=True)[:100]}"
        assert path in data["error"]
        assert "/api/v1/kpis" in data["endpoints"]


def test_known_api_path_with_wrong_method_is_json_405(client: Any) -> None:
    resp = client.post("/api/v1/kpis")
    assert resp.status_code == 405
    assert resp.get_json()["status"] == 405


def test_bad_component_suite_path_is_404_not_500(client: Any) -> None:
    resp = client.get("/_dash-component-suites/dash/no-such-file.js")
    assert resp.status_code == 404


def test_unexpected_error_on_a_page_route_is_a_japanese_503_without_traceback(
    client: Any, dash_app: dash.Dash, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/")  # Dash's first-request setup runs before the failure is injected

    def boom(*_: Any, **__: Any) -> str:
        raise RuntimeError("secret internal detail /srv/kpidash/whatever.py")

    monkeypatch.setattr(dash_app, "interpolate_index", boom)
    resp = client.get("/about")
    assert resp.status_code == 503
    body = resp.get_data(as_text=True)
    assert "サービスを一時的に利用できません" in body
    assert "Traceback" not in body and "secret internal detail" not in body and "RuntimeError" not in body
    assert resp.headers["Content-Type"].startswith("text/html")
    assert resp.headers.get("Retry-After")
    _assert_security_headers(resp, "503 page")


def test_unexpected_error_in_the_api_is_json_503(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from kpidash.service import kpis as service

    def boom() -> list[dict[str, Any]]:
        raise duckdb.IOException("disk gone")

    monkeypatch.setattr(service, "kpis", boom)
    resp = client.get("/api/v1/kpis")
    assert resp.status_code == 503
    assert "Traceback" not in resp.get_data(as_text=True)
    assert resp.get_json()["error"]


def _text(component: Any) -> str:
    return json.dumps(json.loads(to_json_plotly(component)), ensure_ascii=False)


def test_a_failing_page_layout_renders_the_japanese_error_instead(
    dash_app: dash.Dash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dash calls the registry's layout: a failure there shows a plain message, the module's own layout still raises."""
    page = next(p for p in dash.page_registry.values() if p["path"] == "/about")
    module = sys.modules[page["module"]]
    from kpidash.views import overview as views

    def boom(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internal detail")

    assert "サービスを一時的に利用できません" not in _text(page["layout"](_layout="x", _module="y"))  # any names pass
    monkeypatch.setattr(views, "about", boom)
    with pytest.raises(RuntimeError):
        module.layout()
    text = _text(page["layout"]())
    assert "サービスを一時的に利用できません" in text
    assert "secret internal detail" not in text


def test_debug_is_off_unless_explicitly_enabled(monkeypatch: pytest.MonkeyPatch, dash_app: dash.Dash) -> None:
    monkeypatch.delenv(security.DEBUG_ENV, raising=False)
    assert security.debug_enabled() is False
    for value, expected in [("1", True), (" 1 ", True), ("0", False), ("true", False), ("", False), ("yes", False)]:
        monkeypatch.setenv(security.DEBUG_ENV, value)
        assert security.debug_enabled() is expected, value
    assert dash_app.server.debug is False
    assert dash_app.server.config["PROPAGATE_EXCEPTIONS"] is False


def test_request_body_is_limited(client: Any) -> None:
    resp = client.post(
        "/_dash-update-component", data=b"x" * (security.MAX_REQUEST_BYTES + 1), content_type="application/json"
    )
    assert resp.status_code == 413


# ------------------------------------------------------------------------------------------------ read-only


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO marts.regions (region_code) VALUES ('99')",
        "CREATE TABLE marts.evil (x INTEGER)",
        "DROP TABLE marts.observations",
        "UPDATE marts.observations SET value = 0",
        "DELETE FROM marts.sources",
        "ALTER TABLE marts.regions ADD COLUMN evil INTEGER",
    ],
)
def test_query_layer_connection_is_read_only(use_fixture_warehouse: Path, statement: str) -> None:
    from kpidash.data.connection import connect

    before = hashlib.sha256(use_fixture_warehouse.read_bytes()).hexdigest()
    with connect() as con, pytest.raises(duckdb.Error, match=r"(?i)read[- ]only"):
        con.execute(statement)
    assert hashlib.sha256(use_fixture_warehouse.read_bytes()).hexdigest() == before


def test_query_layer_connection_cannot_touch_other_files(use_fixture_warehouse: Path, tmp_path: Path) -> None:
    from kpidash.data.connection import connect

    target = tmp_path / "leak.csv"
    with connect() as con:
        with pytest.raises(duckdb.Error):
            con.execute(f"COPY (SELECT 1 AS x) TO '{target}'")
        with pytest.raises(duckdb.Error):
            con.execute(f"SELECT * FROM read_csv('{REPO / 'pyproject.toml'}')")
    assert not target.exists()


# ------------------------------------------------------------------------------------------------ SQL text


class SqlLog:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def add(self, sql: Any, params: Any) -> None:
        self.calls.append((str(sql), params))

    def sql_with(self, needle: str) -> list[str]:
        return [sql for sql, _ in self.calls if needle in sql]

    def params_with(self, needle: str) -> list[Any]:
        return [p for _, p in self.calls if needle in repr(p)]


class RecordingConnection:
    """Delegates to a real DuckDB connection and records every statement and its bound parameters."""

    def __init__(self, con: duckdb.DuckDBPyConnection, log: SqlLog) -> None:
        self._con = con
        self._log = log

    def _wrap(self, result: Any) -> Any:
        return self if result is self._con else result

    def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._log.add(query, args[0] if args else kwargs.get("parameters"))
        return self._wrap(self._con.execute(query, *args, **kwargs))

    def executemany(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._log.add(query, args[0] if args else kwargs.get("parameters"))
        return self._wrap(self._con.executemany(query, *args, **kwargs))

    def sql(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self._log.add(query, kwargs.get("params"))
        return self._con.sql(query, *args, **kwargs)

    query = sql

    def cursor(self) -> RecordingConnection:
        # The query layer runs each call on a cursor of a shared connection: record those too.
        return RecordingConnection(self._con.cursor(), self._log)

    def __enter__(self) -> RecordingConnection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._con.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.fixture()
def sql_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[SqlLog]:
    log = SqlLog()
    real_connect = duckdb.connect

    def connect(*args: Any, **kwargs: Any) -> RecordingConnection:
        return RecordingConnection(real_connect(*args, **kwargs), log)

    def module_level(name: str) -> Callable[..., Any]:
        real = getattr(duckdb, name)

        def recorded(query: Any, *args: Any, **kwargs: Any) -> Any:
            log.add(query, args[0] if args else kwargs.get("params", kwargs.get("parameters")))
            return real(query, *args, **kwargs)

        return recorded

    monkeypatch.setattr(duckdb, "connect", connect)
    for name in ("sql", "query", "execute"):
        monkeypatch.setattr(duckdb, name, module_level(name))
    _clear_caches()  # cached results would hide the queries
    yield log
    _clear_caches()


def _clear_caches() -> None:
    for name, module in list(sys.modules.items()):
        if not name.startswith(("kpidash", "pages")) or module is None:
            continue
        for value in list(vars(module).values()):
            # functools.cache / lru_cache wrappers only (a getattr on werkzeug's request proxies would raise)
            if isinstance(value, functools._lru_cache_wrapper) and getattr(value, "__module__", "") == name:
                value.cache_clear()


def _hostile_query_string(names: list[str] | tuple[str, ...]) -> str:
    return urllib.parse.urlencode(dict.fromkeys(names, HOSTILE))


def _fill_template(template: str, value: str) -> str:
    return re.sub(r"<[^>]+>", urllib.parse.quote(value, safe=""), template)


def _page_params(page: dict[str, Any]) -> list[str]:
    fn = getattr(sys.modules[page["module"]], "layout", None)
    names = list(EXTRA_PARAMS)
    if callable(fn):
        names += [
            p.name for p in inspect.signature(fn).parameters.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        ]
    names += re.findall(r"<([^>]+)>", page.get("path_template") or "")
    return list(dict.fromkeys(names))


def _callback_payload(dep: dict[str, Any], value_for: Callable[[str, str], Any]) -> dict[str, Any] | None:
    """A request body for one server-side callback with every input and state set by ``value_for(id, prop)``."""
    if dep.get("clientside_function"):
        return None
    ids = [x["id"] for x in dep["inputs"] + dep["state"]]
    if any(i.startswith("{") for i in ids) or dep["output"].lstrip(".").startswith("{"):
        return None  # pattern-matching ids take lists of values: out of scope for this driver

    def split(out: str) -> dict[str, str]:
        cid, prop = out.rsplit(".", 1)
        return {"id": cid, "property": prop}

    out = dep["output"]
    outputs: Any = [split(o) for o in out[2:-2].split("...")] if out.startswith("..") else split(out)
    inputs = [{**x, "value": value_for(x["id"], x["property"])} for x in dep["inputs"]]
    state = [{**x, "value": value_for(x["id"], x["property"])} for x in dep["state"]]
    return {
        "output": out,
        "outputs": outputs,
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{x['id']}.{x['property']}" for x in dep["inputs"]],
    }


def _drive_everything_with_marker(client: Any, dash_app: dash.Dash) -> int:
    """Send the hostile marker through every API route, page layout and server-side callback; returns #requests."""
    sent = 0
    client.get("/")  # first request: Dash registers the page-routing callback
    # The JSON API: every path variable and many query parameters.
    for rule in dash_app.server.url_map.iter_rules():
        if not rule.rule.startswith("/api") or rule.endpoint == "kpidash_api_404":
            continue
        client.get(_fill_template(rule.rule, HOSTILE) + "?" + _hostile_query_string(EXTRA_PARAMS))
        sent += 1
    # Every page: the HTML shell, and the layout as Dash calls it (path variables + query parameters).
    for page in dash.page_registry.values():
        params = _page_params(page)
        path = _fill_template(page.get("path_template") or page["path"], HOSTILE)
        client.get(path + "?" + _hostile_query_string(params))
        layout = page["layout"]
        if callable(layout):
            layout(**dict.fromkeys(params, HOSTILE))
            layout(**{p: [HOSTILE, HOSTILE] for p in params})  # a repeated key arrives as a list
        sent += 1
    # Every server-side callback, including Dash's page router, with the marker in every input and state.
    all_params = sorted({p for page in dash.page_registry.values() for p in _page_params(page)})
    deps = client.get("/_dash-dependencies").get_json()
    seen: set[str] = set()
    for page in dash.page_registry.values():
        pathname = _fill_template(page.get("path_template") or page["path"], HOSTILE)

        def value_for(cid: str, prop: str, pathname: str = pathname) -> Any:
            if prop == "pathname":
                return pathname
            if prop == "search":
                return "?" + _hostile_query_string(all_params)
            if prop == "hash":
                return "#" + HOSTILE
            return HOSTILE

        for dep in deps:
            payload = _callback_payload(dep, value_for)
            if payload is not None and (key := json.dumps(payload, sort_keys=True)) not in seen:
                seen.add(key)
                client.post("/_dash-update-component", json=payload)
                sent += 1
    return sent


def test_no_request_input_reaches_sql_text(client: Any, dash_app: dash.Dash, sql_log: SqlLog) -> None:
    sent = _drive_everything_with_marker(client, dash_app)
    assert sent > len(dash.page_registry)
    assert len(sql_log.calls) >= 3, "the recorder saw (almost) no SQL: the instrumentation is broken"
    leaked = sql_log.sql_with(MARKER)
    assert leaked == [], "request input was pasted into SQL text:\n" + "\n---\n".join(leaked[:5])


def test_sql_recorder_sees_parameters_and_catches_pasted_input(use_fixture_warehouse: Path, sql_log: SqlLog) -> None:
    """Controls for the test above: a bound marker is seen as a parameter, a pasted one as SQL text."""
    from kpidash.data import connection as db
    from kpidash.data import queries

    queries.series(HOSTILE, ["13"])
    assert sql_log.params_with(MARKER) and not sql_log.sql_with(MARKER)
    db.query("SELECT '" + HOSTILE.replace("'", "''") + "' AS pasted")  # what a vulnerable query would look like
    assert len(sql_log.sql_with(MARKER)) == 1


# ------------------------------------------------------------------------------------------------ secrets


def _repo_files() -> list[Path]:
    if shutil.which("git") is None:
        pytest.fail("git is needed to list the repository's files")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [REPO / p for p in out.split("\0") if p and (REPO / p).is_file()]


HEX40 = "[0-9a-fA-F]{40}"
SECRET_PATTERNS = {
    "e-Stat appId": re.compile(r"(?i)app_?id[\"']?\s*[:=]\s*[\"']?(" + HEX40 + r")(?![0-9a-fA-F])"),
    "ESTAT_APP_ID with a value": re.compile(r"ESTAT_APP_ID[\"']?\s*[:=]\s*[\"']?([0-9A-Za-z]{8,})"),
    "private key": re.compile("-----BEGIN (?:[A-Z]+ )*PRIVATE" + " KEY-----"),
    "AWS access key": re.compile(r"\b(AKIA[0-9A-Z]{16})\b"),
    "GitHub token": re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,})\b"),
}
# Deliberately fake values used by tests (a counting pattern, not a credential).
ALLOWED_VALUES = {("0123456789abcdef" * 3)[:40]}


def find_secrets(text: str) -> list[tuple[str, str]]:
    hits = []
    for kind, pattern in SECRET_PATTERNS.items():
        for m in pattern.finditer(text):
            value = m.group(1) if m.groups() else m.group(0)
            if value not in ALLOWED_VALUES:
                hits.append((kind, value[:12] + "…"))
    return hits


def test_secret_scanner_finds_what_it_should() -> None:
    real_looking = "9f" * 20
    assert find_secrets(f"url = 'https://api.e-stat.go.jp/?appId={real_looking}&lang=J'")
    assert find_secrets("export ESTAT_APP_ID=" + real_looking)
    assert find_secrets("-----BEGIN " + "RSA PRIVATE" + " KEY-----\nMII...")
    assert find_secrets('{"appId": "' + real_looking + '"}')
    assert not find_secrets("export ESTAT_APP_ID=$(cat ~/.estat)  # or ESTAT_APP_ID=<your id>")
    assert not find_secrets("appId={APP_ID}")
    assert not find_secrets("appId=" + ALLOWED_VALUES.copy().pop())


def test_no_secrets_in_the_repository() -> None:
    files = _repo_files()
    assert len(files) > 20
    found = []
    for path in files:
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary (xlsx is zip-compressed): nothing greppable
        for kind, value in find_secrets(data.decode("utf-8", errors="ignore")):
            found.append(f"{path.relative_to(REPO)}: {kind} {value}")
    assert found == []
    assert not [p for p in files if p.name == ".env" or p.name.startswith(".env.")], "a .env file is committed"


def test_estat_app_id_is_only_read_from_the_environment() -> None:
    code = [p for p in _repo_files() if p.suffix == ".py" and "tests" not in p.relative_to(REPO).parts]
    env_reads, other_uses = [], []
    constant = re.compile(r"^\s*APP_ID_ENV\s*=\s*[\"']ESTAT_APP_ID[\"']\s*$")
    env_call = re.compile(r"os\.(?:environ\.get|environ\[|getenv)\(?\s*(?:APP_ID_ENV|[\"']ESTAT_APP_ID[\"'])")
    for path in code:
        text = path.read_text(encoding="utf-8")
        assert "dotenv" not in text, f"{path}: reads a .env file"
        for n, line in enumerate(text.splitlines(), start=1):
            if "ESTAT_APP_ID" not in line and "APP_ID_ENV" not in line:
                continue
            if env_call.search(line):
                env_reads.append(f"{path.name}:{n}")
            elif constant.match(line) or re.search(r"f?[\"'].*\{APP_ID_ENV\}.*[\"']", line):
                continue  # the constant itself, or a message naming the variable
            else:
                other_uses.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert env_reads, "the appId is no longer read from ESTAT_APP_ID"
    assert other_uses == []


# ------------------------------------------------------------------------------------------------ schema


def _contract_from_docs() -> dict[str, tuple[str, ...]]:
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Warehouse contract", 1)[1].split("\n## ", 1)[0]
    return {
        f"marts.{table}": tuple(c.strip() for c in cols.replace("\n", " ").split(","))
        for table, cols in re.findall(r"`marts\.(\w+)\(([^)]*)\)`", section, flags=re.S)
    }


def test_schema_contract_matches_docs() -> None:
    assert _contract_from_docs() == config.WAREHOUSE_CONTRACT


def test_fixture_warehouse_satisfies_the_contract(fixture_warehouse: Path) -> None:
    assert schema.check_warehouse_schema(fixture_warehouse) == []
    schema.ensure_warehouse_schema(fixture_warehouse)  # no exception


def _older(fixture_warehouse: Path, tmp_path: Path, *statements: str) -> Path:
    old = tmp_path / "old.duckdb"
    shutil.copyfile(fixture_warehouse, old)
    con = duckdb.connect(str(old))
    try:
        for s in statements:
            con.execute(s)
    finally:
        con.close()
    return old


def test_older_schema_is_named_column_by_column(fixture_warehouse: Path, tmp_path: Path) -> None:
    old = _older(
        fixture_warehouse,
        tmp_path,
        "ALTER TABLE marts.sources DROP COLUMN accessed",
        "ALTER TABLE marts.indicators DROP COLUMN theme",
        "DROP TABLE marts.migration_by_age",
    )
    problems = schema.check_warehouse_schema(old)
    assert len(problems) == 3, problems
    text = "\n".join(problems)
    for name in ("marts.sources.accessed", "marts.indicators.theme", "marts.migration_by_age"):
        assert name in text
    assert all(str(old) in p and "make etl" in p and "older schema" in p for p in problems)
    with pytest.raises(WarehouseMissing, match=r"marts\.indicators\.theme"):  # callers catching it need no change
        schema.ensure_warehouse_schema(old)


def test_region_block_wildcard(fixture_warehouse: Path, tmp_path: Path) -> None:
    old = _older(
        fixture_warehouse,
        tmp_path,
        *(f"ALTER TABLE marts.regions DROP COLUMN region_block_{s}" for s in ("id", "ja", "en")),
    )
    assert [p for p in schema.check_warehouse_schema(old) if "region_block_*" in p]


def test_missing_or_foreign_file(tmp_path: Path) -> None:
    missing = schema.check_warehouse_schema(tmp_path / "nope.duckdb")
    assert len(missing) == 1 and "not found" in missing[0] and "make setup" in missing[0]
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    problems = schema.check_warehouse_schema(junk)
    assert len(problems) == 1 and "cannot be opened" in problems[0] and str(junk) in problems[0]


# ------------------------------------------------------------------------------------------------ make audit


def test_audit_unreachable_service_is_a_clear_note_not_a_failure() -> None:
    stderr = "Traceback ...\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443)"
    code, message = audit.summarise_audit(1, None, stderr)
    assert code == 0
    assert "NOT DONE" in message and "pypi.org" in message and "Nothing was checked" in message


def test_audit_real_findings_fail() -> None:
    report = {
        "dependencies": [
            {"name": "flask", "version": "0.1", "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["3.0"]}]},
            {"name": "dash", "version": "4.4.1", "vulns": []},
        ]
    }
    code, message = audit.summarise_audit(1, json.dumps(report), "")
    assert code == 1
    assert "PYSEC-0000-1" in message and "flask" in message and "3.0" in message


def test_audit_with_nothing_checkable_says_so() -> None:
    report = {"dependencies": [{"name": "dash", "skip_reason": "Dependency not found on PyPI"}]}
    code, message = audit.summarise_audit(0, json.dumps(report), "")
    assert code == 0
    assert "0 package(s) checked" in message and "NOT evidence of zero vulnerabilities" in message
    assert "no known vulnerability" not in message


def test_audit_clean() -> None:
    report = {"dependencies": [{"name": "dash", "version": "4.4.1", "vulns": []}]}
    code, message = audit.summarise_audit(0, json.dumps(report), "")
    assert code == 0 and "1 package(s) checked" in message and "no known vulnerability in the 1" in message


def test_make_audit_with_the_service_unreachable_is_a_clear_note(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end through pip-audit, with every HTTPS request sent to a closed local port."""
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    assert audit.run_audit(["--timeout", "5"]) == 0
    out = capsys.readouterr()
    assert "NOT DONE" in out.out and "Nothing was checked" in out.out
    assert "Traceback" not in out.out + out.err
