"""Workbooks for import tests, built with openpyxl as a user's Excel would save them."""

from __future__ import annotations

import io

from openpyxl import Workbook


def upload(rows, *, headers=None, name: str = "upload.xlsx") -> io.BytesIO:
    """An .xlsx file holding ``headers`` (if given) then ``rows``, ready to post or read."""
    book = Workbook()
    if headers:
        book.active.append(list(headers))
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer
