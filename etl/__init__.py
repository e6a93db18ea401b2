"""ETL: raw official files -> staging -> marts in DuckDB (``python -m etl build|check``)."""
