"""Accessibility helpers."""

from __future__ import annotations

from typing import Any


def aria(name: str, value: str) -> dict[str, Any]:
    """Keyword arguments for an ARIA attribute (typed loosely: Dash accepts any aria-* keyword)."""
    return {f"aria-{name}": value}
