"""Excel imports of confirmations and coverage history, row by row."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook

from core.spreadsheets import SpreadsheetError
from enrollments.imports import confirmations_import, coverage_import
from enrollments.models import CoveragePeriod, Enrollment, Participant
from enrollments.services import enrollment_submit
from tests.factories import ParticipantFactory
from tests.intake_fixtures import submission
from tests.offices import build_offices

pytestmark = pytest.mark.django_db


def workbook(*rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def submit(agent, **overrides):
    from enrollments.serializers import EnrollmentInSerializer

    return enrollment_submit(agent=agent, item=EnrollmentInSerializer().run_validation(submission(**overrides)))


@pytest.fixture
def two_receipts(agent1):
    first = submit(agent1, client_ref="A-1", receipt_no="BL-1").enrollment
    second = submit(
        agent1,
        client_ref="A-2",
        receipt_no="BL-2",
        participant={"personal_id": "049190000001", "full_name": "Lê Thị Bình", "gender": "female"},
    ).enrollment
    return first, second


def test_confirmations_by_receipt_number_are_applied(two_receipts, reviewer):
    first, _second = two_receipts
    report = confirmations_import(
        file=workbook(["Số biên lai", "Số tiền"], ["BL-1", first.amount_due], ["BL-2", None]), by=reviewer
    )
    assert report.applied
    assert not report.error_rows
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"confirmed"}
    assert CoveragePeriod.objects.count() == 2
    assert Enrollment.objects.get(pk=first.pk).transitions.get().by == reviewer


def test_one_bad_row_applies_nothing_and_is_reported_by_row_number(two_receipts):
    report = confirmations_import(file=workbook(["Số biên lai"], ["BL-1"], ["BL-404"]))
    assert not report.applied
    assert [row.number for row in report.error_rows] == [3]
    assert "BL-404" not in report.error_rows[0].errors[0]  # the message explains, the row number locates
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_valid_rows_can_be_applied_on_request(two_receipts):
    report = confirmations_import(file=workbook(["Số biên lai"], ["BL-1"], ["BL-404"]), apply_valid=True)
    assert report.applied
    assert Enrollment.objects.get(receipt_no="BL-1").status == "confirmed"


def test_an_amount_that_differs_from_the_amount_due_is_an_error(two_receipts):
    report = confirmations_import(file=workbook(["Số biên lai", "Số tiền"], ["BL-1", 1]))
    assert len(report.error_rows) == 1
    assert not report.applied


def test_the_amounts_of_a_mismatch_are_written_with_vietnamese_thousands(two_receipts):
    first, _second = two_receipts
    report = confirmations_import(file=workbook(["Số biên lai", "Số tiền"], ["BL-1", 1_234_567]))
    due = f"{first.amount_due:,}".replace(",", ".")
    assert report.error_rows[0].errors == [f"Số tiền 1.234.567 khác với số tiền phải đóng {due}."]


def test_a_rejected_enrollment_cannot_be_confirmed_by_import(two_receipts):
    from enrollments.services import enrollment_reject

    enrollment_reject(enrollment=two_receipts[0], reason="Sai")
    report = confirmations_import(file=workbook(["Số biên lai"], ["BL-1"]))
    assert report.error_rows[0].number == 2


def test_a_file_without_the_receipt_column_is_refused_whole(two_receipts):
    with pytest.raises(SpreadsheetError):
        confirmations_import(file=workbook(["Ghi chú"], ["x"]))


def test_a_file_that_is_not_a_workbook_is_refused(two_receipts):
    with pytest.raises(SpreadsheetError):
        confirmations_import(file=io.BytesIO(b"not a workbook"))


COVERAGE_HEADER = ["Số CCCD", "Họ và tên", "Ngày sinh", "Giới tính", "Loại hình", "Từ ngày", "Đến ngày"]


def test_imported_coverage_turns_a_counted_enrollment_into_a_renewal(agent1):
    enrollment = submit(agent1).enrollment
    assert enrollment.counted
    today = timezone.localdate()
    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            [
                "049090123456",
                "Nguyễn Văn An",
                "17/05/1990",
                "Nam",
                "BHXH tự nguyện",
                today - timedelta(days=300),
                today - timedelta(days=30),
            ],
        )
    )
    assert report.applied, [row.errors for row in report.rows]
    enrollment.refresh_from_db()
    assert (enrollment.counted, enrollment.not_counted_reason) == (False, "not_new")


def test_coverage_of_an_unknown_person_creates_the_participant(db):
    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            ["049190000001", "Lê Thị Bình", date(1990, 3, 1), "female", "VSI", date(2022, 1, 1), date(2022, 12, 31)],
        )
    )
    assert report.applied
    person = Participant.objects.get(personal_id="049190000001")
    assert person.coverage_periods.get().end == date(2022, 12, 31)


def test_a_personal_id_leading_zero_lost_by_excel_is_restored(db):
    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            [49190000001, "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)],
        )
    )
    assert report.applied
    assert Participant.objects.filter(personal_id="049190000001").exists()


def test_coverage_rows_are_checked_one_by_one(db):
    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            ["049190000001", "Lê Thị Bình", date(1991, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)],
            ["049190000002", "Lê Thị Hoa", date(1990, 3, 1), "Nữ", "XYZ", date(2022, 1, 1), date(2022, 12, 31)],
            ["049190000003", "Lê Thị Lan", date(1990, 3, 1), "Nữ", "VSI", date(2023, 1, 1), date(2022, 12, 31)],
            ["049190000004", "Lê Thị Mai", date(1990, 3, 1), "Nữ", "HHI", date(2022, 1, 1), date(2022, 12, 31)],
        )
    )
    assert [row.number for row in report.error_rows] == [2, 3, 4]
    assert not report.applied
    assert not Participant.objects.exists()


def test_a_known_person_with_another_name_is_not_overwritten(agent1):
    submit(agent1)
    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            ["049090123456", "Nguyễn Văn Ánh", "17/05/1990", "Nam", "VSI", date(2022, 1, 1), date(2022, 12, 31)],
        )
    )
    assert report.error_rows
    assert Participant.objects.get().full_name == "Nguyễn Văn An"


def test_importing_the_same_coverage_twice_adds_it_once(db):
    row = ["049190000001", "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)]
    coverage_import(file=workbook(COVERAGE_HEADER, row))
    report = coverage_import(file=workbook(COVERAGE_HEADER, row))
    assert report.applied
    assert CoveragePeriod.objects.count() == 1


# --- identity: ASCII digits only ------------------------------------------------------


def full_width(digits: str) -> str:
    return digits.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})


def test_a_confirmation_cross_checked_by_a_full_width_personal_id_is_reported(two_receipts):
    report = confirmations_import(
        file=workbook(["Số biên lai", "Số CCCD"], ["BL-1", "049090123456"], ["BL-2", full_width("049190000001")])
    )
    assert not report.applied
    assert [row.number for row in report.error_rows] == [3]
    assert report.error_rows[0].errors[0].startswith("Số CCCD: ")
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_full_width_twin_of_a_personal_id_in_a_coverage_file_is_reported_by_row(db):
    row = ["049190000001", "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)]
    twin = [full_width("049190000001"), *row[1:5], date(2023, 1, 1), date(2023, 12, 31)]
    report = coverage_import(file=workbook(COVERAGE_HEADER, row, twin), apply_valid=True)
    assert [row.number for row in report.error_rows] == [3]
    assert report.error_rows[0].errors[0].startswith("Số CCCD: ")
    assert list(Participant.objects.values_list("personal_id", flat=True)) == ["049190000001"]
    assert CoveragePeriod.objects.count() == 1


@pytest.mark.parametrize("personal_id", ["049²90000001", "049 190 000 001", "04919000000١", "049190000001.5"])
def test_a_personal_id_of_other_characters_is_reported_never_raised(db, personal_id):
    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            [personal_id, "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)],
        )
    )
    assert [row.number for row in report.error_rows] == [2]
    assert not Participant.objects.exists()


def test_spaces_around_a_personal_id_in_a_cell_are_trimmed(db):
    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            [" 049190000001  ", "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)],
        )
    )
    assert report.applied, [row.errors for row in report.rows]
    assert Participant.objects.filter(personal_id="049190000001").exists()


def test_a_full_width_social_insurance_code_is_reported_by_row(db):
    header = [*COVERAGE_HEADER, "Mã số BHXH"]
    cells = ["049190000001", "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)]
    report = coverage_import(file=workbook(header, [*cells, full_width("4901234567")]))
    assert [row.number for row in report.error_rows] == [2]
    assert report.error_rows[0].errors[0].startswith("Mã số BHXH: ")
    assert not Participant.objects.exists()


def test_a_social_insurance_code_given_as_a_number_gets_its_leading_zero_back(db):
    header = [*COVERAGE_HEADER, "Mã số BHXH"]
    cells = ["049190000001", "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)]
    report = coverage_import(file=workbook(header, [*cells, 490123456]))
    assert report.applied, [row.errors for row in report.rows]
    assert Participant.objects.get().social_insurance_code == "0490123456"


def test_a_social_insurance_code_held_by_another_person_is_reported_by_row(db):
    ParticipantFactory(personal_id="049090418444", social_insurance_code="4901234567")
    header = [*COVERAGE_HEADER, "Mã số BHXH"]
    cells = ["049190000001", "Lê Thị Bình", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)]
    other = ["049190000002", "Lê Thị Hoa", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)]
    third = ["049190000003", "Lê Thị Lan", date(1990, 3, 1), "Nữ", "VSI", date(2022, 1, 1), date(2022, 12, 31)]
    report = coverage_import(
        file=workbook(header, [*cells, "4901234567"], [*other, "4907654321"], [*third, "4907654321"]),
        apply_valid=True,
    )
    assert [row.number for row in report.error_rows] == [2, 4]
    assert Participant.objects.get(personal_id="049190000002").social_insurance_code == "4907654321"
    assert not Participant.objects.filter(personal_id__in=["049190000001", "049190000003"]).exists()


def test_an_office_imports_coverage_of_people_no_campaign_knows_but_not_of_another_offices(db):
    offices = build_offices()
    theirs = offices.tay_ninh.submitted.participant
    known_only_from_coverage = ParticipantFactory(full_name="Lê Thị Bình", date_of_birth=date(1990, 3, 1))
    known_only_from_coverage.personal_id = "049190000001"
    known_only_from_coverage.gender = "female"
    known_only_from_coverage.save()
    period = [date(2019, 1, 1), date(2019, 12, 31)]

    report = coverage_import(
        file=workbook(
            COVERAGE_HEADER,
            [theirs.personal_id, theirs.full_name, theirs.date_of_birth, theirs.gender, "VSI", *period],
            ["049190000001", "Lê Thị Bình", date(1990, 3, 1), "female", "VSI", *period],
            ["049090000777", "Trần Văn Mới", date(1990, 1, 1), "male", "VSI", *period],
        ),
        by=offices.quang_nam.staff,
        apply_valid=True,
    )

    assert [bool(row.errors) for row in report.rows] == [True, False, False]
    assert not theirs.coverage_periods.exists()
    assert CoveragePeriod.objects.filter(participant__personal_id__in=["049190000001", "049090000777"]).count() == 2
