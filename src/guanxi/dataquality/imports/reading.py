"""Reading an uploaded file as rows of cells: CSV in UTF-8 (with or without a byte-order mark), GBK /
GB18030 or UTF-16, and Excel workbooks (xlsx, xls) through python-calamine.

Where the column names are is found, not assumed: title rows above the table are passed over, cells
merged across or down are filled with their value, and a group header merged over two columns
(联系方式 over 电话 and 邮箱) combines with the row of names beneath it. Formulas give the value Excel
computed; dates come as dates, or as the serial numbers Excel stores when a cell has no date format
(the field being read decides, see cells.py).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from guanxi.core.errors import DomainError

from . import errors

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}
# Rows read to find the column names: title rows and notes above a table are rarely more.
HEADER_SCAN = 10
MAX_COLUMNS = 200
MAX_ROWS = 1_000_000
# A CSV cell may be long (notes); far longer is refused per row by the field's own length limit.
csv.field_size_limit(16 * 1024 * 1024)

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SAMPLE = 256 * 1024


def refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, {"file": [message]})


def file_format(name: str, head: bytes) -> str:
    """"csv", "xlsx" or "xls", from the file's name and checked against its first bytes."""
    fmt = FORMATS.get(Path(name or "").suffix.lower())
    wrong = refuse(errors.WRONG_TYPE, _("Choose a CSV or Excel file (.csv, .xlsx or .xls)."))
    if fmt is None:
        raise wrong
    if not head:
        raise refuse(errors.EMPTY, _("The file is empty."))
    if fmt == "xlsx" and not head.startswith(_XLSX_MAGIC):
        raise wrong
    if fmt == "xls" and not head.startswith(_OLE_MAGIC):
        raise wrong
    if fmt == "csv" and (head.startswith(_XLSX_MAGIC) or head.startswith(_OLE_MAGIC)):
        # An Excel workbook renamed .csv: read it as what it is.
        return "xlsx" if head.startswith(_XLSX_MAGIC) else "xls"
    return fmt


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while block := f.read(1024 * 1024):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def csv_encoding(path: Path) -> str:
    """The text encoding of a CSV file: a byte-order mark decides; else UTF-8 if the whole file reads
    as UTF-8; else GB18030 (the superset of GBK and GB2312 that Excel on Chinese Windows writes)."""
    with path.open("rb") as f:
        head = f.read(_SAMPLE)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise refuse(errors.WRONG_TYPE, _("This is not a text file. Choose a CSV or Excel file."))
    for encoding in ("utf-8", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    raise refuse(errors.UNREADABLE, _("The file's text encoding could not be recognised. Save it as CSV UTF-8 "
                                      "or as an Excel workbook and upload it again."))


def _delimiter(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="", errors="replace") as f:
        sample = f.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value: Any) -> str:
    if blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())[:200]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Layout:
    """Where the table is in a file: its sheet, the row(s) of column names, and those names."""

    fmt: str
    encoding: str = ""
    sheet: str = ""
    sheet_names: list[str] = field(default_factory=list)
    header_row: int = 0
    header_depth: int = 1
    headers: list[str] = field(default_factory=list)


# -- raw rows --


class _Merges:
    """Values of merged cells for the cells they cover (calamine gives only the top-left one)."""

    def __init__(self, ranges: list[tuple[tuple[int, int], tuple[int, int]]] | None):
        self.ranges = [r for r in (ranges or []) if r[0] != r[1]]
        self.by_row: dict[int, list[tuple[int, int, int, int]]] = {}
        for (r0, c0), (r1, c1) in self.ranges:
            for r in range(r0, min(r1, r0 + MAX_ROWS) + 1):
                self.by_row.setdefault(r, []).append((r0, c0, c1, r1))
        self.anchors: dict[tuple[int, int], Any] = {}

    def fill(self, index: int, row: list[Any]) -> list[Any]:
        for r0, c0, c1, _r1 in self.by_row.get(index, ()):
            if index == r0:
                self.anchors[(r0, c0)] = row[c0] if c0 < len(row) else ""
            value = self.anchors.get((r0, c0), "")
            if len(row) <= c1:
                row = row + [""] * (c1 + 1 - len(row))
            for c in range(c0, c1 + 1):
                if (index, c) != (r0, c0):
                    row[c] = value
        return row

    def spans_down(self, index: int) -> bool:
        """A merged cell starts on row `index` and reaches below it."""
        return any(r0 == index and r1 > index for r0, _c0, _c1, r1 in self.by_row.get(index, ()))


def _excel_sheet(path: Path, sheet: str):
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise refuse(errors.UNREADABLE, _("The file could not be read as an Excel workbook. Open it in Excel, "
                                          "save it again and upload it.")) from exc
    names = [m.name for m in workbook.sheets_metadata if str(m.visible).endswith("Visible")
             and str(m.typ).endswith("WorkSheet")] or list(workbook.sheet_names)
    if sheet and sheet in workbook.sheet_names:
        return workbook, workbook.get_sheet_by_name(sheet), names
    for name in names:
        candidate = workbook.get_sheet_by_name(name)
        if candidate.height:
            return workbook, candidate, names
    if not names:
        raise refuse(errors.EMPTY, _("The file is empty."))
    return workbook, workbook.get_sheet_by_name(names[0]), names


def sheet_names(path: Path, fmt: str) -> list[str]:
    """The visible worksheets of a workbook; none for a CSV file."""
    if fmt == "csv":
        return []
    _workbook, _sheet, names = _excel_sheet(path, "")
    return names


def raw_rows(path: Path, layout: Layout) -> Iterator[list[Any]]:
    """Every row of the sheet (or CSV) from the top, merged cells filled, as lists of cells."""
    if layout.fmt == "csv":
        delimiter = _delimiter(path, layout.encoding)
        try:
            with path.open("r", encoding=layout.encoding, newline="") as f:
                yield from csv.reader(f, delimiter=delimiter)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise refuse(errors.UNREADABLE, _("The CSV file could not be read: %(error)s") % {"error": exc}) from exc
        return
    _workbook, sheet, _names = _excel_sheet(path, layout.sheet)
    merges = _Merges(sheet.merged_cell_ranges)
    start = sheet.start
    offset = [""] * (start[1] if start else 0)
    try:
        for index, row in enumerate(sheet.iter_rows()):
            row = offset + list(row) if offset else list(row)
            yield merges.fill(index, row) if merges.ranges else row
    except (CalamineError, ValueError) as exc:
        raise refuse(errors.UNREADABLE, _("The file could not be read as an Excel workbook. Open it in Excel, "
                                          "save it again and upload it.")) from exc


# -- finding the column names --


def _looks_like_data(value: Any) -> bool:
    """A header cell that is a value rather than a name: a number, a date, an email, a phone number."""
    from guanxi.core.text import normalise_phone

    if isinstance(value, int | float | dt.date | dt.datetime | dt.time) and not isinstance(value, bool):
        return True
    text = str(value).strip()
    if "@" in text and "." in text.split("@")[-1]:
        return True
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 7 and normalise_phone(text) is not None


def analyse(path: Path, fmt: str, *, sheet: str = "") -> Layout:
    """Find the sheet and the column names; refuse a file with no table in it. Without `sheet`, the first
    worksheet with rows under its column names (a workbook often opens on a sheet of instructions)."""
    if fmt == "csv" or sheet:
        return _analyse(path, fmt, sheet=sheet)
    first_error: DomainError | None = None
    names = sheet_names(path, fmt)
    for name in names or [""]:
        try:
            layout = _analyse(path, fmt, sheet=name)
        except DomainError as exc:
            first_error = first_error or exc
            continue
        if len(names) < 2 or any(not is_empty(cells) for _n, cells in data_rows(path, layout)):
            return layout
    if first_error is not None:
        raise first_error
    return _analyse(path, fmt, sheet=names[0])


def _analyse(path: Path, fmt: str, *, sheet: str = "") -> Layout:
    layout = Layout(fmt=fmt)
    merges = _Merges(None)
    if fmt == "csv":
        layout.encoding = csv_encoding(path)
    else:
        workbook, found, layout.sheet_names = _excel_sheet(path, sheet)
        layout.sheet = found.name
        merges = _Merges(found.merged_cell_ranges)
    top: list[list[Any]] = []
    for row in raw_rows(path, layout):
        top.append(row)
        if len(top) >= HEADER_SCAN + 1:
            break
    filled = [[c for c in row] for row in top]
    width = max((len([c for c in row if not blank(c)]) for row in filled), default=0)
    if width == 0:
        raise refuse(errors.EMPTY, _("The file is empty."))
    header_row = None
    for index, row in enumerate(filled[:HEADER_SCAN]):
        names = {header_text(c) for c in row if not blank(c)}
        # A title merged across the table fills every cell with one text: not the column names.
        if names and len(names) >= min(2, width):
            header_row = index
            break
    if header_row is None:
        raise refuse(errors.NO_HEADER, _("No row of column names was found at the top of the file."))
    headers = [header_text(c) for c in filled[header_row]]
    depth = 1
    if merges.spans_down(header_row) and header_row + 1 < len(filled):
        depth = 2
        below = [header_text(c) for c in filled[header_row + 1]]
        headers += [""] * (len(below) - len(headers))
        headers = [top_name if not sub or sub == top_name else (f"{top_name}/{sub}" if top_name else sub)
                   for top_name, sub in zip(headers, below + [""] * (len(headers) - len(below)), strict=True)]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise refuse(errors.TOO_WIDE, _("The file has more than %(n)d columns.") % {"n": MAX_COLUMNS})
    named = [c for c in filled[header_row][:len(headers)] if not blank(c)]
    if sum(_looks_like_data(c) for c in named) * 2 >= len(named):
        raise refuse(errors.NO_HEADER, _("The first row looks like data, not column names. Add a row of column "
                                         "names (e.g. 客户名称, 电话) above the data and upload the file again."))
    layout.header_row, layout.header_depth = header_row, depth
    layout.headers = [h or _("Column %(letter)s") % {"letter": column_letter(i)} for i, h in enumerate(headers)]
    return layout


def data_rows(path: Path, layout: Layout) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, cells) of every row below the column names, empty
    ones included; cells are cut or padded to the number of columns."""
    width = len(layout.headers)
    first = layout.header_row + layout.header_depth
    for index, row in enumerate(raw_rows(path, layout)):
        if index < first:
            continue
        cells = list(row[:width])
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        yield index + 1, cells


def is_empty(cells: list[Any]) -> bool:
    return all(blank(c) for c in cells)


def count_rows(path: Path, layout: Layout) -> int:
    """Rows with anything in them below the column names; refuses a file past MAX_ROWS."""
    count = 0
    for _number, cells in data_rows(path, layout):
        if not is_empty(cells):
            count += 1
            if count > MAX_ROWS:
                raise refuse(errors.TOO_MANY_ROWS, _("The file has more than %(n)s rows; split it into smaller "
                                                     "files.") % {"n": f"{MAX_ROWS:,}"})
    return count


def normalise_header(text: str) -> str:
    """A column name in the form mappings compare: width and case folded, marks such as * and （必填） gone."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    for mark in ("(必填)", "（必填）", "(required)", "(optional)", "(选填)", "*", "：", ":"):
        folded = folded.replace(unicodedata.normalize("NFKC", mark).casefold(), "")
    return "".join(ch for ch in folded if ch.isalnum() or ch == "/")
