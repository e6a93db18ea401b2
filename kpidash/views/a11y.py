"""Accessibility helpers."""

from __future__ import annotations

from typing import Any


def aria(name: str, value: str) -> dict[str, Any]:
    """Keyword arguments for an ARIA attribute (typed loosely: Dash accepts any aria-* keyword)."""
    return {f"aria-{name}": value}


def data_attrs(**values: str) -> dict[str, Any]:
    """Keyword arguments for data-* attributes (``rank="1"`` → ``data-rank``; typed loosely, as ``aria``)."""
    return {f"data-{k.replace('_', '-')}": v for k, v in values.items()}
