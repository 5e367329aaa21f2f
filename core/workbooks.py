"""Excel exports written as they are read, laid out to print: XlsxWriter in
``constant_memory`` mode.

Every export sheet is laid out the same way::

    rows 1…n   title lines (campaign, phase and its dates, provisional or final…),
               each merged across the table, the first larger
    row n+1    (only when some columns are grouped) the group headings, each merged
               over its columns: an indicator's name over its value and target
    next row   the header row: bold, wrapped, Vietnamese
    then       the data, each column with its number format
    (then, optionally, a blank row and bold totals rows, outside the filter)

The first column is the row number (STT), counted by the writer. Panes are frozen
below the header, an autofilter covers the header and the data. Each sheet prints
on A4 landscape, one page wide (as many pages tall as it takes), with the title and
header rows repeated on every page, gridlines and a page-number footer. Every font
is named (Times New Roman, ``FONT``): a spreadsheet never substitutes a family that
lacks the accents of Vietnamese capitals. Column widths are widened to fit each
header's longest word, and headers wrap onto at most three lines.

In ``constant_memory`` mode a sheet writes each row to a temporary file as soon as
the next row starts, so memory stays bounded however many rows there are, as long
as the caller appends rows as it reads them (``.iterator(chunk_size=…)`` over
``values_list``, or keyset pages), never from a list of every row. XlsxWriter's
temporary files live in a directory of the writer's own, removed when the workbook
is closed, written or not. (openpyxl is kept for reading workbooks:
``core.spreadsheets``.) Each distinct format is made once per workbook.

Excel has no time zones: datetimes are written as naive local times
(``excel_datetime``) in the campaign's zone.

No cell is ever a formula. Names, codes and notes come from users, and text a
spreadsheet reads as a formula (``=HYPERLINK(…)``, ``+1+1``, ``@SUM(A1)``: see
``FORMULA_STARTS``) is written as the text it is, carrying Excel's quote prefix so
that editing the cell keeps it text. Every value of every sheet
goes through ``SheetWriter.put``, which does it, and the workbook is opened with
XlsxWriter's conversions of strings to formulas, URLs and numbers off, so that not
even a cell written on the bare worksheet becomes one.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from numbers import Real
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats (Excel shows them with the reader's own separators).
COUNT = "#,##0"
MONEY = "#,##0"  # whole VND
DECIMAL = "#,##0.00"
MEASURE = "#,##0.0##"  # an indicator's value or target: 3,6 · 26,8 · 0,875
PERCENT = "0.00%"
DATETIME = "dd/mm/yyyy hh:mm"
DATE = "dd/mm/yyyy"

# Excel's limits on sheet names.
SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))

# Print layout.
FONT = "Times New Roman"  # full Vietnamese coverage, the family of administrative documents
FONT_SIZE = 11
TITLE_SIZE = 13
A4 = 9  # Excel's paper size code
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}  # inches: about 1 and 1.5 cm
FOOTER = f'&C&"{FONT},Regular"&9Trang &P/&N'
NUMBER_HEADER = "STT"
NUMBER_WIDTH = 7  # up to 1000000
HEADER_LINES = 3  # a header wraps onto at most this many lines
LINE_HEIGHT = 15.0  # points per line of 11-point text
TITLE_LINE_HEIGHT = 18.0


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    number_format: str | None = None
    group: str | None = None  # a heading over this and the adjacent columns of the same group
    wrap: bool = False  # long text: wrapped within the width rather than cut off


# --- Values ----------------------------------------------------------------------------

# Text starting with one of these is a formula to a spreadsheet: "=", the "+", "-"
# and "@" Excel turns into one as the cell is entered, and the tab and carriage
# return a formula may hide behind (a negative number is a number, not text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


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


# --- Fitting text ----------------------------------------------------------------------


def text_width(text: str, *, bold: bool = False) -> float:
    """About how many column-width units (the width of a digit) ``text`` takes in
    the sheet's font: capitals are wider than small letters, spaces narrower."""
    units = 0.0
    for char in text:
        if char.isspace():
            units += 0.5
        elif char.isupper():
            units += 1.4
        elif char in "il.,;:'|!()[]":
            units += 0.55
        else:
            units += 1.0
    return units * (1.08 if bold else 1.0)


@lru_cache(maxsize=4096)  # names of organizations, places and prizes come again and again
def wrapped_lines(text: str, width: float, *, bold: bool = False) -> int:
    """The lines ``text`` wraps onto in a cell ``width`` units wide, breaking at spaces."""
    room, lines, used = max(width - 1, 1), 1, 0.0
    for word in str(text).split():
        size = text_width(word, bold=bold)
        if used and used + 0.5 + size > room:
            lines, used = lines + 1, size
        else:
            used += (0.5 if used else 0) + size
        lines += int(max(size - 0.01, 0) // room) if size > room else 0
    return lines


def header_width(column: Column) -> float:
    """The column's width, widened so that its header's longest word fits on a line
    and the whole header on ``HEADER_LINES`` lines."""
    words = column.header.split() or [""]
    width = max(float(column.width), max(text_width(word, bold=True) for word in words) + 1.5)
    while wrapped_lines(column.header, width, bold=True) > HEADER_LINES:
        width += 1
    return width


# --- Workbook and sheets -----------------------------------------------------------------


class WorkbookWriter:
    """A workbook written to ``output`` (a path or a binary file) as its sheets are
    filled: call ``close()`` once every sheet is written, or use it in a ``with``
    block. Its sheets and the formats they share."""

    def __init__(self, output: str | IO[bytes]) -> None:
        self._tmpdir = tempfile.TemporaryDirectory(prefix="xlsx-")
        self.workbook = xlsxwriter.Workbook(
            output,
            {
                "constant_memory": True,
                "tmpdir": self._tmpdir.name,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE, "font_scheme": "none"},
            },
        )
        self.sheets: list[SheetWriter] = []
        self._taken: set[str] = set()
        self._formats: dict[tuple, Any] = {}
        self._closed = False

    def __enter__(self) -> WorkbookWriter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()

    def sheet(
        self, name: str, *, columns: Sequence[Column], titles: Sequence[str] = (), numbered: bool = True
    ) -> SheetWriter:
        """A new sheet named after ``name`` (made valid and unique), its page set up,
        its title lines and header rows written. ``numbered``: the first column is
        the row number (STT), which ``SheetWriter.append`` fills."""
        sheet = SheetWriter(self, sheet_title(name, self._taken), columns=columns, titles=titles, numbered=numbered)
        self.sheets.append(sheet)
        return sheet

    def format(
        self,
        *,
        number_format: str | None = None,
        bold: bool = False,
        size: int | None = None,
        indent: int = 0,
        text: bool = False,
        header: bool = False,
        wrap: bool = False,
        middle: bool = False,
    ):
        """The format of one combination, made once per workbook; None for the plain
        default. ``text``: with the quote prefix that keeps formula-like text text."""
        key = (number_format, bold, size, indent, text, header, wrap, middle)
        if key not in self._formats:
            properties: dict[str, Any] = {}
            if number_format:
                properties["num_format"] = number_format
            if bold:
                properties["bold"] = True
            if size:
                properties["font_size"] = size
            if indent:
                properties["indent"] = indent
            if text:
                properties["quote_prefix"] = True
            if header:
                properties.update(border=1, align="center", valign="vcenter", text_wrap=True, bg_color="#F2F2F2")
            if wrap:
                properties["text_wrap"] = True
            if middle:
                properties["valign"] = "vcenter"
            self._formats[key] = self.workbook.add_format(properties) if properties else None
        return self._formats[key]

    def close(self) -> None:
        """Write the workbook: the autofilters are set from the rows each sheet holds,
        then XlsxWriter zips the sheets' rows into ``output``."""
        if self._closed:
            return
        try:
            for sheet in self.sheets:
                sheet.set_autofilter()
            self.workbook.close()
        finally:
            self._closed = True
            self._tmpdir.cleanup()

    def discard(self) -> None:
        """Drop the workbook unwritten, and its temporary files (the sheets' open
        files are unlinked with the directory, closed as the workbook is collected)."""
        if not self._closed:
            self._closed = True
            self._tmpdir.cleanup()


class SheetWriter:
    """One sheet: title lines, a header row, data rows streamed as appended,
    then optional totals rows below the filtered range."""

    def __init__(
        self, book: WorkbookWriter, title: str, *, columns: Sequence[Column], titles: Sequence[str], numbered: bool
    ):
        self.book, self.title, self.numbered = book, title, numbered
        self.columns = list(columns)
        self.offset = 1 if numbered else 0  # the caller's column 0 is the sheet's column ``offset``
        laid_out = [Column(NUMBER_HEADER, NUMBER_WIDTH), *self.columns] if numbered else self.columns
        self.widths = [header_width(column) for column in laid_out]
        self.worksheet = ws = book.workbook.add_worksheet(title)
        self.row = 0  # the next row to write (from 0)
        self.data_rows = 0
        self.numbers = 0
        grouped = any(column.group for column in self.columns)
        self.header_row = len(titles) + (2 if grouped else 1)  # its number, from 1
        self._page_setup()
        for index, width in enumerate(self.widths):
            ws.set_column(index, index, width)
        for number, line in enumerate(titles):
            self._title(line, first=number == 0)
        if grouped:
            self._groups(laid_out)
        self._header(laid_out)
        # Wrapped columns: (index, the length of text sure to fit on a line, the width).
        self._wrapped = [
            (index, (width - 1) / 1.4, width)
            for index, (column, width) in enumerate(zip(self.columns, self.widths[self.offset :], strict=True))
            if column.wrap
        ]
        self._number = book.format(middle=True)
        self._plain = [self._data_format(column) for column in self.columns]
        self._text = [self._data_format(column, text=True) for column in self.columns]

    def _fit_height(self, values: Sequence) -> None:
        """Make the next row tall enough for the lines its wrapped cells take: neither
        Excel nor LibreOffice fits a row to wrapped text written into a file. A text
        short enough to fit even in capitals is not measured."""
        lines = 1
        for index, sure, width in self._wrapped:
            value = values[index] if index < len(values) else None
            if type(value) is str and len(value) > sure:
                lines = max(lines, wrapped_lines(value, width))
        if lines > 1:
            self.worksheet.set_row(self.row, lines * LINE_HEIGHT + 2)

    def _data_format(
        self, column: Column, *, bold: bool = False, indent: int = 0, text: bool = False, wrap: bool = True
    ):
        """The format of a cell of ``column``: its number format, wrapped if it wraps
        (and ``wrap``: a totals label runs on over the empty cells beside it instead),
        centred vertically (a row grows with its wrapped cells)."""
        return self.book.format(
            number_format=column.number_format,
            bold=bold,
            indent=indent,
            text=text,
            wrap=column.wrap and wrap,
            middle=True,
        )

    def _page_setup(self) -> None:
        ws = self.worksheet
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as it takes
        ws.set_margins(**MARGINS)
        ws.center_horizontally()
        ws.repeat_rows(0, self.header_row - 1)
        ws.hide_gridlines(0)  # gridlines on screen and on paper
        ws.set_footer(FOOTER)
        ws.freeze_panes(self.header_row, 0)

    def _title(self, line: str, *, first: bool) -> None:
        ws, book, last = self.worksheet, self.book, len(self.widths) - 1
        size = TITLE_SIZE if first else None
        fmt = book.format(bold=True, size=size, wrap=True)
        lines = wrapped_lines(line, sum(self.widths), bold=True) if line else 1
        ws.set_row(self.row, lines * (TITLE_LINE_HEIGHT if first else LINE_HEIGHT))
        if last > 0:
            ws.merge_range(self.row, 0, self.row, last, None, fmt)
        self.put(self.row, 0, line, fmt, book.format(bold=True, size=size, wrap=True, text=True))
        self.row += 1

    def _groups(self, laid_out: list[Column]) -> None:
        ws, book = self.worksheet, self.book
        fmt, text = book.format(bold=True, header=True), book.format(bold=True, header=True, text=True)
        spans: list[tuple[int, int, str | None]] = []
        for index, column in enumerate(laid_out):
            if spans and column.group and spans[-1][2] == column.group:
                spans[-1] = (spans[-1][0], index, column.group)
            else:
                spans.append((index, index, column.group))
        lines = 1
        for first, last, group in spans:
            if group is None:
                ws.write_blank(self.row, first, None, fmt)
                continue
            lines = max(lines, wrapped_lines(group, sum(self.widths[first : last + 1]), bold=True))
            if last > first:
                ws.merge_range(self.row, first, self.row, last, None, fmt)
            self.put(self.row, first, group, fmt, text)
        ws.set_row(self.row, lines * LINE_HEIGHT + 3)
        self.row += 1

    def _header(self, laid_out: list[Column]) -> None:
        ws, book = self.worksheet, self.book
        fmt, text = book.format(bold=True, header=True), book.format(bold=True, header=True, text=True)
        lines = max(wrapped_lines(c.header, w, bold=True) for c, w in zip(laid_out, self.widths, strict=True))
        ws.set_row(self.row, lines * LINE_HEIGHT + 3)
        for index, column in enumerate(laid_out):
            self.put(self.row, index, column.header, fmt, text)
        self.row += 1

    def put(self, row: int, col: int, value: Any, fmt, text_fmt) -> None:
        """Write one value as what it is: text (with ``text_fmt``, which carries the
        quote prefix, when it is formula-like), a number, a truth value, a date or a time;
        anything else as its text."""
        ws = self.worksheet
        kind = type(value)
        if kind is str:
            if value.startswith(FORMULA_STARTS):
                ws.write_string(row, col, value, text_fmt)
            else:
                ws.write_string(row, col, value, fmt)
        elif kind is int or kind is float:
            ws.write_number(row, col, value, fmt)
        elif kind is Decimal:
            ws.write_number(row, col, float(value), fmt)
        elif value is None:
            pass
        elif kind is bool:
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, datetime | date | time):
            if fmt is None or fmt.num_format in ("General", 0):
                fmt = self.book.format(number_format=DATE if kind is date else DATETIME, middle=True)
            ws.write_datetime(row, col, value, fmt)
        elif isinstance(value, Real):
            ws.write_number(row, col, float(value), fmt)
        else:
            self.put(row, col, str(value), fmt, text_fmt)

    @property
    def last_row(self) -> int:
        """The row number (from 1) of the last data row (the header's while there is none)."""
        return self.header_row + self.data_rows

    def append(self, values: Sequence) -> None:
        """Append a data row, numbered: a value (or None) per column, each written with its column's format."""
        ws, row, offset, plain, text = self.worksheet, self.row, self.offset, self._plain, self._text
        if self._wrapped:
            self._fit_height(values)
        if self.numbered:
            self.numbers += 1
            ws.write_number(row, 0, self.numbers, self._number)
        # Text and numbers, most of the cells, are written here; anything else by ``put``.
        write_string, write_number = ws.write_string, ws.write_number
        for index, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                write_string(
                    row, index + offset, value, text[index] if value.startswith(FORMULA_STARTS) else plain[index]
                )
            elif kind is int or kind is float:
                write_number(row, index + offset, value, plain[index])
            else:
                self.put(row, index + offset, value, plain[index], text[index])
        self.row += 1
        self.data_rows += 1

    def append_styled(
        self,
        values: Sequence,
        *,
        bold: bool = False,
        indent: dict[int, int] | None = None,
        data: bool = False,
        number: str | int | None = None,
    ) -> None:
        """Append a row built cell by cell: each column keeps its number format, the
        row may be bold and columns indented (``{index: level}``). A ``data`` row (an
        award's nominations under it) is inside the filter; others (totals, blank
        lines) come after the data, below it. ``number``: what the row's STT cell
        shows (an award's nominations: "1.1", "1.2"…), none by default."""
        book, indent = self.book, indent or {}
        if data and self._wrapped:
            self._fit_height(values)
        if number is not None and self.numbered:
            self.put(self.row, 0, number, book.format(middle=True), book.format(middle=True, text=True))
        for index, value in enumerate(values):
            column = self.columns[index] if index < len(self.columns) else Column("")
            level = indent.get(index, 0)
            plain = self._data_format(column, bold=bold, indent=level, wrap=data)
            text = self._data_format(column, bold=bold, indent=level, text=True, wrap=data)
            self.put(self.row, index + self.offset, value, plain, text)
        self.row += 1
        if data:
            self.data_rows += 1

    def set_autofilter(self) -> None:
        self.worksheet.autofilter(self.header_row - 1, 0, self.last_row - 1, len(self.widths) - 1)


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
