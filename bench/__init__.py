"""Performance benchmark of the dashboard on the real warehouse (``make bench``; see docs/performance.md)."""
