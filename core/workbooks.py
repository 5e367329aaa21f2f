"""Excel exports written as they are read: openpyxl's write-only workbooks.

Every export sheet is laid out the same way::

    rows 1…n   title lines (campaign, phase and its dates, provisional or final…)
    row n+1    the header row: bold, Vietnamese
    rows n+2…  the data, each column with its number format
    (then, optionally, a blank row and bold totals rows, outside the filter)

with the panes frozen below the header, an autofilter over the header and the
data, and column widths set. A write-only sheet streams each row to a temporary
file as it is appended, so memory stays bounded however many rows there are —
as long as the caller appends rows as it reads them (``.iterator(chunk_size=…)``
over ``values_list``, or keyset pages), never from a list of every row.

Styling is what costs in write-only mode: a value that needs a number format or
a bold font has to go in a ``Cell`` of its own. Each distinct style is built
once per workbook; a formatted column's values go through one reused cell per
column (``_FormattedCell``); columns without a number format take plain values.

Excel has no time zones: datetimes are written as naive local times
(``excel_datetime``) in the campaign's zone.

No cell is ever a formula. Names, codes and notes come from users, and text a
spreadsheet reads as a formula (``=HYPERLINK(…)``, ``+1+1``, ``@SUM(A1)``: see
``FORMULA_STARTS``) is written as the text it is (``keep_as_text``). Every row
of every sheet passes through ``_StreamedSheet._values_to_row``, which does it,
so no writer can forget to.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats (Excel shows them with the reader's own separators).
COUNT = "#,##0"
MONEY = "#,##0"  # whole VND
DECIMAL = "#,##0.00"
PERCENT = "0.00%"
DATETIME = "dd/mm/yyyy hh:mm"
DATE = "dd/mm/yyyy"

# Excel's limits on sheet names.
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    number_format: str | None = None


# --- Values ----------------------------------------------------------------------------

# Text starting with one of these is a formula to a spreadsheet: "=", the "+", "-"
# and "@" Excel turns into one as the cell is entered, and the tab and carriage
# return a formula may hide behind (a negative number is a number, not text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def keep_as_text(cell: Cell) -> Cell:
    """``cell`` itself, made a text cell if its value is formula-like text: a string
    (openpyxl takes text starting with "=" for a formula) carrying Excel's quote
    prefix, so that editing the cell keeps it text. It shows exactly the text it
    holds; other cells are left as they are."""
    if formula_like(cell._value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def excel_datetime(value: datetime | None, tz: tzinfo) -> datetime | None:
    """An aware datetime as the naive local time Excel stores, in ``tz``."""
    if value is None:
        return None
    return value.astimezone(tz).replace(tzinfo=None)


def date_text(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def datetime_text(value: datetime, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def period_text(start: datetime, cutoff: datetime, tz: tzinfo) -> str:
    """A phase's dates as an office writes them: "01/04/2024 – 30/06/2024", the last day
    being the day before a cutoff at local midnight, or the cutoff's own time otherwise
    ("… – 31/12/2021 17:00")."""
    begin = start.astimezone(tz)
    first = date_text(begin.date()) if begin.time() == datetime.min.time() else begin.strftime("%d/%m/%Y %H:%M")
    end = cutoff.astimezone(tz)
    if end.time() == datetime.min.time():
        last = date_text((end - timedelta(days=1)).date())
    else:
        last = end.strftime("%d/%m/%Y %H:%M")
    return f"{first} – {last}"


def sheet_title(name: str, taken: set[str]) -> str:
    """``name`` made a valid, unused sheet title: at most 31 characters, none of
    ``[]:*?/\\``, not starting or ending with an apostrophe, unique ignoring case
    (as Excel compares them). Adds " (2)", " (3)"… when taken."""
    base = " ".join(str(name).translate(_SHEET_TITLE_FORBIDDEN).split()).strip("' ") or "Sheet"
    title, n = base[:SHEET_TITLE_MAX].rstrip("' "), 1
    while title.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: SHEET_TITLE_MAX - len(suffix)].rstrip("' ") + suffix
    taken.add(title.casefold())
    return title


# --- Workbook and sheets -----------------------------------------------------------------


class _FormattedCell(Cell):
    """The cell of one formatted column, reused for every row of a sheet.

    A write-only sheet serializes a row before ``append`` returns, so one cell per
    column can carry each row's value in turn: its style is copied once, and its
    style id registered once (openpyxl otherwise hashes the style of every styled
    cell it writes).
    """

    __slots__ = ("_style_id",)

    def __init__(self, worksheet, style) -> None:
        super().__init__(worksheet, row=1, column=1, style_array=style)
        self._style_id = Cell.style_id.fget(self)

    def __repr__(self) -> str:
        # Cheap: stock openpyxl formats it into a message it discards (see _StreamedSheet).
        return "<FormattedCell>"

    @property
    def style_id(self) -> int:
        return self._style_id

    @property
    def has_style(self) -> bool:
        return True


class _StreamedSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, passing the cells of formatted columns straight on,
    and every formula-like text on as text (``keep_as_text``).

    For every value appended, the stock sheet first tries it as a plain value and
    takes it as a cell only once that has failed (a ValueError raised with the
    cell's repr, and caught), then makes a new cell for the next plain value: some
    3 µs per styled cell, a fifth of the time of writing a ranking sheet. This
    method mirrors openpyxl 3.1's ``_values_to_row`` with that fast path added; were
    a later openpyxl to stop calling it, text would be written as formulas again:
    ``tests/core/test_workbooks.py`` fails then.
    """

    def _values_to_row(self, values, row_idx):
        plain = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if type(value) is _FormattedCell:
                if not formula_like(value._value):
                    value.column, value.row = col_idx, row_idx
                    yield value
                    continue
                # The column's cell is reused for every row: this text gets a cell of its own.
                value = Cell(self, 1, 1, value._value, value._style)
            if isinstance(value, Cell):
                cell = keep_as_text(value)
            elif formula_like(value):
                cell = keep_as_text(Cell(self, 1, 1, value))
            else:
                cell = plain
                cell.value = value
            cell.column, cell.row = col_idx, row_idx
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
            yield cell
            if cell is plain and (cell.has_style or cell.hyperlink):
                plain = WriteOnlyCell(self)  # a datetime gave it a number format


class _StreamedWorkbook(Workbook):
    """A write-only workbook whose every sheet is a ``_StreamedSheet``, even one
    made with openpyxl's own ``create_sheet``."""

    def __init__(self) -> None:
        super().__init__(write_only=True)

    def create_sheet(self, title=None, index=None):
        sheet = _StreamedSheet(parent=self, title=title)
        self._add_sheet(sheet, index)
        return sheet


class WorkbookWriter:
    """A write-only workbook, its sheets and the styles they share."""

    def __init__(self) -> None:
        self.workbook = _StreamedWorkbook()
        self.sheets: list[SheetWriter] = []
        self._taken: set[str] = set()
        self._styles: dict[tuple, Any] = {}

    def sheet(self, name: str, *, columns: Sequence[Column], titles: Sequence[str] = ()) -> SheetWriter:
        """A new sheet named after ``name`` (made valid and unique), its title lines and header row written."""
        sheet = SheetWriter(self, sheet_title(name, self._taken), columns=columns, titles=titles)
        self.sheets.append(sheet)
        return sheet

    def style(self, sheet: SheetWriter, *, number_format: str | None = None, bold: bool = False, size=None, indent=0):
        """The style array of one combination, built once per workbook (registering a
        style is a lookup in the workbook's style tables: never once per cell)."""
        key = (number_format, bold, size, indent)
        if key not in self._styles:
            cell = Cell(sheet.worksheet, row=1, column=1)
            if number_format:
                cell.number_format = number_format
            if bold or size:
                cell.font = Font(bold=bold, size=size)
            if indent:
                cell.alignment = Alignment(indent=indent)
            self._styles[key] = cell._style
        return self._styles[key]

    def save(self, output: str | IO[bytes]) -> None:
        """Write the workbook to a path or a binary file: the autofilters are set from
        the rows each sheet holds, then openpyxl zips the streamed sheets."""
        for sheet in self.sheets:
            sheet.set_autofilter()
        self.workbook.save(output)


class SheetWriter:
    """One sheet: title lines, a header row, data rows streamed as appended,
    then optional totals rows below the filtered range."""

    def __init__(self, book: WorkbookWriter, title: str, *, columns: Sequence[Column], titles: Sequence[str]):
        self.book, self.columns = book, list(columns)
        self.worksheet = ws = book.workbook.create_sheet(title)
        self.title = title
        self.header_row = len(titles) + 1
        self.data_rows = 0
        # Widths and frozen panes go into the sheet's head: set before the first row.
        for index, column in enumerate(self.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = f"A{self.header_row + 1}"
        for number, line in enumerate(titles):
            style = book.style(self, bold=True, size=13 if number == 0 else None)
            ws.append([Cell(ws, 1, 1, line, style)])
        bold = book.style(self, bold=True)
        ws.append([Cell(ws, 1, 1, column.header, bold) for column in self.columns])
        self._formats = tuple(
            (index, _FormattedCell(ws, book.style(self, number_format=column.number_format)))
            for index, column in enumerate(self.columns)
            if column.number_format
        )

    @property
    def last_row(self) -> int:
        """The row number of the last data row (the header's while there is none)."""
        return self.header_row + self.data_rows

    def append(self, values: list) -> None:
        """Append a data row. ``values`` is a list with a value (or None) per column;
        it is changed in place: values of formatted columns go into their columns' cells."""
        for index, cell in self._formats:
            value = values[index]
            if value is not None:
                cell.value = value
                values[index] = cell
        self.worksheet.append(values)
        self.data_rows += 1

    def append_styled(
        self, values: Sequence, *, bold: bool = False, indent: dict[int, int] | None = None, data: bool = False
    ) -> None:
        """Append a row built cell by cell: each column keeps its number format, the
        row may be bold and columns indented (``{index: level}``). A ``data`` row (an
        award's nominations under it) is inside the filter; others (totals, blank
        lines) come after the data, below it."""
        ws, book, indent = self.worksheet, self.book, indent or {}
        row = []
        for index, value in enumerate(values):
            fmt = self.columns[index].number_format if index < len(self.columns) else None
            level = indent.get(index, 0)
            if value is None or not (fmt or bold or level):
                row.append(value)
                continue
            row.append(Cell(ws, 1, 1, value, book.style(self, number_format=fmt, bold=bold, indent=level)))
        ws.append(row)
        if data:
            self.data_rows += 1

    def set_autofilter(self) -> None:
        last = get_column_letter(len(self.columns))
        self.worksheet.auto_filter.ref = f"A{self.header_row}:{last}{self.last_row}"


# --- HTTP ---------------------------------------------------------------------------------


def ascii_filename(name: str) -> str:
    """A plain-ASCII stand-in for a Vietnamese file name (accents and đ dropped)."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in folded if ord(ch) < 128 and (ch.isalnum() or ch in "-_. "))
    return "-".join(plain.split()) or "export.xlsx"


def attachment_header(filename: str) -> str:
    """Content-Disposition for a download: an ASCII ``filename`` for old clients and
    the exact UTF-8 name in ``filename*`` (RFC 5987/6266)."""
    return f"attachment; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def workbook_response(write: Callable[[IO[bytes]], object], *, filename: str) -> FileResponse:
    """Build a workbook into a temporary file with ``write(file)`` and stream it back.
    The file is removed when the response is closed."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    try:
        write(file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(filename)
    return response
