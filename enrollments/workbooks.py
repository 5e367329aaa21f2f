"""The enrollment export: one row per enrollment, in bounded memory.

The rows are the ones a queryset selects — in the API and the export jobs the
caller's visible enrollments narrowed by ``EnrollmentFilter``, the same filter
set as the list endpoint. They are read in primary-key order as plain tuples
(``values_list``, no model instances), ``chunk_size`` rows per round trip, and
appended to a sheet of ``core.workbooks``, which streams them to a
temporary file: memory does not grow with the number of rows.
"""

from __future__ import annotations

from typing import IO
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone, translation

from core.workbooks import DATE, DATETIME, MONEY, Column, WorkbookWriter, datetime_text, excel_datetime
from enrollments.choices import EnrollmentStatus, NotCountedReason, Product
from enrollments.models import Enrollment

CHUNK_SIZE = 2_000
TEXT = "@"  # Excel's text format: the personal ID keeps its leading zero
REPORT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

COLUMNS = [
    Column("Số biên lai", 12),
    Column("Thời điểm thu", 15, DATETIME),
    Column("Mã nhân viên thu", 11),
    Column("Họ tên nhân viên thu", 18, wrap=True),
    Column("Tổ chức dịch vụ thu", 20, wrap=True),
    Column("Họ tên người tham gia", 18, wrap=True),
    Column("Số CCCD", 13, TEXT),
    Column("Ngày sinh", 11, DATE),
    Column("Sản phẩm", 12, wrap=True),
    Column("Số tháng đóng", 7),
    Column("Số tiền phải đóng (đồng)", 12, MONEY),
    Column("NSNN hỗ trợ (đồng)", 11, MONEY),
    Column("Trạng thái", 11, wrap=True),
    Column("Được tính thi đua", 8),
    Column("Lý do không tính", 20, wrap=True),
    Column("Đợt", 16, wrap=True),
    Column("Mã tham chiếu", 14),
]
FIELDS = [
    "receipt_no",
    "receipt_at",
    "campaign__time_zone",
    "agent__code",
    "agent__full_name",
    "agent__organization__name",
    "participant__full_name",
    "participant__personal_id",
    "participant__date_of_birth",
    "product",
    "payment_months",
    "amount_due",
    "state_support",
    "status",
    "counted",
    "not_counted_reason",
    "campaign__code",
    "phase__name",
    "client_ref",
]
TITLE = "DANH SÁCH HỒ SƠ THU"
YES, NO = "Có", "Không"


def write_enrollments(output: str | IO[bytes], *, queryset: QuerySet[Enrollment], chunk_size: int = CHUNK_SIZE) -> int:
    """Write the enrollments ``queryset`` selects to ``output`` (a path or a
    binary file), oldest first by id; return the rows written.

    Receipt times are shown in each campaign's time zone (Asia/Ho_Chi_Minh
    unless the campaign says otherwise); the personal ID is text, so that its
    leading zero stays; the phase is named with its campaign's code.
    """
    with translation.override("vi"):
        statuses = {value: str(label) for value, label in EnrollmentStatus.choices}
        reasons = {value: str(label) for value, label in NotCountedReason.choices}
        products = {value: str(label) for value, label in Product.choices}
    titles = [TITLE, f"Số liệu đến {datetime_text(timezone.now(), REPORT_ZONE)} (giờ Asia/Ho_Chi_Minh)"]
    with WorkbookWriter(output) as book:
        sheet = book.sheet("Hồ sơ thu", columns=COLUMNS, titles=titles)
        _write_rows(
            sheet.append,
            queryset.order_by("pk").values_list(*FIELDS).iterator(chunk_size=chunk_size),
            statuses,
            reasons,
            products,
        )
    return sheet.data_rows


def _write_rows(append, records, statuses: dict, reasons: dict, products: dict) -> None:
    """Append a sheet row per enrollment record, as the records are read."""
    zones: dict[str, ZoneInfo] = {}
    for (
        receipt_no,
        receipt_at,
        time_zone,
        agent_code,
        agent_name,
        organization,
        participant_name,
        personal_id,
        date_of_birth,
        product,
        payment_months,
        amount_due,
        state_support,
        status,
        counted,
        not_counted_reason,
        campaign_code,
        phase_name,
        client_ref,
    ) in records:
        zone = zones.get(time_zone) or zones.setdefault(time_zone, ZoneInfo(time_zone))
        append(
            [
                receipt_no or None,
                excel_datetime(receipt_at, zone),
                agent_code,
                agent_name,
                organization,
                participant_name,
                personal_id,
                date_of_birth,
                products.get(product, product),
                payment_months,
                amount_due,
                state_support,
                statuses.get(status, status),
                YES if counted else NO,
                reasons.get(not_counted_reason) if not_counted_reason else None,
                f"{campaign_code} · {phase_name}",
                client_ref,
            ]
        )
