"""The shipped Word templates of the award dossier, written with python-docx in
the official layout of Vietnamese administrative documents (Decree
30/2020/NĐ-CP): A4, margins top and bottom 20 mm, left 30 mm, right 15 mm,
Times New Roman 14 pt; the national motto header beside the issuing body and
the number and symbol; place and date; the title; the body; the recipients
(Nơi nhận) beside the signature block.

The templates carry Jinja tags (docxtpl) that ``awards.documents.context``
fills; ``manage.py build_document_templates`` writes them again into
``awards/documents/shipped/``, where they are committed. An office that wants
another wording edits a copy in Word and uploads it (``DocumentTemplate``).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

SHIPPED = Path(__file__).resolve().parent / "shipped"
FONT = "Times New Roman"
BODY_PT = 14
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT

# The annex list: STT, name, unit, distinction, amount; widths in mm (165 mm between the margins).
ANNEX_COLUMNS = (
    ("STT", 12, "{{ row.number }}", CENTER),
    ("Họ và tên / Tên tập thể", 45, "{{ row.name }}", LEFT),
    ("Đơn vị", 43, "{{ row.unit }}", LEFT),
    ("Hình thức khen thưởng", 35, "{{ row.distinction }}", LEFT),
    ("Số tiền (đồng)", 30, "{{ row.amount }}", WD_ALIGN_PARAGRAPH.RIGHT),
)


def _font(run, *, size=BODY_PT, bold=False, italic=False, underline=False):
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    return run


def _paragraph(container, text="", *, align=JUSTIFY, size=BODY_PT, bold=False, italic=False, indent=True, after=6):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.space_before = Pt(0)
    if indent and align == JUSTIFY:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    if text:
        _font(paragraph.add_run(text), size=size, bold=bold, italic=italic)
    return paragraph


def _document() -> Document:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    return document


def _widths(table, *widths_mm: float) -> None:
    """Fixed column widths (Word otherwise fits the columns to their text)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _article(document, number: str, text: str) -> None:
    """An article of a decision: "Điều 1." in bold, then its text."""
    paragraph = _paragraph(document)
    _font(paragraph.add_run(f"{number} "), bold=True)
    _font(paragraph.add_run(text))


def _no_borders(table) -> None:
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)


def _cell(cell, lines, *, align=CENTER):
    """Fill ``cell`` with (text, size, bold, italic, underline) lines."""
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    for text, size, bold, italic, underline in lines:
        paragraph = cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(0)
        _font(paragraph.add_run(text), size=size, bold=bold, italic=italic, underline=underline)


def _header(document, *, parent: str, body: str, number: str, date: str) -> None:
    """The issuing body with the number and symbol (left), the national motto with place and date (right)."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _widths(table, 65, 100)
    left, right = table.rows[0].cells
    _cell(
        left,
        [
            (parent, 13, False, False, False),
            (body, 13, True, False, True),
            ("", 6, False, False, False),
            (number, 13, False, False, False),
        ],
    )
    _cell(
        right,
        [
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 13, True, False, False),
            ("Độc lập - Tự do - Hạnh phúc", 14, True, False, True),
            ("", 6, False, False, False),
            (date, 14, False, True, False),
        ],
    )
    _paragraph(document, after=0)


def _title(document, title: str, subject: str) -> None:
    _paragraph(document, title, align=CENTER, bold=True, after=0)
    _paragraph(document, subject, align=CENTER, bold=True, after=12)


def _annex_table(document) -> None:
    """The list: a header row, one row per award or nomination (a docxtpl row loop), the total."""
    table = document.add_table(rows=5, cols=len(ANNEX_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, *(width for _header, width, _field, _align in ANNEX_COLUMNS))
    for index, (header, _width, _field, _align) in enumerate(ANNEX_COLUMNS):
        _cell(table.rows[0].cells[index], [(header, 13, True, False, False)])
    _cell(table.rows[1].cells[0], [("{%tr for row in rows %}", 13, False, False, False)])
    for index, (_header_text, _width, field, align) in enumerate(ANNEX_COLUMNS):
        _cell(table.rows[2].cells[index], [(field, 13, False, False, False)], align=align)
    _cell(table.rows[3].cells[0], [("{%tr endfor %}", 13, False, False, False)])
    total = table.rows[4].cells
    merged = total[0].merge(total[len(ANNEX_COLUMNS) - 2])
    _cell(merged, [("Tổng cộng", 13, True, False, False)])
    _cell(total[-1], [("{{ total }}", 13, True, False, False)], align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, after=0)
    paragraph = _paragraph(document, indent=False)
    _font(paragraph.add_run("Bằng chữ: "), italic=True, bold=True)
    _font(paragraph.add_run("{{ total_words }}."), italic=True)


def _recipients_and_signature(document, recipients: list[str], signature: list[tuple[str, bool]]) -> None:
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, 80, 85)
    left, right = table.rows[0].cells
    _cell(
        left,
        [("Nơi nhận:", 12, True, True, False)] + [(line, 11, False, False, False) for line in recipients],
        align=LEFT,
    )
    _cell(right, [(text, 14, bold, False, False) for text, bold in signature])


def _signature_lines(*titles: str, name: str) -> list[tuple[str, bool]]:
    return [(title, True) for title in titles] + [("", False)] * 3 + [(name, True)]


HEADER = {
    "parent": "{{ parent_body }}",
    "body": "{{ issuing_body }}",
    "date": "{{ place }}, {{ date_text }}",
}


def submission() -> Document:
    document = _document()
    _header(
        document,
        parent="{{ issuing_body }}",
        body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        number="Số: {{ number }}",
        date=HEADER["date"],
    )
    _title(document, "TỜ TRÌNH", "Về việc đề nghị khen thưởng {{ campaign_name }} – {{ phase_name }}")
    _paragraph(document, "Kính gửi: {{ authority_title }} {{ issuing_body_name }}", align=CENTER, after=12)
    _paragraph(document, "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;")
    _paragraph(document, "{%p if launch_reference %}", indent=False, after=0)
    _paragraph(document, "Căn cứ {{ launch_reference }};")
    _paragraph(document, "{%p endif %}", indent=False, after=0)
    _paragraph(
        document,
        "Căn cứ kết quả {{ campaign_name }}, {{ phase_name }} ({{ period }}), chốt kết quả phiên bản {{ version }};",
    )
    _paragraph(
        document,
        "Hội đồng Thi đua - Khen thưởng kính trình {{ authority_title }} xem xét, khen thưởng {{ count }} tập thể, "
        "cá nhân có tên trong danh sách dưới đây, với tổng số tiền thưởng {{ total }} đồng "
        "(Bằng chữ: {{ total_words }}).",
    )
    _paragraph(document, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", align=CENTER, bold=True)
    _annex_table(document)
    _paragraph(document, "Kính trình {{ authority_title }} xem xét, quyết định./.")
    _recipients_and_signature(
        document,
        ["- Như trên;", "- Lưu: VT, TĐKT."],
        _signature_lines("TM. HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", "CHỦ TỊCH", name="{{ chair }}"),
    )
    return document


def minutes() -> Document:
    document = _document()
    _header(
        document,
        parent="{{ issuing_body }}",
        body="HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG",
        number="Số: {{ number }}",
        date=HEADER["date"],
    )
    _title(
        document,
        "BIÊN BẢN",
        "Họp Hội đồng Thi đua - Khen thưởng xét khen thưởng {{ campaign_name }} – {{ phase_name }}",
    )
    _paragraph(document, "Thời gian: {{ meeting_time }}.")
    _paragraph(document, "Địa điểm: {{ meeting_place }}.")
    _paragraph(document, "Chủ trì: {{ chair }}{% if chair_title %}, {{ chair_title }}{% endif %}.")
    _paragraph(document, "Thư ký: {{ secretary }}.")
    _paragraph(
        document,
        "Thành phần: {{ members_present }}/{{ members_total }} thành viên Hội đồng Thi đua - Khen thưởng có mặt.",
    )
    _paragraph(document, "NỘI DUNG", align=CENTER, bold=True)
    _paragraph(
        document,
        "Hội đồng xem xét kết quả {{ campaign_name }}, {{ phase_name }} ({{ period }}), chốt kết quả phiên bản "
        "{{ version }}, và danh sách {{ count }} tập thể, cá nhân đề nghị khen thưởng với tổng số tiền thưởng "
        "{{ total }} đồng (Bằng chữ: {{ total_words }}):",
    )
    _annex_table(document)
    _paragraph(document, "KẾT QUẢ BIỂU QUYẾT", align=CENTER, bold=True)
    _paragraph(
        document,
        "Tán thành: {{ votes_for }}/{{ members_present }} thành viên có mặt ({{ votes_for_share }}); "
        "không tán thành: {{ votes_against }}; không biểu quyết: {{ votes_abstaining }}.",
    )
    _paragraph(document, "Kết luận: {{ conclusion }}")
    _paragraph(document, "Biên bản được lập xong và thông qua tại cuộc họp./.")
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, 80, 85)
    left, right = table.rows[0].cells
    _cell(left, [(text, 14, bold, False, False) for text, bold in _signature_lines("THƯ KÝ", name="{{ secretary }}")])
    _cell(right, [(text, 14, bold, False, False) for text, bold in _signature_lines("CHỦ TRÌ", name="{{ chair }}")])
    return document


def decision() -> Document:
    document = _document()
    _header(
        document, parent="{{ parent_body }}", body="{{ issuing_body }}", number="Số: {{ number }}", date=HEADER["date"]
    )
    _title(
        document,
        "QUYẾT ĐỊNH",
        "Về việc khen thưởng các tập thể, cá nhân đạt thành tích trong {{ campaign_name }} – {{ phase_name }}",
    )
    _paragraph(document, "{{ authority_title|upper }} {{ issuing_body }}", align=CENTER, bold=True, after=12)
    _paragraph(document, "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022;", italic=True)
    _paragraph(
        document,
        "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành "
        "một số điều của Luật Thi đua, khen thưởng;",
        italic=True,
    )
    _paragraph(document, "{%p if launch_reference %}", indent=False, after=0)
    _paragraph(document, "Căn cứ {{ launch_reference }};", italic=True)
    _paragraph(document, "{%p endif %}", indent=False, after=0)
    _paragraph(document, "{%p if minutes_number %}", indent=False, after=0)
    _paragraph(document, "Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng số {{ minutes_number }};", italic=True)
    _paragraph(document, "{%p endif %}", indent=False, after=0)
    _paragraph(document, "Theo đề nghị của Thường trực Hội đồng Thi đua - Khen thưởng.", italic=True)
    _paragraph(document, "QUYẾT ĐỊNH:", align=CENTER, bold=True)
    _article(
        document,
        "Điều 1.",
        "Khen thưởng {{ count }} tập thể, cá nhân có tên trong danh sách kèm theo Quyết định này "
        "đã có thành tích trong {{ campaign_name }}, {{ phase_name }} ({{ period }}).",
    )
    _article(
        document,
        "Điều 2.",
        "Tổng số tiền thưởng là {{ total }} đồng (Bằng chữ: {{ total_words }}), chi từ quỹ thi đua, "
        "khen thưởng theo quy định.",
    )
    _article(
        document,
        "Điều 3.",
        "Quyết định này có hiệu lực kể từ ngày ký. Thủ trưởng các đơn vị có liên quan và các tập thể, "
        "cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
    )
    _recipients_and_signature(
        document,
        ["- Như Điều 3;", "- Lưu: VT, TĐKT."],
        _signature_lines("{{ authority_title|upper }}", name="{{ signer }}"),
    )
    # The annex list, on its own page.
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _paragraph(document, "DANH SÁCH KHEN THƯỞNG", align=CENTER, bold=True, after=0)
    _paragraph(
        document,
        "(Kèm theo Quyết định số {{ number }} {{ date_text }} của {{ authority_title }} {{ issuing_body_name }})",
        align=CENTER,
        italic=True,
        after=12,
    )
    _annex_table(document)
    return document


BUILDERS = {"submission": submission, "minutes": minutes, "decision": decision}


def write_shipped(directory: Path = SHIPPED) -> list[Path]:
    """Write every shipped template into ``directory``; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, build in BUILDERS.items():
        path = directory / f"{kind}.docx"
        build().save(path)
        written.append(path)
    return written
