"""The one read path into the warehouse: the read-only connection (``connection``), parameterised queries
(``queries`` and the other modules), the warehouse version and the caches keyed on it (``cache``), the schema check.

Nothing outside this package (and etl/) opens DuckDB or writes SQL. Imports only the foundation (config, formatting,
kpi_schema, params).
"""
