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


def to_xlsx(df: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()
