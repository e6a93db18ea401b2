"""KPI 3's groups — young people (15–29), women, young women — with numbers and shares, from a KPI result.

The KPI names all of them; the status uses one (marked ``status_measure``). Shares and counts come from the
result's series (the headline's context and observed series, and the share components' series and counts)."""

from __future__ import annotations

from typing import Any


def _full(k: dict[str, Any]) -> dict[int, float]:
    ctx = k.get("context") or {}
    return {p["period"]: p["value"] for p in [*ctx.get("series", []), *k.get("series", [])]}


def share_groups(k: dict[str, Any], base_year: int | None = None) -> list[dict[str, Any]]:
    """Latest share and count of each group, and its change since ``base_year`` when that year is observed."""
    rows = [(k["id"], k["name_ja"], k["name_en"], _full(k), k.get("counts", []), True)]
    for c in k.get("components", []):
        if c.get("counts"):
            shares = {p["period"]: p["value"] for p in c["series"]}
            rows.append((c["key"], c["label_ja"], c["label_en"], shares, c["counts"], False))
    out = []
    for key, ja, en, shares, counts, used in rows:
        count = {p["period"]: p["value"] for p in counts}
        periods = sorted(set(shares) & set(count))
        if not periods:
            continue
        last = periods[-1]
        group: dict[str, Any] = {
            "key": key,
            "label_ja": ja,
            "label_en": en,
            "status_measure": used,
            "latest": {"period": last, "share": shares[last], "count": count[last]},
            "base": None,
            "share_change_points": None,
            "count_change_pct": None,
        }
        if base_year is not None and base_year in shares and base_year in count and base_year < last:
            group["base"] = {"period": base_year, "share": shares[base_year], "count": count[base_year]}
            group["share_change_points"] = shares[last] - shares[base_year]
            group["count_change_pct"] = (count[last] / count[base_year] - 1) * 100
        out.append(group)
    return out
