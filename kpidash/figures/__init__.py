"""Plotly figures (plain JSON dicts on the hot paths) from analysis and service results: shared style, rankings,
lines, maps, KPI progress charts.

Imports analysis and the foundation; no queries, no services, no Dash components.
"""
