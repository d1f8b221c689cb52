"""CSV and Excel out: spreadsheet formulas neutralised in every text cell."""
from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def plain_number(value):
    """A number as the data has it: a whole number without ``.0`` (15, not 15.0), a fraction
    with the digits it has (1.5 stays 1.5; float noise such as 12.299999999999999 is 12.3);
    a missing float (NaN) is empty."""
    if isinstance(value, bool) or not isinstance(value, (float, Decimal)):
        return value
    if value != value:  # NaN
        return None
    if value == int(value):
        return int(value)
    return round(float(value), 6)


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe;
    times are written to the minute; numbers as ``plain_number`` writes them."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return plain_number(value)


def frame(rows: Iterable[dict], columns: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``columns``: (key, header) pairs, in order. Cells keep their Python values (object
    columns): pandas would otherwise turn a column of 15 and 1.5 back into 15.0 and 1.5."""
    data = [[neutralise(r.get(k)) for k, _ in columns] for r in rows]
    return pd.DataFrame(data, columns=[h for _, h in columns], dtype=object)


def readable(df: pd.DataFrame, yes: str, no: str) -> pd.DataFrame:
    """A finished frame as a person reads it in a spreadsheet: True/False as ``yes``/``no``
    (the caller's catalog words, 是/否), numbers as ``plain_number``, formulas neutralised."""
    def cell(v):
        if isinstance(v, np.generic):  # numpy's bool_, int64, float64 as Python values
            v = v.item()
        if isinstance(v, bool):
            return yes if v else no
        return neutralise(v)

    data = [[cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
    return pd.DataFrame(data, columns=list(df.columns), dtype=object)


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
