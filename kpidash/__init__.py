"""地域未来 KPI Dashboard: the importable logic (config, queries, KPI engine, figures, formatting)."""

__version__ = "0.1.0"
