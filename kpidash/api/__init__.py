"""/api/v1: the blueprint and its routes, the OpenAPI description (generated from kpidash.params), and the exports
(CSV, XLSX, ZIP bundle, chart PNG/SVG), built from the same service results as the pages.

Imports service, figures, data, analysis and the foundation; never views or web.
"""
