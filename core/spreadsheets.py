"""Reading Excel imports row by row, and the report every import gives back.

An import declares its ``Column``s; ``read_rows`` matches the header row by the
column's Vietnamese header or its key (ignoring case, accents and spacing),
parses every cell and collects a message per bad cell, so that the report can
say, row by row, what is wrong. Nothing here writes to the database.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

MAX_ROWS = 100_000


class SpreadsheetError(Exception):
    """The file as a whole cannot be read (not a workbook, no header, missing columns)."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("_", " ").strip()


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


@dataclass
class Row:
    number: int  # the row number in the sheet, as Excel shows it
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # what applying it did, e.g. "confirmed", "skipped: already confirmed"

    @property
    def ok(self) -> bool:
        return not self.errors


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


def read_rows(file, columns: list[Column]) -> list[Row]:
    """Parse the first sheet of an uploaded .xlsx into rows, one message per bad cell."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise SpreadsheetError(_("The file is not an Excel workbook (.xlsx).")) from exc
    sheet = workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    wanted = {}
    for column in columns:
        wanted[_folded_key(column.header)] = column
        wanted[_folded_key(column.key)] = column
    position: dict[str, int] = {}
    header_number = 0
    for header_number, header in enumerate(lines, start=1):
        found = {
            wanted[_folded_key(cell)].key: i for i, cell in enumerate(header) if cell and _folded_key(cell) in wanted
        }
        if found:
            position = found
            break
        if header_number >= 10:
            break
    missing = [column.header for column in columns if column.required and column.key not in position]
    if not position or missing:
        workbook.close()
        raise SpreadsheetError(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing or [c.header for c in columns])}
        )
    rows = []
    for number, line in enumerate(lines, start=header_number + 1):
        if len(rows) >= MAX_ROWS:
            workbook.close()
            raise SpreadsheetError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
        if line is None or all(cell is None or str(cell).strip() == "" for cell in line):
            continue
        row = Row(number=number, values={})
        for column in columns:
            index = position.get(column.key)
            cell = line[index] if index is not None and index < len(line) else None
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
        rows.append(row)
    workbook.close()
    return rows


def template_workbook(columns: list[Column], *, title: str, example: list[Any] | None = None) -> bytes:
    """An empty import template: the header row, and an example row when given."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([column.header for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(14, len(column.header) + 4)
    if example:
        sheet.append(example)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
