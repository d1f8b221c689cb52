"""CSV and Excel out: spreadsheet formulas neutralised in every text cell."""
from __future__ import annotations

import io
from datetime import datetime
from typing import Iterable, Sequence

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe;
    times are written to the minute."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def frame(rows: Iterable[dict], columns: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``columns``: (key, header) pairs, in order."""
    data = [[neutralise(r.get(k)) for k, _ in columns] for r in rows]
    return pd.DataFrame(data, columns=[h for _, h in columns])


def to_csv(df: pd.DataFrame) -> bytes:
    # UTF-8 with BOM: Chinese Excel opens it without garbling
    return df.to_csv(index=False).encode("utf-8-sig")


def _fit(ws) -> None:
    """A sheet people can read: the header row frozen and filterable, columns as wide as their
    content (a Chinese character counts double), at most 60 wide."""
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    for i, column in enumerate(ws.iter_cols(min_row=1, max_row=min(ws.max_row, 2000)), start=1):
        width = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(c.value)) for c in column
                     if c.value is not None), default=4)
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(6, width + 2))


def to_xlsx_sheets(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one readable sheet per frame (names cut to Excel's 31 characters)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, df in sheets.items():
            df.to_excel(writer, index=False, sheet_name=name[:31])
            _fit(writer.sheets[name[:31]])
    return buf.getvalue()


def to_xlsx(df: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    return to_xlsx_sheets({sheet: df})
