"""The XLSX export: sheet 'データ' (the rows, typed) and sheet '注記' (their provenance)."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import pandas as pd

from kpidash.api.exports import csv_cell, is_missing, is_number, neutralise
from kpidash.data.rows import clean


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _xlsx_text(v: Any) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(v)))


def _number_format(decimals: Any) -> str:
    d = decimals if isinstance(decimals, int) and 0 <= decimals <= 6 else None
    if d is None:
        return "General"
    return "#,##0" + ("." + "0" * d if d else "")


def to_xlsx_bytes(df: pd.DataFrame, notes: dict[str, Any]) -> bytes:
    """Workbook with sheet 'データ' (typed numbers, frozen header, autofilter, column widths) and sheet '注記'
    (出典 line, licences, definitions, units, caveats, sources, permalink, vintage). ``notes`` is :func:`metadata`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("データ")
    cols = [str(c) for c in df.columns]
    bold = Font(bold=True)
    decimals = {i.get("indicator_id"): i.get("decimals") for i in notes.get("indicators", []) if isinstance(i, dict)}
    formats = {k: _number_format(v) for k, v in decimals.items()}

    widths = [_display_width(c) for c in cols]
    values = list(df.itertuples(index=False, name=None))
    for row in values[:2000]:
        for j, v in enumerate(row):
            if not is_missing(v):
                widths[j] = max(widths[j], _display_width(csv_cell(v, False)) + (2 if is_number(v) else 0))
    for j, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(j + 1)].width = min(max(w + 2, 8), 60)
    ws.freeze_panes = "A2"
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(values) + 1}"

    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=_xlsx_text(c))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    value_col = cols.index("value") if "value" in cols else -1
    id_col = cols.index("indicator_id") if "indicator_id" in cols else -1
    for row in values:
        out: list[Any] = []
        for j, v in enumerate(row):
            if is_missing(v):
                out.append(None)
            elif is_number(v):
                num = clean(v)
                if j == value_col and id_col >= 0 and row[id_col] in formats:
                    cell = WriteOnlyCell(ws, value=num)
                    cell.number_format = formats[row[id_col]]
                    out.append(cell)
                else:
                    out.append(num)
            else:
                out.append(_xlsx_text(v.item() if hasattr(v, "item") else v))
        ws.append(out)

    ns = wb.create_sheet("注記")
    ns.column_dimensions["A"].width = 30
    ns.column_dimensions["B"].width = 110
    wrap = Alignment(wrap_text=True, vertical="top")
    for key, val in _note_rows(notes):
        a = WriteOnlyCell(ns, value=_xlsx_text(key) if key else None)
        b = WriteOnlyCell(ns, value=val if is_number(val) else _xlsx_text(val) if val not in (None, "") else None)
        b.alignment = wrap
        if key and not val:
            a.font = bold
        ns.append([a, b])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _note_rows(notes: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("地域未来 KPI Dashboard データ出力", ""),
        ("出典", notes.get("citation_ja", "")),
        ("Source (English)", notes.get("citation_en", "")),
        ("ライセンス", "；".join(notes.get("licences", []))),
        ("パーマリンク（このデータを再取得するURL）", notes.get("query_url", "")),
        ("データの版（ウェアハウス構築日時 UTC）", notes.get("warehouse_built_at", "")),
        ("出力日時（UTC）", notes.get("generated_at", "")),
        ("行数", notes.get("rows", "")),
        ("", None),
        ("指標の定義・単位・注意事項", ""),
    ]
    for i in notes.get("indicators", []):
        rows += [
            (f"{i.get('indicator_id')}", i.get("name_ja")),
            ("  英語名", i.get("name_en")),
            ("  単位", i.get("unit")),
            ("  期間の種類", i.get("period_type")),
            ("  定義", i.get("description")),
            ("  注意事項（代理指標の説明を含む）", i.get("caveats") or "なし"),
            ("  出典ID", i.get("source_id")),
        ]
    rows += [("", None), ("出典資料", "")]
    for s in notes.get("sources", []):
        rows += [
            (f"{s.get('source_id')}", f"{s.get('publisher')}「{s.get('title')}」 {s.get('table_name') or ''}".strip()),
            ("  URL", s.get("url")),
            ("  版", s.get("vintage")),
            ("  ライセンス", s.get("licence")),
            ("  取得日", s.get("accessed")),
            ("  SHA-256（原ファイル）", s.get("sha256")),
        ]
    rows += [("", None), ("列の説明", "")]
    rows += [(c, d) for c, d in notes.get("columns", {}).items()]
    return rows
