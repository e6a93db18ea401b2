"""The 出典 strip under a chart image: line breaks that fit the image's width, and the SVG that adds the strip."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

CITATION_FONT = 11
CITATION_LINE = 15  # px per line of the 出典 text
CITATION_PAD = 6  # px around the 出典 text in its strip under the chart


def _char_px(ch: str, size: int) -> float:
    return size * (1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6)


def wrap_text(text: str, max_px: float, size: int = CITATION_FONT) -> list[str]:
    """Greedy line breaks so that each line fits ``max_px`` (CJK characters one em wide, others 0.6 em); breaks after
    「、」「」」 or a space where one is in the second half of the line."""
    lines: list[str] = []
    line, width = "", 0.0
    for ch in text:
        w = _char_px(ch, size)
        if line and width + w > max_px:
            cut = max(line.rfind("、"), line.rfind("」"), line.rfind(" "))
            if cut >= len(line) // 2:
                lines.append(line[: cut + 1].rstrip())
                line = line[cut + 1 :].lstrip()
            else:
                lines.append(line)
                line = ""
            width = sum(_char_px(c, size) for c in line)
        line += ch
        width += w
    if line:
        lines.append(line)
    return lines


def xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def citation_lines(citation: str, width: int) -> list[str]:
    return wrap_text(citation, width - 2 * CITATION_PAD)


def citation_height(lines: list[str]) -> int:
    """Pixels of the strip under the chart that holds the 出典 line(s)."""
    return len(lines) * CITATION_LINE + 2 * CITATION_PAD


def font_family(fig: dict[str, Any]) -> str:
    font = (fig.get("layout") or {}).get("font") or {}
    family = font.get("family") if isinstance(font, dict) else None
    return str(family or "Noto Sans CJK JP, sans-serif")


def add_citation(svg: bytes, lines: list[str], width: int, chart_height: int, font_family: str) -> bytes:
    """The chart's SVG (``width`` × ``chart_height``) inside an SVG that is taller by a white strip holding the 出典
    line(s) at the bottom-left. Exact whatever the chart's margins (plotly widens them for legends and long labels,
    so a plotly annotation could not be placed at a known distance from the image's edge)."""
    inner = re.sub(rb"^\s*<\?xml[^>]*\?>\s*", b"", svg)
    height = chart_height + citation_height(lines)
    texts = "".join(
        f'<text x="{CITATION_PAD}" y="{chart_height + CITATION_PAD + (i + 1) * CITATION_LINE - 4}">{xml_text(line)}</text>'
        for i, line in enumerate(lines)
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )
    tail = (
        f'<g class="citation" font-family="{xml_text(font_family)}" font-size="{CITATION_FONT}" fill="#333333">'
        f"{texts}</g></svg>"
    )
    return head.encode("utf-8") + inner + tail.encode("utf-8")
