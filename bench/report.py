"""Markdown table of a benchmark result (for docs/performance.md): ``python -m bench.report [results.json]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent / "results" / "latest.json"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    s = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    return f"{s} {unit}".strip()


def markdown(doc: dict) -> str:
    m = doc["machine"]
    lines = [
        f"Setting `{doc['setting']}`, {doc['generated']}: {m['nproc']} CPU ({m['cpu_model']}), {m['ram_gb']} GB RAM, "
        f"Python {m['python']}.",
        "",
        "| metric | value | target | status | detail |",
        "|---|---|---|---|---|",
    ]
    for r in doc["metrics"]:
        detail = str(r.get("detail", "")).replace("|", "\\|")
        status = "**FAIL**" if r["status"] == "FAIL" else r["status"]
        lines.append(f"| {r['metric']} | {fmt(r['value'], r['unit'])} | {r['target'] or '—'} | {status} | {detail} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
