"""The enrollment export: the workbook read back cell by cell, and the download
endpoint with the list's filters and visibility."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from collectors.models import Agent, ServiceOrganization
from core.models import ExportJob
from enrollments.choices import EnrollmentStatus
from enrollments.models import Enrollment, Participant
from enrollments.workbooks import write_enrollments
from tests.factories import EnrollmentFactory, ParticipantFactory, UserFactory
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
    numbers,
)

pytestmark = pytest.mark.django_db


VN = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/api/v1/enrollments/export.xlsx"
HEADERS = [
    "STT",
    "Số biên lai",
    "Thời điểm thu",
    "Mã nhân viên thu",
    "Họ tên nhân viên thu",
    "Tổ chức dịch vụ thu",
    "Họ tên người tham gia",
    "Số CCCD",
    "Ngày sinh",
    "Sản phẩm",
    "Số tháng đóng",
    "Số tiền phải đóng (đồng)",
    "NSNN hỗ trợ (đồng)",
    "Trạng thái",
    "Được tính thi đua",
    "Lý do không tính",
    "Đợt",
    "Mã tham chiếu",
]
HEADER_ROW = 3


def _sale(agent, phase, n: int, **fields) -> Enrollment:
    defaults = {
        "phase": phase,
        "agent": agent,
        "client_ref": f"{agent.code}-{n:04d}",
        "receipt_no": f"BL-{agent.code}-{n:04d}",
        "receipt_at": phase.start + timedelta(days=1, hours=n),
        "amount_due": 792_000,
        "state_support": 198_000,
    }
    return EnrollmentFactory(**{**defaults, **fields})


@pytest.fixture
def sales(agent1, agent2, open_phase, closed_phase):
    """agent1 (post office): a counted VSI, a confirmed HHI and a renewal that does
    not count; agent2: one counted VSI."""
    first = _sale(
        agent1,
        open_phase,
        1,
        participant=ParticipantFactory(personal_id="049090123456", full_name="Nguyễn Văn An"),
    )
    hhi = _sale(
        agent1,
        open_phase,
        2,
        product="HHI",
        payment_months=12,
        declared_income=None,
        household_member_order=1,
        status=EnrollmentStatus.CONFIRMED,
    )
    renewal = _sale(agent1, closed_phase, 3, counted=False, not_counted_reason="not_new")
    other = _sale(agent2, open_phase, 1)
    return {"first": first, "hhi": hhi, "renewal": renewal, "other": other}


def _opened(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return workbook.active


def _written(queryset, **kwargs):
    output = io.BytesIO()
    rows = write_enrollments(output, queryset=queryset, **kwargs)
    return _opened(output.getvalue()), rows


def _data(ws) -> list[list]:
    """The data rows' values, after their row number (STT)."""
    return [[cell.value for cell in row][1:] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]


def _by_ref(ws) -> dict[str, list]:
    return {row[16]: row for row in _data(ws)}


def test_the_sheet_has_a_title_and_vietnamese_headers(sales):
    ws, _rows = _written(Enrollment.objects.all())
    assert ws["A1"].value == "DANH SÁCH HỒ SƠ THU"
    assert ws["A2"].value.startswith("Số liệu đến ")
    assert [cell.value for cell in ws[HEADER_ROW]] == HEADERS
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:R{HEADER_ROW + 4}"


def test_the_export_prints_one_page_wide_and_numbers_its_rows(sales):
    output = io.BytesIO()
    write_enrollments(output, queryset=Enrollment.objects.all())

    assert_laid_out_to_print(output.getvalue())
    ws = _opened(output.getvalue())
    assert ws.print_title_rows == f"$1:${HEADER_ROW}"
    assert numbers(ws) == [1, 2, 3, 4]


def test_a_row_carries_every_column_of_the_enrollment(sales, agent1, open_phase):
    first = sales["first"]
    ws, _rows = _written(Enrollment.objects.filter(pk=first.pk))
    row = ws[HEADER_ROW + 1]
    assert row[0].value == 1  # STT
    values = [cell.value for cell in row][1:]
    local = first.receipt_at.astimezone(VN).replace(tzinfo=None)
    assert values[0] == first.receipt_no
    assert abs(values[1] - local) < timedelta(seconds=1)
    assert values[2:6] == ["A01", agent1.full_name, "Bưu điện tỉnh Quảng Nam", "Nguyễn Văn An"]
    assert values[6] == "049090123456"
    assert values[7].date() == date(1990, 5, 17)
    assert values[8:14] == ["BHXH tự nguyện", 3, 792_000, 198_000, "Đã nộp", "Có"]
    assert values[14] is None
    assert values[15] == f"qn · {open_phase.name}"
    assert values[16] == "A01-0001"


def test_the_personal_id_is_text_and_keeps_its_leading_zero(sales):
    ws, _rows = _written(Enrollment.objects.filter(pk=sales["first"].pk))
    cell = ws.cell(row=HEADER_ROW + 1, column=8)
    assert cell.value == "049090123456"
    assert cell.data_type == "s"
    assert cell.number_format == "@"


def test_times_dates_and_money_carry_excel_formats(sales):
    ws, _rows = _written(Enrollment.objects.filter(pk=sales["first"].pk))
    row = ws[HEADER_ROW + 1][1:]
    assert row[1].number_format == "dd/mm/yyyy hh:mm"
    assert row[7].number_format == "dd/mm/yyyy"
    assert row[10].number_format == "#,##0"
    assert row[11].number_format == "#,##0"


def test_an_enrollment_that_does_not_count_says_why(sales):
    ws, _rows = _written(Enrollment.objects.filter(pk=sales["renewal"].pk))
    row = [cell.value for cell in ws[HEADER_ROW + 1]][1:]
    assert row[13] == "Không"
    assert row[14] == "Không phải người tham gia mới (đã tham gia trong khoảng gián đoạn)"


def test_rows_come_in_id_order_in_small_batches(sales):
    ws, rows = _written(Enrollment.objects.all(), chunk_size=2)
    assert rows == 4
    refs = [row[16] for row in _data(ws)]
    assert refs == list(Enrollment.objects.order_by("pk").values_list("client_ref", flat=True))


def test_the_export_reads_with_one_query_however_many_rows(agent1, open_phase):
    _sale(agent1, open_phase, 1)
    with CaptureQueriesContext(connection) as few:
        _written(Enrollment.objects.all())
    for n in range(2, 30):
        _sale(agent1, open_phase, n)
    with CaptureQueriesContext(connection) as many:
        _ws, rows = _written(Enrollment.objects.all())
    assert rows == 29
    assert len(many.captured_queries) == len(few.captured_queries) == 1


# --- The download endpoint -------------------------------------------------------------


def _get(client, query: str = ""):
    response = client.get(f"{URL}{query}", headers={"accept-language": "en"})
    return response


def _downloaded(response) -> dict[str, list]:
    assert response.status_code == 200, response.content[:500]
    return _by_ref(_opened(b"".join(response.streaming_content)))


def test_an_agent_downloads_only_their_own_enrollments(sales, api1):
    assert set(_downloaded(_get(api1))) == {"A01-0001", "A01-0002", "A01-0003"}


def test_the_other_agent_downloads_only_theirs(sales, api2):
    assert set(_downloaded(_get(api2))) == {"A02-0001"}


def test_staff_download_every_enrollment(sales, reviewer_api):
    assert set(_downloaded(_get(reviewer_api))) == {"A01-0001", "A01-0002", "A01-0003", "A02-0001"}


def test_an_organizations_manager_downloads_their_agents_enrollments(sales, agent2):
    manager = UserFactory(username="dl-manager")
    agent2.organization.managers.add(manager)
    assert set(_downloaded(_get(client_for(manager)))) == {"A02-0001"}


def test_the_lists_filters_apply(sales, reviewer_api):
    assert set(_downloaded(_get(reviewer_api, "?product=HHI"))) == {"A01-0002"}
    assert set(_downloaded(_get(reviewer_api, "?counted=false"))) == {"A01-0003"}
    assert set(_downloaded(_get(reviewer_api, "?status=confirmed&status=submitted&agent=A02"))) == {"A02-0001"}


def test_the_phase_filter_applies(sales, reviewer_api, closed_phase):
    assert set(_downloaded(_get(reviewer_api, f"?phase={closed_phase.pk}"))) == {"A01-0003"}


def test_a_bad_filter_is_refused_with_a_message_per_field(sales, reviewer_api):
    response = _get(reviewer_api, "?status=lost&receipt_from=yesterday")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"status", "receipt_from"}


def test_an_anonymous_request_is_refused(sales):
    assert _get(client_for(None)).status_code == 401


def test_the_file_is_named_as_an_attachment(sales, api1):
    response = _get(api1)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="Ho-so-thu-')


def test_names_that_look_like_formulas_are_downloaded_as_text(sales, agent1, reviewer_api):
    first = sales["first"]
    Participant.objects.filter(pk=first.participant_id).update(full_name=HYPERLINK)
    Agent.objects.filter(pk=agent1.pk).update(full_name=WEBSERVICE)
    ServiceOrganization.objects.filter(pk=agent1.organization_id).update(name=PLUS)
    Enrollment.objects.filter(pk=first.pk).update(receipt_no=MINUS, client_ref=AT)
    Enrollment.objects.filter(pk=sales["other"].pk).update(client_ref=TAB)

    response = _get(reviewer_api)

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    first_row, last_row = HEADER_ROW + 1, HEADER_ROW + 4  # the first sale, agent2's
    assert_written_as_text(
        content,
        {
            ("Hồ sơ thu", f"B{first_row}"): MINUS,
            ("Hồ sơ thu", f"E{first_row}"): WEBSERVICE,
            ("Hồ sơ thu", f"F{first_row}"): PLUS,
            ("Hồ sơ thu", f"G{first_row}"): HYPERLINK,
            ("Hồ sơ thu", f"R{first_row}"): AT,
            ("Hồ sơ thu", f"R{last_row}"): TAB,
        },
    )
    # The money is still money.
    assert [cell.value for cell in _opened(content)[first_row][11:13]] == [792_000, 198_000]


def test_a_large_selection_becomes_an_export_job(sales, api1, agent1, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = _get(api1, "?product=VSI")
    assert response.status_code == 202
    body = response.json()
    job = ExportJob.objects.get(pk=body["id"])
    assert response["Location"] == body["url"]
    assert (job.kind, job.params, job.requested_by) == ("enrollments", {"product": "VSI"}, agent1.user)
    assert job.status == "done"
    # The job applies the same filters and visibility: agent1's two VSI receipts.
    assert set(_by_ref(_opened(bytes(job.content)))) == {"A01-0001", "A01-0003"}


def test_a_selection_at_the_limit_is_answered_inline(sales, api1, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 3
    assert len(_downloaded(_get(api1))) == 3
    assert not ExportJob.objects.exists()
