"""Headless Chromium (the system /usr/bin/chromium): capture of callback payloads and navigation timing."""

from __future__ import annotations

import json
import os
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.views import CallbackView, NavView

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The default flags of a user's browser (no --disable-gpu); headless Chromium has no GPU, as many office PCs.
ARGS = ["--no-sandbox", "--disable-background-networking"]
VIEWPORT = {"width": 1366, "height": 900}

# A chart is drawn when plotly has data and a trace group, a map when its geo subplot has drawn the regions' paths.
DRAWN_JS = """([gid, isMap]) => {
  const gd = document.querySelector('#' + gid + ' .js-plotly-plot') || document.getElementById(gid);
  if (!gd || !gd.data || !gd.data.length || !gd._fullLayout || !gd.querySelector('.main-svg')) return false;
  if (!isMap) return !!gd.querySelector('.main-svg .trace');
  return !!gd._fullLayout.geo && gd.querySelectorAll('.choroplethlocation').length > 0;  // the SVG map's paths
}"""


def launch(playwright: Any) -> Any:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found (apt-get install chromium), or set CHROMIUM_PATH")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def _components(node: Any, out: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """id → component of a serialised Dash layout."""
    if isinstance(node, list):
        for child in node:
            _components(child, out)
    elif isinstance(node, dict) and "props" in node:
        if isinstance(node["props"].get("id"), str):
            out[node["props"]["id"]] = node
        _components(node["props"].get("children"), out)
    return out


def initial_request(base_url: str, view: CallbackView) -> dict[str, Any] | None:
    """The request Dash's renderer sends for a callback's first call on ``view.page`` — built from the app's own
    dependency list and the page's first layout, for a callback that no longer runs on page load (its first view
    comes with the layout: prevent_initial_call). Inputs and states are the values the layout holds; a state the
    callback itself writes (a store of what it drew) is empty, as on a page it has not drawn yet; a dcc.Location holds the page's address.
    None when the callback still runs on page load (then the browser's own request is recorded)."""
    dep = next((d for d in _get_json(base_url + "/_dash-dependencies") if view.output in d["output"]), None)
    if dep is None or not dep.get("prevent_initial_call") or view.action or view.from_browser:
        return None
    outputs = [
        dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
        for part in dep["output"].strip(".").split("...")
    ]
    written = {(o["id"], o["property"]) for o in outputs}
    shell = _get_json(base_url + "/_dash-layout?" + urllib.parse.urlencode({"page": view.page}))
    comps = _components(shell, {})
    pathname, _, query = view.page.partition("?")
    address = {"pathname": pathname, "search": "?" + query if query else "", "hash": "", "href": base_url + view.page}

    def value(ref: dict[str, str], is_state: bool = False) -> dict[str, Any]:
        comp = comps.get(ref["id"])
        if comp is None:
            raise RuntimeError(f"{ref['id']!r} is not in the first layout of {view.page}")
        if comp["type"] == "Location":
            v = address.get(ref["property"])
        elif is_state and (ref["id"], ref["property"]) in written:
            v = None
        else:
            v = comp["props"].get(ref["property"])
        return {**ref, "value": v}

    return {
        "output": dep["output"],
        "outputs": outputs,
        "inputs": [value(i) for i in dep["inputs"]],
        "changedPropIds": [],
        "parsedChangedPropsIds": [],
        "state": [value(s, is_state=True) for s in dep["state"]],
    }


def capture(base_url: str, views: list[CallbackView], folder: Path, timeout_s: float = 30) -> list[Path]:
    """Record the exact request body the browser POSTs to /_dash-update-component for each view (for a callback
    that does not run on page load any more: the request its first call would send, see initial_request)."""
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    headers = {"accept": "application/json", "content-type": "application/json"}
    browser_views = []
    for view in views:
        body = initial_request(base_url, view)
        if body is None:
            browser_views.append(view)
            continue
        doc = {"name": view.name, "page": view.page, "headers": headers, "body": body}
        path = folder / f"{view.name}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    views = browser_views
    if not views:
        return written
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for view in views:
                ctx = browser.new_context(viewport=VIEWPORT, locale="ja-JP")
                page = ctx.new_page()
                seen: list[dict[str, Any]] = []

                def on_request(req: Any, seen: list[dict[str, Any]] = seen) -> None:
                    if req.method == "POST" and "/_dash-update-component" in req.url:
                        seen.append({"body": json.loads(req.post_data or "{}"), "headers": req.headers})

                page.on("request", on_request)
                page.goto(base_url + view.page)

                def matching(seen: list[dict[str, Any]] = seen, view: CallbackView = view) -> list[dict[str, Any]]:
                    return [s for s in seen if view.output in str(s["body"].get("output", ""))]

                deadline = time.time() + timeout_s
                while not matching() and time.time() < deadline:
                    page.wait_for_timeout(100)
                if view.action == "muni_mode":
                    page.wait_for_function(DRAWN_JS, arg=["muni-map", True], timeout=timeout_s * 1000)
                    before = len(matching())
                    page.get_by_label("人数", exact=True).check()
                    while len(matching()) <= before and time.time() < deadline:
                        page.wait_for_timeout(100)
                    found = matching()[before:]
                else:
                    found = matching()
                if not found:
                    raise RuntimeError(f"no request with output {view.output!r} on {view.page}")
                req = found[0]
                keep = {k: v for k, v in req["headers"].items() if k.lower() in ("content-type", "accept")}
                doc = {"name": view.name, "page": view.page, "headers": keep, "body": req["body"]}
                path = folder / f"{view.name}.json"
                path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                written.append(path)
                ctx.close()
        finally:
            browser.close()
    return written


def navigation_times(base_url: str, navs: list[NavView], runs: int, timeout_s: float = 30) -> dict[str, Any]:
    """Seconds from page.goto to the chart drawn, per page: ``cold`` (new browser context: empty cache, as a first
    visit) and ``warm`` (same context again: scripts and boundary files cached, as when moving between pages)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for nav in navs:
                cold: list[float] = []
                warm: list[float] = []
                errors: list[str] = []
                for _ in range(runs):
                    ctx = browser.new_context(viewport=VIEWPORT, locale="ja-JP")
                    page = ctx.new_page()
                    page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                    for bucket in (cold, warm):
                        t0 = time.perf_counter()
                        page.goto(base_url + nav.page, wait_until="commit")
                        try:
                            page.wait_for_function(
                                DRAWN_JS, arg=[nav.graph_id, nav.is_map], polling="raf", timeout=timeout_s * 1000
                            )
                        except PlaywrightTimeout:
                            errors.append(f"chart not drawn within {timeout_s:.0f} s")
                            bucket.append(float("inf"))
                            continue
                        bucket.append(time.perf_counter() - t0)
                    ctx.close()
                out[nav.name] = {"cold_s": cold, "warm_s": warm, "page_errors": errors}
        finally:
            browser.close()
    return out
