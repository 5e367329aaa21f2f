"""The workbook writer keeps users' text as text: whatever a sheet is given, no cell is a formula."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core.workbooks import COUNT, DATE, Column, WorkbookWriter, formula_like
from tests.workbooks import AT, FORMULA_LIKE, HYPERLINK, MINUS, PLUS, TAB, WEBSERVICE, assert_written_as_text, formulas

TEXT = "@"


def saved(book: WorkbookWriter) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_text_a_spreadsheet_reads_as_a_formula_is_told_apart():
    assert all(formula_like(text) for text in FORMULA_LIKE)
    assert formula_like("\r=1+1")
    assert not any(formula_like(value) for value in ("", "Nguyễn Văn An", "a=b", "1-2", " =1", -5, None, Decimal(-2)))


def test_formula_like_text_is_written_as_the_text_it_is_in_every_kind_of_cell():
    book = WorkbookWriter()
    columns = [Column("Tên", 20), Column("Mã", 12, TEXT), Column("Số", 10, COUNT)]
    sheet = book.sheet("Dữ liệu", columns=[*columns, Column(WEBSERVICE)], titles=[HYPERLINK, "Tiêu đề"])
    sheet.append([HYPERLINK, PLUS, MINUS])  # a plain column, a text-formatted one, a number-formatted one
    sheet.append([AT, TAB, WEBSERVICE])
    sheet.append_styled([MINUS, HYPERLINK, AT], bold=True)  # a totals row
    sheet.append_styled([PLUS, None, None], indent={0: 2}, data=True)

    content = saved(book)

    assert_written_as_text(
        content,
        {
            ("Dữ liệu", "A1"): HYPERLINK,  # a title line
            ("Dữ liệu", "D3"): WEBSERVICE,  # a header
            ("Dữ liệu", "A4"): HYPERLINK,
            ("Dữ liệu", "B4"): PLUS,
            ("Dữ liệu", "C4"): MINUS,
            ("Dữ liệu", "A5"): AT,
            ("Dữ liệu", "B5"): TAB,
            ("Dữ liệu", "C5"): WEBSERVICE,
            ("Dữ liệu", "A6"): MINUS,
            ("Dữ liệu", "B6"): HYPERLINK,
            ("Dữ liệu", "C6"): AT,
            ("Dữ liệu", "A7"): PLUS,
        },
    )
    reopened = load_workbook(io.BytesIO(content))["Dữ liệu"]
    # The cells keep their own look: bold title and totals, the column's format, the indent.
    assert reopened["A1"].font.b and reopened["A6"].font.b and reopened["B6"].font.b
    assert reopened["B4"].number_format == TEXT and reopened["C4"].number_format == COUNT
    assert reopened["A7"].alignment.indent == 2


def test_a_carriage_return_in_front_does_not_make_a_formula_either():
    book = WorkbookWriter()
    sheet = book.sheet("Dữ liệu", columns=[Column("Tên"), Column("Mã", 12, TEXT)])
    sheet.append(["\r=1+1", "\r@SUM(A1)"])

    content = saved(book)

    reopened = load_workbook(io.BytesIO(content))["Dữ liệu"]
    # XML reads a bare carriage return back as a line feed: the text is otherwise the same.
    assert [(cell.data_type, cell.value.lstrip("\r\n"), cell.quotePrefix) for cell in reopened[2]] == [
        ("s", "=1+1", True),
        ("s", "@SUM(A1)", True),
    ]
    assert formulas(content) == []


def test_numbers_and_dates_stay_numbers_and_dates_and_other_text_stays_plain():
    book = WorkbookWriter()
    columns = [Column("Tên"), Column("Số"), Column("Tiền", 12, COUNT), Column("Ngày", 12, DATE), Column("Lúc")]
    sheet = book.sheet("Dữ liệu", columns=columns)
    sheet.append(["Nguyễn Văn An", -5, Decimal("-2500000"), date(2024, 5, 1), datetime(2024, 5, 1, 17, 0)])
    sheet.append(["a=b", -0.25, -3, None, None])

    content = saved(book)

    reopened = load_workbook(io.BytesIO(content))["Dữ liệu"]
    assert [(cell.data_type, cell.value) for cell in reopened[2]] == [
        ("s", "Nguyễn Văn An"),
        ("n", -5),
        ("n", -2500000),
        ("d", datetime(2024, 5, 1)),
        ("d", datetime(2024, 5, 1, 17, 0)),
    ]
    assert [(cell.data_type, cell.value) for cell in reopened[3]][:3] == [("s", "a=b"), ("n", -0.25), ("n", -3)]
    assert not any(cell.quotePrefix for row in reopened.iter_rows() for cell in row)


def test_a_formatted_column_keeps_its_format_for_the_rows_after_a_text():
    book = WorkbookWriter()
    sheet = book.sheet("Dữ liệu", columns=[Column("Số", 10, COUNT)])
    sheet.append([PLUS])
    for n in range(200):
        sheet.append([-n])

    content = saved(book)

    reopened = load_workbook(io.BytesIO(content))["Dữ liệu"]
    assert (reopened["A2"].data_type, reopened["A2"].value, reopened["A2"].quotePrefix) == ("s", PLUS, True)
    assert (reopened["A3"].value, reopened["A202"].value) == (0, -199)
    assert reopened["A202"].number_format == COUNT and not reopened["A202"].quotePrefix
    assert len(book.workbook._cell_styles) <= 4  # default, header, the format, the format as text


def test_a_sheet_made_on_the_writers_workbook_directly_keeps_text_too():
    book = WorkbookWriter()
    raw = book.workbook.create_sheet("Khác")
    raw.append([HYPERLINK, -1])

    content = saved(book)

    assert_written_as_text(content, {("Khác", "A1"): HYPERLINK})
    assert load_workbook(io.BytesIO(content))["Khác"]["B1"].value == -1


@pytest.mark.parametrize("write_only", [True, False])
def test_the_check_finds_the_formula_a_stock_workbook_writes(write_only):
    stock = Workbook(write_only=write_only)
    sheet = stock.create_sheet("Dữ liệu") if write_only else stock.active
    sheet.append(["An", HYPERLINK])
    buffer = io.BytesIO()
    stock.save(buffer)

    assert formulas(buffer.getvalue()) == [f"{sheet.title}!B1"]
