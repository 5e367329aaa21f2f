"""The spreadsheet reader stays within bounds whatever the file: crafted workbooks
are refused, quickly and in little memory, with a message naming the limit, and
what it reads survives the trip through JSON that a preview makes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from openpyxl import Workbook

from core.spreadsheets import (
    MAX_CELL_DATA,
    MAX_OTHER_XML_PART,
    MAX_SHARED_STRINGS,
    MAX_SHARED_STRINGS_SIZE,
    Column,
    SheetCells,
    SpreadsheetError,
    a_date,
    read_cells,
    read_rows,
    template_workbook,
    text,
    whole_number,
)
from tests.core.crafted_workbooks import (
    HEADER,
    SHARED_STRINGS,
    SHEET,
    crafted,
    repeated,
    shared_strings,
    sheet,
    write_workbook,
)
from tests.spreadsheets import upload
from tests.workbooks import HYPERLINK, PLUS, assert_laid_out_to_print, assert_written_as_text

PROJECT_DIR = Path(__file__).resolve().parents[2]
COLUMNS = [Column("receipt_no", HEADER)]
FORTY_MILLION = 40_000_000


def grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def refusal(file, columns=COLUMNS) -> str:
    with pytest.raises(SpreadsheetError) as refused:
        read_rows(file, columns)
    return str(refused.value)


# --- bombs: refused in under 2 s and 200 MB, measured in a process of their own ---------

# Reads the file named on the command line as an import would, and tells what
# came of it, how long it took and how much the process's peak memory grew.
MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    import django
    django.setup()
    from core.spreadsheets import Column, SpreadsheetError, read_rows
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        rows = read_rows(sys.argv[1], [Column("receipt_no", sys.argv[2])])
    except SpreadsheetError as exc:
        outcome = {"refused": str(exc)}
    else:
        outcome = {"rows": len(rows)}
    outcome["seconds"] = time.perf_counter() - start
    outcome["grown_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps(outcome))
    """
)


def measured(path: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "emulation_config.settings"}
    # The command is this interpreter and code written in this file: nothing untrusted.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEASURE, str(path), HEADER],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_refused_fast_and_small(outcome: dict) -> None:
    assert "refused" in outcome, outcome
    assert outcome["seconds"] < 2, outcome
    assert outcome["grown_mb"] < 200, outcome


def test_a_sheet_declaring_forty_million_rows_is_refused_fast_and_small(tmp_path):
    path = tmp_path / "rows.xlsx"
    write_workbook(path, {SHEET: sheet(repeated(b"<row/>", FORTY_MILLION), dimension=f"A1:XFD{FORTY_MILLION}")})
    assert path.stat().st_size < 1024 * 1024  # forty million rows pack into a few hundred kilobytes

    outcome = measured(path)

    assert_refused_fast_and_small(outcome)
    assert grouped(FORTY_MILLION) in outcome["refused"]


def test_forty_million_empty_rows_without_a_dimension_are_refused_fast_and_small(tmp_path):
    path = tmp_path / "rows.xlsx"
    write_workbook(path, {SHEET: sheet(repeated(b"<row/>", FORTY_MILLION), dimension=None)})

    outcome = measured(path)

    assert_refused_fast_and_small(outcome)
    assert SHEET in outcome["refused"]  # unpacks to hundreds of times its packed size


def test_a_shared_strings_bomb_is_refused_fast_and_small(tmp_path):
    path = tmp_path / "strings.xlsx"
    write_workbook(path, {SHARED_STRINGS: shared_strings(repeated(b"<si><t>ab</t></si>", 10_000_000))})

    outcome = measured(path)

    assert_refused_fast_and_small(outcome)
    assert filesizeformat(MAX_SHARED_STRINGS_SIZE) in outcome["refused"]


def test_the_measure_tells_an_ordinary_workbook_from_a_refused_one(tmp_path):
    path = tmp_path / "ordinary.xlsx"
    path.write_bytes(upload([[HEADER], *([f"BL-{i}"] for i in range(1000))]).getvalue())

    assert measured(path)["rows"] == 1000


# --- what the archive declares ----------------------------------------------------------


def test_shared_strings_over_their_size_are_refused_however_loosely_packed(settings):
    settings.UPLOAD_MAX_SIZE = 64 * 1024 * 1024
    strings = (b"<si><t>%09d</t></si>" % i for i in range(MAX_SHARED_STRINGS_SIZE // 20 + 1))
    file = crafted({SHARED_STRINGS: shared_strings(strings)})

    message = refusal(file)

    assert filesizeformat(MAX_SHARED_STRINGS_SIZE) in message


def test_shared_strings_declaring_more_strings_than_the_bound_are_refused():
    declared = f'count="1" uniqueCount="{MAX_SHARED_STRINGS + 1}"'
    message = refusal(crafted({SHARED_STRINGS: shared_strings([], counts=declared)}))
    assert grouped(MAX_SHARED_STRINGS) in message


def test_a_sheet_declaring_more_rows_than_are_read_is_refused_naming_the_cap(settings):
    settings.SPREADSHEET_MAX_ROWS = 1000
    file = crafted({SHEET: sheet([b"<row><c t='s'><v>0</v></c></row>"], dimension="A1:B5000")})
    message = refusal(file)
    assert grouped(5000) in message
    assert grouped(1000) in message


def test_a_sheet_declaring_more_columns_than_are_read_is_refused_naming_the_cap():
    message = refusal(crafted({SHEET: sheet([], dimension="A1:XFD2")}))
    assert grouped(16384) in message
    assert "200" in message


def test_another_xml_part_over_its_bound_is_refused():
    styles = [b'<?xml version="1.0"?><styleSheet>', b" " * (MAX_OTHER_XML_PART + 1), b"</styleSheet>"]
    message = refusal(crafted({"xl/styles.xml": styles}))
    assert "xl/styles.xml" in message
    assert filesizeformat(MAX_OTHER_XML_PART) in message


def test_a_file_over_the_upload_limit_is_refused_before_it_is_opened(settings):
    settings.UPLOAD_MAX_SIZE = 4096
    file = upload([[HEADER], *([f"BL-{i}"] for i in range(2000))])
    assert len(file.getvalue()) > 4096

    message = refusal(file)

    assert filesizeformat(4096) in message


def test_a_file_that_is_not_a_zip_is_not_an_excel_workbook():
    assert "xlsx" in refusal(io.BytesIO(b"PK\x03\x04 not really a zip"))


# --- what the sheet holds -----------------------------------------------------------------


def test_rows_beyond_the_cap_are_refused_naming_it(settings):
    settings.SPREADSHEET_MAX_ROWS = 5
    assert len(read_rows(upload([[HEADER], *([f"BL-{i}"] for i in range(5))]), COLUMNS)) == 5

    message = refusal(upload([[HEADER], *([f"BL-{i}"] for i in range(6))]))

    assert "5" in message


def test_blank_rows_are_read_too_and_count_towards_the_cap(settings):
    settings.SPREADSHEET_MAX_ROWS = 5
    file = crafted({SHEET: sheet([b"<row/>"] * 5 + [b"<row><c t='s'><v>0</v></c></row>"], dimension=None)})
    assert "5" in refusal(file)


def test_a_row_wider_than_the_cap_is_refused_when_the_sheet_declares_no_width(settings):
    settings.SPREADSHEET_MAX_COLUMNS = 20
    wide = b"<row><c r='A2' t='s'><v>0</v></c><c r='Z2' t='s'><v>0</v></c></row>"
    assert "20" in refusal(crafted({SHEET: sheet([wide], dimension=None)}))


def test_cell_data_beyond_the_bound_is_refused():
    # One long shared string used by every row: a small file that reads to much more.
    long_text = b"x" * 30_000
    rows = MAX_CELL_DATA // len(long_text) + 1
    file = crafted(
        {
            SHARED_STRINGS: shared_strings([b"<si><t>" + long_text + b"</t></si>"]),
            SHEET: sheet(repeated(b'<row><c t="s"><v>1</v></c></row>', rows), dimension=None),
        }
    )
    assert len(file.getvalue()) < 1024 * 1024

    message = refusal(file)

    assert filesizeformat(MAX_CELL_DATA) in message


def test_an_ordinary_workbook_is_read_whole_with_its_row_numbers():
    columns = [Column("receipt_no", HEADER), Column("amount", "Số tiền", whole_number)]
    rows = read_rows(
        upload([["Ghi chú"], [HEADER, "Số tiền"], *([f"BL-{i}", 1000 + i] for i in range(20_000))]), columns
    )
    assert len(rows) == 20_000
    assert (rows[0].number, rows[0].values) == (3, {"receipt_no": "BL-0", "amount": 1000})
    assert (rows[-1].number, rows[-1].values) == (20_002, {"receipt_no": "BL-19999", "amount": 20_999})


# --- the cells a preview keeps --------------------------------------------------------------


def test_every_kind_of_cell_comes_back_the_same_from_json():
    values = [
        None,
        True,
        42,
        2**70,
        0.25,
        3.0,
        1e20,
        float("inf"),
        "Nguyễn Văn An",
        datetime(2024, 5, 17, 8, 30, 15, 250),
        date(1990, 5, 17),
        time(7, 45),
        timedelta(hours=36, microseconds=5),
    ]
    cells = SheetCells(keys=("value",), lines=[(number, (value,)) for number, value in enumerate(values, start=2)])

    again = SheetCells.from_json(json.loads(json.dumps(cells.to_json(), allow_nan=False)))

    assert again == cells
    assert [type(cell) for _number, (cell,) in again.lines] == [type(value) for value in values]


def test_rows_parsed_from_the_kept_cells_are_the_rows_parsed_from_the_file():
    columns = [
        Column("receipt_no", HEADER),
        Column("day", "Ngày", a_date),
        Column("note", "Ghi chú", text, required=False),
    ]
    book = Workbook()
    book.active.append([HEADER, "Ngày", "Ghi chú", "Cột khác"])
    book.active.append(["BL-1", datetime(2024, 5, 17), "  hai   dấu cách ", "bỏ qua"])
    book.active.append(["BL-2", "17/05/2024", None, None])
    book.active.append([None, None, None, "chỉ cột khác"])  # not blank: the row is reported
    book.active.append(["BL-3", "hôm qua", 3.0, None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)

    cells = read_cells(buffer, columns)
    buffer.seek(0)
    from_file = read_rows(buffer, columns)
    from_cells = read_rows(SheetCells.from_json(json.loads(json.dumps(cells.to_json()))), columns)

    assert from_cells == from_file
    assert [row.number for row in from_file] == [2, 3, 4, 5]
    assert from_file[0].values == {"receipt_no": "BL-1", "day": date(2024, 5, 17), "note": "hai dấu cách"}
    assert from_file[2].errors and from_file[3].errors
    assert from_file[3].values["note"] == "3"


def test_cells_read_for_one_import_are_refused_by_another():
    cells = SheetCells(keys=("personal_id",), lines=[(2, ("049090123456",))])
    with pytest.raises(SpreadsheetError):
        read_rows(cells, COLUMNS)


def test_an_import_template_never_holds_a_formula():
    content = template_workbook(
        [Column(key="name", header=HYPERLINK), Column(key="note", header="Ghi chú")],
        title="Mẫu",
        example=[PLUS, "-2+3"],
    )
    # After the row number (STT), which an import ignores.
    assert_written_as_text(content, {("Mẫu", "B1"): HYPERLINK, ("Mẫu", "B2"): PLUS, ("Mẫu", "C2"): "-2+3"})


def test_an_import_template_filled_in_is_read_back_its_row_number_ignored():
    columns = [Column(key="receipt_no", header="Số biên lai"), Column(key="note", header="Ghi chú", required=False)]
    content = template_workbook(columns, title="Mẫu", example=["BL-0001", "Đã xác nhận"])
    file = io.BytesIO(content)
    file.name = "mau.xlsx"

    rows = read_rows(file, columns)

    assert [(row.values, row.errors) for row in rows] == [({"receipt_no": "BL-0001", "note": "Đã xác nhận"}, [])]
    assert_laid_out_to_print(content)
