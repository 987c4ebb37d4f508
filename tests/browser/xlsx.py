"""Reading an XLSX export back as a person's spreadsheet program would: its header rows and data rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import range_boundaries


@dataclass
class Sheet:
    title: str
    header: list[Any]
    rows: list[list[Any]]
    filter: str | None
    """The range of the header's filter buttons (`A1:F18`), None without."""


def sheets(path: Path) -> list[Sheet]:
    """Every worksheet: its header is the filter's first row (else the first non-empty row, as a person would
    take it; a title above a filtered table is not the header), its data the non-empty rows below."""
    book = openpyxl.load_workbook(path)
    found = []
    for ws in book.worksheets:
        ref = ws.auto_filter.ref
        top = range_boundaries(ref)[1] if ref else ws.min_row
        rows = [list(r) for r in ws.iter_rows(min_row=top, values_only=True) if any(v not in (None, "") for v in r)]
        found.append(Sheet(ws.title, rows[0] if rows else [], rows[1:], ref))
    return found


def row_of(rows: list[list[Any]], *keys: str) -> list[Any]:
    """The one data row holding one of `keys` (a unit's name or id) in a cell of its own."""
    found = [r for r in rows if any(isinstance(v, str) and v.strip() in keys for v in r)]
    assert len(found) == 1, f"rows with {keys}: {found}"
    return found[0]


def has_number(row: list[Any], value: float) -> bool:
    """A cell holding `value` as a number (not as text, not as a boolean)."""
    return any(isinstance(v, int | float) and not isinstance(v, bool) and abs(v - value) < 1e-6 for v in row)


def has_date(row: list[Any]) -> bool:
    return any(isinstance(v, datetime | date) for v in row)
