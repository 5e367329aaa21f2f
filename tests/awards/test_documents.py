"""The award dossier in Word: the submission, the council minutes with the votes, the
decision with its annex list; in the official layout, from an office's template or
the shipped one, converted by LibreOffice without error."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from docx import Document
from docx.shared import Mm

from awards.documents.layout import write_shipped
from awards.documents.render import render_document, shipped_template
from awards.documents.services import council_meeting_record
from awards.models import DocumentTemplate
from awards.nominations import nomination_add, nomination_outside
from awards.services import award_approve, award_review
from core.errors import InvalidTransition
from tests.awards.units import NOMINEE_AMOUNT, build_unit_contest

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
# Điện Bàn (40 staff) and Tam Kỳ (25) at 130.000 đ a head, and three nominees at 5.000.000 đ.
TOTAL = 130_000 * (40 + 25) + 3 * NOMINEE_AMOUNT
TOTAL_WORDS = "Hai mươi ba triệu bốn trăm năm mươi nghìn đồng"


@pytest.fixture
def units():
    contest = build_unit_contest()
    nomination_add(award=contest.award("BHXH-49-1"), full_name="Nguyễn Văn An", job_title="Phó Giám đốc")
    nomination_add(award=contest.award("BHXH-49-2"), full_name="Trần Thị <Bình> & Co")
    nomination_outside(
        campaign=contest.campaign, tier=contest.tier, full_name="Liên đoàn Lao động tỉnh", organization="tỉnh Quảng Nam"
    )
    return contest


@pytest.fixture
def decided(units):
    for code in ("BHXH-49-1", "BHXH-49-2"):
        award = units.award(code)
        award_review(award=award, by=None, minutes="03/BB-HĐTĐKT")
        award_approve(award=award, by=None, decision_number="125/QĐ-BHXH", decision_date=date(2025, 1, 15))
    from awards.nominations import nomination_approve, nomination_review

    outside = units.campaign.nominations.get(outside_sector=True)
    nomination_review(nomination=outside, by=None, minutes="03/BB-HĐTĐKT")
    nomination_approve(nomination=outside, by=None, decision_number="125/QĐ-BHXH", decision_date=date(2025, 1, 15))
    return units


def meeting(units, **votes):
    return council_meeting_record(
        phase=units.phase,
        by=None,
        minutes_number="03/BB-HĐTĐKT",
        held_at=datetime(2025, 1, 10, 8, 30, tzinfo=VN),
        place="Hội trường BHXH tỉnh",
        chair="Nguyễn Văn Chủ",
        chair_title="Giám đốc",
        secretary="Lê Thị Thư",
        members_total=9,
        members_present=8,
        **({"votes_for": 7, "votes_against": 1, "votes_abstaining": 0} | votes),
    )


def paragraphs_of(document) -> list:
    """Every paragraph, those of the tables (header, list, signature) included, in order."""
    found = list(document.paragraphs)

    def cells(tables):
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    found.extend(cell.paragraphs)
                    cells(cell.tables)

    cells(document.tables)
    return found


def text_of(content: bytes) -> str:
    return "\n".join(paragraph.text for paragraph in paragraphs_of(Document(BytesIO(content))))


def annex(content: bytes) -> list[list[str]]:
    """The rows of the list table (the one whose header starts with STT)."""
    document = Document(BytesIO(content))
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows and rows[0][0] == "STT":
            return rows
    raise AssertionError("no list table")


def test_the_decision_lists_the_approved_awards_and_nominees_with_the_total_in_words(decided):
    document = render_document(phase=decided.phase, kind="decision", signer="Nguyễn Văn Ký")
    text = text_of(document.content)

    for line in MOTTO:
        assert line in text
    assert "BẢO HIỂM XÃ HỘI VIỆT NAM" in text  # the issuing body's parent
    assert "BẢO HIỂM XÃ HỘI TỈNH QUẢNG NAM" in text
    assert "Số: 125/QĐ-BHXH" in text
    assert "Quảng Nam, ngày 15 tháng 01 năm 2025" in text
    assert "QUYẾT ĐỊNH" in text
    assert "Kế hoạch số 12/KH-BHXH" in text
    assert "Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng số" not in text  # no meeting recorded
    assert "Nơi nhận:" in text
    assert "Nguyễn Văn Ký" in text
    assert f"Bằng chữ: {TOTAL_WORDS}." in text
    assert annex(document.content) == [
        ["STT", "Họ và tên / Tên tập thể", "Đơn vị", "Hình thức khen thưởng", "Số tiền (đồng)"],
        ["1", "BHXH thị xã Điện Bàn", "Bảo hiểm xã hội tỉnh Quảng Nam", "Bằng khen của Giám đốc", "5.200.000"],
        ["2", "Nguyễn Văn An", "Phó Giám đốc, BHXH thị xã Điện Bàn", "Giấy khen của Giám đốc", "5.000.000"],
        ["3", "BHXH thành phố Tam Kỳ", "Bảo hiểm xã hội tỉnh Quảng Nam", "Bằng khen của Giám đốc", "3.250.000"],
        ["4", "Trần Thị <Bình> & Co", "BHXH thành phố Tam Kỳ", "Giấy khen của Giám đốc", "5.000.000"],
        ["5", "Liên đoàn Lao động tỉnh", "tỉnh Quảng Nam", "Giấy khen của Giám đốc", "5.000.000"],
        ["Tổng cộng", "Tổng cộng", "Tổng cộng", "Tổng cộng", "23.450.000"],
    ]
    assert TOTAL == 23_450_000


def test_the_layout_is_a4_with_the_official_margins_in_times_new_roman(decided):
    document = Document(BytesIO(render_document(phase=decided.phase, kind="decision").content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.bottom_margin.mm)) == (20, 20)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)
    assert section.left_margin >= Mm(30) - 1
    assert document.styles["Normal"].font.name == "Times New Roman"
    runs = [run for paragraph in paragraphs_of(document) for run in paragraph.runs if run.text.strip()]
    assert {run.font.size.pt for run in runs} <= {11, 12, 13, 14}  # 13-14 pt; the recipients 11-12 pt
    assert {run.font.name for run in runs} == {"Times New Roman"}


def test_before_any_approval_the_decision_is_a_draft_of_the_reviewed_awards(units):
    award_review(award=units.award("BHXH-49-1"), by=None, minutes="03/BB-HĐTĐKT")
    document = render_document(phase=units.phase, kind="decision")
    rows = annex(document.content)
    assert [row[1] for row in rows[1:-1]] == ["BHXH thị xã Điện Bàn", "Nguyễn Văn An"]
    assert "Số: ……/QĐ-BHXH" in text_of(document.content)


def test_the_submission_lists_every_proposal_with_its_total(units):
    document = render_document(phase=units.phase, kind="submission", number="07/TTr-HĐTĐKT")
    text = text_of(document.content)
    assert "TỜ TRÌNH" in text
    assert "Số: 07/TTr-HĐTĐKT" in text
    assert "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG" in text
    assert "Kính gửi: Giám đốc Bảo hiểm xã hội tỉnh Quảng Nam" in text
    assert f"Bằng chữ: {TOTAL_WORDS}" in text
    assert [row[1] for row in annex(document.content)[1:-1]] == [
        "BHXH thị xã Điện Bàn",
        "Nguyễn Văn An",
        "BHXH thành phố Tam Kỳ",
        "Trần Thị <Bình> & Co",
        "Liên đoàn Lao động tỉnh",
    ]


def test_the_minutes_record_the_votes_and_need_the_meeting(units):
    with pytest.raises(InvalidTransition):
        render_document(phase=units.phase, kind="minutes")
    meeting(units)
    text = text_of(render_document(phase=units.phase, kind="minutes").content)
    assert "BIÊN BẢN" in text
    assert "Số: 03/BB-HĐTĐKT" in text
    assert "Thời gian: 08 giờ 30 phút, ngày 10 tháng 01 năm 2025." in text
    assert "Chủ trì: Nguyễn Văn Chủ, Giám đốc." in text
    assert "8/9 thành viên" in text
    assert "Tán thành: 7/8 thành viên có mặt (87,50%); không tán thành: 1; không biểu quyết: 0." in text
    assert "THƯ KÝ" in text and "Lê Thị Thư" in text


def test_votes_beyond_the_members_present_are_refused(units):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        meeting(units, votes_for=8, votes_against=1)


def test_a_phase_not_finalized_has_no_documents(units):
    from tests.factories import PhaseFactory

    later = PhaseFactory(campaign=units.campaign, number=2)
    with pytest.raises(InvalidTransition):
        render_document(phase=later, kind="submission")


def _template_bytes(*lines: str) -> bytes:
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    output = BytesIO()
    document.save(output)
    return output.getvalue()


def test_an_office_template_replaces_the_shipped_one_for_the_units_below_it(units):
    # The province's own template; its district offices' campaigns would use it too.
    template = DocumentTemplate(unit=units.province, kind="submission")
    template.file.save("tt.docx", ContentFile(_template_bytes("Mẫu riêng của {{ issuing_body_name }}: {{ total }}")))
    document = render_document(phase=units.phase, kind="submission")
    assert text_of(document.content) == "Mẫu riêng của Bảo hiểm xã hội tỉnh Quảng Nam: 23.450.000"
    assert document.template.startswith("BHXH-49:")
    # A campaign of a district office below the province takes the province's template.
    below = build_unit_contest(code="db-units", province_code="BHXH-49-1-X")
    below.province.parent = units.province
    below.province.save()
    assert render_document(phase=below.phase, kind="submission").template.startswith("BHXH-49:")
    # Another office keeps the shipped one, and so does another document.
    other = build_unit_contest(code="tn-units", province_code="BHXH-72")
    assert render_document(phase=other.phase, kind="submission").template == "shipped"
    assert render_document(phase=units.phase, kind="decision").template == "shipped"


def test_an_uploaded_template_cannot_reach_into_python(units):
    template = DocumentTemplate(unit=units.province, kind="submission")
    template.file.save("tt.docx", ContentFile(_template_bytes("[{{ rows.__class__.__mro__ }}]")))
    with pytest.raises(InvalidTransition) as refused:
        render_document(phase=units.phase, kind="submission")
    assert "unsafe" in str(refused.value)


def test_an_office_template_that_cannot_be_filled_is_refused_with_the_reason(units):
    template = DocumentTemplate(unit=units.province, kind="submission")
    template.file.save("tt.docx", ContentFile(_template_bytes("{{ campaign_name.nothing.deeper }}")))
    with pytest.raises(InvalidTransition) as refused:
        render_document(phase=units.phase, kind="submission")
    assert "BHXH-49" in str(refused.value)


def test_the_shipped_templates_are_what_the_builder_writes(tmp_path):
    """The committed files carry the same text as a fresh build (rebuild them with
    ``manage.py build_document_templates`` after changing ``awards.documents.layout``)."""
    for path in write_shipped(tmp_path):
        assert text_of(path.read_bytes()) == text_of(shipped_template(path.stem).read_bytes())


@pytest.mark.soffice
@pytest.mark.parametrize("kind", ["submission", "minutes", "decision"])
def test_libreoffice_converts_each_document_to_pdf(decided, kind, tmp_path):
    meeting(decided)
    document = render_document(phase=decided.phase, kind=kind)
    source = tmp_path / f"{kind}.docx"
    source.write_bytes(document.content)
    profile = (tmp_path / "profile").as_uri()
    result = subprocess.run(  # noqa: S603 - fixed arguments, files of the test's own
        [
            shutil.which("soffice"),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = Path(tmp_path / f"{kind}.pdf")
    assert result.returncode == 0, result.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), result.stdout + result.stderr


def test_vss_q4_2017_the_decision_lists_the_six_offices_and_the_five_nominees_of_the_first(campaign_manager):
    """The national campaign end to end: finalized, five individuals nominated by the best office,
    the council's meeting recorded, every award reviewed and approved, the dossier written."""
    from tests.awards.test_seed_campaigns import add_indicator_values, close_and_finalize, import_campaign

    campaign = import_campaign("vss-q4-2017")
    phase = campaign.phases.get()
    add_indicator_values(
        campaign,
        phase,
        {
            "BHXH-79": ("53.6", "44.8", "91.52", "1.7"),
            "BHXH-74": ("80.4", "44.8", "83.2", "1.6"),
            "BHXH-01": ("40.2", "33.6", "91.52", "3.2"),
            "BHXH-31": ("33.5", "28.0", "87.36", "2.0"),
            "BHXH-49": ("26.8", "22.4", "83.2", "2.0"),
            "BHXH-38": ("29.48", "24.64", "87.36", "2.5"),
            "BHXH-40": ("28.14", "23.52", "84.864", "2.4"),
        },
    )
    finalization = close_and_finalize(phase, by=campaign_manager)
    awards = list(finalization.awards.order_by("standing__position"))
    for n in range(5):
        nomination_add(award=awards[0], full_name=f"Cán bộ BHXH TP.HCM số {n + 1}", job_title="Chuyên viên")
    phase.refresh_from_db()
    council_meeting_record(
        phase=phase,
        by=None,
        minutes_number="15/BB-HĐTĐKT",
        held_at=datetime(2018, 1, 10, 14, 0, tzinfo=VN),
        chair="Chủ tịch Hội đồng",
        secretary="Thư ký Hội đồng",
        members_total=11,
        members_present=11,
        votes_for=11,
    )
    for award in awards:
        award_review(award=award, by=None, minutes="15/BB-HĐTĐKT")
        award_approve(
            award=award,
            by=None,
            decision_number="250/QĐ-BHXH",
            decision_date=date(2018, 1, 15),
            now=finalization.notice_ends_at,  # the public notice has run its course
        )

    decision = render_document(phase=phase, kind="decision")
    rows = annex(decision.content)[1:-1]
    assert len(rows) == 6 + 5
    assert [row[1] for row in rows[:2]] == ["Bảo hiểm xã hội thành phố Hồ Chí Minh", "Cán bộ BHXH TP.HCM số 1"]
    assert rows[0][4] == "192.400.000"  # 130.000 đ × 1.480 staff
    assert rows[1][3:] == ["Bằng khen của Tổng Giám đốc", "5.000.000"]
    text = text_of(decision.content)
    total = 130_000 * (1480 + 380 + 1650 + 560 + 420 + 720) + 5 * 5_000_000
    assert total == 702_300_000
    assert "Bằng chữ: Bảy trăm linh hai triệu ba trăm nghìn đồng." in text
    assert "TỔNG GIÁM ĐỐC BẢO HIỂM XÃ HỘI VIỆT NAM" in text
    assert "Số: 250/QĐ-BHXH" in text and "ngày 15 tháng 01 năm 2018" in text
    minutes = text_of(render_document(phase=phase, kind="minutes").content)
    assert "Tán thành: 11/11 thành viên có mặt (100,00%)" in minutes
