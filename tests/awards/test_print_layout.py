"""The ranking and award list print: page setup, fonts, widths and STT read back from
the files, the collective ranking's indicators, and a LibreOffice rendering."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from awards.models import Award
from awards.services import phase_finalize
from awards.workbooks import write_award_list, write_ranking
from campaigns.models import IndicatorValue, Phase
from campaigns.services import phase_close
from collectors.models import Unit
from tests.awards.test_seed_campaigns import add_indicator_values, close_and_finalize, import_campaign
from tests.workbooks import assert_laid_out_to_print, column_width, numbers

pytestmark = pytest.mark.django_db

VSS_CLUSTER = "BHXH các tỉnh, thành phố"


def written(write, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write(buffer, **kwargs)
    return buffer.getvalue()


@pytest.fixture
def finalized(sold):
    phase_close(phase=sold["phase"])
    phase_finalize(phase_id=sold["phase"].pk)
    sold["phase"].refresh_from_db()
    return sold


def test_the_agents_ranking_prints_one_page_wide_with_its_titles_on_every_page(sold):
    content = written(write_ranking, phase=sold["phase"])

    assert_laid_out_to_print(content)
    book = load_workbook(io.BytesIO(content))
    one = book["Cụm 1"]
    assert one.print_title_rows == "$1:$5"  # four title lines and the header
    assert numbers(one) == [1, 2, 3, 4]
    assert one["A1"].font.name == "Times New Roman" and one["A1"].font.b and one["A1"].font.sz == 13
    assert "A1:N1" in {str(merged) for merged in one.merged_cells.ranges}  # the title spans the table
    # "Chỉ tiêu tối thiểu" and "Đủ điều kiện" wrap in their columns instead of being cut.
    assert one["I5"].value == "Chỉ tiêu tối thiểu" and one["I5"].alignment.wrap_text
    assert one.row_dimensions[5].height >= 30
    assert column_width(one, 11) >= len("điều") + 1


def test_the_award_list_prints_and_numbers_its_awards_and_their_nominees(finalized):
    content = written(write_award_list, phase=finalized["phase"])

    assert_laid_out_to_print(content)
    sheet = load_workbook(io.BytesIO(content))["Danh sách khen thưởng"]
    assert numbers(sheet)[:5] == [1, 2, 3, 4, 5]
    assert sheet["I5"].value == "Số tiền (đồng)"  # the money column, on the same page as the names


# --- Collective rankings: the indicators behind the score ---------------------------------


def vss_board(campaign_manager, *, final: bool):
    campaign = import_campaign("vss-q4-2017")
    phase = campaign.phases.get()
    # SI ≥ 26.8, UI ≥ 22.4, HI ≥ 83.2; debt < 3.0, or the office's own limit (TP.HCM 3.4).
    add_indicator_values(
        campaign,
        phase,
        {
            "BHXH-79": ("53.6", "44.8", "91.52", "3.6"),  # the best score, but debt 3.6 against its 3.4
            "BHXH-74": ("80.4", "44.8", "83.2", "1.6"),
            "BHXH-01": ("40.2", "33.6", "91.52", "3.2"),  # above 3.0 but below its own 3.5: eligible
            "BHXH-92": ("26.0", "24.64", "80.0", "1.5"),  # SI and HI short
        },
    )
    # BHXH-31 reported its debt only.
    IndicatorValue.objects.create(
        indicator=campaign.indicators.get(code="DEBT"),
        unit=Unit.objects.get(code="BHXH-31"),
        phase=phase,
        value=Decimal("2.0"),
    )
    if final:
        close_and_finalize(phase, by=campaign_manager)
    return Phase.objects.get(pk=phase.pk)


@pytest.mark.parametrize("final", [True, False], ids=["final", "provisional"])
def test_a_collective_ranking_shows_each_indicator_and_why_a_unit_is_not_eligible(campaign_manager, final):
    phase = vss_board(campaign_manager, final=final)

    content = written(write_ranking, phase=phase)

    assert_laid_out_to_print(content)
    sheet = load_workbook(io.BytesIO(content))[VSS_CLUSTER]
    # Row 5: each indicator's name over its two columns; row 6: the header.
    groups = {str(merged): sheet[str(merged).split(":")[0]].value for merged in sheet.merged_cells.ranges}
    assert groups["H5:I5"] == "Người tham gia BHXH so với lực lượng lao động (%)"
    assert groups["N5:O5"] == "Tỷ lệ nợ BHXH, BHYT, BHTN (%)"
    assert [cell.value for cell in sheet[6]] == [
        "STT",
        "Hạng",
        "Vị trí",
        "Mã",
        "Tên",
        "Đơn vị",
        "Điểm",
        *["Thực hiện", "Chỉ tiêu (≥)"] * 3,
        "Thực hiện",
        "Chỉ tiêu (<)",
        "Đủ điều kiện",
        "Lý do không đủ điều kiện",
        "Giải",
    ]
    assert sheet.print_title_rows == "$1:$6"
    rows = {row[3]: row for row in sheet.iter_rows(min_row=7, values_only=True)}
    assert numbers(sheet) == list(range(1, 11))  # every office of the cluster

    hcm = rows["BHXH-79"]
    assert hcm[7:15] == (53.6, 26.8, 44.8, 22.4, 91.52, 83.2, 3.6, 3.4)
    assert hcm[15:17] == ("Không", "Tỷ lệ nợ BHXH, BHYT, BHTN: 3,6 (chỉ tiêu < 3,4)")
    assert hcm[1] is None and hcm[17] is None  # no rank, no prize
    ha_noi = rows["BHXH-01"]
    assert (ha_noi[13], ha_noi[14], ha_noi[15], ha_noi[16]) == (3.2, 3.5, "Có", None)
    assert rows["BHXH-92"][16] == (
        "Người tham gia BHXH so với lực lượng lao động: 26 (chỉ tiêu ≥ 26,8); "
        "Tỷ lệ bao phủ BHYT so với dân số: 80 (chỉ tiêu ≥ 83,2)"
    )
    hai_phong = rows["BHXH-31"]
    assert hai_phong[7:15] == (None, 26.8, None, 22.4, None, 83.2, 2.0, 2.8)
    assert hai_phong[16].startswith("Người tham gia BHXH so với lực lượng lao động: chưa có số liệu (chỉ tiêu ≥ 26,8)")
    assert sheet["H7"].number_format == "#,##0.0##"
    if final:
        assert rows["BHXH-74"][1:3] == (1, 1) and rows["BHXH-74"][17] == "Tập thể tiêu biểu xuất sắc"
        assert Award.objects.filter(competitor_code="BHXH-79").count() == 0


def test_the_collective_ranking_reads_the_indicators_in_batches_not_per_unit(
    campaign_manager, django_assert_max_num_queries
):
    phase = vss_board(campaign_manager, final=True)

    with django_assert_max_num_queries(12):
        write_ranking(io.BytesIO(), phase=phase)


# --- What LibreOffice makes of it ----------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# LibreOffice Calc, which reads workbooks (Debian: libreoffice-calc-nogui), beside soffice.
CALC = SOFFICE is not None and (Path(os.path.realpath(SOFFICE)).parent / "libsclo.so").exists()


def pdf_pages(content: bytes, folder) -> int:
    """The pages of the PDF LibreOffice prints the workbook to."""
    folder.mkdir()
    source = folder / "book.xlsx"
    source.write_bytes(content)
    subprocess.run(  # noqa: S603 - LibreOffice on a file the test wrote
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{folder}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (folder / "book.pdf").read_bytes()
    page = re.compile(rb"/Type\s*/Page(?!s)")  # a page object, not the page tree's
    return len(page.findall(pdf))


@pytest.mark.skipif(
    not CALC and os.environ.get("CI") != "true", reason="LibreOffice Calc is not installed (CI installs it)"
)
def test_libreoffice_prints_each_sheet_on_one_page(finalized, tmp_path):
    award_list = written(write_award_list, phase=finalized["phase"])
    ranking = written(write_ranking, phase=finalized["phase"])

    assert pdf_pages(award_list, tmp_path / "awards") == 2  # the list and its summary, a page each
    assert pdf_pages(ranking, tmp_path / "ranking") == 2  # a cluster a page
