"""Reading Excel imports row by row, and the report every import gives back.

An import declares its ``Column``s; ``read_rows`` matches the header row by the
column's Vietnamese header or its key (ignoring case, accents and spacing),
parses every cell and collects a message per bad cell, so that the report can
say, row by row, what is wrong. Nothing here writes to the database.

Reading is bounded, since a workbook is a ZIP of XML parts and a few hundred
kilobytes can unpack to gigabytes. Before openpyxl opens a file,
``check_workbook`` looks at its ZIP directory and the first bytes of each part,
and refuses it when it is over the upload limit, unpacks to too much or packs
too tightly, holds too many shared strings, or a sheet declares more rows or
columns than ``settings.SPREADSHEET_MAX_ROWS`` and ``SPREADSHEET_MAX_COLUMNS``.
While reading, ``read_cells`` stops at those caps and at ``MAX_CELL_DATA``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zipfile import BadZipFile, ZipFile, ZipInfo

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from core.parsers import upload_size_error
from core.workbooks import Column as WorkbookColumn
from core.workbooks import WorkbookWriter

MB = 1024 * 1024
HEADER_ROWS = 10  # the header is looked for in the sheet's first rows

# What the parts of an .xlsx may unpack to, checked before openpyxl opens it.
# openpyxl reads the shared strings, the styles and the workbook part whole
# when it opens a file, and a sheet row by row.
MAX_PARTS = 1_000
MAX_UNPACKED = 256 * MB  # all parts together
MAX_PACKING_RATIO = 100  # unpacked size / packed size, for a part of more than RATIO_FROM
RATIO_FROM = 1 * MB
MAX_SHARED_STRINGS_SIZE = 48 * MB
MAX_SHARED_STRINGS = 2_000_000  # distinct strings (the part's uniqueCount)
MAX_OTHER_XML_PART = 16 * MB  # styles, theme, workbook, relationships…
PEEK = 4 * 1024  # what is read of a part to tell what it is
SHEET_PEEK = 64 * 1024  # what is read of a sheet, at most, to find its <dimension>
# The cell data one file may give (the characters of the cells an import reads,
# and a few per other cell): an import holds no more, and a preview stores no more.
MAX_CELL_DATA = 64 * MB

# Whatever openpyxl or zipfile raise on a damaged or foreign file.
_UNREADABLE = (
    InvalidFileException,
    BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
    SyntaxError,  # xml.etree's ParseError
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted part
)


class SpreadsheetError(Exception):
    """The file as a whole cannot be read (not a workbook, no header, missing columns)."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("_", " ").strip()


@functools.lru_cache(maxsize=4096)  # a column's choices and headers repeat on every row of a large file
def _folded_key(text: str) -> str:
    return " ".join(_fold(text).split())


# --- cell parsers: return the value or raise ValueError with a message ----------


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def digits(length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        raw = text(value)
        if isinstance(value, int | float) and raw.isdigit():
            raw = raw.zfill(length)  # Excel drops leading zeros from numbers
        if len(raw) != length or not raw.isdigit():
            raise ValueError(_("must be %(n)d digits") % {"n": length})
        return raw

    return parse


def a_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("is not a date (dd/mm/yyyy)"))


def whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(_("is not a whole number"))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = text(value).replace(".", "").replace(",", "").replace(" ", "")
    if raw.lstrip("-").isdigit():
        return int(raw)
    raise ValueError(_("is not a whole number"))


def a_decimal(value: Any) -> Decimal:
    """A number as Excel stores it, or as text written the Vietnamese way
    (26,8 or 1.234,5) or the English way (26.8 or 1,234.5)."""
    if isinstance(value, bool):
        raise ValueError(_("is not a number"))
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    raw = text(value).replace(" ", "").rstrip("%")
    if "," in raw and "." in raw:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        raw = raw.replace(thousands, "").replace(decimal_mark, ".")
    else:
        raw = raw.replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_("is not a number")) from None
    if not number.is_finite():
        raise ValueError(_("is not a number"))
    return number


def one_of(choices: Iterable[tuple[str, Any]]) -> Callable[[Any], str]:
    """Accept a choice's value or its label (any case, with or without accents)."""
    lookup = {}
    for value, label in choices:
        lookup[_folded_key(value)] = value
        lookup[_folded_key(str(label))] = value

    def parse(cell: Any) -> str:
        key = _folded_key(text(cell))
        if key not in lookup:
            raise ValueError(_("is not one of the allowed values"))
        return lookup[key]

    return parse


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    parse: Callable[[Any], Any] = text
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Change:
    """A value a row would change in a stored record: the field's name, before and after."""

    label: str
    before: str
    after: str


@dataclass
class Row:
    number: int  # the row number in the sheet, as Excel shows it
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # what applying it did, e.g. "confirmed", "skipped: already confirmed"
    changes: list[Change] = field(default_factory=list)  # for a row updating a record: what would change

    @property
    def ok(self) -> bool:
        return not self.errors


def shown_values(obj, names: Iterable[str]) -> dict[str, str]:
    """The fields ``names`` of a model instance as people read them (choices by their
    label, related rows by their name, yes/no), to compare before and after an update."""
    shown = {}
    for name in names:
        model_field = obj._meta.get_field(name)
        if model_field.is_relation:
            value = getattr(obj, name)
        elif model_field.choices:
            value = getattr(obj, f"get_{name}_display")()
        else:
            value = getattr(obj, name)
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        shown[name] = "" if value is None else str(value)
    return shown


def changes_of(before: dict[str, str], obj) -> list[Change]:
    """What changed between ``before`` (``shown_values`` of ``obj`` taken earlier) and ``obj`` now."""
    after = shown_values(obj, before)
    return [
        Change(label=str(obj._meta.get_field(name).verbose_name), before=before[name], after=after[name])
        for name in before
        if before[name] != after[name]
    ]


@dataclass
class ImportReport:
    rows: list[Row]
    applied: bool = False

    @property
    def error_rows(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def valid_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.errors]


# --- bounded reading --------------------------------------------------------------


def _not_a_workbook() -> SpreadsheetError:
    return SpreadsheetError(_("The file is not an Excel workbook (.xlsx)."))


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _size_of(file) -> int:
    size = getattr(file, "size", None)  # an uploaded file knows it
    if size is None:
        size = file.seek(0, io.SEEK_END)
    file.seek(0)
    return size


_ROOT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_SHARED_STRINGS_TAG = re.compile(rb"<(?:[\w.-]+:)?sst\b[^>]*>")
_COUNT = re.compile(rb"""\b(count|uniqueCount)\s*=\s*["'](\d+)["']""")


def check_workbook(file, *, max_rows: int | None = None, max_size: int | None = None) -> None:
    """Refuse an .xlsx that would take more time or memory to read than any import
    needs, by its size, its ZIP directory and the first bytes of each part: it
    unpacks nothing whole, so it stays fast and small whatever the file.
    ``max_rows`` and ``max_size`` default to the settings of the admin's imports."""
    if message := upload_size_error(_size_of(file), limit=max_size):
        raise SpreadsheetError(message)
    try:
        with ZipFile(file) as archive:
            parts = [part for part in archive.infolist() if not part.is_dir()]
            if len(parts) > MAX_PARTS:
                raise SpreadsheetError(
                    _("The workbook has %(count)s parts; at most %(limit)s.")
                    % {"count": _number(len(parts)), "limit": _number(MAX_PARTS)}
                )
            unpacked = sum(part.file_size for part in parts)
            if unpacked > MAX_UNPACKED:
                raise SpreadsheetError(
                    _("The workbook unpacks to %(size)s; at most %(limit)s.")
                    % {"size": filesizeformat(unpacked), "limit": filesizeformat(MAX_UNPACKED)}
                )
            for part in parts:
                _check_part(archive, part, max_rows or settings.SPREADSHEET_MAX_ROWS)
    except _UNREADABLE as exc:
        raise _not_a_workbook() from exc
    finally:
        file.seek(0)


def _check_part(archive: ZipFile, part: ZipInfo, max_rows: int) -> None:
    kind = _part_kind(archive, part, max_rows)
    if kind == b"sst":
        _check_shared_strings(part)
    elif kind and kind != b"worksheet" and part.file_size > MAX_OTHER_XML_PART:
        raise SpreadsheetError(
            _("The part %(part)s of the workbook unpacks to %(size)s; at most %(limit)s.")
            % {
                "part": part.filename,
                "size": filesizeformat(part.file_size),
                "limit": filesizeformat(MAX_OTHER_XML_PART),
            }
        )
    if part.file_size > RATIO_FROM and part.file_size > MAX_PACKING_RATIO * max(part.compress_size, 1):
        raise SpreadsheetError(
            _("The part %(part)s of the workbook unpacks to %(ratio)s times its packed size; at most %(limit)s.")
            % {
                "part": part.filename,
                "ratio": _number(part.file_size // max(part.compress_size, 1)),
                "limit": _number(MAX_PACKING_RATIO),
            }
        )


def _part_kind(archive: ZipFile, part: ZipInfo, max_rows: int) -> bytes:
    """The root element of an XML part (b"worksheet", b"sst"…), or b"" for another
    part (an image…); what its first bytes declare is checked on the way."""
    with archive.open(part) as stream:
        head = stream.read(PEEK)
        text = _utf8(head)
        if not text.lstrip().startswith(b"<"):
            return b""
        root = _ROOT.search(text)
        kind = root.group(1) if root else b"?"
        if kind == b"worksheet":
            while not _DIMENSION.search(text) and b"sheetData" not in text and len(head) < SHEET_PEEK:
                more = stream.read(PEEK)
                if not more:
                    break
                head += more
                text = _utf8(head)
            _check_dimension(text, max_rows)
        elif kind == b"sst":
            _check_shared_strings_count(text, max_rows)
        return kind


def _utf8(head: bytes) -> bytes:
    """The start of an XML part as UTF-8 (Excel writes UTF-8; XML may also be UTF-16)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore").encode("utf-8")
    return head.removeprefix(b"\xef\xbb\xbf")


def _check_dimension(text: bytes, max_rows: int) -> None:
    """Refuse a sheet whose <dimension ref="A1:…"> declares more rows or columns than are read."""
    match = _DIMENSION.search(text)
    if match is None:
        return  # openpyxl finds none either, or further on: the caps hold while reading
    try:
        _min_col, _min_row, max_col, max_row = range_boundaries(match.group(1).decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return
    max_columns = settings.SPREADSHEET_MAX_COLUMNS
    if max_row is not None and max_row > max_rows + HEADER_ROWS:
        raise SpreadsheetError(
            _("The sheet declares %(count)s rows; at most %(limit)s rows are read.")
            % {"count": _number(max_row), "limit": _number(max_rows)}
        )
    if max_col is not None and max_col > max_columns:
        raise SpreadsheetError(
            _("The sheet declares %(count)s columns; at most %(limit)s columns are read.")
            % {"count": _number(max_col), "limit": _number(max_columns)}
        )


def _check_shared_strings_count(text: bytes, max_rows: int) -> None:
    """Refuse shared strings whose <sst> tag declares more strings, or more cells
    using them, than any import reads."""
    tag = _SHARED_STRINGS_TAG.search(text)
    counts = {name: int(value) for name, value in _COUNT.findall(tag.group(0))} if tag else {}
    # uniqueCount is how many strings there are; count, how many cells use one.
    cells = (max_rows + HEADER_ROWS) * settings.SPREADSHEET_MAX_COLUMNS
    for name, limit in ((b"uniqueCount", MAX_SHARED_STRINGS), (b"count", cells)):
        if counts.get(name, 0) > limit:
            raise SpreadsheetError(
                _("The workbook declares %(count)s shared strings; at most %(limit)s.")
                % {"count": _number(counts[name]), "limit": _number(limit)}
            )


def _check_shared_strings(part: ZipInfo) -> None:
    """openpyxl reads the shared strings whole when it opens a workbook."""
    if part.file_size > MAX_SHARED_STRINGS_SIZE:
        raise SpreadsheetError(
            _("The workbook's shared strings unpack to %(size)s; at most %(limit)s.")
            % {"size": filesizeformat(part.file_size), "limit": filesizeformat(MAX_SHARED_STRINGS_SIZE)}
        )


@dataclass(frozen=True)
class SheetCells:
    """What an import reads from a sheet: the cells of its columns (``keys``) in
    every row that is not blank, with the row's number. An admin preview keeps
    them, as JSON, until it is applied; ``read_rows`` parses them either way."""

    keys: tuple[str, ...]
    lines: list[tuple[int, tuple[Any, ...]]]

    def to_json(self) -> dict[str, Any]:
        return {
            "keys": list(self.keys),
            "lines": [[number, *map(_cell_to_json, cells)] for number, cells in self.lines],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SheetCells:
        return cls(
            keys=tuple(data["keys"]),
            lines=[(line[0], tuple(map(_cell_from_json, line[1:]))) for line in data["lines"]],
        )


# openpyxl gives None, bool, int, float, str, datetime, date, time or timedelta.
# JSON keeps the first five; the others, and the floats JSON would not keep
# as floats (infinities; whole numbers, which PostgreSQL gives back as integers),
# are tagged.
_FROM_JSON: dict[str, Callable[[Any], Any]] = {
    "float": float,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "timedelta": lambda microseconds: timedelta(microseconds=microseconds),
}


def _cell_to_json(value: Any) -> Any:
    if isinstance(value, float):
        return {"float": repr(value)} if not math.isfinite(value) or value.is_integer() else value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"timedelta": value // timedelta(microseconds=1)}
    return str(value)


def _cell_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, raw),) = value.items()
        return _FROM_JSON[kind](raw)
    return value


def read_cells(file, columns: list[Column]) -> SheetCells:
    """The cells of ``columns`` in the first sheet of an .xlsx (a path or a binary file)."""
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as handle:
            return read_cells(handle, columns)
    check_workbook(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise _not_a_workbook() from exc
    try:
        return _read_sheet(workbook.worksheets[0], columns)
    except _UNREADABLE as exc:
        raise _not_a_workbook() from exc
    finally:
        workbook.close()


def _blank(cell: Any) -> bool:
    return cell is None or str(cell).strip() == ""


def _find_header(lines, columns: list[Column], max_columns: int) -> tuple[int, dict[str, int]]:
    """Read ``lines`` (numbered rows) up to the header row: its number and where each column is."""
    wanted = {}
    for column in columns:
        wanted[_folded_key(column.header)] = column
        wanted[_folded_key(column.key)] = column
    position: dict[str, int] = {}
    header_number = 0
    for header_number, header in lines:
        _check_width(header, max_columns)
        found = {
            wanted[_folded_key(cell)].key: i for i, cell in enumerate(header) if cell and _folded_key(cell) in wanted
        }
        if found:
            position = found
            break
        if header_number >= HEADER_ROWS:
            break
    missing = [column.header for column in columns if column.required and column.key not in position]
    if not position or missing:
        raise SpreadsheetError(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing or [c.header for c in columns])}
        )
    return header_number, position


def _read_sheet(sheet, columns: list[Column]) -> SheetCells:
    max_rows = settings.SPREADSHEET_MAX_ROWS
    max_columns = settings.SPREADSHEET_MAX_COLUMNS
    lines = enumerate(sheet.iter_rows(values_only=True), start=1)
    header_number, position = _find_header(lines, columns, max_columns)
    keys = tuple(position)
    indexes = [position[key] for key in keys]
    kept = []
    data = 0
    for number, line in lines:
        if number - header_number > max_rows:
            raise SpreadsheetError(_("At most %(n)d rows per file.") % {"n": max_rows})
        _check_width(line, max_columns)
        if not line or all(_blank(cell) for cell in line):
            continue
        cells = tuple(_kept(line[index]) if index < len(line) else None for index in indexes)
        data += sum(len(cell) if isinstance(cell, str) else 8 for cell in cells) + 8
        if data > MAX_CELL_DATA:
            raise SpreadsheetError(
                _("The file holds more than %(limit)s of data in the columns read: split it.")
                % {"limit": filesizeformat(MAX_CELL_DATA)}
            )
        kept.append((number, cells))
    return SheetCells(keys=keys, lines=kept)


def _check_width(line: tuple[Any, ...], max_columns: int) -> None:
    # openpyxl pads every row to the sheet's width (its <dimension>, checked
    # before), or else gives each row up to its last cell.
    if len(line) > max_columns:
        raise SpreadsheetError(_("The sheet has more than %(limit)s columns.") % {"limit": _number(max_columns)})


def _kept(cell: Any) -> Any:
    # XML cannot hold a NUL, but openpyxl unescapes "_x0000_"; PostgreSQL's JSON cannot store one.
    return cell.replace("\x00", "") if isinstance(cell, str) and "\x00" in cell else cell


def read_rows(file, columns: list[Column]) -> list[Row]:
    """Parse the first sheet of an uploaded .xlsx into rows, one message per bad cell.

    ``file`` may also be the ``SheetCells`` read from it before (an admin preview
    being applied): its cells are parsed again, without opening the workbook."""
    cells = file if isinstance(file, SheetCells) else read_cells(file, columns)
    if not set(cells.keys) <= {column.key for column in columns}:
        raise SpreadsheetError(_("The file was read for another import."))
    return [parse_row(columns, number, dict(zip(cells.keys, line, strict=True))) for number, line in cells.lines]


def parse_row(columns: list[Column], number: int, found: dict[str, Any]) -> Row:
    """The row numbered ``number`` from its cells by column key: every value
    parsed, and a message per bad or missing cell."""
    row = Row(number=number, values={})
    for column in columns:
        cell = found.get(column.key)
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if column.required:
                row.errors.append(_("%(column)s: required") % {"column": column.header})
            row.values[column.key] = None
            continue
        try:
            row.values[column.key] = column.parse(cell)
        except ValueError as exc:
            row.errors.append(f"{column.header}: {exc}")
            row.values[column.key] = None
    return row


# --- streaming a large file (CSV or .xlsx) ------------------------------------------


def is_workbook(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a ZIP (an .xlsx) rather than text (CSV)."""
    return head.startswith(b"PK\x03\x04")


def _csv_lines(file) -> Iterator[tuple[int, list[str]]]:
    """The numbered rows of a CSV file (UTF-8, with or without its mark, or UTF-16 with
    its mark); the delimiter (comma, semicolon or tab) is the one the first line uses most."""
    head = file.read(4)
    file.seek(0)
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    text = io.TextIOWrapper(file, encoding=encoding, errors="strict", newline="")
    try:
        first = text.readline()
        text.seek(0)
        delimiter = max(",;\t", key=first.count)
        yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(_("The file is neither an Excel workbook (.xlsx) nor a UTF-8 CSV file.")) from exc
    except csv.Error as exc:
        raise SpreadsheetError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def stream_rows(file, columns: list[Column], *, max_rows: int, max_size: int) -> Iterator[Row]:
    """Parse a CSV file or the first sheet of an .xlsx (a binary file) row by row,
    without holding it whole: the blank rows are skipped, and each other row comes
    parsed (``parse_row``). Raises SpreadsheetError, perhaps midway, when the file
    cannot be read, lacks columns or holds more than ``max_rows`` rows."""
    head = file.read(4)
    file.seek(0)
    max_columns = settings.SPREADSHEET_MAX_COLUMNS
    workbook = None
    if is_workbook(head):
        check_workbook(file, max_rows=max_rows, max_size=max_size)
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
            lines = enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
        except _UNREADABLE as exc:
            raise _not_a_workbook() from exc
    else:
        if message := upload_size_error(_size_of(file), limit=max_size):
            raise SpreadsheetError(message)
        lines = _csv_lines(file)
    try:
        header_number, position = _find_header(lines, columns, max_columns)
        for number, line in lines:
            if number - header_number > max_rows:
                raise SpreadsheetError(_("At most %(n)s rows per file.") % {"n": _number(max_rows)})
            _check_width(line, max_columns)
            if not line or all(_blank(cell) for cell in line):
                continue
            found = {key: _kept(line[index]) if index < len(line) else None for key, index in position.items()}
            yield parse_row(columns, number, found)
    except _UNREADABLE as exc:
        if workbook is None:
            raise
        raise _not_a_workbook() from exc
    finally:
        if workbook is not None:
            workbook.close()


def template_workbook(columns: list[Column], *, title: str, example: list[Any] | None = None) -> bytes:
    """An empty import template: the header row (after the STT column, which an
    import ignores), and an example row when given; laid out to print like every
    workbook the app writes (``core.workbooks``)."""
    buffer = io.BytesIO()
    with WorkbookWriter(buffer) as book:
        sheet = book.sheet(title, columns=[WorkbookColumn(column.header, width=14) for column in columns])
        if example:
            sheet.append(example)
    return buffer.getvalue()
