"""The file of failed rows: the source's own columns, in its order, with the row number and the reason
added at the end, so it can be corrected and imported again (the two added columns map to nothing)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .running import cell_from_json

# Excel keeps at most this many characters in a cell.
XLSX_CELL_LIMIT = 32_767
_FORMULA_START = ("=", "+", "-", "@")


def read_failures(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    # Kept as text when opened in a spreadsheet; the import strips the apostrophe again.
    if text.startswith(_FORMULA_START) and not text.lstrip("+-").replace(" ", "").replace("-", "").isdigit():
        return "'" + text
    return text


def _xlsx_cell(sheet, value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
        return cell
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_LIMIT]
        if text.startswith("="):
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # never run as a formula
            return cell
        return text
    return value


def write_files(failures: list[dict], headers: list[str], xlsx_path: Path, csv_path: Path) -> None:
    """Both forms of the file of failed rows, in row order."""
    failures = sorted(failures, key=lambda f: f["row"])
    columns = [*headers, _("Source row"), _("Reason")]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Failed rows"))
    sheet.append(columns)
    with csv_path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for failure in failures:
            cells = [cell_from_json(c) for c in failure["cells"]]
            cells = (cells + [""] * len(headers))[:len(headers)]
            values = [*cells, failure["row"], failure["reason"]]
            writer.writerow([_csv_value(v) for v in values])
            sheet.append([_xlsx_cell(sheet, v) for v in values])
    workbook.save(xlsx_path)
