"""Writing export rows as CSV (streamed, UTF-8 with a byte-order mark so Excel reads Chinese text)
and as XLSX (openpyxl's write-only workbook, so memory stays flat whatever the row count).

Rows arrive in chunks of plain Python values; text that a spreadsheet would run as a formula is
kept as text, dates and times are written in the user's time zone, numbers stay numbers in XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .registry import BOOLEAN, DATE, DATETIME, MONEY, NUMBER, Column

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"

_PHONE_LIKE = re.compile(r"^[+-][\d\s()-]*$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_WIDTHS = {MONEY: 14, NUMBER: 12, DATE: 12, DATETIME: 17, BOOLEAN: 8}
_FORMATS = {MONEY: "#,##0.00", DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm"}


def safe_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ …) is kept as text; phone numbers
    such as +86 138 … stay as they are."""
    if value and value[0] in "=+-@\t\r" and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def _local(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    return value.astimezone(tz) if value.tzinfo is not None else value


def _yes_no(value: bool) -> str:
    return str(_("Yes") if value else _("No"))


def csv_value(value: Any, tz: dt.tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, dt.datetime):
        return _local(value, tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    return safe_cell(str(value))


def csv_row(values: list[Any], tz: dt.tzinfo) -> list[str]:
    return [csv_value(v, tz) for v in values]


class _Echo:
    """csv.writer needs a file; this one hands each line straight back."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], chunks: Iterable[list[list[str]]]) -> Iterator[str]:
    """The header line (after the byte-order mark), then one string per chunk of rows."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for chunk in chunks:
        if chunk:
            yield "".join(writer.writerow(row) for row in chunk)


def xlsx_cell_maker(sheet, columns: list[Column], tz: dt.tzinfo) -> Callable[[list[Any]], list[Any]]:
    """Turns a row of values into what the write-only sheet appends: cells with a number format
    for money, dates and times, text cells that are never read as formulas."""
    kinds = [c.kind for c in columns]

    def text_cell(text: str) -> Any:
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
        if not text.startswith("="):
            return text
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell

    def formatted(value: Any, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell

    def make(values: list[Any]) -> list[Any]:
        row: list[Any] = []
        for kind, value in zip(kinds, values, strict=True):
            if value is None:
                row.append(None)
            elif isinstance(value, bool):
                row.append(_yes_no(value))
            elif isinstance(value, dt.datetime):
                # Excel has no time zones: the time is written as the user reads it.
                row.append(formatted(_local(value, tz).replace(tzinfo=None), _FORMATS[DATETIME]))
            elif isinstance(value, dt.date):
                row.append(formatted(value, _FORMATS[DATE]))
            elif isinstance(value, Decimal | int | float):
                row.append(formatted(value, _FORMATS[MONEY]) if kind == MONEY else value)
            else:
                row.append(text_cell(str(value)))
        return row

    return make


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return (_SHEET_FORBIDDEN.sub(" ", title).strip() or "Export")[:31]


def new_xlsx(title: str, header: list[str], columns: list[Column]):
    """A write-only workbook with its one sheet, the header row in bold and frozen."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(column.kind, 20)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", label))
        cell.data_type = "s"
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    return workbook, sheet


def write_xlsx(target: str | IO[bytes], workbook, sheet, chunks: Iterable[list[list[Any]]]) -> int:
    """Append every chunk of made rows and save; returns the number of rows written."""
    count = 0
    for chunk in chunks:
        for row in chunk:
            sheet.append(row)
        count += len(chunk)
    workbook.save(target)
    return count
