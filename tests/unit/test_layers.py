"""The import contract of issue #16, read from the source with ``ast`` (nothing is imported).

Layers, low to high: foundation < data < analysis < service < figures < views < api < web < entry points (pages/,
app.py, ``python -m kpidash``). A module may import its own layer or lower ones, with tighter rules for analysis,
figures, views, api and the ETL; only kpidash/data and etl/ touch DuckDB; kpidash modules form no import cycle.
Imports inside functions count like module-level ones. Each rule is its own test and lists every violation as
``file:line: import``. The second half of the file runs the checkers on synthetic sources, so each rule is shown to
fail when it should.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# kpidash.audit (make audit) imports no kpidash module: it stands at the bottom with the foundation.
FOUNDATION = {
    "kpidash",
    "kpidash.audit",
    "kpidash.config",
    "kpidash.formatting",
    "kpidash.kpi_schema",
    "kpidash.local_schema",
    "kpidash.params",
    "kpidash.chart_params",
    "kpidash.release_calendar",
}
LAYERS = ("foundation", "data", "analysis", "service", "figures", "views", "api", "web", "entry")
RANK = {name: i for i, name in enumerate(LAYERS)}
GUI_PACKAGES = ("dash", "flask", "plotly", "dash_ag_grid")
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    """One imported module as written in a file (``from a.b import c`` yields ``a.b.c`` when that is a module)."""

    file: str  # repository-relative path
    line: int
    source: str  # importing module, e.g. "kpidash.views.explore"
    target: str  # imported module, e.g. "kpidash.data.cache"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.source} imports {self.target}"


def module_name(rel: str) -> str:
    """``kpidash/data/cache.py`` → ``kpidash.data.cache``; ``pages/kpi.py`` → ``pages.kpi``; ``app.py`` → ``app``."""
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(source: str, rel: str, is_module: Callable[[str], bool]) -> list[Import]:
    """Every import in ``source`` (module level, in functions, in classes, under ``if``), resolved to module names.

    ``is_module`` says whether a dotted name is a module of the repository: ``from kpidash import config`` imports
    ``kpidash.config``, ``from kpidash.data.cache import per_warehouse`` imports ``kpidash.data.cache``.
    """
    me = module_name(rel)
    package = me if rel.endswith("__init__.py") else me.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source, filename=rel)):
        if isinstance(node, ast.Import):
            found += [Import(rel, node.lineno, me, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append(Import(rel, node.lineno, me, full if is_module(full) else base))
    return sorted(set(found), key=lambda i: (i.file, i.line, i.target))


def layer_of(module: str) -> str | None:
    """The layer of a first-party module (None for etl, tests and third-party modules)."""
    if module in FOUNDATION:
        return "foundation"
    if module == "app" or module == "kpidash.__main__" or module.split(".")[0] == "pages":
        return "entry"
    parts = module.split(".")
    if parts[0] == "kpidash" and len(parts) > 1 and parts[1] in RANK:
        return parts[1]
    return None


def is_first_party(module: str) -> bool:
    return module.split(".")[0] in ("kpidash", "pages", "etl", "app")


def top(module: str) -> str:
    return module.split(".")[0]


# ------------------------------------------------------------------------------------------------ the rules


def upward_imports(imports: Iterable[Import]) -> list[Import]:
    """A lower layer importing a higher one."""
    bad = []
    for imp in imports:
        src, dst = layer_of(imp.source), layer_of(imp.target)
        if src is not None and dst is not None and RANK[dst] > RANK[src]:
            bad.append(imp)
    return bad


def analysis_violations(imports: Iterable[Import]) -> list[Import]:
    """analysis/ imports only foundation and analysis, and no GUI package."""
    return [
        i
        for i in imports
        if layer_of(i.source) == "analysis"
        and (
            (is_first_party(i.target) and layer_of(i.target) not in ("foundation", "analysis"))
            or top(i.target) in GUI_PACKAGES
        )
    ]


def gui_in_analysis(imports: Iterable[Import]) -> list[Import]:
    return [i for i in imports if layer_of(i.source) == "analysis" and top(i.target) in GUI_PACKAGES]


def figures_violations(imports: Iterable[Import]) -> list[Import]:
    """figures/ imports only analysis, foundation and figures (no data, no service)."""
    allowed = ("foundation", "analysis", "figures")
    return [
        i
        for i in imports
        if layer_of(i.source) == "figures" and is_first_party(i.target) and layer_of(i.target) not in allowed
    ]


def views_violations(imports: Iterable[Import]) -> list[Import]:
    """views/ imports no api, web or kpidash.data other than kpidash.data.cache."""
    bad = []
    for i in imports:
        if layer_of(i.source) != "views":
            continue
        dst = layer_of(i.target)
        if dst in ("api", "web", "entry") or (dst == "data" and i.target != "kpidash.data.cache"):
            bad.append(i)
    return bad


def api_violations(imports: Iterable[Import]) -> list[Import]:
    """api/ renders service results: it imports no views and no web."""
    return [i for i in imports if layer_of(i.source) == "api" and layer_of(i.target) in ("views", "web", "entry")]


def etl_violations(imports: Iterable[Import]) -> list[Import]:
    """etl/ imports from kpidash only config and kpi_schema, and nothing of pages/app."""
    allowed = {"kpidash", "kpidash.config", "kpidash.kpi_schema"}  # the bare package: its __init__ only
    return [
        i
        for i in imports
        if top(i.source) == "etl"
        and ((top(i.target) == "kpidash" and i.target not in allowed) or top(i.target) in ("pages", "app"))
    ]


def kpidash_imports_etl_or_pages(imports: Iterable[Import]) -> list[Import]:
    return [i for i in imports if top(i.source) == "kpidash" and top(i.target) in ("etl", "pages", "app")]


def duckdb_outside_data(imports: Iterable[Import]) -> list[Import]:
    """Only kpidash/data/** and etl/** import duckdb."""
    return [
        i
        for i in imports
        if top(i.target) == "duckdb" and not (i.source.startswith("kpidash.data") or top(i.source) == "etl")
    ]


def cycles(imports: Iterable[Import]) -> list[list[Import]]:
    """The import edges of each strongly connected component (more than one module, or a self-import) among
    kpidash modules. Tarjan's algorithm, iterative."""
    edges: dict[str, list[Import]] = {}
    for i in imports:
        if top(i.source) == "kpidash" and top(i.target) == "kpidash":
            edges.setdefault(i.source, []).append(i)
            edges.setdefault(i.target, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, pos = work.pop()
            if pos == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            out = edges[node]
            if pos < len(out):
                work.append((node, pos + 1))
                nxt = out[pos].target
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.add(member)
                    if member == node:
                        break
                components.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    result = []
    for comp in components:
        inside = [i for m in sorted(comp) for i in edges[m] if i.target in comp]
        if len(comp) > 1 or inside:
            result.append(inside)
    return result


# ------------------------------------------------------------------------------------------------ the tree


def _python_files() -> list[str]:
    files = [p for p in (REPO / "kpidash").rglob("*.py") if "vendor" not in p.relative_to(REPO).parts]
    files += list((REPO / "etl").rglob("*.py")) + list((REPO / "pages").glob("*.py")) + [REPO / "app.py"]
    return sorted(str(p.relative_to(REPO)) for p in files)


FILES = _python_files()
MODULES = {module_name(f) for f in FILES}


def _tree_imports() -> list[Import]:
    found: list[Import] = []
    for rel in FILES:
        found += imports_of((REPO / rel).read_text(encoding="utf-8"), rel, MODULES.__contains__)
    return found


IMPORTS = _tree_imports()


def _report(rule: str, bad: list[Import]) -> str:
    return f"{rule}: {len(bad)} violation(s)\n" + "\n".join(f"  {b}" for b in bad)


def test_the_tree_is_read() -> None:
    assert "kpidash.data.connection" in MODULES and "app" in MODULES and "etl.pipeline" in MODULES
    assert any(i.target == "kpidash.config" for i in IMPORTS)


def test_every_kpidash_module_has_a_layer() -> None:
    """A module outside the layer map would escape every rule above: a top-level module is foundation (named in the
    preamble of issue #16) or the ``python -m kpidash`` entry point; anything else belongs in a subpackage."""
    stray = sorted(m for m in MODULES if top(m) == "kpidash" and layer_of(m) is None)
    assert not stray, "kpidash modules in no layer (move them into a subpackage or name their layer here):\n  " + (
        "\n  ".join(stray)
    )


def test_no_lower_layer_imports_a_higher_one() -> None:
    bad = upward_imports(IMPORTS)
    assert not bad, _report(f"layer order {' < '.join(LAYERS)}", bad)


def test_analysis_imports_only_foundation() -> None:
    bad = analysis_violations(IMPORTS)
    assert not bad, _report("kpidash/analysis may import only foundation (config, formatting, kpi_schema, params)", bad)


def test_analysis_imports_no_dash_flask_plotly() -> None:
    bad = gui_in_analysis(IMPORTS)
    assert not bad, _report(f"kpidash/analysis may not import {', '.join(GUI_PACKAGES)}", bad)


def test_figures_import_only_analysis_and_foundation() -> None:
    bad = figures_violations(IMPORTS)
    assert not bad, _report("kpidash/figures may import only analysis and foundation", bad)


def test_views_import_no_api_web_or_data() -> None:
    bad = views_violations(IMPORTS)
    assert not bad, _report("kpidash/views may not import api, web or kpidash.data (except kpidash.data.cache)", bad)


def test_api_imports_no_views_or_web() -> None:
    bad = api_violations(IMPORTS)
    assert not bad, _report("kpidash/api may not import views or web", bad)


def test_etl_imports_only_config_and_kpi_schema() -> None:
    bad = etl_violations(IMPORTS)
    assert not bad, _report("etl may import from kpidash only config and kpi_schema, and never pages/app", bad)


def test_kpidash_imports_no_etl_or_pages() -> None:
    bad = kpidash_imports_etl_or_pages(IMPORTS)
    assert not bad, _report("kpidash may not import etl, pages or app", bad)


def test_only_data_and_etl_open_duckdb() -> None:
    bad = duckdb_outside_data(IMPORTS)
    assert not bad, _report("duckdb may be imported only in kpidash/data and etl", bad)


def test_no_import_cycles() -> None:
    found = cycles(IMPORTS)
    message = "\n".join(
        f"cycle among {sorted({i.source for i in comp})}:\n" + "\n".join(f"  {i}" for i in comp) for comp in found
    )
    assert not found, message


def test_subpackages_have_a_docstring() -> None:
    inits = sorted(p for p in (REPO / "kpidash").rglob("__init__.py") if "vendor" not in p.parts)
    missing = [
        str(p.relative_to(REPO)) for p in inits if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert not missing, "__init__.py without a docstring (what the package is for, what it may import):\n  " + (
        "\n  ".join(missing)
    )


def test_no_kpidash_module_over_400_lines() -> None:
    long = []
    for rel in FILES:
        if top(module_name(rel)) == "kpidash":
            n = len((REPO / rel).read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                long.append(f"{rel}: {n} lines")
    assert not long, f"kpidash modules over {MAX_LINES} lines:\n  " + "\n  ".join(long)


# ------------------------------------------------------------------------------ the checkers on synthetic sources

SYNTHETIC_MODULES = {
    "kpidash",
    "kpidash.config",
    "kpidash.kpi_schema",
    "kpidash.data",
    "kpidash.data.cache",
    "kpidash.data.queries",
    "kpidash.analysis",
    "kpidash.analysis.kpi",
    "kpidash.service.kpis",
    "kpidash.figures.charts",
    "kpidash.views.explore",
    "kpidash.api.routes",
    "kpidash.web.security",
    "etl.pipeline",
    "pages.kpi",
}


def synthetic(rel: str, source: str) -> list[Import]:
    return imports_of(source, rel, SYNTHETIC_MODULES.__contains__)


def test_imports_of_resolves_from_relative_and_function_level_imports() -> None:
    src = (
        "import duckdb\n"
        "from kpidash import config\n"
        "from kpidash.data.cache import per_warehouse\n"
        "from . import kpi\n"
        "from ..data import queries\n"
        "def f():\n"
        "    import plotly.graph_objects as go\n"
        "    from kpidash.service.kpis import kpis\n"
    )
    got = [(i.line, i.target) for i in synthetic("kpidash/analysis/explore.py", src)]
    assert got == [
        (1, "duckdb"),
        (2, "kpidash.config"),
        (3, "kpidash.data.cache"),
        (4, "kpidash.analysis.kpi"),
        (5, "kpidash.data.queries"),
        (7, "plotly.graph_objects"),
        (8, "kpidash.service.kpis"),
    ]
    assert {i.source for i in synthetic("kpidash/analysis/explore.py", src)} == {"kpidash.analysis.explore"}


def test_upward_import_is_caught_even_inside_a_function() -> None:
    bad = synthetic("kpidash/data/queries.py", "def f():\n    from kpidash.views import explore\n")
    assert [str(b) for b in upward_imports(bad)] == [
        "kpidash/data/queries.py:2: kpidash.data.queries imports kpidash.views.explore"
    ]
    assert upward_imports(synthetic("kpidash/views/explore.py", "from kpidash.data import cache\n")) == []


def test_analysis_rules_fail_on_data_service_and_gui_imports() -> None:
    src = "from kpidash.data import queries\nfrom kpidash.service import kpis\nimport plotly\nfrom dash import html\n"
    imports = synthetic("kpidash/analysis/kpi.py", src)
    assert [i.line for i in analysis_violations(imports)] == [1, 2, 3, 4]
    assert [i.target for i in gui_in_analysis(imports)] == ["plotly", "dash"]
    ok = synthetic("kpidash/analysis/kpi.py", "import pandas\nfrom kpidash import config\nfrom . import explore\n")
    assert analysis_violations(ok) == [] and gui_in_analysis(ok) == []


def test_figures_views_api_rules_fail() -> None:
    figures = synthetic(
        "kpidash/figures/charts.py", "from kpidash.data import queries\nfrom kpidash.analysis import kpi\n"
    )
    assert [i.target for i in figures_violations(figures)] == ["kpidash.data.queries"]
    views = synthetic(
        "kpidash/views/explore.py",
        "from kpidash.data import cache\nfrom kpidash.data import queries\nfrom kpidash.api import routes\n"
        "from kpidash.web import security\nfrom kpidash.service import kpis\n",
    )
    assert [i.target for i in views_violations(views)] == [
        "kpidash.data.queries",
        "kpidash.api.routes",
        "kpidash.web.security",
    ]
    api = synthetic("kpidash/api/routes.py", "from kpidash.views import explore\nfrom kpidash.service import kpis\n")
    assert [i.target for i in api_violations(api)] == ["kpidash.views.explore"]


def test_etl_and_kpidash_boundaries_fail() -> None:
    etl = synthetic(
        "etl/pipeline.py",
        "from kpidash import config\nfrom kpidash.data import queries\nimport pages.kpi\nfrom kpidash import kpi_schema\n",
    )
    assert [i.target for i in etl_violations(etl)] == ["kpidash.data.queries", "pages.kpi"]
    kp = synthetic("kpidash/web/security.py", "def f():\n    from etl.pipeline import build\n    import pages.kpi\n")
    assert [i.target for i in kpidash_imports_etl_or_pages(kp)] == ["etl.pipeline", "pages.kpi"]


def test_duckdb_rule_fails_outside_data_and_etl() -> None:
    assert duckdb_outside_data(synthetic("kpidash/data/queries.py", "import duckdb\n")) == []
    assert duckdb_outside_data(synthetic("etl/pipeline.py", "import duckdb\n")) == []
    bad = duckdb_outside_data(synthetic("kpidash/web/security.py", "def check():\n    import duckdb\n"))
    assert [str(b) for b in bad] == ["kpidash/web/security.py:2: kpidash.web.security imports duckdb"]


def test_layer_map() -> None:
    assert [layer_of(m) for m in ("kpidash", "kpidash.params", "kpidash.data.cache", "kpidash.web.shell")] == [
        "foundation",
        "foundation",
        "data",
        "web",
    ]
    assert [layer_of(m) for m in ("app", "pages.kpi", "kpidash.__main__", "kpidash.tools", "etl.pipeline")] == [
        "entry",
        "entry",
        "entry",
        None,
        None,
    ]


def test_cycles_are_found_with_their_edges() -> None:
    imports = [
        *synthetic("kpidash/data/queries.py", "from kpidash.data import cache\n"),
        *synthetic("kpidash/data/cache.py", "def f():\n    from kpidash.service import kpis\n"),
        *synthetic("kpidash/service/kpis.py", "from kpidash.data import queries\nfrom kpidash import config\n"),
        *synthetic("kpidash/analysis/kpi.py", "from kpidash import config\n"),
    ]
    found = cycles(imports)
    assert len(found) == 1
    assert sorted((i.source, i.target) for i in found[0]) == [
        ("kpidash.data.cache", "kpidash.service.kpis"),
        ("kpidash.data.queries", "kpidash.data.cache"),
        ("kpidash.service.kpis", "kpidash.data.queries"),
    ]
    assert cycles(synthetic("kpidash/data/queries.py", "from kpidash.data import cache\n")) == []
