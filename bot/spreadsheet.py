"""The registers as an Excel workbook a DPO opens (``export --format xlsx``, openpyxl).

One formatted sheet per register: a bold, frozen header row with filters, dates as real dates
(times in UTC, said in the cell format), overdue rows filled red, and text a spreadsheet would
run as a formula stored as plain text (a string cell with Excel's quote prefix), never as one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers.export import Record, formula_like

DAY = "yyyy-mm-dd"
MOMENT = 'yyyy-mm-dd hh:mm "UTC"'
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")
OVERDUE_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's "bad" style
OVERDUE_FONT = Font(color="9C0006")
WIDEST = 48


@dataclass(frozen=True, slots=True)
class Sheet:
    title: str
    columns: tuple[str, ...]
    records: Sequence[Record]


def write(path: str, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to ``path``, created readable by its owner only (0600)."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    for sheet in sheets:
        _fill(book.create_sheet(sheet.title), sheet)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as out:
        book.save(out)


def _fill(ws: Worksheet, sheet: Sheet) -> None:
    ws.append(list(sheet.columns))
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    widths = [len(name) for name in sheet.columns]
    for row, record in enumerate(sheet.records, start=2):
        for column, name in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=row, column=column)
            assert isinstance(cell, Cell)  # nothing here is merged
            _set(cell, record.values.get(name))
            if record.overdue:
                cell.fill, cell.font = OVERDUE_FILL, OVERDUE_FONT
            widths[column - 1] = max(widths[column - 1], _width(cell))
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(sheet.columns), 1))
    ws.auto_filter.ref = f"A1:{last}{max(len(sheet.records) + 1, 1)}"
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = min(width + 2, WIDEST)


def _set(cell: Cell, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        cell.value = "yes" if value else "no"
    elif isinstance(value, datetime):  # Excel has no time zones: UTC, and the format says so
        cell.value = value.astimezone(UTC).replace(tzinfo=None)
        cell.number_format = MOMENT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DAY
    elif isinstance(value, int | float):
        cell.value = value
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters xlsx cannot hold
        cell.value = text
        if formula_like(text):
            cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
            cell.quotePrefix = True


def _width(cell: Cell) -> int:
    if isinstance(cell.value, datetime):
        return len("2025-01-01 00:00 UTC")
    if isinstance(cell.value, date):
        return len(DAY)
    return len(str(cell.value)) if cell.value is not None else 0
