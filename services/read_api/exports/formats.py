"""A table written as an XLSX workbook or a CSV file, and the `Content-Disposition` that names it.

XLSX is for people: a bold header row that is frozen and filters (auto-filter), columns as wide as their content
(within bounds), dates and times as Excel dates with a `dd/mm/yyyy` format, numbers as numbers. CSV is for programs
and spreadsheets alike: RFC 4180 (comma, CRLF), UTF-8 with a byte order mark (Excel then reads the diacritics right),
ISO 8601 dates, `.` as the decimal point; it holds the first sheet only.

Text is written NFC-normalised. A text cell is never a formula: in XLSX it is typed as a string; in CSV a value
starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` (OWASP "CSV injection"), since a
name or a reason comes from a client.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

Kind = Literal["text", "integer", "number", "percent", "date", "datetime"]
Value = str | int | float | date | datetime | None

FORMATS: dict[Kind, str] = {
    "number": "0.00",
    "percent": "0.0%",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
"""Excel number formats by column kind (dates the Vietnamese way, day first); integers show right in `General`."""
MIN_WIDTH, MAX_WIDTH = 8, 60
HEADER_FONT = Font(bold=True, color="000000")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")  # light blue behind black text: well above 4.5:1
WRAPPED = Alignment(wrap_text=True, vertical="top")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    title: str
    """The header, in Vietnamese."""
    kind: Kind = "text"
    wrap: bool = False
    """Lines of text (rule results): wrapped, and the column kept narrower."""


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: list[tuple[Value, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    """What an export holds: its file name (without extension, Vietnamese) and its sheets (CSV: the first)."""

    name: str
    sheets: Sequence[Sheet]


def text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", unicodedata.normalize("NFC", value))


# ---- XLSX ----------------------------------------------------------------------------------------


def to_xlsx(table: Table) -> bytes:
    """The table as a workbook, one worksheet per sheet (written in openpyxl's streaming mode)."""
    wb = Workbook(write_only=True)
    wb.properties.title = text(table.name)
    for sheet in table.sheets:
        write_sheet(wb.create_sheet(sheet_title(sheet.title)), sheet)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet) -> None:
    columns = sheet.columns
    for i, width in enumerate(widths(sheet), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{len(sheet.rows) + 1}"
    ws.append([header_cell(ws, c.title) for c in columns])
    for row in sheet.rows:
        ws.append([xlsx_value(ws, column, value) for column, value in zip(columns, row, strict=True)])


def xlsx_value(ws: WriteOnlyWorksheet, column: Column, value: Value) -> Value | WriteOnlyCell:
    """The value as written: plain where Excel's defaults show it right (most cells; a styled cell costs about twice
    as much to write), a styled cell for formatted numbers and dates, wrapped lines and text Excel would misread."""
    if isinstance(value, str):
        value = text(value)
        if not (column.wrap or value.startswith("=") or value in ERROR_CODES):
            return value
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"  # never a formula nor an error, whatever the text starts with
    elif value is None or column.kind not in FORMATS:
        return value
    else:
        cell = WriteOnlyCell(ws, value)
        cell.number_format = FORMATS[column.kind]
    if column.wrap:
        cell.alignment = WRAPPED
    return cell


def header_cell(ws: WriteOnlyWorksheet, title: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, text(title))
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def widths(sheet: Sheet) -> list[float]:
    """Each column as wide as its header's longest word or its longest value's longest line, within bounds."""
    out = []
    for i, column in enumerate(sheet.columns):
        longest = max((len(w) for w in column.title.split()), default=0)
        for row in sheet.rows:
            longest = max(longest, shown_width(row[i]))
        out.append(float(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)))
    return out


def shown_width(value: Value) -> int:
    if isinstance(value, datetime):
        return 16  # dd/mm/yyyy hh:mm
    if isinstance(value, date):
        return 10
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return len(str(value)) if value is not None else 0


def sheet_title(title: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of `[]:*?/\\`."""
    return SHEET_TITLE_FORBIDDEN.sub("-", text(title))[:31] or "Sheet"


# ---- CSV -----------------------------------------------------------------------------------------


def to_csv(table: Table) -> bytes:
    """The first sheet as RFC 4180 CSV in UTF-8 with a byte order mark."""
    sheet = table.sheets[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([text(c.title) for c in sheet.columns])
    writer.writerows([csv_value(v) for v in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig")


def csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        value = text(value)
        return "'" + value if value.startswith(FORMULA_START) else value
    return str(value)


# ---- the file's name -----------------------------------------------------------------------------


def attachment(name: str, extension: str) -> str:
    """`Content-Disposition` for a download named `name.extension`: the Vietnamese name as RFC 5987 `filename*`
    (UTF-8, percent-encoded), and an ASCII `filename` without diacritics for clients that read only that."""
    full = text(f"{name}.{extension}")
    return f"attachment; filename=\"{ascii_name(full)}\"; filename*=UTF-8''{quote(full, safe='')}"


def ascii_name(name: str) -> str:
    """`Bảng xếp hạng 2022.xlsx` → `Bang-xep-hang-2022.xlsx`: diacritics dropped (đ → d), anything else not a letter,
    digit, dot or hyphen made a hyphen."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9.-]", "-", plain)).strip("-") or "export"
