"""Workbooks built part by part, to hold what no spreadsheet program writes: a
sheet of forty million empty rows, shared strings that unpack to gigabytes.

Each starts from a workbook openpyxl saves with a header row, given shared
strings (openpyxl writes its strings inline; Excel shares them), and replaces
some of its parts with chunks written straight into the ZIP, so that a part of
hundreds of megabytes is never held in memory whole.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook

MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
HEADER = "Số biên lai"


def parts_of_a_workbook(rows=()) -> dict[str, bytes]:
    """The parts of an ordinary workbook: the header, then ``rows``, and a shared
    strings part holding the header (string 0)."""
    book = Workbook()
    book.active.append([HEADER])
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {part.filename: archive.read(part) for part in archive.infolist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    parts[SHARED_STRINGS] = b"".join(shared_strings([]))
    return parts


def write_workbook(target: Path | io.BytesIO, replaced: dict[str, Iterable[bytes]], *, rows=()) -> None:
    """An ordinary workbook whose parts named in ``replaced`` are written from the chunks given."""
    parts = parts_of_a_workbook(rows)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name not in replaced:
                archive.writestr(name, data)
        for name, chunks in replaced.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)


def crafted(replaced: dict[str, Iterable[bytes]], *, rows=()) -> io.BytesIO:
    buffer = io.BytesIO()
    write_workbook(buffer, replaced, rows=rows)
    buffer.seek(0)
    buffer.name = "crafted.xlsx"
    return buffer


def repeated(chunk: bytes, times: int, *, block: int = 1_000_000) -> Iterator[bytes]:
    """``chunk`` ``times`` times, a block at a time."""
    whole, rest = divmod(times, block)
    for _ in range(whole):
        yield chunk * block
    yield chunk * rest


def sheet(rows: Iterable[bytes], *, dimension: str | None) -> Iterator[bytes]:
    """A worksheet part: its <dimension ref=…> when given, then the rows."""
    yield b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ' + MAIN + b">"
    if dimension is not None:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    yield b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    yield from rows
    yield b"</sheetData></worksheet>"


def shared_strings(strings: Iterable[bytes], *, counts: str = "") -> Iterator[bytes]:
    """A shared strings part: the header first (the sheet uses string 0), then ``strings``,
    each already wrapped in <si>; ``counts`` is what the <sst> tag declares."""
    yield b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst ' + MAIN + b" " + counts.encode() + b">"
    yield f"<si><t>{HEADER}</t></si>".encode()
    yield from strings
    yield b"</sst>"
