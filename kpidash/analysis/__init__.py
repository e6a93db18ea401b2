"""Pure computations: DataFrames and series in, typed results out — the KPI engine and its progress assessment, the
explore arithmetic (per capita, growth, index, rankings, benchmarks, peers), municipal shares.

No I/O: imports only the foundation (config, formatting, kpi_schema, params), pandas and the standard library —
never dash, flask, plotly or kpidash.data.
"""
