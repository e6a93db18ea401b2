"""The ZIP export: data.csv, metadata.json and a README.txt with the citation, licences, caveats and checksums."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from kpidash.api.exports import sha256, to_csv_bytes


def zip_bundle(df: pd.DataFrame, meta: dict[str, Any], query_url: str) -> bytes:
    """ZIP with data.csv (UTF-8 with BOM), metadata.json and README.txt (citation ja/en, licence, caveats, the query
    URL and the SHA-256 of data.csv and metadata.json)."""
    meta = {**meta, "query_url": query_url}
    meta.setdefault("generated_at", datetime.now(UTC).isoformat(timespec="seconds"))
    data_csv = to_csv_bytes(df, "utf-8-sig")
    meta_json = (json.dumps(meta, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")
    lines = [
        "地域未来 KPI Dashboard — data export / データ出力",
        "",
        "出典 (citation, Japanese):",
        f"  {meta.get('citation_ja', '')}",
        "Citation (English):",
        f"  {meta.get('citation_en', '')}",
        "",
        "ライセンス / Licence:",
        *[f"  - {lic}" for lic in meta.get("licences", [])],
        "",
        "注意事項 / Caveats:",
        *([f"  - {k}: {v}" for k, v in meta.get("caveats", {}).items()] or ["  - なし / none"]),
        "",
        "再取得用URL / Query URL (reproduces this export):",
        f"  {query_url}",
        "",
        f"データの版 / Warehouse built at (UTC): {meta.get('warehouse_built_at', '')}",
        f"出力日時 / Generated at (UTC): {meta['generated_at']}",
        f"行数 / Rows: {len(df)}",
        "",
        "Files:",
        "  data.csv       long format, UTF-8 with BOM, CRLF; one row per indicator × region × period",
        "  metadata.json  indicators (definitions, units, caveats), sources, licences, citation, query URL",
        "",
        "SHA-256:",
        f"  {sha256(data_csv)}  data.csv",
        f"  {sha256(meta_json)}  metadata.json",
        "",
    ]
    readme = "\n".join(lines).encode("utf-8")
    stamp = _zip_time(str(meta["generated_at"]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("data.csv", data_csv), ("metadata.json", meta_json), ("README.txt", readme)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 names
            zf.writestr(info, data)
    return buf.getvalue()


def _zip_time(iso: str) -> tuple[int, int, int, int, int, int]:
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        t = datetime.now(UTC)
    if t.year < 1980:
        t = datetime(1980, 1, 1)
    return (t.year, t.month, t.day, t.hour, t.minute, t.second)
