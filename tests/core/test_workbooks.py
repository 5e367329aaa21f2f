"""The workbook writer keeps users' text as text: whatever a sheet is given, no cell is a formula."""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core.workbooks import COUNT, DATE, Column, WorkbookWriter, formula_like
from tests.workbooks import (
    AT,
    FORMULA_LIKE,
    HYPERLINK,
    MINUS,
    PLUS,
    TAB,
    WEBSERVICE,
    assert_written_as_text,
    cell_formats,
    formulas,
)

TEXT = "@"


def saved(fill) -> bytes:
    """The workbook ``fill(book)`` writes."""
    buffer = io.BytesIO()
    with WorkbookWriter(buffer) as book:
        fill(book)
    return buffer.getvalue()


def test_text_a_spreadsheet_reads_as_a_formula_is_told_apart():
    assert all(formula_like(text) for text in FORMULA_LIKE)
    assert formula_like("\r=1+1")
    assert not any(formula_like(value) for value in ("", "Nguyễn Văn An", "a=b", "1-2", " =1", -5, None, Decimal(-2)))


def test_formula_like_text_is_written_as_the_text_it_is_in_every_kind_of_cell():
    def fill(book):
        columns = [Column("Tên", 20), Column("Mã", 12, TEXT), Column("Số", 10, COUNT)]
        sheet = book.sheet("Dữ liệu", columns=[*columns, Column(WEBSERVICE)], titles=[HYPERLINK, "Tiêu đề"])
        sheet.append([HYPERLINK, PLUS, MINUS])  # a plain column, a text-formatted one, a number-formatted one
        sheet.append([AT, TAB, WEBSERVICE])
        sheet.append_styled([MINUS, HYPERLINK, AT], bold=True)  # a totals row
        sheet.append_styled([PLUS, None, None], indent={0: 2}, data=True, number="-1.1")
        grouped = book.sheet("Nhóm", columns=[Column("Thực hiện", group=AT), Column("Chỉ tiêu", group=AT)])
        grouped.append([1, 2])

    content = saved(fill)

    assert_written_as_text(
        content,
        {
            ("Dữ liệu", "A1"): HYPERLINK,  # a title line
            ("Dữ liệu", "E3"): WEBSERVICE,  # a header
            ("Dữ liệu", "B4"): HYPERLINK,
            ("Dữ liệu", "C4"): PLUS,
            ("Dữ liệu", "D4"): MINUS,
            ("Dữ liệu", "B5"): AT,
            ("Dữ liệu", "C5"): TAB,
            ("Dữ liệu", "D5"): WEBSERVICE,
            ("Dữ liệu", "B6"): MINUS,
            ("Dữ liệu", "C6"): HYPERLINK,
            ("Dữ liệu", "D6"): AT,
            ("Dữ liệu", "A7"): "-1.1",  # a row's own number
            ("Dữ liệu", "B7"): PLUS,
            ("Nhóm", "B1"): AT,  # a group heading
        },
    )
    reopened = load_workbook(io.BytesIO(content))["Dữ liệu"]
    # The cells keep their own look: bold title and totals, the column's format, the indent.
    assert reopened["A1"].font.b and reopened["B6"].font.b and reopened["C6"].font.b
    assert reopened["C4"].number_format == TEXT and reopened["D4"].number_format == COUNT
    assert reopened["B7"].alignment.indent == 2
    assert [reopened["A4"].value, reopened["A5"].value, reopened["A6"].value] == [1, 2, None]  # STT


def test_a_carriage_return_in_front_does_not_make_a_formula_either():
    def fill(book):
        sheet = book.sheet("Dữ liệu", columns=[Column("Tên"), Column("Mã", 12, TEXT)], numbered=False)
        sheet.append(["\r=1+1", "\r@SUM(A1)"])

    content = saved(fill)

    reopened = load_workbook(io.BytesIO(content))["Dữ liệu"]
    # The carriage return is stored escaped as OOXML says ("_x000D_", which Excel reads
    # back as the character and openpyxl leaves as it is): the text is otherwise the same.
    assert [(cell.data_type, cell.value.removeprefix("_x000D_"), cell.quotePrefix) for cell in reopened[2]] == [
        ("s", "=1+1", True),
        ("s", "@SUM(A1)", True),
    ]
    assert formulas(content) == []


def test_numbers_and_dates_stay_numbers_and_dates_and_other_text_stays_plain():
    def fill(book):
        columns = [Column("Tên"), Column("Số"), Column("Tiền", 12, COUNT), Column("Ngày", 12, DATE), Column("Lúc")]
        sheet = book.sheet("Dữ liệu", columns=columns, numbered=False)
        sheet.append(["Nguyễn Văn An", -5, Decimal("-2500000"), date(2024, 5, 1), datetime(2024, 5, 1, 17, 0)])
        sheet.append(["a=b", -0.25, -3, None, None])

    content = saved(fill)

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
    def fill(book):
        sheet = book.sheet("Dữ liệu", columns=[Column("Số", 10, COUNT)], numbered=False)
        sheet.append([PLUS])
        for n in range(200):
            sheet.append([-n])

    content = saved(fill)

    reopened = load_workbook(io.BytesIO(content))["Dữ liệu"]
    assert (reopened["A2"].data_type, reopened["A2"].value, reopened["A2"].quotePrefix) == ("s", PLUS, True)
    assert (reopened["A3"].value, reopened["A202"].value) == (0, -199)
    assert reopened["A202"].number_format == COUNT and not reopened["A202"].quotePrefix
    assert cell_formats(content) <= 6  # default, hyperlink, header (and quoted), the format (and quoted)


def test_a_cell_written_on_the_bare_worksheet_is_no_formula_either():
    def fill(book):
        book.sheet("Dữ liệu", columns=[Column("Tên")])
        book.workbook.add_worksheet("Khác").write_row(0, 0, [HYPERLINK, -1])

    content = saved(fill)

    assert formulas(content) == []
    reopened = load_workbook(io.BytesIO(content))["Khác"]
    assert (reopened["A1"].data_type, reopened["A1"].value, reopened["B1"].value) == ("s", HYPERLINK, -1)


def test_a_workbook_given_up_halfway_leaves_no_temporary_file(tmp_path):
    output = tmp_path / "ranking.xlsx"
    book = WorkbookWriter(str(output))
    folder = book._tmpdir.name
    with pytest.raises(RuntimeError), book:
        sheet = book.sheet("Dữ liệu", columns=[Column("Số", 10, COUNT)])
        for n in range(5000):
            sheet.append([n])
        raise RuntimeError("the database went away")

    assert not os.path.exists(folder)
    assert not output.exists()


@pytest.mark.parametrize("write_only", [True, False])
def test_the_check_finds_the_formula_a_stock_workbook_writes(write_only):
    stock = Workbook(write_only=write_only)
    sheet = stock.create_sheet("Dữ liệu") if write_only else stock.active
    sheet.append(["An", HYPERLINK])
    buffer = io.BytesIO()
    stock.save(buffer)

    assert formulas(buffer.getvalue()) == [f"{sheet.title}!B1"]
