"""地域未来 KPI Dashboard: the importable package, in layers (each may import only the ones before it).

1. foundation — ``config`` (paths, region codes, the warehouse contract), ``params`` (every URL and API parameter),
   ``formatting``, ``kpi_schema`` (the typed contract of kpi_defs.yaml); ``audit`` (``make audit``) stands alone.
2. ``data`` — the one read path into the warehouse: connection, parameterised queries, caches per warehouse version.
3. ``analysis`` — pure computations: frames in, typed results out (KPI engine and progress, compare, trends, peers).
4. ``service`` — fetch (data) + compute (analysis) + cache: the result objects every page and download renders.
5. ``figures`` — plotly figures from results.
6. ``views`` — Dash components and page bodies from results and figures.
7. ``api`` — /api/v1, OpenAPI and the exports (CSV, XLSX, ZIP, PNG/SVG), from the same results as the pages.
8. ``web`` — the Dash app: shell, security headers, compression, scripts, first-view prerendering.
``pages/`` (Dash pages: layout and short callbacks) and ``app.py`` sit on top; ``etl/`` builds the warehouse and
imports only the foundation. tests/unit/test_layers.py enforces the order.
"""

__version__ = "0.1.0"
