"""The progress workbook: plan against new participants, cut by phase, locality,
unit, organization (post office against other agents), team and cluster."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from campaigns.models import Cluster, Phase, PlanTarget, Team
from collectors.models import Locality, ServiceOrganization, Unit
from enrollments.choices import EnrollmentStatus
from reports.workbooks import write_progress
from tests.factories import (
    AgentFactory,
    CampaignFactory,
    ClusterFactory,
    EnrollmentFactory,
    PhaseFactory,
    ServiceOrganizationFactory,
    TeamFactory,
    UnitFactory,
    UserFactory,
)
from tests.intake_fixtures import client_for
from tests.workbooks import (
    AT,
    HYPERLINK,
    MINUS,
    PLUS,
    TAB,
    WEBSERVICE,
    assert_laid_out_to_print,
    assert_written_as_text,
    table,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hai_phong():
    """Hải Phòng: a post office and two other agent organizations, a staff member,
    two phases, two teams, two clusters and plans for some of them.

    Counted VSI: P1 3 (phase 1), P2 2 (phase 2), O1 4, O2 1, S1 1 (phase 1) = 11; HHI: P1 1 (phase 1).
    """
    province = Locality.objects.create(code="31", name="Thành phố Hải Phòng", level="province")
    le_chan = Locality.objects.create(code="31-LC", name="Quận Lê Chân", level="district", parent=province)
    ngo_quyen = Locality.objects.create(code="31-NQ", name="Quận Ngô Quyền", level="district", parent=province)
    ward = Locality.objects.create(code="31-LC-01", name="Phường An Biên", level="commune", parent=le_chan)
    city_office = UnitFactory(code="BHXH-HP", name="BHXH thành phố Hải Phòng", kind=Unit.Kind.PROVINCE)
    district_office = UnitFactory(code="BHXH-LC", name="BHXH quận Lê Chân", kind=Unit.Kind.DISTRICT, parent=city_office)
    post = ServiceOrganizationFactory(
        code="BD-HP", name="Bưu điện Hải Phòng", kind="post_office", contracting_unit=district_office
    )
    agency1 = ServiceOrganizationFactory(
        code="DL-01", name="Đại lý thu An Dương", kind="other_agent", contracting_unit=city_office
    )
    agency2 = ServiceOrganizationFactory(
        code="DL-02", name="Đại lý thu Kiến An", kind="other_agent", contracting_unit=city_office
    )
    agents = {
        "P1": AgentFactory(code="P1", organization=post, locality=le_chan),
        "P2": AgentFactory(code="P2", organization=post, locality=ward),
        "O1": AgentFactory(code="O1", organization=agency1, locality=ngo_quyen),
        "O2": AgentFactory(code="O2", organization=agency2, locality=ngo_quyen),
        "S1": AgentFactory(code="S1", organization=None, unit=city_office, role="staff", locality=province),
    }
    campaign = CampaignFactory(
        code="hp-2019", name="Thi đua phát triển BHXH tự nguyện 2019", organizer=city_office, products=["VSI", "HHI"]
    )
    one = PhaseFactory(campaign=campaign, number=1, name="Đợt 1")
    two = PhaseFactory(
        campaign=campaign, number=2, name="Đợt 2", start=one.cutoff, cutoff=one.cutoff + timedelta(days=90)
    )
    team1 = TeamFactory(campaign=campaign, code="T1", name="Tổ Lê Chân", locality=le_chan)
    team1.members.add(agents["P1"], agents["O1"])
    team2 = TeamFactory(campaign=campaign, code="T2", name="Tổ Ngô Quyền", locality=ngo_quyen)
    team2.members.add(agents["O2"])
    cluster1 = ClusterFactory(campaign=campaign, number=1, name="Cụm Lê Chân")
    cluster1.localities.add(le_chan)
    cluster2 = ClusterFactory(campaign=campaign, number=2, name="Cụm Ngô Quyền")
    cluster2.localities.add(ngo_quyen)

    def sell(code, count, *, phase=one, product="VSI", **fields):
        for n in range(count):
            extra = {"declared_income": None, "household_member_order": 1} if product == "HHI" else {}
            EnrollmentFactory(
                phase=phase,
                agent=agents[code],
                product=product,
                receipt_at=phase.start + timedelta(days=1, minutes=n),
                **extra,
                **fields,
            )

    sell("P1", 3)
    sell("P1", 1, product="HHI", payment_months=12)
    sell("P2", 2, phase=two, status=EnrollmentStatus.CONFIRMED)
    sell("O1", 4)
    sell("O2", 1)
    sell("S1", 1)
    # Neither of these counts: a renewal, and a rejected receipt.
    sell("O2", 1, counted=False, not_counted_reason="not_new")
    sell("O1", 1, counted=False, not_counted_reason="rejected", status=EnrollmentStatus.REJECTED)
    # Another campaign's sale by the same agent.
    EnrollmentFactory(agent=agents["P1"])

    plan = {"campaign": campaign}
    PlanTarget.objects.create(**plan, scope="campaign", product="VSI", target=20)
    PlanTarget.objects.create(**plan, scope="campaign", product="HHI", target=10)
    PlanTarget.objects.create(**plan, scope="campaign", product="VSI", phase=one, target=12)
    PlanTarget.objects.create(**plan, scope="locality", locality=le_chan, product="VSI", target=5)
    PlanTarget.objects.create(**plan, scope="locality", locality=ngo_quyen, product="VSI", target=8)
    PlanTarget.objects.create(**plan, scope="organization", organization=post, product="VSI", target=4)
    PlanTarget.objects.create(**plan, scope="organization", organization=agency1, product="VSI", target=5)
    PlanTarget.objects.create(**plan, scope="organization", organization=agency2, product="VSI", target=2)
    PlanTarget.objects.create(**plan, scope="team", team=team1, target=10)
    PlanTarget.objects.create(**plan, scope="cluster", cluster=cluster2, product="VSI", target=4)
    PlanTarget.objects.create(**plan, scope="unit", unit=district_office, product="VSI", target=10)
    return {"campaign": campaign, "phases": (one, two), "organizations": (post, agency1, agency2), "agents": agents}


def _workbook(campaign, **kwargs):
    output = io.BytesIO()
    rows = write_progress(output, campaign=campaign, **kwargs)
    output.seek(0)
    return load_workbook(output), rows


class Sheet:
    """A sheet read back: its header row (each header after its product's heading, the
    group row above it: "Thực hiện BHXH tự nguyện"), and rows found by the text in
    their code or name column (after the row number, STT)."""

    def __init__(self, ws):
        self.ws = ws
        self.headers, _values = table(ws)
        rows = list(ws.iter_rows())
        header = next(i for i, row in enumerate(rows) if row[0].value == "STT")
        self.rows = [row[1:] for row in rows[header + 1 :]]
        self.numbers = [row[0].value for row in rows[header + 1 :]]

    def row(self, name: str):
        matches = [row for row in self.rows if name in (str(row[1].value or ""), str(row[0].value or ""))]
        assert len(matches) == 1, f"{name}: {len(matches)} rows"
        return matches[0]

    def cell(self, name: str, header: str):
        return self.row(name)[self.headers.index(header)]

    def value(self, name: str, header: str):
        return self.cell(name, header).value


def test_the_title_names_the_campaign_the_scope_and_the_moment(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    ws = workbook["Tổng hợp"]
    assert ws["A1"].value == "TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH PHÁT TRIỂN NGƯỜI THAM GIA MỚI"
    assert ws["A2"].value == "Phong trào: Thi đua phát triển BHXH tự nguyện 2019"
    assert ws["A3"].value == "Phạm vi: toàn phong trào (tất cả các đợt)"
    assert ws["A4"].value.startswith("Số liệu đến ")
    assert ws["A4"].value.endswith("(giờ Asia/Ho_Chi_Minh)")


def test_a_phase_report_names_the_phase_and_its_dates_in_local_time(hai_phong):
    one, _two = hai_phong["phases"]
    workbook, _rows = _workbook(hai_phong["campaign"], phase=one)
    assert workbook["Tổng hợp"]["A3"].value == "Phạm vi: Đợt 1 (01/04/2024 – 30/06/2024)"


def test_every_sheet_has_vietnamese_headers_per_product_and_in_total(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    assert workbook.sheetnames == [
        "Tổng hợp",
        "Theo địa bàn",
        "Theo đơn vị BHXH",
        "Theo tổ chức dịch vụ thu",
        "Theo tổ tuyên truyền",
        "Theo cụm thi đua",
    ]
    sheet = Sheet(workbook["Theo tổ chức dịch vụ thu"])
    assert sheet.headers == [
        "Mã tổ chức",
        "Tên tổ chức",
        "Loại",
        "Kế hoạch BHXH tự nguyện",
        "Thực hiện BHXH tự nguyện",
        "Tỷ lệ % kế hoạch BHXH tự nguyện",
        "Kế hoạch BHYT hộ gia đình",
        "Thực hiện BHYT hộ gia đình",
        "Tỷ lệ % kế hoạch BHYT hộ gia đình",
        "Kế hoạch Cộng",
        "Thực hiện Cộng",
        "Tỷ lệ % kế hoạch Cộng",
    ]


def test_every_sheet_prints_one_page_wide_with_a_heading_over_each_products_columns(hai_phong):
    output = io.BytesIO()
    write_progress(output, campaign=hai_phong["campaign"])

    assert_laid_out_to_print(output.getvalue())
    ws = load_workbook(output)["Theo tổ chức dịch vụ thu"]
    headings = {str(merged): ws[str(merged).split(":")[0]].value for merged in ws.merged_cells.ranges}
    assert headings["E6:G6"] == "BHXH tự nguyện"
    assert headings["H6:J6"] == "BHYT hộ gia đình"
    assert headings["K6:M6"] == "Cộng"
    assert ws.print_title_rows == "$1:$7"  # five title lines, the headings and the header
    # Organizations are numbered; the subtotals of each kind and the total are not.
    sheet = Sheet(ws)
    lines = [(number, row[1].value) for number, row in zip(sheet.numbers, sheet.rows, strict=True)]
    assert lines[:3] == [(1, "Bưu điện Hải Phòng"), (None, "Cộng Bưu điện"), (2, "Đại lý thu An Dương")]
    assert lines[-1] == (None, "Tổng cộng")


def test_the_campaign_total_counts_only_counted_enrollments_against_the_plan(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    for name in workbook.sheetnames:
        sheet = Sheet(workbook[name])
        assert sheet.value("Tổng cộng", "Thực hiện BHXH tự nguyện") == 11, name
        assert sheet.value("Tổng cộng", "Thực hiện BHYT hộ gia đình") == 1, name
        assert sheet.value("Tổng cộng", "Thực hiện Cộng") == 12, name
        assert sheet.value("Tổng cộng", "Kế hoạch BHXH tự nguyện") == 20, name
        # No plan for all products: the total plan is the products' plans added up.
        assert sheet.value("Tổng cộng", "Kế hoạch Cộng") == 30, name
        assert sheet.value("Tổng cộng", "Tỷ lệ % kế hoạch Cộng") == pytest.approx(0.4), name


def test_percent_of_plan_and_counts_carry_excel_number_formats(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    sheet = Sheet(workbook["Tổng hợp"])
    assert sheet.value("Tổng cộng", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(0.55)
    assert sheet.cell("Tổng cộng", "Tỷ lệ % kế hoạch BHXH tự nguyện").number_format == "0.00%"
    assert sheet.cell("Tổng cộng", "Thực hiện BHXH tự nguyện").number_format == "#,##0"
    assert sheet.cell("Tổng cộng", "Kế hoạch BHXH tự nguyện").number_format == "#,##0"


def test_the_summary_shows_each_phase_against_its_own_plan(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    sheet = Sheet(workbook["Tổng hợp"])
    assert sheet.value("Đợt 1", "Thực hiện BHXH tự nguyện") == 9
    assert sheet.value("Đợt 1", "Kế hoạch BHXH tự nguyện") == 12
    assert sheet.value("Đợt 1", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(0.75)
    assert sheet.value("Đợt 2", "Thực hiện BHXH tự nguyện") == 2
    assert sheet.value("Đợt 2", "Kế hoạch BHXH tự nguyện") is None
    assert sheet.value("Đợt 2", "Tỷ lệ % kế hoạch BHXH tự nguyện") is None


def test_a_phase_report_counts_that_phase_against_the_phase_plan(hai_phong):
    one, _two = hai_phong["phases"]
    workbook, _rows = _workbook(hai_phong["campaign"], phase=one)
    sheet = Sheet(workbook["Theo tổ chức dịch vụ thu"])
    assert sheet.value("Tổng cộng", "Thực hiện BHXH tự nguyện") == 9
    assert sheet.value("Tổng cộng", "Kế hoạch BHXH tự nguyện") == 12
    # The organizations' plans are whole-campaign plans: none for the phase.
    assert sheet.value("Bưu điện Hải Phòng", "Kế hoạch BHXH tự nguyện") is None
    assert sheet.value("Bưu điện Hải Phòng", "Thực hiện BHXH tự nguyện") == 3


def test_organizations_are_split_into_post_office_and_other_agents_with_subtotals(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    sheet = Sheet(workbook["Theo tổ chức dịch vụ thu"])
    names = [row[1].value for row in sheet.rows]
    assert names[:6] == [
        "Bưu điện Hải Phòng",
        "Cộng Bưu điện",
        "Đại lý thu An Dương",
        "Đại lý thu Kiến An",
        "Cộng Tổ chức dịch vụ thu khác",
        "Cán bộ BHXH (không thuộc tổ chức dịch vụ thu)",
    ]
    assert sheet.value("Bưu điện Hải Phòng", "Thực hiện BHXH tự nguyện") == 5
    assert sheet.value("Bưu điện Hải Phòng", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(1.25)
    assert sheet.value("Cộng Bưu điện", "Thực hiện BHXH tự nguyện") == 5
    assert sheet.value("Cộng Tổ chức dịch vụ thu khác", "Thực hiện BHXH tự nguyện") == 5
    assert sheet.value("Cộng Tổ chức dịch vụ thu khác", "Kế hoạch BHXH tự nguyện") == 7
    assert sheet.value("Cộng Tổ chức dịch vụ thu khác", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(5 / 7)
    assert sheet.value("Cán bộ BHXH (không thuộc tổ chức dịch vụ thu)", "Thực hiện BHXH tự nguyện") == 1
    assert sheet.cell("Cộng Bưu điện", "Thực hiện BHXH tự nguyện").font.b is True


def test_localities_roll_districts_up_into_the_province(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    sheet = Sheet(workbook["Theo địa bàn"])
    names = [row[1].value for row in sheet.rows]
    assert names == [
        "Thành phố Hải Phòng",
        "Quận Lê Chân",
        "Quận Ngô Quyền",
        "Không xác định quận/huyện",
        "Tổng cộng",
    ]
    # The ward's agent counts for its district.
    assert sheet.value("Quận Lê Chân", "Thực hiện BHXH tự nguyện") == 5
    assert sheet.value("Quận Lê Chân", "Thực hiện BHYT hộ gia đình") == 1
    assert sheet.value("Quận Lê Chân", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(1.0)
    assert sheet.value("Quận Ngô Quyền", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(5 / 8)
    assert sheet.value("Không xác định quận/huyện", "Thực hiện BHXH tự nguyện") == 1
    # The province has no plan of its own: its districts' plans add up.
    assert sheet.value("Thành phố Hải Phòng", "Thực hiện BHXH tự nguyện") == 11
    assert sheet.value("Thành phố Hải Phòng", "Kế hoạch BHXH tự nguyện") == 13
    assert sheet.value("Thành phố Hải Phòng", "Cấp") == "Tỉnh / thành phố"


def test_units_count_their_staff_and_their_contracted_organizations_agents(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    sheet = Sheet(workbook["Theo đơn vị BHXH"])
    assert sheet.value("BHXH quận Lê Chân", "Thực hiện BHXH tự nguyện") == 5
    assert sheet.value("BHXH quận Lê Chân", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(0.5)
    assert sheet.value("BHXH quận Lê Chân", "Đơn vị cấp trên") == "BHXH thành phố Hải Phòng"
    assert sheet.value("BHXH thành phố Hải Phòng", "Thực hiện BHXH tự nguyện") == 6


def test_teams_count_their_members_against_an_all_products_plan(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    sheet = Sheet(workbook["Theo tổ tuyên truyền"])
    assert sheet.value("Tổ Lê Chân", "Thực hiện BHXH tự nguyện") == 7
    assert sheet.value("Tổ Lê Chân", "Thực hiện Cộng") == 8
    assert sheet.value("Tổ Lê Chân", "Kế hoạch Cộng") == 10
    assert sheet.value("Tổ Lê Chân", "Tỷ lệ % kế hoạch Cộng") == pytest.approx(0.8)
    assert sheet.value("Tổ Ngô Quyền", "Thực hiện Cộng") == 1
    assert sheet.value("Tổ Ngô Quyền", "Địa bàn") == "Quận Ngô Quyền"
    assert sheet.value("Không thuộc tổ nào", "Thực hiện BHXH tự nguyện") == 3  # P2 and S1


def test_clusters_count_their_members_and_the_rest_apart(hai_phong):
    workbook, _rows = _workbook(hai_phong["campaign"])
    sheet = Sheet(workbook["Theo cụm thi đua"])
    assert sheet.value("Cụm Lê Chân", "Thực hiện Cộng") == 6
    assert sheet.value("Cụm Ngô Quyền", "Thực hiện BHXH tự nguyện") == 5
    assert sheet.value("Cụm Ngô Quyền", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(1.25)
    assert sheet.value("Không thuộc cụm nào", "Thực hiện BHXH tự nguyện") == 1


def test_the_row_count_is_every_data_row_written(hai_phong):
    workbook, rows = _workbook(hai_phong["campaign"])
    assert rows == sum(len(Sheet(workbook[name]).rows) for name in workbook.sheetnames)


def test_a_single_product_campaign_has_no_total_columns_and_takes_an_all_products_plan():
    campaign = CampaignFactory(products=["VSI"])
    phase = PhaseFactory(campaign=campaign)
    EnrollmentFactory(phase=phase)
    PlanTarget.objects.create(campaign=campaign, scope="campaign", target=4)
    workbook, _rows = _workbook(campaign)
    sheet = Sheet(workbook["Tổng hợp"])
    assert sheet.headers[-3:] == [
        "Kế hoạch BHXH tự nguyện",
        "Thực hiện BHXH tự nguyện",
        "Tỷ lệ % kế hoạch BHXH tự nguyện",
    ]
    assert sheet.value("Tổng cộng", "Tỷ lệ % kế hoạch BHXH tự nguyện") == pytest.approx(0.25)


def test_a_managers_workbook_has_only_their_organizations_rows(hai_phong):
    post, _agency1, _agency2 = hai_phong["organizations"]
    workbook, _rows = _workbook(hai_phong["campaign"], organization_ids=[post.pk])
    assert workbook.sheetnames == ["Theo tổ chức dịch vụ thu"]
    sheet = Sheet(workbook["Theo tổ chức dịch vụ thu"])
    assert [row[1].value for row in sheet.rows] == ["Bưu điện Hải Phòng", "Cộng Bưu điện", "Tổng cộng"]
    assert sheet.value("Tổng cộng", "Thực hiện BHXH tự nguyện") == 5
    assert sheet.value("Tổng cộng", "Kế hoạch BHXH tự nguyện") == 4


def test_queries_do_not_grow_with_enrollments(hai_phong):
    campaign = hai_phong["campaign"]
    with CaptureQueriesContext(connection) as before:
        _workbook(campaign)
    one, _two = hai_phong["phases"]
    for code in ("P1", "O1", "O2"):
        for n in range(5):
            EnrollmentFactory(phase=one, agent=hai_phong["agents"][code], receipt_at=one.start + timedelta(hours=n))
    with CaptureQueriesContext(connection) as after:
        _workbook(campaign)
    assert len(after.captured_queries) == len(before.captured_queries)


# --- The direct download ------------------------------------------------------------


def test_staff_download_the_progress_workbook(hai_phong, reviewer):
    response = client_for(reviewer).get("/api/v1/campaigns/hp-2019/progress.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="Tien-do-hp-2019-toan-phong-trao-' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert Sheet(workbook["Tổng hợp"]).value("Tổng cộng", "Thực hiện Cộng") == 12


def test_names_that_look_like_formulas_are_downloaded_as_text(hai_phong, reviewer):
    one, _two = hai_phong["phases"]
    _post, agency1, _agency2 = hai_phong["organizations"]
    Phase.objects.filter(pk=one.pk).update(name=WEBSERVICE)
    Locality.objects.filter(code="31-NQ").update(name=HYPERLINK)
    Unit.objects.filter(code="BHXH-LC").update(name=PLUS)
    ServiceOrganization.objects.filter(pk=agency1.pk).update(name=MINUS)
    Team.objects.filter(code="T1").update(name=AT)
    Cluster.objects.filter(campaign=hai_phong["campaign"], number=2).update(name=TAB)

    response = client_for(reviewer).get("/api/v1/campaigns/hp-2019/progress.xlsx")

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(content))
    # (sheet, the row's name, column): the text written there
    written = {
        ("Tổng hợp", WEBSERVICE, "Tên đợt"): WEBSERVICE,
        ("Theo địa bàn", HYPERLINK, "Tên địa bàn"): HYPERLINK,
        ("Theo đơn vị BHXH", PLUS, "Tên đơn vị"): PLUS,
        ("Theo tổ chức dịch vụ thu", MINUS, "Tên tổ chức"): MINUS,
        ("Theo tổ tuyên truyền", AT, "Tên tổ"): AT,
        ("Theo tổ tuyên truyền", "Tổ Ngô Quyền", "Địa bàn"): HYPERLINK,
        ("Theo cụm thi đua", TAB, "Tên cụm"): TAB,
    }
    cells = {
        (name, Sheet(workbook[name]).cell(row, header).coordinate): text
        for (name, row, header), text in written.items()
    }
    assert_written_as_text(content, cells)
    assert Sheet(workbook["Theo tổ chức dịch vụ thu"]).value(MINUS, "Thực hiện BHXH tự nguyện") == 4


def test_an_organizations_manager_downloads_only_their_rows(hai_phong):
    post, _agency1, _agency2 = hai_phong["organizations"]
    manager = UserFactory(username="bd-manager")
    post.managers.add(manager)
    response = client_for(manager).get("/api/v1/campaigns/hp-2019/progress.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Theo tổ chức dịch vụ thu"]
    assert "Đại lý thu An Dương" not in [row[1].value for row in Sheet(workbook.active).rows]


def test_an_agent_may_not_download_the_progress_workbook(hai_phong):
    agent = hai_phong["agents"]["P1"]
    agent.user = UserFactory(username="p1")
    agent.save()
    response = client_for(agent.user).get("/api/v1/campaigns/hp-2019/progress.xlsx")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_phase_of_another_campaign_is_refused_with_a_message(hai_phong, reviewer):
    other = PhaseFactory()
    response = client_for(reviewer).get(
        f"/api/v1/campaigns/hp-2019/progress.xlsx?phase={other.pk}", headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["phase"] == ["The phase belongs to another campaign."]


def test_an_unknown_campaign_is_not_found(reviewer):
    assert client_for(reviewer).get("/api/v1/campaigns/nope/progress.xlsx").status_code == 404
